"""The OpenAPI 3.1 document of ``/api``, generated from the query library and the graph.

Each named query becomes one ``GET /api/queries/<name>`` operation whose parameters are the query's
parameters; the example of each parameter, and of each operation's JSON response, is taken from the graph
(the ``#+ examples:`` of the query header where it gives them, else a concept of the kind the parameter's
name says for which the query has answers).
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import pyoxigraph as ox

from .. import __version__
from ..graph.backend import Backend
from ..graph.extract import MAX_TEXT_LENGTH
from ..graph.search import LabelIndex
from ..graph.skos import SkosIndex
from ..namespaces import BASE, KINDS
from ..queries import questions
from ..queries.extraction import SAMPLE_TEXT, Extractor
from ..queries.named import NamedQuery
from ..queries.params import DESCRIPTIONS, MAX_VALUE_LENGTH, ParamError, bind, parse_iri, parse_value, plain

#: Most rows of a response example.
EXAMPLE_ROWS = 3
#: Pattern of the text accepted for an IRI parameter: an absolute IRI, a prefixed name, or a short form.
IRI_PATTERN = (
    r"^(?:[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9._~/?!$&'()*+,;=-]*|/?(?:" + "|".join(KINDS) + r")/[A-Za-z0-9._~-]+)$"
)
#: Longest text accepted for a parameter.
MAX_TEXT = MAX_VALUE_LENGTH

_CANDIDATES = """
SELECT DISTINCT ?concept WHERE {
  ?concept a ?type .
  FILTER(isIRI(?concept) && STRSTARTS(STR(?concept), ?namespace))
}
ORDER BY ?concept
LIMIT 200
"""


def header_examples(query: NamedQuery) -> dict[str, str]:
    """The ``#+ examples:`` of a query header: ``- name: value`` items, parameter name to text."""
    items = query.meta.get("examples", [])
    if isinstance(items, str):
        items = [items]
    examples = {}
    for item in items:
        name, sep, value = str(item).partition(":")
        if sep and value.strip():
            examples[name.strip()] = value.strip()
    return examples


def _kind(name: str) -> str | None:
    for token in reversed(re.split(r"[_\d]+", name.lower())):
        if token in KINDS:
            return token
        if token == "tech":
            return "technology"
    return None


def _run(kg: Backend, query: NamedQuery, args: dict[str, str]) -> tuple[list[str], list[dict[str, Any]]]:
    """The variables and plain rows of ``query`` with ``args``; parameters ``args`` lacks stay unbound."""
    values = {}
    for param in query.params:
        if param.name in args:
            try:
                values[param.variable] = parse_value(param, args[param.name])
            except ParamError:
                continue
    result = kg.query(bind(query.text, values))
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return names, [{n: plain(s[n]) for n in names} for s in result]
    if isinstance(result, ox.QueryBoolean):
        return [], [{"boolean": bool(result)}]
    return [], [{"triple": str(t)} for t in result]


def examples_for(kg: Backend, query: NamedQuery) -> dict[str, str]:
    """An example value for each parameter of ``query``, taken from the graph."""
    examples = {p.name: v for p, v in ((p, header_examples(query).get(p.name)) for p in query.params) if v}
    for param in query.params:
        if param.name in examples or param.type != "iri":
            continue
        kind = _kind(param.name)
        if kind is None:
            continue
        namespace = ox.Literal(f"{BASE}{kind}/")
        candidates = [r["concept"].value for r in kg.select(bind(_CANDIDATES, {"namespace": namespace}))]
        chosen = None
        for iri in candidates:
            if _run(kg, query, {**examples, param.name: iri})[1]:
                chosen = iri
                break
        if chosen is None and candidates:
            chosen = candidates[0]
        if chosen is not None:
            examples[param.name] = chosen
    return examples


# Schemas ---------------------------------------------------------------------------------------------------

