"""Checks ``backendkg serve --strict`` makes before serving: the data must pass the shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..namespaces import curie


def conformance_problems(app: Any) -> list[str]:
    """One line per SHACL violation in the application's graph, ``file:line: ...``; empty when it conforms.

    The line is the first one of the file that names the focus node (its full IRI or its prefixed name);
    a remote graph is not checked (it lives in another store, under that store's rules).
    """
    from ..web import state
    from .report import validate

    kg = state(app).kg
    if not hasattr(kg, "files"):
        return []
    report = validate(kg)
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
