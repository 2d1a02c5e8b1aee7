"""Answers to the questions people bring to the graph, as small functions over SPARQL.

- :func:`skill_gap`: which roles fit what someone knows, and what is missing for each;
- :func:`compare_roles`: what two roles share and what sets them apart;
- :func:`industry_path`: the roles an industry relies on, the skills they need, and its capabilities;
- :func:`where_stated`: the source documents, sections and excerpts that state a relation or name a concept.

Each function takes the loaded graph and concept IRIs; turning what people type into IRIs is the caller's
job (:func:`resolve` does it for labels and for absolute, prefixed and short IRIs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..graph.backend import Backend
from ..graph.search import LabelIndex, kind_of
from .named import get
from .params import ParamError, bind, parse_iri

#: Weight of an essential and of an optional requirement in the skill-gap score.
WEIGHTS = {"essential": 2, "optional": 1}

_REQUIREMENTS = """
SELECT ?role ?roleLabel ?property ?item ?itemLabel WHERE {
  VALUES ?property {
    bkg:requiresEssentialSkill bkg:requiresOptionalSkill bkg:requiresSkill
    bkg:usesEssentialTechnology bkg:usesOptionalTechnology bkg:usesTechnology
  }
  ?role a bkg:Role ; ?property ?item .
  OPTIONAL { ?role skos:prefLabel ?roleLabel FILTER(LANGMATCHES(LANG(?roleLabel), "en")) }
  OPTIONAL { ?item skos:prefLabel ?itemLabel FILTER(LANGMATCHES(LANG(?itemLabel), "en")) }
}
"""

#: What else someone has when they have a concept: the database models a database management system
#: implements (a role that needs a relational database is served by someone who knows PostgreSQL).
_IMPLIED = """
SELECT DISTINCT ?implied WHERE {
  ?held bkg:implementsModel ?model . ?model bkg:implementsModel* ?implied .
  FILTER(isIRI(?implied))
}
"""

_ESSENTIAL = {"requiresEssentialSkill", "usesEssentialTechnology"}
_LABEL = 'SELECT ?label WHERE { ?concept skos:prefLabel ?label FILTER(LANGMATCHES(LANG(?label), "en")) } LIMIT 1'


@dataclass(frozen=True)
class Item:
    """A concept in an answer: its IRI, English preferred label and kind (``skill``, ``technology`` ...)."""

    iri: str
    label: str

    @property
    def kind(self) -> str | None:
        return kind_of(self.iri)

    def as_dict(self) -> dict[str, str | None]:
        return {"iri": self.iri, "label": self.label, "kind": self.kind}


def _item(iri: str, label: ox.Literal | None) -> Item:
    return Item(iri, label.value if label is not None else iri.rsplit("/", 1)[-1])


def label_of(kg: Backend, iri: str) -> str:
    """The English preferred label of ``iri``, or the last segment of the IRI when it has none."""
    rows = kg.select(bind(_LABEL, {"concept": ox.NamedNode(iri)}))
    return rows[0]["label"].value if rows else iri.rsplit("/", 1)[-1]


def exists(kg: Backend, iri: str) -> bool:
    """Whether the graph has ``iri`` as the subject or the object of some triple."""
    return kg.ask(bind("ASK { { ?iri ?p ?o } UNION { ?s ?p ?iri } }", {"iri": ox.NamedNode(iri)}))


def resolve(kg: Backend, index: LabelIndex, text: str, *, name: str, kinds: Iterable[str] | None = None) -> list[str]:
    """The concepts ``text`` names: those with it as a label (of one of ``kinds``, ``skill``, ``role`` ...,
    when given), else the IRI it spells (absolute, prefixed or short). :class:`ParamError` naming ``name``
    when it names nothing in the graph."""
    found = index.lookup(text)
    if kinds is not None:
        wanted = set(kinds)
        found = [iri for iri in found if kind_of(iri) in wanted]
    if found:
        return found
    try:
        iri = parse_iri(text, name=name).value
    except ParamError:
        raise ParamError(name, f"names no concept of the graph, by label or IRI: {text!r}.") from None
    if not exists(kg, iri):
        raise ParamError(name, f"names no concept of the graph, by label or IRI: {text!r}.")
    return [iri]


# Skill gap -------------------------------------------------------------------------------------------------


@dataclass
class RoleFit:
    """How well what someone has covers one role's requirements."""

    role: Item
    covered_weight: int = 0
    total_weight: int = 0
    covered: dict[str, list[Item]] = field(default_factory=lambda: {"essential": [], "optional": []})
    missing: dict[str, list[Item]] = field(default_factory=lambda: {"essential": [], "optional": []})

    @property
    def score(self) -> float:
        return round(self.covered_weight / self.total_weight, 4) if self.total_weight else 0.0

    def as_dict(self) -> dict:
        return {
            "role": self.role.as_dict(),
            "score": self.score,
            "covered_weight": self.covered_weight,
            "total_weight": self.total_weight,
            "covered": {level: [i.as_dict() for i in items] for level, items in self.covered.items()},
            "missing": {level: [i.as_dict() for i in items] for level, items in self.missing.items()},
        }


