"""``backendkg query``: query files and named queries, parameters, output forms and errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from backendkg.cli import cli
from backendkg.namespaces import BASE

FIXTURE = Path(__file__).parent / "fixtures" / "api.ttl"


@pytest.fixture()
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["query", *args], catch_exceptions=False)

    return invoke


def test_named_query_prints_a_table_with_prefixed_names(run):
    result = run("role-requirements", "--param", "role=role/integration-developer")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["kind", "level", "item", "label"]
    assert set(lines[1]) <= {"-", " "}
    items = [line.split()[2] for line in lines[2:-1]]
    assert items == ["skill:api-design", "skill:systems-integration", "tech:middleware"]
    assert lines[-1] == "(3 rows)"


def test_query_file_with_csv_and_json(run, tmp_path):
    query = tmp_path / "industries.rq"
    query.write_text("SELECT ?industry WHERE { ?industry a bkg:Industry } ORDER BY ?industry\n", encoding="utf-8")
    result = run(str(query), "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["industry"]
    assert [r[0].removeprefix(BASE) for r in rows[1:]] == [
        "industry/e-commerce",
        "industry/enterprise-software",
        "industry/fintech",
        "industry/healthtech",
        "industry/social-media",
    ]
    result = run(str(query), "--format", "json")
    assert json.loads(result.output)[2] == {"industry": BASE + "industry/fintech"}


def test_data_option_queries_other_files(run):
    result = run("role-requirements", "-p", "role=role:backend-developer", "--data", str(FIXTURE), "--format", "json")
    assert result.exit_code == 0
    assert [(r["level"], r["item"].removeprefix(BASE)) for r in json.loads(result.output)] == [
        ("essential", "skill/api-design"),
        ("essential", "skill/database-design"),
        ("optional", "skill/communication"),
        ("essential", "technology/python"),
        ("optional", "technology/postgresql"),
    ]


def test_ask_query(run):
    result = run("is-flask-a-framework")
    assert (result.exit_code, result.output) == (0, "yes\n")
    assert json.loads(run("is-flask-a-framework", "--format", "json").output) == {"boolean": True}


def test_construct_query_prints_turtle(run):
    result = run("security-developer-profile")
    assert result.exit_code == 0
    # The endpoint's Turtle: the backendkg prefixes declared and used.
    assert "@prefix role: <https://w3id.org/backendkg/role/> ." in result.output
    assert "role:security-developer bkg:requiresEssentialSkill" in result.output
    triples = list(ox.parse(result.output.encode(), ox.RdfFormat.TURTLE))
    assert any(t.subject == ox.NamedNode("https://w3id.org/backendkg/role/security-developer") for t in triples)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["role-requirements"], "Parameter 'role' is required"),
        (["role-requirements", "-p", "role=not an iri"], "Parameter 'role' must be an IRI"),
        (["role-requirements", "-p", "rle=role/x"], "has no parameter 'rle'"),
        (["role-requirements", "-p", "role"], "--param takes NAME=VALUE"),
        (["no-such-query"], "neither a query file nor a named query"),
        (["missing.rq"], "no such query file"),
        (["is-flask-a-framework", "--format", "csv"], "ASK query"),
    ],
)
def test_bad_input_exits_2_with_a_message(args, message):
    result = CliRunner().invoke(cli, ["query", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_syntax_error_exits_2_with_the_parsers_message_at_the_line_written(tmp_path):
    import pyoxigraph as ox

    text = "SELECT ?x WHERE {\n  ?x a <https://w3id.org/backendkg/ontology#Industry> .\n  ?x ?y ?z ?w\n}"
    query = tmp_path / "broken.rq"
    query.write_text(text, encoding="utf-8")
    with pytest.raises(SyntaxError) as parsed:
        ox.Store().query(text)
    result = CliRunner().invoke(cli, ["query", str(query)])
    assert result.exit_code == 2
    # The position is the one the parser gives for the file alone, not shifted by the declared prefixes.
    assert result.output == f"error: {query}: SPARQL syntax error: {parsed.value}\n"
