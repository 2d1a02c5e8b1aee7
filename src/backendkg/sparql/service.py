"""The SPARQL 1.1 Service Description of ``/sparql`` and the VoID description of the dataset.

Both are built from what the server really does and really holds: the statistics come from queries on the
served graph (through the engine, so they work over a remote store too) and are computed once per process.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from .. import __version__
from .. import formats as _formats
from ..formats import Format
from ..namespaces import BASE, PREFIXES

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCTERMS = "http://purl.org/dc/terms/"
FORMATS_NS = "http://www.w3.org/ns/formats/"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: The IRI of the dataset the server publishes (the linksets under ontology/links/ name it as their subject).
DATASET = BASE + "dataset"

#: Deadline of the statistics queries, in seconds.
STATS_TIMEOUT = 300.0

#: Dump file extensions served under ``/download/`` and their formats.
DUMPS = (".ttl", ".nt", ".nq", ".trig", ".jsonld", ".rdf")

_SER_PREFIXES = {
    "sd": SD,
    "void": VOID,
    "dcterms": DCTERMS,
    "formats": FORMATS_NS,
    "xsd": XSD,
    "rdf": RDF,
    "skos": PREFIXES["skos"],
    "bkg": PREFIXES["bkg"],
}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD + "integer"))


class _Graph:
    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, s: Any, p: str, o: Any) -> None:
        self.triples.append(ox.Triple(s, _n(p), o))

    def serialize(self, fmt: Format) -> bytes:
        prefixes = _SER_PREFIXES if fmt.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        # Grouped by subject (stable), so Turtle writes each subject once.
        ordered = sorted(self.triples, key=lambda t: (isinstance(t.subject, ox.BlankNode), str(t.subject)))
        return ox.serialize(ordered, format=fmt.ox_format, prefixes=prefixes)


def _stats(engine: Any) -> dict[str, Any]:
    """Counts of the served graph, computed once per engine (with a generous deadline: on a large graph the
    distinct counts take a while, and they are worth the wait once)."""
    cached = getattr(engine, "_describe_stats", None)
    if cached is not None:
        return cached

    def one(text: str) -> int:
        rows = engine.select(timeout=STATS_TIMEOUT, text=text)
        return int(rows[0]["n"].value) if rows and "n" in rows[0] else 0

    stats: dict[str, Any] = {
        "triples": one("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"),
        "subjects": one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        "objects": one("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        "properties": one("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
        "classes": one("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"),
        "graphs": [
            (str(r["g"].value), int(r["n"].value))
            for r in engine.select(
                timeout=STATS_TIMEOUT,
                text="SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
            )
        ],
        "class_partitions": [
            (str(r["c"].value), int(r["n"].value))
            for r in engine.select(
                timeout=STATS_TIMEOUT,
                text="SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c ORDER BY ?c",
            )
        ],
        "examples": [
            str(r["x"].value)
            for r in engine.select(
                timeout=STATS_TIMEOUT,
                text="SELECT ?x WHERE { VALUES ?x { role:backend-developer skill:api-design tech:postgresql }"
                " FILTER EXISTS { ?x ?p ?o } }",
            )
        ],
        "schemes": [
            str(r["s"].value)
            for r in engine.select(
                timeout=STATS_TIMEOUT,
                text="SELECT DISTINCT ?s WHERE { ?s a skos:ConceptScheme FILTER(isIRI(?s)) } ORDER BY ?s",
            )
        ],
        "property_partitions": [
            (str(r["p"].value), int(r["n"].value))
            for r in engine.select(
                timeout=STATS_TIMEOUT, text="SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"
            )
        ],
    }
    engine._describe_stats = stats
    return stats


def service_description(root: str, fmt: Format, *, engine: Any) -> bytes:
    """The service description of ``<root>/sparql`` in ``fmt``."""
    endpoint = _n(root + "/sparql")
    stats = _stats(engine)
    g = _Graph()
    g.add(endpoint, RDF + "type", _n(SD + "Service"))
    g.add(endpoint, SD + "endpoint", endpoint)
    g.add(endpoint, SD + "supportedLanguage", _n(SD + "SPARQL11Query"))
    g.add(endpoint, SD + "feature", _n(SD + "UnionDefaultGraph"))
    g.add(endpoint, SD + "defaultEntailmentRegime", _n("http://www.w3.org/ns/entailment/Simple"))
    for f in _formats.ALL:
        g.add(endpoint, SD + "resultFormat", _n(f.iri))
    g.add(endpoint, DCTERMS + "title", ox.Literal("backendkg SPARQL endpoint (read-only)", language="en"))
    g.add(endpoint, DCTERMS + "hasVersion", ox.Literal(__version__))
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    g.add(endpoint, SD + "defaultDataset", dataset)
    g.add(dataset, RDF + "type", _n(SD + "Dataset"))
    g.add(dataset, DCTERMS + "source", _n(DATASET))
    g.add(dataset, SD + "defaultGraph", default)
    g.add(default, RDF + "type", _n(SD + "Graph"))
    g.add(default, VOID + "triples", _int(stats["triples"]))
    g.add(default, DCTERMS + "description", ox.Literal("The union of all named graphs.", language="en"))
    for i, (name, count) in enumerate(stats["graphs"]):
        named = ox.BlankNode(f"named{i}")
        graph = ox.BlankNode(f"graph{i}")
        g.add(dataset, SD + "namedGraph", named)
        g.add(named, RDF + "type", _n(SD + "NamedGraph"))
        g.add(named, SD + "name", _n(name))
        g.add(named, SD + "graph", graph)
        g.add(graph, RDF + "type", _n(SD + "Graph"))
        g.add(graph, VOID + "triples", _int(count))
    return g.serialize(fmt)


_VOCABULARIES = ("bkg", "skos", "dcterms", "prov", "rdfs", "owl", "schema", "void")


def void_description(root: str, fmt: Format, *, engine: Any, version: str = __version__) -> bytes:
    """The VoID description of the served dataset, with the linksets the graph describes, in ``fmt``."""
    stats = _stats(engine)
    d = _n(DATASET)
    g = _Graph()
    g.add(d, RDF + "type", _n(VOID + "Dataset"))
    g.add(d, DCTERMS + "title", ox.Literal("backendkg", language="en"))
    g.add(
        d,
        DCTERMS + "description",
        ox.Literal("The knowledge graph of backend development: roles, skills, technologies.", language="en"),
    )
    g.add(d, DCTERMS + "license", _n("https://creativecommons.org/licenses/by/4.0/"))
    g.add(d, DCTERMS + "hasVersion", ox.Literal(version))
    g.add(d, VOID + "sparqlEndpoint", _n(root + "/sparql"))
    g.add(d, VOID + "uriSpace", ox.Literal(BASE))
    for example in stats["examples"]:
        g.add(d, VOID + "exampleResource", _n(example))
    for scheme in stats["schemes"]:
        g.add(d, VOID + "rootResource", _n(scheme))
    for ext in DUMPS:
        g.add(d, VOID + "dataDump", _n(f"{root}/download/backendkg-{version}{ext}"))
    for f in _formats.GRAPH:
        g.add(d, VOID + "feature", _n(f.iri))
    for prefix in _VOCABULARIES:
        g.add(d, VOID + "vocabulary", _n(PREFIXES[prefix]))
    g.add(d, VOID + "triples", _int(stats["triples"]))
    g.add(d, VOID + "distinctSubjects", _int(stats["subjects"]))
    g.add(d, VOID + "distinctObjects", _int(stats["objects"]))
    g.add(d, VOID + "properties", _int(stats["properties"]))
    g.add(d, VOID + "classes", _int(stats["classes"]))
    for i, (cls, count) in enumerate(stats["class_partitions"]):
        part = ox.BlankNode(f"class{i}")
        g.add(d, VOID + "classPartition", part)
        g.add(part, VOID + "class", _n(cls))
        g.add(part, VOID + "entities", _int(count))
    for i, (prop, count) in enumerate(stats["property_partitions"]):
        part = ox.BlankNode(f"property{i}")
        g.add(d, VOID + "propertyPartition", part)
        g.add(part, VOID + "property", _n(prop))
        g.add(part, VOID + "triples", _int(count))
    linksets = engine.triples(
        timeout=STATS_TIMEOUT,
        text="CONSTRUCT { ?x ?p ?o . ?d void:subset ?ls } WHERE {"
        " { ?ls a void:Linkset . ?d void:subset ?ls } UNION"
        " { ?x a void:Linkset ; ?p ?o } UNION"
        " { ?ls a void:Linkset ; void:objectsTarget ?x . ?x ?p ?o } }",
    )
    g.triples.extend(linksets)
    return g.serialize(fmt)
