"""Evaluate SPARQL that someone else wrote: the one way to run a user's query, for ``/sparql`` and for
``backendkg query`` alike.

Every call gets the same protection, before or around evaluation (the errors are those of
:mod:`backendkg.sparql.errors`, each with its HTTP status):

- query text over ``max_query_bytes`` (default 64 KiB) -> 413; an empty query -> 400;
- a ``SERVICE`` clause -> 400, checked before evaluation (no outbound requests);
- update text -> 403: the store is only ever queried, never updated;
- syntax errors -> 400 with the parser's message and its ``line:column``; an unknown function -> 400 naming it;
- evaluation and serialization longer than ``timeout`` seconds -> 503; under ``backendkg serve`` the query
  process that ran it is killed, which frees its CPU at once;
- a query process that dies before it answers -> 503 with ``Retry-After``;
- more than ``row_limit`` solutions (or triples) -> the first ``row_limit`` are returned and
  :attr:`Result.truncated` is set;
- no acceptable format for the query form -> 406.

Usage::

    engine = Engine(backend, timeout=10, row_limit=10_000, max_query_bytes=65536, cache_bytes=32 << 20)
    result = engine.run(text, choice=Choice(JSON, TURTLE), default_graph=None, named_graphs=None,
                        base_iri=None, timeout=None)
    result.body, result.format.content_type, result.kind, result.rows, result.truncated, result.etag
    engine.select(text), engine.ask(text), engine.triples(text)   # parsed answers, same checks

The default graph is the union of all graphs and every named graph is available, unless ``default_graph``
or ``named_graphs`` (lists of IRIs, as the protocol's ``default-graph-uri`` / ``named-graph-uri``) say
otherwise; giving either one defines the whole dataset, and a query's own ``FROM`` / ``FROM NAMED`` define it
when neither is given. The backendkg prefixes (``bkg:``, ``skos:``, ``role:`` ...) are declared for every
query; the query's own ``PREFIX`` declarations take precedence.

Where queries run: after :meth:`Engine.start_processes` (``backendkg serve`` calls it in each server worker,
see :mod:`backendkg.sparql.processes`) in query processes forked from the loaded graph, so that a query can
be killed at its deadline and the death of a query process costs its client an error, not its connection.
Without them (``backendkg query``, ``flask run``, the Flask test client, scripts) queries run in the calling
process on a thread the caller can walk away from (:mod:`backendkg.sparql.runner`): the deadline holds for the
answer, but the evaluation goes on until the process ends. A remote backend's answers are fetched in-process.

Each answer is serialized once, in the process that evaluated it, in the format asked for. Answers are
cached per process (the graph is read-only while served) in one byte-bounded cache, keyed by the query text,
the dataset and the negotiated formats; :attr:`Result.etag` is a strong validator for the same key, computed
once per answer.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from .. import formats
from ..errors import BadRequest, Problem
from ..formats import Choice, Format
from ..graph.answers import Canonical
from ..graph.backend import Backend
from ..namespaces import PREFIXES
from . import guard, processes, runner
from .errors import (
    AnswerTooLarge,
    EmptyQuery,
    NotAcceptable,
    QueryFailed,
    QueryOverMemory,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooLarge,
    QueryWorkerLost,
    ServerBusy,
    UnsupportedFunction,
    UpdateForbidden,
)

__all__ = ["Engine", "Result", "finish"]

# A line's comment; text that is nothing but comments and white space holds no query (and is not an update
# either, though SPARQL Update allows an empty request).
_COMMENT = re.compile(r"#[^\n]*")
#: Graph formats written with the backendkg prefixes declared.
_PREFIXED = (formats.TURTLE, formats.TRIG, formats.N3)


@dataclass(frozen=True)
class Result:
    """A serialized answer."""

    body: bytes
    format: Format
    #: "boolean" (ASK), "solutions" (SELECT) or "graph" (CONSTRUCT, DESCRIBE).
    kind: str
    #: Solutions or triples in ``body`` (``None`` for ASK).
    rows: int | None
    #: Whether more rows existed than the row limit let through.
    truncated: bool
    #: The strong ETag of the answer (``None`` when answers are not cacheable).
    etag: str | None = None


def finish(canonical: Canonical, choice: Choice) -> Result:
    """Serialize a canonical answer in the format ``choice`` gives for its query form; the one place where an
    answer is written in the format the client asked for."""
    if canonical.kind == "graph":
        fmt = choice.graph
        if fmt is None:
            raise NotAcceptable(_not_acceptable("CONSTRUCT and DESCRIBE", formats.GRAPH))
        triples = canonical.triples
        prefixes = PREFIXES if fmt in _PREFIXED else None
        body = ox.serialize(triples, format=fmt.ox_format, prefixes=prefixes)
        return Result(body, fmt, "graph", len(triples), canonical.truncated)
    fmt = choice.tabular
    if fmt is None:
        raise NotAcceptable(_not_acceptable("SELECT and ASK", formats.TABULAR))
    if canonical.kind == "boolean":
        return Result(_boolean(canonical.boolean, fmt), fmt, "boolean", None, False)
    data = canonical.data
    rows = data.count(b"\n") - 1
    if fmt is not formats.TSV:
        data = ox.parse_query_results(data, ox.QueryResultsFormat.TSV).serialize(format=fmt.ox_format)
    return Result(data, fmt, "solutions", rows, canonical.truncated)


_BOOLEANS: dict[tuple[bool, str], bytes] = {}


def _boolean(value: bool, fmt: Format) -> bytes:
    key = (value, fmt.name)
    body = _BOOLEANS.get(key)
    if body is None:
        body = ox.Store().query("ASK {}" if value else "ASK { FILTER(false) }").serialize(format=fmt.ox_format)
        _BOOLEANS[key] = body
    return body


def result_format_name(tabular: str | None, graph: str | None) -> str:
    """The formats of a message, for messages: ``"json"``, ``"json or turtle"``."""
    return " or ".join(name for name in (tabular, graph) if name) or "answer"


def _not_acceptable(forms: str, offered: Sequence[Format]) -> str:
    types = ", ".join(f.media_type for f in offered)
    return f"None of the accepted media types is available for {forms} results; available: {types}."


class _ResultCache:
    """A byte-bounded LRU of results: the one cache of answers in a process."""

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


def _evaluation_error(text: str, exc: Exception) -> Problem:
    """What a failed evaluation means for the client."""
    message = exc.args[0] if exc.args else str(exc)
    if isinstance(exc, SyntaxError):
        if guard.is_update(text):
            return UpdateForbidden()
        return QuerySyntaxError(f"SPARQL syntax error: {message}")
    if "custom function" in str(message) and "not supported" in str(message):
        return UnsupportedFunction(f"{message}: this endpoint evaluates only the functions of SPARQL 1.1.")
    return QueryFailed(f"The query could not be evaluated: {message}")


class Engine:
    """Checks, a deadline, a row cap and the result cache around one backend."""

    def __init__(
        self,
        backend: Backend,
        *,
        timeout: float = 10.0,
        row_limit: int = 10_000,
        max_query_bytes: int = 64 * 1024,
        cache_bytes: int = 32 * 1024 * 1024,
        max_answer_bytes: int = 256 * 1024 * 1024,
    ):
        self.backend = backend
        self.max_answer_bytes = int(max_answer_bytes)
        self.timeout = float(timeout)
        self.row_limit = int(row_limit)
        self.max_query_bytes = int(max_query_bytes)
        self.fingerprint = backend.fingerprint
        cacheable = self.fingerprint is not None and cache_bytes > 0
        self.cache = _ResultCache(int(cache_bytes), max(int(cache_bytes) // 8, 1)) if cacheable else None
        self.processes: processes.QueryProcesses | None = None

    # -- query processes ----------------------------------------------------------------------------------

    def start_processes(
        self,
        count: int,
        *,
        recycle_bytes: int | None = processes.RECYCLE_BYTES,
        max_waiting: int | None = None,
        memory_limit: int | None = processes.MEMORY_LIMIT,
        eager: int | None = None,
    ) -> None:
        """Evaluate from now on in ``count`` query processes forked from this one
        (:mod:`backendkg.sparql.processes`); call it before this process starts threads. ``recycle_bytes``:
        replace a query process whose private memory passes it; ``max_waiting``: queries that may wait for a
        free one (more get 503 at once, see :mod:`backendkg.sparql.processes`); ``memory_limit``: bytes a
        query may add to its process while it runs (past them: 507); ``eager``: queries that start at once
        before the next waits a moment for a warm query process (see :meth:`processes.QueryProcesses._borrow`).
        Nothing happens for a backend whose answers are not cacheable (a remote endpoint): forwarding a query
        costs no CPU worth isolating."""
        if self.fingerprint is not None and self.processes is None:
            self.processes = processes.QueryProcesses(
                count,
                self._answer,
                recycle_bytes=recycle_bytes,
                max_waiting=max_waiting,
                memory_limit=memory_limit,
                eager=eager,
            )

    def stop_processes(self) -> None:
        if self.processes is not None:
            self.processes.stop()
            self.processes = None

    def _evaluate(self, message: tuple) -> Result:
        """Evaluate and serialize the query a message of :meth:`run` describes (the message is what crosses
        over to a query process)."""
        text, dg, ng, own_dataset, base_iri, tabular, graph, row_limit, timeout = message
        try:
            canonical = self.backend.evaluate(
                text,
                default_graph=dg,
                named_graphs=ng,
                own_dataset=own_dataset,
                base_iri=base_iri,
                row_limit=row_limit,
                timeout=timeout,
            )
        except Problem as problem:
            if isinstance(problem, BadRequest) and guard.is_update(text):
                raise UpdateForbidden() from None
            raise
        except (SyntaxError, RuntimeError, ValueError, OSError) as exc:
            raise _evaluation_error(text, exc) from None
        try:
            result = finish(canonical, Choice(formats.BY_NAME.get(tabular), formats.BY_NAME.get(graph)))
        except MemoryError as exc:  # pyoxigraph's JSON, XML and CSV writers take values up to 16 MiB
            raise AnswerTooLarge(
                f"A value of the answer is too large for the {result_format_name(tabular, graph)} writer ({exc}); "
                "ask for text/tab-separated-values or N-Triples, or narrow the query."
            ) from None
        if len(result.body) > self.max_answer_bytes:
            raise AnswerTooLarge(
                f"The answer is {len(result.body)} bytes long; this endpoint sends at most {self.max_answer_bytes} "
                "bytes (MAX_ANSWER_BYTES). Add a LIMIT or narrow the query."
            )
        return result

    def _answer(self, message: tuple) -> tuple[bytes, tuple[str, str, int | None, bool]]:
        """Evaluate and serialize in a query process (sent by :meth:`run`): the body, and what it is."""
        result = self._evaluate(message)
        return result.body, (result.format.name, result.kind, result.rows, result.truncated)

    # -- checks ---------------------------------------------------------------------------------------------

    def check(self, text: str) -> guard.Inspection:
        """Raise the error the query would get before evaluation (size, emptiness, SERVICE), or say what
        evaluation needs to know about it."""
        size = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > self.max_query_bytes else len(text)
        if size > self.max_query_bytes:
            raise QueryTooLarge(
                f"The query is {size} bytes long; this endpoint accepts at most {self.max_query_bytes} bytes."
            )
        if not _COMMENT.sub("", text).strip():
            raise EmptyQuery()
        try:
            return guard.inspect(text)
        except (guard.FederatedQuery, guard.Unverifiable) as exc:
            raise QueryRefused(str(exc)) from None

    def key(
        self,
        text: str,
        *,
        choice: Choice = formats.DEFAULT,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> tuple:
        """What identifies an answer: the query, its dataset, the formats and the base IRI."""
        dg = tuple(default_graph) if default_graph is not None else None
        ng = tuple(named_graphs) if named_graphs is not None else None
        return (text, dg, ng, choice.key, base_iri)

    def etag(self, key: tuple) -> str | None:
        """The strong ETag of the answer with ``key`` (:meth:`key`); ``None`` when answers are not cacheable."""
        if self.fingerprint is None:
            return None
        text, dg, ng, choice, base_iri = key
        parts = (
            self.fingerprint,
            choice,
            "\x01".join(dg) if dg is not None else "*",
            "\x01".join(ng) if ng is not None else "*",
            base_iri or "",
            text,
        )
        digest = hashlib.blake2b("\x00".join(parts).encode("utf-8", "surrogatepass"), digest_size=12)
        return '"' + digest.hexdigest() + '"'

    def cached(self, key: tuple) -> Result | None:
        """The answer with ``key`` if this process has it."""
        return self.cache.get(key) if self.cache is not None else None

    # -- running --------------------------------------------------------------------------------------------

    def run(
        self,
        text: str,
        *,
        choice: Choice = formats.DEFAULT,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
        timeout: float | None = None,
        key: tuple | None = None,
    ) -> Result:
        """Check, evaluate and serialize ``text``; see the module documentation for the errors raised.

        ``base_iri`` resolves relative IRIs in the query (``/sparql`` uses its own URL); ``timeout`` replaces
        the configured deadline for this call; ``key``: the answer's :meth:`key`, when the caller has it."""
        if key is None:
            key = self.key(
                text, choice=choice, default_graph=default_graph, named_graphs=named_graphs, base_iri=base_iri
            )
        hit = self.cached(key)
        if hit is not None:
            return hit
        if choice.tabular is None and choice.graph is None:
            raise NotAcceptable(_not_acceptable("any query", formats.ALL))
        inspection = self.check(text)
        timeout = self.timeout if timeout is None else float(timeout)
        _, dg, ng, _, _ = key
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
        procs = self.processes
        try:
            if procs is None:
                result = runner.run(lambda: self._evaluate(message), timeout=timeout)
            else:
                body, (fmt, kind, rows, truncated) = procs.call(message, timeout=timeout)
                result = Result(body, formats.BY_NAME[fmt], kind, rows, truncated)
        except (runner.Overrun, processes.Overrun):
            raise QueryTimeout(
                f"The query did not finish within {timeout:g} seconds and was stopped. Narrow it down or add a LIMIT."
            ) from None
        except processes.Lost:
            raise QueryWorkerLost() from None
        except processes.Busy:
            raise ServerBusy() from None
        except processes.OverMemory:
            limit = self.processes.memory_limit if self.processes is not None else 0
            raise QueryOverMemory(
                f"The query needed more than the {(limit or 0) >> 20} MiB of memory a query may use here "
                "(backendkg serve --query-memory-limit) and was stopped. Narrow it down or add a LIMIT."
            ) from None
        if self.cache is not None:
            result = Result(result.body, result.format, result.kind, result.rows, result.truncated, self.etag(key))
            self.cache.put(key, result)
        return result

    # -- parsed answers, for code that evaluates a user's query and reads the answer -----------------------

    def _parsed(self, text: str, **dataset: Any) -> ox.QuerySolutions | ox.QueryBoolean:
        result = self.run(text, choice=Choice(formats.TSV, formats.NTRIPLES), **dataset)
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
        result = self.run(text, choice=Choice(formats.TSV, formats.NTRIPLES), **dataset)
        if result.kind != "graph":
            raise TypeError("triples() needs a CONSTRUCT or DESCRIBE query")
        return [q.triple for q in ox.parse(result.body, ox.RdfFormat.N_TRIPLES)]
