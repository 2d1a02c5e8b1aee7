"""What real clients send, against ``backendkg serve``: Accept headers with parameters, SPARQLWrapper's
return formats, CORS and preflight on every route, and the same answer from ``backendkg query`` and
``/sparql`` for FROM, GRAPH and dataset queries, with SERVICE refused by both."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from SPARQLWrapper import JSONLD, N3, RDFXML, TURTLE, SPARQLWrapper

from backendkg.cli import cli

ROLES = "https://w3id.org/backendkg/graph/schemes/roles"
SELECT = "SELECT ?c WHERE { ?c a owl:Class } ORDER BY ?c LIMIT 3"
CONSTRUCT = "CONSTRUCT WHERE { <https://w3id.org/backendkg/role/backend-developer> ?p ?o }"


def fetch(url: str, *, accept: str | None = None, method: str = "GET", headers: dict | None = None, data=None):
    request = urllib.request.Request(url, method=method, data=data, headers={**(headers or {})})
    if accept is not None:
        request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def sparql(base: str, query: str, **params: str) -> str:
    return base + "/sparql?" + urllib.parse.urlencode({"query": query, **params})


# -- Accept headers with parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "query", "media"),
    [
        ("text/csv; charset=utf-8", SELECT, "text/csv"),
        ("application/sparql-results+json; charset=utf-8", SELECT, "application/sparql-results+json"),
        ("application/sparql-results+xml;charset=UTF-8;q=0.9", SELECT, "application/sparql-results+xml"),
        ("text/turtle; charset=utf-8", CONSTRUCT, "text/turtle"),
        ('application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"', CONSTRUCT, "application/ld+json"),
        ("text/plain", CONSTRUCT, "application/n-triples"),
        ("text/n3", CONSTRUCT, "text/n3"),
    ],
)
def test_accept_parameters_never_cause_a_406_on_sparql(live_server, accept, query, media):
    status, headers, body = fetch(sparql(live_server, query), accept=accept)
    assert status == 200, body
    assert headers.get_content_type() == media


@pytest.mark.parametrize(
    ("accept", "media", "syntax"),
    [
        ("text/turtle; charset=utf-8", "text/turtle", ox.RdfFormat.TURTLE),
        ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"', "application/ld+json", None),
        ("application/n-triples; charset=utf-8", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("text/plain", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml;q=0.5, text/plain;q=0.1", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_accept_parameters_and_text_plain_on_linked_data(live_server, accept, media, syntax):
    for path in ("/role/backend-developer", "/ontology", "/graph/schemes/roles"):
        status, headers, body = fetch(live_server + path, accept=accept)
        assert status == 200, (path, body[:200])
        assert headers.get_content_type() == media
        if syntax is not None:
            assert list(ox.parse(body, syntax))


def test_406_only_when_nothing_offered_fits(live_server):
    assert fetch(sparql(live_server, SELECT), accept="image/png")[0] == 406
    assert fetch(live_server + "/role/backend-developer", accept="image/png; q=1")[0] == 406
    status, _, body = fetch(live_server + "/api/queries/backend-specialisations", accept="text/csv; charset=utf-8")
    assert (status == 200 and body.startswith(b"specialisation")) or status == 200


# -- SPARQLWrapper's return formats for CONSTRUCT, GET and POST ---------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("name", "syntax"),
    [(TURTLE, ox.RdfFormat.TURTLE), (N3, ox.RdfFormat.N3), (RDFXML, ox.RdfFormat.RDF_XML), (JSONLD, None)],
)
def test_sparqlwrapper_construct_in_every_return_format(live_server, kg, method, name, syntax):
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(CONSTRUCT)
    client.setMethod(method)
    client.setReturnFormat(name)
    raw = client.query().response.read()
    expected = set(kg.store.query(CONSTRUCT, use_default_graph_as_union=True))
    if syntax is None:
        triples = {q.triple for q in ox.parse(raw, ox.RdfFormat.JSON_LD)}
    else:
        triples = {q.triple for q in ox.parse(raw, syntax)}
    assert triples == expected


# -- CORS ---------------------------------------------------------------------------------------------------

CORS_PATHS = [
    "/api/",
    "/api/search?q=python",
    "/api/queries",
    "/role/backend-developer",
    "/ontology",
    "/download/",
    "/download/SHA256SUMS",
    "/health",
    "/sparql?query=ASK%7B%7D",
    "/no/such/thing",
]


@pytest.mark.parametrize("path", CORS_PATHS)
def test_every_route_allows_any_origin(live_server, path):
    status, headers, _ = fetch(live_server + path, headers={"Origin": "https://app.example"})
    assert status in (200, 404)
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("path", ["/api/search", "/role/backend-developer", "/ontology", "/download/", "/sparql"])
def test_preflight_is_answered_on_every_route(live_server, path):
    status, headers, body = fetch(
        live_server + path,
        method="OPTIONS",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "accept",
        },
    )
    assert status == 204 and body == b""
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in headers["Access-Control-Allow-Methods"]
    assert "Accept" in headers["Access-Control-Allow-Headers"]
    if path == "/sparql":
        assert "POST" in headers["Access-Control-Allow-Methods"]


# -- errors ----------------------------------------------------------------------------------------------------


def test_an_unknown_function_is_400_naming_it(live_server):
    status, _, body = fetch(sparql(live_server, "SELECT (<urn:x:f>(1) AS ?x) {}"))
    assert status == 400
    assert "urn:x:f" in json.loads(body)["description"]


@pytest.mark.parametrize("text", ["", "   ", "\n# only a comment\n"])
def test_an_empty_query_is_400(live_server, text):
    status, _, body = fetch(sparql(live_server, text))
    assert status == 400, body
    assert json.loads(body)["code"] == 400
    status, _, body = fetch(
        live_server + "/sparql", method="POST", data=text.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert status == 400


def test_update_text_stays_403(live_server):
    assert fetch(sparql(live_server, "CLEAR ALL"))[0] == 403


# -- the command line and the endpoint give the same answer ---------------------------------------------------

DATASET_QUERIES = [
    (f"SELECT (COUNT(*) AS ?n) FROM <{ROLES}> WHERE {{ ?s ?p ?o }}", {}),
    (f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{ROLES}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g", {}),
    ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g", {}),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {"default-graph-uri": ROLES}),
    ("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": ROLES}),
]


@pytest.mark.parametrize(("text", "dataset"), DATASET_QUERIES)
def test_cli_and_endpoint_agree_on_datasets(live_server, tmp_path, text, dataset):
    path = tmp_path / "q.rq"
    path.write_text(text, encoding="utf-8")
    args = ["query", str(path), "--format", "csv"]
    if "default-graph-uri" in dataset:
        args += ["--default-graph", dataset["default-graph-uri"]]
    if "named-graph-uri" in dataset:
        args += ["--named-graph", dataset["named-graph-uri"]]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    status, _, body = fetch(sparql(live_server, text, **dataset), accept="text/csv")
    assert status == 200
    assert result.stdout_bytes == body


class _Listener:
    """A loopback socket that counts the connections made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.sock.close()


