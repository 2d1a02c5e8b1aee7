"""Validate the graph: the SHACL shapes of ``shapes/`` (pySHACL) plus the quality checks of ``queries/qc/``.

from backendkg.validate import validate

report = validate()                                   # the shipped graph
report.conforms, report.exit_code()                   # (True, 0)
validate(["ontology/backendkg.ttl", "edit.ttl"])      # exactly these files
for finding in report.findings:
    print(finding.line())
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..graph.store import KnowledgeGraph, load
from ..namespaces import PREFIXES, curie
from . import checks as _shacl_checks

if TYPE_CHECKING:
    from rdflib import Graph

SEVERITIES = ("Violation", "Warning", "Info")
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the graph, from a shape or from a quality check."""

    severity: str
    """``Violation``, ``Warning`` or ``Info``."""
    focus: str
    """The node the finding is about: an IRI, or ``_:id`` for a blank node."""
    path: str | None
    """The property (path) concerned, as a prefixed name or SPARQL path, if any."""
    message: str
    source_shape: str | None
    """The IRI of the shape that produced the finding (``None`` for a quality check)."""
    constraint: str
    """The SHACL constraint component IRI, or ``qc:<name>`` for a quality check."""
    value: str | None = None
    """The offending value, in N-Triples form, if any."""
    file: Path | None = None
    """The file the focus node comes from (where it is typed, else where it is a subject, else an object)."""

    @property
    def focus_name(self) -> str:
        return self.focus if self.focus.startswith("_:") else curie(self.focus)

    def line(self, *, cwd: Path | None = None) -> str:
        """The finding as one line: ``file: severity: focus path: message [shape]``."""
        where = _show_path(self.file, cwd) if self.file else "-"
        what = self.focus_name + (f" {self.path}" if self.path else "")
        origin = curie(self.source_shape) if self.source_shape else self.constraint
        value = f" (value: {self.value})" if self.value and self.value not in self.message else ""
        return f"{where}: {self.severity.lower()}: {what}: {self.message}{value} [{origin}]"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["file"] = str(self.file) if self.file else None
        data["focus_name"] = self.focus_name
        return data


@dataclass
class Report:
    """The findings of one validation run."""

    findings: list[Finding]
    triples: int
    shapes: int
    checks: int
    files: tuple[Path, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        """No violations (warnings and infos do not break conformance)."""
        return not self.violations

    def exit_code(self, *, strict: bool = False) -> int:
        """0 when the graph conforms, 1 when it has violations (with ``strict``: any finding)."""
        if self.violations or (strict and self.findings):
            return 1
        return 0

    def summary(self) -> str:
        state = "conforms" if self.conforms else "does not conform"
        return (
            f"{state}: {self.count('Violation')} violations, {self.count('Warning')} warnings, "
            f"{self.count('Info')} infos ({self.triples} triples, {self.shapes} shapes, {self.checks} quality checks, "
            f"{sum(self.seconds.values()):.2f} s)"
        )

    def to_text(self, *, cwd: Path | None = None) -> str:
        lines = [f.line(cwd=cwd) for f in self.findings]
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        body = {
            "conforms": self.conforms,
            "violations": self.count("Violation"),
            "warnings": self.count("Warning"),
            "infos": self.count("Info"),
            "triples": self.triples,
            "shapes": self.shapes,
            "checks": self.checks,
            "findings": [f.as_dict() for f in self.findings],
        }
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"

    def to_graph(self) -> Graph:
        """The findings as a SHACL validation report graph (quality check findings carry ``dcterms:source``
        naming the query file instead of ``sh:sourceShape``)."""
        from rdflib import BNode, Graph, Literal, URIRef
        from rdflib.namespace import RDF, SH

        from . import shacl as _shacl

        g = Graph()
        for prefix in ("sh", "bkgsh", "bkg", "rdf", "rdfs", "skos", "dcterms", "xsd"):
            g.bind(prefix, PREFIXES[prefix])
        report = BNode("report")
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(self.conforms)))
        for i, f in enumerate(self.findings):
            r = BNode(f"r{i}")
            g.add((report, SH.result, r))
            g.add((r, RDF.type, SH.ValidationResult))
            g.add((r, SH.focusNode, BNode(f.focus[2:]) if f.focus.startswith("_:") else URIRef(f.focus)))
            g.add((r, SH.resultSeverity, SH[f.severity]))
            g.add((r, SH.resultMessage, Literal(f.message, lang="en")))
            if f.path and ":" in f.path and not f.path.startswith(("^", "(")):
                g.add((r, SH.resultPath, URIRef(_expand(f.path))))
            if f.source_shape:
                g.add((r, SH.sourceShape, URIRef(f.source_shape)))
                g.add((r, SH.sourceConstraintComponent, URIRef(f.constraint)))
            else:
                g.add((r, URIRef(PREFIXES["dcterms"] + "source"), Literal(f.constraint.removeprefix("qc:") + ".rq")))
            if f.value is not None:
                g.add((r, SH.value, _shacl.from_ntriples(f.value)))
        return g

    def to_turtle(self) -> str:
        return self.to_graph().serialize(format="turtle")


def _expand(name: str) -> str:
    prefix, _, local = name.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else name


def _show_path(path: Path, cwd: Path | None) -> str:
    try:
        return str(path.resolve().relative_to((cwd or Path.cwd()).resolve()))
    except ValueError:
        return str(path)


