"""``/api``: label search, the named queries of the query library, the questions, concepts in a text
(``POST /api/extract``), and their OpenAPI document."""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, request, url_for
from werkzeug.exceptions import (
    BadRequest,
    InternalServerError,
    NotAcceptable,
    NotFound,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)

from ..graph.extract import MAX_TEXT_LENGTH
from ..graph.search import MAX_QUERY_LENGTH
from ..namespaces import BKG, KINDS, PREFIXES
from ..queries import questions
from ..queries.named import NamedQuery, library
from ..queries.params import DESCRIPTIONS, MAX_VALUE_LENGTH, ParamError, bind, parse_args, parse_iri, plain
from . import negotiation, openapi
from .state import state

bp = Blueprint("api", __name__, url_prefix="/api")

#: Most search results returned at once.
MAX_SEARCH_LIMIT = 100
DEFAULT_SEARCH_LIMIT = 10
#: The kinds search can be narrowed to.
SEARCH_KINDS = tuple(k for k in (*KINDS, "ontology") if k != "statement")


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
    if len(q) > MAX_QUERY_LENGTH:
        raise BadRequest(f"Parameter 'q' must be at most {MAX_QUERY_LENGTH} characters long, not {len(q)}.")
    limit = int_arg("limit", default=DEFAULT_SEARCH_LIMIT, minimum=1, maximum=MAX_SEARCH_LIMIT)
    kind = request.args.get("kind") or None
    if kind is not None and kind not in SEARCH_KINDS:
        raise BadRequest(f"Parameter 'kind' must be one of {', '.join(SEARCH_KINDS)}, not {kind!r}.")
    hits = state().label_index().search(q, limit=limit, kind=kind)
    return jsonify({"query": q, "results": [hit.as_dict() for hit in hits]})


# Named queries ---------------------------------------------------------------------------------------------

