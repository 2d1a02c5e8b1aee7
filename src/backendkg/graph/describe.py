"""The description of one resource that its Linked Data IRI answers with.

A bounded description: the resource's own triples, the labels and types of what it links to, the triples
that link to it (with the labels and types of their subjects), and the source statements that reify its own
and its incoming triples (``rdf:subject`` / ``rdf:object`` it) or that it is the source of, each with the
labels of what they mention.
"""

from __future__ import annotations

import pyoxigraph as ox

from ..namespaces import PREFIXES
from .backend import Backend
from .export import sorted_triples

DESCRIBE = """
CONSTRUCT {
  ?s ?p ?o . ?o ?lp ?ol .
  ?in ?ip ?s . ?in ?lp ?il .
  ?st ?sp ?so . ?so ?lp ?sol .
}
WHERE {
  { ?s ?p ?o . OPTIONAL { VALUES ?lp { skos:prefLabel rdfs:label dcterms:title rdf:type } ?o ?lp ?ol } }
  UNION
  { ?in ?ip ?s . OPTIONAL { VALUES ?lp { skos:prefLabel rdfs:label dcterms:title rdf:type } ?in ?lp ?il } }
  UNION
  { VALUES ?role { rdf:subject rdf:object } ?st ?role ?s . ?st ?sp ?so .
    OPTIONAL { VALUES ?lp { skos:prefLabel rdfs:label dcterms:title } ?so ?lp ?sol } }
  UNION
  { ?st dcterms:source ?s ; a bkg:SourceStatement . ?st ?sp ?so .
    OPTIONAL { VALUES ?lp { skos:prefLabel rdfs:label dcterms:title } ?so ?lp ?sol } }
}
"""


def describe(kg: Backend, iri: str) -> list[ox.Triple]:
    """The description of ``iri`` as sorted, distinct triples; empty when the graph does not mention it."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:  # not an IRI at all (a space, a quote ...): the graph cannot mention it
        return []
    result = kg.query(DESCRIBE, substitutions={"s": node})
    return sorted_triples(ox.Quad(t.subject, t.predicate, t.object) for t in result)


def used_prefixes(triples: list[ox.Triple]) -> dict[str, str]:
    """The backendkg prefixes whose namespace some IRI of ``triples`` is in."""
    terms = [term for t in triples for term in (t.subject, t.predicate, t.object)]
    iris = {term.value for term in terms if isinstance(term, ox.NamedNode)}
    iris |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) and len(i) > len(ns) for i in iris)}


def serialize(triples: list[ox.Triple], fmt: ox.RdfFormat) -> bytes:
    """``triples`` in ``fmt``; Turtle and RDF/XML declare the prefixes they use."""
    prefixes = used_prefixes(triples) if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(triples, format=fmt, prefixes=prefixes)
