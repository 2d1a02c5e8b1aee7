"""Content negotiation: one negotiator for /sparql, Linked Data, the downloads and the API.

The ``Accept`` header is parsed by werkzeug. Media-type parameters other than the quality (``charset``,
``profile`` ...) are set aside before matching: every answer is UTF-8 and no profile changes what is sent, so
``text/csv; charset=utf-8`` is ``text/csv`` and ``application/ld+json; profile="..."`` is JSON-LD. A missing
or empty header, or ``*/*``, gets the first offer; 406 is for a header that names nothing offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .. import formats
from ..formats import Choice, Format

HTML_TYPES = ("text/html", "application/xhtml+xml")


@lru_cache(maxsize=1024)
def _accept(header: str) -> MIMEAccept:
    parsed = parse_accept_header(header, MIMEAccept)
    return MIMEAccept([(value.split(";", 1)[0].strip().lower(), quality) for value, quality in parsed])


def accept(header: str | None) -> MIMEAccept:
    """The parsed ``Accept`` header, its media types without parameters."""
    return _accept(header or "")


def best(header: str | None, offers: Sequence[str]) -> str | None:
    """The media type of ``offers`` that ``header`` prefers (ties go to the order of ``offers``); the first
    offer when there is no header; ``None`` when the header accepts none of them."""
    if not header or not header.strip():
        return offers[0] if offers else None
    return _best(header, tuple(offers))


@lru_cache(maxsize=1024)
def _best(header: str, offers: tuple[str, ...]) -> str | None:
    return _accept(header).best_match(offers) or None


def quality(header: str | None, media_type: str) -> float:
    """How much ``header`` wants ``media_type`` (0 when it does not name it, wildcards aside)."""
    return max((q for value, q in accept(header) if value == media_type), default=0)


def pick(header: str | None, among: Sequence[Format]) -> Format | None:
    """The format of ``among`` that ``header`` prefers, counting each format's alias media types."""
    offers: dict[str, Format] = {}
    for fmt in among:
        for media in fmt.media_types:
            offers.setdefault(media, fmt)
    chosen = best(header, list(offers))
    return offers[chosen] if chosen else None


def choice(header: str | None) -> Choice:
    """The formats for a query whose form is not known yet: one for SELECT and ASK, one for CONSTRUCT and
    DESCRIBE, from the same header (``application/sparql-results+xml, application/rdf+xml`` gives XML
    results to a SELECT and RDF/XML to a CONSTRUCT)."""
    if not header or not header.strip():
        return formats.DEFAULT
    return _choice(header)


@lru_cache(maxsize=1024)
def _choice(header: str) -> Choice:
    return Choice(pick(header, formats.TABULAR), pick(header, formats.GRAPH))


def wants_html(header: str | None) -> bool:
    """Whether the client names HTML at all (a browser): errors and listings are then pages."""
    return any(quality(header, media) > 0 for media in HTML_TYPES)


def prefers_html(header: str | None, among: Sequence[Format]) -> bool:
    """Whether the client names HTML at least as highly as the best of ``among`` (a browser following a
    link), rather than asking for data (a script, an RDF client, ``*/*``)."""
    html = max(quality(header, media) for media in HTML_TYPES)
    if not html:
        return False
    chosen = pick(header, among)
    if chosen is None:
        return True
    parsed = accept(header)
    return html >= max(parsed.quality(media) for media in chosen.media_types)


def split_extension(name: str) -> tuple[str, str | None]:
    """``"backend-developer.ttl"`` -> ``("backend-developer", "ttl")``; a name without a Linked Data extension
    (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``) comes back as it is."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and (ext in LD_EXTENSIONS or ext == "html"):
        return stem, ext
    return name, None


LD_EXTENSIONS: dict[str, Format] = {f.extension: f for f in formats.TRIPLES}