_VALUE = {"type": ["string", "number", "boolean", "null"]}
_ITEM = {
    "type": "object",
    "required": ["iri", "label", "kind"],
    "properties": {"iri": {"type": "string"}, "label": {"type": "string"}, "kind": {"type": ["string", "null"]}},
}
_ITEMS = {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
_LEVELS = {
    "type": "object",
    "required": ["essential", "optional"],
    "properties": {"essential": _ITEMS, "optional": _ITEMS},
}
_SPLIT = {
    "type": "object",
    "required": ["shared", "role_only", "other_only"],
    "properties": {"shared": _ITEMS, "role_only": _ITEMS, "other_only": _ITEMS},
}

SCHEMAS: dict[str, Any] = {
    "SkosmosAnswer": {
        "type": "object",
        "description": "A JSON-LD answer in the shape Skosmos sends (see the Skosmos REST API v1).",
    },
    "Error": {
        "type": "object",
        "required": ["code", "name", "description"],
        "properties": {"code": {"type": "integer"}, "name": {"type": "string"}, "description": {"type": "string"}},
    },
    "Item": _ITEM,
    "SparqlResults": {
        "description": "SPARQL 1.1 Query Results JSON Format.",
        "type": "object",
        "required": ["head"],
        "properties": {
            "head": {
                "type": "object",
                "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
            },
            "results": {
                "type": "object",
                "required": ["bindings"],
                "properties": {
                    "bindings": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": {
                                "type": "object",
                                "required": ["type", "value"],
                                "properties": {
                                    "type": {"enum": ["uri", "literal", "bnode", "triple"]},
                                    "value": {},
                                    "xml:lang": {"type": "string"},
                                    "datatype": {"type": "string"},
                                },
                            },
                        },
                    }
                },
            },
            "boolean": {"type": "boolean"},
        },
    },
    "SearchResults": {
        "type": "object",
        "required": ["query", "results"],
        "properties": {
            "query": {"type": "string"},
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["iri", "label", "kind", "class", "matched", "match", "path"],
                    "properties": {
                        "iri": {"type": "string"},
                        "label": {"type": "string"},
                        "kind": {"type": ["string", "null"]},
                        "class": {"type": ["string", "null"]},
                        "matched": {"type": "string"},
                        "match": {"enum": ["exact", "prefix", "substring"]},
                        "path": {"type": ["string", "null"]},
                    },
                },
            },
        },
    },
    "QueryList": {
        "type": "object",
        "required": ["queries"],
        "properties": {
            "queries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "summary", "description", "tags", "form", "params", "formats", "url"],
                    "properties": {
                        "name": {"type": "string"},
                        "summary": {"type": "string"},
                        "description": {"type": "string"},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "form": {"enum": ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]},
                        "params": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["name", "type", "required", "description"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "type": {"type": "string"},
                                    "required": {"type": "boolean"},
                                    "lang": {"type": "string"},
                                    "description": {"type": "string"},
                                },
                            },
                        },
                        "formats": {"type": "object", "additionalProperties": {"type": "string"}},
                        "url": {"type": "string"},
                    },
                },
            }
        },
    },
    "SkillGap": {
        "type": "object",
        "required": ["have", "weights", "roles"],
        "properties": {
            "have": _ITEMS,
            "weights": {"type": "object", "additionalProperties": {"type": "integer"}},
            "roles": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["role", "score", "covered_weight", "total_weight", "covered", "missing"],
                    "properties": {
                        "role": {"$ref": "#/components/schemas/Item"},
                        "score": {"type": "number", "minimum": 0, "maximum": 1},
                        "covered_weight": {"type": "integer", "minimum": 0},
                        "total_weight": {"type": "integer", "minimum": 0},
                        "covered": _LEVELS,
                        "missing": _LEVELS,
                    },
                },
            },
        },
    },
    "Extraction": {
        "type": "object",
        "required": ["concepts", "roles"],
        "properties": {
            "concepts": {
                "type": "array",
                "description": "Each concept the text names, once, in order of first mention.",
                "items": {
                    "type": "object",
                    "required": ["iri", "label", "kind", "mentions", "links"],
                    "properties": {
                        "iri": {"type": "string"},
                        "label": {"type": "string"},
                        "kind": {"type": ["string", "null"]},
                        "mentions": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "description": "Where the text names the concept: `text` is the text's "
                                "characters from `start` to `end` (end excluded).",
                                "required": ["start", "end", "text"],
                                "properties": {
                                    "start": {"type": "integer", "minimum": 0},
                                    "end": {"type": "integer", "minimum": 1},
                                    "text": {"type": "string", "minLength": 1},
                                },
                            },
                        },
                        "links": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["vocabulary", "iri", "relation"],
                                "properties": {
                                    "vocabulary": {"enum": ["esco", "isco", "onet", "wikidata"]},
                                    "iri": {"type": "string"},
                                    "relation": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
            "roles": {
                "type": "array",
                "description": "The roles the concepts fit, best first.",
                "items": {
                    "type": "object",
                    "required": [
                        "iri",
                        "label",
                        "score",
                        "coverage",
                        "named",
                        "matched",
                        "missing_essential",
                        "missing_optional",
                    ],
                    "properties": {
                        "iri": {"type": "string"},
                        "label": {"type": "string"},
                        "score": {"type": "number", "minimum": 0, "maximum": 1},
                        "coverage": {"type": "number", "minimum": 0, "maximum": 1},
                        "named": {"type": "boolean"},
                        "matched": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["iri", "label", "kind", "level"],
                                "properties": {
                                    "iri": {"type": "string"},
                                    "label": {"type": "string"},
                                    "kind": {"type": ["string", "null"]},
                                    "level": {"enum": ["essential", "optional"]},
                                },
                            },
                        },
                        "missing_essential": _ITEMS,
                        "missing_optional": _ITEMS,
                    },
                },
            },
        },
    },
    "RoleComparison": {
        "type": "object",
        "required": ["role", "other", "skill", "technology", "responsibility"],
        "properties": {
            "role": {"$ref": "#/components/schemas/Item"},
            "other": {"$ref": "#/components/schemas/Item"},
            "skill": _SPLIT,
            "technology": _SPLIT,
            "responsibility": _SPLIT,
        },
    },
    "IndustryPath": {
        "type": "object",
        "required": ["industry", "roles", "capabilities"],
        "properties": {
            "industry": {"$ref": "#/components/schemas/Item"},
            "roles": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["iri", "label", "kind", "via", "skills"],
                    "properties": {
                        "iri": {"type": "string"},
                        "label": {"type": "string"},
                        "kind": {"type": ["string", "null"]},
                        "via": {"type": ["string", "null"]},
                        "skills": _LEVELS,
                    },
                },
            },
            "capabilities": _ITEMS,
        },
    },
    "Provenance": {
        "type": "object",
        "required": ["subject", "statements", "sources"],
        "properties": {
            "subject": {"$ref": "#/components/schemas/Item"},
            "statements": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["subject", "predicate", "object", "source", "title", "section", "excerpt"],
                    "properties": {
                        "subject": {"type": "string"},
                        "predicate": {"type": "string"},
                        "object": {"type": "string"},
                        "source": {"type": "string"},
                        "title": {"type": ["string", "null"]},
                        "section": {"type": ["string", "null"]},
                        "excerpt": {"type": ["string", "null"]},
                    },
                },
            },
            "sources": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["source", "title", "statements"],
                    "properties": {
                        "source": {"type": "string"},
                        "title": {"type": ["string", "null"]},
                        "statements": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(schema: str, description: str, example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{schema}"}}
    if example is not None:
        media["example"] = example
    return {"description": description, "content": {"application/json": media}}


def _param_schema(kind: str) -> dict[str, Any]:
    if kind == "iri":
        return {"type": "string", "pattern": IRI_PATTERN, "maxLength": MAX_TEXT}
    if kind == "integer":
        return {"type": "integer"}
    if kind == "decimal":
        return {"type": "number"}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "date":
        return {"type": "string", "format": "date"}
    return {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}


def _text_param(name: str, description: str, *, required: bool, example: str | None = None) -> dict[str, Any]:
    param: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": r"\S"},
    }
    if example is not None:
        param["example"] = example
    return param


def query_operation(kg: Backend, query: NamedQuery, formats: dict[str, str]) -> dict[str, Any]:
    """The OpenAPI operation that runs ``query``, with examples taken from the graph."""
    examples = examples_for(kg, query)
    parameters = []
    for p in query.params:
        param: dict[str, Any] = {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": DESCRIPTIONS[p.type]
            + (f", tagged @{p.lang}" if p.lang else "")
            + ("." if p.required else "; empty or absent leaves it unbound."),
            # An optional parameter sent empty (as HTML forms do) counts as not given.
            "schema": _param_schema(p.type) if p.required else {"anyOf": [_param_schema(p.type), {"const": ""}]},
        }
        if p.name in examples:
            param["example"] = examples[p.name]
        parameters.append(param)
    parameters.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "Result form, instead of negotiating it with the Accept header.",
            "schema": {"enum": list(formats)},
        }
    )
    variables, rows = _run(kg, query, examples)
    content: dict[str, Any] = {}
    for name, media in formats.items():
        if name == "sparql-json":
            content[media] = {"schema": {"$ref": "#/components/schemas/SparqlResults"}}
        elif name == "json" and query.form == "ASK":
            content[media] = {
                "schema": {"type": "object", "required": ["boolean"], "properties": {"boolean": {"type": "boolean"}}}
            }
            if rows:
                content[media]["example"] = rows[0]
        elif name == "json":
            content[media] = {
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": variables,
                        "properties": {v: _VALUE for v in variables},
                    },
                }
            }
            if rows:
                content[media]["example"] = rows[:EXAMPLE_ROWS]
        elif name == "jsonld":
            content[media] = {"schema": {"type": ["object", "array"]}}
        else:
            content[media] = {"schema": {"type": "string"}}
    operation: dict[str, Any] = {
        "operationId": "query_" + re.sub(r"\W", "_", query.name),
        "summary": query.summary,
        "tags": ["named queries", *query.tags],
        "parameters": parameters,
        "responses": {
            "200": {"description": "The results of the query.", "content": content},
            "400": _error("A parameter is missing or malformed; the description names it."),
            "406": _error("None of the result forms fits the Accept header."),
        },
    }
    if query.description:
        operation["description"] = query.description
    return operation


