"""Admission: a flood of runaway queries does not queue without bound, and what evaluates no user query
never waits behind queries.

32 clients each send a runaway query at once to ``backendkg serve --timeout 3`` (defaults otherwise: two
workers here, four query processes each). Each query is answered within 5 seconds: the ones that found a
query process get their 503 at the deadline, the others a 503 at once that says the server is busy (with
``Retry-After``), never that a query process stopped. Meanwhile ``/health`` answers within a second."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ._http import request

pytestmark = pytest.mark.reliability

TIMEOUT = 3.0
CLIENTS = 32
ANSWERED_WITHIN = 5.0
HEALTH_WITHIN = 1.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_a_flood_of_runaways_is_answered_in_time_and_health_never_waits(start_server, report):
    base = start_server("--timeout", str(TIMEOUT), fresh=True)
    answers: list[tuple[float, int, dict, str | None]] = []
    health: list[float] = []
    stop = threading.Event()

    def runaway(i: int) -> None:
        started = time.monotonic()
        reply = request(base, "GET", "/sparql", params={"query": f"{RUNAWAY} # {i}"}, timeout=30)
        answers.append((time.monotonic() - started, reply.status, json.loads(reply.body), reply.header("retry-after")))

    def probe() -> None:
        while not stop.is_set():
            reply = request(base, "GET", "/health", timeout=30)
            assert reply.status == 200
            health.append(reply.seconds)
            time.sleep(0.05)

    prober = threading.Thread(target=probe)
    prober.start()
    clients = [threading.Thread(target=runaway, args=(i,)) for i in range(CLIENTS)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(60)
    stop.set()
    prober.join(10)

    assert len(answers) == CLIENTS
    busy = [a for a in answers if "busy" in a[2]["description"]]
    deadline = [a for a in answers if "did not finish" in a[2]["description"]]
    assert len(busy) + len(deadline) == CLIENTS, [a[2]["description"] for a in answers]
    assert all(status == 503 for _, status, _, _ in answers)
    assert all(retry == "1" for _, _, _, retry in busy)
    assert not [a for a in answers if "stopped before" in a[2]["description"]]
    slowest = max(seconds for seconds, *_ in answers)
    assert slowest < ANSWERED_WITHIN
    assert health and max(health) < HEALTH_WITHIN
    report(
        f"admission: {CLIENTS} runaways at once (deadline {TIMEOUT:g} s): {len(deadline)} stopped at the deadline, "
        f"{len(busy)} refused as busy at once; slowest answer {slowest:.2f} s; /health max {max(health):.3f} s "
        f"over {len(health)} probes"
    )
