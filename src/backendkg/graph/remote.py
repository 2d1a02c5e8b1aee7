"""Serve over an existing SPARQL endpoint: ``backendkg serve --remote URL``.

For data that has outgrown one process: load the dumps (``backendkg export --format nquads``) into a
SPARQL store (Oxigraph server, Apache Jena Fuseki, QLever, GraphDB ...) and let backendkg forward queries to
it. The same guards apply (no SERVICE, no updates, row cap, deadline); answers are not cached, since the
remote data may change.

:class:`RemoteKnowledgeGraph` has the query interface of :class:`~backendkg.kg.KnowledgeGraph`
(``query``, ``select``, ``ask``, ``graphs``, ``len()``), so code written against the embedded store keeps
working; what needs the store itself (``.store``, ``.quads()``) is not available remotely.

The endpoint is expected to use the union of its graphs as the default graph, as backendkg does
(``oxigraph serve --union-default-graph``; Fuseki's ``tdb:unionDefaultGraph``).
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox
from werkzeug.exceptions import BadGateway, GatewayTimeout, NotImplemented

from .. import __version__
from ..namespaces import sparql_prologue
from ..sparql.engine import Canonical, QuerySyntaxError, UpdateForbidden, canonical
from .store import Queries

#: What backendkg asks the remote endpoint for: one-row-per-line formats first.
ACCEPT = (
    "text/tab-separated-values, application/n-triples, application/sparql-results+json;q=0.9, "
    "application/sparql-results+xml;q=0.8, text/turtle;q=0.7, application/n-quads;q=0.6, application/rdf+xml;q=0.5"
)

_RESULTS = {
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
}
_RDF = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG,
}


class RemoteError(Exception):
    """The remote endpoint could not be reached or gave an answer backendkg cannot read."""


class LocalStoreRequired(NotImplemented):
    """What needs the embedded store (dumps, ontology pages, validation) asked of a remote graph: a 501 in the
    house error shape when it reaches a view."""

    description = (
        "This resource is built from the embedded store, and this server forwards queries to a remote SPARQL "
        "endpoint instead (backendkg serve --remote). Query /sparql, or take the dumps from the remote store."
    )


class RemoteKnowledgeGraph(Queries):
    """A SPARQL endpoint seen through the :class:`~backendkg.kg.KnowledgeGraph` query interface."""

    files: tuple = ()
    load_seconds = 0.0

    def __init__(self, url: str, *, timeout: float = 10.0):
        self.url = url
        self.timeout = timeout
        self.version = __version__
        self._prologue = sparql_prologue()

    def __repr__(self) -> str:
        return f"RemoteKnowledgeGraph({self.url!r})"

    @property
    def store(self) -> ox.Store:
        raise LocalStoreRequired()

    def backend(self) -> RemoteBackend:
        return RemoteBackend(self)

    # -- HTTP -----------------------------------------------------------------------------------------------

    def fetch(
        self,
        text: str,
        *,
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
            headers={"Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                media = response.headers.get_content_type()
                return media, response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:2000].decode("utf-8", "replace").strip()
            if exc.code == 400:
                raise QuerySyntaxError(f"The SPARQL endpoint rejected the query: {detail}") from None
            if exc.code == 403:
                raise UpdateForbidden() from None
            raise BadGateway(f"The SPARQL endpoint answered {exc.code}: {detail}") from None
        except TimeoutError:
            raise GatewayTimeout("The SPARQL endpoint did not answer in time.") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BadGateway(f"The SPARQL endpoint {self.url} cannot be reached: {reason}") from None

    def parsed(self, text: str, **dataset: Any) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        media, body = self.fetch(text, **dataset)
        if media in _RESULTS:
            return ox.parse_query_results(body, _RESULTS[media])
        if media in _RDF:
            return [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(body, _RDF[media])]
        raise BadGateway(f"The SPARQL endpoint answered with {media!r}, which backendkg cannot read.")

    # -- the KnowledgeGraph interface -------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[str, ox.NamedNode | ox.Literal | ox.BlankNode] | None = None,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        prefixes: bool = True,
    ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        """Evaluate ``sparql`` remotely. ``substitutions`` become a trailing ``VALUES`` clause (the same
        answers as pyoxigraph's substitution for variables bound in the query's top-level pattern)."""
        text = self._prologue + sparql if prefixes else sparql
        if substitutions:
            names = list(substitutions)
            values = " ".join(str(substitutions[n]) for n in names)
            text += f"\nVALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }}"
        return self.parsed(text, default_graph=default_graph, named_graphs=named_graphs)

    @property
    def graphs(self) -> list[str]:
        result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g", prefixes=False)
        if not isinstance(result, ox.QuerySolutions):
            return []
        return [str(s["g"].value) for s in result if isinstance(s["g"], ox.NamedNode)]

    def __len__(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"].value) if rows else 0


class RemoteBackend:
    """The :class:`~backendkg.engine.Backend` of a remote endpoint: forwards, then caps rows like the store."""

    fingerprint = None

    def __init__(self, kg: RemoteKnowledgeGraph):
        self.kg = kg

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
        base = f"BASE <{base_iri}>\n" if base_iri else ""
        result = self.kg.parsed(
            base + self.kg._prologue + text, default_graph=default_graph, named_graphs=named_graphs, timeout=timeout
        )
        return canonical(result, row_limit=row_limit)


def connect(url: str, *, timeout: float = 10.0, check: bool = True) -> RemoteKnowledgeGraph:
    """A :class:`RemoteKnowledgeGraph` for ``url``; with ``check``, make sure it answers ``ASK {}`` first."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteError(f"not an http(s) URL: {url!r}")
    kg = RemoteKnowledgeGraph(url, timeout=timeout)
    if check:
        try:
            kg.parsed("ASK {}")
        except Exception as exc:
            description = getattr(exc, "description", None) or str(exc)
            raise RemoteError(f"{url} does not answer SPARQL queries: {description}") from None
    return kg
