"""The benchmark queries, sent unchanged to every server, and how their answers are compared."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

PROLOGUE = """PREFIX bkg: <https://w3id.org/backendkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX role: <https://w3id.org/backendkg/role/>
PREFIX skill: <https://w3id.org/backendkg/skill/>
"""

SELECT_ACCEPT = "application/sparql-results+json"
CONSTRUCT_ACCEPT = "text/turtle"


@dataclass(frozen=True)
class Query:
    """One benchmark query: ``name``, SPARQL text, whether it is a CONSTRUCT, and whether its answer is fixed.

    A query with ``LIMIT`` and no total order may answer with different rows on different servers; only its
    row count is compared. Other answers are compared row for row.
    """

    name: str
    title: str
    text: str
    construct: bool = False
    ordered_exactly: bool = True
    cheap: bool = False

    @property
    def accept(self) -> str:
        return CONSTRUCT_ACCEPT if self.construct else SELECT_ACCEPT

    def path(self, endpoint_path: str, *, variant: int | str | None = None) -> str:
        """The GET request target for this query; ``variant`` appends a comment that makes the text unique."""
        text = self.text if variant is None else f"{self.text}\n# {variant}\n"
        return f"{endpoint_path}?query={quote(text, safe='')}"


QUERIES: dict[str, Query] = {
    q.name: q
    for q in (
        Query(
            "label",
            "label lookup, LIMIT 10",
            PROLOGUE
            + """SELECT ?concept ?label WHERE {
  ?concept skos:prefLabel ?label .
  FILTER(CONTAINS(LCASE(STR(?label)), "data"))
} LIMIT 10""",
            ordered_exactly=False,
            cheap=True,
        ),
        Query(
            "join",
            "2-hop join",
            PROLOGUE
            + """SELECT DISTINCT ?technology ?label WHERE {
  ?role bkg:requiresEssentialSkill skill:api-design ;
        bkg:usesEssentialTechnology|bkg:usesOptionalTechnology ?technology .
  ?technology skos:prefLabel ?label .
}""",
        ),
        Query(
            "groupby",
            "GROUP BY",
            PROLOGUE
            + """SELECT ?skill (COUNT(DISTINCT ?role) AS ?roles) WHERE {
  ?role bkg:requiresEssentialSkill ?skill .
} GROUP BY ?skill ORDER BY DESC(?roles) ?skill LIMIT 20""",
        ),
        Query(
            "construct",
            "CONSTRUCT",
            PROLOGUE
            + """CONSTRUCT {
  ?role a bkg:Role ;
        skos:prefLabel ?label ;
        bkg:requiresEssentialSkill ?skill .
  ?skill skos:prefLabel ?skillLabel .
} WHERE {
  ?role bkg:specialises role:backend-developer ;
        skos:prefLabel ?label ;
        bkg:requiresEssentialSkill ?skill .
  ?skill skos:prefLabel ?skillLabel .
}""",
            construct=True,
        ),
    )
}


def _term_key(term: dict[str, str]) -> tuple[str, ...]:
    kind = "literal" if term["type"] == "typed-literal" else term["type"]
    return (kind, term["value"], term.get("xml:lang", ""), term.get("datatype", ""))


def answer(query: Query, body: bytes) -> Counter:
    """The answer in ``body`` as a multiset of rows (SELECT) or triples (CONSTRUCT), for comparison."""
    if query.construct:
        triples = ox.parse(body, format=ox.RdfFormat.TURTLE)
        return Counter(str(t) for t in set(triples))
    document = json.loads(body)
    variables = document["head"]["vars"]
    return Counter(
        tuple(_term_key(row[v]) if v in row else None for v in variables) for row in document["results"]["bindings"]
    )


def same_answer(query: Query, a: Counter, b: Counter) -> bool:
    """Whether two answers agree: row for row, or in size only for a query whose rows may differ."""
    if query.ordered_exactly:
        return a == b
    return a.total() == b.total()
