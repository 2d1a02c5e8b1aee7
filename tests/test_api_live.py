"""``/api`` over real HTTP, served by ``backendkg serve`` under granian."""

from __future__ import annotations

import requests

from backendkg.namespaces import BASE, BKG


def test_search_over_http(live_server):
    response = requests.get(f"{live_server}/api/search", params={"q": "Postgres", "limit": 3}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["query"] == "Postgres"
    assert body["results"][0] == {
        "iri": BASE + "technology/postgresql",
        "label": "PostgreSQL",
        "kind": "technology",
        "class": BKG + "DatabaseManagementSystem",
        "matched": "Postgres",
        "match": "exact",
        "path": "/technology/postgresql",
    }


def test_named_query_as_csv_over_http(live_server):
    response = requests.get(
        f"{live_server}/api/queries/role-requirements",
        params={"role": "role:integration-developer"},
        headers={"Accept": "text/csv"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "Accept" in response.headers["Vary"]
    lines = response.text.splitlines()
    assert lines[0] == "kind,level,item,label"
    assert [line.split(",")[2].removeprefix(BASE) for line in lines[1:]] == [
        "skill/api-design",
        "skill/systems-integration",
        "technology/middleware",
    ]


def test_bad_parameter_is_a_json_400_and_the_server_keeps_serving(live_server):
    response = requests.get(f"{live_server}/api/queries/role-requirements", params={"role": "a b"}, timeout=30)
    assert response.status_code == 400
    assert response.json()["code"] == 400
    assert "'role'" in response.json()["description"]
    again = requests.get(f"{live_server}/api/queries/role-requirements?role=role/api-developer&format=json", timeout=30)
    assert again.status_code == 200
    assert [r["item"] for r in again.json()] == [BASE + "skill/api-design"]
