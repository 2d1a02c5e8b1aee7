"""CORS on every route: a web application on any origin may read every answer, errors included.

Every answer carries ``Access-Control-Allow-Origin: *`` and exposes the headers clients read
(``ETag``, ``X-Result-*``, ``X-Request-Id``, ``Retry-After``, ``Link``, ``Content-Location``,
``Content-Disposition``). A preflight request (``OPTIONS`` with ``Access-Control-Request-Method``) to any
route is answered with 204 and the methods that route takes; nothing served needs credentials, and nothing
is writable, so the wildcard origin is safe.
"""

from __future__ import annotations

from flask import Flask, Response, request

ALLOW_ORIGIN = {"Access-Control-Allow-Origin": "*"}
EXPOSED = (
    "ETag, X-Result-Truncated, X-Result-Rows, X-Result-Limit, X-Request-Id, Retry-After, Link, "
    "Content-Location, Content-Disposition"
)
ALLOWED_HEADERS = "Accept, Content-Type, If-None-Match, If-Modified-Since, Range, X-Request-Id"
MAX_AGE = "86400"


def preflight(methods: set[str] | frozenset[str]) -> Response:
    """The answer to a preflight request for a route that takes ``methods``."""
    allowed = [*sorted(m for m in methods if m in ("GET", "HEAD", "POST")), "OPTIONS"]
    return Response(
        status=204,
        headers={
            **ALLOW_ORIGIN,
            "Access-Control-Allow-Methods": ", ".join(allowed),
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": MAX_AGE,
            "Vary": "Origin",
        },
    )


def install(app: Flask) -> None:
    @app.before_request
    def _preflight():
        if (
            request.method == "OPTIONS"
            and "Access-Control-Request-Method" in request.headers
            and request.url_rule is not None
        ):
            return preflight(request.url_rule.methods or frozenset())
        return None

    @app.after_request
    def _cors(response: Response) -> Response:
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        response.headers.setdefault("Access-Control-Expose-Headers", EXPOSED)
        return response
