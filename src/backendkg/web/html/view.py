"""Turn a resource's description into what its HTML page shows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from ...namespaces import BKG
from .terms import Terms

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"

#: Shown in the page heading rather than in the table of relations.
HEADER_PROPERTIES = {
    RDF + "type",
    SKOS + "prefLabel",
    SKOS + "altLabel",
    SKOS + "hiddenLabel",
    SKOS + "definition",
}
MAPPING_PROPERTIES = (
    SKOS + "exactMatch",
    SKOS + "closeMatch",
    SKOS + "broadMatch",
    SKOS + "narrowMatch",
    SKOS + "relatedMatch",
    SCHEMA + "occupationalCategory",
)
STATEMENT_PARTS = {RDF + "subject", RDF + "predicate", RDF + "object"}
VOCABULARIES = (
    ("http://data.europa.eu/esco/isco/", "ISCO-08"),
    ("http://data.europa.eu/esco/", "ESCO"),
    ("https://www.onetonline.org/", "O*NET"),
    ("http://www.wikidata.org/", "Wikidata"),
    ("https://www.wikidata.org/", "Wikidata"),
)


@dataclass(frozen=True)
class Value:
    """One RDF term as a page shows it."""

    text: str
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    blank: bool = False

    @property
    def is_iri(self) -> bool:
        return self.iri is not None


@dataclass
class Statement:
    iri: str
    subject: Value | None = None
    predicate: Value | None = None
    object: Value | None = None
    sources: list[Value] = field(default_factory=list)
    section: str | None = None
    excerpt: str | None = None


@dataclass
class Group:
    """Values of one property, or the subjects that link with one property."""

    predicate: Value
    values: list[Value]


@dataclass
class KindGroup:
    """Concepts of one kind, split by how strongly a role needs them."""

    kind: Value
    essential: list[Value] = field(default_factory=list)
    optional: list[Value] = field(default_factory=list)
    other: list[Value] = field(default_factory=list)


@dataclass
class ResourceView:
    iri: str
    title: str
    types: list[Value]
    definition: str | None
    alt_labels: list[str]
    outgoing: list[Group]
    incoming: list[Group]
    mappings: list[tuple[str, Value, str]]
    sources: list[tuple[Value, list[Statement]]]
    role: dict[str, object] | None = None
    statement: Statement | None = None


def value(term: ox.NamedNode | ox.BlankNode | ox.Literal, terms: Terms) -> Value:
    if isinstance(term, ox.NamedNode):
        return Value(terms.label(term.value), iri=term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        plain = datatype in ("http://www.w3.org/2001/XMLSchema#string", RDF + "langString")
        return Value(term.value, lang=term.language, datatype=None if plain else datatype)
    return Value(f"_:{term.value}", blank=True)


STATEMENT_FIELDS = {RDF + "subject", RDF + "predicate", RDF + "object", DCTERMS + "source", BKG + "section"}
STATEMENT_FIELDS |= {BKG + "excerpt"}


def statement(node: object, triples: list[ox.Triple], terms: Terms) -> Statement:
    """The reified statement ``node`` from its own ``triples``."""
    st = Statement(iri=getattr(node, "value", str(node)))
    for t in triples:
        p = t.predicate.value
        if p == RDF + "subject":
            st.subject = value(t.object, terms)
        elif p == RDF + "predicate":
            st.predicate = value(t.object, terms)
        elif p == RDF + "object":
            st.object = value(t.object, terms)
        elif p == DCTERMS + "source":
            st.sources.append(value(t.object, terms))
        elif p == BKG + "section":
            st.section = t.object.value
        elif p == BKG + "excerpt":
            st.excerpt = t.object.value
    return st


def _statement_order(st: Statement) -> tuple[str, ...]:
    """Section, then the triple as it reads: subject, predicate, object."""
    parts = (st.subject, st.predicate, st.object)
    return (st.section or "", *(p.text.casefold() if p else "" for p in parts), st.iri)


def _sort_key(v: Value) -> tuple[str, str]:
    return (v.text.casefold(), v.iri or "")


def _vocabulary(iri: str) -> str:
    return next((name for prefix, name in VOCABULARIES if iri.startswith(prefix)), "")


def build(iri: str, triples: list[ox.Triple], terms: Terms) -> ResourceView:
    node = ox.NamedNode(iri)
    by_subject: dict[object, list[ox.Triple]] = defaultdict(list)
    for t in triples:
        by_subject[t.subject].append(t)
    own = by_subject.get(node, [])

    typed_statements = {
        t.subject for t in triples if t.predicate.value == RDF + "type" and t.object.value == BKG + "SourceStatement"
    }
    statement_nodes = {
        t.subject
        for t in triples
        if t.object == node
        and (
            t.predicate.value in (RDF + "subject", RDF + "object")
            or (t.predicate.value == DCTERMS + "source" and t.subject in typed_statements)
        )
    }
    outgoing: dict[str, list[Value]] = defaultdict(list)
    alt_labels: list[str] = []
    definition = None
    types: list[Value] = []
    for t in own:
        p = t.predicate.value
        if p == RDF + "type":
            types.append(value(t.object, terms))
        elif p == SKOS + "altLabel":
            alt_labels.append(t.object.value)
        elif p == SKOS + "definition" and (definition is None or getattr(t.object, "language", None) == "en"):
            definition = t.object.value
        elif p not in HEADER_PROPERTIES and p not in MAPPING_PROPERTIES:
            outgoing[p].append(value(t.object, terms))

    incoming: dict[str, list[Value]] = defaultdict(list)
    for t in triples:
        if t.object == node and t.subject not in statement_nodes:
            incoming[t.predicate.value].append(value(t.subject, terms))

    mappings = sorted(
        (
            (terms.label(t.predicate.value), value(t.object, terms), _vocabulary(str(getattr(t.object, "value", ""))))
            for t in own
            if t.predicate.value in MAPPING_PROPERTIES
        ),
        key=lambda m: (m[2], m[0], m[1].text),
    )

    by_source: dict[str, list[Statement]] = defaultdict(list)
    for st_node in sorted(statement_nodes, key=str):
        st = statement(st_node, by_subject.get(st_node, []), terms)
        for source in st.sources or [Value("unknown source")]:
            by_source[source.iri or ""].append(st)
    sources = []
    for source_iri, statements in sorted(by_source.items(), key=lambda kv: terms.label(kv[0]).casefold()):
        statements.sort(key=_statement_order)
        sources.append((Value(terms.label(source_iri), iri=source_iri or None), statements))

    def groups(table: dict[str, list[Value]]) -> list[Group]:
        return [
            Group(value(ox.NamedNode(p), terms), sorted(set(vs), key=_sort_key))
            for p, vs in sorted(table.items(), key=lambda kv: terms.label(kv[0]))
        ]

    itself = None
    if any(t.predicate.value == RDF + "subject" for t in own):
        itself = statement(node, own, terms)
        outgoing = defaultdict(list, {p: v for p, v in outgoing.items() if p not in STATEMENT_FIELDS})
    view = ResourceView(
        iri=iri,
        title=terms.title(iri),
        types=sorted(types, key=_sort_key),
        definition=definition,
        alt_labels=sorted(alt_labels, key=str.casefold),
        outgoing=groups(outgoing),
        incoming=groups(incoming),
        mappings=mappings,
        sources=sources,
        statement=itself,
    )
    if BKG + "Role" in terms.types.get(iri, ()) or any(v.iri == BKG + "Role" for v in types):
        view.role = role_sections(view, own, terms)
    return view


def _by_kind(pairs: list[tuple[str, ox.NamedNode]], essential: str, optional: str, terms: Terms) -> list[KindGroup]:
    kinds: dict[str, KindGroup] = {}
    for predicate, obj in pairs:
        kind = terms.kind(obj.value) or ""
        group = kinds.setdefault(kind, KindGroup(Value(terms.title(kind) if kind else "Other", iri=kind or None)))
        v = value(obj, terms)
        target = group.essential if predicate == essential else group.optional if predicate == optional else group.other
        if v not in target:
            target.append(v)
    for group in kinds.values():
        for values in (group.essential, group.optional, group.other):
            values.sort(key=_sort_key)
        # A concept stated both generally and as essential/optional appears once, in the specific column.
        group.other = [v for v in group.other if v not in group.essential and v not in group.optional]
    return sorted(kinds.values(), key=lambda g: (g.kind.iri is None, g.kind.text.casefold()))


def role_sections(view: ResourceView, own: list[ox.Triple], terms: Terms) -> dict[str, object]:
    """A role's page: responsibilities, skills and technologies by kind (essential vs optional), traits,
    broader and narrower roles, collaborators and the industries that rely on it."""
    skill_props = {BKG + "requiresSkill", BKG + "requiresEssentialSkill", BKG + "requiresOptionalSkill"}
    tech_props = {BKG + "usesTechnology", BKG + "usesEssentialTechnology", BKG + "usesOptionalTechnology"}
    skills = [(t.predicate.value, t.object) for t in own if t.predicate.value in skill_props]
    techs = [(t.predicate.value, t.object) for t in own if t.predicate.value in tech_props]

    def pick(groups: list[Group], *iris: str) -> list[Value]:
        found = {v for g in groups if g.predicate.iri in iris for v in g.values}
        return sorted(found, key=_sort_key)

    shown = skill_props | tech_props | {BKG + p for p in ("hasResponsibility", "hasTrait", "specialises")}
    shown |= {BKG + "hasSpecialisation", BKG + "collaboratesWith", SKOS + "broader", SKOS + "narrower"}
    shown_in = {BKG + "reliesOn", BKG + "specialises", BKG + "collaboratesWith", SKOS + "broader"}
    sections = {
        "skills": _by_kind(skills, BKG + "requiresEssentialSkill", BKG + "requiresOptionalSkill", terms),
        "technologies": _by_kind(techs, BKG + "usesEssentialTechnology", BKG + "usesOptionalTechnology", terms),
        "responsibilities": pick(view.outgoing, BKG + "hasResponsibility"),
        "traits": pick(view.outgoing, BKG + "hasTrait"),
        "broader": pick(view.outgoing, BKG + "specialises", SKOS + "broader"),
        "narrower": sorted(
            set(pick(view.outgoing, BKG + "hasSpecialisation", SKOS + "narrower"))
            | set(pick(view.incoming, BKG + "specialises", SKOS + "broader")),
            key=_sort_key,
        ),
        "collaborators": sorted(
            set(pick(view.outgoing, BKG + "collaboratesWith")) | set(pick(view.incoming, BKG + "collaboratesWith")),
            key=_sort_key,
        ),
        "industries": pick(view.incoming, BKG + "reliesOn"),
    }
    view.outgoing = [g for g in view.outgoing if g.predicate.iri not in shown]
    view.incoming = [g for g in view.incoming if g.predicate.iri not in shown_in]
    return sections
