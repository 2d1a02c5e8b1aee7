"""``/api/openapi.json``: a valid OpenAPI 3.1 document generated from the query library, with examples
taken from the graph that the API answers as documented."""

from __future__ import annotations

import jsonschema
import pytest
from openapi_spec_validator import validate

from backendkg.queries.named import library
from backendkg.web import state
from backendkg.web.api import served_queries
from backendkg.web.openapi import IRI_PATTERN, header_examples


@pytest.fixture(scope="module")
def doc(app):
    return app.test_client().get("/api/openapi.json").json


def resolve(doc: dict, schema: dict) -> dict:
    """``schema`` with its ``$ref``s into ``components`` resolvable by jsonschema."""
    return {**schema, "components": doc["components"]}


def test_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"] == "3.1.0"
    validate(doc)


def test_document_is_built_once_per_process(app):
    client = app.test_client()
    first = client.get("/api/openapi.json")
    assert first.status_code == 200 and first.mimetype == "application/json"
    cached = state(app).once("openapi", lambda: None)
    assert client.get("/api/openapi.json").get_data(as_text=True) == cached


def test_one_operation_per_served_query_plus_search_questions_and_extract(doc):
    paths = set(doc["paths"])
    assert {f"/api/queries/{q.name}" for q in served_queries()} <= paths
    assert {
        "/api/",
        "/api/search",
        "/api/queries",
        "/api/openapi.json",
        "/api/questions/skill-gap",
        "/api/questions/compare-roles",
        "/api/questions/industry-path",
        "/api/questions/where-stated",
        "/api/extract",
    } <= paths
    assert len(paths) == len(served_queries()) + 9 + 20  # and the 20 operations of the Skosmos REST API
    assert set(doc["paths"]["/api/extract"]) == {"post"}
    assert "/rest/v1/search" in paths and "/rest/v1/{vocid}/broader" in paths
    operation_ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_query_parameters_are_typed_and_required_as_in_the_query(doc):
    operation = doc["paths"]["/api/queries/where-stated"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert [(n, p["required"]) for n, p in params.items()] == [
        ("subject", True),
        ("predicate", False),
        ("object", False),
        ("format", False),
    ]
    assert params["subject"]["schema"]["pattern"] == IRI_PATTERN
    assert params["format"]["schema"]["enum"] == ["sparql-json", "json", "csv", "tsv", "xml"]
    assert operation["summary"] == "Where does it say so?"
    assert set(operation["responses"]) == {"200", "400", "406"}


def test_every_required_parameter_has_an_example_from_the_graph(doc):
    for query in served_queries():
        operation = doc["paths"][f"/api/queries/{query.name}"]["get"]
        for param in operation["parameters"]:
            if param["required"]:
                assert "example" in param, (query.name, param["name"])


def test_header_examples_are_used_where_given(doc):
    [query] = [q for q in library() if q.name == "compare-roles"]
    assert header_examples(query) == {"role": "role:backend-developer", "other_role": "role:database-developer"}
    params = {p["name"]: p for p in doc["paths"]["/api/queries/compare-roles"]["get"]["parameters"]}
    assert params["role"]["example"] == "role:backend-developer"
    assert params["other_role"]["example"] == "role:database-developer"


def test_response_examples_match_their_schemas_and_the_live_answer(app, doc):
    client = app.test_client()
    checked = 0
    for query in served_queries():
        operation = doc["paths"][f"/api/queries/{query.name}"]["get"]
        media = operation["responses"]["200"]["content"].get("application/json")
        if media is None or "example" not in media:
            continue
        jsonschema.validate(media["example"], resolve(doc, media["schema"]))
        args = {p["name"]: p["example"] for p in operation["parameters"] if "example" in p}
        answer = client.get(f"/api/queries/{query.name}", query_string={**args, "format": "json"}).json
        expected = answer[: len(media["example"])] if isinstance(answer, list) else answer
        assert media["example"] == expected, query.name
        jsonschema.validate(answer, resolve(doc, media["schema"]))
        checked += 1
    assert checked >= len(served_queries()) - 2


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/api/search", "SearchResults"),
        ("/api/questions/skill-gap", "SkillGap"),
        ("/api/questions/compare-roles", "RoleComparison"),
        ("/api/questions/industry-path", "IndustryPath"),
        ("/api/questions/where-stated", "Provenance"),
    ],
)
def test_search_and_question_examples_are_the_answers_to_their_example_parameters(client, doc, path, schema):
    operation = doc["paths"][path]["get"]
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    jsonschema.validate(example, resolve(doc, {"$ref": f"#/components/schemas/{schema}"}))
    args = {p["name"]: p["example"] for p in operation["parameters"] if "example" in p}
    assert client.get(path, query_string=args).json == example


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/api/search?q=postgres", "SearchResults"),
        ("/api/queries", "QueryList"),
        ("/api/questions/skill-gap?have=Python&have=SQL", "SkillGap"),
        ("/api/questions/compare-roles?role=backend+developer&other_role=role/api-developer", "RoleComparison"),
        ("/api/questions/industry-path?industry=fintech", "IndustryPath"),
        ("/api/questions/where-stated?subject=role/api-developer", "Provenance"),
        ("/api/search", "Error"),
    ],
)
def test_answers_match_their_component_schemas(client, doc, path, schema):
    body = client.get(path).json
    jsonschema.validate(body, resolve(doc, {"$ref": f"#/components/schemas/{schema}"}))


def test_iri_pattern_matches_the_forms_the_parser_accepts():
    import re

    pattern = re.compile(IRI_PATTERN)
    for good in ["https://w3id.org/backendkg/role/backend-developer", "role:backend-developer", "role/x", "/skill/y"]:
        assert pattern.match(good), good
    for bad in ["backend developer", "nosuchkind/x", "", "<role:x>"]:
        assert not pattern.match(bad), bad


def test_document_of_another_graph_is_valid_and_leaves_out_examples_it_cannot_give():
    from pathlib import Path

    from backendkg.web import create_app

    fixture = Path(__file__).parent / "fixtures" / "api.ttl"
    other = create_app({"TESTING": True, "DATA": [str(fixture)]}).test_client().get("/api/openapi.json").json
    validate(other)
    compare = other["paths"]["/api/questions/compare-roles"]["get"]["responses"]["200"]["content"]
    assert "example" not in compare["application/json"]
    industry = other["paths"]["/api/questions/industry-path"]["get"]["responses"]["200"]["content"]
    assert industry["application/json"]["example"]["industry"]["iri"].endswith("/industry/fintech")


def test_extract_takes_json_or_plain_text_and_its_example_is_the_answer(client, doc):
    operation = doc["paths"]["/api/extract"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"application/json", "text/plain"}
    assert content["application/json"]["schema"]["required"] == ["text"]
    assert set(operation["responses"]) == {"200", "400", "413", "415"}
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    jsonschema.validate(example, resolve(doc, {"$ref": "#/components/schemas/Extraction"}))
    assert example["concepts"] and example["roles"]
    assert client.post("/api/extract", json=content["application/json"]["example"]).json == example
    plain = client.post("/api/extract", data=content["text/plain"]["example"], content_type="text/plain")
    assert plain.json == example
    jsonschema.validate(
        client.post("/api/extract", data=b"{", content_type="application/json").json,
        resolve(doc, {"$ref": "#/components/schemas/Error"}),
    )
