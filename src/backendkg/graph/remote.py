"""The graph in another SPARQL store: ``backendkg serve --remote URL``.

For data that has outgrown one process: load the dumps (``backendkg export --format nquads``) into a SPARQL
store (Oxigraph server, Virtuoso, Apache Jena Fuseki, QLever, GraphDB ...) and let backendkg forward queries
to it. :class:`RemoteGraph` is the :class:`~backendkg.graph.backend.Backend` of such an endpoint: every page,
search, question and named query works over it as over the embedded store, and ``/sparql`` forwards users'
queries after the engine's checks (no SERVICE, no updates, row cap, deadline). Answers are not cached, since
the remote data may change.

What it sends, so that every store gives the embedded store's answers:

- **The dataset.** Stores disagree about the default graph (Oxigraph's is an empty graph of its own unless
  started with ``--union-default-graph``, which then ignores ``FROM``; Virtuoso's is the union of every
  graph, its own system graphs included; Fuseki's depends on its configuration). So unless the request or
  the query names a dataset, each query goes with the protocol's ``default-graph-uri`` and
  ``named-graph-uri`` parameters for every graph of backendkg's dataset: the default graph is then their
  union, as on the embedded store, on every store. The dataset is the graphs under
  ``https://w3id.org/backendkg/graph/`` (those of ``backendkg export``), or, when the endpoint holds none of
  those, every graph it lists; it is read when the server starts.
- **The Accept header that fits the query form**: SPARQL JSON for SELECT and ASK, N-Triples for CONSTRUCT and
  DESCRIBE; the answer is read by its ``Content-Type``.
- **Substitutions** as a ``VALUES`` block at the start of the ``WHERE`` group
  (:func:`~backendkg.graph.binding.bind`), as on the embedded store.
- **Queries every store evaluates alike**: backendkg's own queries avoid what one of them gets wrong
  (property paths with both ends unbound, ``GRAPH ?g {}``, sorting on ``LCASE(STR(?x))``, a ``GROUP_CONCAT``
  whose order is left to the store).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence

import pyoxigraph as ox

from .. import __version__
from ..errors import BadGateway, BadRequest, GatewayTimeout, Problem
from ..namespaces import GRAPH, sparql_prologue
from .answers import Answer, Canonical, canonical
from .backend import Queries, Term
from .binding import bind, query_form

#: What is asked for, per query form: one media type each, since some stores (Virtuoso) ignore quality values
#: and answer with the first type they can write. SPARQL JSON keeps datatypes, language tags and spaces exactly
#: on every store tried (Virtuoso's XML loses leading spaces, its TSV is not the standard's).
ACCEPT_RESULTS = "application/sparql-results+json"
ACCEPT_GRAPH = "application/n-triples"

_RESULTS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "text/csv": ox.QueryResultsFormat.CSV,
}
_RDF = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG,
}

# Virtuoso writes blank nodes in SPARQL JSON as "nodeID://b1", which is not a blank node label.
_VIRTUOSO_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')


class Rejected(BadRequest):
    """The endpoint refused the query as malformed (its message says why)."""


class RemoteError(Exception):
    """The remote endpoint could not be reached, or does not answer SPARQL queries."""


class RemoteGraph(Queries):
    """A SPARQL endpoint as a :class:`~backendkg.graph.backend.Backend`."""

    fingerprint = None
    load_seconds = 0.0

    def __init__(self, url: str, *, timeout: float = 10.0, graphs: Sequence[str] | None = None):
        """``graphs``: the named graphs of the dataset (default: discovered by :meth:`discover`)."""
        self.url = url
        self.timeout = timeout
        self.version = __version__
        self._prologue = sparql_prologue()
        self._graphs: list[str] | None = list(graphs) if graphs is not None else None

    def __repr__(self) -> str:
        return f"RemoteGraph({self.url!r})"

    # -- HTTP -----------------------------------------------------------------------------------------------

    def fetch(
        self,
        text: str,
        *,
        accept: str,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> tuple[str, bytes]:
        """POST ``text`` to the endpoint; return the media type and the body of its answer."""
        fields: list[tuple[str, str]] = [("query", text)]
        fields += [("default-graph-uri", g) for g in default_graph or ()]
        fields += [("named-graph-uri", g) for g in named_graphs or ()]
        request = urllib.request.Request(
            self.url,
            data=urllib.parse.urlencode(fields).encode("ascii"),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return response.headers.get_content_type(), response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:2000].decode("utf-8", "replace").strip()
            if exc.code == 400:
                raise Rejected(f"The SPARQL endpoint rejected the query: {detail}") from None
            raise BadGateway(f"The SPARQL endpoint answered {exc.code}: {detail}") from None
        except TimeoutError:
            raise GatewayTimeout("The SPARQL endpoint did not answer in time.") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BadGateway(f"The SPARQL endpoint {self.url} cannot be reached: {reason}") from None

    def parsed(
        self,
        text: str,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> Answer:
        """Send ``text`` as it is, with the Accept header its form needs; its answer, parsed."""
        form = query_form(text)
        accept = ACCEPT_GRAPH if form in ("CONSTRUCT", "DESCRIBE") else ACCEPT_RESULTS
        media, body = self.fetch(
            text, accept=accept, default_graph=default_graph, named_graphs=named_graphs, timeout=timeout
        )
        try:
            if media in _RESULTS:
                if _RESULTS[media] is ox.QueryResultsFormat.JSON and b"nodeID://" in body:
                    body = _VIRTUOSO_BNODE.sub(rb"\1", body)
                return ox.parse_query_results(body, _RESULTS[media])
            if media in _RDF:
                return [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(body, _RDF[media])]
        except (SyntaxError, ValueError) as exc:
            raise BadGateway(f"The SPARQL endpoint's {media} answer cannot be read: {exc}") from None
        raise BadGateway(f"The SPARQL endpoint answered with {media!r}, which backendkg cannot read.")

    # -- the dataset ------------------------------------------------------------------------------------------

    def discover(self) -> list[str]:
        """The graphs of the dataset: those under backendkg's graph namespace, or every graph the endpoint
        lists when it holds none of those."""
        rows = self.parsed("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        listed = sorted(str(s["g"].value) for s in rows if isinstance(s["g"], ox.NamedNode))  # type: ignore[union-attr]
        ours = [g for g in listed if g.startswith(GRAPH)]
        return ours or listed

    @property
    def graphs(self) -> list[str]:
        if self._graphs is None:
            self._graphs = self.discover()
        return list(self._graphs)

    def _dataset(
        self, default_graph: Sequence[str] | None, named_graphs: Sequence[str] | None
    ) -> tuple[Sequence[str], Sequence[str]]:
        if default_graph is None and named_graphs is None:
            graphs = self.graphs
            return graphs, graphs
        return default_graph or (), named_graphs or ()

    # -- the Backend interface --------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[str, Term] | None = None,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        prefixes: bool = True,
    ) -> Answer:
        """Evaluate one of backendkg's own queries remotely, over backendkg's dataset."""
        text = bind(sparql, substitutions) if substitutions else sparql
        if prefixes:
            text = self._prologue + text
        dg, ng = self._dataset(default_graph, named_graphs)
        return self.parsed(text, default_graph=dg, named_graphs=ng)

    def __len__(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"].value) if rows else 0

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of the dataset (or of ``graph``), fetched one graph at a time."""
        for name in [graph] if graph is not None else self.graphs:
            node = ox.NamedNode(name)
            triples = self.parsed(
                "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", default_graph=(), named_graphs=(name,)
            )
            for t in triples:  # type: ignore[union-attr]
                yield ox.Quad(t.subject, t.predicate, t.object, node)

    def evaluate(
        self,
        text: str,
        *,
        default_graph: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
        own_dataset: bool = False,
        base_iri: str | None = None,
        row_limit: int,
        timeout: float,
    ) -> Canonical:
        """Forward a user's query (after the engine's checks) and cap its rows like the embedded store."""
        base = f"BASE <{base_iri}>\n" if base_iri else ""
        if own_dataset and default_graph is None and named_graphs is None:
            dg, ng = None, None  # FROM / FROM NAMED, as the query says
        else:
            dg, ng = self._dataset(default_graph, named_graphs)
        result = self.parsed(base + self._prologue + text, default_graph=dg, named_graphs=ng, timeout=timeout)
        return canonical(result, row_limit=row_limit)


def connect(url: str, *, timeout: float = 10.0, check: bool = True) -> RemoteGraph:
    """A :class:`RemoteGraph` for ``url``; with ``check``, make sure it answers and learn its dataset first."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteError(f"not an http(s) URL: {url!r}")
    graph = RemoteGraph(url, timeout=timeout)
    if check:
        try:
            graph.parsed("ASK {}")
            graph._graphs = graph.discover()
        except Problem as exc:
            raise RemoteError(f"{url} does not answer SPARQL queries: {exc.description}") from None
    return graph
