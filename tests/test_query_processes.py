"""Query processes under the engine: answers and errors come back, an overrun kills its process in time, the
death of a query process is an error for its caller, not a hang, and a fresh query process takes the place of
every one that was killed, died or grew."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from backendkg import formats as _formats
from backendkg.sparql import processes as _procs
from backendkg.sparql.engine import Engine
from backendkg.sparql.errors import QuerySyntaxError, QueryTimeout, QueryWorkerLost

_OWL = "http://www.w3.org/2002/07/owl#"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture()
def engine(kg):
    engine = Engine(kg, timeout=10, cache_bytes=0)
    engine.start_processes(2)
    yield engine
    engine.stop_processes()


def _gone(pid: int, within: float = 5.0) -> bool:
    """Whether process ``pid`` has exited (or is a zombie) within ``within`` seconds: a killed process is torn
    down by the kernel after the kill returns, slowly on a busy machine."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.01)
    return False


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
    # Forked by the zygote, which this process forked while it had one thread.
    zygote = engine.processes.zygote
    assert psutil.Process(zygote).ppid() == os.getpid()
    assert all(psutil.Process(pid).ppid() == zygote for pid in pids)
    # When memory runs out, the kernel kills a query process first.
    assert all(Path(f"/proc/{pid}/oom_score_adj").read_text().strip() == "500" for pid in pids)
    result = engine.run("SELECT ?c WHERE { ?c a owl:Class } ORDER BY ?c", choice=_formats.choice_named("csv"))
    here = kg.store.query(f"SELECT ?c WHERE {{ ?c a <{_OWL}Class> }}", use_default_graph_as_union=True)
    assert result.format is _formats.CSV and result.kind == "solutions"
    assert result.rows == len(list(here)) > 0
    assert result.body.startswith(b"c\r\n")
    assert engine.ask("ASK { bkg:Role a owl:Class }") is True
    graph = engine.run("CONSTRUCT WHERE { bkg:Role ?p ?o }", choice=_formats.choice_named("turtle"))
    assert graph.kind == "graph" and b"bkg:Role" in graph.body


def test_errors_come_back_and_the_process_keeps_serving(engine, monkeypatch):
    # Not the demotion of long queries (tested below): a first syntax error may take a tenth of a second.
    monkeypatch.setattr(_procs, "DEMOTE_AFTER", 3600.0)
    pids = engine.processes.pids
    with pytest.raises(QuerySyntaxError, match="SPARQL syntax error"):
        engine.run("SELECT WHERE {")
    assert engine.ask("ASK {}") is True
    assert engine.processes.pids == pids and engine.processes.replaced == 0


def test_an_overrun_kills_its_query_process_in_time_and_a_fresh_one_takes_its_place(engine):
    before = set(engine.processes.pids)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"within 0\.5 seconds"):
        engine.run(RUNAWAY, timeout=0.5)
    assert time.monotonic() - started < 1.5
    after = set(engine.processes.pids)
    (killed,) = before - after
    assert _gone(killed)
    assert len(after) == 2 and len(after & before) == 1 and engine.processes.replaced == 1
    for _ in range(4):  # both query processes answer, the fresh one too
        assert engine.ask("ASK { bkg:Role a owl:Class }") is True


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
    assert caught[0].headers["Retry-After"] == "1"
    assert len(engine.processes.pids) == 2 and engine.processes.replaced == 1
    assert engine.ask("ASK {}") is True


def test_a_query_process_that_grew_past_the_limit_is_replaced_after_answering(kg, monkeypatch):
    monkeypatch.setattr(_procs, "CHECK_CPU", 0.0)  # measure after every query (read by the processes forked below)
    engine = Engine(kg, timeout=10, cache_bytes=0)
    engine.start_processes(1, recycle_bytes=1)  # any query process has more private memory than a byte
    try:
        (first,) = engine.processes.pids
        rows = engine.select("SELECT ?c WHERE { ?c a owl:Class }")
        assert rows  # the answer came back whole before the process left
        assert engine.processes.replaced == 1
        (second,) = engine.processes.pids
        assert second != first and _gone(first)
        assert engine.ask("ASK { bkg:Role a owl:Class }") is True
    finally:
        engine.stop_processes()


