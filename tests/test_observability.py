"""Request ids and the structured access log."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid

import pytest

from backendkg.web import create_app
from backendkg.web.observability import HEADER, LOGGER

QUERY = 'SELECT ?s WHERE { ?s skos:prefLabel "Backend developer"@en }'
SECRET = "a-string-that-must-not-be-logged"
ROWS_QUERY = f'SELECT ?s ?p ?o WHERE {{ ?s ?p ?o FILTER(?o != "{SECRET}") }} LIMIT 3'


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def json(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture()
def access_log():
    records = _Records()
    logger = logging.getLogger(LOGGER)
    logger.addHandler(records)
    yield records
    logger.removeHandler(records)


@pytest.fixture(scope="module")
def logging_app():
    return create_app({"TESTING": True, "ACCESS_LOG": True})


def test_a_request_id_is_made_when_none_is_sent(client):
    first = client.get("/health").headers[HEADER]
    second = client.get("/health").headers[HEADER]
    assert uuid.UUID(first).version == 4
    assert first != second


@pytest.mark.parametrize("sent", ["abc-123", "req.1:2_3", "x" * 128, str(uuid.uuid4())])
def test_a_sane_request_id_is_kept(client, sent):
    assert client.get("/health", headers={HEADER: sent}).headers[HEADER] == sent


@pytest.mark.parametrize("sent", ["", "has space", "x" * 129, "<script>", "a;b", "é"])
def test_an_insane_request_id_is_replaced(client, sent):
    got = client.get("/health", headers={HEADER: sent}).headers[HEADER]
    assert got != sent
    assert uuid.UUID(got).version == 4


def test_errors_carry_the_request_id_too(client):
    for response in (
        client.get("/no/such/page", headers={HEADER: "e-1"}),
        client.get("/sparql", query_string={"query": "SELEKT"}, headers={HEADER: "e-1"}),
        client.delete("/sparql", headers={HEADER: "e-1"}),
    ):
        assert response.status_code >= 400
        assert response.headers[HEADER] == "e-1"


def test_no_access_log_unless_enabled(client, access_log):
    assert client.get("/sparql", query_string={"query": QUERY}).status_code == 200
    assert access_log.lines == []


def test_one_json_line_per_request_without_the_query_text(logging_app, access_log):
    client = logging_app.test_client()
    response = client.get("/sparql", query_string={"query": ROWS_QUERY}, headers={HEADER: "log-1"})
    assert response.status_code == 200
    (line,) = access_log.lines
    assert SECRET not in line and "FILTER" not in line
    record = json.loads(line)
    assert record["request_id"] == "log-1"
    assert record["method"] == "GET"
    assert record["path"] == "/sparql"
    assert record["status"] == 200
    assert isinstance(record["duration_ms"], float) and record["duration_ms"] >= 0
    assert record["query_hash"] == hashlib.sha256(ROWS_QUERY.encode()).hexdigest()[:16]
    assert record["rows"] == 3
    assert record["bytes"] == len(response.data)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["time"])
    assert "truncated" not in record


def test_posted_queries_are_hashed_too(logging_app, access_log):
    client = logging_app.test_client()
    expected = hashlib.sha256(ROWS_QUERY.encode()).hexdigest()[:16]
    assert client.post("/sparql", data={"query": ROWS_QUERY}).status_code == 200
    assert client.post("/sparql", data=ROWS_QUERY, content_type="application/sparql-query").status_code == 200
    records = access_log.json()
    assert [r["query_hash"] for r in records] == [expected, expected]
    assert [r["method"] for r in records] == ["POST", "POST"]
    assert all(SECRET not in line for line in access_log.lines)


def test_errors_and_pages_without_a_query_are_logged(logging_app, access_log):
    client = logging_app.test_client()
    client.get("/no/such/page")
    client.get("/sparql", query_string={"query": "SELEKT *"})
    first, second = access_log.json()
    assert (first["status"], first["query_hash"], first["rows"]) == (404, None, None)
    assert second["status"] == 400
    assert second["query_hash"] == hashlib.sha256(b"SELEKT *").hexdigest()[:16]


def test_health_checks_are_not_logged_unless_asked(logging_app, access_log):
    logging_app.test_client().get("/health")
    assert access_log.lines == []
    noisy = create_app({"TESTING": True, "ACCESS_LOG": True, "ACCESS_LOG_HEALTH": True})
    noisy.test_client().get("/health")
    assert [r["path"] for r in access_log.json()] == ["/health"]


def test_the_query_text_is_logged_only_when_the_deployer_says_so(access_log):
    app = create_app({"TESTING": True, "ACCESS_LOG": True, "ACCESS_LOG_QUERY": True})
    app.test_client().get("/sparql", query_string={"query": ROWS_QUERY})
    (record,) = access_log.json()
    assert record["query"] == ROWS_QUERY


def test_truncated_answers_are_marked(access_log):
    app = create_app({"TESTING": True, "ACCESS_LOG": True, "ROW_LIMIT": 2})
    app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    (record,) = access_log.json()
    assert record["rows"] == 2 and record["truncated"] is True


def test_the_access_log_is_switched_on_by_environment(monkeypatch, access_log):
    monkeypatch.setenv("BACKENDKG_ACCESS_LOG", "true")
    create_app({"TESTING": True}).test_client().get("/sparql", query_string={"query": QUERY})
    assert len(access_log.lines) == 1


def test_serve_access_log_writes_json_lines(start_server):
    base = start_server("--access-log", fresh=True)
    from reliability._http import request

    reply = request(base, params={"query": ROWS_QUERY}, headers={HEADER: "live-log-1"})
    assert reply.status == 200 and reply.header(HEADER) == "live-log-1"
    server = start_server.servers[base]
    lines = [line for line in server.output().splitlines() if '"live-log-1"' in line]
    assert len(lines) == 1, server.output()[-2000:]
    record = json.loads(lines[0])
    assert record["status"] == 200 and record["rows"] == 3
    assert SECRET not in server.output()
    server.stop()


def test_browsers_may_read_the_request_id(client):
    response = client.get("/sparql", query_string={"query": QUERY}, headers={"Origin": "https://example.org"})
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"X-Request-Id", "Retry-After"} <= exposed