def test_service_is_refused_by_the_cli_and_the_endpoint_with_no_outbound_request(live_server, tmp_path):
    listener = _Listener()
    try:
        text = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
        path = tmp_path / "federated.rq"
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(cli, ["query", str(path)])
        assert result.exit_code == 2
        assert "SERVICE" in result.output
        status, _, body = fetch(sparql(live_server, text))
        assert status == 400 and "SERVICE" in json.loads(body)["description"]
        assert listener.connections == 0
    finally:
        listener.close()


# -- headers that keep the pages safe -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/role/backend-developer", "/ontology", "/download/", "/search?q=api"])
def test_html_answers_carry_a_content_security_policy(live_server, path):
    status, headers, _ = fetch(live_server + path, accept="text/html")
    assert status == 200 and headers.get_content_type() == "text/html"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_data_answers_are_not_sniffed(live_server):
    status, headers, _ = fetch(sparql(live_server, SELECT))
    assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in headers


def test_server_rendered_links_are_only_http(app):
    from backendkg.web.html.terms import href

    assert href("https://w3id.org/backendkg/role/backend-developer") == "/role/backend-developer"
    assert href("https://example.org/x") == "https://example.org/x"
    for iri in ("javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "file:///etc/passwd"):
        assert href(iri) is None


# -- big values and big answers ------------------------------------------------------------------------------

DOUBLINGS = 25  # a 32 MiB string, built in the query
BIG_VALUE = (
    "SELECT ?v25 WHERE { "
    + " ".join(['BIND("x" AS ?v0)'] + [f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(DOUBLINGS)])
    + " }"
)


@pytest.fixture(scope="module")
def patient_client():
    """The application in this process with a deadline of two minutes: here a query runs on a thread of the
    test process that is demoted after a tenth of a second, and building 32 MiB takes a while at that priority
    on a machine other work keeps busy (under ``backendkg serve`` the same is tested over HTTP, in
    ``tests/reliability/test_big_values.py``)."""
    from backendkg.web import create_app

    return create_app({"TESTING": True, "QUERY_TIMEOUT": 120}).test_client()


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"])
def test_a_32_mib_value_is_a_clear_error_not_a_500(patient_client, accept):
    response = patient_client.get("/sparql", query_string={"query": BIG_VALUE}, headers={"Accept": accept})
    assert response.status_code == 507
    error = response.get_json()
    assert error["code"] == 507 and "text/tab-separated-values" in error["description"]


def test_a_32_mib_value_comes_whole_as_tsv(patient_client):
    response = patient_client.get(
        "/sparql", query_string={"query": BIG_VALUE}, headers={"Accept": "text/tab-separated-values"}
    )
    assert response.status_code == 200
    assert len(response.data) > 32 * 1024 * 1024


def test_an_answer_over_the_byte_limit_is_507_naming_it():
    from backendkg.web import create_app

    small = create_app({"TESTING": True, "MAX_ANSWER_BYTES": 1000}).test_client()
    response = small.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 507
    assert "MAX_ANSWER_BYTES" in response.get_json()["description"]
    assert small.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
