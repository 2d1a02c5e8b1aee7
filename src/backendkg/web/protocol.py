"""The query operation of the SPARQL 1.1 Protocol on ``/sparql``, as plain WSGI: what the protocol needs and
nothing else.

A query request is read from the WSGI environ (its parameters, its ``Accept`` header, the body the body guard
has read), negotiated, checked and handed to the engine, and the bytes the query process wrote are the body of
the answer: no Flask request or response object, no routing, no hooks. Flask's machinery costs more than a
cheap query's evaluation does, and for a query seen for the first time (a label lookup a tool built, a
parameterised question) that machinery was most of the time the server spent on it.

- ``GET /sparql?query=...`` and ``HEAD``; ``POST`` of a form (``query=``) or of ``application/sparql-query``;
  ``default-graph-uri`` / ``named-graph-uri`` (repeatable) define the dataset; ``format=`` names a format
  outright (an unknown name leaves the choice to ``Accept``, :mod:`backendkg.web.negotiation`).
- Updates in any form: 403. A browser following a query link (HTML preferred, no ``format=``): 303 to the page.
- A strong ``ETag`` on every answer and 304 for ``If-None-Match``; ``Vary: Accept``.
- Errors in the one JSON shape (:func:`backendkg.web.errors.problem_body`), each with its status.
- A repeated ``GET`` is answered from the engine's cache by its raw request (query string, ``Accept``, host):
  one lookup of the raw request and one of the answer, nothing parsed (:class:`Endpoint`). The bytes live in
  the engine's cache only (one cache, one budget).

Every answer of :class:`Endpoint` carries what the Flask hooks give every other route: CORS
(:mod:`backendkg.web.cors`), the security headers (:mod:`backendkg.web.security`) and ``X-Request-Id``. What is
not a query (``GET /sparql`` without one: the service description; ``OPTIONS``; other methods) goes on to the
Flask application. With an access log or a rate limit, both Flask hooks, every request goes through Flask,
whose ``/sparql`` view answers with :func:`answer` as well (:mod:`backendkg.web.sparql`).
"""

from __future__ import annotations

import codecs
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes, urlencode

import pyoxigraph as ox
from werkzeug.http import parse_etags, parse_options_header
from werkzeug.wsgi import get_current_url

from .. import formats
from ..errors import BadRequest, Problem, UnsupportedMediaType
from ..formats import Choice
from ..sparql.engine import Engine
from ..sparql.errors import QueryTooLarge, UpdateForbidden
from . import negotiation
from .bodies import BODY_KEY
from .cors import ALLOW_ORIGIN, EXPOSED
from .errors import problem_body
from .observability import HEADER, flag, request_id
from .security import ALL as SECURITY_HEADERS

_log = logging.getLogger("backendkg.web")

PATHS = frozenset(("/sparql", "/sparql/"))
#: Where the query text of a request is left for the access log.
QUERY_KEY = "backendkg.query"
#: Raw requests remembered for the cache of repeated GETs (each entry: a key and a list of headers).
MAX_ENTRIES = 8192
#: Parameters one request may have.
MAX_FIELDS = 1000

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"
_COMMON = [
    *ALLOW_ORIGIN.items(),
    ("Access-Control-Expose-Headers", EXPOSED),
    *SECURITY_HEADERS.items(),
]
_VARY = [("Vary", "Accept"), ("Cache-Control", "no-cache")]


