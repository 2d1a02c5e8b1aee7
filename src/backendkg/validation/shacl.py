"""Run the SHACL shapes with pySHACL on a loaded graph and turn its report into plain findings."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from .._paths import SHAPES_DIR

_XSD_STRING = str(XSD.string)


def shipped_shapes() -> list[Path]:
    """The shapes files backendkg ships, in path order."""
    return sorted(SHAPES_DIR.glob("*.ttl"))


@functools.lru_cache(maxsize=8)
def _parse_shapes(key: tuple[tuple[str, int, int], ...]) -> Graph:
    graph = Graph()
    for path, _mtime, _size in key:
        graph.parse(path, format="turtle")
    return graph


def shapes_graph(paths: Sequence[Path] | None = None) -> Graph:
    """The shapes of ``paths`` (default: the shipped shapes) as one rdflib graph, parsed once per file version."""
    files = list(paths) if paths is not None else shipped_shapes()
    key = []
    for p in files:
        stat = Path(p).stat()
        key.append((str(Path(p).resolve()), stat.st_mtime_ns, stat.st_size))
    return _parse_shapes(tuple(key))


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    datatype = term.datatype.value
    if term.language:
        return Literal(term.value, lang=term.language)
    if datatype == _XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


def to_rdflib(quads: Iterable[ox.Quad]) -> Graph:
    """The merged triples of ``quads`` as an rdflib graph (graph names dropped), for pySHACL."""
    graph = Graph()
    cache: dict[object, Node] = {}

    def conv(t):
        node = cache.get(t)
        if node is None:
            node = cache[t] = _term(t)
        return node

    add = graph.add
    for q in quads:
        add((conv(q.subject), conv(q.predicate), conv(q.object)))
    return graph


def run(data: Graph, shapes: Graph) -> Graph:
    """Validate ``data`` against ``shapes`` with SHACL Core semantics; return the validation report graph."""
    import pyshacl

    _conforms, report, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        meta_shacl=False,
        abort_on_first=False,
        allow_infos=False,
        allow_warnings=False,
        inplace=True,
    )
    return report


def results(report: Graph) -> list[dict[str, Node | None]]:
    """Each ``sh:ValidationResult`` of ``report`` as a dict of its main properties."""
    rows = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        rows.append(
            {
                "focus": report.value(result, SH.focusNode),
                "path": report.value(result, SH.resultPath),
                "message": report.value(result, SH.resultMessage),
                "severity": report.value(result, SH.resultSeverity),
                "source_shape": report.value(result, SH.sourceShape),
                "constraint": report.value(result, SH.sourceConstraintComponent),
                "value": report.value(result, SH.value),
                "_node": result,
            }
        )
    return rows


def path_text(report: Graph, path: Node | None, curie) -> str | None:
    """A SHACL property path written the way SPARQL writes it (``skos:prefLabel``, ``^skos:inScheme``)."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return curie(str(path))
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (path_text(report, inverse, curie) or "?")
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        items = list(report.items(alternatives))
        return "(" + "|".join(path_text(report, i, curie) or "?" for i in items) + ")"
    if (path, RDF.first, None) in report:
        return "/".join(path_text(report, i, curie) or "?" for i in report.items(path))
    return str(path)


def ntriples(term: Node) -> str:
    """An rdflib term in N-Triples form."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return term.n3()
    return str(term)


def from_ntriples(text: str) -> Node:
    """The rdflib term written ``text`` in N-Triples."""
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    if text.startswith("_:"):
        return BNode(text[2:])
    graph = Graph().parse(data=f"<urn:x:s> <urn:x:p> {text} .", format="nt")
    return next(iter(graph.objects()))
