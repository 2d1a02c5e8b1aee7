"""The concept schemes as SKOS vocabularies: what the Skosmos REST API (:mod:`backendkg.web.skosmos`) answers from.

Each ``skos:ConceptScheme`` is one vocabulary, named by the last segment of its IRI (``roles`` for
``https://w3id.org/backendkg/scheme/roles``). Its concepts are the resources asserted ``a skos:Concept`` that are
``skos:inScheme`` it, read as SKOS tools read them, without a reasoner: the labels, the asserted
``skos:broader`` with its inverse ``skos:narrower`` (and the other way round), ``skos:related`` both ways, the
top concepts and the SKOS mappings. The index is built once per process through the :class:`Backend`, so it
works over a remote SPARQL endpoint as well as over the embedded store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..namespaces import PREFIXES
from .backend import Backend

SKOS = "http://www.w3.org/2004/02/skos/core#"
CONCEPT = SKOS + "Concept"
LABELS = ("prefLabel", "altLabel", "hiddenLabel")
MAPPINGS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")

_SCHEMES = """
SELECT ?scheme ?label ?definition WHERE {
  ?scheme a skos:ConceptScheme .
  OPTIONAL { ?scheme skos:prefLabel ?label }
  OPTIONAL { ?scheme skos:definition ?definition }
}"""
_MEMBERS = "SELECT ?c ?scheme WHERE { ?c a skos:Concept ; skos:inScheme ?scheme }"
_TYPES = "SELECT ?c ?type WHERE { ?c a skos:Concept , ?type }"
_CONCEPT_LABELS = """
SELECT ?c ?p ?label WHERE {
  VALUES ?p { skos:prefLabel skos:altLabel skos:hiddenLabel }
  ?c a skos:Concept ; ?p ?label .
}"""
_RELATIONS = """
SELECT ?c ?p ?o WHERE {
  VALUES ?p { skos:broader skos:narrower skos:related skos:topConceptOf
              skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch }
  ?c a skos:Concept ; ?p ?o .
  FILTER(isIRI(?o))
}"""
_TOPS = "SELECT ?scheme ?c WHERE { ?scheme a skos:ConceptScheme ; skos:hasTopConcept ?c }"
_OTHER_LABELS = """
SELECT ?s ?label WHERE {
  { ?c a skos:Concept ; ?m ?s . VALUES ?m { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch
                                             skos:relatedMatch } }
  UNION { ?c a skos:Concept , ?s }
  ?s rdfs:label ?label .
}"""
_SUPERCLASSES = "SELECT ?class ?super WHERE { ?c a skos:Concept , ?class . ?class rdfs:subClassOf ?super }"


def _lang(term: ox.Literal) -> str:
    return term.language or ""


@dataclass
class Concept:
    """One concept as a SKOS tool reads it."""

    iri: str
    schemes: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    #: Label property local name (``prefLabel`` ...) -> language -> labels.
    labels: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    broader: list[str] = field(default_factory=list)
    narrower: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    top_of: list[str] = field(default_factory=list)
    #: (mapping property local name, target IRI).
    mappings: list[tuple[str, str]] = field(default_factory=list)

    def label(self, lang: str | None = None) -> tuple[str, str] | None:
        """The preferred label in ``lang`` (any language when not given or missing) and its language."""
        pref = self.labels.get("prefLabel", {})
        if lang and pref.get(lang):
            return pref[lang][0], lang
        for code in sorted(pref):
            if pref[code]:
                return pref[code][0], code
        return None

    def labels_of(self, prop: str, lang: str | None) -> list[str]:
        found = self.labels.get(prop, {})
        if lang:
            return list(found.get(lang, []))
        return [label for code in sorted(found) for label in found[code]]


@dataclass
class Vocabulary:
    """One concept scheme."""

    id: str
    iri: str
    titles: dict[str, str]
    definitions: dict[str, str]
    concepts: list[str]
    tops: list[str]

    def title(self, lang: str | None) -> str:
        if lang and lang in self.titles:
            return self.titles[lang]
        return next(iter(sorted(self.titles.items())), ("", self.id))[1]

    def languages(self, index: SkosIndex) -> list[str]:
        codes = {code for c in self.concepts for code in index.concepts[c].labels.get("prefLabel", {})}
        return sorted(codes | set(self.titles))


def vocabulary_id(scheme: str) -> str:
    """The vocabulary identifier of a concept scheme: the last segment of its IRI."""
    return re.split(r"[/#]", scheme.rstrip("/#"))[-1] or scheme


def compact(iri: str) -> str:
    """``iri`` as a prefixed name when one of backendkg's prefixes fits (``skos:Concept``), else as it is."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and re.fullmatch(r"[A-Za-z_][\w.-]*", iri[len(namespace) :]):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def expand(name: str) -> str:
    """A prefixed name (``skos:Concept``) as a full IRI; anything else as it is."""
    prefix, colon, local = name.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return name


