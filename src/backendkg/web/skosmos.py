"""``/rest/v1/``: the Skosmos REST API (version 1), read-only, one vocabulary per concept scheme.

The API that SKOS vocabulary services (Finto, AGROVOC, Loterre ...) speak and their clients call (Annif,
skosmos-client, ...). The answers have the JSON-LD shapes Skosmos sends: the same field names (``uri``,
``prefLabel``, ``altLabel``, ``lang``, ``vocab``, ``type``, ``results``, ``broader``, ``narrower``,
``topconcepts``, ``hasChildren``, ``graph`` ...) and ``@context``. A vocabulary is named by the last segment of
its scheme's IRI (``roles``, ``skills``, ``technologies`` ...). Everything is answered from the
:class:`~backendkg.graph.skos.SkosIndex` built once per process through the backend, and the RDF of ``data``
from CONSTRUCT queries on it, so the API works the same over ``backendkg serve --remote``.

Errors are the server's JSON shape ``{code, name, description}``: 404 for an unknown vocabulary or concept,
400 for a missing or malformed parameter, 406 for an RDF format not offered.
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import BadRequest, NotAcceptable, NotFound

from .. import formats
from ..graph.skos import CONCEPT, MAPPINGS, SKOS, Concept, SkosIndex, Vocabulary, compact, expand
from ..namespaces import PREFIXES
from ..queries.params import MAX_VALUE_LENGTH
from . import negotiation
from .state import state

bp = Blueprint("skosmos", __name__, url_prefix="/rest/v1")

#: Most search results in one answer, and the default.
MAX_HITS = 1000
DEFAULT_HITS = 100
#: Default (and largest) number of concepts of a transitive answer, as in Skosmos.
TRANSITIVE_LIMIT = 1000
#: Largest ``offset`` of a search.
MAX_OFFSET = 100_000
#: A language tag (BCP 47, loosely): ``en``, ``en-GB``, ``sr-Latn``.
LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
#: The RDF formats of ``data``, the default first (as Skosmos: RDF/XML, Turtle, JSON-LD).
DATA_FORMATS = (formats.RDFXML, formats.TURTLE, formats.JSONLD)

ONKI = "http://schema.onki.fi/onki#"
BASE_CONTEXT = {"skos": SKOS, "uri": "@id", "type": "@type"}
#: The context of RDF data as JSON-LD, Skosmos' own.
DATA_CONTEXT: dict[str, str] = {
    "skos": SKOS,
    "isothes": "http://purl.org/iso25964/skos-thes#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "dct": "http://purl.org/dc/terms/",
    "dc11": "http://purl.org/dc/elements/1.1/",
    "uri": "@id",
    "type": "@type",
    "lang": "@language",
    "value": "@value",
    "graph": "@graph",
    "label": "rdfs:label",
    "prefLabel": "skos:prefLabel",
    "altLabel": "skos:altLabel",
    "hiddenLabel": "skos:hiddenLabel",
    "broader": "skos:broader",
    "narrower": "skos:narrower",
    "related": "skos:related",
    "inScheme": "skos:inScheme",
    "exactMatch": "skos:exactMatch",
    "closeMatch": "skos:closeMatch",
    "broadMatch": "skos:broadMatch",
    "narrowMatch": "skos:narrowMatch",
    "relatedMatch": "skos:relatedMatch",
}


def index() -> SkosIndex:
    return state().skos_index()


@bp.before_request
def _check_arguments() -> None:
    """Refuse, with 400, a parameter that is blank or too long, and a language that is not a language tag."""
    for name, value in request.args.items(multi=True):
        if not value.strip():
            raise BadRequest(f"{name} parameter is empty")
        if len(value) > MAX_VALUE_LENGTH:
            raise BadRequest(f"{name} parameter is longer than {MAX_VALUE_LENGTH} characters")
    for name in ("lang", "labellang"):
        value = request.args.get(name)
        if value is not None and not LANGUAGE_TAG.fullmatch(value):
            raise BadRequest(f"{name} parameter is not a language tag")
    unique = request.args.get("unique")
    if unique is not None and unique.lower() not in ("true", "false", "1", "0"):
        raise BadRequest("unique parameter is not true or false")


def _json(data: dict[str, Any]) -> Response:
    """A JSON answer, as ``application/ld+json`` when the client asks for it, ``application/json`` otherwise."""
    media = negotiation.best(request.headers.get("Accept"), ["application/json", "application/ld+json"])
    response = jsonify(data)
    response.mimetype = media or "application/json"
    response.headers["Vary"] = "Accept"
    return response


def _lang() -> str | None:
    return request.args.get("lang") or None


def _vocabulary(vocid: str) -> Vocabulary:
    found = index().vocabularies.get(vocid)
    if found is None:
        raise NotFound(f"Vocabulary id '{vocid}' not found; /rest/v1/vocabularies lists them.")
    return found


def _uri() -> str:
    uri = request.args.get("uri", "").strip()
    if not uri:
        raise BadRequest("uri parameter missing")
    return expand(uri)


def _concept(vocab: Vocabulary | None) -> Concept:
    uri = _uri()
    found = index().in_vocabulary(vocab, uri)
    if found is None:
        raise NotFound(f"Could not find concept <{uri}>")
    return found


def _limit() -> int:
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return TRANSITIVE_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("Invalid limit parameter") from None
    if value <= 0 or value > TRANSITIVE_LIMIT:
        raise BadRequest("Invalid limit parameter")
    return value


def _context(extra: dict[str, Any], lang: str | None) -> dict[str, Any]:
    context = {**BASE_CONTEXT, **extra}
    if lang:
        context["@language"] = lang
    return context


# ------------------------------------------------------------------------------------------ global methods


@bp.get("/vocabularies")
def vocabularies() -> Response:
    """The vocabularies, with their titles in ``lang``."""
    lang = _lang()
    if not lang:
        raise BadRequest("lang parameter missing")
    return _json(
        {
            "@context": {
                "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                "onki": ONKI,
                "title": {"@id": "rdfs:label", "@language": lang},
                "vocabularies": "onki:hasVocabulary",
                "id": "onki:vocabularyIdentifier",
                "uri": "@id",
                "@base": request.host_url + "rest/v1/vocabularies",
            },
            "uri": "",
            "vocabularies": [
                {"uri": v.id, "id": v.id, "title": v.title(lang)}
                for v in sorted(index().vocabularies.values(), key=lambda v: v.id)
            ],
        }
    )


@bp.get("/search")
def search() -> Response:
    """Concepts of every vocabulary (or of those named by ``vocab``, separated by spaces) with a matching label."""
    names = (request.args.get("vocab") or "").split()
    return _search([_vocabulary(n) for n in names] or list(index().vocabularies.values()))


@bp.get("/types")
def types() -> Response:
    lang = _lang()
    if not lang:
        raise BadRequest("lang parameter missing")
    return _types(None, lang)


@bp.get("/label")
def label() -> Response:
    return _label(None)


@bp.get("/data")
def data() -> Response:
    return _data(None)


# ------------------------------------------------------------------------------------ vocabulary methods


@bp.get("/<vocid>/")
def vocabulary(vocid: str) -> Response:
    """The vocabulary: its identifier, title, languages and concept scheme."""
    vocab = _vocabulary(vocid)
    lang = _lang() or "en"
    scheme: dict[str, Any] = {"uri": vocab.iri, "type": "skos:ConceptScheme", "prefLabel": vocab.title(lang)}
    return _json(
        {
            "@context": {
                "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                "skos": SKOS,
                "onki": ONKI,
                "dct": "http://purl.org/dc/terms/",
                "uri": "@id",
                "type": "@type",
                "conceptschemes": "onki:hasConceptScheme",
                "id": "onki:vocabularyIdentifier",
                "defaultLanguage": "onki:defaultLanguage",
                "languages": "onki:language",
                "label": "rdfs:label",
                "prefLabel": "skos:prefLabel",
                "title": "dct:title",
                "@language": lang,
                "@base": request.host_url + f"rest/v1/{vocab.id}/",
            },
            "uri": "",
            "id": vocab.id,
            "title": vocab.title(lang),
            "defaultLanguage": "en",
            "languages": vocab.languages(index()),
            "conceptschemes": [scheme],
        }
    )


@bp.get("/<vocid>/types")
def vocabulary_types(vocid: str) -> Response:
    return _types(_vocabulary(vocid), _lang() or "en")


@bp.get("/<vocid>/topConcepts")
def top_concepts(vocid: str) -> Response:
    vocab = _vocabulary(vocid)
    lang = _lang() or "en"
    scheme = request.args.get("scheme")
    if scheme and expand(scheme) != vocab.iri:
        raise NotFound(f"Vocabulary '{vocid}' has no concept scheme <{scheme}>")
    tops = []
    for iri in vocab.tops:
        c = index().concepts[iri]
        tops.append({"uri": iri, "topConceptOf": vocab.iri, "label": _pref(c, lang), "hasChildren": bool(c.narrower)})
    tops.sort(key=lambda t: (t["label"] or "").casefold())
    return _json(
        {
            "@context": _context(
                {
                    "onki": ONKI,
                    "topconcepts": "skos:hasTopConcept",
                    "notation": "skos:notation",
                    "label": "skos:prefLabel",
                },
                lang,
            ),
            "uri": vocab.iri,
            "topconcepts": tops,
        }
    )


@bp.get("/<vocid>/data")
def vocabulary_data(vocid: str) -> Response:
    return _data(_vocabulary(vocid))


@bp.get("/<vocid>/search")
def vocabulary_search(vocid: str) -> Response:
    return _search([_vocabulary(vocid)])


@bp.get("/<vocid>/label")
def vocabulary_label(vocid: str) -> Response:
    return _label(_vocabulary(vocid))


@bp.get("/<vocid>/lookup")
def lookup(vocid: str) -> Response:
    """The concepts whose preferred label is ``label`` (exactly, then ignoring case), else whose alternative
    label is, as Skosmos looks them up."""
    vocab = _vocabulary(vocid)
    wanted = request.args.get("label", "")
    if not wanted.strip():
        raise BadRequest("label parameter missing")
    lang = _lang()
    hits = []
    for prop in ("prefLabel", "altLabel"):
        for exact in (True, False):
            for iri in vocab.concepts:
                c = index().concepts[iri]
                for code, texts in sorted(c.labels.get(prop, {}).items()):
                    if lang and code != lang:
                        continue
                    for text in texts:
                        if text == wanted if exact else text.casefold() == wanted.casefold():
                            hit: dict[str, Any] = {"uri": iri, "localname": iri.rsplit("/", 1)[-1]}
                            hit["prefLabel"] = _pref(c, code)
                            hit["lang"] = code
                            if prop == "altLabel":
                                hit["altLabel"] = text
                            hit["vocab"] = vocab.id
                            hits.append(hit)
            if hits:
                break
        if hits:
            break
    if not hits:
        raise NotFound(f"Could not find label '{wanted}'")
    context = _context(
        {
            "onki": ONKI,
            "results": {"@id": "onki:results"},
            "prefLabel": "skos:prefLabel",
            "altLabel": "skos:altLabel",
            "hiddenLabel": "skos:hiddenLabel",
        },
        lang,
    )
    return _json({"@context": context, "result": hits})


def _relation(vocid: str, name: str) -> Response:
    vocab = _vocabulary(vocid)
    c = _concept(vocab)
    lang = _lang() or "en"
    values = [{"uri": o, "prefLabel": index().label(o, lang)} for o in getattr(c, name)]
    return _json(
        {
            "@context": _context({"prefLabel": "skos:prefLabel", name: f"skos:{name}"}, lang),
            "uri": c.iri,
            name: values,
        }
    )


@bp.get("/<vocid>/broader")
def broader(vocid: str) -> Response:
    return _relation(vocid, "broader")


@bp.get("/<vocid>/narrower")
def narrower(vocid: str) -> Response:
    return _relation(vocid, "narrower")


@bp.get("/<vocid>/related")
def related(vocid: str) -> Response:
    return _relation(vocid, "related")


def _transitive(vocid: str, direction: str) -> Response:
    vocab = _vocabulary(vocid)
    c = _concept(vocab)
    lang = _lang() or "en"
    limit = _limit()
    name = f"{direction}Transitive"
    results = {}
    for iri in index().transitive(c.iri, direction, limit=limit):
        entry: dict[str, Any] = {"uri": iri, "prefLabel": index().label(iri, lang)}
        steps = getattr(index().concepts[iri], direction)
        if steps:
            entry[direction] = steps
        results[iri] = entry
    context = _context(
        {
            "prefLabel": "skos:prefLabel",
            direction: {"@id": f"skos:{direction}", "@type": "@id"},
            name: {"@id": f"skos:{name}", "@container": "@index"},
        },
        lang,
    )
    return _json({"@context": context, "uri": c.iri, name: results})


@bp.get("/<vocid>/broaderTransitive")
def broader_transitive(vocid: str) -> Response:
    return _transitive(vocid, "broader")


@bp.get("/<vocid>/narrowerTransitive")
def narrower_transitive(vocid: str) -> Response:
    return _transitive(vocid, "narrower")


@bp.get("/<vocid>/children")
def children(vocid: str) -> Response:
    """The narrower concepts, each saying whether it has narrower concepts of its own."""
    vocab = _vocabulary(vocid)
    c = _concept(vocab)
    lang = _lang() or "en"
    found = [_child(iri, lang) for iri in c.narrower]
    found.sort(key=lambda child: (child["prefLabel"] or "").casefold())
    context = _context(
        {
            "prefLabel": "skos:prefLabel",
            "narrower": "skos:narrower",
            "notation": "skos:notation",
            "hasChildren": "onki:hasChildren",
        },
        lang,
    )
    return _json({"@context": context, "uri": c.iri, "narrower": found})


def _child(iri: str, lang: str) -> dict[str, Any]:
    return {"uri": iri, "prefLabel": index().label(iri, lang), "hasChildren": bool(index().concepts[iri].narrower)}


@bp.get("/<vocid>/hierarchy")
def hierarchy(vocid: str) -> Response:
    """The concept and its broader concepts up to the top, each with its narrower concepts, as Skosmos' tree
    view wants them."""
    vocab = _vocabulary(vocid)
    c = _concept(vocab)
    lang = _lang() or "en"
    results: dict[str, Any] = {}
    for iri in index().transitive(c.iri, "broader"):
        current = index().concepts[iri]
        entry: dict[str, Any] = {"uri": iri}
        tops = sorted(current.top_of)
        if tops:
            entry["tops"] = tops
            entry["top"] = vocab.iri if vocab.iri in tops else tops[0]
        if current.narrower:
            entry["narrower"] = [
                {k if k != "prefLabel" else "label": v for k, v in _child(n, lang).items()} for n in current.narrower
            ]
        entry["prefLabel"] = index().label(iri, lang)
        if current.broader:
            entry["broader"] = list(current.broader)
        entry["hasChildren"] = bool(current.narrower)
        results[iri] = entry
    for top in vocab.tops:
        if top not in results:
            t = index().concepts[top]
            results[top] = {
                "uri": top,
                "top": vocab.iri,
                "tops": [vocab.iri],
                "prefLabel": index().label(top, lang),
                "hasChildren": bool(t.narrower),
            }
    context = _context(
        {
            "onki": ONKI,
            "prefLabel": "skos:prefLabel",
            "notation": "skos:notation",
            "narrower": {"@id": "skos:narrower", "@type": "@id"},
            "broader": {"@id": "skos:broader", "@type": "@id"},
            "broaderTransitive": {"@id": "skos:broaderTransitive", "@container": "@index"},
            "top": {"@id": "skos:topConceptOf", "@type": "@id"},
            "tops": {"@id": "skos:topConceptOf", "@type": "@id"},
            "hasChildren": "onki:hasChildren",
        },
        lang,
    )
    return _json({"@context": context, "uri": c.iri, "broaderTransitive": results})


@bp.get("/<vocid>/mappings")
def mappings(vocid: str) -> Response:
    """The concept's SKOS mappings as JSKOS mappings, with the concept's data as JSON-LD."""
    vocab = _vocabulary(vocid)
    c = _concept(vocab)
    lang = _lang() or "en"
    found = []
    for prop, target in c.mappings:
        member: dict[str, Any] = {"uri": target}
        target_label = index().label(target, lang)
        if target_label:
            member["prefLabel"] = {lang: target_label}
        found.append(
            {
                "uri": c.iri,
                "type": [f"skos:{prop}"],
                "prefLabel": index().label(c.iri, lang),
                "from": {"memberSet": [{"uri": c.iri}]},
                "to": {"memberSet": [member]},
                "hrefLink": target,
                "lang": lang,
                "typeLabel": prop,
                "fromScheme": {"uri": vocab.iri},
            }
        )
    return _json({"mappings": found, "graph": _jsonld(_concept_triples(c.iri))})


# ---------------------------------------------------------------------------------------------- shared


def _pref(c: Concept, lang: str | None) -> str | None:
    found = c.label(lang)
    return found[0] if found else None


def _types(vocab: Vocabulary | None, lang: str) -> Response:
    idx = index()
    used: list[str] = []
    for iri in vocab.concepts if vocab else idx.concepts:
        for t in idx.concepts[iri].types:
            if t not in used:
                used.append(t)
    found = []
    for t in sorted(used, key=lambda t: (t != CONCEPT, t)):
        entry: dict[str, Any] = {"uri": t}
        type_label = idx.other_label(t, lang) or ("Concept" if t == CONCEPT else None)
        if type_label:
            entry["label"] = type_label
        supers = [s for s in idx.superclasses.get(t, []) if s in used or s == CONCEPT]
        if supers:
            entry["superclass"] = supers[0]
        found.append(entry)
    context = _context(
        {
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "onki": ONKI,
            "label": "rdfs:label",
            "superclass": {"@id": "rdfs:subClassOf", "@type": "@id"},
            "types": "onki:hasType",
            "@base": request.host_url + "rest/v1/" + (f"{vocab.id}/" if vocab else ""),
        },
        lang,
    )
    return _json({"@context": context, "uri": "", "types": found})


def _label(vocab: Vocabulary | None) -> Response:
    c = _concept(vocab)
    lang = _lang()
    body: dict[str, Any] = {
        "@context": _context(
            {"prefLabel": "skos:prefLabel", "altLabel": "skos:altLabel", "hiddenLabel": "skos:hiddenLabel"}, lang
        ),
        "uri": c.iri,
    }
    pref = c.labels_of("prefLabel", lang)
    if pref:
        body["prefLabel"] = pref[0]
    for prop in ("altLabel", "hiddenLabel"):
        values = c.labels_of(prop, lang)
        if values:
            body[prop] = values
    return _json(body)


def _int_arg(name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} parameter is invalid") from None
    if not minimum <= value <= maximum:
        raise BadRequest(f"{name} parameter is invalid")
    return value


def _search(vocabs: list[Vocabulary]) -> Response:
    query = request.args.get("query", "")
    parent = request.args.get("parent")
    if not query.strip() and not parent:
        raise BadRequest("query parameter missing")
    maxhits = _int_arg("maxhits", DEFAULT_HITS, minimum=1, maximum=MAX_HITS)
    offset = _int_arg("offset", 0, minimum=0, maximum=MAX_OFFSET)
    lang = _lang()
    labellang = request.args.get("labellang") or lang
    unique = (request.args.get("unique") or "").lower() in ("1", "true")
    wanted = [expand(t) for t in (request.args.get("type") or "").split()]
    fields = [
        f for f in (request.args.get("fields") or "").split() if f in ("broader", "narrower", "related", *MAPPINGS)
    ]
    hits = index().search(
        query.strip() or "*",
        vocabularies=vocabs,
        lang=lang,
        types=wanted,
        parent=expand(parent) if parent else None,
        unique=unique,
    )
    results = []
    for hit in hits[offset : offset + maxhits]:
        c = hit.concept
        result: dict[str, Any] = {"uri": c.iri, "type": [compact(t) for t in c.types]}
        for name in fields:
            values = c.mappings if name in MAPPINGS else getattr(c, name)
            targets = [t for p, t in values if p == name] if name in MAPPINGS else list(values)
            if targets:
                result[name] = [
                    {"uri": t, **({"prefLabel": lab} if (lab := index().label(t, labellang)) else {})} for t in targets
                ]
        result["localname"] = c.iri.rsplit("/", 1)[-1]
        pref = c.label(labellang or hit.lang)
        if pref:
            result["prefLabel"], result["lang"] = pref
        if hit.prop == "prefLabel" and pref and hit.matched != pref[0]:
            result["matchedPrefLabel"] = hit.matched
            result["lang"] = hit.lang
        elif hit.prop in ("altLabel", "hiddenLabel"):
            result[hit.prop] = hit.matched
            result["lang"] = hit.lang
        result["vocab"] = hit.vocabulary.id
        results.append(result)
    context: dict[str, Any] = {
        "skos": SKOS,
        "isothes": "http://purl.org/iso25964/skos-thes#",
        "onki": ONKI,
        "uri": "@id",
        "type": "@type",
        "results": {"@id": "onki:results", "@container": "@list"},
        "prefLabel": "skos:prefLabel",
        "altLabel": "skos:altLabel",
        "hiddenLabel": "skos:hiddenLabel",
        **{name: f"skos:{name}" for name in fields},
    }
    if labellang:
        context["@language"] = labellang
    return _json({"@context": context, "uri": "", "results": results})


_CONCEPT_DATA = """
CONSTRUCT { ?c ?p ?o . ?o ?lp ?l } WHERE {
  ?c ?p ?o .
  OPTIONAL { VALUES ?lp { skos:prefLabel rdfs:label } ?o ?lp ?l }
}"""
_SCHEME_DATA = """
CONSTRUCT { ?s ?p ?o } WHERE {
  { ?s skos:inScheme ?scheme ; a skos:Concept ; ?p ?o } UNION { ?scheme ?p ?o BIND(?scheme AS ?s) }
}"""


def _concept_triples(iri: str) -> list[ox.Triple]:
    return state().backend.construct(_CONCEPT_DATA, c=ox.NamedNode(iri))


def _data(vocab: Vocabulary | None) -> Response:
    """RDF about a concept (``uri``), or about the whole vocabulary (no ``uri``, per vocabulary only), in the
    format ``format=`` names (a media type or a name) or else the ``Accept`` header prefers."""
    chosen = None
    asked = request.args.get("format")
    if asked:
        chosen = formats.named(asked, DATA_FORMATS)
        if chosen is None:
            raise NotAcceptable(
                "Unsupported format. Supported MIME types are: "
                + " ".join(m for f in DATA_FORMATS for m in f.media_types)
            )
    else:
        chosen = negotiation.pick(request.headers.get("Accept"), DATA_FORMATS)
        if chosen is None:
            raise NotAcceptable(
                "Unsupported format. Supported MIME types are: "
                + " ".join(m for f in DATA_FORMATS for m in f.media_types)
            )
    if request.args.get("uri", "").strip():
        triples = _concept_triples(_concept(vocab).iri)
    elif vocab is not None:
        triples = state().backend.construct(_SCHEME_DATA, scheme=ox.NamedNode(vocab.iri))
    else:
        raise BadRequest("uri parameter missing")
    if chosen is formats.JSONLD:
        response = jsonify(_jsonld(triples))
        response.mimetype = "application/json" if "application/json" in (asked or "") else "application/ld+json"
    else:
        prefixes = PREFIXES if chosen.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        body = ox.serialize(_sorted(triples), format=chosen.ox_format, prefixes=prefixes)
        response = Response(body, content_type=chosen.content_type)
    if not asked:
        response.headers["Vary"] = "Accept"
    return response


def _sorted(triples: list[ox.Triple]) -> list[ox.Triple]:
    return sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


_SHORT = {v: k for k, v in DATA_CONTEXT.items() if isinstance(v, str) and ":" in v and not v.startswith("@")}


def _jsonld(triples: list[ox.Triple]) -> dict[str, Any]:
    """``triples`` as compact JSON-LD in Skosmos' shape: ``{"@context": ..., "graph": [{"uri", "type", ...}]}``,
    language-tagged literals as ``{"lang", "value"}`` and IRIs as ``{"uri"}``."""
    nodes: dict[str, dict[str, Any]] = {}
    for t in _sorted(triples):
        subject = t.subject.value if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject.value}"
        node = nodes.setdefault(subject, {"uri": subject})
        predicate = t.predicate.value
        if predicate == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" and isinstance(t.object, ox.NamedNode):
            key, value = "type", _term_name(t.object.value)
        else:
            curie = _term_name(predicate)
            key = _SHORT.get(curie, curie)
            value = _value(t.object)
        if key in node:
            node[key] = (node[key] if isinstance(node[key], list) else [node[key]]) + [value]
        else:
            node[key] = value
    return {"@context": DATA_CONTEXT, "graph": list(nodes.values())}


def _term_name(iri: str) -> str:
    """A prefixed name for the prefixes of :data:`DATA_CONTEXT`, else the full IRI."""
    for prefix, namespace in DATA_CONTEXT.items():
        if namespace.endswith(("#", "/")) and iri.startswith(namespace):
            local = iri[len(namespace) :]
            if local and "/" not in local and "#" not in local:
                return f"{prefix}:{local}"
    return iri


def _value(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> Any:
    if isinstance(term, ox.NamedNode):
        return {"uri": term.value}
    if isinstance(term, ox.BlankNode):
        return {"uri": f"_:{term.value}"}
    if term.language:
        return {"lang": term.language, "value": term.value}
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return term.value
    return {"value": term.value, "@type": term.datatype.value}
