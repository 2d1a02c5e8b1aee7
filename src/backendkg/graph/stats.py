"""Counts that describe the loaded graph: triples per graph, instances per class, links per property."""

from __future__ import annotations

from dataclasses import dataclass

from ..namespaces import curie
from .backend import Backend


@dataclass(frozen=True)
class Stats:
    triples: int
    graphs: list[tuple[str, int]]
    classes: list[tuple[str, int]]
    properties: list[tuple[str, int]]

    def as_dict(self) -> dict:
        return {
            "triples": self.triples,
            "graphs": dict(self.graphs),
            "classes": dict(self.classes),
            "properties": dict(self.properties),
        }


def compute(kg: Backend) -> Stats:
    """Count what ``kg`` holds: distinct triples of the union graph, triples per named graph, instances per
    class (an instance of a subclass counts for its superclasses too, so ``bkg:Skill`` counts every skill),
    and links (triples with an IRI object) per property."""
    triples = int(kg.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value)
    graphs = [
        (row["g"].value, int(row["n"].value))
        for row in kg.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    ]
    classes = [
        (row["c"].value, int(row["n"].value))
        for row in kg.select(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a/rdfs:subClassOf* ?c FILTER(isIRI(?c)) } "
            "GROUP BY ?c ORDER BY DESC(?n) ?c"
        )
    ]
    properties = [
        (row["p"].value, int(row["n"].value))
        for row in kg.select(
            "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?o)) } GROUP BY ?p ORDER BY DESC(?n) ?p"
        )
    ]
    return Stats(triples, graphs, classes, properties)


def render(stats: Stats) -> str:
    """The stats as aligned plain-text tables."""
    out = [f"triples (union, distinct): {stats.triples}", ""]
    for title, rows in (
        ("triples per graph", stats.graphs),
        ("instances per class (with subclasses)", stats.classes),
        ("links per property (IRI objects)", stats.properties),
    ):
        out.append(title)
        names = [curie(name) for name, _ in rows]
        width = max((len(n) for n in names), default=0)
        out.extend(f"  {n.ljust(width)}  {count:>6}" for n, (_, count) in zip(names, rows, strict=False))
        out.append("")
    return "\n".join(out).rstrip() + "\n"
