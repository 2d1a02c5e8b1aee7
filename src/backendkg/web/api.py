"""``/api``: label search, the named queries of the query library, the questions, and their OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import BadRequest

from ..search import LabelIndex
from . import state

bp = Blueprint("api", __name__, url_prefix="/api")

#: Longest search text accepted, in characters.
MAX_SEARCH_LENGTH = 200
#: Most search results returned at once.
MAX_SEARCH_LIMIT = 100
DEFAULT_SEARCH_LIMIT = 10


def label_index() -> LabelIndex:
    """The label index of the served graph, built on first use and kept for the life of the process."""
    cache = state().cache
    index = cache.get("label-index")
    if index is None:
        index = cache["label-index"] = LabelIndex.from_graph(state().kg)
    return index


def int_arg(name: str, *, default: int, minimum: int, maximum: int) -> int:
    """The integer query-string argument ``name``; 400 naming it when it is not a whole number in range."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip(), 10)
    except ValueError:
        raise BadRequest(f"Parameter '{name}' must be a whole number, not {raw!r}.") from None
    if not minimum <= value <= maximum:
        raise BadRequest(f"Parameter '{name}' must be between {minimum} and {maximum}, not {value}.")
    return value


@bp.get("/search")
def search():
    """Concepts whose labels match ``q``: exact, then prefix, then substring matches."""
    q = request.args.get("q")
    if q is None:
        raise BadRequest("Parameter 'q' is required: the text to look for in the labels.")
    if not q.strip():
        raise BadRequest("Parameter 'q' must not be empty.")
    if len(q) > MAX_SEARCH_LENGTH:
        raise BadRequest(f"Parameter 'q' must be at most {MAX_SEARCH_LENGTH} characters long, not {len(q)}.")
    limit = int_arg("limit", default=DEFAULT_SEARCH_LIMIT, minimum=1, maximum=MAX_SEARCH_LIMIT)
    hits = label_index().search(q, limit=limit)
    return jsonify({"query": q, "results": [hit.as_dict() for hit in hits]})