@dataclass(frozen=True)
class Reply:
    """An answer: status, the headers of its own (not the common ones), body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    #: The engine key of a cacheable 200 answer to a GET (what a repeated raw request will be answered from).
    key: tuple | None = None

    @property
    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"


def error_reply(problem: Problem) -> Reply:
    """The JSON answer for ``problem``, with the headers it asks for (``Retry-After`` ...)."""
    body = problem_body(problem.code, problem.name, problem.description)
    return Reply(problem.code, [("Content-Type", "application/json"), *problem.headers.items()], body)


def answer(environ: dict[str, Any], engine: Engine) -> Reply | None:
    """The reply to the query request in ``environ``, errors included; ``None`` when it is not a query request
    (``GET /sparql`` without a query: the service description)."""
    try:
        return _answer(environ, engine)
    except Problem as problem:
        return error_reply(problem)
    except Exception:  # a fault of the server's own: logged, and answered in the same shape as every error
        _log.exception("unhandled error answering a query request")
        return error_reply(Problem("The server met an unexpected error; it has been logged."))


def _answer(environ: dict[str, Any], engine: Engine) -> Reply | None:
    method = environ.get("REQUEST_METHOD", "GET")
    accept = environ.get("HTTP_ACCEPT")
    if method in ("GET", "HEAD"):
        params = _parameters(environ.get("QUERY_STRING", ""))
        if "update" in params:
            raise UpdateForbidden("This endpoint is read-only: SPARQL Update requests are refused (and never by GET).")
        if "query" not in params:
            return None
        text = _single(params, "query")
        if method == "GET" and "format" not in params and _wants_page(accept):
            # A browser following a query link: show the query and its answer on the page for people.
            return Reply(303, [("Location", "/?" + urlencode({"query": text}))])
    else:
        text, params = _posted(environ, engine.max_query_bytes)
    environ[QUERY_KEY] = text

    choice = _choice(params, accept)
    default_graph = params.get("default-graph-uri")
    named_graphs = params.get("named-graph-uri")
    for name, values in (("default-graph-uri", default_graph), ("named-graph-uri", named_graphs)):
        for value in values or ():
            _check_iri(name, value)
    if default_graph is not None or named_graphs is not None:
        default_graph = default_graph or []
        named_graphs = named_graphs or []

    base_iri = _base_url(environ)
    key = engine.key(text, choice=choice, default_graph=default_graph, named_graphs=named_graphs, base_iri=base_iri)
    conditional = method in ("GET", "HEAD") and environ.get("HTTP_IF_NONE_MATCH")
    if conditional:
        # The validator is a function of the request, so no evaluation is needed.
        etag = engine.etag(key)
        if etag is not None and parse_etags(conditional).contains(etag.strip('"')):
            return Reply(304, [*_VARY, ("ETag", etag)])

    result = engine.run(
        text, choice=choice, default_graph=default_graph, named_graphs=named_graphs, base_iri=base_iri, key=key
    )
    headers = [("Content-Type", result.format.content_type), *_VARY]
    if result.etag is not None:
        headers.append(("ETag", result.etag))
    if result.rows is not None:
        headers.append(("X-Result-Rows", str(result.rows)))
    if result.truncated:
        headers.append(("X-Result-Truncated", "true"))
        headers.append(("X-Result-Limit", str(engine.row_limit)))
    cacheable = method == "GET" and result.etag is not None
    return Reply(200, headers, result.body, key if cacheable else None)


# -- reading the request --------------------------------------------------------------------------------------


def _parameters(raw: str | bytes) -> dict[str, list[str]]:
    """The parameters of a query string or form body, exactly as ``urllib.parse.parse_qsl`` reads them
    (``&`` between them, ``+`` and ``%XX`` decoded, blank values kept), which must be UTF-8.

    The ``%XX`` escapes are decoded by Python's ``unicode_escape`` codec (in C) rather than urllib's
    ``unquote`` (in Python): a fully escaped query of 400 characters takes 4 microseconds instead of 25, a
    tenth of what the server spends on a cheap query. Text the codec refuses (an escape that is not two hex
    digits) goes through urllib; the tests hold both ways to parse_qsl's answers."""
    # WSGI gives the query string's bytes as latin-1 characters (PEP 3333).
    data = raw if isinstance(raw, bytes) else raw.encode("latin-1")
    if data.count(b"&") >= MAX_FIELDS:
        raise BadRequest(f"The request has more than {MAX_FIELDS} parameters.")
    params: dict[str, list[str]] = {}
    try:
        for field in data.split(b"&"):
            if not field:
                continue
            name, _, value = field.partition(b"=")
            params.setdefault(_unquote(name), []).append(_unquote(value))
    except UnicodeDecodeError:
        raise BadRequest("The request parameters are not valid UTF-8.") from None
    return params


def _unquote(data: bytes) -> str:
    """``+`` as a space and ``%XX`` as the byte XX, then the bytes as UTF-8 (strictly)."""
    data = data.replace(b"+", b" ")
    if b"%" in data:
        try:
            escaped = data.replace(b"\\", b"\\\\").replace(b"%", b"\\x")
            data = codecs.decode(escaped, "unicode_escape").encode("latin-1")
        except UnicodeDecodeError:  # "%" not followed by two hex digits: kept as it is, as urllib does
            data = unquote_to_bytes(data)
    return data.decode("utf-8")


def _single(params: dict[str, list[str]], name: str) -> str:
    values = params[name]
    if len(values) != 1:
        raise BadRequest(f"Exactly one {name!r} parameter is allowed; this request has {len(values)}.")
    return values[0]


def _posted(environ: dict[str, Any], max_bytes: int) -> tuple[str, dict[str, list[str]]]:
    """The query text of a POST and its parameters (those of the URL, and those of a form)."""
    mimetype, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
    mimetype = mimetype.lower()
    announced = (environ.get("CONTENT_LENGTH") or "").strip()
    length = int(announced) if announced.isdigit() else 0
    if length > 4 * max_bytes:
        raise QueryTooLarge(
            f"The request body is {length} bytes long; this endpoint accepts at most {max_bytes} bytes."
        )
    if mimetype == _FORM:
        _utf8_charset(options)
        form = _parameters(_body(environ, length))
        if "update" in form:
            raise UpdateForbidden()
        if "query" not in form:
            raise BadRequest("A form POST to /sparql needs a 'query' parameter.")
        params = _parameters(environ.get("QUERY_STRING", ""))
        for name, values in form.items():
            params.setdefault(name, []).extend(values)
        return _single(form, "query"), params
    if mimetype == _QUERY:
        _utf8_charset(options)
        body = _body(environ, length)
        if len(body) > max_bytes:
            raise QueryTooLarge(
                f"The query is {len(body)} bytes long; this endpoint accepts at most {max_bytes} bytes."
            )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest(f"The query is not valid UTF-8 (byte {exc.start}).") from None
        return text, _parameters(environ.get("QUERY_STRING", ""))
    if mimetype == _UPDATE:
        raise UpdateForbidden()
    if not mimetype:
        raise UnsupportedMediaType(f"A POST to /sparql needs a Content-Type: {_QUERY} or {_FORM}.")
    raise UnsupportedMediaType(f"Content-Type {mimetype!r} is not accepted here; send {_QUERY} or {_FORM}.")


