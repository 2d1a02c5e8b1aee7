"""``backendkg serve --remote URL`` over a real ``oxigraph serve`` loaded with the exported dump."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from backendkg.graph.remote import LocalStoreRequired, RemoteError, RemoteGraph, connect

OXIGRAPH = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))
pytestmark = pytest.mark.skipif(OXIGRAPH is None, reason="the oxigraph server (PyPI package oxigraph) is missing")

CLASSES = "SELECT ?c WHERE { ?c a owl:Class } ORDER BY ?c"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """``oxigraph serve`` in memory on a free loopback port, loaded with ``backendkg export --format nquads``."""
    dump = tmp_path_factory.mktemp("remote") / "backendkg.nq"
    subprocess.run(
        [sys.executable, "-c", "from backendkg.cli import main; main()", "export", "--format", "nquads", "-o", dump],
        check=True,
        timeout=120,
    )
    for _ in range(3):
        port = _free_port()
        process = subprocess.Popen(
            [OXIGRAPH, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        if process.poll() is None:
            break
    else:
        pytest.fail("oxigraph serve did not start")
    try:
        request = urllib.request.Request(
            base + "/store", data=dump.read_bytes(), headers={"Content-Type": "application/n-quads"}, method="POST"
        )
        urllib.request.urlopen(request, timeout=60).close()
        yield base + "/query"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def remote_server(start_server, oxigraph_server) -> str:
    return start_server("--remote", oxigraph_server)


def get(base: str, params: dict, accept: str = "application/sparql-results+json"):
    request = urllib.request.Request(base + "/sparql?" + urllib.parse.urlencode(params), headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_remote_answers_like_the_embedded_store(remote_server, live_server):
    for query in [
        CLASSES,
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        "ASK { bkg:Role a owl:Class }",
    ]:
        remote = get(remote_server, {"query": query})
        local = get(live_server, {"query": query})
        assert remote[0] == local[0] == 200
        assert json.loads(remote[2]) == json.loads(local[2])


def test_remote_construct_and_negotiation(remote_server, kg):
    status, headers, body = get(
        remote_server, {"query": "CONSTRUCT WHERE { bkg:Role ?p ?o }"}, accept="application/n-triples"
    )
    assert status == 200
    assert headers["Content-Type"] == "application/n-triples"
    remote = set(ox.parse(body, ox.RdfFormat.N_TRIPLES))
    local = {
        t
        for t in kg.store.query(
            "CONSTRUCT WHERE { <https://w3id.org/backendkg/ontology#Role> ?p ?o }", use_default_graph_as_union=True
        )
    }
    assert {q.triple for q in remote} == local
    status, headers, body = get(remote_server, {"query": CLASSES}, accept="text/csv")
    assert headers["Content-Type"].startswith("text/csv")
    assert "https://w3id.org/backendkg/ontology#Role" in body.decode().splitlines()


def test_remote_keeps_the_guards(remote_server):
    status, _, body = get(remote_server, {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    assert status == 400
    status, _, _ = get(remote_server, {"update": "CLEAR ALL"})
    assert status == 403
    status, _, body = get(remote_server, {"query": "SELECT * WHERE { ?s ?p }"})
    assert status == 400
    assert json.loads(body)["code"] == 400
    # ... and the remote store still holds the graph.
    status, _, body = get(remote_server, {"query": "ASK { bkg:Role a owl:Class }"})
    assert json.loads(body)["boolean"] is True


def test_remote_dataset_parameters(remote_server):
    ontology = "https://w3id.org/backendkg/graph/backendkg"
    params = {"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": ontology}
    status, _, body = get(remote_server, params)
    assert status == 200
    assert [b["g"]["value"] for b in json.loads(body)["results"]["bindings"]] == [ontology]


def test_remote_knowledge_graph_interface(oxigraph_server, kg):
    remote = connect(oxigraph_server)
    assert isinstance(remote, RemoteGraph)
    rows = remote.select("SELECT ?label WHERE { bkg:Role rdfs:label ?label }")
    assert rows == [{"label": ox.Literal("role", language="en")}]
    assert remote.ask("ASK { ?c a owl:Class }") is True
    assert remote.select("SELECT ?c WHERE { ?c rdfs:label ?l }", l=ox.Literal("role", language="en")) == [
        {"c": ox.NamedNode("https://w3id.org/backendkg/ontology#Role")}
    ]
    assert sorted(remote.graphs) == sorted(kg.graphs)
    assert len(remote) == len(kg)
    with pytest.raises(LocalStoreRequired):
        remote.store  # noqa: B018


@pytest.mark.parametrize("path", ["/download/", "/download/backendkg-0.1.0.ttl", "/ontology", "/graph/backendkg"])
def test_what_needs_the_embedded_store_is_a_clear_501_in_remote_mode(remote_server, path):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(urllib.request.Request(remote_server + path, headers={"Accept": "application/json"}))
    assert info.value.code == 501
    body = json.loads(info.value.read())
    assert body["code"] == 501 and "--remote" in body["description"]
    # ... and the server keeps answering
    with urllib.request.urlopen(remote_server + "/health") as ok:
        assert ok.status == 200


def test_connect_refuses_what_does_not_answer():
    with pytest.raises(RemoteError):
        connect(f"http://127.0.0.1:{_free_port()}/sparql", timeout=2)
    with pytest.raises(RemoteError):
        connect("ftp://example.org/sparql")
