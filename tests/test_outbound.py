"""No outbound requests, ever: a loopback listener must see no connection, whatever the query asks for."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest


@pytest.fixture()
def listener():
    """A TCP listener on a free loopback port that records every connection made to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    connections: list[tuple] = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, addr = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connections.append(addr)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", connections
    stop.set()
    thread.join(5)
    sock.close()


def send(base: str, *, method: str = "GET", params: dict | None = None, body: bytes | None = None, ctype=None):
    url = base + "/sparql"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    headers = {"Accept": "application/sparql-results+json, text/turtle"}
    if ctype:
        headers["Content-Type"] = ctype
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_no_query_reaches_out(live_server, listener):
    target, connections = listener
    refused = [
        f"SELECT * WHERE {{ SERVICE <{target}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{target}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{target}/sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"PREFIX x: <{target}/> SELECT * WHERE {{ sErViCe x:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{target}/sparql> {{ ?s ?p ?o }} }}",
        f"ASK {{ FILTER NOT EXISTS {{ SERVICE <{target}/> {{ ?s ?p ?o }} }} }}",
    ]
    for query in refused:
        status, body = send(live_server, params={"query": query})
        assert status == 400, (query, body)
        assert "SERVICE" in json.loads(body)["description"]
    updates = [
        ({"params": {"update": f"LOAD <{target}/data.ttl>"}}),
        ({"method": "POST", "body": f"LOAD <{target}/data.ttl>".encode(), "ctype": "application/sparql-update"}),
        (
            {
                "method": "POST",
                "body": urllib.parse.urlencode({"update": f"LOAD <{target}/x>"}).encode(),
                "ctype": "application/x-www-form-urlencoded",
            }
        ),
        ({"params": {"query": f"LOAD SILENT <{target}/data.ttl>"}}),
    ]
    for kwargs in updates:
        status, _ = send(live_server, **kwargs)
        assert status == 403, kwargs
    answered = [
        f"SELECT * FROM <{target}/data.ttl> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{target}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        f"DESCRIBE <{target}/resource>",
        f"SELECT * WHERE {{ GRAPH <{target}/g> {{ ?s ?p ?o }} }}",
    ]
    for query in answered:
        status, body = send(live_server, params={"query": query}, method="GET")
        assert status == 200, (query, body)
        assert b"root:" not in body
        if body.startswith(b"{"):
            assert json.loads(body)["results"]["bindings"] == []
    status, body = send(live_server, params={"query": "ASK {}", "default-graph-uri": f"{target}/data.ttl"})
    assert status == 200
    time.sleep(1.0)
    assert connections == []