#: The parameters of the examples of search and the questions.
SEARCH_EXAMPLE = {"q": "postgres", "limit": 5}
SKILL_GAP_EXAMPLE = {"have": ["Python", "SQL", "skill/api-design"], "limit": 2}
COMPARE_EXAMPLE = {"role": "integration developer", "other_role": "role/web-services-developer"}
INDUSTRY_EXAMPLE = {"industry": "fintech"}
EXTRACT_EXAMPLE = SAMPLE_TEXT
WHERE_EXAMPLE = {
    "subject": "role/api-developer",
    "predicate": "bkg:requiresEssentialSkill",
    "object": "skill:api-design",
}


def answer_examples(kg: Backend, index: LabelIndex) -> dict[str, Any]:
    """The answers of search and of the questions to their example parameters, from the graph; an example
    whose parameters name nothing in ``kg`` is left out."""
    examples: dict[str, Any] = {
        "search": {
            "query": SEARCH_EXAMPLE["q"],
            "results": [h.as_dict() for h in index.search(SEARCH_EXAMPLE["q"], limit=SEARCH_EXAMPLE["limit"])],
        }
    }

    def one(text: str, name: str) -> str:
        found = questions.resolve(kg, index, text, name=name)
        if len(found) != 1:
            raise ParamError(name, "is ambiguous")
        return found[0]

    with contextlib.suppress(ParamError):
        held = [
            iri
            for text in SKILL_GAP_EXAMPLE["have"]
            for iri in questions.resolve(kg, index, text, name="have", kinds=("skill", "technology"))
        ]
        examples["skill_gap"] = questions.skill_gap_answer(kg, held, limit=SKILL_GAP_EXAMPLE["limit"])
    with contextlib.suppress(ParamError):
        role, other = one(COMPARE_EXAMPLE["role"], "role"), one(COMPARE_EXAMPLE["other_role"], "other_role")
        examples["compare_roles"] = questions.compare_roles(kg, role, other)
    with contextlib.suppress(ParamError):
        examples["industry_path"] = questions.industry_path(kg, one(INDUSTRY_EXAMPLE["industry"], "industry"))
    with contextlib.suppress(ParamError):
        examples["where_stated"] = questions.where_stated(
            kg,
            one(WHERE_EXAMPLE["subject"], "subject"),
            parse_iri(WHERE_EXAMPLE["predicate"]).value,
            one(WHERE_EXAMPLE["object"], "object"),
        )
    return examples


