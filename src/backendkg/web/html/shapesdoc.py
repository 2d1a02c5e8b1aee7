"""The SHACL shapes as a document: each node shape with its targets, its own constraints and its property
shapes, read once per process from ``shapes/``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ...graph.export import sorted_triples
from ...namespaces import BKGSH, SHAPES, curie

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
TARGETS = ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode")
#: Shown elsewhere on the page, not as constraints.
DESCRIPTIVE = {RDF + "type", RDFS + "label", RDFS + "comment", SH + "name", SH + "description", SH + "message"}
DESCRIPTIVE |= {SH + "path", SH + "property", SH + "severity", SH + "order", SH + "group"}
DESCRIPTIVE |= {SH + t for t in TARGETS}


@dataclass
class Constraint:
    name: str
    values: list[str]


@dataclass
class PropertyShape:
    iri: str | None
    anchor: str
    name: str
    path: str
    constraints: list[Constraint]
    message: str = ""
    severity: str = ""
    description: str = ""


@dataclass
class NodeShape:
    iri: str
    anchor: str
    label: str
    comment: str
    targets: list[tuple[str, list[str]]]
    constraints: list[Constraint]
    message: str
    properties: list[PropertyShape] = field(default_factory=list)


@dataclass
class ShapesDoc:
    header: dict[str, list[str]]
    shapes: list[NodeShape]
    triples: list[ox.Triple]
    files: list[str]


class _Graph:
    def __init__(self, triples: list[ox.Triple]):
        self.out: dict[object, list[tuple[str, object]]] = defaultdict(list)
        for t in triples:
            self.out[t.subject].append((t.predicate.value, t.object))

    def values(self, node: object, prop: str) -> list:
        return [o for p, o in self.out.get(node, []) if p == prop]

    def first(self, node: object, prop: str) -> str:
        found = self.values(node, prop)
        literals = [o for o in found if isinstance(o, ox.Literal)]
        en = [o for o in literals if o.language in ("en", None)]
        chosen = (en or literals or found)[:1]
        return chosen[0].value if chosen else ""

    def items(self, node: object) -> list:
        """The members of the RDF list ``node``."""
        out = []
        while isinstance(node, ox.BlankNode | ox.NamedNode) and node != ox.NamedNode(RDF + "nil"):
            firsts = self.values(node, RDF + "first")
            if not firsts:
                break
            out.append(firsts[0])
            rests = self.values(node, RDF + "rest")
            node = rests[0] if rests else None
        return out

    def show(self, term: object) -> str:
        """A readable form of a term: prefixed names, RDF lists in parentheses, blank nodes by their content."""
        if isinstance(term, ox.NamedNode):
            return curie(term.value)
        if isinstance(term, ox.Literal):
            return term.value if term.datatype.value.endswith(("#string", "#langString")) else str(term)
        if self.values(term, RDF + "first"):
            return "(" + " ".join(self.show(i) for i in self.items(term)) + ")"
        if self.values(term, SH + "inversePath"):
            return "^" + self.show(self.values(term, SH + "inversePath")[0])
        parts = [f"{curie(p)} {self.show(o)}" for p, o in self.out.get(term, [])]
        return "[ " + " ; ".join(parts) + " ]" if parts else str(term)

    def path(self, term: object) -> str:
        if isinstance(term, ox.BlankNode) and self.values(term, RDF + "first"):
            return " / ".join(self.path(i) for i in self.items(term))
        for key, mark in (("alternativePath", "|"), ("zeroOrMorePath", "*"), ("oneOrMorePath", "+")):
            found = self.values(term, SH + key)
            if found:
                if mark == "|":
                    return "(" + " | ".join(self.path(i) for i in self.items(found[0])) + ")"
                return self.path(found[0]) + mark
        return self.show(term)

    def constraints(self, node: object) -> list[Constraint]:
        grouped: dict[str, list[str]] = defaultdict(list)
        for p, o in self.out.get(node, []):
            if p not in DESCRIPTIVE:
                grouped[curie(p).removeprefix("sh:")].append(self.show(o))
        return [Constraint(k, sorted(v)) for k, v in sorted(grouped.items())]


def _anchor(term: object, fallback: str) -> str:
    if isinstance(term, ox.NamedNode) and term.value.startswith(BKGSH):
        return term.value[len(BKGSH) :]
    return fallback


def load_shapes(directory: Path) -> ShapesDoc:
    store = ox.Store()
    files = sorted(directory.glob("*.ttl")) if directory.is_dir() else []
    for path in files:
        store.load(path.read_bytes(), ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
    triples = sorted_triples(store)
    g = _Graph(triples)
    header: dict[str, list[str]] = defaultdict(list)
    for p, o in g.out.get(ox.NamedNode(SHAPES), []):
        header[p].append(o.value if isinstance(o, ox.Literal | ox.NamedNode) else str(o))
    shapes = []
    for subject in sorted((s for s in g.out if ox.NamedNode(SH + "NodeShape") in g.values(s, RDF + "type")), key=str):
        anchor = _anchor(subject, f"shape-{len(shapes) + 1}")
        shape = NodeShape(
            iri=subject.value if isinstance(subject, ox.NamedNode) else "",
            anchor=anchor,
            label=g.first(subject, RDFS + "label") or anchor,
            comment=g.first(subject, RDFS + "comment") or g.first(subject, SH + "description"),
            targets=[(t, sorted(g.show(v) for v in g.values(subject, SH + t))) for t in TARGETS],
            constraints=g.constraints(subject),
            message=g.first(subject, SH + "message"),
        )
        shape.targets = [(t, v) for t, v in shape.targets if v]
        for k, prop in enumerate(g.values(subject, SH + "property"), start=1):
            paths = g.values(prop, SH + "path")
            severity = g.values(prop, SH + "severity")
            shape.properties.append(
                PropertyShape(
                    iri=prop.value if isinstance(prop, ox.NamedNode) else None,
                    anchor=_anchor(prop, f"{anchor}-{k}"),
                    name=g.first(prop, SH + "name"),
                    path=g.path(paths[0]) if paths else "",
                    constraints=g.constraints(prop),
                    message=g.first(prop, SH + "message"),
                    severity=curie(severity[0].value).removeprefix("sh:") if severity else "",
                    description=g.first(prop, SH + "description"),
                )
            )
        shape.properties.sort(key=lambda p: (p.path, p.anchor))
        shapes.append(shape)
    shapes.sort(key=lambda s: s.anchor)
    return ShapesDoc(header=dict(header), shapes=shapes, triples=triples, files=[p.name for p in files])
