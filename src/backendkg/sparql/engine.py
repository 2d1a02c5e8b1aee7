"""Evaluate SPARQL that someone else wrote: the one way to run user-supplied queries.

``/sparql`` uses it, and so must any other part of the application that evaluates query text it did not
write itself. Every call gets the same protection:

- query text over ``MAX_QUERY_BYTES`` (default 64 KiB) -> :class:`QueryTooLarge` (413);
- a ``SERVICE`` clause -> :class:`QueryRefused` (400), checked before evaluation (no outbound requests);
- update text -> :class:`UpdateForbidden` (403): the store is only ever queried, never updated;
- syntax errors -> :class:`QuerySyntaxError` (400) with the parser's message and its ``line:column``;
- evaluation and serialization longer than ``QUERY_TIMEOUT`` seconds -> :class:`QueryTimeout` (503);
  under ``backendkg serve`` the query process that ran it is killed, which frees its CPU at once;
- a query process that dies before it answers -> :class:`QueryWorkerLost` (503, with ``Retry-After``);
- more than ``ROW_LIMIT`` solutions (or triples) -> the first ``ROW_LIMIT`` are returned and
  :attr:`Result.truncated` is set (``/sparql`` says so in the ``X-Result-Truncated`` header);
- no acceptable format for the query form -> :class:`NotAcceptable` (406).

All of them are werkzeug ``HTTPException`` subclasses, so inside a Flask view they turn into the
application's JSON errors ``{code, name, description}`` without further handling.

Usage, inside a request or with an application::

    from backendkg.engine import engine_for
    from backendkg._formats import negotiate

    engine = engine_for()                       # the current app's engine (engine_for(app) outside requests)
    result = engine.run(text, choice=negotiate(request.headers.get("Accept")),
                        default_graph=None, named_graphs=None, base_iri=None, timeout=None)
    result.body, result.format.content_type, result.kind, result.rows, result.truncated, result.etag
    rows = engine.select(text)                  # list of {variable: pyoxigraph term}
    engine.ask(text)                            # bool
    engine.triples(text)                        # list of pyoxigraph Triple (CONSTRUCT / DESCRIBE)
    engine.check(text)                          # only the checks made before evaluation

``select``, ``ask`` and ``triples`` take the keyword arguments of ``run`` (dataset, ``base_iri``,
``timeout``). ``timeout`` replaces the configured deadline for one call. With ``backendkg serve --remote``
the same engine forwards to the remote endpoint (:mod:`backendkg.remote`), answers uncached.

The default graph is the union of all graphs and every named graph is available, unless ``default_graph``
or ``named_graphs`` (lists of IRIs, as the protocol's ``default-graph-uri`` / ``named-graph-uri``) say
otherwise; giving either one defines the whole dataset. The backendkg prefixes (``bkg:``, ``skos:``,
``role:`` ...) are declared for every query; the query's own ``PREFIX`` declarations take precedence.

Where queries run: after :meth:`Engine.start_processes` (``backendkg serve`` calls it in each server
worker, see :mod:`backendkg._procs`) in query processes forked from the loaded graph, so that a query can be
killed at its deadline and the death of a query process costs its client an error, not its connection.
Without them (``flask run``, the Flask test client, scripts) queries run in the calling process on a thread
the caller can walk away from (:mod:`backendkg._runner`): the deadline holds for the answer, but the
evaluation goes on until the process ends. Answers from a remote endpoint are always fetched in-process.

Answers are cached per process (the graph is read-only while served), keyed by the query text, the dataset
and the negotiated formats; :attr:`Result.etag` is a strong validator for the same key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pyoxigraph as ox
from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    HTTPException,
    RequestEntityTooLarge,
    ServiceUnavailable,
)
from werkzeug.exceptions import NotAcceptable as _NotAcceptable

from .. import formats as _formats
from ..formats import Choice, ResultFormat
from ..namespaces import PREFIXES
from . import guard as _guard
from . import processes as _procs
from . import runner as _runner

__all__ = [
    "Engine",
    "NotAcceptable",
    "QueryRefused",
    "QuerySyntaxError",
    "QueryTimeout",
    "QueryTooLarge",
    "QueryWorkerLost",
    "Result",
    "UpdateForbidden",
    "engine_for",
]


class QueryTooLarge(RequestEntityTooLarge):
    pass


class QuerySyntaxError(BadRequest):
    pass


class QueryRefused(BadRequest):
    pass


class UpdateForbidden(Forbidden):
    description = "This endpoint is read-only: SPARQL Update requests are refused."


class QueryTimeout(ServiceUnavailable):
    pass


class QueryWorkerLost(ServiceUnavailable):
    description = "The query worker stopped before answering; it has been replaced. Try again."

    def __init__(self, description: str | None = None):
        super().__init__(description, retry_after=1)


class NotAcceptable(_NotAcceptable):
    pass


@dataclass(frozen=True)
class Result:
    """A serialized answer."""

    body: bytes
    format: ResultFormat
    #: "boolean" (ASK), "solutions" (SELECT) or "graph" (CONSTRUCT, DESCRIBE).
    kind: str
    #: Solutions or triples in ``body`` (``None`` for ASK).
    rows: int | None
    #: Whether more rows existed than ``ROW_LIMIT`` let through.
    truncated: bool
    etag: str | None = None


@dataclass(frozen=True)
class Canonical:
    """A query's answer before its final serialization: a boolean, TSV solutions or N-Triples triples."""

    kind: str
    boolean: bool = False
    data: bytes = b""
    truncated: bool = False


