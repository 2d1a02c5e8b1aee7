"""Faults: a query process or a worker killed in the middle of a query, data that does not parse or does not
pass the shapes, and a server stopped with SIGTERM while it answers.

Under ``backendkg serve`` the processes form a tree: granian's main process, its workers (which hold the
connections), each worker's zygote, and the zygote's query processes (which evaluate the queries)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import psutil
import pytest

from backendkg.cli.serve import QUERY_PROCESSES

from ._http import request, wait_for_workers

pytestmark = pytest.mark.reliability

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
GRACEFUL_TIMEOUT = 5.0  # what a request in flight may take and still be answered after SIGTERM, at least


def _serve(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backendkg", "serve", "--host", "127.0.0.1", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _query_processes(workers: set[int]) -> dict[int, int]:
    """The query processes of the workers (the children of their zygotes), each mapped to its worker."""
    found: dict[int, int] = {}
    for worker in workers:
        try:
            for zygote in psutil.Process(worker).children():
                found.update({child.pid: worker for child in zygote.children()})
        except psutil.NoSuchProcess:
            continue
    return found


def _wait_for_query_processes(workers: set[int], *, limit: float = 30.0) -> dict[int, int]:
    """The query processes of ``workers`` once each has forked all of its own (right after it boots)."""
    deadline = time.monotonic() + limit
    found = _query_processes(workers)
    while len(found) != len(workers) * QUERY_PROCESSES:
        assert time.monotonic() < deadline, f"{QUERY_PROCESSES} query processes per worker expected: {found}"
        time.sleep(0.05)
        found = _query_processes(workers)
    return found


def _busy(pids: set[int], *, limit: float = 15.0) -> int:
    """The process of ``pids`` that is burning CPU (the one evaluating the runaway)."""
    procs = {pid: psutil.Process(pid) for pid in pids}
    start = {pid: sum(p.cpu_times()[:2]) for pid, p in procs.items()}
    deadline = time.monotonic() + limit
    used: dict[int, float] = {}
    while time.monotonic() < deadline:
        time.sleep(0.1)
        used = {pid: sum(p.cpu_times()[:2]) - start[pid] for pid, p in procs.items()}
        pid = max(used, key=used.__getitem__)
        if used[pid] > 0.3:
            return pid
    raise AssertionError(f"no query process is evaluating the query: {used}")


def _kill_mid_query(start_server, *, target: str):
    """Send a runaway query to a server with two workers and SIGKILL, while it runs, the query process that
    evaluates it (``target="query"``) or the worker that holds its connection (``"worker"``)."""
    base = start_server("--timeout", "60", "--workers", "2", fresh=True)
    server = start_server.servers[base]
    workers = wait_for_workers(server, 2)
    queries = _wait_for_query_processes(workers)
    outcome: dict[str, object] = {}

    def ask() -> None:
        try:
            outcome["reply"] = request(base, params={"query": RUNAWAY}, timeout=30)
        except Exception as exc:  # a dropped connection
            outcome["error"] = exc

    client = threading.Thread(target=ask)
    client.start()
    busy = _busy(set(queries))
    victim = busy if target == "query" else queries[busy]
    os.kill(victim, signal.SIGKILL)
    outcome["killed_at"] = time.monotonic()
    outcome["busy"], outcome["owner"] = busy, queries[busy]
    client.join(40)
    assert not client.is_alive(), "the client hung after the kill"
    return base, server, workers, victim, outcome


def _replaced(server, workers: set[int], gone: int) -> tuple[set[int], float]:
    deadline = time.monotonic() + 30
    now = server.worker_pids()
    while gone in now or len(now) != 2:
        assert time.monotonic() < deadline, f"the worker {gone} was not replaced: {now}"
        time.sleep(0.02)
        now = server.worker_pids()
    return now, time.monotonic()


def _next_queries_succeed(base: str) -> None:
    for i in range(20):
        reply = request(base, params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a ?o }} # {i}"}, timeout=10)
        assert reply.status == 200, reply.body[:300]


def test_the_client_of_a_killed_query_process_gets_a_json_error_and_the_next_queries_succeed(start_server, report):
    base, server, workers, victim, outcome = _kill_mid_query(start_server, target="query")
    reply = outcome.get("reply")
    assert reply is not None, f"the connection was dropped: {outcome.get('error')!r}"
    answered_after = time.monotonic() - outcome["killed_at"]
    assert reply.status == 503, reply.body[:300]
    assert (reply.header("content-type") or "").startswith("application/json")
    assert reply.header("retry-after") == "1"
    error = json.loads(reply.body)
    assert error["code"] == 503 and error["name"] == "Service Unavailable"
    assert "stopped before it answered" in error["description"] and "taken its place" in error["description"]
    # The worker goes on serving; its zygote has forked a fresh query process in place of the dead one.
    assert server.worker_pids() == workers
    now = _wait_for_query_processes(workers)
    assert victim not in now and list(now.values()).count(outcome["owner"]) == QUERY_PROCESSES
    replaced_after = time.monotonic() - outcome["killed_at"]
    _next_queries_succeed(base)
    report(
        f"faults: query process {victim} killed mid-query; its client got {reply.status} "
        f"{error['description']!r} after {reply.seconds:.2f} s ({answered_after * 1000:.0f} ms after the kill); "
        f"a fresh query process in its place within {replaced_after:.2f} s of the kill, the worker unchanged"
    )
    assert server.process.poll() is None


def test_a_killed_worker_is_replaced_its_query_processes_end_and_the_next_queries_succeed(start_server, report):
    base, server, workers, victim, outcome = _kill_mid_query(start_server, target="worker")
    orphan = outcome["busy"]
    now, replaced_at = _replaced(server, workers, victim)
    assert len(now - workers) == 1
    # The query processes of the killed worker end with it (nothing goes on evaluating the runaway).
    deadline = time.monotonic() + 5
    while psutil.pid_exists(orphan) and psutil.Process(orphan).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the query process of the killed worker outlived it"
        time.sleep(0.02)
    _next_queries_succeed(base)
    got = outcome.get("reply")
    seen = f"{got.status} {got.body[:120]!r}" if got is not None else f"no answer ({outcome['error']!r})"
    report(
        f"faults: worker {victim} killed mid-query; replaced within {replaced_at - outcome['killed_at']:.2f} s "
        f"of the kill; its query process ended with it; its client got {seen}"
    )
    assert server.process.poll() is None


def test_a_worker_killed_again_and_again_is_replaced_each_time_and_the_server_goes_on(start_server, report):
    """granian alone stops the whole server when one worker slot dies twice within about five seconds."""
    base = start_server("--workers", "2", fresh=True)
    server = start_server.servers[base]
    workers = wait_for_workers(server, 2)
    _wait_for_query_processes(workers)
    victim, kills, gaps = min(workers), [], []
    for _ in range(3):  # the same slot each time: its replacement is killed as soon as it serves
        os.kill(victim, signal.SIGKILL)
        kills.append(time.monotonic())
        now, replaced_at = _replaced(server, workers, victim)
        gaps.append(replaced_at - kills[-1])
        (victim,) = now - workers
        workers = now
        _wait_for_query_processes(workers)
        _next_queries_succeed(base)
    assert kills[-1] - kills[0] < 15, "the kills were not quick enough to test a crash loop"
    assert server.process.poll() is None, server.output()[-2000:]
    _next_queries_succeed(base)
    assert server.worker_pids() == workers
    report(
        f"faults: one worker slot killed 3 times in {kills[-1] - kills[0]:.2f} s; replaced after "
        + ", ".join(f"{g:.2f}" for g in gaps)
        + " s; the server went on answering"
    )


def test_data_that_does_not_parse_is_refused_with_file_and_line(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b ex:d ;\n    ex:e "unterminated .\n'
    )
    done = _serve("--data", str(broken))
    assert done.returncode != 0
    assert f"{broken}:4" in done.stderr, done.stderr
    assert "Listening" not in done.stdout + done.stderr


def test_strict_refuses_data_that_fails_the_shapes(tmp_path, start_server):
    from backendkg._paths import ONTOLOGY_DIR

    bad = tmp_path / "nameless.ttl"
    bad.write_text(
        "@prefix bkg: <https://w3id.org/backendkg/ontology#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\n"
        "<https://w3id.org/backendkg/role/nameless> a bkg:Role , skos:Concept .\n"
    )
    tbox = ONTOLOGY_DIR / "backendkg.ttl"
    done = _serve("--data", str(tbox), "--data", str(bad), "--strict")
    assert done.returncode == 1, done.stderr
    assert f"{bad}:4: violation: role:nameless" in done.stderr, done.stderr
    assert "bkgsh:ConceptShape" in done.stderr
    assert "Listening" not in done.stdout + done.stderr
    # Without --strict the same data is served: it is the check that refused it; and data that passes the
    # shapes is served with --strict.
    for args in (("--data", str(tbox), "--data", str(bad)), ("--strict", "--data", str(tbox))):
        base = start_server(*args, fresh=True)
        assert request(base, "GET", "/health").status == 200
        start_server.servers[base].stop()


def test_sigterm_lets_the_requests_in_flight_finish(start_server, local_kg, report):
    base = start_server("--timeout", "60", "--workers", "4", fresh=True)
    server = start_server.servers[base]
    wait_for_workers(server, 4)

    def slow(n: int, tag: str) -> str:
        values = " ".join(str(i) for i in range(n))
        return f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . VALUES ?k {{ {values} }} }} # {tag}"

    # Calibrate: requests that take about a second each on this machine, now.
    probe = request(base, params={"query": slow(100, "probe")}, timeout=60)
    assert probe.status == 200
    n = max(100, min(5000, int(100 * 1.0 / max(probe.seconds, 0.01))))

    replies: dict[int, object] = {}
    answered: list[float] = []

    def ask(i: int) -> None:
        try:
            replies[i] = request(base, params={"query": slow(n, f"in flight {i}")}, timeout=60)
        except Exception as exc:
            replies[i] = exc
        answered.append(time.monotonic())

    clients = [threading.Thread(target=ask, args=(i,)) for i in range(3)]
    for c in clients:
        c.start()
    time.sleep(0.3)  # the requests are in the workers' hands
    sent = time.monotonic()
    os.kill(server.process.pid, signal.SIGTERM)
    for c in clients:
        c.join(60)
    code = server.process.wait(timeout=GRACEFUL_TIMEOUT + 10)
    exited_after = time.monotonic() - sent
    log = server.output()
    statuses = [getattr(r, "status", repr(r)) for r in replies.values()]
    last_answer = max(answered) - sent
    report(
        f"faults: SIGTERM with {len(clients)} requests of ~{probe.seconds * n / 100:.1f} s in flight: answers "
        f"{statuses}, the last {last_answer:.2f} s after the signal; the server exited with {code} "
        f"{exited_after:.2f} s after the signal (graceful timeout {GRACEFUL_TIMEOUT:g} s)"
    )
    for r in replies.values():
        assert not isinstance(r, Exception), r
        assert r.status == 200, r.body[:300]
        assert f'"{len(local_kg) * n}"' in r.body.decode(), r.body[:300]
    assert code == 0
    assert "refused to gracefully stop" not in log, "a worker had to be killed: it did not finish in time"
    assert last_answer <= GRACEFUL_TIMEOUT
    # Then the main process reaps its workers and exits; allow for a busy machine.
    assert exited_after - last_answer <= 3.0


def test_a_second_server_on_a_port_in_use_exits_naming_the_port(start_server):
    """granian's workers bind with SO_REUSEPORT: without the check a second server would take half the port."""
    base = start_server()
    port = urlsplit(base).port
    started = time.monotonic()
    done = _serve_on(port)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"127.0.0.1:{port}" in done.stderr
    assert time.monotonic() - started < 60
    assert request(base, path="/health").status == 200


def _serve_on(port: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backendkg", "serve", "--host", "127.0.0.1", "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
