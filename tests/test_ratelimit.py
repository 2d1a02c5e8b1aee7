"""The optional rate limit per client address."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from backendkg.web import create_app

QUERY = "ASK { ?s ?p ?o }"


def _ask(client, addr: str = "192.0.2.1"):
    return client.get("/sparql", query_string={"query": QUERY}, environ_base={"REMOTE_ADDR": addr})


def test_off_by_default(client):
    for _ in range(30):
        response = _ask(client)
        assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers


def test_the_request_over_the_limit_gets_429_with_retry_after():
    client = create_app({"TESTING": True, "RATE_LIMIT": "3/minute"}).test_client()
    answers = [_ask(client) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["2", "1", "0"]
    assert all(r.headers["X-RateLimit-Limit"] == "3" for r in answers)
    assert all("Retry-After" not in r.headers for r in answers)

    refused = _ask(client)
    assert refused.status_code == 429
    assert refused.mimetype == "application/json"
    error = json.loads(refused.data)
    assert error["code"] == 429 and error["name"] == "Too Many Requests"
    assert "3 per 1 minute" in error["description"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-Request-Id"]


def test_each_client_address_has_its_own_budget():
    client = create_app({"TESTING": True, "RATE_LIMIT": "2/minute"}).test_client()
    assert [_ask(client, "192.0.2.1").status_code for _ in range(3)] == [200, 200, 429]
    assert [_ask(client, "192.0.2.2").status_code for _ in range(3)] == [200, 200, 429]


def test_health_and_preflight_are_never_limited():
    client = create_app({"TESTING": True, "RATE_LIMIT": "1/minute"}).test_client()
    assert _ask(client).status_code == 200
    assert _ask(client).status_code == 429
    for _ in range(5):
        assert client.get("/health", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 200
        preflight = client.options("/sparql", environ_base={"REMOTE_ADDR": "192.0.2.1"})
        assert preflight.status_code == 204


def test_set_by_environment(monkeypatch):
    monkeypatch.setenv("BACKENDKG_RATE_LIMIT", '"1 per minute"')
    client = create_app({"TESTING": True}).test_client()
    assert [_ask(client).status_code for _ in range(2)] == [200, 429]


@pytest.mark.parametrize("spec", ["lots", "5/fortnight", "-1/minute"])
def test_a_limit_that_does_not_parse_is_refused(spec):
    with pytest.raises(ValueError, match="RATE_LIMIT"):
        create_app({"TESTING": True, "RATE_LIMIT": spec})


def test_serve_refuses_a_limit_that_does_not_parse():
    done = subprocess.run(
        [sys.executable, "-m", "backendkg", "serve", "--port", "0", "--rate-limit", "lots"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "RATE_LIMIT 'lots'" in done.stderr


def test_serve_rate_limit_over_http(start_server):
    from reliability._http import request

    base = start_server("--rate-limit", "5/minute", "--workers", "1", fresh=True)
    statuses = [request(base, params={"query": QUERY}).status for _ in range(5)]
    assert statuses == [200] * 5
    refused = request(base, params={"query": QUERY})
    assert refused.status == 429
    assert 1 <= int(refused.header("retry-after")) <= 60
    assert json.loads(refused.body)["code"] == 429
    assert request(base, "GET", "/health").status == 200
    start_server.servers[base].stop()