@dataclass
class SkosIndex:
    """Every vocabulary and concept of the graph, read once."""

    vocabularies: dict[str, Vocabulary]
    concepts: dict[str, Concept]
    #: Labels (``rdfs:label``) of classes and of mapping targets outside the graph's concepts: IRI -> lang -> label.
    other_labels: dict[str, dict[str, str]]
    superclasses: dict[str, list[str]]

    @classmethod
    def from_backend(cls, backend: Backend) -> SkosIndex:
        concepts: dict[str, Concept] = {}

        def concept(iri: str) -> Concept:
            return concepts.setdefault(iri, Concept(iri))

        schemes: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
        for row in backend.select(_SCHEMES):
            titles, definitions = schemes.setdefault(row["scheme"].value, ({}, {}))
            if "label" in row:
                titles.setdefault(_lang(row["label"]), row["label"].value)
            if "definition" in row:
                definitions.setdefault(_lang(row["definition"]), row["definition"].value)
        for row in backend.select(_MEMBERS):
            _add(concept(row["c"].value).schemes, row["scheme"].value)
        for row in backend.select(_TYPES):
            _add(concept(row["c"].value).types, row["type"].value)
        for row in backend.select(_CONCEPT_LABELS):
            prop = row["p"].value[len(SKOS) :]
            by_lang = concept(row["c"].value).labels.setdefault(prop, {})
            _add(by_lang.setdefault(_lang(row["label"]), []), row["label"].value)
        for row in backend.select(_RELATIONS):
            c, prop, o = concept(row["c"].value), row["p"].value[len(SKOS) :], row["o"].value
            if prop in ("broader", "narrower", "related"):
                _add(getattr(c, prop), o)
            elif prop == "topConceptOf":
                _add(c.top_of, o)
            else:
                _add(c.mappings, (prop, o))
        tops: dict[str, list[str]] = {}
        for row in backend.select(_TOPS):
            _add(tops.setdefault(row["scheme"].value, []), row["c"].value)
        # SKOS semantics without a reasoner: skos:narrower is the inverse of skos:broader, skos:related is
        # symmetric. Hierarchical and associative relations are kept only between concepts of the graph.
        for c in list(concepts.values()):
            for b in c.broader:
                if b in concepts:
                    _add(concepts[b].narrower, c.iri)
            for n in c.narrower:
                if n in concepts:
                    _add(concepts[n].broader, c.iri)
            for r in c.related:
                if r in concepts:
                    _add(concepts[r].related, c.iri)
        for c in concepts.values():
            c.types.sort(key=lambda t: (t != CONCEPT, t))
            for scheme in c.top_of:
                _add(tops.setdefault(scheme, []), c.iri)
            for scheme in tops:
                if c.iri in tops[scheme]:
                    _add(c.top_of, scheme)
        for c in concepts.values():
            c.broader = sorted(b for b in c.broader if b in concepts)
            c.narrower = sorted(n for n in c.narrower if n in concepts)
            c.related = sorted(r for r in c.related if r in concepts)
            c.mappings.sort()
        concepts = {iri: c for iri, c in concepts.items() if c.schemes}
        vocabularies: dict[str, Vocabulary] = {}
        for scheme in sorted(schemes):
            vocid = vocabulary_id(scheme)
            while vocid in vocabularies:
                vocid += "-1"
            members = sorted(iri for iri, c in concepts.items() if scheme in c.schemes)
            vocabularies[vocid] = Vocabulary(
                id=vocid,
                iri=scheme,
                titles=schemes[scheme][0],
                definitions=schemes[scheme][1],
                concepts=members,
                tops=sorted(t for t in tops.get(scheme, []) if t in concepts),
            )
        other: dict[str, dict[str, str]] = {}
        for row in backend.select(_OTHER_LABELS):
            other.setdefault(row["s"].value, {}).setdefault(_lang(row["label"]), row["label"].value)
        supers: dict[str, list[str]] = {}
        for row in backend.select(_SUPERCLASSES):
            _add(supers.setdefault(row["class"].value, []), row["super"].value)
        return cls(vocabularies=vocabularies, concepts=concepts, other_labels=other, superclasses=supers)

    # ------------------------------------------------------------------------------------------- lookups

    def vocabulary_of(self, iri: str) -> Vocabulary | None:
        """The first vocabulary (in identifier order) that has ``iri`` as a concept."""
        found = self.concepts.get(iri)
        if found is None:
            return None
        return next((v for v in self.vocabularies.values() if v.iri in found.schemes), None)

    def in_vocabulary(self, vocab: Vocabulary | None, iri: str) -> Concept | None:
        """The concept ``iri`` if it is one of ``vocab`` (of any vocabulary when ``vocab`` is ``None``)."""
        found = self.concepts.get(iri)
        if found is None or (vocab is not None and vocab.iri not in found.schemes):
            return None
        return found

    def other_label(self, iri: str, lang: str | None) -> str | None:
        labels = self.other_labels.get(iri, {})
        if lang and lang in labels:
            return labels[lang]
        return next(iter(sorted(labels.items())), (None, None))[1]

    def label(self, iri: str, lang: str | None) -> str | None:
        """The preferred label of a concept, or the ``rdfs:label`` of anything else the graph labels."""
        found = self.concepts.get(iri)
        if found is not None:
            label = found.label(lang)
            return label[0] if label else None
        return self.other_label(iri, lang)

    def transitive(self, iri: str, direction: str, *, limit: int | None = None) -> list[str]:
        """``iri`` and every concept reached from it by ``broader`` or ``narrower`` steps, nearest first."""
        seen = [iri]
        frontier = [iri]
        while frontier and (limit is None or len(seen) < limit):
            following = []
            for current in frontier:
                for step in getattr(self.concepts[current], direction):
                    if step not in seen:
                        seen.append(step)
                        following.append(step)
            frontier = following
        return seen[:limit] if limit is not None else seen

    def search(
        self,
        pattern: str,
        *,
        vocabularies: Iterable[Vocabulary],
        lang: str | None = None,
        types: Iterable[str] = (),
        parent: str | None = None,
        unique: bool = False,
    ) -> list[Hit]:
        """Concepts with a label that matches ``pattern``, ignoring case, where ``*`` stands for any text (no
        ``*``: the whole label), ordered by matched label. One hit per matched label, or per concept with
        ``unique`` (its best match: preferred, then alternative, then hidden label)."""
        matcher = wildcard(pattern)
        wanted = set(types)
        hits: list[Hit] = []
        seen: set[str] = set()
        for vocab in vocabularies:
            for iri in vocab.concepts:
                if iri in seen:
                    continue
                c = self.concepts[iri]
                if wanted and not wanted & set(c.types):
                    continue
                if parent is not None and parent not in self.transitive(iri, "broader")[1:]:
                    continue
                found = []
                for rank, prop in enumerate(LABELS):
                    for code, texts in sorted(c.labels.get(prop, {}).items()):
                        if lang and code != lang:
                            continue
                        found.extend((rank, text, code, prop) for text in texts if matcher(text))
                if not found:
                    continue
                seen.add(iri)
                found.sort(key=lambda f: (f[0], f[1].casefold()))
                for _rank, text, code, prop in found[:1] if unique else found:
                    hits.append(Hit(concept=c, vocabulary=vocab, matched=text, lang=code, prop=prop))
        hits.sort(key=lambda h: (h.matched.casefold(), h.lang, h.concept.iri))
        return hits


@dataclass(frozen=True)
class Hit:
    """A concept found by :meth:`SkosIndex.search`, with the label that matched."""

    concept: Concept
    vocabulary: Vocabulary
    matched: str
    lang: str
    #: The label property that matched: ``prefLabel``, ``altLabel`` or ``hiddenLabel``.
    prop: str


def wildcard(pattern: str) -> Callable[[str], bool]:
    """A case-insensitive matcher for a Skosmos search pattern: ``*`` is any text, the rest is literal."""
    collapsed = re.sub(r"\*+", "*", pattern.strip())
    regex = re.compile(
        "".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", collapsed)),
        re.IGNORECASE | re.DOTALL,
    )
    return lambda text: regex.fullmatch(text) is not None


def _add(items: list, item) -> None:
    if item not in items:
        items.append(item)
