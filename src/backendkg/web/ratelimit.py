"""An optional rate limit per client address (Flask-Limiter), off unless ``RATE_LIMIT`` is set.

``RATE_LIMIT`` takes Flask-Limiter's notation: ``"60/minute"``, ``"10 per second; 1000 per hour"``.
A client over the limit gets 429 in the application's error shape with a ``Retry-After`` header (seconds);
every limited response carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``.
``/health`` and CORS preflight requests are never limited.

The counters live in ``RATE_LIMIT_STORAGE`` (default ``memory://``). In memory they are per process:
under ``backendkg serve`` with N workers a client may get up to N times the limit, depending on which
workers its requests reach. For one exact limit across workers and hosts, point ``RATE_LIMIT_STORAGE`` at a
shared store Flask-Limiter supports (``redis://host:6379``, ``memcached://host:11211``; the client library
for it must be installed). Behind a reverse proxy the client address is the proxy's unless the deployer
wraps the application in werkzeug's ``ProxyFix``.
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from .errors import error_response

EXTENSION = "backendkg.ratelimit"


def install(app: Flask) -> Limiter | None:
    """Rate-limit ``app`` per client address when ``RATE_LIMIT`` is set; return the limiter (or ``None``)."""
    spec = app.config.get("RATE_LIMIT")
    if not spec or not str(spec).strip():
        return None
    spec = str(spec).strip()
    try:
        parse_many(spec)
    except ValueError:
        raise ValueError(f"RATE_LIMIT {spec!r} is not a rate limit; write it like '60/minute'.") from None

    limiter = Limiter(
        get_remote_address,
        default_limits=[spec],
        storage_uri=str(app.config.get("RATE_LIMIT_STORAGE") or "memory://"),
        headers_enabled=True,
        retry_after="delta-seconds",
        key_prefix="backendkg",
    )
    limiter.request_filter(_exempt)
    # Registered before the limiter's own hook, so it runs after it.
    app.after_request(_retry_after_only_on_errors)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc: RateLimitExceeded):
        response = error_response(
            TooManyRequests(
                f"Too many requests from this address: the limit is {exc.limit.limit}. "
                "Retry after the time the Retry-After header gives."
            )
        )
        reset = _reset_at(limiter)
        if reset is not None:
            response.headers["Retry-After"] = str(max(1, math.ceil(reset - time.time())))
        return response

    return limiter


def _retry_after_only_on_errors(response: Response) -> Response:
    # The limiter adds Retry-After to every response; on a successful one it means nothing.
    if response.status_code < 400:
        response.headers.pop("Retry-After", None)
    return response


def _exempt() -> bool:
    return request.path == "/health" or request.method == "OPTIONS"


def _reset_at(limiter: Limiter) -> float | None:
    current = limiter.current_limit
    if current is None:
        return None
    return float(current.reset_at)