def implied(kg: Backend, held: Iterable[str]) -> set[str]:
    """``held`` with what having them implies: the database models its database management systems implement."""
    held = set(held)
    if not held:
        return held
    text = bind(_IMPLIED, {"held": [ox.NamedNode(i) for i in sorted(held)]})
    return held | {row["implied"].value for row in kg.select(text)}


_ALL_IMPLIED = """
SELECT DISTINCT ?held ?implied WHERE {
  ?held bkg:implementsModel ?model . ?model bkg:implementsModel* ?implied .
  FILTER(isIRI(?held) && isIRI(?implied))
}
"""


@dataclass(frozen=True)
class Requirements:
    """What every role requires (essential or optional skills and technologies), and what having a concept
    implies, read from the graph once (:meth:`from_graph`) and matched against any number of held sets."""

    roles: dict[str, Item]
    items: dict[str, Item]
    #: (role, item) to ``essential`` or ``optional``.
    levels: dict[tuple[str, str], str]
    #: A concept to what having it implies (the database models a database management system implements).
    implies: dict[str, frozenset[str]]

    @classmethod
    def from_graph(cls, kg: Backend) -> Requirements:
        levels: dict[tuple[str, str], str] = {}
        roles: dict[str, Item] = {}
        items: dict[str, Item] = {}
        for row in kg.select(_REQUIREMENTS):
            role, item = row["role"].value, row["item"].value
            roles.setdefault(role, _item(role, row.get("roleLabel")))
            items.setdefault(item, _item(item, row.get("itemLabel")))
            level = "essential" if row["property"].value.rsplit("#", 1)[-1] in _ESSENTIAL else "optional"
            if levels.get((role, item)) != "essential":
                levels[(role, item)] = level
        implies: dict[str, set[str]] = {}
        for row in kg.select(_ALL_IMPLIED):
            implies.setdefault(row["held"].value, set()).add(row["implied"].value)
        return cls(roles, items, levels, {k: frozenset(v) for k, v in implies.items()})

    def implied(self, held: Iterable[str]) -> set[str]:
        """``held`` with what having them implies."""
        have = set(held)
        return have.union(*(self.implies.get(iri, ()) for iri in list(have)))

    def fit(self, held: Iterable[str], *, weights: dict[str, int] | None = None) -> list[RoleFit]:
        """Every role with requirements, ranked by how much of it ``held`` covers (see :func:`skill_gap`)."""
        weights = weights or WEIGHTS
        have = self.implied(held)
        fits = {role: RoleFit(item) for role, item in self.roles.items()}
        ordered = sorted(self.levels.items(), key=lambda kv: (kv[0][0], self.items[kv[0][1]].label.lower()))
        for (role, iri), level in ordered:
            fit = fits[role]
            fit.total_weight += weights[level]
            if iri in have:
                fit.covered_weight += weights[level]
                fit.covered[level].append(self.items[iri])
            else:
                fit.missing[level].append(self.items[iri])
        return sorted(fits.values(), key=lambda f: (-f.score, -f.covered_weight, f.role.label.lower(), f.role.iri))


def skill_gap(
    kg: Backend,
    held: Iterable[str],
    *,
    weights: dict[str, int] | None = None,
    requirements: Requirements | None = None,
) -> list[RoleFit]:
    """Every role with requirements, ranked by how much of it ``held`` (skill and technology IRIs) covers.

    A requirement counts ``weights["essential"]`` (default 2) when essential and ``weights["optional"]``
    (default 1) otherwise; the score is the covered weight over the total weight. Having a database
    management system also covers the database models it implements. Roles with equal scores are ranked by
    covered weight, then by label. ``requirements``: the roles' requirements already read from ``kg``.
    """
    return (requirements or Requirements.from_graph(kg)).fit(held, weights=weights)


