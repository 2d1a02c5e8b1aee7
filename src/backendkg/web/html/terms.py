"""What the HTML pages need to know about every term, computed once per process: labels, types, definitions,
and where each term's page is on this server."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from ...graph.backend import Backend
from ...namespaces import BASE, BKG, curie

_LABELS = """
SELECT ?s ?p ?o WHERE {
  VALUES ?p { skos:prefLabel rdfs:label dcterms:title skos:definition rdf:type rdfs:subClassOf }
  ?s ?p ?o
}
"""
# Label properties, best first; within one property an English label beats an untagged one beats others.
_LABEL_RANK = {
    "http://www.w3.org/2004/02/skos/core#prefLabel": 0,
    "http://www.w3.org/2000/01/rdf-schema#label": 1,
    "http://purl.org/dc/terms/title": 2,
}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
_DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"


def _lang_rank(term: ox.Literal) -> int:
    return {"en": 0, None: 1}.get(term.language, 2)


@dataclass
class Terms:
    labels: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    types: dict[str, list[str]] = field(default_factory=dict)
    superclasses: dict[str, set[str]] = field(default_factory=dict)

    def label(self, iri: str) -> str:
        """A readable name: the preferred label; for terms of other vocabularies their local name in words
        (``skos:closeMatch`` -> "close match"); else the prefixed name, else the IRI."""
        if iri in self.labels:
            return self.labels[iri]
        name = curie(iri)
        if name.startswith("<"):
            return iri
        if not iri.startswith(BASE):
            local = name.split(":", 1)[1]
            if local.isidentifier():
                return _CAMEL.sub(" ", local).lower()
        return name

    def title(self, iri: str) -> str:
        """The label with its first letter upper-cased, for headings."""
        text = self.label(iri)
        return text[:1].upper() + text[1:] if iri in self.labels else text

    def depth(self, cls: str) -> int:
        """How many backendkg classes lie above ``cls`` (``bkg:Practice``: 2)."""
        seen: set[str] = set()
        todo = [cls]
        while todo:
            for parent in self.superclasses.get(todo.pop(), ()):
                if parent.startswith(BKG) and parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return len(seen)

    def kind(self, iri: str) -> str | None:
        """The most specific backendkg class of ``iri`` (``tech:postgresql`` -> ``bkg:DatabaseManagementSystem``)."""
        own = [t for t in self.types.get(iri, ()) if t.startswith(BKG)]
        return max(own, key=lambda t: (self.depth(t), t), default=None)


def href(iri: str) -> str | None:
    """Where ``iri`` is looked up from a page of this server: backendkg IRIs locally, other ``http(s)`` IRIs as
    they are; ``None`` (no link) for any other scheme, such as ``javascript:`` or ``data:``."""
    if iri.startswith(BASE):
        return "/" + iri[len(BASE) :]
    if iri.lower().startswith(("http://", "https://")):
        return iri
    return None


def load_terms(kg: Backend) -> Terms:
    terms = Terms()
    ranks: dict[str, tuple[int, int]] = {}
    def_ranks: dict[str, int] = {}
    for solution in kg.query(_LABELS):
        s, p, o = solution["s"], solution["p"].value, solution["o"]
        if not isinstance(s, ox.NamedNode):
            continue
        subject = s.value
        if p == _TYPE and isinstance(o, ox.NamedNode):
            terms.types.setdefault(subject, []).append(o.value)
        elif p == _SUBCLASS and isinstance(o, ox.NamedNode):
            terms.superclasses.setdefault(subject, set()).add(o.value)
        elif p == _DEFINITION and isinstance(o, ox.Literal):
            rank = _lang_rank(o)
            if rank < def_ranks.get(subject, 9):
                def_ranks[subject] = rank
                terms.definitions[subject] = o.value
        elif p in _LABEL_RANK and isinstance(o, ox.Literal):
            rank = (_LABEL_RANK[p], _lang_rank(o))
            if rank < ranks.get(subject, (9, 9)):
                ranks[subject] = rank
                terms.labels[subject] = o.value
    for values in terms.types.values():
        values.sort()
    return terms