def _extract_operation(extractor: Extractor) -> dict[str, Any]:
    """The operation of ``POST /api/extract``, with the answer to its example text from ``extractor``."""
    text = {"type": "string", "maxLength": MAX_TEXT_LENGTH}
    return {
        "operationId": "extract",
        "summary": "Which concepts and roles does a text name?",
        "description": "The concepts (roles, skills, technologies, responsibilities, industries ...) a text "
        "such as a job ad, a CV or a course outline names by their preferred, alternative or hidden labels, "
        "each with the character offsets of its mentions and its links to ESCO, ISCO-08, O*NET-SOC and "
        "Wikidata; and the roles they fit, ranked by the share of each role's requirements they cover "
        "(essential ones weigh 2, optional ones 1) averaged with whether the text names the role, with what "
        f"each role is missing. The text may be at most {MAX_TEXT_LENGTH:,} characters long.",
        "tags": ["extract"],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["text"],
                        "properties": {"text": {**text, "description": "The text to read."}},
                    },
                    "example": {"text": EXTRACT_EXAMPLE},
                },
                "text/plain": {"schema": text, "example": EXTRACT_EXAMPLE},
            },
        },
        "responses": {
            "200": _json("Extraction", "The concepts and the roles.", extractor.answer(EXTRACT_EXAMPLE)),
            "400": _error("The body is not UTF-8, not JSON, or not an object with a `text` string."),
            "413": _error(f"The body or the text is too large (the text may have {MAX_TEXT_LENGTH:,} characters)."),
            "415": _error("The body is neither `text/plain` nor `application/json`, or not UTF-8."),
        },
    }


