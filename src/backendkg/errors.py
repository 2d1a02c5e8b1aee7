"""Errors that carry an HTTP status: what the core raises for a request it cannot answer.

The core (``graph``, ``queries``, ``sparql``, ``validation``) knows nothing of any web framework; an error it
raises says what went wrong (:attr:`Problem.description`), which status fits (:attr:`Problem.code`) and any
header the answer needs (``Retry-After``). The web layer turns it into the JSON error shape
``{"code", "name", "description"}`` (:mod:`backendkg.web.errors`); the command line prints the description and
exits with status 2.
"""

from __future__ import annotations

from http import HTTPStatus


class Problem(Exception):
    """A request that cannot be answered as asked; subclasses fix :attr:`code` and may give a default
    :attr:`description`."""

    code: int = 500
    description: str = "The server met an unexpected error."

    def __init__(self, description: str | None = None, *, headers: dict[str, str] | None = None):
        if description is not None:
            self.description = description
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(self.description)

    @property
    def name(self) -> str:
        """The reason phrase of :attr:`code` ("Bad Request")."""
        try:
            return HTTPStatus(self.code).phrase
        except ValueError:
            return "Error"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.description!r})"


class BadRequest(Problem):
    code = 400
    description = "The request is not one this server understands."


class NotFound(Problem):
    code = 404
    description = "There is no such resource."


class NotAcceptable(Problem):
    code = 406
    description = "None of the accepted media types is available."


class UnsupportedMediaType(Problem):
    code = 415
    description = "The request body is of a media type this server does not take here."


class BadGateway(Problem):
    code = 502
    description = "The upstream SPARQL endpoint gave an answer that cannot be used."


class ServiceUnavailable(Problem):
    code = 503
    description = "The server cannot answer now; try again later."


class GatewayTimeout(Problem):
    code = 504
    description = "The upstream SPARQL endpoint did not answer in time."
