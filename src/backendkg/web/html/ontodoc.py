"""The ontology as a document: its header, classes and properties with what the axioms say of each, and the
class diagram, read from the served graph once per process."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from ...graph.backend import Backend
from ...namespaces import BKG, ONTOLOGY, curie
from .diagram import Edge, Node, render
from .terms import href

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"

PROPERTY_TYPES = {
    OWL + "ObjectProperty": "object property",
    OWL + "DatatypeProperty": "datatype property",
    OWL + "AnnotationProperty": "annotation property",
    RDF + "Property": "property",
}
CHARACTERISTICS = {
    OWL + "SymmetricProperty": "symmetric",
    OWL + "TransitiveProperty": "transitive",
    OWL + "FunctionalProperty": "functional",
    OWL + "InverseFunctionalProperty": "inverse functional",
    OWL + "AsymmetricProperty": "asymmetric",
    OWL + "ReflexiveProperty": "reflexive",
    OWL + "IrreflexiveProperty": "irreflexive",
}


@dataclass
class Term:
    iri: str
    name: str
    label: str = ""
    definition: str = ""
    comments: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    supers: list[str] = field(default_factory=list)
    subs: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    used_ranges: list[str] = field(default_factory=list)
    inverses: list[str] = field(default_factory=list)
    declared_inverses: list[str] = field(default_factory=list)
    see_also: list[str] = field(default_factory=list)
    deprecated: bool = False
    instances: int = 0
    uses: int = 0
    domain_of: list[str] = field(default_factory=list)
    range_of: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return next((PROPERTY_TYPES[t] for t in self.types if t in PROPERTY_TYPES), "property")

    @property
    def characteristics(self) -> list[str]:
        return [CHARACTERISTICS[t] for t in self.types if t in CHARACTERISTICS]


@dataclass
class OntologyDoc:
    header: dict[str, list[str]]
    classes: list[Term]
    properties: list[Term]
    svg: str


def _literal_first(values: list[ox.Literal]) -> str:
    en = [v for v in values if v.language in ("en", None)]
    return (en or values)[0].value if values else ""


def build(kg: Backend) -> OntologyDoc:
    """The documentation of every ``bkg:`` term in ``kg``."""
    triples: dict[str, list[tuple[str, ox.NamedNode | ox.Literal | ox.BlankNode]]] = defaultdict(list)
    header: dict[str, list[str]] = defaultdict(list)
    query = (
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o "
        f"FILTER(isIRI(?s) && (STRSTARTS(STR(?s), STR(bkg:)) || ?s = <{ONTOLOGY}>)) }}"
    )
    for row in kg.query(query):
        s, p, o = row["s"].value, row["p"].value, row["o"]
        if s == ONTOLOGY:
            header[p].append(o.value if isinstance(o, ox.Literal | ox.NamedNode) else str(o))
        else:
            triples[s].append((p, o))

    terms: dict[str, Term] = {}
    for iri, pairs in triples.items():
        term = Term(iri=iri, name=iri[len(BKG) :])
        literals: dict[str, list[ox.Literal]] = defaultdict(list)
        for p, o in pairs:
            if isinstance(o, ox.Literal):
                literals[p].append(o)
                continue
            if not isinstance(o, ox.NamedNode):
                continue
            target = {
                RDF + "type": term.types,
                RDFS + "subClassOf": term.supers,
                RDFS + "subPropertyOf": term.supers,
                RDFS + "domain": term.domains,
                RDFS + "range": term.ranges,
                OWL + "inverseOf": term.inverses,
                RDFS + "seeAlso": term.see_also,
            }.get(p)
            if target is not None and o.value not in target:
                target.append(o.value)
        term.label = _literal_first(literals[RDFS + "label"]) or term.name
        term.definition = _literal_first(literals[SKOS + "definition"])
        term.comments = [c.value for c in literals[RDFS + "comment"]]
        term.deprecated = any(v.value == "true" for v in literals[OWL + "deprecated"])
        if term.types:
            terms[iri] = term
    for term in terms.values():
        term.declared_inverses = list(term.inverses)
    for term in terms.values():
        for other in term.inverses:
            if other in terms and term.iri not in terms[other].inverses:
                terms[other].inverses.append(term.iri)
        for sup in term.supers:
            if sup in terms:
                terms[sup].subs.append(term.iri)

    classes = sorted(
        (t for t in terms.values() if OWL + "Class" in t.types or RDFS + "Class" in t.types), key=lambda t: t.name
    )
    properties = sorted((t for t in terms.values() if any(x in PROPERTY_TYPES for x in t.types)), key=lambda t: t.name)
    for cls in classes:
        query = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a/rdfs:subClassOf* <{cls.iri}> }}"
        cls.instances = int(kg.select(query)[0]["n"].value)
    for prop in properties:
        prop.uses = int(kg.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{prop.iri}> ?o }}")[0]["n"].value)
        if prop.domains and not prop.ranges and OWL + "ObjectProperty" in prop.types:
            prop.used_ranges = _used_ranges(kg, prop.iri, classes)
    for prop in properties:
        for c in prop.domains:
            if c in terms:
                terms[c].domain_of.append(prop.name)
        for c in prop.ranges:
            if c in terms:
                terms[c].range_of.append(prop.name)
    for t in terms.values():
        t.subs.sort()
    return OntologyDoc(header=dict(header), classes=classes, properties=properties, svg=diagram(classes, properties))


def _used_ranges(kg: Backend, prop: str, classes: list[Term]) -> list[str]:
    """The most specific ``bkg:`` classes of the objects of ``prop`` in the data."""
    known = {c.iri: c for c in classes}
    rows = kg.select(f"SELECT DISTINCT ?c WHERE {{ ?s <{prop}> ?o . ?o a ?c }}")
    found = {r["c"].value for r in rows if r["c"].value in known}
    return sorted(c for c in found if not any(c in known[o].supers for o in found if o != c))


def diagram(classes: list[Term], properties: list[Term]) -> str:
    known = {c.iri for c in classes}
    attributes: dict[str, list[str]] = defaultdict(list)
    for p in properties:
        if OWL + "DatatypeProperty" in p.types:
            for d in p.domains:
                rng = ", ".join(curie(r).split(":", 1)[-1] for r in p.ranges) or "literal"
                attributes[d].append(f"{p.name}: {rng}")
    nodes = [
        Node(
            key=c.iri,
            label=c.name,
            href="#" + c.name,
            parents=[s for s in c.supers if s in known],
            attributes=attributes.get(c.iri, []),
            title=f"bkg:{c.name} — {c.definition}" if c.definition else f"bkg:{c.name}",
        )
        for c in classes
    ]
    by_iri = {p.iri: p for p in properties}
    edges: list[Edge] = []
    for p in properties:
        if OWL + "ObjectProperty" not in p.types or p.deprecated:
            continue
        # Of a pair of inverses, draw the one that declares the pair (both do: the first by name).
        if any(
            p.iri in by_iri[q].declared_inverses and (q not in p.declared_inverses or by_iri[q].name < p.name)
            for q in p.inverses
            if q in by_iri
        ):
            continue
        # A sub-property that joins the same classes as its super-property is folded into it.
        if any(s in by_iri and by_iri[s].domains == p.domains and by_iri[s].ranges == p.ranges for s in p.supers):
            continue
        folded = [by_iri[s].name for s in p.subs if s in by_iri and by_iri[s].domains == p.domains]
        label = p.name + (f" (+{len(folded)})" if folded else "")
        title = f"bkg:{p.name}" + (f"; also {', '.join('bkg:' + f for f in folded)}" if folded else "")
        ranges, dashed = (p.ranges, False) if p.ranges else (p.used_ranges, True)
        for d in p.domains:
            for r in ranges:
                if d in known and r in known:
                    edges.append(Edge(d, r, label, "#" + p.name, dashed=dashed, title=title))
    return render(nodes, edges, title="Classes and object properties of the backendkg ontology")


def local_href(iri: str) -> str:
    return "#" + iri[len(BKG) :] if iri.startswith(BKG) else href(iri)