#: Result forms of SELECT and ASK queries: ``?format=`` value, media type, pyoxigraph format (None: plain JSON).
RESULT_FORMATS: dict[str, tuple[str, ox.QueryResultsFormat | None]] = {
    "sparql-json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "json": ("application/json", None),
    "csv": ("text/csv", ox.QueryResultsFormat.CSV),
    "tsv": ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
}
#: Result forms of CONSTRUCT and DESCRIBE queries.
GRAPH_FORMATS: dict[str, tuple[str, ox.RdfFormat]] = {
    "turtle": ("text/turtle", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
}


def served_queries() -> tuple[NamedQuery, ...]:
    """The queries of the library that the API serves: those whose header or parameters declare them."""
    return tuple(q for q in library() if q.summary or q.params)


def served_query(name: str) -> NamedQuery:
    for query in served_queries():
        if query.name == name:
            return query
    raise NotFound(f"There is no named query {name!r}; GET /api/queries lists them.")


def formats_for(query: NamedQuery) -> dict[str, str]:
    """``?format=`` value to media type, for the results of ``query``."""
    table = GRAPH_FORMATS if query.form in ("CONSTRUCT", "DESCRIBE") else RESULT_FORMATS
    names = [n for n in table if not (query.form == "ASK" and n in ("csv", "tsv"))]
    return {name: table[name][0] for name in names}


def negotiate(formats: dict[str, str]) -> str:
    """The ``?format=`` name of the result form to send: the ``format`` argument if given, else the best
    match for the Accept header (the first form when there is none); 406 when nothing fits."""
    requested = request.args.get("format")
    if requested is not None:
        if requested not in formats:
            raise BadRequest(f"Parameter 'format' must be one of {', '.join(formats)}, not {requested!r}.")
        return requested
    by_type = {media: name for name, media in formats.items()}
    best = negotiation.best(request.headers.get("Accept"), list(by_type))
    if best is None:
        raise NotAcceptable(f"This query's results are available as {', '.join(by_type)}.")
    return by_type[best]


def describe(query: NamedQuery) -> dict:
    """The listing entry of a named query."""
    return {
        "name": query.name,
        "summary": query.summary,
        "description": query.description,
        "tags": list(query.tags),
        "form": query.form,
        "params": [
            {
                "name": p.name,
                "type": p.type,
                "required": p.required,
                **({"lang": p.lang} if p.lang else {}),
                "description": DESCRIPTIONS[p.type],
            }
            for p in query.params
        ],
        "formats": formats_for(query),
        "url": url_for("api.named_query", name=query.name),
    }


@bp.get("/")
def index():
    """Where the parts of the API are."""
    return jsonify(
        {
            "openapi": url_for("api.openapi_document"),
            "search": url_for("api.search"),
            "queries": url_for("api.list_queries"),
            "extract": url_for("api.extract"),
            "questions": {
                "skill-gap": url_for("api.skill_gap"),
                "compare-roles": url_for("api.compare_roles"),
                "industry-path": url_for("api.industry_path"),
                "where-stated": url_for("api.where_stated"),
            },
        }
    )


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document of this API, generated once per process from the query library and graph."""

    def build() -> str:
        queries = served_queries()
        formats = {q.name: formats_for(q) for q in queries}
        document = openapi.document(
            state().backend, queries, formats, index=state().label_index(), extractor=state().extractor()
        )
        return openapi.dumps(document)

    return Response(state().once("openapi", build), mimetype="application/json")


@bp.get("/queries")
def list_queries():
    """The named queries, with their parameters and the URL that runs each."""
    return jsonify({"queries": [describe(q) for q in served_queries()]})


def run(query: NamedQuery, args) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Evaluate ``query`` with its parameters taken from ``args``; 400 naming a missing or bad parameter."""
    try:
        values = parse_args(query, args)
    except ParamError as exc:
        raise BadRequest(str(exc)) from None
    try:
        return state().backend.query(bind(query.text, values))
    except (SyntaxError, ValueError) as exc:
        raise InternalServerError(f"The named query {query.name!r} is broken: {exc}") from None


@bp.get("/queries/<name>")
def named_query(name: str):
    """Run the named query ``name`` with its parameters from the query string; results content-negotiated."""
    query = served_query(name)
    formats = formats_for(query)
    chosen = negotiate(formats)
    result = run(query, request.args)
    media = formats[chosen]
    if not isinstance(result, ox.QuerySolutions | ox.QueryBoolean):  # triples, from either backend
        fmt = GRAPH_FORMATS[chosen][1]
        body = ox.serialize(list(result), format=fmt, prefixes=PREFIXES if fmt is ox.RdfFormat.TURTLE else None)
    elif chosen == "json":
        body = json.dumps(plain_results(result), ensure_ascii=False).encode()
    else:
        body = result.serialize(format=RESULT_FORMATS[chosen][1])
    response = Response(body, mimetype=media)
    response.vary.add("Accept")
    return response


def plain_results(result: ox.QuerySolutions | ox.QueryBoolean) -> list[dict] | dict:
    """SELECT results as ``[{"var": value}]`` (unbound variables as null); ASK as ``{"boolean": ...}``."""
    if isinstance(result, ox.QueryBoolean):
        return {"boolean": bool(result)}
    names = [v.value for v in result.variables]
    return [{n: plain(solution[n]) for n in names} for solution in result]


# Questions -------------------------------------------------------------------------------------------------

#: Most values of ``have`` the skill-gap question accepts at once.
MAX_HAVE = 100

_IS_A = "ASK { ?concept a ?class }"


def _text_arg(name: str, *, required: bool = True) -> str | None:
    value = request.args.get(name)
    if value is None or not value.strip():
        if required:
            raise BadRequest(f"Parameter '{name}' is required: a label or an IRI.")
        return None
    if len(value) > MAX_VALUE_LENGTH:
        raise BadRequest(f"Parameter '{name}' must be at most {MAX_VALUE_LENGTH} characters long.")
    return value


def concept_arg(name: str, *, cls: str | None = None, required: bool = True) -> str | None:
    """The concept named (by label or IRI) by the argument ``name``, of class ``cls`` when given.

    400 naming the parameter when it is missing, names nothing, or names no single concept of the class.
    """
    text = _text_arg(name, required=required)
    if text is None:
        return None
    kg = state().backend
    try:
        found = questions.resolve(kg, state().label_index(), text, name=name)
    except ParamError as exc:
        raise BadRequest(str(exc)) from None
    if cls is not None:
        found = [iri for iri in found if kg.ask(_bind_class(iri, cls))]
        if not found:
            raise BadRequest(f"Parameter '{name}' must name a {cls.rsplit('#', 1)[-1]}, not {text!r}.")
    if len(found) > 1:
        raise BadRequest(f"Parameter '{name}' is ambiguous, {text!r} names {', '.join(found)}; give the IRI.")
    return found[0]


def _bind_class(iri: str, cls: str) -> str:
    return bind(_IS_A, {"concept": ox.NamedNode(iri), "class": ox.NamedNode(cls)})


def iri_arg(name: str, *, required: bool = True) -> str | None:
    """The IRI (absolute, prefixed or short) given by the argument ``name``; 400 naming it if malformed."""
    text = _text_arg(name, required=required)
    if text is None:
        return None
    try:
        return parse_iri(text, name=name).value
    except ParamError as exc:
        raise BadRequest(str(exc)) from None


@bp.get("/questions/skill-gap")
def skill_gap():
    """Roles ranked by how well the skills and technologies in ``have`` cover them, with what is missing."""
    have = request.args.getlist("have")
    if not have or not any(h.strip() for h in have):
        raise BadRequest("Parameter 'have' is required: a skill or technology, by label or IRI (repeat it).")
    if len(have) > MAX_HAVE:
        raise BadRequest(f"Parameter 'have' may be given at most {MAX_HAVE} times, not {len(have)}.")
    kg = state().backend
    held: list[str] = []
    for text in have:
        if not text.strip():
            continue
        if len(text) > MAX_VALUE_LENGTH:
            raise BadRequest(f"Parameter 'have' must be at most {MAX_VALUE_LENGTH} characters long.")
        try:
            held.extend(questions.resolve(kg, state().label_index(), text, name="have", kinds=("skill", "technology")))
        except ParamError as exc:
            raise BadRequest(str(exc)) from None
    limit = int_arg("limit", default=MAX_SEARCH_LIMIT, minimum=1, maximum=MAX_SEARCH_LIMIT)
    return jsonify(questions.skill_gap_answer(kg, held, limit=limit))


@bp.get("/questions/compare-roles")
def compare_roles():
    """Shared and distinct skills, technologies and responsibilities of ``role`` and ``other_role``."""
    role = concept_arg("role", cls=BKG + "Role")
    other = concept_arg("other_role", cls=BKG + "Role")
    return jsonify(questions.compare_roles(state().backend, role, other))


@bp.get("/questions/industry-path")
def industry_path():
    """The roles an industry relies on, the skills they need, and the capabilities it relies on."""
    industry = concept_arg("industry", cls=BKG + "Industry")
    return jsonify(questions.industry_path(state().backend, industry))


@bp.get("/questions/where-stated")
def where_stated():
    """The source documents, sections and excerpts that state what the graph says about ``subject``."""
    subject = concept_arg("subject")
    predicate = iri_arg("predicate", required=False)
    obj = concept_arg("object", required=False)
    return jsonify(questions.where_stated(state().backend, subject, predicate, obj))


# From text to concepts -------------------------------------------------------------------------------------

#: Most bytes of a request body ``POST /api/extract`` reads: a text at the length limit with every character
#: escaped in JSON (a character outside the Basic Multilingual Plane is 12 bytes as a surrogate pair).
MAX_EXTRACT_BODY = 12 * MAX_TEXT_LENGTH + 1024
EXTRACT_TYPES = ("application/json", "text/plain")
_UTF8 = ("utf-8", "utf8", "us-ascii", "ascii")


def posted_text() -> str:
    """The text of a ``POST /api/extract``: a ``text/plain`` body, or the ``text`` string of a JSON object.

    415 for another content type or a charset other than UTF-8; 413 for a body over
    :data:`MAX_EXTRACT_BODY` bytes (refused before it is read when its length is declared) or a text over
    the length limit; 400 for a body that is not UTF-8, not JSON, or not an object with a ``text`` string.
    """
    mimetype = request.mimetype
    if mimetype not in EXTRACT_TYPES:
        given = f"Content-Type {mimetype!r} is not accepted here" if mimetype else "The request has no Content-Type"
        raise UnsupportedMediaType(f'{given}; send text/plain, or application/json as {{"text": "..."}}.')
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.strip().lower().replace("_", "-") not in _UTF8:
        raise UnsupportedMediaType(f"The body must be UTF-8 encoded; the request says charset={charset}.")
    too_large = f"The body is larger than the {MAX_EXTRACT_BODY:,} bytes accepted here."
    length = request.content_length
    if length is not None and length > MAX_EXTRACT_BODY:
        raise RequestEntityTooLarge(too_large)
    body = request.stream.read(MAX_EXTRACT_BODY + 1)
    if len(body) > MAX_EXTRACT_BODY:
        raise RequestEntityTooLarge(too_large)
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The body is not valid UTF-8 (byte {exc.start}).") from None
    if mimetype == "text/plain":
        text = decoded
    else:
        try:
            document = json.loads(decoded)
        except (ValueError, RecursionError) as exc:
            raise BadRequest(f"The body is not JSON: {exc}"[:300]) from None
        if not isinstance(document, dict) or not isinstance(document.get("text"), str):
            raise BadRequest('The JSON body must be an object with a "text" string: {"text": "..."}.')
        text = document["text"]
    if len(text) > MAX_TEXT_LENGTH:
        raise RequestEntityTooLarge(
            f"The text is {len(text):,} characters long; at most {MAX_TEXT_LENGTH:,} are accepted."
        )
    return text


@bp.post("/extract")
def extract():
    """The concepts a text names (with the offsets of each mention and their links to other vocabularies),
    and the roles they fit best, with what each is missing."""
    return jsonify(state().extractor().answer(posted_text()))
