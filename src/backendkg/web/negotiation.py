"""The RDF syntaxes Linked Data is offered in, and content negotiation between them and HTML."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Request


@dataclass(frozen=True)
class RdfMedia:
    name: str
    media_type: str
    extension: str
    format: ox.RdfFormat

    @property
    def content_type(self) -> str:
        return self.media_type + ("; charset=utf-8" if self.media_type.startswith("text/") else "")


#: Triple syntaxes, in order of preference when a client accepts several equally (``*/*``: Turtle).
RDF_MEDIA: tuple[RdfMedia, ...] = (
    RdfMedia("Turtle", "text/turtle", "ttl", ox.RdfFormat.TURTLE),
    RdfMedia("JSON-LD", "application/ld+json", "jsonld", ox.RdfFormat.JSON_LD),
    RdfMedia("N-Triples", "application/n-triples", "nt", ox.RdfFormat.N_TRIPLES),
    RdfMedia("RDF/XML", "application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML),
)
TURTLE = RDF_MEDIA[0]
BY_EXTENSION = {m.extension: m for m in RDF_MEDIA}
BY_MEDIA_TYPE = {m.media_type: m for m in RDF_MEDIA}
#: Other media types clients use for the same syntaxes.
ALIASES = {"application/x-turtle": "text/turtle", "application/json": "application/ld+json"}
HTML_TYPES = ("text/html", "application/xhtml+xml")


class Html:
    """Marker for "the client prefers an HTML page"."""


HTML = Html()


def _html_quality(request: Request) -> float:
    return max((q for value, q in request.accept_mimetypes if value in HTML_TYPES), default=0)


def negotiate(request: Request) -> RdfMedia | Html | None:
    """What to answer ``request`` with: :data:`HTML` when the client names HTML at least as highly as any RDF
    syntax (browsers), else the RDF syntax it prefers (no ``Accept`` or ``*/*``: Turtle), ``None`` when it
    accepts none of them."""
    accept = request.accept_mimetypes
    if not accept:
        return TURTLE
    best = accept.best_match([*BY_MEDIA_TYPE, *ALIASES])
    html_q = _html_quality(request)
    if html_q and html_q >= (accept.quality(best) if best else 0):
        return HTML
    if best is None:
        return None
    return BY_MEDIA_TYPE[ALIASES.get(best, best)]


def wants_html(request: Request) -> bool:
    """Whether an error should be an HTML page (browsers) rather than JSON (scripts and RDF clients)."""
    return _html_quality(request) > 0


def split_extension(name: str) -> tuple[str, str | None]:
    """``"backend-developer.ttl"`` -> ``("backend-developer", "ttl")``; names without a known extension unchanged."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and (ext in BY_EXTENSION or ext == "html"):
        return stem, ext
    return name, None
