"""``/api``: the named queries (listing, parameters, content negotiation) and the question endpoints."""

from __future__ import annotations

import csv
import io

import pytest

from backendkg.namespaces import BASE, BKG
from backendkg.web.api import served_queries
from backendkg.web.openapi import examples_for

RESULTS_JSON = "application/sparql-results+json"


def names(rows: list[dict], key: str) -> list[str]:
    return [r[key].removeprefix(BASE) for r in rows]


def test_index_points_to_the_parts_of_the_api(client):
    body = client.get("/api/").json
    assert body["openapi"] == "/api/openapi.json"
    assert body["questions"]["skill-gap"] == "/api/questions/skill-gap"
    for path in [body["search"] + "?q=api", body["queries"], *body["questions"].values()]:
        assert client.get(path).status_code in (200, 400), path


# Listing -----------------------------------------------------------------------------------------------


def test_listing_names_every_served_query_with_params_and_url(client):
    response = client.get("/api/queries")
    assert response.status_code == 200
    listed = {q["name"]: q for q in response.json["queries"]}
    assert set(listed) == {q.name for q in served_queries()}
    compare = listed["compare-roles"]
    assert compare["summary"] == "Compare two roles"
    assert compare["tags"] == ["roles", "comparison"]
    assert compare["url"] == "/api/queries/compare-roles"
    assert [(p["name"], p["type"], p["required"]) for p in compare["params"]] == [
        ("role", "iri", True),
        ("other_role", "iri", True),
    ]
    where = listed["where-stated"]
    assert [(p["name"], p["required"]) for p in where["params"]] == [
        ("subject", True),
        ("predicate", False),
        ("object", False),
    ]
    assert listed["is-flask-a-framework"]["form"] == "ASK"
    assert "csv" not in listed["is-flask-a-framework"]["formats"]


@pytest.mark.parametrize("query", served_queries(), ids=lambda q: q.name)
def test_every_served_query_answers_its_example(app, client, query):
    with app.app_context():
        from backendkg.web import state

        examples = examples_for(state().backend, query)
    assert {p.name for p in query.params if p.required} <= set(examples)
    graph = query.form in ("CONSTRUCT", "DESCRIBE")
    response = client.get(
        f"/api/queries/{query.name}", query_string={**examples, "format": "jsonld" if graph else "json"}
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body == {"boolean": True} if query.form == "ASK" else len(body) > 0


# Parameters --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [BASE + "role/api-developer", "role:api-developer", "role/api-developer", "/role/api-developer"],
)
def test_iri_parameters_accept_full_prefixed_and_short_forms(client, role):
    response = client.get("/api/queries/role-requirements", query_string={"role": role, "format": "json"})
    assert response.status_code == 200
    assert response.json == [
        {
            "kind": "skill",
            "level": "essential",
            "item": BASE + "skill/api-design",
            "label": "API design and development",
        }
    ]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({}, "'role'"),
        ({"role": ""}, "'role'"),
        ({"role": "backend developer"}, "'role'"),
        ({"role": "nosuchkind/x"}, "'role'"),
        ({"role": "http://exa mple.org/"}, "'role'"),
        ({"role": "http://example.org/a#b#c"}, "'role'"),
        ({"role": "role:api-developer", "format": "yaml"}, "'format'"),
    ],
)
def test_missing_or_malformed_parameters_are_400_naming_them(client, query, param):
    response = client.get("/api/queries/role-requirements", query_string=query)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert param in response.json["description"]


def test_parameter_text_is_never_pasted_into_the_query(client):
    attack = "role:api-developer> } ?s ?p ?o { <x"
    response = client.get("/api/queries/role-requirements", query_string={"role": attack, "format": "json"})
    assert response.status_code == 400
    assert "'role'" in response.json["description"]
    # A well-formed IRI that names nothing gives no rows, not someone else's.
    response = client.get(
        "/api/queries/role-requirements", query_string={"role": "http://example.org/x", "format": "json"}
    )
    assert response.status_code == 200 and response.json == []


def test_optional_parameters_narrow_when_given(client):
    everything = client.get("/api/queries/where-stated?subject=role/api-developer&format=json").json
    assert len(everything) == 6
    narrowed = client.get(
        "/api/queries/where-stated?subject=role/api-developer&predicate=bkg:hasResponsibility&format=json"
    ).json
    assert names(narrowed, "object") == [
        "responsibility/designing-and-building-apis",
        "responsibility/ensuring-interoperability",
        "responsibility/managing-data-exchange",
    ]
    assert {r["predicate"] for r in narrowed} == {BKG + "hasResponsibility"}


def test_unknown_query_is_404(client):
    response = client.get("/api/queries/no-such-query")
    assert response.status_code == 404
    assert "no-such-query" in response.json["description"]


# Content negotiation -----------------------------------------------------------------------------------

URL = "/api/queries/role-responsibilities?role=role/api-developer"