def test_a_query_process_measures_its_memory_only_after_enough_work(kg, monkeypatch):
    """Reading a process's memory costs about a millisecond: cheap queries do not pay it one by one."""
    engine = Engine(kg, timeout=10, cache_bytes=0)
    engine.start_processes(1, recycle_bytes=1)
    try:
        for i in range(20):
            engine.ask(f"ASK {{ ?s a ?o }} # {i}")
        assert engine.processes.replaced == 0
        engine.select("SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?a WHERE { ?a ?b ?c } LIMIT 1000 } ?d ?e ?f }")
        assert engine.processes.replaced == 1  # past CHECK_CPU of work: measured, and over the byte
    finally:
        engine.stop_processes()


def test_stopping_ends_the_zygote_and_every_query_process(kg):
    engine = Engine(kg, timeout=10, cache_bytes=0)
    engine.start_processes(3)
    pids = [engine.processes.zygote, *engine.processes.pids]
    engine.stop_processes()
    assert all(_gone(pid) for pid in pids)


# About 0.4 s of CPU: past DEMOTE_AFTER, and long enough to be seen working. Demoted, on a machine that other
# work keeps busy, it may take many times that: the tests give it a minute.
LONG_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?a WHERE { ?a ?b ?c } LIMIT 700 } ?d ?e ?f }"


def test_a_long_query_runs_demoted_and_its_process_serves_on_at_its_priority_or_is_replaced(kg):
    """A query past ``DEMOTE_AFTER`` yields the processors to short ones; once it has answered its process gets
    its priority back (as root) or a fresh process takes its place."""
    engine = Engine(kg, timeout=60, cache_bytes=0)
    engine.start_processes(2)
    try:
        _demoted_then_restored(engine)
    finally:
        engine.stop_processes()


def _demoted_then_restored(engine: Engine) -> None:
    long_query = LONG_QUERY
    niceness: dict[int, int] = {}
    answer: list[list] = []
    caller = threading.Thread(target=lambda: answer.append(engine.select(long_query)))
    caller.start()
    busy = _busy(engine.processes.pids)
    deadline = time.monotonic() + 60
    while caller.is_alive() and time.monotonic() < deadline:
        with contextlib.suppress(psutil.Error):
            niceness[busy] = max(niceness.get(busy, 0), psutil.Process(busy).nice())
        time.sleep(0.02)
    caller.join(60)
    assert answer and int(answer[0][0]["n"].value) > 0
    assert niceness[busy] == _procs.DEMOTED_NICE
    if busy in engine.processes.pids:
        assert psutil.Process(busy).nice() == 0 and engine.processes.replaced == 0
    else:
        assert engine.processes.replaced == 1 and len(engine.processes.pids) == 2
    assert engine.ask("ASK { bkg:Role a owl:Class }") is True


def test_beyond_the_eager_queries_a_query_waits_a_moment_for_a_warm_process_then_takes_another(kg):
    engine = Engine(kg, timeout=60, cache_bytes=0)
    engine.start_processes(3, eager=1)
    try:
        # One at a time, the queries go to the same process: the one that answered last (warm).
        seen = set()
        for i in range(5):
            engine.ask(f"ASK {{ ?s a ?o }} # {i}")
            seen.add(engine.processes.idle[-1].pid)
        assert len(seen) == 1
        # A long query holds the one eager slot: a cheap query waits WARM_WAIT, not for the long one.
        caller = threading.Thread(target=lambda: engine.select(LONG_QUERY))
        caller.start()
        _busy(engine.processes.pids)
        started = time.monotonic()
        assert engine.ask("ASK { bkg:Role a owl:Class }") is True
        waited = time.monotonic() - started
        assert caller.is_alive(), "the long query ended before the cheap one was asked"
        assert waited < 0.5, f"the cheap query waited {waited:.2f} s behind the long one"
        caller.join(60)
    finally:
        engine.stop_processes()
