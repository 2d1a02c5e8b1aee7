"""Query processes under the engine: answers and errors come back, an overrun kills its process in time, and
the death of a query process is an error for its caller, not a hang."""

from __future__ import annotations

import os
import signal
import threading
import time

import psutil
import pytest

from backendkg import _formats, _procs
from backendkg.engine import Engine, LocalBackend, QuerySyntaxError, QueryTimeout, QueryWorkerLost

_OWL = "http://www.w3.org/2002/07/owl#"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture()
def engine(kg, monkeypatch):
    monkeypatch.setattr(_procs, "_spent_pid", None)
    engine = Engine(LocalBackend(kg), timeout=10, cache_bytes=0)
    engine.start_processes(2)
    yield engine
    engine.stop_processes()


def _busy(pids: list[int]) -> int:
    procs = [psutil.Process(pid) for pid in pids]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for p in procs:
            if sum(p.cpu_times()[:2]) > 0.3:
                return p.pid
        time.sleep(0.05)
    raise AssertionError("no query process is evaluating")


def test_answers_are_serialized_in_the_query_processes(engine, kg):
    pids = engine.processes.pids
    assert len(pids) == 2 and os.getpid() not in pids
    assert all(psutil.Process(pid).ppid() == os.getpid() for pid in pids)
    result = engine.run("SELECT ?c WHERE { ?c a owl:Class } ORDER BY ?c", choice=_formats.override("csv"))
    here = kg.store.query(f"SELECT ?c WHERE {{ ?c a <{_OWL}Class> }}", use_default_graph_as_union=True)
    assert result.format is _formats.CSV and result.kind == "solutions"
    assert result.rows == len(list(here)) > 0
    assert result.body.startswith(b"c\r\n")
    assert engine.ask("ASK { bkg:Role a owl:Class }") is True
    graph = engine.run("CONSTRUCT WHERE { bkg:Role ?p ?o }", choice=_formats.override("turtle"))
    assert graph.kind == "graph" and b"bkg:Role" in graph.body


def test_errors_come_back_and_the_process_keeps_serving(engine):
    pids = engine.processes.pids
    with pytest.raises(QuerySyntaxError, match="SPARQL syntax error"):
        engine.run("SELECT WHERE {")
    assert engine.ask("ASK {}") is True
    assert engine.processes.pids == pids and not _procs.spent()


def test_an_overrun_kills_its_query_process_in_time(engine):
    victim_pool = engine.processes
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"within 0\.5 seconds"):
        engine.run(RUNAWAY, timeout=0.5)
    assert time.monotonic() - started < 1.5
    dead = [m.process for m in victim_pool.all if not m.process.is_alive()]
    assert len(dead) == 1 and dead[0].exitcode == -signal.SIGKILL
    assert _procs.spent()
    assert engine.ask("ASK {}") is True  # the other query process answers


def test_a_query_process_killed_mid_query_is_an_error_for_its_caller(engine):
    caught: list[BaseException] = []

    def ask() -> None:
        try:
            engine.run(RUNAWAY)
        except BaseException as exc:
            caught.append(exc)

    caller = threading.Thread(target=ask)
    caller.start()
    os.kill(_busy(engine.processes.pids), signal.SIGKILL)
    caller.join(5)
    assert not caller.is_alive()
    assert len(caught) == 1 and isinstance(caught[0], QueryWorkerLost)
    assert caught[0].code == 503
    assert dict(caught[0].get_headers())["Retry-After"] == "1"
    assert engine.ask("ASK {}") is True
