"""How long ``backendkg validate`` takes on the shipped graph.

Prints the median of N runs (time.perf_counter, and the CPU time of the process, which a busy machine
disturbs less) for load + validate, for validate alone on a loaded graph, for
each phase, and for the ways of handing the graph to pySHACL: terms converted from the Oxigraph store into an
in-memory rdflib graph (what backendkg does), the N-Triples export parsed by rdflib, and an rdflib graph over
an Oxigraph store (oxrdflib).

    python3 bench/validate.py            # 7 runs
    python3 bench/validate.py -n 15
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from rdflib import Graph

from backendkg.graph import store as kg_module
from backendkg.graph.export import export
from backendkg.validation import checks as _shacl_checks
from backendkg.validation import shacl as _shacl
from backendkg.validation.report import validate


def median_seconds(func: Callable[[], object], runs: int) -> tuple[float, float]:
    """The median wall-clock time (time.perf_counter) and the median CPU time of this process, in seconds."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=7, help="runs per measurement (default 7)")
    runs = parser.parse_args().runs

    kg = kg_module.load()
    shapes = _shacl.shapes_graph()
    checks = _shacl_checks.load()
    report = validate(kg)  # warm up: imports, parsed shapes
    print(
        f"shipped graph: {len(kg)} quads in {len(kg.files)} files; {report.shapes} node shapes, {report.checks} checks"
    )
    print(f"median of {runs} runs in seconds (pySHACL on the oxrdflib graph: one run); load average {load_average()}")

    rows: list[tuple[str, tuple[float, float]]] = [
        ("load + validate (backendkg validate)", median_seconds(lambda: validate(), runs)),
        ("validate a loaded graph", median_seconds(lambda: validate(kg), runs)),
        ("  load the files into Oxigraph", median_seconds(kg_module.load, runs)),
    ]

    def converted() -> Graph:
        return _shacl.to_rdflib(kg.store.quads_for_pattern(None, None, None, None))

    def parsed() -> Graph:
        return Graph().parse(data=export(kg, "ntriples"), format="nt")

    def over_oxigraph() -> Graph:
        graph = Graph(store="Oxigraph")
        graph.parse(data=export(kg, "ntriples"), format="ox-ntriples")
        return graph

    rows += [
        ("  Oxigraph -> rdflib graph, term by term (used)", median_seconds(converted, runs)),
        ("  Oxigraph -> N-Triples -> rdflib parser", median_seconds(parsed, runs)),
        ("  Oxigraph -> N-Triples -> oxrdflib graph", median_seconds(over_oxigraph, runs)),
        (
            "  convert + pySHACL on the in-memory graph (used)",
            median_seconds(lambda: _shacl.run(converted(), shapes), runs),
        ),
    ]
    ox_graph = over_oxigraph()
    rows.append(("  pySHACL on the oxrdflib graph", median_seconds(lambda: _shacl.run(ox_graph, shapes), 1)))
    rows.append(
        (
            "  quality checks (SPARQL on Oxigraph)",
            median_seconds(lambda: [_shacl_checks.run(kg.store, c) for c in checks], runs),
        )
    )
    for check in checks:
        rows.append((f"    {check.name}", median_seconds(lambda c=check: _shacl_checks.run(kg.store, c), runs)))

    width = max(len(name) for name, _ in rows)
    print(f"{'':<{width}}  {'wall':>7}  {'cpu':>7}")
    for name, (wall, cpu) in rows:
        print(f"{name:<{width}}  {wall:7.3f}  {cpu:7.3f}")


if __name__ == "__main__":
    main()