def skill_gap_answer(kg: Backend, held: Iterable[str], *, limit: int | None = None) -> dict:
    """The skill gap of ``held`` as JSON: what was held, the weights, and the best ``limit`` roles."""
    held = list(dict.fromkeys(held))
    fits = skill_gap(kg, held)
    return {
        "have": [Item(iri, label_of(kg, iri)).as_dict() for iri in held],
        "weights": dict(WEIGHTS),
        "roles": [fit.as_dict() for fit in fits[:limit]],
    }


# Compare roles ---------------------------------------------------------------------------------------------

ASPECTS = ("skill", "technology", "responsibility")


def compare_roles(kg: Backend, role: str, other: str) -> dict:
    """The skills, technologies and responsibilities of ``role`` and ``other``: shared, and each one's own."""
    query = get("compare-roles")
    rows = kg.select(bind(query.text, {"_role_iri": ox.NamedNode(role), "_other_role_iri": ox.NamedNode(other)}))
    holders = {"shared": "shared", "role only": "role_only", "other role only": "other_only"}
    answer: dict = {
        "role": Item(role, label_of(kg, role)).as_dict(),
        "other": Item(other, label_of(kg, other)).as_dict(),
    }
    for aspect in ASPECTS:
        answer[aspect] = {key: [] for key in holders.values()}
    for row in rows:
        entry = _item(row["item"].value, row.get("label")).as_dict()
        answer[row["aspect"].value][holders[row["holder"].value]].append(entry)
    return answer


# Path into an industry -------------------------------------------------------------------------------------


def industry_path(kg: Backend, industry: str) -> dict:
    """The roles ``industry`` relies on (directly, or through a broader role it relies on), the skills each
    requires (essential and optional), and the capabilities it relies on."""
    node = {"_industry_iri": ox.NamedNode(industry)}
    roles: dict[str, dict] = {}
    for row in kg.select(bind(get("industry-path").text, node)):
        iri = row["role"].value
        entry = roles.get(iri)
        if entry is None:
            entry = roles[iri] = {
                **_item(iri, row.get("roleLabel")).as_dict(),
                "via": row["via"].value if "via" in row else None,
                "skills": {"essential": [], "optional": []},
            }
        if "skill" in row:
            level = "essential" if row["level"].value == "essential" else "optional"
            skill = _item(row["skill"].value, row.get("skillLabel")).as_dict()
            if skill not in entry["skills"][level]:
                entry["skills"][level].append(skill)
    capabilities = [
        _item(row["capability"].value, row.get("label")).as_dict()
        for row in kg.select(bind(get("industry-capabilities").text, node))
    ]
    return {
        "industry": Item(industry, label_of(kg, industry)).as_dict(),
        "roles": list(roles.values()),
        "capabilities": capabilities,
    }


# Where does it say so? -------------------------------------------------------------------------------------


def where_stated(kg: Backend, subject: str, predicate: str | None = None, obj: str | None = None) -> dict:
    """The source statements about ``subject`` (narrowed to ``predicate`` and ``obj`` when given), grouped
    by source document, and the documents that name ``subject`` (``dcterms:source``)."""
    values: dict[str, ox.NamedNode] = {"_subject_iri": ox.NamedNode(subject)}
    if predicate:
        values["__predicate_iri"] = ox.NamedNode(predicate)
    if obj:
        values["__object_iri"] = ox.NamedNode(obj)
    statements = []
    for row in kg.select(bind(get("where-stated").text, values)):
        statements.append(
            {
                "subject": subject,
                "predicate": row["predicate"].value,
                "object": row["object"].value,
                "source": row["source"].value,
                "title": row["title"].value if "title" in row else None,
                "section": row["section"].value if "section" in row else None,
                "excerpt": row["excerpt"].value if "excerpt" in row else None,
            }
        )
    sources = [
        {
            "source": row["source"].value,
            "title": row["title"].value if "title" in row else None,
            "statements": int(row["statements"].value),
        }
        for row in kg.select(bind(get("concept-sources").text, {"_concept_iri": ox.NamedNode(subject)}))
    ]
    return {"subject": Item(subject, label_of(kg, subject)).as_dict(), "statements": statements, "sources": sources}
