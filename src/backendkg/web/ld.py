"""Linked Data: every content IRI ``https://w3id.org/backendkg/<kind>/<slug>`` answered at ``/<kind>/<slug>``.

Content negotiation picks an HTML page for browsers or Turtle, JSON-LD, N-Triples or RDF/XML for machines;
an extension (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``) picks one outright.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from flask import Blueprint, Response, abort, make_response, redirect, request, url_for

from .._paths import SHAPES_DIR
from ..graph.describe import describe, serialize
from ..graph.dumps import module_name
from ..graph.export import sorted_triples
from ..namespaces import BASE, BKG, GRAPH, KINDS, ONTOLOGY
from . import state
from .html.ontodoc import OntologyDoc, local_href
from .html.ontodoc import build as build_ontology
from .html.render import install, page, terms
from .html.shapesdoc import ShapesDoc, load_shapes
from .html.view import build
from .negotiation import BY_EXTENSION, HTML, RDF_MEDIA, Html, RdfMedia, negotiate, split_extension, wants_html

bp = Blueprint("ld", __name__)
bp.record_once(install)

#: First path segments of content IRIs: the kinds of concepts, the linksets of external mappings and the
#: vocabularies they map to.
LD_KINDS = (*KINDS, "linkset", "vocabulary")
#: How many descriptions each process keeps (the graph is read-only, so a description never goes stale).
DESCRIPTION_CACHE = 2048
#: Content IRIs with no slug: the description of the dataset as a whole.
SINGLE = ("dataset",)


def description(iri: str) -> list[ox.Triple]:
    """The description of ``iri``, computed once per process (up to :data:`DESCRIPTION_CACHE` of them)."""
    st = state()
    cache: dict[str, list[ox.Triple]] = st.cache.setdefault("descriptions", {})
    found = cache.get(iri)
    if found is None:
        found = cache[iri] = describe(st.kg, iri)
        while len(cache) > DESCRIPTION_CACHE:
            cache.pop(next(iter(cache)), None)
    return found


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


def not_found(iri: str, path: str) -> Response:
    """404: an HTML page that helps a person on, or the JSON error for everybody else."""
    description = f"The graph has no resource {iri}."
    if wants_html(request):
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
    from .api import MAX_SEARCH_LENGTH, label_index

    index = label_index()
    text = text[:MAX_SEARCH_LENGTH]
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
        lambda: page("resource.html", view=build(iri, triples, terms()), path=path, alternates=alternates(path))[0],
    )


@bp.get(f"/<any({', '.join(LD_KINDS)}):kind>/<path:name>")
def resource(kind: str, name: str) -> Response:
    slug, extension = split_extension(name)
    path = f"/{kind}/{slug}"
    iri = BASE + path[1:]
    triples = description(iri)
    if not triples:
        return not_found(iri, path)
    return respond(iri, path, triples, extension)


@bp.get(f"/<any({', '.join(SINGLE)}):name>")
@bp.get(f"/<any({', '.join(SINGLE)}):name>.<any({', '.join([*BY_EXTENSION, 'html'])}):extension>")
def single(name: str, extension: str | None = None) -> Response:
    path = "/" + name
    iri = BASE + name
    triples = description(iri)
    if not triples:
        return not_found(iri, path)
    return respond(iri, path, triples, extension)


# The ontology and the shapes -------------------------------------------------------------------------------


def ontology_doc() -> OntologyDoc:
    st = state()
    if "ontology-doc" not in st.cache:
        st.cache["ontology-doc"] = build_ontology(st.kg)
    return st.cache["ontology-doc"]


def ontology_triples() -> list[ox.Triple]:
    """The ontology's own triples: the graph of ``ontology/backendkg.ttl`` when it is loaded, else every
    triple about the ontology or a ``bkg:`` term."""
    st = state()
    if "ontology-triples" not in st.cache:
        graph = GRAPH + "backendkg"
        if graph in st.kg.graphs:
            quads = st.kg.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        else:
            quads = (
                q
                for q in st.kg.store
                if isinstance(q.subject, ox.NamedNode)
                and (q.subject.value == ONTOLOGY or q.subject.value.startswith(BKG))
            )
        st.cache["ontology-triples"] = sorted_triples(quads)
    return st.cache["ontology-triples"]


def _in_ontology(iri: str) -> bool:
    return iri == ONTOLOGY or iri.startswith(BKG)


def shapes_doc() -> ShapesDoc:
    st = state()
    if "shapes-doc" not in st.cache:
        st.cache["shapes-doc"] = load_shapes(SHAPES_DIR)
    return st.cache["shapes-doc"]


def document(path: str, triples: list[ox.Triple], extension: str | None, render_html: Callable[[], str]) -> Response:
    """A document resource (``/ontology``, ``/shapes``): HTML by ``render_html()`` or RDF of ``triples``."""
    chosen = choose(extension)
    if isinstance(chosen, Html):
        response = make_response(render_html())
    else:
        response = Response(serialize(triples, chosen.format), content_type=chosen.content_type)
        if not extension:
            response.headers["Content-Location"] = f"{path}.{chosen.extension}"
    if not extension:
        response.headers["Vary"] = "Accept"
    response.headers["Link"] = link_header(path)
    response.add_etag()
    return response.make_conditional(request)


_EXT = f"<any({', '.join([*BY_EXTENSION, 'html'])}):extension>"


@bp.get("/ontology")
@bp.get(f"/ontology.{_EXT}")
def ontology(extension: str | None = None) -> Response:
    """The ontology: its documentation with a class diagram, or its triples."""

    def html():
        doc = ontology_doc()
        return page("ontology.html", doc=doc, alternates=alternates("/ontology"), local=local_href)[0]

    return document("/ontology", ontology_triples(), extension, html)


@bp.get("/ontology/<version>")
def ontology_version(version: str) -> Response:
    """The version IRI of the ontology answers with the ontology of that version, which is the one served."""
    if version != state().version:
        abort(404, description=f"This server serves version {state().version} of the ontology, not {version}.")
    return ontology()


@bp.get("/ontology.svg")
def ontology_diagram() -> Response:
    response = Response(ontology_doc().svg, content_type="image/svg+xml; charset=utf-8")
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/shapes")
@bp.get(f"/shapes.{_EXT}")
def shapes(extension: str | None = None) -> Response:
    """The SHACL shapes: their documentation, or their triples."""

    def html():
        return page("shapes.html", doc=shapes_doc(), alternates=alternates("/shapes"))[0]

    return document("/shapes", shapes_doc().triples, extension, html)


@bp.get("/graph/<path:name>")
def named_graph(name: str) -> Response:
    """A named graph (one module of the graph): its triples by content negotiation; people are sent to its
    downloads."""
    slug, extension = split_extension(name)
    path = f"/graph/{slug}"
    iri = GRAPH + slug
    kg = state().kg
    if iri not in kg.graphs:
        return not_found(iri, path)
    chosen = choose(extension)
    if isinstance(chosen, Html):
        return redirect(url_for("download.listing") + "#" + module_name(iri), code=303)
    triples = sorted_triples(kg.store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))
    response = Response(serialize(triples, chosen.format), content_type=chosen.content_type)
    if not extension:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"{path}.{chosen.extension}"
    response.headers["Link"] = link_header(path)
    response.add_etag()
    return response.make_conditional(request)
