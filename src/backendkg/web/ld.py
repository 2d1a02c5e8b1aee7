"""Linked Data: every content IRI ``https://w3id.org/backendkg/<kind>/<slug>`` answered at ``/<kind>/<slug>``.

Content negotiation picks an HTML page for browsers or Turtle, JSON-LD, N-Triples or RDF/XML for machines;
an extension (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``) picks one outright.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, make_response, request

from ..namespaces import BASE, KINDS
from . import state
from ._describe import describe, serialize
from ._rdfmedia import BY_EXTENSION, HTML, RDF_MEDIA, Html, RdfMedia, negotiate, split_extension, wants_html
from ._render import install, page, terms
from ._view import build

bp = Blueprint("ld", __name__)
bp.record_once(install)

#: First path segments of content IRIs: the kinds of concepts, the linksets of external mappings and the
#: vocabularies they map to.
LD_KINDS = (*KINDS, "linkset", "vocabulary")
#: Content IRIs with no slug: the description of the dataset as a whole.
SINGLE = ("dataset",)


def alternates(path: str) -> list[tuple[RdfMedia | None, str]]:
    """The URLs of each representation of the resource at ``path``: (None = HTML, URL)."""
    return [(None, path + ".html")] + [(m, f"{path}.{m.extension}") for m in RDF_MEDIA]


def link_header(path: str) -> str:
    links = [f'<{url}>; rel="alternate"; type="{m.media_type if m else "text/html"}"' for m, url in alternates(path)]
    return ", ".join(links)


def choose(extension: str | None) -> RdfMedia | Html:
    """The representation asked for by ``extension``, else by the ``Accept`` header (406 if none fits)."""
    if extension == "html":
        return HTML
    if extension:
        return BY_EXTENSION[extension]
    chosen = negotiate(request)
    if chosen is None:
        offered = ", ".join(["text/html", *(m.media_type for m in RDF_MEDIA)])
        abort(406, description=f"This resource is available as {offered}; the Accept header names none of them.")
    return chosen


def not_found(iri: str, path: str):
    """404: an HTML page that helps a person on, or the JSON error for everybody else."""
    description = f"The graph has no resource {iri}."
    if wants_html(request):
        slug = path.rstrip("/").rsplit("/", 1)[-1]
        html, status = page("not_found.html", 404, iri=iri, query=slug.replace("-", " "), message=description)
        response = make_response(html, status)
        response.headers["Vary"] = "Accept"
        return response
    abort(404, description=description)


def respond(iri: str, path: str, triples, extension: str | None) -> Response:
    chosen = choose(extension)
    if isinstance(chosen, Html):
        html, _ = page("resource.html", view=build(iri, triples, terms()), path=path, alternates=alternates(path))
        response = make_response(html)
    else:
        response = Response(serialize(triples, chosen.format), content_type=chosen.content_type)
        if not extension:
            response.headers["Content-Location"] = f"{path}.{chosen.extension}"
    if not extension:
        response.headers["Vary"] = "Accept"
    response.headers["Link"] = link_header(path)
    response.add_etag()
    return response.make_conditional(request)


@bp.get(f"/<any({', '.join(LD_KINDS)}):kind>/<path:name>")
def resource(kind: str, name: str):
    slug, extension = split_extension(name)
    path = f"/{kind}/{slug}"
    iri = BASE + path[1:]
    triples = describe(state().kg, iri)
    if not triples:
        return not_found(iri, path)
    return respond(iri, path, triples, extension)


@bp.get(f"/<any({', '.join(SINGLE)}):name>")
@bp.get(f"/<any({', '.join(SINGLE)}):name>.<any({', '.join([*BY_EXTENSION, 'html'])}):extension>")
def single(name: str, extension: str | None = None):
    path = "/" + name
    iri = BASE + name
    triples = describe(state().kg, iri)
    if not triples:
        return not_found(iri, path)
    return respond(iri, path, triples, extension)
