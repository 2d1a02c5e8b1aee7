"""The quality checks of queries/qc/: their headers, a fixture that makes each one return rows, the shipped graph."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from backendkg._paths import ONTOLOGY_DIR
from backendkg.graph import store as kg_module
from backendkg.namespaces import PREFIXES
from backendkg.validation import checks as _shacl_checks

DATA = Path(__file__).parent / "data"
TBOX = ONTOLOGY_DIR / "backendkg.ttl"
BASE = DATA / "shapes" / "base.ttl"
CHECKS = _shacl_checks.shipped_checks()
FIXTURES = sorted((DATA / "qc").glob("*.ttl"))


def expand(name: str) -> str:
    prefix, _, local = name.partition(":")
    return PREFIXES[prefix] + local


def expected_focus(fixture: Path) -> set[str]:
    text = fixture.read_text(encoding="utf-8")
    return {expand(m.group(1)) for m in re.finditer(r"^#\s*expect:\s*(\S+)\s*$", text, re.MULTILINE)}


def focus_of(rows) -> set[str]:
    return {str(r["focus"].value) for r in rows}


def test_there_are_quality_checks_for_each_topic():
    names = {c.stem for c in CHECKS}
    for topic in (
        "duplicate-preflabel",
        "label-whitespace",
        "broken-characters",
        "orphan-concept",
        "role-without-responsibility",
        "relation-without-source",
        "broader-cycle",
        "term-without-isdefinedby",
        "undeclared-external-iri",
    ):
        assert f"{topic}-violation" in names


@pytest.mark.parametrize("path", CHECKS, ids=[c.stem for c in CHECKS])
def test_check_has_summary_problem_and_solution(path):
    check = _shacl_checks.parse(path)
    assert check.summary and check.summary != path.stem
    assert len(check.problem) > 40 and len(check.solution) > 20
    assert check.severity == "Violation"
    assert path.read_text(encoding="utf-8").startswith("#+ summary:")


def test_every_check_has_a_fixture():
    assert {c.stem for c in CHECKS} == {f.stem for f in FIXTURES}


def test_the_base_fixture_passes_every_check():
    graph = kg_module.load([TBOX, BASE])
    for check in _shacl_checks.load():
        assert _shacl_checks.run(graph.store, check) == [], check.name


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_fixture_makes_its_check_return_the_expected_rows(fixture):
    expected = expected_focus(fixture)
    assert expected, f"{fixture.name} has no '# expect:' line"
    check = _shacl_checks.parse(_shacl_checks.QC_DIR / f"{fixture.stem}.rq")
    graph = kg_module.load([TBOX, BASE, fixture])
    rows = _shacl_checks.run(graph.store, check)
    assert focus_of(rows) == expected


def test_relation_check_accepts_subproperty_inverse_and_symmetric_statements(tmp_path):
    data = tmp_path / "relations.ttl"
    data.write_text(
        """@prefix bkg: <https://w3id.org/backendkg/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix role: <https://w3id.org/backendkg/role/> .
@prefix skill: <https://w3id.org/backendkg/skill/> .
role:backend-developer bkg:requiresSkill skill:database-design .
role:designer bkg:collaboratesWith role:backend-developer .
<https://w3id.org/backendkg/statement/00000000000000e1> a bkg:SourceStatement ;
    rdf:subject role:backend-developer ; rdf:predicate bkg:collaboratesWith ; rdf:object role:designer ;
    dcterms:source <https://w3id.org/backendkg/source/example-article> ; bkg:section "Team" .
""",
        encoding="utf-8",
    )
    graph = kg_module.load([TBOX, BASE, data])
    check = _shacl_checks.parse(_shacl_checks.QC_DIR / "relation-without-source-violation.rq")
    rows = _shacl_checks.run(graph.store, check)
    assert rows == []


def test_check_must_select_focus(tmp_path):
    bad = tmp_path / "no-focus-violation.rq"
    bad.write_text("#+ summary: wrong\nSELECT ?x WHERE { ?x ?p ?o }\n", encoding="utf-8")
    graph = kg_module.load([TBOX])
    with pytest.raises(ValueError, match=r"\?focus"):
        _shacl_checks.run(graph.store, _shacl_checks.parse(bad))


def test_shipped_graph_passes_every_check(kg):
    failures = {}
    for check in _shacl_checks.load():
        rows = _shacl_checks.run(kg.store, check)
        if rows:
            failures[check.name] = sorted(
                " ".join(str(v) for v in row.values() if isinstance(v, ox.NamedNode | ox.Literal)) for row in rows
            )[:5]
    assert not failures, failures
