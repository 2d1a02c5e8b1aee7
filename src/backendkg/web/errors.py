"""One error shape for every HTTP error: JSON ``{"code", "name", "description"}``."""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError


def error_response(exc: HTTPException):
    response = jsonify({"code": exc.code, "name": exc.name, "description": exc.description})
    response.status_code = exc.code or 500
    for key, value in exc.get_headers():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return error_response(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return error_response(InternalServerError("The server met an unexpected error; it has been logged."))
