"""One error shape for every HTTP error: JSON ``{"code", "name", "description"}``.

Two kinds of error reach it: werkzeug's ``HTTPException`` (raised by the web layer itself, and by Flask for
unknown routes and methods) and the core's :class:`~backendkg.errors.Problem` (a query refused, a remote
endpoint down ...), which carries its own status, description and headers.
"""

from __future__ import annotations

import json

from flask import Flask, Response
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import Problem


def problem_body(code: int, name: str, description: str | None) -> bytes:
    """The body of an error answer: ``{"code", "description", "name"}`` as compact JSON."""
    document = {"code": code, "description": description, "name": name}
    return (json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n").encode()


def _json(code: int, name: str, description: str | None, headers) -> Response:
    response = Response(problem_body(code, name, description), status=code, mimetype="application/json")
    for key, value in headers:
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def error_response(exc: HTTPException | Problem) -> Response:
    """The JSON answer for ``exc``, with the headers it asks for (``Retry-After``, ``Allow`` ...)."""
    if isinstance(exc, Problem):
        return _json(exc.code, exc.name, exc.description, exc.headers.items())
    return _json(exc.code or 500, exc.name, exc.description, exc.get_headers())


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return error_response(exc)

    @app.errorhandler(Problem)
    def _problem(exc: Problem):
        return error_response(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return error_response(InternalServerError("The server met an unexpected error; it has been logged."))
