"""Fixtures of the reliability suite, and a summary of its figures at the end of the run."""

from __future__ import annotations

import pytest

from ._http import FIGURES


@pytest.fixture(scope="session")
def local_kg():
    from backendkg.graph.store import load

    return load()


@pytest.fixture()
def report(capsys):
    """``report(line)``: print a figure now (even under output capture) and again in the run's summary."""

    def emit(line: str) -> None:
        FIGURES.append(line)
        with capsys.disabled():
            print(f"\n  [reliability] {line}", flush=True)

    return emit


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
