"""``/sparql`` in Flask: the service description, VoID, and the query operation when Flask must see every
request.

- ``GET /sparql`` without a query: the service description (Turtle, JSON-LD, RDF/XML, N-Triples; HTML: the
  page at ``/``). ``OPTIONS``: the methods, or a CORS preflight (:mod:`backendkg.web.cors`).
- ``GET /.well-known/void``: the VoID description of the dataset, with its linksets.
- Query requests are answered by :mod:`backendkg.web.protocol` before Flask runs; with an access log or a rate
  limit (Flask hooks) they come here, and this view answers them with the same :func:`protocol.answer`.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request

from .. import formats
from ..sparql.errors import NotAcceptable
from ..sparql.service import service_description, void_description
from . import negotiation, protocol
from .state import state

bp = Blueprint("sparql", __name__)

_METHODS = ("GET", "POST", "OPTIONS")

#: Service description / VoID: the RDF syntaxes offered, the default first; HTML goes to the page at /.
_DESCRIPTION_FORMATS = (formats.TURTLE, formats.JSONLD, formats.RDFXML, formats.NTRIPLES)


@bp.route("/sparql", methods=_METHODS, strict_slashes=False, provide_automatic_options=False)
def sparql():
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": ", ".join(_METHODS)})
    reply = protocol.answer(request.environ, state().engine)
    if reply is None:
        return _description()
    return Response(reply.body, status=reply.status, headers=reply.headers)


def _describe_format():
    """The syntax of the service description or VoID (``None``: HTML, the page at /)."""
    header = request.headers.get("Accept")
    if negotiation.prefers_html(header, _DESCRIPTION_FORMATS):
        return None
    fmt = negotiation.pick(header, _DESCRIPTION_FORMATS)
    if fmt is None:
        offered = ", ".join(f.media_type for f in _DESCRIPTION_FORMATS)
        raise NotAcceptable(f"The description is available as {offered}, or as the page at /.")
    return fmt


def _description():
    fmt = _describe_format()
    if fmt is None:
        return redirect("/", code=303)
    engine = state().engine
    body = _cached(("sd", request.host_url, fmt.name), lambda: service_description(_root(), fmt, engine=engine))
    headers = {"Vary": "Accept"}
    return Response(body, status=200, headers=headers, content_type=fmt.content_type)


@bp.route("/.well-known/void", methods=("GET",))
def void():
    fmt = _describe_format()
    if fmt is None:
        return redirect("/", code=303)
    body = _cached(
        ("void", request.host_url, fmt.name),
        lambda: void_description(_root(), fmt, engine=state().engine, version=state().version),
    )
    headers = {"Vary": "Accept"}
    return Response(body, status=200, headers=headers, content_type=fmt.content_type)


def _root() -> str:
    return request.host_url.rstrip("/")


def _cached(key: tuple, build):
    return state().memo("sparql.descriptions", key, build)
