"""Serialise the graph: the same bytes for the same input, in every RDF syntax backendkg offers."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from ..namespaces import PREFIXES
from .store import KnowledgeGraph

#: Export format name -> (pyoxigraph format, keeps named graphs).
EXPORT_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def _key(term: object) -> str:
    return str(term)


def sorted_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The distinct triples of ``quads`` (graph names dropped), in a stable order: subject, predicate, object."""
    seen = {(q.subject, q.predicate, q.object) for q in quads}
    ordered = sorted(seen, key=lambda t: (_key(t[0]), _key(t[1]), _key(t[2])))
    return [ox.Triple(s, p, o) for s, p, o in ordered]


def sorted_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """``quads`` in a stable order: graph, subject, predicate, object."""
    return sorted(quads, key=lambda q: (_key(q.graph_name), _key(q.subject), _key(q.predicate), _key(q.object)))


def serialize(quads: Iterable[ox.Quad], fmt: str) -> bytes:
    """Serialise ``quads`` deterministically as ``fmt`` (a key of :data:`EXPORT_FORMATS`).

    Triple formats get the merged graph (each distinct triple once); N-Quads and TriG keep the named graphs.
    """
    try:
        rdf_format = EXPORT_FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}") from None
    items: list = sorted_quads(quads) if rdf_format.supports_datasets else sorted_triples(quads)
    prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(items, format=rdf_format, prefixes=prefixes)


def export(kg: KnowledgeGraph, fmt: str, *, graph: str | None = None) -> bytes:
    """The whole graph (or one named graph) of ``kg`` as ``fmt``."""
    if graph is None:
        quads = kg.store.quads_for_pattern(None, None, None, None)
    else:
        quads = kg.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    return serialize(quads, fmt)