class Backend(Protocol):
    """What an engine evaluates on: the local store, or a remote endpoint (:mod:`backendkg.remote`)."""

    #: A string that changes whenever the data may have changed; ``None`` disables caching and ETags.
    fingerprint: str | None

    def evaluate(
        self,
        text: str,
        *,
        default_graph: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
        own_dataset: bool,
        base_iri: str | None,
        row_limit: int,
        timeout: float,
    ) -> Canonical: ...


class _Full(Exception):
    pass


class _LineBuffer:
    """A binary writer for pyoxigraph serializers that stops the serializer after ``limit`` lines."""

    __slots__ = ("chunks", "limit", "lines")

    def __init__(self, limit: int):
        self.chunks: list[bytes] = []
        self.lines = 0
        self.limit = limit

    def write(self, chunk: bytes) -> int:
        chunk = bytes(chunk)
        self.chunks.append(chunk)
        self.lines += chunk.count(b"\n")
        if self.lines > self.limit:
            raise _Full()
        return len(chunk)

    def flush(self) -> None:
        pass


def write_capped(serializable: Any, fmt: ox.QueryResultsFormat | ox.RdfFormat, lines: int) -> tuple[bytes, bool]:
    """Serialize a pyoxigraph result (one item per line: TSV, N-Triples) keeping at most ``lines`` lines;
    stops the evaluation as soon as more exist. Returns the bytes and whether lines were cut."""
    buffer = _LineBuffer(lines)
    truncated = False
    try:
        serializable.serialize(buffer, format=fmt)
    except _Full:
        truncated = True
    data = b"".join(buffer.chunks)
    if truncated:
        end = -1
        for _ in range(lines):
            end = data.index(b"\n", end + 1)
        data = data[: end + 1]
    return data, truncated


def _syntax_error(text: str, exc: SyntaxError) -> HTTPException:
    if _guard.is_update(text):
        return UpdateForbidden()
    message = exc.args[0] if exc.args else str(exc)
    return QuerySyntaxError(f"SPARQL syntax error: {message}")


class LocalBackend:
    """Evaluates on the embedded pyoxigraph store of a :class:`~backendkg.kg.KnowledgeGraph`."""

    def __init__(self, kg: Any, *, quads: int | None = None):
        """``quads``: the number of quads in the store, when the caller has already counted them."""
        self.kg = kg
        self.store: ox.Store = kg.store
        self.fingerprint = _fingerprint(kg, len(kg.store) if quads is None else quads)

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
        kwargs: dict[str, Any] = {"prefixes": PREFIXES}
        if base_iri:
            kwargs["base_iri"] = base_iri
        if default_graph is None and named_graphs is None:
            # The union default graph, unless the query names its dataset with FROM / FROM NAMED.
            if not own_dataset:
                kwargs["use_default_graph_as_union"] = True
        else:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph or ()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
        try:
            results = self.store.query(text, **kwargs)
        except SyntaxError as exc:
            raise _syntax_error(text, exc) from None
        return canonical(results, row_limit=row_limit)


