"""Serialise the graph: the same bytes for the same input, in every RDF syntax backendkg offers."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from .. import formats
from ..namespaces import PREFIXES
from .backend import Backend

#: Export format name -> pyoxigraph format.
EXPORT_FORMATS: dict[str, ox.RdfFormat] = {f.name: f.ox_format for f in formats.DUMPS}  # type: ignore[misc]


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

    N-Quads and TriG keep the named graphs; the triple syntaxes (Turtle, N-Triples, JSON-LD, RDF/XML) get the
    merged graph, each distinct triple once, in the default graph.
    """
    try:
        rdf_format = EXPORT_FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}") from None
    items: list = sorted_quads(quads) if formats.BY_NAME[fmt].quads else sorted_triples(quads)
    prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(items, format=rdf_format, prefixes=prefixes)


def export(backend: Backend, fmt: str, *, graph: str | None = None) -> bytes:
    """The whole graph (or one named graph) of ``backend`` as ``fmt``."""
    return serialize(backend.quads(graph), fmt)
