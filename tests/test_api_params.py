"""Typed parameters: parsing what people type into RDF terms, and binding them into queries with VALUES."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from backendkg.namespaces import BASE, BKG
from backendkg.queries.named import Param, load_query
from backendkg.queries.params import ParamError, bind, parse_args, parse_iri, parse_value, plain

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    ("text", "iri"),
    [
        (BASE + "role/backend-developer", BASE + "role/backend-developer"),
        ("role:backend-developer", BASE + "role/backend-developer"),
        ("tech:postgresql", BASE + "technology/postgresql"),
        ("bkg:Role", BKG + "Role"),
        ("role/backend-developer", BASE + "role/backend-developer"),
        ("/technology/postgresql", BASE + "technology/postgresql"),
        ("<http://example.org/x>", "http://example.org/x"),
        ("urn:isbn:123", "urn:isbn:123"),
    ],
)
def test_iri_forms(text, iri):
    assert parse_iri(text) == ox.NamedNode(iri)


@pytest.mark.parametrize("text", ["", "  ", "backend developer", "nosuchkind/x", "http://a b", "http://x/#a#b"])
def test_bad_iris_are_rejected_naming_the_parameter(text):
    with pytest.raises(ParamError) as err:
        parse_iri(text, name="role")
    assert err.value.name == "role"
    assert str(err.value).startswith("Parameter 'role' ")


@pytest.mark.parametrize(
    ("kind", "text", "term"),
    [
        ("integer", " 42 ", ox.Literal("42", datatype=ox.NamedNode(XSD + "integer"))),
        ("decimal", "-1.5", ox.Literal("-1.5", datatype=ox.NamedNode(XSD + "decimal"))),
        ("boolean", "TRUE", ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
        ("date", "2026-11-21", ox.Literal("2026-11-21", datatype=ox.NamedNode(XSD + "date"))),
        ("string", 'say "hi" }', ox.Literal('say "hi" }')),
    ],
)
def test_typed_values(kind, text, term):
    assert parse_value(Param(name="p", variable="_p_" + kind, type=kind, required=True), text) == term


def test_values_longer_than_the_limit_are_rejected():
    param = Param(name="role", variable="_role_iri", type="iri", required=True)
    with pytest.raises(ParamError, match="'role' must be at most 500 characters"):
        parse_value(param, "role:" + "x" * 500)


def test_language_tagged_text():
    param = Param(name="label", variable="_label_en", type="lang", required=True, lang="en")
    assert parse_value(param, "API design") == ox.Literal("API design", language="en")


@pytest.mark.parametrize(
    ("kind", "text"), [("integer", "4.2"), ("decimal", "1e3"), ("boolean", "yes"), ("date", "21/11")]
)
def test_malformed_values_are_rejected(kind, text):
    with pytest.raises(ParamError, match="Parameter 'p' must be"):
        parse_value(Param(name="p", variable="_p", type=kind, required=True), text)


def test_parse_args_needs_required_and_skips_absent_optional(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("SELECT * WHERE { ?_role_iri ?__p_iri ?__limit_integer }", encoding="utf-8")
    query = load_query(path)
    with pytest.raises(ParamError, match="'role' is required"):
        parse_args(query, {})
    assert parse_args(query, {"role": "role:x", "p": ""}) == {"_role_iri": ox.NamedNode(BASE + "role/x")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT ?x WHERE { ?_a ?p ?x }", "SELECT ?x WHERE { VALUES ?_a { <http://e/a> }  ?_a ?p ?x }"),
        ("SELECT ?x { ?_a ?p ?x }", "SELECT ?x { VALUES ?_a { <http://e/a> }  ?_a ?p ?x }"),
        (
            "SELECT (EXISTS { ?a ?b ?c } AS ?e) WHERE { ?_a ?p ?x }",
            "SELECT (EXISTS { ?a ?b ?c } AS ?e) WHERE { VALUES ?_a { <http://e/a> }  ?_a ?p ?x }",
        ),
        (
            "CONSTRUCT { ?_a ?p ?x } WHERE { ?_a ?p ?x }",
            "CONSTRUCT { ?_a ?p ?x } WHERE { VALUES ?_a { <http://e/a> }  ?_a ?p ?x }",
        ),
        (
            "PREFIX x: <http://e/{> # a { comment\nASK { ?_a ?p '{' }",
            "PREFIX x: <http://e/{> # a { comment\nASK { VALUES ?_a { <http://e/a> }  ?_a ?p '{' }",
        ),
    ],
)
def test_bind_places_values_at_the_start_of_the_where_group(text, expected):
    assert bind(text, {"_a": ox.NamedNode("http://e/a")}) == expected


def test_bound_variables_reach_filters_and_stay_out_of_the_projection():
    store = ox.Store()
    for s in ("http://e/a", "http://e/b"):
        store.add(ox.Quad(ox.NamedNode(s), ox.NamedNode("http://e/p"), ox.Literal(s[-1])))
    text = "SELECT ?o WHERE { ?s <http://e/p> ?o FILTER(?s = ?_s) }"
    rows = list(store.query(bind(text, {"_s": ox.NamedNode("http://e/b")})))
    assert [r["o"].value for r in rows] == ["b"]
    many = list(store.query(bind(text, {"_s": [ox.NamedNode("http://e/a"), ox.NamedNode("http://e/b")]})))
    assert sorted(r["o"].value for r in many) == ["a", "b"]


def test_bind_writes_literals_escaped():
    text = bind("SELECT ?x WHERE { BIND(?_t AS ?x) }", {"_t": ox.Literal('a" } ; DROP ALL #', language="en")})
    rows = list(ox.Store().query(text))
    assert rows[0]["x"] == ox.Literal('a" } ; DROP ALL #', language="en")


def test_bind_refuses_what_is_not_a_variable_name():
    with pytest.raises(ValueError, match="not a SPARQL variable name"):
        bind("SELECT * { ?s ?p ?o }", {"s } ": ox.NamedNode("http://e/a")})


def test_plain_values():
    assert plain(ox.NamedNode("http://e/a")) == "http://e/a"
    assert plain(ox.Literal("7", datatype=ox.NamedNode(XSD + "integer"))) == 7
    assert plain(ox.Literal("0.5", datatype=ox.NamedNode(XSD + "decimal"))) == 0.5
    assert plain(ox.Literal("NaN", datatype=ox.NamedNode(XSD + "double"))) == "NaN"
    assert plain(ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))) is True
    assert plain(ox.Literal("x", language="en")) == "x"
    assert plain(None) is None