def canonical(
    results: ox.QueryBoolean | ox.QuerySolutions | ox.QueryTriples | list[ox.Triple], *, row_limit: int
) -> Canonical:
    """The :class:`Canonical` form of a query result (from the store, or parsed from a remote answer), with
    at most ``row_limit`` rows or triples."""
    if isinstance(results, ox.QueryBoolean):
        return Canonical("boolean", boolean=bool(results))
    if isinstance(results, ox.QuerySolutions):
        data, truncated = write_capped(results, ox.QueryResultsFormat.TSV, row_limit + 1)
        return Canonical("solutions", data=data, truncated=truncated)
    if isinstance(results, list):
        data = ox.serialize(results[:row_limit], format=ox.RdfFormat.N_TRIPLES)
        return Canonical("graph", data=data, truncated=len(results) > row_limit)
    data, truncated = write_capped(results, ox.RdfFormat.N_TRIPLES, row_limit)
    return Canonical("graph", data=data, truncated=truncated)


def _fingerprint(kg: Any, quads: int) -> str:
    parts = [getattr(kg, "version", ""), str(quads)]
    for f in getattr(kg, "files", ()):
        try:
            st = f.path.stat()
            parts.append(f"{f.path}:{f.graph}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{f.path}:{f.graph}")
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()


def finish(canonical: Canonical, choice: Choice) -> Result:
    """Serialize a canonical answer in the format ``choice`` gives for its query form."""
    if canonical.kind == "graph":
        fmt = choice.graph
        if fmt is None:
            raise NotAcceptable(_not_acceptable("CONSTRUCT and DESCRIBE", _formats.GRAPH_FORMATS))
        data = canonical.data
        rows = data.count(b"\n")
        if fmt is not _formats.NTRIPLES:
            triples = [q.triple for q in ox.parse(data, ox.RdfFormat.N_TRIPLES)]
            prefixes = PREFIXES if fmt in (_formats.TURTLE, _formats.TRIG) else None
            data = ox.serialize(triples, format=fmt.ox_format, prefixes=prefixes)
        return Result(data, fmt, "graph", rows, canonical.truncated)
    fmt = choice.tabular
    if fmt is None:
        raise NotAcceptable(_not_acceptable("SELECT and ASK", _formats.TABULAR_FORMATS))
    if canonical.kind == "boolean":
        body = _boolean(canonical.boolean, fmt)
        return Result(body, fmt, "boolean", None, False)
    data = canonical.data
    rows = data.count(b"\n") - 1
    if fmt is not _formats.TSV:
        data = ox.parse_query_results(data, ox.QueryResultsFormat.TSV).serialize(format=fmt.ox_format)
    return Result(data, fmt, "solutions", rows, canonical.truncated)


_BOOLEANS: dict[tuple[bool, str], bytes] = {}


def _boolean(value: bool, fmt: ResultFormat) -> bytes:
    key = (value, fmt.name)
    body = _BOOLEANS.get(key)
    if body is None:
        body = ox.Store().query("ASK {}" if value else "ASK { FILTER(false) }").serialize(format=fmt.ox_format)
        _BOOLEANS[key] = body
    return body


def _not_acceptable(forms: str, formats: Sequence[ResultFormat]) -> str:
    offered = ", ".join(f.media_type for f in formats)
    return f"None of the accepted media types is available for {forms} results; available: {offered}."


class _ResultCache:
    """A byte-bounded LRU of results."""

    def __init__(self, max_bytes: int, max_entry: int):
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self.size = 0
        self.entries: OrderedDict[tuple, Result] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Result | None:
        with self.lock:
            result = self.entries.get(key)
            if result is not None:
                self.entries.move_to_end(key)
            return result

    def put(self, key: tuple, result: Result) -> None:
        cost = len(result.body) + 256
        if cost > self.max_entry or cost > self.max_bytes:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body) + 256
            self.entries[key] = result
            self.size += cost
            while self.size > self.max_bytes:
                _, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body) + 256


