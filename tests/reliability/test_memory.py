"""Memory bombs: queries that would take gigabytes (a sort of a cross product) are stopped at the memory a
query may use, with an error that names the limit, while the server as a whole stays bounded and keeps
answering.

Four clients send the bomb at once to ``backendkg serve`` on its default memory limit (1 GiB per query), with a
deadline long enough (60 s) that on a machine busy with other work the memory limit, not the deadline, is what
stops them. The proportional set size (PSS) of the whole server tree is sampled every 50 ms meanwhile."""

from __future__ import annotations

import json
import threading
import time

import psutil
import pytest

from ._http import request

pytestmark = pytest.mark.reliability

BOMB = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
CLIENTS = 4
TREE_PSS_LIMIT = 5 << 30


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return 0
    return 0


def _tree_pss(pid: int) -> int:
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    return sum(_pss(p.pid) for p in members)


def test_memory_bombs_are_stopped_at_the_limit_and_the_server_stays_bounded(start_server, report):
    base = start_server("--timeout", "60", fresh=True)
    server = start_server.servers[base]
    answers: list[tuple[float, int, dict]] = []
    peak = [0]
    stop = threading.Event()

    def bomb(i: int) -> None:
        started = time.monotonic()
        reply = request(base, "GET", "/sparql", params={"query": f"{BOMB} # {i}"}, timeout=90)
        answers.append((time.monotonic() - started, reply.status, json.loads(reply.body)))

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_pss(server.process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    clients = [threading.Thread(target=bomb, args=(i,)) for i in range(CLIENTS)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(90)
    stop.set()
    sampler.join(10)

    assert len(answers) == CLIENTS
    for _, status, error in answers:
        assert status == 507, error
        assert "1024 MiB" in error["description"] and "--query-memory-limit" in error["description"]
    assert peak[0] < TREE_PSS_LIMIT
    cheap = request(base, "GET", "/sparql", params={"query": "ASK { ?s a bkg:Role }"})
    assert cheap.status == 200 and json.loads(cheap.body)["boolean"] is True
    assert request(base, "GET", "/health").status == 200
    slowest = max(seconds for seconds, *_ in answers)
    report(
        f"memory: {CLIENTS} bombs at once, each stopped with 507 naming the 1024 MiB limit, the slowest after "
        f"{slowest:.2f} s; server tree peak PSS {peak[0] / 2**30:.2f} GiB (bound {TREE_PSS_LIMIT >> 30} GiB)"
    )
