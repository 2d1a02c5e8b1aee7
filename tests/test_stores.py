"""The harness of tests/_stores.py: Oxigraph server and Virtuoso start, hold the shipped graph, and stop cleanly."""

from __future__ import annotations

import json
import os
import socket

import pyoxigraph as ox
import pytest

import _stores
from _stores import GRAPH_PREFIX, OxigraphServer, VirtuosoServer, dataset, export_nquads

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
STORES = {"oxigraph": OxigraphServer, "virtuoso": VirtuosoServer}


@pytest.fixture(scope="module")
def dump(tmp_path_factory):
    return export_nquads(tmp_path_factory.mktemp("stores") / "backendkg.nq")


@pytest.fixture(scope="module", params=sorted(STORES))
def store(request, dump):
    with STORES[request.param](dump) as server:
        yield server


def embedded_counts(kg) -> dict[str, int]:
    return {g.value: len(list(kg.store.quads_for_pattern(None, None, None, g))) for g in kg.store.named_graphs()}


def test_every_graph_arrives_with_its_quads(store, kg):
    expected = embedded_counts(kg)
    counts = store.graph_counts()
    assert {g: n for g, n in counts.items() if g.startswith(GRAPH_PREFIX)} == expected
    assert store.backendkg_graphs() == sorted(expected)


def test_the_dataset_parameters_give_the_union_of_backendkg_graphs(store, kg):
    params = dataset(store.backendkg_graphs())
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", params=params)
    union = len({q.triple for q in kg.store})
    assert int(rows[0]["n"].value) == union
    query = f"SELECT ?label WHERE {{ <https://w3id.org/backendkg/ontology#Role> <{RDFS_LABEL}> ?label }}"
    rows = store.select(query, params=params)
    assert rows == [{"label": ox.Literal("role", language="en")}]


def test_ask_answers(store):
    status, _, body = store.request("ASK {}")
    assert status == 200
    assert json.loads(body)["boolean"] is True


def listening(port: int) -> set[str]:
    """The local addresses (hex, as in /proc/net/tcp*) of the sockets listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                address, hex_port = fields[1].split(":")
                if fields[3] == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


def test_only_loopback_is_listened_on(store):
    ports = [int(store.query_url.split(":")[2].split("/")[0])]
    if isinstance(store, VirtuosoServer):
        ports.append(store.sql_port)
    for port in ports:
        assert listening(port) == {"0100007F"}, port


@pytest.mark.parametrize("kind", sorted(STORES))
def test_stop_leaves_nothing_behind(kind, dump):
    server = STORES[kind](dump).start()
    pid, url = server.pid, server.query_url
    scratch = getattr(server, "dir", None)
    port = int(url.split(":")[2].split("/")[0])
    assert pid is not None
    server.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with socket.socket() as sock, pytest.raises(OSError):
        sock.settimeout(2)
        sock.connect(("127.0.0.1", port))
    if scratch is not None:
        assert not scratch.exists()
    server.stop()  # stopping twice is harmless


def test_a_missing_program_skips(monkeypatch, tmp_path):
    monkeypatch.setattr(_stores, "oxigraph_program", lambda: None)
    monkeypatch.setattr(_stores, "virtuoso_programs", lambda: (None, "/usr/bin/isql-vt"))
    with pytest.raises(pytest.skip.Exception, match="oxigraph"):
        OxigraphServer(tmp_path / "none.nq").start()
    with pytest.raises(pytest.skip.Exception, match="virtuoso-t"):
        VirtuosoServer(tmp_path / "none.nq").start()
    monkeypatch.setattr(_stores, "virtuoso_programs", lambda: ("/usr/bin/virtuoso-t", None))
    with pytest.raises(pytest.skip.Exception, match="isql-vt"):
        VirtuosoServer(tmp_path / "none.nq").start()