class Engine:
    """Guards, a deadline, a row cap and a result cache around one backend."""

    def __init__(
        self,
        backend: Backend,
        *,
        timeout: float = 10.0,
        row_limit: int = 10_000,
        max_query_bytes: int = 64 * 1024,
        cache_bytes: int = 32 * 1024 * 1024,
    ):
        self.backend = backend
        self.timeout = float(timeout)
        self.row_limit = int(row_limit)
        self.max_query_bytes = int(max_query_bytes)
        cacheable = backend.fingerprint is not None and cache_bytes > 0
        self.cache = _ResultCache(int(cache_bytes), max(int(cache_bytes) // 8, 1)) if cacheable else None
        self.processes: _procs.QueryProcesses | None = None

    def start_processes(self, count: int, *, recycle_bytes: int | None = _procs.RECYCLE_BYTES) -> None:
        """Evaluate from now on in ``count`` query processes forked from this one (:mod:`backendkg._procs`);
        call it before this process starts threads. ``recycle_bytes``: replace a query process whose private
        memory passes it. Nothing happens for a remote backend: forwarding a query costs no CPU worth
        isolating."""
        if isinstance(self.backend, LocalBackend) and self.processes is None:
            self.processes = _procs.QueryProcesses(count, self._answer, recycle_bytes=recycle_bytes)

    def stop_processes(self) -> None:
        if self.processes is not None:
            self.processes.stop()
            self.processes = None

    def _evaluate(self, message: tuple) -> Result:
        """Evaluate and serialize the query a message of :meth:`run` describes (the message is what crosses
        over to a query process)."""
        text, dg, ng, own_dataset, base_iri, tabular, graph, row_limit, timeout = message
        canonical = self.backend.evaluate(
            text,
            default_graph=dg,
            named_graphs=ng,
            own_dataset=own_dataset,
            base_iri=base_iri,
            row_limit=row_limit,
            timeout=timeout,
        )
        return finish(canonical, Choice(_formats.FORMATS.get(tabular), _formats.FORMATS.get(graph)))

    def _answer(self, message: tuple) -> tuple[bytes, str, str, int | None, bool]:
        """Evaluate and serialize in a query process (sent by :meth:`run`); runs on a thread that is
        demoted when the query is long (:mod:`backendkg._runner`)."""
        result = _runner.run(lambda: self._evaluate(message), timeout=None)
        return result.body, result.format.name, result.kind, result.rows, result.truncated

    def check(self, text: str) -> _guard.Inspection:
        """Raise the error the query would get before evaluation (size, SERVICE), or say what evaluation
        needs to know about it."""
        size = len(text.encode("utf-8")) if len(text) * 4 > self.max_query_bytes else len(text)
        if size > self.max_query_bytes:
            raise QueryTooLarge(
                f"The query is {size} bytes long; this endpoint accepts at most {self.max_query_bytes} bytes."
            )
        try:
            return _guard.inspect(text)
        except _guard.FederatedQuery as exc:
            raise QueryRefused(str(exc)) from None
        except _guard.Unverifiable as exc:
            raise QueryRefused(str(exc)) from None

    def etag(
        self,
        text: str,
        *,
        choice: Choice = _formats.DEFAULT,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> str | None:
        """The strong ETag the answer to this request will carry (``None`` when answers are not cacheable)."""
        if self.backend.fingerprint is None:
            return None
        key = "\x00".join(
            (
                self.backend.fingerprint,
                choice.key,
                "\x01".join(default_graph) if default_graph is not None else "*",
                "\x01".join(named_graphs) if named_graphs is not None else "*",
                base_iri or "",
                text,
            )
        )
        return '"' + hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest() + '"'

    def run(
        self,
        text: str,
        *,
        choice: Choice = _formats.DEFAULT,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> Result:
        """Check, evaluate and serialize ``text``; see the module documentation for the errors raised.

        ``base_iri`` resolves relative IRIs in the query (``/sparql`` uses its own URL); ``timeout``
        replaces the configured deadline for this call (for the server's own bookkeeping queries)."""
        dg = tuple(default_graph) if default_graph is not None else None
        ng = tuple(named_graphs) if named_graphs is not None else None
        key = (text, dg, ng, choice.key, base_iri)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        if choice.tabular is None and choice.graph is None:
            raise NotAcceptable(_not_acceptable("any query", _formats.TABULAR_FORMATS + _formats.GRAPH_FORMATS))
        inspection = self.check(text)
        timeout = self.timeout if timeout is None else float(timeout)
        message = (
            text,
            dg,
            ng,
            inspection.dataset,
            base_iri,
            choice.tabular.name if choice.tabular else None,
            choice.graph.name if choice.graph else None,
            self.row_limit,
            timeout,
        )
        processes = self.processes
        try:
            if processes is None:
                result = _runner.run(lambda: self._evaluate(message), timeout=timeout)
            else:
                body, fmt, kind, rows, truncated = processes.call(message, timeout=timeout)
                result = Result(body, _formats.FORMATS[fmt], kind, rows, truncated)
        except (_runner.Overrun, _procs.Overrun):
            raise QueryTimeout(
                f"The query did not finish within {timeout:g} seconds and was stopped. Narrow it down or add a LIMIT."
            ) from None
        except _procs.Lost:
            raise QueryWorkerLost() from None
        if self.cache is not None:
            result = Result(
                result.body,
                result.format,
                result.kind,
                result.rows,
                result.truncated,
                self.etag(text, choice=choice, default_graph=dg, named_graphs=ng, base_iri=base_iri),
            )
            self.cache.put(key, result)
        return result

    def _parsed(self, text: str, **dataset: Any) -> ox.QuerySolutions | ox.QueryBoolean:
        result = self.run(text, choice=Choice(_formats.TSV, _formats.NTRIPLES), **dataset)
        if result.kind == "graph":
            raise TypeError("expected a SELECT or ASK query")
        return ox.parse_query_results(result.body, ox.QueryResultsFormat.TSV)

    def select(self, text: str, **dataset: Any) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        """Rows of a SELECT as dicts of variable name to term (unbound variables left out)."""
        solutions = self._parsed(text, **dataset)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError("select() needs a SELECT query")
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in solutions]

    def ask(self, text: str, **dataset: Any) -> bool:
        answer = self._parsed(text, **dataset)
        if not isinstance(answer, ox.QueryBoolean):
            raise TypeError("ask() needs an ASK query")
        return bool(answer)

    def triples(self, text: str, **dataset: Any) -> list[ox.Triple]:
        """The triples of a CONSTRUCT or DESCRIBE."""
        result = self.run(text, choice=Choice(_formats.TSV, _formats.NTRIPLES), **dataset)
        if result.kind != "graph":
            raise TypeError("triples() needs a CONSTRUCT or DESCRIBE query")
        return [q.triple for q in ox.parse(result.body, ox.RdfFormat.N_TRIPLES)]


def engine_for(app: Any = None) -> Engine:
    """The engine of ``app`` (default: the current Flask app), built on first use from its configuration:
    ``QUERY_TIMEOUT``, ``ROW_LIMIT``, ``MAX_QUERY_BYTES``, ``RESULT_CACHE_BYTES``."""
    from ..web import state

    st = state(app)
    engine = st.cache.get("engine")
    if engine is None:
        from flask import current_app

        config = (app or current_app).config
        backend = st.kg.backend() if hasattr(st.kg, "backend") else LocalBackend(st.kg, quads=st.triples)
        engine = Engine(
            backend,
            timeout=float(config.get("QUERY_TIMEOUT", 10.0)),
            row_limit=int(config.get("ROW_LIMIT", 10_000)),
            max_query_bytes=int(config.get("MAX_QUERY_BYTES", 64 * 1024)),
            cache_bytes=int(config.get("RESULT_CACHE_BYTES", 32 * 1024 * 1024)),
        )
        st.cache["engine"] = engine
    return engine
