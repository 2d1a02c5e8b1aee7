"""Runaway queries: while four clients send queries that would never finish, eight clients ask cheap ones.

Every runaway gets its 503 within the deadline plus one second (or a 507 sooner, for one that passes the memory
a query may use), the cheap queries keep being answered
quickly, and once the runaways stop, the server's processes (granian's main process, its workers, their
zygotes and query processes, and any thread they started) fall back to idle within two seconds: no
computation is left behind.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from ._http import percentile, request, tree_cpu_seconds, wait_for_idle

pytestmark = pytest.mark.reliability

TIMEOUT = 2.0  # the server's query deadline (serve --timeout)
BASELINE = 5.0  # seconds of cheap queries alone, to know what this machine gives right now
PHASE = 12.0  # seconds during which runaways and cheap queries run side by side
RUNAWAY_CLIENTS = 4
CHEAP_CLIENTS = 8
# A query process killed at a runaway's deadline is replaced by its worker's zygote at once; the workers
# together have three times as many query processes as there are runaway clients, so that a cheap query
# seen for the first time finds a free one even where the connections of the runaways happen to cluster.
WORKERS = 3
# The cheap queries' p99 while the runaways keep both cores busy must stay under 100 ms. On a machine that
# other work already keeps busy (the cheap queries alone have a p99 over half of that), the bound becomes
# twice the p99 the same clients get without runaways, measured just before: the runaways may not make the
# endpoint more than twice as slow as the machine already is. Both figures are printed.
CHEAP_P99_LIMIT = 0.100
IDLE_WITHIN = 2.0
#: How a runaway is stopped: at its deadline (503), or at the memory a query may use (507).
STOPPED = (503, 507)

RUNAWAYS = (
    # a cartesian product over the whole store (5 000^3 solutions to count)
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    # unbounded property paths over every predicate, twice, joined
    "SELECT (COUNT(*) AS ?n) WHERE { ?a (<urn:x:p>|!<urn:x:p>)* ?b . ?c (<urn:x:p>|!<urn:x:p>)* ?d }",
    # a huge ORDER BY over a cross product
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c DESC(?f) LIMIT 1",
    # ORDER BY over an unbounded path
    "SELECT ?a ?b WHERE { ?a (<urn:x:p>|!<urn:x:p>)* ?b } ORDER BY DESC(?b) ?a LIMIT 5",
)
CHEAP = (
    "ASK { ?s a skos:Concept }",
    "SELECT ?label WHERE { role:backend-developer skos:prefLabel ?label }",
    "SELECT ?s WHERE { ?s a bkg:Role } ORDER BY ?s LIMIT 10",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s skos:inScheme ?scheme }",
    "SELECT ?skill WHERE { ?role bkg:requiresSkill ?skill } LIMIT 20",
)


class _Clients:
    """Client threads and what they saw."""

    def __init__(self, base: str):
        self.base = base
        self.lock = threading.Lock()
        self.runaway_seconds: list[float] = []
        #: Those of the runaways stopped at the deadline (503), not sooner at the memory limit (507).
        self.deadline_seconds: list[float] = []
        self.cheap_seconds: list[float] = []
        self.problems: list[str] = []
        self.last_runaway_end = 0.0

    def runaway(self, index: int, stop_at: float) -> None:
        k = index
        while time.monotonic() < stop_at:
            text = RUNAWAYS[k % len(RUNAWAYS)]
            k += 1
            try:
                reply = request(self.base, params={"query": text}, timeout=TIMEOUT + 10)
            except Exception as exc:
                with self.lock:
                    self.problems.append(f"runaway {text}: {exc!r}")
                continue
            problem = None
            # Stopped at the deadline (503), or earlier at the memory a query may use (507: the sorts).
            if reply.status not in STOPPED or not (reply.header("content-type") or "").startswith("application/json"):
                problem = f"runaway {text}: {reply.status} {reply.body[:200]!r}"
            else:
                error = json.loads(reply.body)
                if error.get("code") != reply.status or not error.get("description"):
                    problem = f"runaway {text}: not the error shape: {error}"
            with self.lock:
                self.last_runaway_end = max(self.last_runaway_end, time.monotonic())
                self.runaway_seconds.append(reply.seconds)
                if reply.status == 503:
                    self.deadline_seconds.append(reply.seconds)
                if problem:
                    self.problems.append(problem)

    def cheap(self, index: int, stop_at: float, into: list[float]) -> None:
        k = index
        while time.monotonic() < stop_at:
            text = CHEAP[k % len(CHEAP)]
            k += 1
            try:
                reply = request(self.base, params={"query": text}, timeout=10)
            except Exception as exc:
                with self.lock:
                    self.problems.append(f"cheap {text}: {exc!r}")
                continue
            with self.lock:
                into.append(reply.seconds)
                if reply.status != 200:
                    self.problems.append(f"cheap {text}: {reply.status} {reply.body[:200]!r}")
            time.sleep(0.01)


def _run(threads: list[threading.Thread], limit: float) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(limit)
    assert not any(t.is_alive() for t in threads), "a client hung"


def test_runaways_get_503_in_time_cheap_queries_stay_fast_and_cpu_is_freed(start_server, report):
    base = start_server("--timeout", str(TIMEOUT), "--workers", str(WORKERS), fresh=True)
    master = start_server.servers[base].process.pid
    clients = _Clients(base)

    baseline: list[float] = []
    stop_at = time.monotonic() + BASELINE
    _run([threading.Thread(target=clients.cheap, args=(i, stop_at, baseline)) for i in range(CHEAP_CLIENTS)], 60)

    stop_at = time.monotonic() + PHASE
    threads = [threading.Thread(target=clients.runaway, args=(i, stop_at)) for i in range(RUNAWAY_CLIENTS)]
    threads += [
        threading.Thread(target=clients.cheap, args=(i, stop_at, clients.cheap_seconds)) for i in range(CHEAP_CLIENTS)
    ]
    _run(threads, PHASE + TIMEOUT + 30)
    joined = time.monotonic()
    idle_after = (joined - clients.last_runaway_end) + wait_for_idle(master)
    busy = tree_cpu_seconds(master)

    runaway = clients.runaway_seconds
    cheap_p99, baseline_p99 = percentile(clients.cheap_seconds, 99), percentile(baseline, 99)
    limit = CHEAP_P99_LIMIT if baseline_p99 <= CHEAP_P99_LIMIT / 2 else 2 * baseline_p99
    report(
        f"runaway: {len(runaway)} runaway queries got 503 after {min(runaway, default=0):.2f}-"
        f"{max(runaway, default=0):.2f} s (deadline {TIMEOUT:g} s, limit {TIMEOUT + 1:g} s); "
        f"{len(clients.cheap_seconds)} cheap queries alongside: p50 {percentile(clients.cheap_seconds, 50) * 1000:.1f}"
        f" ms, p99 {cheap_p99 * 1000:.1f} ms (alone just before: p99 {baseline_p99 * 1000:.1f} ms; "
        f"bound {limit * 1000:.0f} ms); server processes idle {idle_after:.2f} s after the last runaway ended "
        f"(limit {IDLE_WITHIN:g} s); {busy:.1f} CPU-s used by the server in all"
    )
    assert not clients.problems, clients.problems[:5]
    assert len(runaway) >= RUNAWAY_CLIENTS * int(PHASE // (TIMEOUT + 1))
    assert max(runaway) <= TIMEOUT + 1.0
    assert min(clients.deadline_seconds) >= TIMEOUT - 0.05, "a runaway got 503 before its deadline?"
    assert len(clients.cheap_seconds) >= CHEAP_CLIENTS * 20
    assert cheap_p99 <= limit, f"cheap queries' p99 {cheap_p99 * 1000:.0f} ms"
    assert idle_after <= IDLE_WITHIN
