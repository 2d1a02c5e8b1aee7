"""``backendkg serve``: granian, options, the query deadline, and query process replacement, over real HTTP."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from backendkg.cli.serve import QUERY_PROCESSES
from backendkg.web import create_app
from backendkg.web import state as _app_state

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def get(url: str, query: str, *, accept: str = "application/sparql-results+json", timeout: float = 30):
    request = urllib.request.Request(
        url + "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def test_serves_under_granian(start_server, live_server):
    status, _, body = get(live_server, "ASK { bkg:Role a owl:Class }")
    assert status == 200
    assert json.loads(body)["boolean"] is True
    log = start_server.servers[live_server].output()
    assert "Starting granian" in log and "backendkg serving http://127.0.0.1:" in log


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [pid, *(p for child in children for p in _tree(int(child)))]


def test_overrun_is_503_in_time_others_are_served_and_the_query_process_is_replaced(start_server):
    url = start_server("--timeout", "2", "--workers", "2", fresh=True)
    server = start_server.servers[url]
    deadline = time.monotonic() + 30
    while len(server.worker_pids()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    workers_before = server.worker_pids()
    assert len(workers_before) == 2

    cheap: list[int] = []
    waits: list[float] = []
    stop = threading.Event()

    def cheap_client():
        while not stop.is_set():
            began = time.monotonic()
            cheap.append(get(url, "ASK { bkg:Role a owl:Class }", timeout=10)[0])
            waits.append(time.monotonic() - began)
            time.sleep(0.05)

    thread = threading.Thread(target=cheap_client)
    thread.start()
    try:
        started = time.monotonic()
        status, headers, body = get(url, HEAVY)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(15)
    assert status == 503
    assert elapsed < 2 + 1 + 0.5, elapsed  # the deadline plus one second (and slack for a loaded machine)
    error = json.loads(body)
    assert error["code"] == 503
    assert "2 seconds" in error["description"]
    assert headers["Content-Type"].startswith("application/json")
    assert cheap and set(cheap) == {200}, cheap  # the other worker kept answering meanwhile
    assert max(waits) < 1.5, waits  # ... at once: no new connection waits behind the long query

    # The workers keep serving; the query process that ran the query was killed and replaced, and no
    # process of the server goes on burning CPU.
    assert server.worker_pids() == workers_before
    pids = _tree(server.process.pid)
    assert len(pids) == 1 + 2 * (1 + 1 + QUERY_PROCESSES)  # main, 2 workers, each a zygote and its processes
    before = {pid: cpu_ticks(pid) for pid in pids}
    time.sleep(1.0)
    burnt = sum(cpu_ticks(pid) - before[pid] for pid in pids)
    assert burnt < 50, burnt  # clock ticks (100/s): well under half a core over that second
    assert get(url, "ASK { bkg:Role a owl:Class }")[0] == 200


def test_timeout_from_the_environment(monkeypatch):
    monkeypatch.setenv("BACKENDKG_QUERY_TIMEOUT", "3.5")
    monkeypatch.setenv("BACKENDKG_ROW_LIMIT", "7")
    app = create_app({"TESTING": True})
    engine = _app_state(app).engine
    assert engine.timeout == 3.5
    assert engine.row_limit == 7


def test_long_get_queries_reach_the_application(live_server):
    status, _, _ = get(live_server, "ASK {} #" + "x" * 60_000)
    assert status == 200
    long = "ASK {} #" + "x" * 66_000
    request = urllib.request.Request(
        live_server + "/sparql", data=urllib.parse.urlencode({"query": long}).encode(), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413
    assert json.loads(refused.value.read())["code"] == 413


def test_a_get_url_over_64_kib_is_414(live_server):
    # The HTTP layer reads request targets of up to 64 KiB; longer queries go by POST.
    status, _, _ = get(live_server, "ASK {} #" + "x" * 70_000)
    assert status == 414
    assert get(live_server, "ASK {}")[0] == 200


def test_data_option_serves_any_rdf_syntax(start_server, tmp_path):
    (tmp_path / "a.ttl").write_text("<http://example.org/a> <http://example.org/p> 1 .\n")
    (tmp_path / "b.jsonld").write_text(json.dumps({"@id": "http://example.org/b", "http://example.org/p": 2}))
    (tmp_path / "c.nq").write_text('<http://example.org/c> <http://example.org/p> "3" <http://example.org/g> .\n')
    url = start_server("--data", tmp_path / "a.ttl", "--data", tmp_path / "b.jsonld", "--data", tmp_path / "c.nq")
    status, _, body = get(url, "SELECT ?s WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s")
    assert status == 200
    subjects = [b["s"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert subjects == ["http://example.org/a", "http://example.org/b", "http://example.org/c"]
    status, _, body = get(url, "ASK { GRAPH <http://example.org/g> { ?s ?p ?o } }")
    assert json.loads(body)["boolean"] is True


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from backendkg.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_bad_data_file_exits_2_naming_it(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://example.org/a> <http://example.org/p> .\n")
    result = _cli("serve", "--port", "0", "--data", str(bad))
    assert result.returncode == 2
    assert "bad.ttl" in result.stderr


def test_remote_and_data_exclude_each_other(tmp_path):
    data = tmp_path / "a.ttl"
    data.write_text("")
    result = _cli("serve", "--remote", "http://127.0.0.1:9/sparql", "--data", str(data))
    assert result.returncode == 2
    assert "exclude" in result.stderr


def test_flask_finds_the_app_factory():
    flask = Path(sys.executable).with_name("flask")
    command = [str(flask)] if flask.exists() else [sys.executable, "-m", "flask"]
    result = subprocess.run(
        [*command, "--app", "backendkg.web", "routes"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "FLASK_DEBUG": "0"},
    )
    assert result.returncode == 0, result.stderr
    assert "/sparql" in result.stdout
    assert "/.well-known/void" in result.stdout


@pytest.mark.parametrize("workers", ["0", "x"])
def test_bad_options_are_usage_errors(workers):
    result = _cli("serve", "--workers", workers)
    assert result.returncode == 2


def test_the_supervisor_pauses_for_a_slot_that_dies_again_and_stops_for_one_that_cannot_start(monkeypatch):
    """The policy of :class:`Supervisor`, with granian's own replacement (forking a worker) stubbed out."""
    from granian.server import Server

    serving = importlib.import_module("backendkg.cli.serve")
    replaced: list[int] = []
    monkeypatch.setattr(Server, "_respawn_workers", lambda self, workers, *_: replaced.extend(workers))
    pauses: list[float] = []

    class Worker:
        def __init__(self, age: float) -> None:
            self.birth, self.interrupt_by_parent = time.monotonic() - age, False

    server = serving.granian_server(host="127.0.0.1", port=0, workers=2, timeout=10)
    server._pause = pauses.append
    server.wrks = [Worker(60), Worker(60)]
    server._respawn_workers([0], None, None)  # a first death: replaced at once
    assert replaced == [0] and not pauses
    server.wrks[0] = Worker(60)
    server._respawn_workers([0], None, None)  # the same slot again, soon: after a pause
    assert replaced == [0, 0] and pauses == [serving.RESPAWN_PAUSE]
    assert not server.interrupt_signal and 0 not in server.respawned_wrks
    for _ in range(serving.FAILED_STARTS):  # dying as it starts, again and again: the server stops
        server.wrks[1] = Worker(0.1)
        server._respawn_workers([1], None, None)
    assert server.interrupt_signal and server.interrupt_children == [1]
    assert replaced.count(1) == serving.FAILED_STARTS - 1
