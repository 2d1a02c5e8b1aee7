"""Answer a repeated ``GET /sparql`` from the engine's cache, before Flask runs.

The graph is read-only while it is served, so the answer to a GET request is a function of its query string,
its Accept header and the host it was addressed to (which gives the base IRI). The first answer to such a
request goes through the application as usual; when the view marks it as cacheable (it puts the answer's
engine key in ``environ["backendkg.answer"]``: a 200 answer of a query), the fast path remembers which answer
that request got and with which headers. The next identical request is answered from the engine's cache
without parsing anything: a dictionary lookup instead of routing, parameter decoding, negotiation and
evaluation. The bytes themselves live only in the engine's cache (one cache, one budget): when the engine has
let an answer go, the request goes through the application again. Conditional requests (``If-None-Match``),
HEAD, POST and every other path go through the application. Only the per-request ``X-Request-Id`` is made
afresh.

It is off when the application must see every request: with an access log (``ACCESS_LOG``) or a rate limit
(``RATE_LIMIT``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from ..sparql.engine import Engine
from .observability import flag, request_id
from .state import state

ENVIRON_KEY = "backendkg.answer"
#: Requests remembered (each entry is a key and a list of headers; the answers are the engine's).
MAX_ENTRIES = 8192
_PATHS = frozenset(("/sparql", "/sparql/"))
_PER_REQUEST = "x-request-id"


class FastPath:
    """WSGI middleware around the application's ``wsgi_app``."""

    def __init__(self, app: Callable, engine: Engine, *, with_request_id: bool = True):
        self.app = app
        self.engine = engine
        self.with_request_id = with_request_id
        self.entries: OrderedDict[tuple, tuple[tuple, str, list[tuple[str, str]]]] = OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("PATH_INFO") not in _PATHS
            or "HTTP_IF_NONE_MATCH" in environ
            or not environ.get("QUERY_STRING")
        ):
            return self.app(environ, start_response)
        key = (
            environ["QUERY_STRING"],
            environ.get("HTTP_ACCEPT"),
            environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
            environ.get("wsgi.url_scheme"),
            environ.get("SCRIPT_NAME", ""),
        )
        hit = self.entries.get(key)
        if hit is not None:
            answer_key, status, headers = hit
            result = self.engine.cached(answer_key)
            if result is not None:
                if self.with_request_id:
                    headers = [*headers, ("X-Request-Id", request_id(environ.get("HTTP_X_REQUEST_ID")))]
                start_response(status, headers)
                return [result.body]
            with self.lock:
                self.entries.pop(key, None)
        return self._miss(key, environ, start_response)

    def _miss(self, key: tuple, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            seen["status"] = status
            seen["headers"] = headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        answer = self.app(environ, capture)
        answer_key = environ.get(ENVIRON_KEY)
        if answer_key is not None and str(seen.get("status", "")).startswith("200"):
            kept = [(k, v) for k, v in seen["headers"] if k.lower() != _PER_REQUEST]
            with self.lock:
                self.entries[key] = (answer_key, seen["status"], kept)
                while len(self.entries) > MAX_ENTRIES:
                    self.entries.popitem(last=False)
        return answer


def install(app: Any) -> None:
    """Put the fast path in front of ``app`` (a Flask app) unless its configuration needs every request seen."""
    config = app.config
    engine = state(app).engine
    if flag(config.get("ACCESS_LOG")) or config.get("RATE_LIMIT") or engine.cache is None:
        return
    app.wsgi_app = FastPath(app.wsgi_app, engine)
