"""Expected answers of the competency questions, computed in-process, and the parsed form of an HTTP answer
to compare them with: multisets of solutions, sets of triples (blank nodes compared by position only)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

import pyoxigraph as ox

# Media type -> pyoxigraph format, per query form.
TABULAR = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def _term(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:"
    return str(term)


def _csv_cell(cell: str) -> str:
    return "_:" if cell.startswith("_:") else cell


@dataclass(frozen=True)
class Answer:
    """A parsed answer: ``kind`` is boolean, solutions, csv or graph."""

    kind: str
    head: tuple[str, ...] = ()
    boolean: bool | None = None
    rows: Counter | None = None
    triples: frozenset | None = None


def from_result(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, media_type: str) -> Answer:
    """The answer an in-process result should come back as over HTTP in ``media_type``."""
    if isinstance(result, ox.QueryBoolean):
        return Answer("boolean", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        if media_type == "text/csv":
            return parse(result.serialize(format=ox.QueryResultsFormat.CSV), media_type)
        names = tuple(v.value for v in result.variables)
        rows = Counter(tuple(_term(s[n]) for n in names) for s in result)
        return Answer("solutions", head=names, rows=rows)
    return Answer("graph", triples=frozenset((_term(t.subject), _term(t.predicate), _term(t.object)) for t in result))


def parse(body: bytes, media_type: str) -> Answer:
    """Parse an HTTP answer with pyoxigraph's parsers (with :mod:`csv` for CSV, which pyoxigraph does not read)."""
    if media_type in GRAPH:
        quads = ox.parse(body, GRAPH[media_type])
        return Answer(
            "graph", triples=frozenset((_term(q.subject), _term(q.predicate), _term(q.object)) for q in quads)
        )
    if media_type == "text/csv":
        text = body.decode("utf-8")
        if text.strip() in ("true", "false"):
            return Answer("boolean", boolean=text.strip() == "true")
        records = list(csv.reader(io.StringIO(text, newline="")))
        head, rows = tuple(records[0]), records[1:]
        return Answer("csv", head=head, rows=Counter(tuple(_csv_cell(c) for c in row) for row in rows))
    parsed = ox.parse_query_results(body, TABULAR[media_type])
    if isinstance(parsed, ox.QueryBoolean):
        return Answer("boolean", boolean=bool(parsed))
    names = tuple(v.value for v in parsed.variables)
    return Answer("solutions", head=names, rows=Counter(tuple(_term(s[n]) for n in names) for s in parsed))


def media_types(form: str) -> tuple[str, ...]:
    return tuple(GRAPH) if form in ("CONSTRUCT", "DESCRIBE") else tuple(TABULAR)
