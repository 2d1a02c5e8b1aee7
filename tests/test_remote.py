"""``backendkg serve --remote URL`` over real other stores: Oxigraph server and Virtuoso 7.

Each store is started on loopback ports by the harness of ``_stores.py``, loaded with
``backendkg export --format nquads``, and served by ``backendkg serve --remote``; every named query, page,
search and question, and the SPARQL endpoint's dataset rules, must give the embedded server's answer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

from _stores import OxigraphServer, VirtuosoServer, export_nquads, free_port
from backendkg.graph.remote import RemoteError, RemoteGraph, connect
from backendkg.web import create_app, state
from backendkg.web.api import served_queries
from backendkg.web.openapi import examples_for

ROLES = "https://w3id.org/backendkg/graph/schemes/roles"
ONTOLOGY = "https://w3id.org/backendkg/graph/backendkg"
STORES = {"oxigraph": OxigraphServer, "virtuoso": VirtuosoServer}


@pytest.fixture(scope="module")
def dump(tmp_path_factory):
    return export_nquads(tmp_path_factory.mktemp("remote") / "backendkg.nq")


@pytest.fixture(scope="module", params=sorted(STORES))
def store(request, dump):
    with STORES[request.param](dump) as server:
        yield server


@pytest.fixture(scope="module")
def remote(store, start_server) -> str:
    return start_server("--remote", store.query_url)


@pytest.fixture(scope="module")
def embedded(live_server) -> str:
    return live_server


def fetch(base: str, path: str, params: dict | list | None = None, accept: str = "application/json"):
    url = base + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def same(path: str, params, remote: str, embedded: str, accept: str = "application/json") -> bytes:
    """Fetch ``path`` from both servers; both 200 and the same bytes. Returns them."""
    ours = fetch(remote, path, params, accept)
    theirs = fetch(embedded, path, params, accept)
    assert ours[0] == theirs[0] == 200, (path, params, ours[2][:500])
    assert ours[2] == theirs[2], (path, params)
    return ours[2]


@pytest.fixture(scope="module")
def examples(app):
    with app.app_context():
        backend = state(app).backend
        return {q.name: examples_for(backend, q) for q in served_queries()}


def test_every_named_query_answers_as_on_the_embedded_store(remote, embedded, examples):
    for query in served_queries():
        params = dict(examples[query.name])
        if query.form in ("CONSTRUCT", "DESCRIBE"):
            params["format"] = "ntriples"
            ours = fetch(remote, f"/api/queries/{query.name}", params)
            theirs = fetch(embedded, f"/api/queries/{query.name}", params)
            assert ours[0] == theirs[0] == 200, (query.name, ours[2][:300])
            assert set(ox.parse(ours[2], ox.RdfFormat.N_TRIPLES)) == set(ox.parse(theirs[2], ox.RdfFormat.N_TRIPLES))
        else:
            params["format"] = "json"
            body = same(f"/api/queries/{query.name}", params, remote, embedded)
            assert json.loads(body) is not None


def test_pages_and_linked_data_answer_as_on_the_embedded_store(remote, embedded):
    rows = json.loads(same("/sparql", {"query": "SELECT ?r WHERE { ?r a bkg:Role } ORDER BY ?r"}, remote, embedded))[
        "results"
    ]["bindings"]
    paths = [row["r"]["value"].replace("https://w3id.org/backendkg", "") for row in rows]
    assert len(paths) > 5
    paths += ["/technology/python", "/skill/api-design", "/dataset"]
    for path in paths:
        same(path, None, remote, embedded, accept="application/n-triples")
        same(path, None, remote, embedded, accept="text/html")
    for path in ("/ontology", "/graph/schemes/roles", "/role/", "/skill/", "/"):
        status, _, _ = fetch(remote, path, None, "text/html")
        assert status == 200, path
    same("/ontology", None, remote, embedded, accept="application/n-triples")
    same("/graph/schemes/roles", None, remote, embedded, accept="application/n-triples")


def test_search_and_questions_answer_as_on_the_embedded_store(remote, embedded):
    for q in ("postgres", "api", "developer", "Python", "security"):
        same("/api/search", {"q": q, "limit": 20}, remote, embedded)
    same("/search", {"q": "database"}, remote, embedded, accept="text/html")
    same("/api/questions/skill-gap", [("have", "Python"), ("have", "SQL"), ("have", "API design")], remote, embedded)
    same(
        "/api/questions/compare-roles",
        {"role": "backend developer", "other_role": "database developer"},
        remote,
        embedded,
    )
    same("/api/questions/industry-path", {"industry": "fintech"}, remote, embedded)
    same("/api/questions/where-stated", {"subject": "backend developer"}, remote, embedded)


def test_the_endpoint_keeps_the_dataset_rules(remote, embedded):
    queries = [
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        f"SELECT (COUNT(*) AS ?n) FROM <{ROLES}> WHERE {{ ?s ?p ?o }}",
        f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{ROLES}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g",
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        "ASK { bkg:Role a owl:Class }",
    ]
    for text in queries:
        same("/sparql", {"query": text}, remote, embedded, accept="application/sparql-results+json")
    same(
        "/sparql",
        [("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), ("default-graph-uri", ONTOLOGY)],
        remote,
        embedded,
        accept="text/csv",
    )
    same(
        "/sparql",
        [("query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"), ("named-graph-uri", ROLES)],
        remote,
        embedded,
    )
    construct = "CONSTRUCT WHERE { role:backend-developer ?p ?o }"
    ours = fetch(remote, "/sparql", {"query": construct}, "application/n-triples")
    theirs = fetch(embedded, "/sparql", {"query": construct}, "application/n-triples")
    assert set(ox.parse(ours[2], ox.RdfFormat.N_TRIPLES)) == set(ox.parse(theirs[2], ox.RdfFormat.N_TRIPLES))


def test_the_guards_hold_over_a_remote_store(remote):
    status, _, body = fetch(
        remote, "/sparql", {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}
    )
    assert status == 400 and "SERVICE" in json.loads(body)["description"]
    assert fetch(remote, "/sparql", {"update": "CLEAR ALL"})[0] == 403
    status, _, body = fetch(remote, "/sparql", {"query": "SELECT * WHERE { ?s ?p }"})
    assert status == 400 and json.loads(body)["code"] == 400
    status, _, body = fetch(remote, "/sparql", {"query": "ASK { bkg:Role a owl:Class }"})
    assert status == 200 and json.loads(body)["boolean"] is True


def test_downloads_and_health_work_over_a_remote_store(remote, embedded):
    status, _, body = fetch(remote, "/download/", None)
    assert status == 200
    listing = json.loads(body)
    whole = next(d for d in listing["dumps"] if d["module"] is None and d["format"] == "nquads")
    ours = fetch(remote, whole["url"], None, "*/*")
    theirs = fetch(embedded, whole["url"], None, "*/*")
    assert ours[0] == theirs[0] == 200 and ours[2] == theirs[2]
    assert json.loads(fetch(remote, "/health")[2])["triples"] == json.loads(fetch(embedded, "/health")[2])["triples"]


def test_strict_validates_the_remote_data(store, start_server):
    base = start_server("--remote", store.query_url, "--strict", fresh=True)
    assert fetch(base, "/health")[0] == 200


def test_the_remote_graph_is_a_backend(store, kg):
    remote = connect(store.query_url)
    assert isinstance(remote, RemoteGraph)
    rows = remote.select("SELECT ?label WHERE { bkg:Role rdfs:label ?label }")
    assert rows == [{"label": ox.Literal("role", language="en")}]
    assert remote.ask("ASK { ?c a owl:Class }") is True
    assert remote.select("SELECT ?c WHERE { ?c rdfs:label ?l }", l=ox.Literal("role", language="en")) == [
        {"c": ox.NamedNode("https://w3id.org/backendkg/ontology#Role")}
    ]
    assert sorted(remote.graphs) == sorted(kg.graphs)
    assert len(remote) == len(kg)
    assert set(remote.quads(ROLES)) == set(kg.quads(ROLES))


def test_an_app_over_a_remote_store_builds_its_engine_without_query_processes(store):
    app = create_app({"TESTING": True, "REMOTE": store.query_url})
    engine = state(app).engine
    engine.start_processes(2)
    assert engine.processes is None and engine.cache is None


def test_connect_refuses_what_does_not_answer():
    with pytest.raises(RemoteError):
        connect(f"http://127.0.0.1:{free_port()}/sparql", timeout=2)
    with pytest.raises(RemoteError):
        connect("ftp://example.org/sparql")
