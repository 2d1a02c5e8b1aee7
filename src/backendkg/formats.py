"""Result formats of the SPARQL endpoint and the content negotiation that picks them.

SELECT and ASK results ("tabular") and CONSTRUCT and DESCRIBE results ("graph") are negotiated separately
from the same Accept header, because the query form is only known once the query is parsed: a client
sending ``application/sparql-results+xml, application/rdf+xml`` gets XML results for a SELECT and RDF/XML
for a CONSTRUCT. Parsing of the header is werkzeug's.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class ResultFormat:
    """One serialization the endpoint writes, with pyoxigraph's serializer for it."""

    name: str
    media_type: str
    ox_format: ox.QueryResultsFormat | ox.RdfFormat
    #: A W3C format IRI (https://www.w3.org/ns/formats/) for service descriptions.
    iri: str

    @property
    def tabular(self) -> bool:
        return isinstance(self.ox_format, ox.QueryResultsFormat)

    @property
    def content_type(self) -> str:
        if self.media_type.startswith("text/"):
            return self.media_type + "; charset=utf-8"
        return self.media_type


_W3C = "http://www.w3.org/ns/formats/"

JSON = ResultFormat("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON, _W3C + "SPARQL_Results_JSON")
XML = ResultFormat("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML, _W3C + "SPARQL_Results_XML")
CSV = ResultFormat("csv", "text/csv", ox.QueryResultsFormat.CSV, _W3C + "SPARQL_Results_CSV")
TSV = ResultFormat("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV, _W3C + "SPARQL_Results_TSV")
TURTLE = ResultFormat("turtle", "text/turtle", ox.RdfFormat.TURTLE, _W3C + "Turtle")
NTRIPLES = ResultFormat("ntriples", "application/n-triples", ox.RdfFormat.N_TRIPLES, _W3C + "N-Triples")
NQUADS = ResultFormat("nquads", "application/n-quads", ox.RdfFormat.N_QUADS, _W3C + "N-Quads")
TRIG = ResultFormat("trig", "application/trig", ox.RdfFormat.TRIG, _W3C + "TriG")
JSONLD = ResultFormat("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, _W3C + "JSON-LD")
RDFXML = ResultFormat("rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML, _W3C + "RDF_XML")

TABULAR_FORMATS: tuple[ResultFormat, ...] = (JSON, XML, CSV, TSV)
GRAPH_FORMATS: tuple[ResultFormat, ...] = (TURTLE, NTRIPLES, NQUADS, TRIG, JSONLD, RDFXML)
FORMATS: dict[str, ResultFormat] = {f.name: f for f in TABULAR_FORMATS + GRAPH_FORMATS}

# Media types offered per query form, the default first; aliases that clients send in the wild map to
# the same format (``application/json`` is SPARQL JSON for a SELECT and JSON-LD for a CONSTRUCT).
_TABULAR_OFFERS: dict[str, ResultFormat] = {
    JSON.media_type: JSON,
    XML.media_type: XML,
    CSV.media_type: CSV,
    TSV.media_type: TSV,
    "application/json": JSON,
}
_GRAPH_OFFERS: dict[str, ResultFormat] = {
    TURTLE.media_type: TURTLE,
    NTRIPLES.media_type: NTRIPLES,
    NQUADS.media_type: NQUADS,
    TRIG.media_type: TRIG,
    JSONLD.media_type: JSONLD,
    RDFXML.media_type: RDFXML,
    "application/x-turtle": TURTLE,
    "application/json": JSONLD,
    "text/plain": NTRIPLES,
}
_TABULAR_LIST = list(_TABULAR_OFFERS)
_GRAPH_LIST = list(_GRAPH_OFFERS)

# ``format=`` values: a format name, or a media type.
_OVERRIDES: dict[str, tuple[ResultFormat | None, ResultFormat | None]] = {
    "json": (JSON, JSONLD),
    "xml": (XML, RDFXML),
    "csv": (CSV, None),
    "tsv": (TSV, None),
    "turtle": (None, TURTLE),
    "ttl": (None, TURTLE),
    "ntriples": (None, NTRIPLES),
    "nt": (None, NTRIPLES),
    "nquads": (None, NQUADS),
    "nq": (None, NQUADS),
    "trig": (None, TRIG),
    "jsonld": (None, JSONLD),
    "json-ld": (None, JSONLD),
    "rdfxml": (None, RDFXML),
    "rdf": (None, RDFXML),
}


@dataclass(frozen=True)
class Choice:
    """The format for tabular results and the one for graph results; ``None`` where nothing is acceptable."""

    tabular: ResultFormat | None
    graph: ResultFormat | None

    @property
    def key(self) -> str:
        return f"{self.tabular.name if self.tabular else '-'}/{self.graph.name if self.graph else '-'}"


DEFAULT = Choice(JSON, TURTLE)

_by_header: dict[str, Choice] = {}


def negotiate(accept: str | None) -> Choice:
    """The formats for an Accept header value (``None`` or empty: the defaults, SPARQL JSON and Turtle).

    Quality values, wildcards and lists are honoured; ties go to the endpoint's order (JSON, XML, CSV, TSV;
    Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML). Answers are memoised per header value.
    """
    if not accept:
        return DEFAULT
    choice = _by_header.get(accept)
    if choice is None:
        parsed = parse_accept_header(accept, MIMEAccept)
        tabular = parsed.best_match(_TABULAR_LIST)
        graph = parsed.best_match(_GRAPH_LIST)
        choice = Choice(
            _TABULAR_OFFERS[tabular] if tabular else None,
            _GRAPH_OFFERS[graph] if graph else None,
        )
        if len(_by_header) > 512:
            _by_header.clear()
        _by_header[accept] = choice
    return choice


def override(value: str) -> Choice:
    """The formats for a ``format=`` parameter: a name (``json``, ``csv``, ``turtle`` ...) or a media type.

    Raises :class:`KeyError` for an unknown value.
    """
    key = value.strip().lower()
    if key in _OVERRIDES:
        return Choice(*_OVERRIDES[key])
    media = key.split(";", 1)[0].strip()
    tabular = _TABULAR_OFFERS.get(media)
    graph = _GRAPH_OFFERS.get(media)
    if tabular is None and graph is None:
        raise KeyError(value)
    return Choice(tabular, graph)


def known_names() -> list[str]:
    return sorted(_OVERRIDES)
