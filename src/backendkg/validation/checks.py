"""The quality checks of ``queries/qc/*-violation.rq``: SPARQL queries that must return no rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .._paths import QUERIES_DIR

QC_DIR = QUERIES_DIR / "qc"

_HEADER = re.compile(r"^#\+\s*(\w+)\s*:\s*(.*?)\s*$")
_NOTE = re.compile(r"^#\s*(Problem|Solution)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class QualityCheck:
    """One quality check: its file, the text of its query and the notes of its header."""

    path: Path
    query: str
    summary: str
    problem: str
    solution: str
    severity: str = "Violation"

    @property
    def name(self) -> str:
        return self.path.stem


def parse(path: Path) -> QualityCheck:
    """Read a quality check; its header gives ``#+ summary:``, optionally ``#+ severity:``, and the
    ``# Problem:`` / ``# Solution:`` notes (a note may go on over the following ``#`` lines)."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    notes: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if m := _HEADER.match(line):
            fields[m.group(1).lower()] = m.group(2)
            current = None
        elif m := _NOTE.match(line):
            current = m.group(1).lower()
            notes[current] = [m.group(2)]
        elif current is not None and line.strip("# "):
            notes[current].append(line.lstrip("#").strip())
        else:
            current = None
    severity = fields.get("severity", "violation").capitalize()
    if severity not in ("Violation", "Warning", "Info"):
        raise ValueError(f"{path}: unknown severity {fields['severity']!r} (violation, warning or info)")
    return QualityCheck(
        path=path,
        query=text,
        summary=fields.get("summary", path.stem),
        problem=" ".join(notes.get("problem", [])),
        solution=" ".join(notes.get("solution", [])),
        severity=severity,
    )


def shipped_checks() -> list[Path]:
    return sorted(QC_DIR.glob("*-violation.rq"))


def load(paths: Sequence[Path] | None = None) -> list[QualityCheck]:
    return [parse(Path(p)) for p in (paths if paths is not None else shipped_checks())]


def run(store: ox.Store, check: QualityCheck) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
    """The rows ``check`` returns on ``store`` (default graph = union of all graphs)."""
    result = store.query(check.query, use_default_graph_as_union=True)
    if not isinstance(result, ox.QuerySolutions):
        raise ValueError(f"{check.path}: a quality check must be a SELECT query")
    names = [v.value for v in result.variables]
    if "focus" not in names:
        raise ValueError(f"{check.path}: a quality check must select ?focus")
    return [{n: row[n] for n in names if row[n] is not None} for row in result]
