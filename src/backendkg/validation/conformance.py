"""Checks ``backendkg serve --strict`` makes before serving: the data must pass the shapes."""

from __future__ import annotations

from pathlib import Path

from ..graph.backend import Backend
from ..graph.store import copy_of
from ..namespaces import curie
from .report import validate


def conformance_problems(backend: Backend) -> list[str]:
    """One line per SHACL violation in the served graph, ``file:line: ...`` for the embedded store's files;
    empty when it conforms. A remote endpoint's data is fetched into a store of its own and checked there.

    The line is the first one of the file that names the focus node (its full IRI or its prefixed name).
    """
    report = validate(copy_of(backend))
    lines: list[str] = []
    for finding in report.violations:
        text = finding.line()
        if finding.file is not None:
            number = _line_of(finding.file, finding.focus)
            where = f"{finding.file}:{number}" if number is not None else str(finding.file)
            text = f"{where}: {text.split(': ', 1)[1]}"
        lines.append(text)
    return lines


def _line_of(path: Path, focus: str) -> int | None:
    if focus.startswith("_:"):
        return None
    needles = (f"<{focus}>", curie(focus))
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                if any(n in line for n in needles if n != focus):
                    return number
    except OSError:
        return None
    return None