def _body(environ: dict[str, Any], length: int) -> bytes:
    """The request body (read whole, already, by :mod:`backendkg.web.bodies`)."""
    body = environ.get(BODY_KEY)
    if body is not None:
        return body
    stream = environ.get("wsgi.input")
    return bytes(stream.read(length)) if stream is not None and length else b""


def _utf8_charset(options: dict[str, str]) -> None:
    charset = options.get("charset")
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii"):
        raise BadRequest(f"The query must be UTF-8 encoded; the request says charset={charset}.")


def _check_iri(name: str, value: str) -> None:
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise BadRequest(f"The {name} {value!r} is not an absolute IRI: {exc}.") from None


def _choice(params: dict[str, list[str]], accept: str | None) -> Choice:
    """The formats ``format=`` names (SPARQLWrapper and others send ``json``, ``xml``, ``turtle``, ``n3``,
    ``rdf+xml``, ``json-ld`` ... or a media type), else those the Accept header prefers."""
    named = params.get("format")
    if named and named[0]:
        chosen = formats.choice_named(named[0])
        if chosen is not None:
            return chosen
    return negotiation.choice(accept)


@lru_cache(maxsize=1024)
def _wants_page(accept: str | None) -> bool:
    """Whether the Accept header names HTML and prefers it to every result format (as browsers do; a bare
    ``*/*`` does not count)."""
    return negotiation.prefers_html(accept, (formats.JSON, formats.XML, formats.TURTLE))


_BASES: dict[tuple, str] = {}


def _base_url(environ: dict[str, Any]) -> str:
    """The URL the query was sent to (its base IRI), memoised per host: building it costs more than a lookup."""
    key = (
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME"),
        environ.get("PATH_INFO"),
    )
    url = _BASES.get(key)
    if url is None:
        if len(_BASES) > 256:
            _BASES.clear()
        url = _BASES[key] = get_current_url(environ, strip_querystring=True)
    return url


# -- the WSGI application -------------------------------------------------------------------------------------


class Endpoint:
    """WSGI middleware that answers query requests to ``/sparql`` itself and hands everything else to ``app``."""

    def __init__(self, app: Callable, engine: Engine):
        self.app = app
        self.engine = engine
        self.remember = engine.cache is not None
        # Raw GET request -> (engine key, headers) of the 200 answer it got.
        self.entries: OrderedDict[tuple, tuple[tuple, list[tuple[str, str]]]] = OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") not in PATHS:
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD")
        raw = None
        if method == "GET" and self.remember and "HTTP_IF_NONE_MATCH" not in environ:
            raw = (
                environ.get("QUERY_STRING"),
                environ.get("HTTP_ACCEPT"),
                environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
                environ.get("wsgi.url_scheme"),
                environ.get("SCRIPT_NAME", ""),
            )
            hit = self.entries.get(raw)
            if hit is not None:
                key, headers = hit
                result = self.engine.cached(key)
                if result is not None:
                    return self._send(environ, start_response, "200 OK", headers, result.body)
        elif method not in ("GET", "HEAD", "POST"):
            return self.app(environ, start_response)
        reply = answer(environ, self.engine)
        if reply is None:
            return self.app(environ, start_response)
        if raw is not None and reply.key is not None:
            with self.lock:
                self.entries[raw] = (reply.key, reply.headers)
                while len(self.entries) > MAX_ENTRIES:
                    self.entries.popitem(last=False)
        return self._send(environ, start_response, reply.status_line, reply.headers, reply.body)

    @staticmethod
    def _send(
        environ: dict[str, Any], start_response: Callable, status: str, headers: list[tuple[str, str]], body: bytes
    ) -> Iterable[bytes]:
        start_response(
            status,
            [
                *headers,
                *_COMMON,
                ("Content-Length", str(len(body))),
                (HEADER, request_id(environ.get("HTTP_X_REQUEST_ID"))),
            ],
        )
        return [body] if environ.get("REQUEST_METHOD") != "HEAD" else []


def install(app: Any) -> None:
    """Put the endpoint in front of ``app`` (a Flask app) unless its configuration needs every request seen by
    Flask (an access log, a rate limit); then the Flask view at ``/sparql`` answers with :func:`answer`."""
    from .state import state

    config = app.config
    if flag(config.get("ACCESS_LOG")) or config.get("RATE_LIMIT"):
        return
    app.wsgi_app = Endpoint(app.wsgi_app, state(app).engine)
