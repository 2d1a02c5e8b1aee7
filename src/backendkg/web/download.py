"""``/download/``: the dumps of the graph, listed with size, triple count and SHA-256, and served as files
with ``Content-Disposition``, ``ETag``, ``Last-Modified``, conditional requests and byte ranges."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, make_response, request, url_for

from ..graph.dumps import Catalogue
from . import negotiation
from .html.render import install, page
from .state import state

bp = Blueprint("download", __name__, url_prefix="/download")
bp.record_once(install)


def dumps() -> Catalogue:
    return state().dumps()


def _url(filename: str) -> str:
    return url_for("download.file", filename=filename)


@bp.get("/")
def listing() -> Response:
    """The dumps as an HTML table for people, or as JSON (``Accept: application/json``) for scripts."""
    cat = dumps()
    if negotiation.wants_html(request.headers.get("Accept")):
        rows: dict[str | None, list[tuple[object, object]]] = {}
        plain = {d.filename: d for d in cat.dumps if not d.compressed}
        for d in cat.dumps:
            if d.compressed:
                rows.setdefault(d.module, []).append((plain[d.filename[: -len(".gz")]], d))
        html, status = page("downloads.html", catalogue=cat, rows=rows)
        response = make_response(html, status)
    else:
        response = jsonify(
            {
                "version": cat.version,
                "last_modified": cat.last_modified.isoformat(),
                "checksums": _url("SHA256SUMS"),
                "dumps": [d.as_dict(_url(d.filename)) for d in cat.dumps],
            }
        )
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/SHA256SUMS")
def checksums() -> Response:
    """The checksums of every dump in the format ``sha256sum --check`` reads."""
    cat = dumps()
    body = "".join(f"{d.sha256}  {d.filename}\n" for d in cat.dumps)
    response = Response(body, content_type="text/plain; charset=utf-8")
    response.last_modified = cat.last_modified
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/<filename>")
def file(filename: str) -> Response:
    cat = dumps()
    dump = cat.get(filename)
    if dump is None:
        abort(404, description=f"There is no dump named {filename!r}; {_url('')} lists them all.")
    response = Response(dump.data, content_type=dump.content_type, direct_passthrough=False)
    response.headers["Content-Disposition"] = f'attachment; filename="{dump.filename}"'
    response.set_etag(dump.sha256)
    response.last_modified = cat.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request, accept_ranges=True, complete_length=dump.size)
