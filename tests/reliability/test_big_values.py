"""Big values under ``backendkg serve`` on its defaults: a row holding a string of hundreds of megabytes built
with CONCAT, and a 32 MiB value asked for in every result format, over real HTTP.

The first is stopped at the memory a query may use (1 GiB), in its query process, within the deadline, and the
worker that holds the connection never holds the value; the second is a 507 that names the writer's limit in
JSON, XML and CSV (pyoxigraph's writers take values up to 16 MiB) and comes whole as TSV. Neither is a 500,
and the server answers the next query."""

from __future__ import annotations

import json
import threading
import time

import psutil
import pytest

from ._http import request

pytestmark = pytest.mark.reliability


def _doubled(times: int, seed: str) -> str:
    binds = [f'BIND("{seed}" AS ?v0)'] + [f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(times)]
    return f"SELECT ?v{times} WHERE {{ {' '.join(binds)} }}"


HUGE = _doubled(26, "0123456789")  # 10 x 2^26 characters: a 671 MB value
BIG = _doubled(25, "x")  # 32 MiB


def _rss(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total = max(total, psutil.Process(pid).memory_info().rss)
        except psutil.Error:
            continue
    return total


def test_a_row_holding_a_string_of_hundreds_of_megabytes_is_stopped_in_time(start_server, report):
    base = start_server()
    server = start_server.servers[base]
    workers = server.worker_pids()
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss(workers))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        replies = [
            request(base, params={"query": HUGE + f" # {accept}"}, headers={"Accept": accept}, timeout=60)
            for accept in ("application/sparql-results+json", "text/tab-separated-values")
        ]
    finally:
        done.set()
        watcher.join()
    for reply in replies:
        assert reply.status == 507, reply.body[:300]
        error = json.loads(reply.body)
        assert error["code"] == 507 and "1024 MiB" in error["description"], error
        assert reply.seconds < 10 + 1, f"answered after {reply.seconds:.2f} s, past the 10 s deadline"
    assert peak[0] < 512 << 20, f"a worker reached {peak[0] >> 20} MiB: it held the value"
    assert request(base, params={"query": "ASK { ?s a ?o }"}).status == 200
    report(
        "big values: a 671 MB CONCAT value stopped with 507 naming the 1024 MiB limit after "
        + " and ".join(f"{r.seconds:.2f} s" for r in replies)
        + f" (JSON, TSV); workers' peak RSS {peak[0] >> 20} MiB"
    )


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"])
def test_a_32_mib_value_is_a_507_naming_the_writer_limit_over_http(start_server, accept):
    base = start_server()
    reply = request(base, params={"query": BIG}, headers={"Accept": accept}, timeout=60)
    assert reply.status == 507, reply.body[:300]
    assert "text/tab-separated-values" in json.loads(reply.body)["description"]
    assert request(base, params={"query": "ASK {}"}).status == 200


def test_a_32_mib_value_comes_whole_as_tsv_over_http(start_server):
    base = start_server()
    reply = request(base, params={"query": BIG}, headers={"Accept": "text/tab-separated-values"}, timeout=60)
    assert reply.status == 200 and len(reply.body) > 32 << 20
