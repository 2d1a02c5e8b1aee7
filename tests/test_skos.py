"""The graph as SKOS and OWL tools read it, without a reasoner: every concept asserted a ``skos:Concept``;
skosify finds nothing to fix; the ontology is OWL 2 DL and HermiT finds it and the whole graph consistent;
Annif loads every concept of the Turtle download as a subject and suggests sensible ones for a short text.

The tools that are not Python packages of the test extra are optional here and skipped, with the reason, when
they are missing: Java (HermiT runs on it), the OWL API (Debian's ``libowlapi-java``) and Annif, which pins
its own versions of rdflib, click, numpy and more and so lives in a virtual environment of its own (``.ci/run``
makes it and sets ``BACKENDKG_ANNIF`` to its ``annif`` command).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from backendkg import __version__
from backendkg._paths import ONTOLOGY_DIR
from backendkg.graph.export import export

SKOS = "http://www.w3.org/2004/02/skos/core#"
JAVA = Path(__file__).parent / "java"
TURTLE_DOWNLOAD = f"/download/backendkg-{__version__}.ttl"

#: Every resource typed with a class that is a subclass of skos:Concept, and every one typed skos:Concept.
CONCEPTS = """
SELECT ?c (SAMPLE(?k) AS ?class) (BOUND(?skos) AS ?asserted) WHERE {
  { ?c a ?k . ?k rdfs:subClassOf+ skos:Concept } UNION { ?c a skos:Concept }
  OPTIONAL { ?c a ?skos FILTER(?skos = skos:Concept) }
} GROUP BY ?c ?skos"""


@pytest.fixture(scope="module")
def turtle_download(app, tmp_path_factory) -> Path:
    """The whole-graph Turtle download, as a file."""
    response = app.test_client().get(TURTLE_DOWNLOAD)
    assert response.status_code == 200
    path = tmp_path_factory.mktemp("download") / Path(TURTLE_DOWNLOAD).name
    path.write_bytes(response.data)
    return path


def concept_iris(kg) -> set[str]:
    return {r["c"].value for r in kg.select("SELECT ?c WHERE { ?c a skos:Concept }")}


# ------------------------------------------------------------------------------------------- skos:Concept


def test_every_concept_is_asserted_a_skos_concept_as_well_as_its_backendkg_class(kg):
    rows = kg.select(CONCEPTS)
    assert len(rows) >= 165
    not_asserted = [r["c"].value for r in rows if r["asserted"].value != "true"]
    without_class = [r["c"].value for r in rows if "class" not in r]
    assert not_asserted == [], "typed with a backendkg class only"
    assert without_class == [], "a skos:Concept without a backendkg class"
    assert all(r["c"].value.startswith("https://w3id.org/backendkg/") for r in rows)
    in_schemes = kg.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a skos:Concept ; skos:inScheme ?s }")
    assert int(in_schemes[0]["n"].value) == len(rows)


def test_the_skos_concept_type_is_the_one_the_class_entails_and_has_no_statement_of_its_own(kg):
    """Provenance covers a concept's mention through the statement of its backendkg class (``a bkg:Role``).
    Its ``a skos:Concept`` is what the class's ``rdfs:subClassOf skos:Concept`` already entails, asserted for
    tools that do not reason; it needs, and has, no statement of its own."""
    mentions = kg.select("""
        SELECT ?class (COUNT(?st) AS ?n) WHERE {
          ?st a bkg:SourceStatement ; rdf:predicate rdf:type ; rdf:object ?class
        } GROUP BY ?class""")
    classes = {r["class"].value for r in mentions}
    assert SKOS + "Concept" not in classes
    for cls in classes:
        assert kg.ask(f"ASK {{ <{cls}> rdfs:subClassOf+ skos:Concept }}"), cls
    unmentioned = kg.select("""
        SELECT ?c WHERE {
          ?c a skos:Concept .
          FILTER NOT EXISTS { ?st rdf:subject ?c ; rdf:predicate rdf:type ; rdf:object ?k . ?c a ?k }
        }""")
    assert unmentioned == []


def test_a_sparql_client_without_reasoning_counts_every_concept(client, kg):
    response = client.get(
        "/sparql",
        query_string={
            "query": "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "SELECT (COUNT(*) AS ?n) WHERE { ?c a skos:Concept }"
        },
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert int(response.json["results"]["bindings"][0]["n"]["value"]) == len(concept_iris(kg))


# ------------------------------------------------------------------------------------------------ skosify


def test_skosify_finds_nothing_to_fix(turtle_download, caplog):
    """skosify, at its defaults, warns of nothing but the several concept schemes it has to choose a default
    among. Its notes (INFO) only say that it leaves alone the classes and relations outside SKOS."""
    skosify = pytest.importorskip("skosify")
    graph = rdflib.Graph().parse(turtle_download, format="turtle")
    with caplog.at_level(logging.INFO):
        skosify.skosify(graph)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("Multiple concept schemes found"), warnings
    notes = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    prefixes = ("Don't know what to do with type ", "Don't know what to do with relation ")
    assert all(note.startswith(prefixes) for note in notes), notes
    assert not [note for note in notes if SKOS in note]


# ------------------------------------------------------------------------------------------------- OWL 2 DL


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        pytest.skip("Java is not installed: HermiT and the OWL API run on it (apt-get install default-jre-headless)")
    return java


@pytest.fixture(scope="module")
def owl_documents(kg, tmp_path_factory) -> dict[str, Path]:
    """The ontology alone and the whole graph (``backendkg export --format rdfxml``), as RDF/XML files."""
    directory = tmp_path_factory.mktemp("owl")
    ontology = directory / "backendkg-ontology.rdf"
    ontology.write_bytes(ox.serialize(ox.parse(path=str(ONTOLOGY_DIR / "backendkg.ttl")), format=ox.RdfFormat.RDF_XML))
    whole = directory / "backendkg.rdf"
    whole.write_bytes(export(kg, "rdfxml"))
    return {"ontology": ontology, "graph": whole}


def _hermit_consistent(path: Path, *, contradiction: bool = False) -> bool:
    owlready2 = pytest.importorskip("owlready2")
    owlready2.JAVA_EXE = _java()
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load(format="rdfxml")
    if contradiction:
        # Roles are skos:Concepts; saying the two classes are disjoint must make every role a contradiction.
        bkg = world.get_namespace("https://w3id.org/backendkg/ontology#")
        skos = world.get_namespace(SKOS)
        with onto:
            owlready2.AllDisjoint([bkg.Role, skos.Concept])
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return False
    return True


@pytest.mark.parametrize("document", ["ontology", "graph"])
def test_hermit_finds_the_ontology_and_the_whole_graph_consistent(owl_documents, document):
    assert _hermit_consistent(owl_documents[document])


def test_hermit_finds_a_contradiction_when_there_is_one(owl_documents):
    assert not _hermit_consistent(owl_documents["graph"], contradiction=True)


def _owlapi_classpath() -> str:
    jars = sorted(Path("/usr/share/java").glob("*.jar"))
    if not any(j.name.startswith("owlapi-distribution") for j in jars):
        pytest.skip("the OWL API is not installed (apt-get install libowlapi-java); .ci/run installs it")
    if shutil.which("javac") is None:
        pytest.skip("no JDK: the OWL API check runs its Java source file with the JDK's source launcher")
    # The logging bridges of /usr/share/java route SLF4J in circles; leave them out.
    bridges = ("log4j-over-slf4j", "jul-to-slf4j", "jcl-over-slf4j", "maven3-slf4j-provider")
    return os.pathsep.join(str(j) for j in jars if not j.name.startswith(bridges))


def test_the_ontology_and_the_whole_graph_are_owl2_dl(owl_documents):
    """The OWL API's OWL 2 DL profile checker finds no violation: every class and property is declared, as one
    kind of property only. (The graph's rdf:subject, rdf:predicate and rdf:object triples of its source
    statements are RDF reification, which OWL leaves aside rather than counts against the profile.)"""
    classpath = _owlapi_classpath()
    documents = [str(owl_documents["ontology"]), str(owl_documents["graph"])]
    done = subprocess.run(
        [_java(), "-cp", classpath, str(JAVA / "OwlProfile.java"), *documents],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[-1] == "violations 0", "\n".join(lines[:20])


def test_the_profile_check_reports_an_undeclared_property(tmp_path):
    classpath = _owlapi_classpath()
    bad = tmp_path / "undeclared.ttl"
    bad.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/o> a owl:Ontology .\n"
        '<https://example.org/C> a owl:Class ; <http://purl.org/dc/terms/title> "C" .\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [_java(), "-cp", classpath, str(JAVA / "OwlProfile.java"), str(bad)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.splitlines()[-1] == "violations 1", done.stdout + done.stderr[-2000:]


# --------------------------------------------------------------------------------------------------- Annif


def _annif() -> str:
    annif = os.environ.get("BACKENDKG_ANNIF") or shutil.which("annif")
    if not annif:
        pytest.skip(
            "Annif is not installed: .ci/run installs it in a virtual environment of its own and sets "
            "BACKENDKG_ANNIF to its annif command (it pins its own rdflib, click and numpy)"
        )
    return annif


PROJECTS = """\
[backendkg-en]
name=backendkg (vocabulary only)
language=en
backend=dummy
vocab=backendkg(en)

