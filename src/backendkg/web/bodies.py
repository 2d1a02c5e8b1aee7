"""Request bodies: a size cap before a byte is read, and a bound on how many application threads may be
reading a body at once, so that slow clients cost connections, not the server.

WSGI servers hand a request to an application thread as soon as its headers have arrived, and the body is
read from that thread; a client that announces a body and then sends nothing holds the thread while it
waits, and granian offers no timeout for a body (nor may another thread read it for the application). So
every request with a body goes through :class:`BodyGuard` first:

- a body announced over ``MAX_BODY_BYTES`` (default 1 MiB) is refused with 413 before any of it is read;
- at most ``BODY_READERS`` threads of a worker (default 4 of its 24) read a body at once; a request with a
  body that finds them all reading for a second gets 503 (busy, ``Retry-After``). Stalled bodies can therefore
  hold four threads of each worker, never the threads that answer GET queries, ``/health`` and the pages;
- the body is read whole (up to the cap, for a chunked one) and the application reads it from memory
  (``wsgi.input``, and ``environ[BODY_KEY]``).

The errors are in the house JSON shape.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from .errors import problem_body
from .observability import HEADER, request_id

MAX_BODY_BYTES = 1024 * 1024
#: Where the body read is left in the environ, for WSGI code that reads it after Flask may have.
BODY_KEY = "backendkg.body"
BODY_READERS = 4
#: How long a request waits for a free body reader before it is told the server is busy: reading a body that
#: has arrived takes microseconds, so only stalled bodies make anyone wait this long.
READER_WAIT = 1.0
_CHUNK = 64 * 1024


class BodyGuard:
    """WSGI middleware that reads request bodies for the application (see the module documentation)."""

    def __init__(self, app: Callable, *, max_bytes: int = MAX_BODY_BYTES, readers: int = BODY_READERS):
        self.app = app
        self.max_bytes = max_bytes
        self.readers = threading.BoundedSemaphore(readers)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        announced = (environ.get("CONTENT_LENGTH") or "").strip()
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not announced and not chunked:
            return self.app(environ, start_response)
        length: int | None = None
        if announced:
            if not announced.isdigit():
                return _error(environ, start_response, 400, f"Content-Length {announced!r} is not a number of bytes.")
            length = int(announced)
            if length == 0:
                return self.app(environ, start_response)
            if length > self.max_bytes:
                return _error(
                    environ,
                    start_response,
                    413,
                    f"The request body is {length} bytes long; this server accepts at most {self.max_bytes} bytes.",
                )
        if not self.readers.acquire(timeout=READER_WAIT):
            return _error(
                environ,
                start_response,
                503,
                "The server is busy reading other request bodies. Try again in a moment.",
                {"Retry-After": "1"},
            )
        try:
            body = self._read(environ["wsgi.input"], length)
        except OSError:
            return _error(environ, start_response, 400, "The request body could not be read: the connection broke.")
        finally:
            self.readers.release()
        if len(body) > self.max_bytes:
            return _error(
                environ, start_response, 413, f"The request body is over the {self.max_bytes} bytes accepted here."
            )
        if length is not None and len(body) < length:
            return _error(
                environ, start_response, 400, f"The request body ended after {len(body)} of the {length} bytes."
            )
        environ["wsgi.input"] = io.BytesIO(body)
        environ[BODY_KEY] = body
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)

    def _read(self, stream: Any, length: int | None) -> bytes:
        """``length`` bytes of the body, or all of it up to one byte past the cap."""
        wanted = length if length is not None else self.max_bytes + 1
        chunks: list[bytes] = []
        size = 0
        while size < wanted:
            chunk = stream.read(min(_CHUNK, wanted - size))
            if not chunk:
                break
            chunks.append(bytes(chunk))
            size += len(chunk)
        return b"".join(chunks)


def _error(
    environ: dict[str, Any],
    start_response: Callable,
    code: int,
    description: str,
    headers: dict[str, str] | None = None,
):
    body = problem_body(code, HTTPStatus(code).phrase, description)
    start_response(
        f"{code} {HTTPStatus(code).phrase}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Access-Control-Allow-Origin", "*"),
            ("X-Content-Type-Options", "nosniff"),
            (HEADER, request_id(environ.get("HTTP_X_REQUEST_ID"))),
            *(headers or {}).items(),
        ],
    )
    return [body]


def install(app: Any) -> None:
    """Put the guard in front of ``app`` (a Flask app), with ``MAX_BODY_BYTES`` and ``BODY_READERS`` from its
    configuration."""
    config = app.config
    app.wsgi_app = BodyGuard(
        app.wsgi_app,
        max_bytes=int(config.get("MAX_BODY_BYTES", MAX_BODY_BYTES)),
        readers=int(config.get("BODY_READERS", BODY_READERS)),
    )
