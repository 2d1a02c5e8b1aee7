"""Answer a repeated ``GET /sparql`` from the bytes of the earlier identical answer, before Flask runs.

The graph is read-only while it is served, so the answer to a GET request is a function of its query string,
its Accept header and the host it was addressed to (which gives the base IRI and the service URL). The first
answer to such a request goes through the application as usual; when the view marks it as cacheable
(``environ["backendkg.cacheable"]``: a 200 answer of a query) its status, headers and body are kept, and the
next identical request is answered from them without parsing anything: a dictionary lookup instead of routing,
parameter decoding, negotiation and evaluation. Conditional requests (``If-None-Match``), HEAD, POST and every
other path go through the application. Only the per-request ``X-Request-Id`` header is made afresh.

It is off when the application must see every request: with an access log (``ACCESS_LOG``) or a rate limit
(``RATE_LIMIT``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

ENVIRON_FLAG = "backendkg.cacheable"
_PATHS = frozenset(("/sparql", "/sparql/"))
_PER_REQUEST = "x-request-id"


class FastPath:
    """WSGI middleware around the application's ``wsgi_app``."""

    def __init__(self, app: Callable, *, max_bytes: int, request_id: Callable[[str | None], str] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.max_entry = max(max_bytes // 8, 1)
        self.request_id = request_id
        self.entries: dict[tuple, tuple[str, list[tuple[str, str]], bytes]] = {}
        self.size = 0
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
            status, headers, body = hit
            if self.request_id is not None:
                headers = [*headers, ("X-Request-Id", self.request_id(environ.get("HTTP_X_REQUEST_ID")))]
            start_response(status, headers)
            return [body]
        return self._miss(key, environ, start_response)

    def _miss(self, key: tuple, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            seen["status"] = status
            seen["headers"] = headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        answer = self.app(environ, capture)
        if not environ.get(ENVIRON_FLAG) or not str(seen.get("status", "")).startswith("200"):
            return answer
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        self._keep(key, seen["status"], seen["headers"], body)
        return [body]

    def _keep(self, key: tuple, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        cost = len(body) + 512
        if cost > self.max_entry:
            return
        kept = [(k, v) for k, v in headers if k.lower() != _PER_REQUEST]
        with self.lock:
            if key in self.entries:
                return
            while self.entries and self.size + cost > self.max_bytes:
                oldest = next(iter(self.entries))
                self.size -= len(self.entries.pop(oldest)[2]) + 512
            self.entries[key] = (status, kept, body)
            self.size += cost


def install(app: Any) -> None:
    """Put the fast path in front of ``app`` (a Flask app) unless its configuration needs every request seen."""
    config = app.config
    if _on(config.get("ACCESS_LOG")) or config.get("RATE_LIMIT") or config.get("REMOTE"):
        return
    max_bytes = int(config.get("RESULT_CACHE_BYTES", 32 * 1024 * 1024))
    if max_bytes <= 0:
        return
    try:
        from .observability import request_id
    except ImportError:  # pragma: no cover - the application without request ids
        request_id = None
    app.wsgi_app = FastPath(app.wsgi_app, max_bytes=max_bytes, request_id=request_id)


def _on(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
