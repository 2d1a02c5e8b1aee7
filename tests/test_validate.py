"""``backendkg validate`` and the ``validate()`` API: the shipped graph, edits, bad files, formats, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import RDF, SH, Graph, Literal

from backendkg._paths import ONTOLOGY_DIR, SHAPES_DIR
from backendkg.cli import cli
from backendkg.graph import store as kg_module
from backendkg.namespaces import BKGSH, curie
from backendkg.namespaces import PREFIXES as PREFIX_MAP
from backendkg.validation.report import Report, overlay, validate

DATA = Path(__file__).parent / "data"
TBOX = ONTOLOGY_DIR / "backendkg.ttl"
BASE = DATA / "shapes" / "base.ttl"
INVALID = sorted((DATA / "shapes" / "invalid").glob("*.ttl"))

PREFIXES = """@prefix bkg: <https://w3id.org/backendkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix scheme: <https://w3id.org/backendkg/scheme/> .
@prefix skill: <https://w3id.org/backendkg/skill/> .
"""


def run(*args: str):
    return CliRunner().invoke(cli, ["validate", *args])


@pytest.fixture(scope="module")
def shipped_report(kg) -> Report:
    return validate(kg)


def test_shipped_graph_conforms(shipped_report):
    assert shipped_report.findings == [], shipped_report.to_text()
    assert shipped_report.conforms
    assert shipped_report.exit_code(strict=True) == 0
    assert shipped_report.shapes >= 20 and shipped_report.checks >= 9
    assert shipped_report.triples > 1000


def test_cli_without_arguments_validates_the_shipped_graph():
    result = run()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("conforms: 0 violations")


def test_a_concept_without_label_definition_or_source_fails(tmp_path):
    edit = tmp_path / "new-skill.ttl"
    edit.write_text(
        PREFIXES + "skill:unlabelled a bkg:TechnicalSkill ;\n"
        "    skos:inScheme scheme:skills ;\n    skos:topConceptOf scheme:skills .\n",
        encoding="utf-8",
    )
    result = run(str(edit))
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "skill:unlabelled" in line]
    shapes = {re.search(r"\[(\S+)\]$", line).group(1) for line in lines}
    assert {
        "bkgsh:ConceptShape-prefLabel-count",
        "bkgsh:ConceptShape-definition-count",
        "bkgsh:ConceptShape-source",
    } <= shapes
    assert all(line.startswith(f"{edit}: violation: skill:unlabelled") for line in lines if "Shape" in line)
    assert "The concept has no preferred label (skos:prefLabel)." in result.output
    assert "The concept has no definition (skos:definition)." in result.output


def test_an_edited_file_replaces_the_shipped_file_of_the_same_name(tmp_path):
    shipped = ONTOLOGY_DIR / "schemes" / "skills.ttl"
    triples = list(ox.parse(path=shipped, format=ox.RdfFormat.TURTLE))
    pref_label = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    concept = next(t.subject for t in triples if t.predicate == pref_label and "/skill/" in t.subject.value)
    edited = tmp_path / "skills.ttl"
    edited.write_bytes(
        ox.serialize(
            [t for t in triples if not (t.subject == concept and t.predicate == pref_label)],
            format=ox.RdfFormat.TURTLE,
            prefixes=PREFIX_MAP,
        )
    )
    result = run(str(edited))
    assert result.exit_code == 1, result.output
    name = curie(concept.value)
    assert f"{edited}: violation: {name} skos:prefLabel: The concept has no preferred label" in result.output
    files = overlay([edited], kg_module.shipped_files())
    assert edited in files and shipped not in files
    assert len(files) == len(kg_module.shipped_files())


def test_a_new_file_is_added_to_the_shipped_graph(tmp_path):
    extra = tmp_path / "extra-notes.ttl"
    extra.write_text(PREFIXES + 'skill:api-design skos:note "checked"@en .\n', encoding="utf-8")
    files = overlay([extra], kg_module.shipped_files())
    assert files[-1] == extra and len(files) == len(kg_module.shipped_files()) + 1
    assert run(str(extra)).exit_code == 0


def test_turtle_syntax_error_exits_2_with_file_line_and_column(tmp_path):
    bad = tmp_path / "broken.ttl"
    bad.write_text(PREFIXES + 'skill:x a bkg:Skill ;\n    skos:prefLabel "open\n', encoding="utf-8")
    result = run(str(bad))
    assert result.exit_code == 2
    assert re.search(r"broken\.ttl:6:\d+: Turtle syntax error", result.output), result.output
    assert "Traceback" not in result.output


def test_missing_file_exits_2(tmp_path):
    result = run(str(tmp_path / "missing.ttl"))
    assert result.exit_code == 2
    assert "missing.ttl" in result.output


def test_json_format(tmp_path):
    fixture = DATA / "shapes" / "invalid" / "RoleShape-requiresSkill.ttl"
    result = run("--data", str(TBOX), "--data", str(BASE), str(fixture), "--no-checks", "--format", "json")
    assert result.exit_code == 1
    body = json.loads(result.output)
    assert body["conforms"] is False and body["violations"] == 1
    (finding,) = body["findings"]
    assert finding["focus_name"] == "role:fixture"
    assert finding["path"] == "bkg:requiresSkill"
    assert finding["source_shape"] == BKGSH + "RoleShape-requiresSkill"
    assert finding["constraint"] == str(SH.ClassConstraintComponent)
    assert finding["value"] == "<https://w3id.org/backendkg/technology/python>"
    assert finding["file"] == str(fixture)


def test_turtle_format_is_a_shacl_validation_report(tmp_path):
    fixture = DATA / "shapes" / "invalid" / "ConceptShape-definition-count.ttl"
    result = run("--data", str(TBOX), "--data", str(BASE), str(fixture), "--no-checks", "--format", "turtle")
    assert result.exit_code == 1
    graph = Graph().parse(data=result.output, format="turtle")
    (report,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms) == Literal(False)
    results = list(graph.objects(report, SH.result))
    assert len(results) == 2
    assert {graph.value(r, SH.sourceShape).fragment for r in results} == {
        "ConceptShape-definition-count",
        "ConceptShape-definition-english",
    }
    assert all(
        graph.value(r, SH.resultPath) == graph.namespace_manager.expand_curie("skos:definition") for r in results
    )


def test_warnings_pass_unless_strict():
    fixture = DATA / "shapes" / "invalid" / "ConceptShape-definition-length.ttl"
    args = ["--data", str(TBOX), "--data", str(BASE), str(fixture), "--no-checks"]
    relaxed = run(*args)
    assert relaxed.exit_code == 0, relaxed.output
    assert "warning: skill:fixture skos:definition: The definition is very short" in relaxed.output
    assert run(*args, "--strict").exit_code == 1


def test_quality_check_findings_are_reported_and_can_be_skipped():
    fixture = DATA / "qc" / "orphan-concept-violation.ttl"
    args = ["--data", str(TBOX), "--data", str(BASE), str(fixture)]
    result = run(*args)
    assert result.exit_code == 1
    assert "violation: skill:orphan: A concept is linked to no other concept [qc:orphan-concept-violation]" in (
        result.output
    )
    assert run(*args, "--no-checks").exit_code == 0


def test_other_shapes_can_be_given(tmp_path):
    shapes = tmp_path / "strict.ttl"
    shapes.write_text(
        SHAPES_DIR.joinpath("backendkg-shapes.ttl").read_text(encoding="utf-8")
        + "\nbkgsh:NoteShape a sh:NodeShape ; sh:targetClass bkg:Role ;\n"
        '    sh:property [ sh:path skos:scopeNote ; sh:minCount 1 ; sh:message "A role needs a scope note." ] .\n',
        encoding="utf-8",
    )
    report = validate([TBOX, BASE], shapes=[shapes], checks=False)
    assert [f.message for f in report.findings] == ["A role needs a scope note."]
    assert report.findings[0].source_shape is None  # a blank property shape


@pytest.mark.parametrize("fixture", INVALID, ids=[f.stem for f in INVALID])
def test_cli_rejects_each_invalid_fixture_with_the_shape_message(fixture):
    shapes = set(re.findall(r"^# expect: \S+ \S+ (\S+) ", fixture.read_text(encoding="utf-8"), re.MULTILINE))
    result = run("--data", str(TBOX), "--data", str(BASE), str(fixture), "--no-checks", "--strict")
    assert result.exit_code == 1, result.output
    for shape in shapes:
        assert f"[{shape}]" in result.output
    for line in result.output.splitlines()[:-1]:
        assert Path(line.split(": ")[0]).resolve() == fixture.resolve(), line


def test_real_console_script_exit_codes(tmp_path):
    script = [sys.executable, "-c", "from backendkg.cli import main; main()", "validate"]
    ok = subprocess.run(script, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    broken = subprocess.run([*script, str(bad)], capture_output=True, text=True)
    assert broken.returncode == 2
    assert "bad.ttl:2:" in broken.stderr
