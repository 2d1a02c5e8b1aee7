"""Request ids and a structured access log.

Every response carries ``X-Request-Id``: the client's own id when it sent a sane one (1 to 128 characters of
``A-Z a-z 0-9 . _ : -``), a fresh UUID4 otherwise. With ``ACCESS_LOG`` on, each request writes one JSON line
to the ``backendkg.access`` logger (standard error unless the deployer configures logging)::

    {"time": "2026-01-01T12:00:00.123Z", "request_id": "...", "method": "GET", "path": "/sparql",
     "status": 200, "duration_ms": 3.2, "bytes": 512, "query_hash": "5f0c1e...", "rows": 12}

The query text is never logged, only ``query_hash`` (the first 16 hex digits of the SHA-256 of its UTF-8
bytes), unless ``ACCESS_LOG_QUERY`` is on. Client addresses, headers and parameters other than the query are
not logged at all. ``rows`` is the number of result rows where the endpoint knows it (``X-Result-Rows``),
and ``truncated`` appears when the row cap cut the answer. Requests to ``/health`` are logged only with
``ACCESS_LOG_HEALTH`` (load balancers probe it every few seconds).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, request

HEADER = "X-Request-Id"
LOGGER = "backendkg.access"

_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_QUERY_TYPES = ("application/sparql-query", "application/sparql-update")


def request_id(incoming: str | None) -> str:
    """The id of a request: ``incoming`` when it is sane, else a new UUID4."""
    if incoming and _SANE_ID.fullmatch(incoming):
        return incoming
    return str(uuid.uuid4())


def query_hash(text: str) -> str:
    """The first 16 hex digits of the SHA-256 of ``text`` (UTF-8; lone surrogates kept as they came)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class _StandardError(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of each record."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def access_logger() -> logging.Logger:
    """The access logger; it writes bare JSON lines to standard error unless handlers were configured."""
    logger = logging.getLogger(LOGGER)
    if not logger.handlers:
        handler = _StandardError()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def install(app: Flask) -> None:
    """Give every response an ``X-Request-Id`` and, with ``ACCESS_LOG`` on, log each request."""
    enabled = flag(app.config.get("ACCESS_LOG"))
    with_query = flag(app.config.get("ACCESS_LOG_QUERY"))
    with_health = flag(app.config.get("ACCESS_LOG_HEALTH"))
    logger = access_logger() if enabled else None

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        g.request_id = request_id(request.headers.get(HEADER))
        if enabled and request.mimetype in _QUERY_TYPES:
            # Keep the body of a direct POST so the query can be hashed after the view has read it. Bodies
            # over the query size limit are refused by the view without being read; they are not kept here.
            length = request.content_length
            limit = int(app.config.get("MAX_QUERY_BYTES", 64 * 1024))
            if length is not None and length <= limit:
                request.get_data(cache=True)

    @app.after_request
    def _finish(response: Response) -> Response:
        rid = g.get("request_id") or request_id(None)
        response.headers[HEADER] = rid
        if logger is not None and (with_health or request.path != "/health"):
            logger.info(_line(response, rid, with_query=with_query))
        return response


def _line(response: Response, rid: str, *, with_query: bool) -> str:
    started = g.get("request_started")
    duration = (time.perf_counter() - started) * 1000 if started is not None else None
    record: dict[str, object] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "request_id": rid,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(duration, 2) if duration is not None else None,
        "bytes": response.calculate_content_length(),
    }
    text = _query_text()
    record["query_hash"] = query_hash(text) if text is not None else None
    if with_query and text is not None:
        record["query"] = text
    rows = response.headers.get("X-Result-Rows")
    record["rows"] = int(rows) if rows and rows.isdigit() else None
    if response.headers.get("X-Result-Truncated") == "true":
        record["truncated"] = True
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _query_text() -> str | None:
    """The query (or update) text of the request, from what has already been read; never reads a body."""
    text = request.environ.get("backendkg.query")  # left by the /sparql view (backendkg.web.protocol)
    if isinstance(text, str):
        return text
    for name in ("query", "update"):
        value = request.args.get(name)
        if value is not None:
            return value
    if "form" in request.__dict__:  # parsed by the view already
        for name in ("query", "update"):
            value = request.form.get(name)
            if value is not None:
                return value
    if request.mimetype in _QUERY_TYPES:
        data = getattr(request, "_cached_data", None)
        if isinstance(data, bytes):
            return data.decode("utf-8", "replace")
    return None


def flag(value: object) -> bool:
    """A boolean setting from Python or from an environment variable (``true``/``1``/``yes``/``on``)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
