"""Label search: find concepts by their preferred, alternative and hidden labels.

Matching ignores case and accents (Unicode NFKD, combining marks dropped, then case-folded) and ranks an
exact match before a prefix match before a substring match; within a rank, concepts (roles, skills,
technologies ...) come before schemes, ontology terms and sources, then shorter labels before longer ones,
then alphabetical order. Each concept appears once, with its best-matching label.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox

from ..namespaces import BASE, BKG
from .backend import Backend

#: The match kinds, best first.
MATCHES = ("exact", "prefix", "substring")
#: Longest search text accepted, in characters.
MAX_QUERY_LENGTH = 200

_LABELS = """
SELECT ?s ?p ?label WHERE {
  VALUES ?p { skos:prefLabel skos:altLabel skos:hiddenLabel rdfs:label }
  ?s ?p ?label .
  FILTER(isIRI(?s) && isLITERAL(?label) && STRSTARTS(STR(?s), STR(<%s>)))
  FILTER(!STRSTARTS(STR(?s), STR(stmt:)))
}
"""

_TYPES = """
SELECT ?s ?type WHERE {
  ?s a ?type .
  FILTER(isIRI(?s) && isIRI(?type) && STRSTARTS(STR(?s), STR(<%s>)))
  FILTER(!STRSTARTS(STR(?s), STR(stmt:)))
}
"""

# One step, then any number: every store evaluates it (Virtuoso refuses a path with both ends unbound).
_SUBCLASSES = """
SELECT DISTINCT ?sub ?super WHERE {
  ?sub rdfs:subClassOf ?mid . ?mid rdfs:subClassOf* ?super FILTER(isIRI(?sub) && isIRI(?super))
}"""

_PREDICATE_ORDER = {
    "http://www.w3.org/2004/02/skos/core#prefLabel": 0,
    "http://www.w3.org/2000/01/rdf-schema#label": 1,
    "http://www.w3.org/2004/02/skos/core#altLabel": 2,
    "http://www.w3.org/2004/02/skos/core#hiddenLabel": 3,
}


def normalise(text: str) -> str:
    """``text`` without accents, case-folded, with runs of white space collapsed to one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def kind_of(iri: str) -> str | None:
    """The kind of a backendkg IRI, the first segment of its path: ``role``, ``technology``, ``ontology`` ..."""
    if not iri.startswith(BASE):
        return None
    rest = iri[len(BASE) :]
    for i, c in enumerate(rest):
        if c in "/#":
            return rest[:i] or None
    return rest or None


def path_of(iri: str) -> str | None:
    """The path at which the server describes ``iri`` (``/technology/postgresql``), or ``None``."""
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else None


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    kind: str | None
    cls: str | None
    matched: str
    match: str
    path: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "iri": self.iri,
            "label": self.label,
            "kind": self.kind,
            "class": self.cls,
            "matched": self.matched,
            "match": self.match,
            "path": self.path,
        }


#: The kinds of the concepts people look for; other things with labels (schemes, ontology terms, sources)
#: rank after them within a match kind.
CONCEPT_KINDS = frozenset(
    {"role", "skill", "trait", "technology", "responsibility", "industry", "capability", "benefit"}
)


@dataclass(frozen=True)
class _Entry:
    iri: str
    label: str
    cls: str | None
    labels: tuple[tuple[str, str], ...]  # (normalised, as written)

    @property
    def secondary(self) -> bool:
        return kind_of(self.iri) not in CONCEPT_KINDS


class LabelIndex:
    """The labels of every backendkg concept and term, normalised once, searchable many times."""

    def __init__(self, entries: list[_Entry]):
        self._entries = entries
        self._by_label: dict[str, list[_Entry]] = {}
        for entry in entries:
            for norm, _ in entry.labels:
                bucket = self._by_label.setdefault(norm, [])
                if entry not in bucket:
                    bucket.append(entry)

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def from_graph(cls, kg: Backend) -> LabelIndex:
        labels: dict[str, list[tuple[int, str, str]]] = {}
        for row in kg.select(_LABELS % BASE):
            order = _PREDICATE_ORDER[row["p"].value]
            literal = row["label"]
            lang = literal.language if isinstance(literal, ox.Literal) else None
            labels.setdefault(row["s"].value, []).append((order, "" if lang in (None, "en") else lang, literal.value))
        types: dict[str, set[str]] = {}
        for row in kg.select(_TYPES % BASE):
            types.setdefault(row["s"].value, set()).add(row["type"].value)
        supers: dict[str, set[str]] = {}
        for row in kg.select(_SUBCLASSES):
            supers.setdefault(row["sub"].value, set()).add(row["super"].value)

        entries = []
        for iri in sorted(labels):
            written = sorted(labels[iri])
            display = written[0][2]
            seen: dict[str, str] = {}
            for _, _, text in written:
                norm = normalise(text)
                if norm and norm not in seen:
                    seen[norm] = text
            if seen:
                entries.append(_Entry(iri, display, _most_specific(types.get(iri, set()), supers), tuple(seen.items())))
        return cls(entries)

    def lookup(self, text: str) -> list[str]:
        """The IRIs of the concepts one of whose labels is ``text`` (ignoring case and accents)."""
        return [e.iri for e in self._by_label.get(normalise(text), [])]

    def search(self, text: str, *, limit: int = 10, kind: str | None = None) -> list[Hit]:
        """The concepts whose labels match ``text``, best first, at most ``limit`` of them (only those of
        ``kind``, such as ``role``, when given)."""
        needle = normalise(text)
        if not needle:
            return []
        ranked: list[tuple[tuple[int, bool, int, str, str], Hit]] = []
        for entry in self._entries:
            if kind is not None and kind_of(entry.iri) != kind:
                continue
            best: tuple[int, bool, int, str, str] | None = None
            best_label = ""
            for norm, written in entry.labels:
                if norm == needle:
                    rank = 0
                elif norm.startswith(needle):
                    rank = 1
                elif needle in norm:
                    rank = 2
                else:
                    continue
                key = (rank, entry.secondary, len(norm), norm, entry.iri)
                if best is None or key < best:
                    best, best_label = key, written
            if best is not None:
                hit = Hit(
                    iri=entry.iri,
                    label=entry.label,
                    kind=kind_of(entry.iri),
                    cls=entry.cls,
                    matched=best_label,
                    match=MATCHES[best[0]],
                    path=path_of(entry.iri),
                )
                ranked.append((best, hit))
        ranked.sort(key=lambda pair: pair[0])
        return [hit for _, hit in ranked[:limit]]


def _most_specific(types: set[str], supers: dict[str, set[str]]) -> str | None:
    """The most specific of ``types``, preferring backendkg classes; ties broken alphabetically."""
    if not types:
        return None
    own = {t for t in types if t.startswith(BKG)}
    candidates = own or types
    specific = sorted(t for t in candidates if not any(t in supers.get(other, ()) for other in candidates))
    return (specific or sorted(candidates))[0]
