"""The pages for people: ``/`` (query editor, examples, the panel that reads a text, browse), the index of
each kind, and ``/search``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask import Blueprint, abort, request

from ..graph.extract import MAX_TEXT_LENGTH
from ..graph.search import MAX_QUERY_LENGTH
from ..namespaces import BASE, LD_KINDS, PREFIXES
from ..queries.extraction import SAMPLE_TEXT
from ..queries.named import NamedQuery, library
from ..queries.params import ParamError, bind, parse_value
from .html.render import install, page
from .state import state

bp = Blueprint("pages", __name__)
bp.record_once(install)

#: Headings of the index pages of each kind.
KIND_TITLES = {
    "role": "Roles",
    "skill": "Skills",
    "trait": "Traits",
    "technology": "Technologies",
    "responsibility": "Responsibilities",
    "industry": "Industries",
    "capability": "Application capabilities",
    "benefit": "Benefits",
    "source": "Source documents",
    "statement": "Source statements",
    "scheme": "Concept schemes",
    "linkset": "Linksets",
    "vocabulary": "External vocabularies",
}
#: Kinds offered for browsing on ``/``, in this order.
BROWSE = ("role", "skill", "technology", "responsibility", "trait", "industry", "capability", "benefit", "source")

DEFAULT_QUERY = """\
# The roles of the graph, with the number of skills each one requires.
SELECT ?role ?label (COUNT(DISTINCT ?skill) AS ?skills) WHERE {
  ?role a bkg:Role ; skos:prefLabel ?label .
  OPTIONAL { ?role bkg:requiresSkill|bkg:requiresEssentialSkill|bkg:requiresOptionalSkill ?skill }
}
GROUP BY ?role ?label
ORDER BY DESC(?skills) ?label
"""


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    form: str
    text: str


def _prologue_for(text: str) -> str:
    """PREFIX lines for the prefixes ``text`` uses, so an example runs on any SPARQL endpoint as it stands."""
    declared = set(re.findall(r"(?im)^\s*PREFIX\s+([\w-]*):", text))
    used = [p for p in PREFIXES if p not in declared and re.search(rf"(?<![\w-]){re.escape(p)}:", text)]
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used)


def runnable(query: NamedQuery) -> str | None:
    """The text of ``query`` ready to run: its parameters bound to the values its ``examples`` header gives,
    and the prefixes it uses declared. ``None`` when a required parameter has no example."""
    examples: dict[str, str] = {}
    raw = query.meta.get("examples") or []
    for item in raw if isinstance(raw, list) else [raw]:
        key, _, value = str(item).partition(":")
        if value.strip():
            examples[key.strip()] = value.strip()
    values = {}
    for param in query.params:
        if param.name in examples:
            try:
                values[param.variable] = parse_value(param, examples[param.name])
            except ParamError:
                return None
        elif param.required:
            return None
    body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#+")).strip() + "\n"
    if values:
        try:
            body = bind(body, values)
        except ValueError:
            return None
        # The bindings on a line of their own, at the top of the WHERE group, where a reader changes them.
        body = body.replace(" VALUES ?_", "\n  VALUES ?_").replace(" VALUES (?_", "\n  VALUES (?_")
        body = body.replace("} \n", "}\n")
    return _prologue_for(body) + body


def examples() -> list[Example]:
    """The competency questions of the query library that can run as they stand, once per process."""

    def build() -> list[Example]:
        found = []
        for query in library():
            text = runnable(query)
            if text is not None:
                found.append(Example(query.name, query.title, query.description, query.form, text))
        return found

    return state().once("page-examples", build)


def members(kind: str) -> list[str]:
    """The IRIs of ``kind`` (``https://w3id.org/backendkg/<kind>/...``) that have a label or a type."""
    t = state().terms()
    prefix = f"{BASE}{kind}/"
    found = {iri for iri in t.labels if iri.startswith(prefix)} | {iri for iri in t.types if iri.startswith(prefix)}
    return sorted(found, key=lambda iri: (t.label(iri).casefold(), iri))


@bp.get("/")
def home() -> tuple[str, int]:
    query = request.args.get("query", "")
    counts = {kind: len(members(kind)) for kind in BROWSE}
    return page(
        "home.html",
        query=query or DEFAULT_QUERY,
        has_query=bool(query),
        examples=examples(),
        examples_json=json.dumps({e.name: e.text for e in examples()}),
        prefixes_json=json.dumps(PREFIXES),
        roles=members("role"),
        counts=counts,
        kind_titles=KIND_TITLES,
        browse=BROWSE,
        triples=state().quads(),
        extract_sample=SAMPLE_TEXT,
        extract_max=MAX_TEXT_LENGTH,
    )


@bp.get(f"/<any({', '.join(LD_KINDS)}):kind>/")
def kind_index(kind: str) -> tuple[str, int]:
    """Every concept of one kind, grouped by its most specific class where there are several."""
    t = state().terms()
    iris = members(kind)
    groups: dict[str, list[str]] = {}
    for iri in iris:
        groups.setdefault(t.kind(iri) or "", []).append(iri)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == "", t.label(kv[0]).casefold() if kv[0] else ""))
    title = KIND_TITLES.get(kind, kind.title())
    return page("kind_index.html", kind=kind, title=title, groups=ordered, total=len(iris))


@bp.get("/search")
def search() -> tuple[str, int]:
    """Ranked label search for people (the suggestions of the search box come from ``/api/search``)."""

    q = request.args.get("q", "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        abort(400, description=f"The search text must be at most {MAX_QUERY_LENGTH} characters long.")
    hits = state().label_index().search(q, limit=100) if q else []
    return page("search.html", search_query=q, hits=hits)