class _FileIndex:
    """Which file a node comes from: where it is typed, else where it is a subject, else where it is an object."""

    def __init__(self, kg: KnowledgeGraph):
        self.store = kg.store
        self.by_graph = {f.graph: f.path for f in kg.files}
        self._cache: dict[str, Path | None] = {}

    def __call__(self, node: str) -> Path | None:
        if node not in self._cache:
            self._cache[node] = self._find(node)
        return self._cache[node]

    def _find(self, node: str) -> Path | None:
        term = ox.BlankNode(node[2:]) if node.startswith("_:") else ox.NamedNode(node)
        patterns = (
            (term, _RDF_TYPE, None),
            (term, None, None),
            (None, None, term),
        )
        for s, p, o in patterns:
            for quad in self.store.quads_for_pattern(s, p, o, None):
                graph = quad.graph_name
                if isinstance(graph, ox.NamedNode) and graph.value in self.by_graph:
                    return self.by_graph[graph.value]
        return None


def validate(
    source: KnowledgeGraph | Iterable[Path | str] | None = None,
    *,
    shapes: Sequence[Path | str] | None = None,
    checks: bool | Sequence[Path | str] = True,
) -> Report:
    """Validate ``source`` against the shapes and run the quality checks.

    ``source`` is a loaded :class:`~backendkg.graph.store.KnowledgeGraph`, a list of RDF files (loaded together, and
    nothing else: include ``ontology/backendkg.ttl`` when the files hold content), or ``None`` for the
    shipped graph. ``shapes`` are the shapes files (default: ``shapes/*.ttl``); ``checks`` is ``True`` for
    every ``queries/qc/*-violation.rq``, ``False`` for none, or a list of query files.
    Raises :class:`~backendkg.graph.store.LoadError` for a file that cannot be read or parsed.
    """
    from rdflib import BNode, URIRef
    from rdflib.namespace import RDF, SH

    from . import shacl as _shacl

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    if isinstance(source, KnowledgeGraph):
        kg = source
    else:
        kg = load(None if source is None else [Path(p) for p in source])
        seconds["load"] = time.perf_counter() - started
    where = _FileIndex(kg)

    started = time.perf_counter()
    shapes_graph = _shacl.shapes_graph([Path(p) for p in shapes] if shapes is not None else None)
    data = _shacl.to_rdflib(kg.store.quads_for_pattern(None, None, None, None))
    seconds["convert"] = time.perf_counter() - started

    started = time.perf_counter()
    report_graph = _shacl.run(data, shapes_graph)
    findings: list[Finding] = []
    for row in _shacl.results(report_graph):
        focus = row["focus"]
        focus_text = f"_:{focus}" if isinstance(focus, BNode) else str(focus)
        severity = str(row["severity"]).rpartition("#")[2] if row["severity"] is not None else "Violation"
        findings.append(
            Finding(
                severity=severity,
                focus=focus_text,
                path=_shacl.path_text(report_graph, row["path"], curie),
                message=str(row["message"]) if row["message"] is not None else "does not conform",
                source_shape=str(row["source_shape"]) if isinstance(row["source_shape"], URIRef) else None,
                constraint=str(row["constraint"]),
                value=_shacl.ntriples(row["value"]) if row["value"] is not None else None,
                file=where(focus_text),
            )
        )
    seconds["shapes"] = time.perf_counter() - started

    started = time.perf_counter()
    if checks is True:
        quality_checks = _shacl_checks.load()
    elif checks is False:
        quality_checks = []
    else:
        quality_checks = _shacl_checks.load([Path(p) for p in checks])
    for check in quality_checks:
        for row in _shacl_checks.run(kg.store, check):
            focus = row["focus"]
            focus_text = f"_:{focus.value}" if isinstance(focus, ox.BlankNode) else str(focus.value)
            path = row.get("path")
            value = row.get("value")
            message = row.get("message")
            findings.append(
                Finding(
                    severity=check.severity,
                    focus=focus_text,
                    path=curie(path.value) if isinstance(path, ox.NamedNode) else None,
                    message=message.value if isinstance(message, ox.Literal) else check.summary,
                    source_shape=None,
                    constraint=f"qc:{check.name}",
                    value=str(value) if value is not None else None,
                    file=where(focus_text),
                )
            )
    seconds["checks"] = time.perf_counter() - started

    findings.sort(
        key=lambda f: (
            str(f.file or ""),
            SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 9,
            f.focus,
            f.path or "",
            f.constraint,
            f.message,
        )
    )
    return Report(
        findings=findings,
        triples=len(data),
        shapes=len(set(shapes_graph.subjects(RDF.type, SH.NodeShape))),
        checks=len(quality_checks),
        files=tuple(f.path for f in kg.files),
        seconds=seconds,
    )


def overlay(files: Sequence[Path], base: Sequence[Path]) -> list[Path]:
    """The files to validate when ``files`` are edits of ``base``: a file replaces the base file at the same
    path, else the one base file with the same name (``my/roles.ttl`` replaces ``ontology/schemes/roles.ttl``);
    any other file is added."""
    result = [Path(p) for p in base]
    resolved = [p.resolve() for p in result]
    for f in files:
        f = Path(f)
        if f.resolve() in resolved:
            continue
        same_name = [i for i, p in enumerate(result) if p.name == f.name]
        if len(same_name) == 1:
            result[same_name[0]] = f
            resolved[same_name[0]] = f.resolve()
        else:
            result.append(f)
            resolved.append(f.resolve())
    return result


__all__ = ["Finding", "Report", "overlay", "validate"]