def test_default_is_sparql_results_json(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == RESULTS_JSON
    assert "Accept" in response.headers["Vary"]
    body = response.json
    assert body["head"]["vars"] == ["responsibility", "label", "definition"]
    assert [b["responsibility"]["value"] for b in body["results"]["bindings"]] == [
        BASE + "responsibility/designing-and-building-apis",
        BASE + "responsibility/ensuring-interoperability",
        BASE + "responsibility/managing-data-exchange",
    ]
    label = body["results"]["bindings"][0]["label"]
    assert (label["type"], label["xml:lang"]) == ("literal", "en")
    assert label["value"].lower().startswith("designing")


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("application/json", "application/json"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/html;q=0.9, text/csv;q=0.5", "text/csv"),
        ("*/*", RESULTS_JSON),
    ],
)
def test_accept_header_chooses_the_form(client, accept, mimetype):
    response = client.get(URL, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert "Accept" in response.headers["Vary"]


def test_plain_json_rows(client):
    response = client.get(URL + "&format=json")
    assert response.mimetype == "application/json"
    rows = response.json
    assert names(rows, "responsibility") == [
        "responsibility/designing-and-building-apis",
        "responsibility/ensuring-interoperability",
        "responsibility/managing-data-exchange",
    ]
    assert rows[0]["label"].lower().startswith("designing")
    assert set(rows[0]) == {"responsibility", "label", "definition"}


def test_plain_json_numbers_are_numbers(client):
    rows = client.get("/api/queries/concept-sources?concept=role/api-developer&format=json").json
    assert rows == [
        {
            "source": BASE + "source/wizardsdev-backend-development",
            "title": "What is Backend Development? Skills, Salary and Roles",
            "statements": 6,
        }
    ]


def test_csv(client):
    response = client.get(URL + "&format=csv")
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0] == ["responsibility", "label", "definition"]
    assert [row[0].removeprefix(BASE) for row in table[1:]] == [
        "responsibility/designing-and-building-apis",
        "responsibility/ensuring-interoperability",
        "responsibility/managing-data-exchange",
    ]


def test_nothing_acceptable_is_406(client):
    response = client.get(URL, headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert response.mimetype == "application/json"
    assert "text/csv" in response.json["description"]


def test_ask_query_answers_a_boolean(client):
    assert client.get("/api/queries/is-flask-a-framework?format=json").json == {"boolean": True}
    assert client.get("/api/queries/is-flask-a-framework").json["boolean"] is True
    assert client.get("/api/queries/is-flask-a-framework?format=csv").status_code == 400
    assert client.get("/api/queries/is-flask-a-framework", headers={"Accept": "text/csv"}).status_code == 406


# Questions ---------------------------------------------------------------------------------------------


def test_skill_gap_endpoint_accepts_labels_and_iris(client):
    response = client.get(
        "/api/questions/skill-gap?have=API+design&have=skill:systems-integration&have=Postgres&limit=2"
    )
    assert response.status_code == 200
    body = response.json
    assert names(body["have"], "iri") == ["skill/api-design", "skill/systems-integration", "technology/postgresql"]
    assert body["weights"] == {"essential": 2, "optional": 1}
    assert [(r["role"]["iri"].removeprefix(BASE), r["score"]) for r in body["roles"]] == [
        ("role/api-developer", 1.0),
        ("role/integration-developer", 0.6667),
    ]
    assert names(body["roles"][1]["missing"]["essential"], "iri") == ["technology/middleware"]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("", "'have'"),
        ("?have=", "'have'"),
        ("?have=kubernetes", "'have'"),
        ("?have=python&limit=0", "'limit'"),
        ("?have=python&limit=x", "'limit'"),
    ],
)
def test_skill_gap_rejects_bad_input(client, query, param):
    response = client.get("/api/questions/skill-gap" + query)
    assert response.status_code == 400
    assert param in response.json["description"]


def test_compare_roles_endpoint(client):
    response = client.get(
        "/api/questions/compare-roles?role=integration+developer&other_role=role/web-services-developer"
    )
    assert response.status_code == 200
    body = response.json
    assert body["role"]["iri"] == BASE + "role/integration-developer"
    assert names(body["skill"]["shared"], "iri") == ["skill/api-design"]
    assert names(body["technology"]["role_only"], "iri") == ["technology/middleware"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?role=backend+developer", "Parameter 'other_role' is required"),
        ("?role=backend+developer&other_role=PostgreSQL", "Parameter 'other_role' must name a Role"),
        ("?role=nobody&other_role=backend+developer", "Parameter 'role' names no concept"),
    ],
)
def test_compare_roles_rejects_what_is_not_a_role(client, query, message):
    response = client.get("/api/questions/compare-roles" + query)
    assert response.status_code == 400
    assert message in response.json["description"]


def test_industry_path_endpoint(client):
    body = client.get("/api/questions/industry-path?industry=financial+technology").json
    assert body["industry"]["iri"] == BASE + "industry/fintech"
    assert names(body["capabilities"], "iri") == ["capability/online-banking", "capability/secure-transactions"]
    assert body["roles"][0]["iri"] == BASE + "role/backend-developer"
    assert len(body["roles"]) == 9
    response = client.get("/api/questions/industry-path?industry=role/backend-developer")
    assert response.status_code == 400
    assert "'industry' must name a Industry" in response.json["description"]


def test_where_stated_endpoint(client):
    body = client.get(
        "/api/questions/where-stated?subject=API+developer&predicate=bkg:requiresEssentialSkill&object=skill/api-design"
    ).json
    assert [(s["section"], s["source"].removeprefix(BASE)) for s in body["statements"]] == [
        ("Back-End Frameworks and Libraries", "source/wizardsdev-backend-development")
    ]
    assert body["sources"][0]["statements"] == 6
    response = client.get("/api/questions/where-stated?subject=role/api-developer&predicate=not+an+iri")
    assert response.status_code == 400
    assert "'predicate'" in response.json["description"]
