"""``/sparql``: the SPARQL 1.1 Protocol (query operation, read-only), its service description, and VoID.

- ``GET /sparql?query=...``, ``POST`` form (``query=``), ``POST application/sparql-query``;
  ``default-graph-uri`` / ``named-graph-uri`` repeatable; ``format=`` overrides the Accept header.
- Results negotiated per query form (:mod:`backendkg.web.negotiation`); ``Vary: Accept``; strong ETags and
  304; ``format=`` names a format outright (an unknown name leaves the choice to ``Accept``).
- Updates in any form: 403. ``GET /sparql`` without a query: the service description (HTML: the page at ``/``).
- ``GET /.well-known/void``: the VoID description of the dataset, with its linksets.

Queries are evaluated through :mod:`backendkg.sparql.engine` (checks, deadline, row cap, result cache); a
repeated GET is answered before routing by :mod:`backendkg.web.fastpath`. CORS is :mod:`backendkg.web.cors`'s.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from .. import formats
from ..formats import Choice
from ..sparql.errors import NotAcceptable, QueryTooLarge, UpdateForbidden
from ..sparql.service import service_description, void_description
from . import negotiation
from .fastpath import ENVIRON_KEY
from .state import state

bp = Blueprint("sparql", __name__)

_METHODS = ("GET", "POST", "OPTIONS")
_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"

#: Service description / VoID: the RDF syntaxes offered, the default first; HTML goes to the page at /.
_DESCRIPTION_FORMATS = (formats.TURTLE, formats.JSONLD, formats.RDFXML, formats.NTRIPLES)


@bp.route("/sparql", methods=_METHODS, strict_slashes=False, provide_automatic_options=False)
def sparql():
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": ", ".join(_METHODS)})
    engine = state().engine
    if request.method in ("GET", "HEAD"):
        params = _checked(request.args, request.query_string)
        if "update" in params:
            raise UpdateForbidden("This endpoint is read-only: SPARQL Update requests are refused (and never by GET).")
        if "query" not in params:
            return _description()
        text = _single(params, "query")
        if request.method == "GET" and "format" not in params and _wants_page():
            # A browser following a query link: show the query and its answer on the page for people.
            return redirect("/?" + urlencode({"query": text}), code=303)
    else:
        text, params = _post_query(engine.max_query_bytes)

    choice = _choice(params)
    default_graph = params.getlist("default-graph-uri") or None
    named_graphs = params.getlist("named-graph-uri") or None
    _check_graph_iris(params)
    if default_graph is not None or named_graphs is not None:
        default_graph = default_graph or []
        named_graphs = named_graphs or []

    headers = {"Vary": "Accept", "Cache-Control": "no-cache"}
    base_iri = _base_url()
    key = engine.key(text, choice=choice, default_graph=default_graph, named_graphs=named_graphs, base_iri=base_iri)
    if request.method in ("GET", "HEAD") and "If-None-Match" in request.headers:
        # A conditional request: the validator is a function of the request, so no evaluation is needed.
        etag = engine.etag(key)
        if etag is not None and request.if_none_match.contains(etag.strip('"')):
            return Response(status=304, headers={**headers, "ETag": etag})

    result = engine.run(
        text, choice=choice, default_graph=default_graph, named_graphs=named_graphs, base_iri=base_iri, key=key
    )
    if result.etag is not None:
        headers["ETag"] = result.etag
    if result.rows is not None:
        headers["X-Result-Rows"] = str(result.rows)
    if result.truncated:
        headers["X-Result-Truncated"] = "true"
        headers["X-Result-Limit"] = str(engine.row_limit)
    if request.method == "GET" and result.etag is not None:
        request.environ[ENVIRON_KEY] = key
    return Response(result.body, status=200, headers=headers, content_type=result.format.content_type)


def _check_graph_iris(params: MultiDict) -> None:
    for name in ("default-graph-uri", "named-graph-uri"):
        for value in params.getlist(name):
            try:
                ox.NamedNode(value)
            except ValueError as exc:
                raise BadRequest(f"The {name} {value!r} is not an absolute IRI: {exc}.") from None


_BASES: dict[tuple, str] = {}


def _base_url() -> str:
    """The URL the query was sent to (its base IRI), memoised per host: werkzeug builds it at some cost."""
    environ = request.environ
    key = (
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SCRIPT_NAME"),
        environ.get("PATH_INFO"),
    )
    url = _BASES.get(key)
    if url is None:
        if len(_BASES) > 256:
            _BASES.clear()
        url = _BASES[key] = request.base_url
    return url


def _single(params: MultiDict, name: str) -> str:
    values = params.getlist(name)
    if len(values) != 1:
        raise BadRequest(f"Exactly one {name!r} parameter is allowed; this request has {len(values)}.")
    return values[0]


def _checked(params: MultiDict, raw: bytes) -> MultiDict:
    """``params`` as decoded by werkzeug, after making sure the raw bytes were UTF-8 (werkzeug replaces)."""
    # werkzeug keeps undecodable escapes as literal "%XX" text: only then is the strict check needed.
    if any("%" in v or "\ufffd" in v for v in params.values()):
        try:
            parse_qsl(raw.decode("utf-8", "strict"), keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise BadRequest("The request parameters are not valid UTF-8.") from None
    return params


def _post_query(max_bytes: int) -> tuple[str, MultiDict]:
    mimetype = request.mimetype
    length = request.content_length
    if length is not None and length > 4 * max_bytes:
        raise QueryTooLarge(
            f"The request body is {length} bytes long; this endpoint accepts at most {max_bytes} bytes."
        )
    if mimetype == _FORM:
        _utf8_charset()
        body = request.get_data(cache=True)
        form = _checked(request.form, body)
        if "update" in form:
            raise UpdateForbidden()
        params = MultiDict(request.args)
        for key, value in form.items(multi=True):
            params.add(key, value)
        if "query" not in form:
            raise BadRequest("A form POST to /sparql needs a 'query' parameter.")
        return _single(form, "query"), params
    if mimetype == _QUERY:
        _utf8_charset()
        body = request.get_data(cache=False)
        if len(body) > max_bytes:
            raise QueryTooLarge(
                f"The query is {len(body)} bytes long; this endpoint accepts at most {max_bytes} bytes."
            )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest(f"The query is not valid UTF-8 (byte {exc.start}).") from None
        return text, _checked(request.args, request.query_string)
    if mimetype == _UPDATE:
        raise UpdateForbidden()
    if not mimetype:
        raise UnsupportedMediaType(f"A POST to /sparql needs a Content-Type: {_QUERY} or {_FORM}.")
    raise UnsupportedMediaType(f"Content-Type {mimetype!r} is not accepted here; send {_QUERY} or {_FORM}.")


def _utf8_charset() -> None:
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii"):
        raise BadRequest(f"The query must be UTF-8 encoded; the request says charset={charset}.")


def _choice(params: MultiDict) -> Choice:
    """The formats ``format=`` names (SPARQLWrapper and others send ``json``, ``xml``, ``turtle``, ``n3``,
    ``rdf+xml``, ``json-ld`` ... or a media type), else those the Accept header prefers."""
    fmt = params.get("format")
    if fmt:
        named = formats.choice_named(fmt)
        if named is not None:
            return named
    return negotiation.choice(request.headers.get("Accept"))


_PAGE_OR_RESULTS = ("text/html", "application/sparql-results+json", "application/sparql-results+xml", "text/turtle")


def _wants_page() -> bool:
    """Whether the Accept header names HTML and prefers it to every result format (as browsers do; a bare
    ``*/*`` does not count)."""
    header = request.headers.get("Accept")
    return negotiation.prefers_html(header, (formats.JSON, formats.XML, formats.TURTLE))


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
