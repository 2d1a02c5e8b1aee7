"""Headers that keep the pages safe to open from a shared link.

Every answer says ``X-Content-Type-Options: nosniff`` (a browser never reads data as a page or script) and
``Referrer-Policy: no-referrer`` (a query in the URL never leaks to a site a page links to). Every HTML
answer carries a Content-Security-Policy that allows only the server's own scripts, styles and images,
no plugins, no framing (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older browsers) and
forms that post only to this server.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
ALL = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
HTML = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Frame-Options": "DENY"}
#: The only IRI schemes a page renders as links; any other IRI (``javascript:``, ``data:``, ``vbscript:`` ...)
#: is shown as text.
LINKABLE_SCHEMES = ("http://", "https://")


def install(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        for key, value in ALL.items():
            response.headers.setdefault(key, value)
        if response.mimetype in ("text/html", "application/xhtml+xml"):
            for key, value in HTML.items():
                response.headers.setdefault(key, value)
        return response
