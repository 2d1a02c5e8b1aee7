"""The crosswalk: backendkg concepts linked to ESCO, ISCO-08, O*NET-SOC and Wikidata.

The links live in ``ontology/links/<vocabulary>.ttl``, one ``void:Linkset`` per file. Each linkset names its
target vocabulary (``void:objectsTarget``), which carries the vocabulary version (``pav:version``) and the
pattern of its identifiers (``void:uriRegexPattern``); a link is a SKOS mapping triple from a backendkg
concept to an identifier that matches the pattern of a linkset listing that mapping property.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import pyoxigraph as ox

from ..namespaces import BASE, curie
from .backend import Backend

#: The target vocabulary of each linkset, by the short name the CLI takes.
VOCABULARIES: dict[str, str] = {
    "esco": BASE + "vocabulary/esco",
    "isco": BASE + "vocabulary/isco-08",
    "onet": BASE + "vocabulary/onet-soc",
    "wikidata": BASE + "vocabulary/wikidata",
}

#: SKOS mapping properties, strongest first.
MAPPING_PROPERTIES: tuple[str, ...] = tuple(
    "http://www.w3.org/2004/02/skos/core#" + name
    for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
)

FIELDS: tuple[str, ...] = ("vocabulary", "version", "concept", "label", "relation", "external", "external_label")

_QUERY = """
PREFIX pav: <http://purl.org/pav/>
SELECT ?target ?concept ?relation ?external
       (SAMPLE(?v) AS ?version) (SAMPLE(?l) AS ?label) (SAMPLE(?el) AS ?externalLabel)
WHERE {
  ?linkset a void:Linkset ; void:objectsTarget ?target ; void:linkPredicate ?relation .
  ?target void:uriRegexPattern ?pattern .
  VALUES ?relation { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch }
  ?concept ?relation ?external .
  FILTER(isIRI(?concept) && STRSTARTS(STR(?concept), "{base}"))
  FILTER(isIRI(?external) && REGEX(STR(?external), ?pattern))
  OPTIONAL { ?target pav:version ?v }
  OPTIONAL { ?concept skos:prefLabel ?l FILTER(LANGMATCHES(LANG(?l), "en")) }
  OPTIONAL { ?external rdfs:label ?el }
}
GROUP BY ?target ?concept ?relation ?external
""".replace("{base}", BASE)


@dataclass(frozen=True)
class Link:
    """One mapping from a backendkg concept to an identifier of an external vocabulary."""

    vocabulary: str
    version: str
    concept: str
    label: str
    relation: str
    external: str
    external_label: str

    def as_dict(self) -> dict[str, str]:
        row = asdict(self)
        row["relation"] = curie(self.relation)
        return row


def crosswalk(kg: Backend, *, vocabulary: str | None = None) -> list[Link]:
    """Every link of the graph (or of one vocabulary: ``esco``, ``isco``, ``onet``, ``wikidata``), sorted by
    vocabulary, concept, strength of the relation and external identifier."""
    if vocabulary is not None and vocabulary not in VOCABULARIES:
        raise ValueError(f"unknown vocabulary {vocabulary!r} (known: {', '.join(VOCABULARIES)})")
    targets = {iri: name for name, iri in VOCABULARIES.items()}
    substitutions = {"target": ox.NamedNode(VOCABULARIES[vocabulary])} if vocabulary else None
    result = kg.query(_QUERY, substitutions=substitutions)
    links = []
    for row in result:
        target = row["target"].value
        if target not in targets:
            continue
        links.append(
            Link(
                vocabulary=targets[target],
                version=_text(row["version"]),
                concept=row["concept"].value,
                label=_text(row["label"]),
                relation=row["relation"].value,
                external=row["external"].value,
                external_label=_text(row["externalLabel"]),
            )
        )
    order = list(VOCABULARIES)
    links.sort(
        key=lambda link: (
            order.index(link.vocabulary),
            link.concept,
            MAPPING_PROPERTIES.index(link.relation),
            link.external,
        )
    )
    return links


def _text(term: ox.Literal | None) -> str:
    return term.value if term is not None else ""


def to_csv(links: Sequence[Link]) -> str:
    """The links as CSV with a header row (columns :data:`FIELDS`)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(link.as_dict() for link in links)
    return out.getvalue()


def to_json(links: Sequence[Link]) -> str:
    """The links as a JSON array of objects with the keys :data:`FIELDS`."""
    return json.dumps([link.as_dict() for link in links], indent=2, ensure_ascii=False) + "\n"
