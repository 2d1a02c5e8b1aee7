"""Label search: the index over a small fixture graph and ``/api/search``."""

from __future__ import annotations

from pathlib import Path

import pytest

from backendkg.graph import store as kg_module
from backendkg.graph.search import LabelIndex, kind_of, normalise
from backendkg.namespaces import BASE, BKG
from backendkg.web import create_app, state

FIXTURE = Path(__file__).parent / "fixtures" / "api.ttl"


@pytest.fixture(scope="module")
def index():
    return LabelIndex.from_graph(kg_module.load([FIXTURE]))


@pytest.fixture(scope="module")
def fixture_app():
    return create_app({"TESTING": True, "DATA": [str(FIXTURE)]})


@pytest.fixture()
def fixture_client(fixture_app):
    return fixture_app.test_client()


def test_normalise_drops_accents_case_and_extra_spaces():
    assert normalise("  Café\tCRÈME ") == "cafe creme"
    assert normalise("Straße") == "strasse"


def test_kind_is_the_first_path_segment():
    assert kind_of(BASE + "technology/postgresql") == "technology"
    assert kind_of(BKG + "Role") == "ontology"
    assert kind_of("http://example.org/x") is None


def test_exact_before_prefix_before_substring(index):
    hits = index.search("database")
    assert [(h.iri.removeprefix(BASE), h.match, h.matched) for h in hits] == [
        ("skill/database-design", "prefix", "database design"),
        ("role/database-developer", "prefix", "database developer"),
        ("ontology#DatabaseManagementSystem", "prefix", "database management system"),
        ("responsibility/maintain-databases", "substring", "maintain databases"),
    ]
    exact = index.search("caching")
    assert [(h.iri, h.match) for h in exact] == [(BASE + "skill/caching", "exact")]


def test_concepts_come_before_schemes_and_terms_within_a_match_kind(index):
    hits = index.search("postgr")
    assert [(h.iri.removeprefix(BASE), h.match) for h in hits] == [
        ("technology/postgresql", "prefix"),
        ("scheme/short", "prefix"),
    ]


def test_alternative_and_hidden_labels_match_and_the_preferred_label_is_shown(index):
    [hit] = index.search("POSTGRES")
    assert (hit.iri, hit.label, hit.matched, hit.match) == (
        BASE + "technology/postgresql",
        "PostgreSQL",
        "Postgres",
        "exact",
    )
    [hit] = index.search("backend dev")
    assert (hit.label, hit.matched, hit.match) == ("backend developer", "backend dev", "exact")
    [hit] = index.search("server-side")
    assert (hit.label, hit.matched) == ("backend developer", "server-side developer")


def test_accents_are_ignored_both_ways(index):
    assert [h.iri for h in index.search("cafe")] == [BASE + "technology/cafe"]
    assert [h.matched for h in index.search("CAFÉ")] == ["Café"]


def test_class_is_the_most_specific_backendkg_class(index):
    [hit] = index.search("data modelling")
    assert hit.cls == BKG + "Practice"
    assert hit.kind == "skill"
    assert hit.path == "/skill/database-design"


def test_limit_and_no_match(index):
    assert len(index.search("e", limit=3)) == 3
    assert index.search("kubernetes") == []


def test_search_narrowed_to_a_kind(index, fixture_client):
    assert [h.iri.removeprefix(BASE) for h in index.search("database", kind="role")] == ["role/database-developer"]
    body = fixture_client.get("/api/search?q=database&kind=responsibility").json
    assert [r["path"] for r in body["results"]] == ["/responsibility/maintain-databases"]


def test_lookup_finds_concepts_by_any_label(index):
    assert index.lookup("Back-End Developer") == [BASE + "role/backend-developer"]
    assert index.lookup("back") == []


def test_api_search_answers_json(fixture_client):
    response = fixture_client.get("/api/search", query_string={"q": "postgre", "limit": "5"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == {
        "query": "postgre",
        "results": [
            {
                "iri": BASE + "technology/postgresql",
                "label": "PostgreSQL",
                "kind": "technology",
                "class": BKG + "DatabaseManagementSystem",
                "matched": "Postgres",
                "match": "prefix",
                "path": "/technology/postgresql",
            }
        ],
    }


def test_api_search_builds_the_index_once(fixture_app, fixture_client):
    fixture_client.get("/api/search?q=api")
    first = state(fixture_app).label_index()
    fixture_client.get("/api/search?q=python")
    assert state(fixture_app).label_index() is first


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({}, "'q'"),
        ({"q": ""}, "'q'"),
        ({"q": "   "}, "'q'"),
        ({"q": "x" * 201}, "'q'"),
        ({"q": "api", "limit": "ten"}, "'limit'"),
        ({"q": "api", "limit": "0"}, "'limit'"),
        ({"q": "api", "limit": "101"}, "'limit'"),
        ({"q": "api", "kind": "statement"}, "'kind'"),
        ({"q": "api", "kind": "people"}, "'kind'"),
    ],
)
def test_api_search_rejects_bad_parameters_naming_them(fixture_client, query, param):
    response = fixture_client.get("/api/search", query_string=query)
    assert response.status_code == 400
    assert response.json["code"] == 400
    assert param in response.json["description"]
