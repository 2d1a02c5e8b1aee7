"""Linked Data: every content IRI ``https://w3id.org/backendkg/<kind>/<slug>`` answered at ``/<kind>/<slug>``.

Content negotiation picks an HTML page for browsers or Turtle, JSON-LD, N-Triples or RDF/XML for machines;
an extension (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``) picks one outright.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from flask import Blueprint, Response, abort, make_response, redirect, request

from .. import formats
from ..formats import Format
from ..graph.describe import serialize
from ..graph.dumps import module_name
from ..graph.export import sorted_triples
from ..graph.search import MAX_QUERY_LENGTH
from ..namespaces import BASE, GRAPH, LD_KINDS
from . import negotiation
from .html.ontodoc import local_href
from .html.render import install, page
from .html.view import build
from .negotiation import LD_EXTENSIONS, split_extension
from .state import state

bp = Blueprint("ld", __name__)
bp.record_once(install)

#: Content IRIs with no slug: the description of the dataset as a whole.
SINGLE = ("dataset",)


def alternates(path: str) -> list[tuple[Format | None, str]]:
    """The URLs of each representation of the resource at ``path``: (None = HTML, URL)."""
    return [(None, path + ".html")] + [(f, f"{path}.{f.extension}") for f in formats.TRIPLES]


def link_header(path: str) -> str:
    links = [f'<{url}>; rel="alternate"; type="{m.media_type if m else "text/html"}"' for m, url in alternates(path)]
    return ", ".join(links)


def choose(extension: str | None) -> Format | None:
    """The representation asked for by ``extension``, else by the ``Accept`` header: a triple syntax, or
    ``None`` for the HTML page; 406 when the header names none of them."""
    if extension == "html":
        return None
    if extension:
        return LD_EXTENSIONS[extension]
    header = request.headers.get("Accept")
    if negotiation.prefers_html(header, formats.TRIPLES):
        return None
    chosen = negotiation.pick(header, formats.TRIPLES)
    if chosen is None:
        offered = ", ".join(["text/html", *(f.media_type for f in formats.TRIPLES)])
        abort(406, description=f"This resource is available as {offered}; the Accept header names none of them.")
    return chosen


def not_found(iri: str, path: str) -> Response:
    """404: an HTML page that helps a person on, or the JSON error for everybody else."""
    description = f"The graph has no resource {iri}."
    if negotiation.wants_html(request.headers.get("Accept")):
        slug = path.rstrip("/").rsplit("/", 1)[-1]
        query = slug.replace("-", " ")
        html, status = page(
            "not_found.html", 404, iri=iri, query=query, message=description, candidates=candidates(query)
        )
        response = make_response(html, status)
        response.headers["Vary"] = "Accept"
        return response
    abort(404, description=description)


def candidates(text: str, limit: int = 8) -> list:
    """Concepts whose labels match ``text`` or, failing that, its longest words: what the person may have meant."""
    index = state().label_index()
    text = text[:MAX_QUERY_LENGTH]
    hits = index.search(text, limit=limit) if text.strip() else []
    for word in sorted(set(text.split()), key=len, reverse=True):
        if hits or len(word) < 3:
            break
        hits = index.search(word, limit=limit)
    return hits


def respond(iri: str, path: str, triples, extension: str | None) -> Response:
    return document(
        path,
        triples,
        extension,
        lambda: page(
            "resource.html", view=build(iri, triples, state().terms()), path=path, alternates=alternates(path)
        )[0],
    )


@bp.get(f"/<any({', '.join(LD_KINDS)}):kind>/<path:name>")
def resource(kind: str, name: str) -> Response:
    slug, extension = split_extension(name)
    path = f"/{kind}/{slug}"
    iri = BASE + path[1:]
    triples = state().description(iri)
    if not triples:
        return not_found(iri, path)
    return respond(iri, path, triples, extension)


@bp.get(f"/<any({', '.join(SINGLE)}):name>")
@bp.get(f"/<any({', '.join(SINGLE)}):name>.<any({', '.join([*LD_EXTENSIONS, 'html'])}):extension>")
def single(name: str, extension: str | None = None) -> Response:
    path = "/" + name
    iri = BASE + name
    triples = state().description(iri)
    if not triples:
        return not_found(iri, path)
    return respond(iri, path, triples, extension)


# The ontology and the shapes -------------------------------------------------------------------------------


def document(path: str, triples: list[ox.Triple], extension: str | None, render_html: Callable[[], str]) -> Response:
    """A document resource (``/ontology``, ``/shapes``): HTML by ``render_html()`` or RDF of ``triples``."""
    chosen = choose(extension)
    if chosen is None:
        response = make_response(render_html())
    else:
        response = Response(serialize(triples, chosen.ox_format), content_type=chosen.content_type)
        if not extension:
            response.headers["Content-Location"] = f"{path}.{chosen.extension}"
    if not extension:
        response.headers["Vary"] = "Accept"
    response.headers["Link"] = link_header(path)
    response.add_etag()
    return response.make_conditional(request)


_EXT = f"<any({', '.join([*LD_EXTENSIONS, 'html'])}):extension>"


@bp.get("/ontology")
@bp.get(f"/ontology.{_EXT}")
def ontology(extension: str | None = None) -> Response:
    """The ontology: its documentation with a class diagram, or its triples."""

    def html():
        doc = state().ontology_doc()
        return page("ontology.html", doc=doc, alternates=alternates("/ontology"), local=local_href)[0]

    return document("/ontology", state().ontology_triples(), extension, html)


@bp.get("/ontology/<version>")
def ontology_version(version: str) -> Response:
    """The version IRI of the ontology answers with the ontology of that version, which is the one served."""
    if version != state().version:
        abort(404, description=f"This server serves version {state().version} of the ontology, not {version}.")
    return ontology()


@bp.get("/ontology.svg")
def ontology_diagram() -> Response:
    response = Response(state().ontology_doc().svg, content_type="image/svg+xml; charset=utf-8")
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/shapes")
@bp.get(f"/shapes.{_EXT}")
def shapes(extension: str | None = None) -> Response:
    """The SHACL shapes: their documentation, or their triples."""

    def html():
        return page("shapes.html", doc=state().shapes_doc(), alternates=alternates("/shapes"))[0]

    return document("/shapes", state().shapes_doc().triples, extension, html)


@bp.get("/graph/<path:name>")
def named_graph(name: str) -> Response:
    """A named graph (one module of the graph): its triples by content negotiation; people are sent to its
    downloads."""
    slug, extension = split_extension(name)
    path = f"/graph/{slug}"
    iri = GRAPH + slug
    backend = state().backend
    if iri not in backend.graphs:
        return not_found(iri, path)
    chosen = choose(extension)
    if chosen is None:
        return redirect("/download/#" + module_name(iri), code=303)
    triples = sorted_triples(backend.quads(iri))
    response = Response(serialize(triples, chosen.ox_format), content_type=chosen.content_type)
    if not extension:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"{path}.{chosen.extension}"
    response.headers["Link"] = link_header(path)
    response.add_etag()
    return response.make_conditional(request)
