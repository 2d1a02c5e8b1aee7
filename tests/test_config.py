"""Every limit a deployer can set takes effect, by ``BACKENDKG_*`` environment variable and by ``serve`` option."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from backendkg import __version__
from backendkg.web import create_app
from backendkg.web import state as _app_state

ALL = "SELECT * WHERE { ?s ?p ?o }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _request(*args, **kwargs):
    from reliability._http import request

    return request(*args, **kwargs)


def _rows(body: bytes) -> int:
    return len(json.loads(body)["results"]["bindings"])


# -- defaults and environment, in-process


def test_defaults(app):
    engine = _app_state(app).engine
    assert (engine.timeout, engine.row_limit, engine.max_query_bytes) == (10.0, 10_000, 64 * 1024)
    assert app.config["RATE_LIMIT"] is None
    assert app.config["ACCESS_LOG"] is False


def test_limits_from_environment(monkeypatch):
    monkeypatch.setenv("BACKENDKG_QUERY_TIMEOUT", "2.5")
    monkeypatch.setenv("BACKENDKG_ROW_LIMIT", "7")
    monkeypatch.setenv("BACKENDKG_MAX_QUERY_BYTES", "200")
    app = create_app({"TESTING": True})
    engine = _app_state(app).engine
    assert (engine.timeout, engine.row_limit, engine.max_query_bytes) == (2.5, 7, 200)


def test_the_argument_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("BACKENDKG_ROW_LIMIT", "7")
    assert _app_state(create_app({"TESTING": True, "ROW_LIMIT": 9})).engine.row_limit == 9


def test_row_limit_from_environment_cuts_answers_and_says_so(monkeypatch):
    monkeypatch.setenv("BACKENDKG_ROW_LIMIT", "7")
    client = create_app({"TESTING": True}).test_client()
    response = client.get("/sparql", query_string={"query": ALL})
    assert response.status_code == 200
    assert _rows(response.data) == 7
    assert response.headers["X-Result-Truncated"] == "true"
    assert response.headers["X-Result-Limit"] == "7"
    small = client.get("/sparql", query_string={"query": ALL + " LIMIT 7"})
    assert "X-Result-Truncated" not in small.headers and _rows(small.data) == 7


def test_max_query_bytes_from_environment(monkeypatch):
    monkeypatch.setenv("BACKENDKG_MAX_QUERY_BYTES", "200")
    client = create_app({"TESTING": True}).test_client()
    fits = ALL + " LIMIT 1 #" + "x" * (200 - len(ALL) - len(" LIMIT 1 #"))
    assert len(fits.encode()) == 200
    assert client.get("/sparql", query_string={"query": fits}).status_code == 200
    too_long = fits + "x"
    response = client.post("/sparql", data=too_long, content_type="application/sparql-query")
    assert response.status_code == 413
    assert "at most 200" in json.loads(response.data)["description"]


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == __version__
    assert body["triples"] > 1000
    head = client.head("/health")
    assert head.status_code == 200 and head.data == b""


# -- serve options and environment, over HTTP


def test_serve_timeout_option(start_server):
    base = start_server("--timeout", "1", fresh=True)
    reply = _request(base, params={"query": RUNAWAY}, timeout=30)
    assert reply.status == 503
    assert "within 1 seconds" in json.loads(reply.body)["description"]
    assert 1.0 <= reply.seconds <= 2.0 + 1.0  # the deadline, plus one second, plus scheduling on a busy machine
    start_server.servers[base].stop()


def test_timeout_from_environment_under_serve(start_server, monkeypatch):
    monkeypatch.setenv("BACKENDKG_QUERY_TIMEOUT", "1")
    base = start_server("--workers", "1", fresh=True)
    reply = _request(base, params={"query": RUNAWAY}, timeout=30)
    assert reply.status == 503
    assert "within 1 seconds" in json.loads(reply.body)["description"]
    start_server.servers[base].stop()


def test_serve_row_limit_option(start_server):
    base = start_server("--row-limit", "5", fresh=True)
    reply = _request(base, params={"query": ALL})
    assert reply.status == 200
    assert _rows(reply.body) == 5
    assert reply.header("x-result-truncated") == "true" and reply.header("x-result-limit") == "5"
    start_server.servers[base].stop()


def test_serve_max_query_bytes_option(start_server):
    base = start_server("--max-query-bytes", "100", fresh=True)
    assert _request(base, params={"query": "ASK {}"}).status == 200
    reply = _request(base, params={"query": "ASK {} #" + "x" * 100})
    assert reply.status == 413
    assert "at most 100" in json.loads(reply.body)["description"]
    start_server.servers[base].stop()


def test_serve_query_memory_option_replaces_query_processes_that_grew(start_server):
    import psutil

    from backendkg.cli.serve import QUERY_PROCESSES

    def query_processes() -> set[int]:
        main = psutil.Process(start_server.servers[base].process.pid)
        return {p.pid for worker in main.children() for zygote in worker.children() for p in zygote.children()}

    # One MiB: every query process has more memory of its own than that once it has answered a query.
    base = start_server("--workers", "1", "--query-memory", "1", fresh=True)
    before = query_processes()
    assert len(before) == QUERY_PROCESSES
    # A query of some work (past CHECK_CPU of CPU), then one more: the process that answered it measured its
    # memory, found it over the MiB and left; a fresh one took its place.
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?a WHERE { ?a ?b ?c } LIMIT 1000 } ?d ?e ?f }"
    assert _request(base, params={"query": heavy}, timeout=30).status == 200
    assert _request(base, params={"query": "ASK { ?s a ?o }"}).status == 200
    after = query_processes()
    assert len(after) == QUERY_PROCESSES and len(before - after) >= 1
    start_server.servers[base].stop()


def test_serve_workers_option(start_server):
    from reliability._http import wait_for_workers

    base = start_server("--workers", "3", fresh=True)
    assert len(wait_for_workers(start_server.servers[base], 3)) == 3
    start_server.servers[base].stop()


def test_workers_from_environment(monkeypatch):
    monkeypatch.setenv("BACKENDKG_WORKERS", "3")
    process = subprocess.Popen(
        [sys.executable, "-m", "backendkg", "serve", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line or re.search(r"backendkg serving http://", line):
                break
        children: set[int] = set()
        while time.monotonic() < deadline and len(children) < 3:
            time.sleep(0.05)
            children = _children(process.pid)
        time.sleep(0.3)
        assert len(_children(process.pid)) == 3
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()


def _children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return {int(p) for p in f.read().split()}


@pytest.mark.parametrize(
    ("option", "value"),
    [("--timeout", "0"), ("--row-limit", "0"), ("--max-query-bytes", "-5"), ("--workers", "0")],
)
def test_serve_refuses_nonsense_limits(option, value):
    done = subprocess.run(
        [sys.executable, "-m", "backendkg", "serve", "--port", "0", option, value],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert option in done.stderr