[backendkg-mllm-en]
name=backendkg lexical
language=en
backend=mllm
analyzer=snowball(english)
vocab=backendkg(en)
limit=10
"""


@pytest.fixture(scope="module")
def annif(tmp_path_factory):
    """Run ``annif`` in a directory of its own, its projects configured, nothing downloaded: the Punkt
    sentence tokenizer the analyzers want is given as an empty (untrained) English model."""
    command = _annif()
    home = tmp_path_factory.mktemp("annif")
    (home / "projects.cfg").write_text(PROJECTS, encoding="utf-8")
    punkt = home / "nltk" / "tokenizers" / "punkt_tab" / "english"
    punkt.mkdir(parents=True)
    for name in ("collocations.tab", "sent_starters.txt", "abbrev_types.txt", "ortho_context.tab"):
        (punkt / name).write_text("", encoding="utf-8")
    env = {**os.environ, "NLTK_DATA": str(home / "nltk"), "HF_HUB_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}

    def run(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [command, *args, "--projects", str(home / "projects.cfg")],
            cwd=home,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done.stdout

    run.home = home
    return run


def test_annif_loads_every_concept_of_the_turtle_download(annif, turtle_download, kg):
    annif("load-vocab", "backendkg", str(turtle_download))
    subjects = (annif.home / "data" / "vocabs" / "backendkg" / "subjects.csv").read_text(encoding="utf-8")
    loaded = {line.split(",", 1)[0].strip("<>") for line in subjects.splitlines()[1:] if line}
    assert loaded == concept_iris(kg)
    assert len(loaded) >= 165


def test_a_lexical_annif_backend_suggests_sensible_subjects(annif, turtle_download, kg, tmp_path):
    """MLLM, Annif's lexical backend, trained on the concepts' own definitions, finds the technologies a short
    job advertisement names."""
    annif("load-vocab", "backendkg", str(turtle_download))
    rows = kg.select(
        "SELECT ?c ?label ?definition WHERE { ?c a skos:Concept ; skos:prefLabel ?label ; skos:definition ?definition }"
    )
    corpus = tmp_path / "definitions.tsv"
    corpus.write_text(
        "".join(f"{r['label'].value}: {r['definition'].value}\t<{r['c'].value}>\n" for r in rows), encoding="utf-8"
    )
    annif("train", "backendkg-mllm-en", str(corpus))
    text = "We are hiring a backend developer to build REST APIs in Python with Django and PostgreSQL.\n"
    out = annif("suggest", "backendkg-mllm-en", stdin=text)
    suggested = [line.split("\t")[0].strip("<>") for line in out.splitlines() if line.startswith("<")]
    base = "https://w3id.org/backendkg/technology/"
    assert {base + "django", base + "postgresql", base + "rest", base + "python"} <= set(suggested[:6]), out
