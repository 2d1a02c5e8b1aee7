"""Slow clients: 16 connections announce a 100 kB body for ``POST /sparql``, send three bytes and stall. The
server keeps answering cheap queries and ``/health`` (every answer within 2 s, none failing); a POST that
finds every body reader busy is told so at once (503 with ``Retry-After``); once the stalled clients leave,
POSTs are answered again; a body announced over the cap is refused before it is read."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import pytest

from ._http import percentile, request

pytestmark = pytest.mark.reliability

STALLED = 16
P99_LIMIT = 2.0


def _stall(base: str) -> socket.socket:
    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 100000\r\n\r\nASK"
    )
    return sock


def test_stalled_bodies_leave_the_server_answering(start_server, report):
    base = start_server(fresh=True)
    stalled = [_stall(base) for _ in range(STALLED)]
    try:
        time.sleep(1.0)
        seconds = []
        for i in range(100):
            reply = request(base, "GET", "/sparql", params={"query": f"ASK {{ ?s a bkg:Role }} # {i}"}, timeout=10)
            assert reply.status == 200
            seconds.append(reply.seconds)
        health = request(base, "GET", "/health", timeout=10)
        assert health.status == 200
        busy = request(
            base, "POST", "/sparql", body=b"ASK {}", headers={"Content-Type": "application/sparql-query"}, timeout=10
        )
        assert busy.status == 503 and busy.header("retry-after") == "1"  # after the second it waited for a reader
        assert "busy" in json.loads(busy.body)["description"]
    finally:
        for sock in stalled:
            sock.close()
    deadline = time.monotonic() + 10
    while True:
        answered = request(
            base, "POST", "/sparql", body=b"ASK {}", headers={"Content-Type": "application/sparql-query"}, timeout=10
        )
        if answered.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert answered.status == 200 and json.loads(answered.body)["boolean"] is True
    over = request(
        base,
        "POST",
        "/sparql",
        body=b"ASK {}",
        headers={"Content-Type": "application/sparql-query", "Content-Length": str(2 << 20)},
        timeout=10,
    )
    assert over.status == 413 and json.loads(over.body)["code"] == 413
    p99 = percentile(seconds, 99)
    assert p99 < P99_LIMIT
    report(
        f"slow clients: {STALLED} stalled bodies; 100 cheap queries alongside "
        f"p50 {percentile(seconds, 50) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, none failing; /health {health.seconds * 1000:.1f} ms; a POST meanwhile 503 busy at "
        "once; POSTs answered again once the stalled clients left; a 2 MiB body refused with 413 unread"
    )
