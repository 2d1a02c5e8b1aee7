"""Outbound: no query, update or protocol parameter makes the server open a connection or read a file.

Witnesses: a loopback listener counting accepted connections, and an inotify watch on a sentinel file that
sees every open or read by any process. (An atime check would not do: with ``relatime`` or ``noatime``
mounts, and on tmpfs or overlay file systems, atime need not change when a file is read.) Both witnesses
are shown to work at the end of the test, so that zero really means zero.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from ._http import request
from ._watch import FileWatch, Listener

pytestmark = pytest.mark.reliability

_SPO = "{{ ?s ?p ?o }}"

QUERIES = (
    # SERVICE in all its forms
    "SELECT * WHERE {{ SERVICE <{url}/sparql> " + _SPO + " }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> " + _SPO + " }}",
    "select * where {{ service silent <{url}/sparql> " + _SPO + " }}",
    "SELECT * WHERE {{ SeRvIcE <{url}/sparql> " + _SPO + " }}",
    "SELECT * WHERE {{ SERVICE <{file}> " + _SPO + " }}",
    "SELECT * WHERE {{ VALUES ?svc {{ <{url}/a> <{file}> }} SERVICE ?svc " + _SPO + " }}",
    "SELECT * WHERE {{ BIND(<{url}/b> AS ?svc) SERVICE SILENT ?svc " + _SPO + " }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}/sub> " + _SPO + " }} }} }}",
    "SELECT * WHERE {{ ?x a ?y OPTIONAL {{ SERVICE <{url}/opt> " + _SPO + " }} }} LIMIT 1",
    "SELECT * WHERE {{ {{ ?x a ?y }} UNION {{ SERVICE <{url}/union> " + _SPO + " }} }} LIMIT 1",
    "SELECT * WHERE {{ ?x a ?y MINUS {{ SERVICE <{url}/minus> " + _SPO + " }} }} LIMIT 1",
    "SELECT * WHERE {{ ?x a ?y FILTER EXISTS {{ SERVICE <{url}/exists> " + _SPO + " }} }} LIMIT 1",
    "ASK {{ SERVICE <{url}/ask> " + _SPO + " }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}/construct> " + _SPO + " }}",
    "DESCRIBE ?s WHERE {{ SERVICE <{url}/describe> {{ ?s ?p ?o }} }}",
    "PREFIX remote: <{url}/> SELECT * WHERE {{ SERVICE remote:sparql " + _SPO + " }}",
    "BASE <{url}/> SELECT * WHERE {{ SERVICE <relative> " + _SPO + " }}",
    # keyword and IRI escapes (SPARQL processes \\u escapes before parsing)
    "SELECT * WHERE {{ SERV\\u0049CE <{url}/escaped> " + _SPO + " }}",
    "SELECT * WHERE {{ SERVICE <{escaped_url}/escaped-iri> " + _SPO + " }}",
    "SELECT * WHERE {{ # a comment\n SERVICE\n<{url}/newlines>\n" + _SPO + " }}",
    "SELECT * WHERE {{ SERVICE# a comment between\n<{url}/comment> " + _SPO + " }}",
    "SELECT * WHERE {{ SERVICE<{url}/no-space>" + _SPO + "}}",
    "SELECT * WHERE {{ \\u0073ervice <{url}/escaped-lower> " + _SPO + " }}",
    "SELECT * WHERE {{ SERVICE \\U0000003C{url}/escaped-bracket> " + _SPO + " }}",
    # datasets named by remote and file IRIs
    "SELECT * FROM <{url}/from> WHERE " + _SPO + " LIMIT 1",
    "SELECT * FROM NAMED <{url}/named> WHERE {{ GRAPH ?g " + _SPO + " }} LIMIT 1",
    "SELECT * FROM <{file}> WHERE " + _SPO + " LIMIT 1",
    "SELECT * FROM NAMED <{file}> WHERE {{ GRAPH ?g " + _SPO + " }} LIMIT 1",
    "SELECT * WHERE {{ GRAPH <{url}/graph> " + _SPO + " }}",
    "DESCRIBE <{url}/thing> <{file}>",
    # updates sent as queries
    "LOAD <{url}/data.ttl>",
    "LOAD SILENT <{file}> INTO GRAPH <urn:x:g>",
    "load <{url}/data.ttl> ; INSERT DATA {{ <urn:x:a> <urn:x:b> <urn:x:c> }}",
)
UPDATES = (
    "LOAD <{url}/data.ttl>",
    "LOAD SILENT <{url}/data.ttl> INTO GRAPH <urn:x:g>",
    "LOAD <{file}>",
    "CREATE GRAPH <urn:x:g> ; LOAD <{url}/more.ttl> INTO GRAPH <urn:x:g>",
)


def _requests(base: str, url: str, file: str):
    escaped_url = url.replace("127.0.0.1", "127.0.0.\\u0031")
    values = {"url": url, "file": file, "escaped_url": escaped_url}
    for template in QUERIES:
        text = template.format(**values)
        yield "GET", "/sparql?" + urlencode({"query": text}), None, {}
        yield (
            "POST",
            "/sparql",
            urlencode({"query": text}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        yield "POST", "/sparql", text.encode(), {"Content-Type": "application/sparql-query"}
    for template in UPDATES:
        text = template.format(**values)
        yield (
            "POST",
            "/sparql",
            urlencode({"update": text}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        yield "POST", "/sparql", text.encode(), {"Content-Type": "application/sparql-update"}
        yield "GET", "/sparql?" + urlencode({"update": text}), None, {}
    # protocol dataset parameters naming remote and file IRIs
    for name in ("default-graph-uri", "named-graph-uri"):
        for iri in (url + "/dataset", file):
            params = urlencode([("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"), (name, iri)])
            yield "GET", "/sparql?" + params, None, {}
            params = urlencode([("query", "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1"), (name, iri)])
            yield "GET", "/sparql?" + params, None, {}


def test_nothing_makes_the_server_connect_out_or_read_a_file(live_server, tmp_path, report):
    sentinel = tmp_path / "sentinel.ttl"
    sentinel.write_text("<urn:x:s> <urn:x:p> <urn:x:o> .\n")
    listener = Listener()
    watch = FileWatch(sentinel)
    try:
        statuses: dict[int, int] = {}
        sent = 0
        for method, target, body, headers in _requests(live_server, listener.url, sentinel.as_uri()):
            reply = request(live_server, method, target, body=body, headers=headers, timeout=30)
            sent += 1
            statuses[reply.status] = statuses.get(reply.status, 0) + 1
            assert reply.status < 500, (method, target, body, reply.status, reply.body[:300])
            assert reply.status in (200, 400, 403), (method, target, body, reply.status, reply.body[:300])
        time.sleep(0.5)  # a connection attempt made in the background would arrive by now
        connections, file_events = listener.accepted, watch.events()
        report(
            f"outbound: {sent} requests {dict(sorted(statuses.items()))}; {connections} connections, "
            f"{len(file_events)} file opens/reads"
        )
        assert connections == 0
        assert file_events == []

        # The witnesses work: a connection and a read are seen.
        with open(sentinel, "rb") as f:
            f.read()
        _connect(listener)
        time.sleep(0.3)
        assert listener.accepted == 1
        assert watch.events(), "the file watch saw nothing"
    finally:
        watch.close()
        listener.close()


def _connect(listener: Listener) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", listener.port), timeout=2):
        pass