# ------------------------------------------------------------------------------------- Skosmos REST API

#: Each Skosmos endpoint: path below /rest/v1, operation id, summary, parameters (name, required, description).
_SKOSMOS: list[tuple[str, str, str, list[tuple[str, bool, str]]]] = [
    ("/vocabularies", "skosmos_vocabularies", "List the vocabularies", [("lang", True, "Language of the titles.")]),
    (
        "/types",
        "skosmos_types",
        "List the concept types of every vocabulary",
        [("lang", True, "Language of the labels.")],
    ),
    (
        "/label",
        "skosmos_label",
        "Labels of a concept of any vocabulary",
        [("uri", True, "IRI of the concept."), ("lang", False, "Language of the labels.")],
    ),
    ("/{vocid}/", "skosmos_vocabulary", "Describe a vocabulary", [("lang", False, "Language of the title.")]),
    (
        "/{vocid}/types",
        "skosmos_vocabulary_types",
        "List the concept types of a vocabulary",
        [("lang", False, "Language of the labels.")],
    ),
    (
        "/{vocid}/topConcepts",
        "skosmos_top_concepts",
        "List the top concepts of a vocabulary",
        [("lang", False, "Language of the labels."), ("scheme", False, "IRI of the concept scheme.")],
    ),
    (
        "/{vocid}/label",
        "skosmos_vocabulary_label",
        "Labels of a concept",
        [("uri", True, "IRI of the concept."), ("lang", False, "Language of the labels.")],
    ),
    (
        "/{vocid}/lookup",
        "skosmos_lookup",
        "Find concepts by their preferred or alternative label",
        [("label", True, "The label."), ("lang", False, "Language of the label.")],
    ),
]
_SKOSMOS_RELATIONS = [
    ("broader", "Broader concepts of a concept"),
    ("broaderTransitive", "A concept and all its broader concepts"),
    ("narrower", "Narrower concepts of a concept"),
    ("narrowerTransitive", "A concept and all its narrower concepts"),
    ("related", "Related concepts of a concept"),
    ("children", "Narrower concepts of a concept, each saying whether it has narrower concepts"),
    ("hierarchy", "A concept and its broader concepts to the top, with their narrower concepts"),
    ("mappings", "The SKOS mappings of a concept, as JSKOS mappings"),
]
_SKOSMOS_SEARCH = [
    ("query", False, "The text to look for: a label, ignoring case, in which * stands for any text."),
    ("lang", False, "Language of the labels to match and show."),
    ("labellang", False, "Language of the labels to show."),
    ("type", False, "Only concepts of these types (IRIs or prefixed names such as bkg:Role, separated by spaces)."),
    ("parent", False, "Only concepts below this concept (its IRI)."),
    ("fields", False, "Extra fields of each result: broader, narrower, related or a SKOS mapping property."),
]
_RDF_MEDIA = ("application/rdf+xml", "text/turtle", "application/ld+json")


