"""The one table of formats backendkg reads and writes, built on pyoxigraph's own format objects.

Each :class:`Format` wraps a ``pyoxigraph.QueryResultsFormat`` (SELECT and ASK results: "tabular") or a
``pyoxigraph.RdfFormat`` (CONSTRUCT and DESCRIBE results, Linked Data, dumps: "graph") and adds what clients
call it by: the ``format=`` names they send (``ttl``, ``n3``, ``rdf+xml`` ...) and the media types they send
besides the registered one (``text/plain`` for N-Triples, ``application/json`` for SPARQL JSON or JSON-LD).
The media type, file extension and W3C format IRI are pyoxigraph's.

Which format answers a given request is chosen by the web layer's negotiator
(:mod:`backendkg.web.negotiation`), which works on this table; the command line picks by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    """One serialization, with pyoxigraph's serializer for it."""

    #: The name backendkg uses (``format=`` value, CLI option value).
    name: str
    ox_format: ox.QueryResultsFormat | ox.RdfFormat
    #: Other names clients send for it (``ttl`` for Turtle, ``rdf+xml`` for RDF/XML ...).
    aliases: tuple[str, ...] = ()
    #: Media types besides the registered one that clients use for it.
    media_aliases: tuple[str, ...] = ()

    @cached_property
    def media_type(self) -> str:
        """The registered media type, without parameters."""
        return self.ox_format.media_type.split(";", 1)[0].strip()

    @property
    def extension(self) -> str:
        return self.ox_format.file_extension

    @property
    def iri(self) -> str:
        """The W3C format IRI (https://www.w3.org/ns/formats/), for service descriptions."""
        return self.ox_format.iri

    @property
    def label(self) -> str:
        return self.ox_format.name

    @property
    def tabular(self) -> bool:
        return isinstance(self.ox_format, ox.QueryResultsFormat)

    @property
    def quads(self) -> bool:
        """Whether backendkg writes named graphs in it: N-Quads and TriG. JSON-LD could hold them too, but it is
        written as a triple syntax, its triples in the default graph, which is where JSON-LD readers that load
        one graph (``rdflib.Graph().parse``, most JSON-LD tools) look for them."""
        return self.ox_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)

    @cached_property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.media_aliases)

    @cached_property
    def content_type(self) -> str:
        """The ``Content-Type`` of an answer in this format (text types say they are UTF-8)."""
        if self.media_type.startswith("text/"):
            return self.media_type + "; charset=utf-8"
        return self.media_type

    def __repr__(self) -> str:
        return f"<Format {self.name}>"


_Q = ox.QueryResultsFormat
_R = ox.RdfFormat

JSON = Format("json", _Q.JSON, media_aliases=("application/json",))
XML = Format("xml", _Q.XML)
CSV = Format("csv", _Q.CSV)
TSV = Format("tsv", _Q.TSV)
TURTLE = Format("turtle", _R.TURTLE, aliases=("ttl",), media_aliases=("application/x-turtle",))
NTRIPLES = Format("ntriples", _R.N_TRIPLES, aliases=("nt", "n-triples"), media_aliases=("text/plain",))
NQUADS = Format("nquads", _R.N_QUADS, aliases=("nq", "n-quads"))
TRIG = Format("trig", _R.TRIG)
JSONLD = Format("jsonld", _R.JSON_LD, aliases=("json-ld",), media_aliases=("application/json",))
RDFXML = Format("rdfxml", _R.RDF_XML, aliases=("rdf", "rdf+xml", "owl"))
N3 = Format("n3", _R.N3, media_aliases=("text/rdf+n3",))

#: Formats of SELECT and ASK results, in the order of preference when a client accepts several equally.
TABULAR: tuple[Format, ...] = (JSON, XML, CSV, TSV)
#: Formats of RDF graphs (CONSTRUCT, DESCRIBE), likewise.
GRAPH: tuple[Format, ...] = (TURTLE, NTRIPLES, NQUADS, TRIG, JSONLD, RDFXML, N3)
#: Triple syntaxes of Linked Data documents (no named graphs), the default first.
TRIPLES: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML)
#: The syntaxes of the dumps and of ``backendkg export``, in the order the listing shows them.
DUMPS: tuple[Format, ...] = (TURTLE, NTRIPLES, NQUADS, TRIG, JSONLD, RDFXML)
ALL: tuple[Format, ...] = TABULAR + GRAPH

BY_NAME: dict[str, Format] = {f.name: f for f in ALL}
BY_EXTENSION: dict[str, Format] = {f.extension: f for f in GRAPH}

#: RDF file extensions backendkg loads, and the syntax each is read as.
READABLE: dict[str, ox.RdfFormat] = {
    ".ttl": _R.TURTLE,
    ".nt": _R.N_TRIPLES,
    ".nq": _R.N_QUADS,
    ".trig": _R.TRIG,
    ".jsonld": _R.JSON_LD,
    ".json": _R.JSON_LD,
    ".rdf": _R.RDF_XML,
    ".owl": _R.RDF_XML,
    ".xml": _R.RDF_XML,
    ".n3": _R.N3,
}


@dataclass(frozen=True)
class Choice:
    """The format for tabular results and the one for graph results of a query whose form is not known yet;
    ``None`` where nothing is acceptable."""

    tabular: Format | None
    graph: Format | None

    @property
    def key(self) -> str:
        return f"{self.tabular.name if self.tabular else '-'}/{self.graph.name if self.graph else '-'}"


#: No preference: SPARQL JSON for SELECT and ASK, Turtle for CONSTRUCT and DESCRIBE.
DEFAULT = Choice(JSON, TURTLE)


def named(value: str, among: Sequence[Format]) -> Format | None:
    """The format of ``among`` that ``value`` names: a name, an alias or a media type (parameters ignored);
    ``None`` when it names none of them."""
    key = value.strip().lower()
    media = key.split(";", 1)[0].strip()
    for fmt in among:
        if key == fmt.name or key in fmt.aliases or media in fmt.media_types:
            return fmt
    return None


def choice_named(value: str) -> Choice | None:
    """The formats a ``format=`` value asks for, per query form (``json``: SPARQL JSON or JSON-LD; ``xml``:
    SPARQL XML or RDF/XML); ``None`` when it names no format at all."""
    found = Choice(named(value, TABULAR), _graph_named(value))
    return found if found.tabular or found.graph else None


def _graph_named(value: str) -> Format | None:
    key = value.strip().lower()
    if key == "xml":
        return RDFXML
    if key == "json":
        return JSONLD
    return named(value, GRAPH)


def names() -> list[str]:
    """Every name and alias, for messages and documentation."""
    return sorted({n for f in ALL for n in (f.name, *f.aliases)})
