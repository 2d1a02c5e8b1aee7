"""The SHACL shapes: their header, a valid fixture for every node shape, an invalid fixture for every constraint.

Each fixture in tests/data/shapes/ is validated together with the ontology and tests/data/shapes/base.ttl (a
small graph that conforms). An invalid fixture lists in ``# expect:`` lines every result it must produce:
severity, focus node, sh:sourceShape, sh:resultPath (``-`` for none) and sh:sourceConstraintComponent.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import RDF, SH, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL

import backendkg
from backendkg._paths import ONTOLOGY_DIR, SHAPES_DIR
from backendkg.graph import store as kg_module
from backendkg.namespaces import BKGSH, PREFIXES, SHAPES
from backendkg.validation.report import validate

DATA = Path(__file__).parent / "data" / "shapes"
TBOX = ONTOLOGY_DIR / "backendkg.ttl"
BASE = DATA / "base.ttl"
SHAPES_FILE = SHAPES_DIR / "backendkg-shapes.ttl"
BKGSH_NS = Namespace(BKGSH)
NAMES = {**PREFIXES, "pav": "http://purl.org/pav/"}

VALID = sorted((DATA / "valid").glob("*.ttl"))
INVALID = sorted((DATA / "invalid").glob("*.ttl"))

#: Constraint parameters and the constraint component each one belongs to.
COMPONENTS = {
    "minCount": "MinCount",
    "maxCount": "MaxCount",
    "class": "Class",
    "datatype": "Datatype",
    "nodeKind": "NodeKind",
    "pattern": "Pattern",
    "uniqueLang": "UniqueLang",
    "qualifiedMinCount": "QualifiedMinCount",
    "hasValue": "HasValue",
    "disjoint": "Disjoint",
    "minLength": "MinLength",
    "minInclusive": "MinInclusive",
    "lessThan": "LessThan",
    "qualifiedMaxCount": "QualifiedMaxCount",
    "maxLength": "MaxLength",
    "or": "Or",
    "in": "In",
    "languageIn": "LanguageIn",
}


def expand(name: str) -> str:
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    prefix, _, local = name.partition(":")
    return NAMES[prefix] + local


def path_iri(path: str | None) -> str:
    if path is None or path == "-":
        return "-"
    if path.startswith("^"):
        return "^" + expand(path[1:])
    return expand(path)


def expectations(fixture: Path) -> set[tuple[str, str, str, str, str]]:
    found = set()
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"#\s*expect:\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$", line):
            severity, focus, shape, path, component = m.groups()
            found.add((severity.capitalize(), expand(focus), expand(shape), path_iri(path), expand(component)))
    return found


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


def test_shapes_file_is_an_ontology_with_the_package_version_and_a_license(shapes):
    ontology = URIRef(SHAPES)
    assert (ontology, RDF.type, OWL.Ontology) in shapes
    assert str(shapes.value(ontology, OWL.versionInfo)) == backendkg.__version__
    assert shapes.value(ontology, OWL.versionIRI) == URIRef(f"{SHAPES}/{backendkg.__version__}")
    assert shapes.value(ontology, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")


def test_every_shape_is_named_and_every_property_shape_has_a_name_and_a_message(shapes):
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    property_shapes = set(shapes.subjects(RDF.type, SH.PropertyShape))
    assert len(node_shapes) >= 20
    for shape in node_shapes | property_shapes:
        assert isinstance(shape, URIRef) and str(shape).startswith(BKGSH), shape
    for shape in property_shapes:
        assert shapes.value(shape, SH.name) is not None, shape
        message = shapes.value(shape, SH.message)
        assert message is not None and message.language == "en", shape
    for shape in node_shapes:
        has_node_constraint = any(
            (shape, SH[p], None) in shapes for p in ("class", "pattern", "or", "nodeKind", "in", "datatype")
        )
        if has_node_constraint:
            assert shapes.value(shape, SH.message) is not None, shape


def test_shapes_use_shacl_core_only(shapes):
    used = {p for p in shapes.predicates() if str(p).startswith(str(SH))}
    sparql_or_advanced = {SH.sparql, SH.select, SH.ask, SH.rule, SH.target, SH.expression, SH.declare}
    assert not used & sparql_or_advanced
    assert not any(str(s).startswith("http://datashapes.org/") for s in shapes.all_nodes())


def test_shapes_conform_to_shacl_for_shacl(shapes):
    import pyshacl
    from pyshacl.errors import ReportableRuntimeError

    conforms, _report, _text = pyshacl.validate(Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms
    broken = Graph()
    for triple in shapes:
        broken.add(triple)
    broken.set((BKGSH_NS["ConceptShape-source"], SH.minCount, Literal("one")))
    with pytest.raises(ReportableRuntimeError, match="MetaSHACL"):
        pyshacl.validate(Graph(), shacl_graph=broken, meta_shacl=True)


def _constraints(shapes: Graph) -> set[tuple[str, str]]:
    """(shape IRI, constraint component IRI) for every constraint of a named shape."""
    pairs = set()
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape)):
        for param, component in COMPONENTS.items():
            if (shape, SH[param], None) in shapes:
                pairs.add((str(shape), f"{SH}{component}ConstraintComponent"))
    return pairs


def test_every_constraint_has_an_invalid_fixture(shapes):
    covered = {(e[2], e[4]) for fixture in INVALID for e in expectations(fixture)}
    missing = sorted(_constraints(shapes) - covered)
    assert not missing, f"constraints without an invalid fixture: {missing}"


def test_every_node_shape_has_a_valid_fixture(shapes):
    claimed = set()
    for fixture in VALID:
        for line in fixture.read_text(encoding="utf-8").splitlines():
            if m := re.match(r"#\s*shapes:\s*(.+)$", line):
                claimed |= {expand(s) for s in m.group(1).split()}
    node_shapes = {str(s) for s in shapes.subjects(RDF.type, SH.NodeShape)}
    assert node_shapes <= claimed, sorted(node_shapes - claimed)


@pytest.mark.parametrize("fixture", VALID, ids=[f.stem for f in VALID])
def test_valid_fixture_conforms_and_is_targeted(fixture, shapes):
    report = validate([TBOX, BASE, fixture], checks=False)
    assert report.findings == [], report.to_text()
    assert report.exit_code(strict=True) == 0
    claimed = set()
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"#\s*shapes:\s*(.+)$", line):
            claimed |= {URIRef(expand(s)) for s in m.group(1).split()}
    assert claimed, "a valid fixture names the shapes it exercises in a '# shapes:' line"
    data = Graph().parse(fixture, format="turtle")
    tbox = Graph().parse(TBOX, format="turtle")
    for shape in claimed:
        assert _targets(shapes, shape, data, tbox), f"{shape} has no focus node in {fixture.name}"


def _targets(shapes: Graph, shape: URIRef, data: Graph, tbox: Graph) -> set:
    from rdflib.namespace import RDFS

    focus = set()
    for cls in shapes.objects(shape, SH.targetClass):
        subclasses = set(tbox.transitive_subjects(RDFS.subClassOf, cls)) | {cls}
        for c in subclasses:
            focus |= set(data.subjects(RDF.type, c))
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        focus |= set(data.subjects(prop, None))
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        focus |= set(data.objects(None, prop))
    return focus


@pytest.mark.parametrize("fixture", INVALID, ids=[f.stem for f in INVALID])
def test_invalid_fixture_is_rejected_by_the_expected_shape_and_path(fixture):
    expected = expectations(fixture)
    assert expected, f"{fixture.name} has no '# expect:' line"
    report = validate([TBOX, BASE, fixture], checks=False)
    got = {
        (
            f.severity,
            f.focus,
            f.source_shape or "",
            path_iri(f.path) if f.path else "-",
            f.constraint,
        )
        for f in report.findings
    }
    assert got == expected, report.to_text()
    assert report.exit_code(strict=True) == 1
    if any(e[0] == "Violation" for e in expected):
        assert not report.conforms and report.exit_code() == 1
    else:
        assert report.conforms and report.exit_code() == 0
    for finding in report.findings:
        assert finding.file == fixture
        assert finding.message and not finding.message.startswith("Value ")


def test_focus_nodes_are_iris_not_blank_nodes_in_fixtures():
    for fixture in [*VALID, *INVALID]:
        graph = Graph().parse(fixture, format="turtle")
        assert not any(isinstance(s, BNode) for s in graph.subjects()), fixture.name


SHACL_JS = Path(__file__).parent / "shacl-js"


@pytest.fixture(scope="module")
def second_engine() -> dict:
    """Every fixture and the shipped graph, validated by rdf-validate-shacl (Node.js) in one run."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the shapes are not checked with the second SHACL engine")
    if not (SHACL_JS / "node_modules" / "rdf-validate-shacl").is_dir():
        pytest.skip("run 'npm ci --prefix tests/shacl-js' to install the second SHACL engine (rdf-validate-shacl)")
    jobs = [{"name": "shipped", "files": [str(p) for p in kg_module.shipped_files()]}]
    for fixture in [*VALID, *INVALID]:
        jobs.append({"name": f"{fixture.parent.name}/{fixture.stem}", "files": [str(TBOX), str(BASE), str(fixture)]})
    done = subprocess.run(
        [node, str(SHACL_JS / "validate.mjs"), str(SHAPES_FILE)],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_second_engine_loads_the_shapes_and_the_shipped_graph_conforms(second_engine, shapes):
    assert second_engine["shapes"] == len(set(shapes.subjects(RDF.type, SH.NodeShape)))
    shipped = second_engine["jobs"]["shipped"]
    assert shipped["conforms"] and shipped["results"] == []


@pytest.mark.parametrize("fixture", VALID, ids=[f.stem for f in VALID])
def test_second_engine_accepts_valid_fixture(second_engine, fixture):
    job = second_engine["jobs"][f"valid/{fixture.stem}"]
    assert job["conforms"] and job["results"] == [], job


@pytest.mark.parametrize("fixture", INVALID, ids=[f.stem for f in INVALID])
def test_second_engine_agrees_on_invalid_fixture(second_engine, fixture):
    job = second_engine["jobs"][f"invalid/{fixture.stem}"]
    got = {
        (
            r["severity"].rpartition("#")[2],
            r["focus"],
            r["sourceShape"],
            r["path"] if r["path"] not in (None, "(complex)") else "-",
            r["component"],
        )
        for r in job["results"]
    }
    expected = {e if not e[3].startswith("^") else (*e[:3], "-", e[4]) for e in expectations(fixture)}
    assert got == expected
    assert job["conforms"] is False