def _skosmos_param(name: str, required: bool, description: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": r"\S"}
    if name in ("lang", "labellang"):
        schema = {"type": "string", "pattern": r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$", "example": "en"}
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def _skosmos_json(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/SkosmosAnswer"}
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}, "application/ld+json": {"schema": schema}},
    }


def skosmos_paths(vocabularies: list[str]) -> dict[str, Any]:
    """The operations of the Skosmos REST API (``/rest/v1``), with ``vocid`` one of ``vocabularies``."""
    vocid = {
        "name": "vocid",
        "in": "path",
        "required": True,
        "description": "Identifier of the vocabulary: the last segment of its concept scheme's IRI.",
        "schema": {"enum": vocabularies},
    }
    errors = {
        "400": _error("A required parameter is missing or malformed."),
        "404": _error("No such vocabulary, or no such concept in it."),
    }

    def operation(op_id: str, summary: str, params: list[dict[str, Any]], path: str) -> dict[str, Any]:
        return {
            "get": {
                "operationId": op_id,
                "summary": summary,
                "tags": ["skosmos"],
                "parameters": ([vocid] if "{vocid}" in path else []) + params,
                "responses": {"200": _skosmos_json(summary + "."), **errors},
            }
        }

    paths: dict[str, Any] = {}
    for path, op_id, summary, params in _SKOSMOS:
        paths["/rest/v1" + path] = operation(op_id, summary, [_skosmos_param(*p) for p in params], path)
    for name, summary in _SKOSMOS_RELATIONS:
        params = [_skosmos_param("uri", True, "IRI of the concept."), _skosmos_param("lang", False, "Language.")]
        if name.endswith("Transitive"):
            params.append(
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "description": "Most concepts to return.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                }
            )
        path = f"/{{vocid}}/{name}"
        paths["/rest/v1" + path] = operation(f"skosmos_{name}", summary, params, path)
    search = [_skosmos_param(*p) for p in _SKOSMOS_SEARCH] + [
        {
            "name": "maxhits",
            "in": "query",
            "required": False,
            "description": "Most results.",
            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
        },
        {
            "name": "offset",
            "in": "query",
            "required": False,
            "description": "Results to skip.",
            "schema": {"type": "integer", "minimum": 0, "maximum": 100000},
        },
        {
            "name": "unique",
            "in": "query",
            "required": False,
            "description": "One result per concept.",
            "schema": {"type": "boolean"},
        },
    ]
    paths["/rest/v1/search"] = operation(
        "skosmos_search",
        "Find concepts of every vocabulary by label",
        [*search, _skosmos_param("vocab", False, "Only these vocabularies (identifiers separated by spaces).")],
        "/search",
    )
    paths["/rest/v1/{vocid}/search"] = operation(
        "skosmos_vocabulary_search", "Find concepts of a vocabulary by label", search, "/{vocid}/search"
    )
    rdf = {
        "description": "The RDF of the concept, or of the whole vocabulary.",
        "content": {media: {"schema": {}} for media in _RDF_MEDIA},
    }
    fmt = {
        "name": "format",
        "in": "query",
        "required": False,
        "description": "The media type of the answer, instead of the Accept header.",
        "schema": {"enum": list(_RDF_MEDIA)},
    }
    for path, op_id, summary, uri_required in (
        ("/data", "skosmos_data", "RDF of a concept of any vocabulary", True),
        ("/{vocid}/data", "skosmos_vocabulary_data", "RDF of a concept, or of the whole vocabulary", False),
    ):
        doc = operation(op_id, summary, [_skosmos_param("uri", uri_required, "IRI of the concept."), fmt], path)
        doc["get"]["responses"]["200"] = rdf
        doc["get"]["responses"]["406"] = _error("None of the accepted media types is offered.")
        paths["/rest/v1" + path] = doc
    return paths


def document(
    kg: Backend,
    queries: tuple[NamedQuery, ...],
    formats: dict[str, dict[str, str]],
    *,
    index: LabelIndex | None = None,
    extractor: Extractor | None = None,
) -> dict:
    """The OpenAPI 3.1 document of ``/api`` for the named ``queries`` (``formats``: query name to its
    ``?format=`` names and media types), with examples from ``kg`` (``index``: its label index;
    ``extractor``: its matcher and the roles' requirements)."""
    answers = answer_examples(kg, index or LabelIndex.from_graph(kg))
    paths: dict[str, Any] = {
        "/api/search": {
            "get": {
                "operationId": "search",
                "summary": "Find concepts by label",
                "description": "Preferred, alternative and hidden labels, ignoring case and accents; exact "
                "matches first, then prefix, then substring matches.",
                "tags": ["search"],
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": True,
                        "description": "The text to look for.",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
                        "example": SEARCH_EXAMPLE["q"],
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "description": "Most results to return.",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                        "example": SEARCH_EXAMPLE["limit"],
                    },
                    {
                        "name": "kind",
                        "in": "query",
                        "required": False,
                        "description": "Only concepts of this kind (the first segment of their path).",
                        "schema": {"enum": [k for k in (*KINDS, "ontology") if k != "statement"]},
                    },
                ],
                "responses": {
                    "200": _json("SearchResults", "The matching concepts, best first.", answers.get("search")),
                    "400": _error("`q`, `limit` or `kind` is missing or malformed."),
                },
            }
        },
        "/api/extract": {"post": _extract_operation(extractor or Extractor.from_graph(kg))},
        "/api/queries": {
            "get": {
                "operationId": "list_queries",
                "summary": "List the named queries",
                "tags": ["named queries"],
                "responses": {"200": _json("QueryList", "Every named query, its parameters and its URL.")},
            }
        },
        "/api/": {
            "get": {
                "operationId": "index",
                "summary": "Where the parts of the API are",
                "tags": ["meta"],
                "responses": {
                    "200": {
                        "description": "The paths of this document, search, the named queries and the questions.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["openapi", "search", "queries", "extract", "questions"],
                                    "properties": {
                                        "openapi": {"type": "string"},
                                        "search": {"type": "string"},
                                        "queries": {"type": "string"},
                                        "extract": {"type": "string"},
                                        "questions": {"type": "object", "additionalProperties": {"type": "string"}},
                                    },
                                }
                            }
                        },
                    }
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This OpenAPI document",
                "tags": ["meta"],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/api/questions/skill-gap": {
            "get": {
                "operationId": "skill_gap",
                "summary": "Which roles fit what I know?",
                "description": "Roles ranked by how much of their requirements the given skills and technologies "
                "cover (essential requirements weigh 2, optional ones 1), with what is missing for each.",
                "tags": ["questions"],
                "parameters": [
                    {
                        "name": "have",
                        "in": "query",
                        "required": True,
                        "description": "A skill or technology held, by label or IRI; repeat for more.",
                        "schema": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 100,
                            "items": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT},
                        },
                        "style": "form",
                        "explode": True,
                        "example": SKILL_GAP_EXAMPLE["have"],
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "description": "Most roles to return.",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100},
                        "example": SKILL_GAP_EXAMPLE["limit"],
                    },
                ],
                "responses": {
                    "200": _json("SkillGap", "The roles, best fit first.", answers.get("skill_gap")),
                    "400": _error("`have` is missing or names nothing in the graph, or `limit` is malformed."),
                },
            }
        },
        "/api/questions/compare-roles": {
            "get": {
                "operationId": "compare_roles",
                "summary": "How do two roles differ?",
                "description": "The skills, technologies and responsibilities two roles share, and those only "
                "one of them has.",
                "tags": ["questions"],
                "parameters": [
                    _text_param("role", "A role, by label or IRI.", required=True, example=COMPARE_EXAMPLE["role"]),
                    _text_param(
                        "other_role",
                        "Another role, by label or IRI.",
                        required=True,
                        example=COMPARE_EXAMPLE["other_role"],
                    ),
                ],
                "responses": {
                    "200": _json(
                        "RoleComparison", "What the roles share and what sets them apart.", answers.get("compare_roles")
                    ),
                    "400": _error("A role is missing, unknown or not a role."),
                },
            }
        },
        "/api/questions/industry-path": {
            "get": {
                "operationId": "industry_path",
                "summary": "How do I get into an industry?",
                "description": "The roles an industry relies on (directly or through a broader role), the "
                "skills they need, and the application capabilities the industry relies on.",
                "tags": ["questions"],
                "parameters": [
                    _text_param(
                        "industry", "An industry, by label or IRI.", required=True, example=INDUSTRY_EXAMPLE["industry"]
                    )
                ],
                "responses": {
                    "200": _json(
                        "IndustryPath", "Roles, their skills, and capabilities.", answers.get("industry_path")
                    ),
                    "400": _error("The industry is missing, unknown or not an industry."),
                },
            }
        },
        "/api/questions/where-stated": {
            "get": {
                "operationId": "where_stated",
                "summary": "Where does it say so?",
                "description": "The source documents, sections and excerpts that state the triples about a "
                "subject (narrowed by predicate and object), and the documents that name it.",
                "tags": ["questions", "provenance"],
                "parameters": [
                    _text_param(
                        "subject", "A concept, by label or IRI.", required=True, example=WHERE_EXAMPLE["subject"]
                    ),
                    {
                        "name": "predicate",
                        "in": "query",
                        "required": False,
                        "description": DESCRIPTIONS["iri"] + ".",
                        "schema": _param_schema("iri"),
                        "example": WHERE_EXAMPLE["predicate"],
                    },
                    _text_param(
                        "object", "A concept, by label or IRI.", required=False, example=WHERE_EXAMPLE["object"]
                    ),
                ],
                "responses": {
                    "200": _json("Provenance", "The statements and their sources.", answers.get("where_stated")),
                    "400": _error("A parameter is missing, malformed or names nothing in the graph."),
                },
            }
        },
    }
    for query in queries:
        paths[f"/api/queries/{query.name}"] = {"get": query_operation(kg, query, formats[query.name])}
    paths.update(skosmos_paths(sorted(SkosIndex.from_backend(kg).vocabularies)))
    tags = sorted({t for q in queries for t in q.tags})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "backendkg API",
            "version": __version__,
            "summary": "Named queries, label search, concepts found in text and answers about the knowledge graph of "
            "backend development.",
            "license": {"name": "CC-BY-4.0", "identifier": "CC-BY-4.0"},
        },
        "tags": [
            {"name": n}
            for n in dict.fromkeys(["search", "named queries", "questions", "extract", "meta", "skosmos", *tags])
        ],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }


def dumps(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False)
