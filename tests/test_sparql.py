"""The SPARQL 1.1 Protocol at /sparql, through the Flask test client: operations, negotiation, limits, errors."""

from __future__ import annotations

import json
import urllib.parse

import pyoxigraph as ox
import pytest

from backendkg.web import create_app

ROLE = "https://w3id.org/backendkg/ontology#Role"
SELECT_CLASSES = "SELECT ?c WHERE { ?c a owl:Class } ORDER BY ?c"
CONSTRUCT_ROLE = "CONSTRUCT WHERE { bkg:Role ?p ?o }"


def bindings(response) -> list[dict]:
    assert response.status_code == 200, response.data
    return response.get_json()["results"]["bindings"]


def classes(response) -> set[str]:
    return {b["c"]["value"] for b in bindings(response)}


# -- the three query operations ---------------------------------------------------------------------------------


def test_get_select_answers_from_the_graph(client):
    response = client.get("/sparql", query_string={"query": SELECT_CLASSES})
    assert response.mimetype == "application/sparql-results+json"
    assert ROLE in classes(response)


def test_post_form_and_post_direct_give_the_same_answer_as_get(client):
    get = client.get("/sparql", query_string={"query": SELECT_CLASSES})
    form = client.post("/sparql", data={"query": SELECT_CLASSES})
    direct = client.post("/sparql", data=SELECT_CLASSES, content_type="application/sparql-query")
    assert get.data == form.data == direct.data
    assert ROLE in classes(direct)


def test_trailing_slash_is_the_same_endpoint(client):
    assert client.get("/sparql/", query_string={"query": "ASK { bkg:Role a owl:Class }"}).get_json()["boolean"] is True


def test_ask_true_and_false(client):
    assert client.get("/sparql", query_string={"query": "ASK { bkg:Role a owl:Class }"}).get_json()["boolean"] is True
    assert client.get("/sparql", query_string={"query": "ASK { bkg:Role a bkg:Role }"}).get_json()["boolean"] is False


def test_construct_defaults_to_turtle_and_parses_back(client):
    response = client.get("/sparql", query_string={"query": CONSTRUCT_ROLE})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    triples = list(ox.parse(response.data, ox.RdfFormat.TURTLE))
    assert ox.NamedNode("http://www.w3.org/2002/07/owl#Class") in {t.object for t in triples}
    assert response.headers["X-Result-Rows"] == str(len(triples))


def test_describe(client):
    response = client.get(
        "/sparql", query_string={"query": "DESCRIBE bkg:Role"}, headers={"Accept": "application/n-triples"}
    )
    assert response.status_code == 200
    subjects = {t.subject for t in ox.parse(response.data, ox.RdfFormat.N_TRIPLES)}
    assert ox.NamedNode(ROLE) in subjects


def test_prefixes_are_predeclared_and_a_query_may_redeclare_them(client):
    query = "PREFIX bkg: <http://example.org/other#> ASK { bkg:Role a owl:Class }"
    assert client.get("/sparql", query_string={"query": query}).get_json()["boolean"] is False


# -- datasets ---------------------------------------------------------------------------------------------------


def test_default_graph_is_the_union_and_graphs_are_named(client, app):
    graphs = app.extensions["backendkg"].backend.graphs
    assert len(graphs) >= 1
    response = client.get("/sparql", query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"})
    assert {b["g"]["value"] for b in bindings(response)} == set(graphs)


def test_default_graph_uri_restricts_the_default_graph(client):
    ontology = "https://w3id.org/backendkg/graph/backendkg"
    query = "ASK { bkg:Role a owl:Class }"
    inside = client.get("/sparql", query_string={"query": query, "default-graph-uri": ontology})
    outside = client.get("/sparql", query_string={"query": query, "default-graph-uri": "http://example.org/none"})
    assert inside.get_json()["boolean"] is True
    assert outside.get_json()["boolean"] is False


def test_named_graph_uri_restricts_the_named_graphs(client):
    ontology = "https://w3id.org/backendkg/graph/backendkg"
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query, "named-graph-uri": ontology})
    assert [b["g"]["value"] for b in bindings(response)] == [ontology]


def test_from_an_unknown_iri_is_an_empty_graph(client):
    response = client.get("/sparql", query_string={"query": "SELECT * FROM <http://example.org/nothing> { ?s ?p ?o }"})
    assert bindings(response) == []


# -- content negotiation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
        ("application/json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml", None),
        ("*/*", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml, application/rdf+xml", "application/sparql-results+xml", None),
    ],
)
def test_select_formats(client, accept, media, fmt):
    response = client.get("/sparql", query_string={"query": SELECT_CLASSES}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media
    assert "Accept" in response.headers["Vary"]
    parsed = ox.parse_query_results(response.data, fmt or ox.QueryResultsFormat.XML)
    assert ox.NamedNode(ROLE) in {s["c"] for s in parsed}


def test_csv(client):
    response = client.get("/sparql", query_string={"query": SELECT_CLASSES}, headers={"Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    lines = response.data.decode().splitlines()
    assert lines[0] == "c"
    assert ROLE in lines


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/n-quads", "application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/trig", "application/trig", ox.RdfFormat.TRIG),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/sparql-results+xml, application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/rdf+xml;q=0.2, application/n-triples;q=0.4", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ],
)
def test_construct_formats(client, accept, media, fmt):
    response = client.get("/sparql", query_string={"query": CONSTRUCT_ROLE}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media
    triples = list(ox.parse(response.data, fmt))
    assert ox.NamedNode(ROLE) in {t.subject for t in triples}


def test_format_parameter_overrides_accept(client):
    response = client.get(
        "/sparql", query_string={"query": SELECT_CLASSES, "format": "csv"}, headers={"Accept": "application/json"}
    )
    assert response.mimetype == "text/csv"
    response = client.get("/sparql", query_string={"query": CONSTRUCT_ROLE, "format": "json"})
    assert response.mimetype == "application/ld+json"
    # A name no format has leaves the choice to the Accept header.
    unknown = client.get(
        "/sparql", query_string={"query": SELECT_CLASSES, "format": "yaml"}, headers={"Accept": "text/csv"}
    )
    assert unknown.status_code == 200 and unknown.mimetype == "text/csv"


def test_nothing_acceptable_is_406(client):
    response = client.get("/sparql", query_string={"query": SELECT_CLASSES}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.get_json()["code"] == 406
    # A CONSTRUCT to a client that only takes result sets:
    response = client.get(
        "/sparql", query_string={"query": CONSTRUCT_ROLE}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 406
    assert "text/turtle" in response.get_json()["description"]


# -- caching ----------------------------------------------------------------------------------------------------


def test_etag_and_304(client):
    first = client.get("/sparql", query_string={"query": SELECT_CLASSES})
    etag = first.headers["ETag"]
    again = client.get("/sparql", query_string={"query": SELECT_CLASSES}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get(
        "/sparql", query_string={"query": SELECT_CLASSES}, headers={"If-None-Match": etag, "Accept": "text/csv"}
    )
    assert other.status_code == 200
    assert other.headers["ETag"] != etag


# -- read-only, refused queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "POST", "data": {"update": "CLEAR ALL"}},
        {"method": "POST", "data": "CLEAR ALL", "content_type": "application/sparql-update"},
        {
            "method": "POST",
            "data": "INSERT DATA { <http://a> <http://b> <http://c> }",
            "content_type": "application/sparql-update",
        },
        {"method": "GET", "query_string": {"update": "CLEAR ALL"}},
        {"method": "GET", "query_string": {"query": "DROP ALL"}},
        {"method": "GET", "query_string": {"query": "LOAD <http://127.0.0.1:9/data.ttl>"}},
        {"method": "POST", "data": "DELETE WHERE { ?s ?p ?o }", "content_type": "application/sparql-query"},
    ],
)
def test_updates_are_403_and_change_nothing(client, app, request_kwargs):
    before = len(app.extensions["backendkg"].backend.store)
    response = client.open("/sparql", **request_kwargs)
    assert response.status_code == 403
    assert response.get_json()["name"] == "Forbidden"
    assert "read-only" in response.get_json()["description"]
    assert len(app.extensions["backendkg"].backend.store) == before


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { OPTIONAL { SERVICE ?endpoint { ?s ?p ?o } } VALUES ?endpoint { <http://127.0.0.1:9/> } }",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "ASK { FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    ],
)
def test_service_is_refused_before_evaluation(client, query):
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "SERVICE" in response.get_json()["description"]


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX service: <http://example.org/service/> SELECT ?s WHERE { ?s ?p service:x } LIMIT 1",
        'SELECT ?s WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/>" } LIMIT 1',
        "SELECT ?s WHERE { ?s ?p <http://example.org/SERVICE> } # SERVICE <http://127.0.0.1:9/>",
        "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
    ],
)
def test_service_word_elsewhere_is_not_refused(client, query):
    assert client.get("/sparql", query_string={"query": query}).status_code == 200


# -- limits and errors ------------------------------------------------------------------------------------------


def test_syntax_error_is_400_with_position(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"code", "name", "description"}
    assert "1:" in body["description"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_query_over_64_kib_is_413(client):
    query = "ASK {} #" + "x" * (64 * 1024)
    assert client.post("/sparql", data=query, content_type="application/sparql-query").status_code == 413
    assert client.post("/sparql", data={"query": query}).status_code == 413
    assert client.get("/sparql", query_string={"query": query}).status_code == 413
    assert client.get("/sparql", query_string={"query": "ASK {} #" + "x" * 60_000}).status_code == 200


def test_missing_or_wrong_content_type_is_415(client):
    assert client.post("/sparql", data="ASK {}").status_code == 415
    assert client.post("/sparql", data="ASK {}", content_type="text/plain").status_code == 415


def test_non_utf8_is_400(client):
    response = client.post("/sparql", data="ASK {}".encode("utf-16"), content_type="application/sparql-query")
    assert response.status_code == 400
    response = client.post(
        "/sparql", data="ASK {}".encode("utf-16"), content_type="application/sparql-query; charset=UTF-16"
    )
    assert response.status_code == 400
    response = client.get("/sparql?query=ASK%20%7B%7D%20%23%FF")
    assert response.status_code == 400
    assert "UTF-8" in response.get_json()["description"]


def test_two_queries_are_400(client):
    response = client.get("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D")
    assert response.status_code == 400


def test_form_without_query_is_400(client):
    assert client.post("/sparql", data={"default-graph-uri": "http://example.org/"}).status_code == 400


def test_wrong_method_is_405(client):
    response = client.put("/sparql", data="ASK {}", content_type="application/sparql-query")
    assert response.status_code == 405
    assert response.get_json()["code"] == 405
    assert "GET" in response.headers["Allow"]


def test_row_limit_cuts_results_and_says_so():
    app = create_app({"TESTING": True, "ROW_LIMIT": 5})
    client = app.test_client()
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert len(bindings(response)) == 5
    assert response.headers["X-Result-Truncated"] == "true"
    assert response.headers["X-Result-Limit"] == "5"
    response = client.get(
        "/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "application/n-triples"}
    )
    assert len(list(ox.parse(response.data, ox.RdfFormat.N_TRIPLES))) == 5
    assert response.headers["X-Result-Truncated"] == "true"
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
    assert len(bindings(response)) == 5
    assert "X-Result-Truncated" not in response.headers


# -- CORS -------------------------------------------------------------------------------------------------------


def test_cors(client):
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    response = client.post("/sparql", data={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_errors_carry_cors_too(client):
    response = client.get("/sparql", query_string={"query": "SELECT"})
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# -- service description and VoID -------------------------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"


def _graph(response, fmt) -> ox.Store:
    store = ox.Store()
    store.load(response.data, fmt)
    return store


def test_service_description(client, app):
    response = client.get("/sparql")
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    store = _graph(response, ox.RdfFormat.TURTLE)
    ask = lambda q: bool(store.query(f"PREFIX sd: <{SD}> PREFIX void: <{VOID}> ASK {{ {q} }}"))  # noqa: E731
    assert ask("?s a sd:Service ; sd:endpoint <http://localhost/sparql> ; sd:supportedLanguage sd:SPARQL11Query")
    assert ask(
        "?s sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON>, <http://www.w3.org/ns/formats/Turtle>"
    )
    assert ask("?s sd:feature sd:UnionDefaultGraph")
    assert not ask("?s sd:feature sd:BasicFederatedQuery")
    for graph in app.extensions["backendkg"].backend.graphs:
        assert ask(f"?s sd:defaultDataset/sd:namedGraph/sd:name <{graph}>")
    triples = len(app.extensions["backendkg"].backend.store)
    rows = list(
        store.query(
            f"PREFIX sd: <{SD}> PREFIX void: <{VOID}>"
            " SELECT ?n { ?s sd:defaultDataset/sd:defaultGraph/void:triples ?n }"
        )
    )
    assert 0 < int(rows[0]["n"].value) <= triples


@pytest.mark.parametrize(
    ("accept", "fmt"), [("application/ld+json", ox.RdfFormat.JSON_LD), ("application/rdf+xml", ox.RdfFormat.RDF_XML)]
)
def test_service_description_formats(client, accept, fmt):
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.mimetype == accept
    store = _graph(response, fmt)
    assert bool(store.query(f"ASK {{ ?s a <{SD}Service> }}"))


def test_a_browser_following_a_query_link_is_sent_to_the_page_with_the_query(client):
    query = "SELECT ?s WHERE { ?s a bkg:Role } LIMIT 1"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": browser})
    assert response.status_code == 303
    location = urllib.parse.urlsplit(response.headers["Location"])
    assert location.path == "/" and urllib.parse.parse_qs(location.query) == {"query": [query]}
    # Anything that does not prefer HTML, and an explicit format, still gets results.
    for headers, params in (({"Accept": "*/*"}, {}), ({"Accept": browser}, {"format": "json"}), ({}, {})):
        answer = client.get("/sparql", query_string={"query": query, **params}, headers=headers)
        assert answer.status_code == 200 and answer.mimetype == "application/sparql-results+json"


def test_service_description_html_goes_to_the_page(client):
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith("/")


def test_void(client, app):
    response = client.get("/.well-known/void")
    assert response.status_code == 200
    store = _graph(response, ox.RdfFormat.TURTLE)
    rows = list(
        store.query(
            f"PREFIX void: <{VOID}> SELECT ?t ?c ?p ?s ?o ?e WHERE "
            "{ ?d a void:Dataset ; void:triples ?t ; void:classes ?c ; void:properties ?p ;"
            " void:distinctSubjects ?s ; void:distinctObjects ?o ; void:sparqlEndpoint ?e }"
        )
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["e"] == ox.NamedNode("http://localhost/sparql")
    kg = app.extensions["backendkg"].backend
    expected = {(t.subject, t.predicate, t.object) for t in kg.store}
    assert int(row["t"].value) == len(expected)
    assert int(row["p"].value) == len({p for _, p, _ in expected})
    dumps = {str(s["u"].value) for s in store.query(f"SELECT ?u {{ ?d <{VOID}dataDump> ?u }}")}
    assert "http://localhost/download/backendkg-0.1.0.ttl" in dumps
    assert "http://localhost/download/backendkg-0.1.0.nq" in dumps
    linksets = {
        str(s["l"].value) for s in kg.store.query(f"SELECT DISTINCT ?l {{ GRAPH ?g {{ ?l a <{VOID}Linkset> }} }}")
    }
    published = {
        str(s["l"].value) for s in store.query(f"SELECT ?l {{ ?l a <{VOID}Linkset> ; <{VOID}linkPredicate> ?p }}")
    }
    assert linksets <= published


@pytest.mark.parametrize("path", ["/sparql", "/.well-known/void"])
def test_descriptions_for_any_client(client, path):
    for accept in ("*/*", "text/*", "application/*, */*;q=0.1"):
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 200, accept
        assert response.mimetype in ("text/turtle", "application/ld+json")
    assert client.get(path, headers={"Accept": "image/png"}).status_code == 406


def test_construct_turtle_uses_the_prefixes(client):
    response = client.get("/sparql", query_string={"query": CONSTRUCT_ROLE}, headers={"Accept": "text/turtle"})
    assert b"@prefix bkg: <https://w3id.org/backendkg/ontology#>" in response.data
    assert b"bkg:Role" in response.data


def test_void_names_examples_and_root_resources(client):
    store = _graph(client.get("/.well-known/void"), ox.RdfFormat.TURTLE)
    examples = {str(s["x"].value) for s in store.query(f"SELECT ?x {{ ?d <{VOID}exampleResource> ?x }}")}
    roots = {str(s["x"].value) for s in store.query(f"SELECT ?x {{ ?d <{VOID}rootResource> ?x }}")}
    assert "https://w3id.org/backendkg/role/backend-developer" in examples
    assert "https://w3id.org/backendkg/scheme/roles" in roots


def test_void_as_json_ld(client):
    response = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert json.loads(response.data)


# -- the fast path for repeated GET requests ---------------------------------------------------------------------


def test_repeated_get_is_answered_identically_with_its_own_request_id(client):
    query = {"query": "SELECT ?c WHERE { ?c a owl:Class } LIMIT 3"}
    first = client.get("/sparql", query_string=query)
    second = client.get("/sparql", query_string=query)
    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]
    assert second.headers["Content-Type"] == "application/sparql-results+json"
    assert second.headers["Access-Control-Allow-Origin"] == "*"
    if "X-Request-Id" in first.headers:
        assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
        mine = client.get("/sparql", query_string=query, headers={"X-Request-Id": "abc-123"})
        assert mine.headers["X-Request-Id"] == "abc-123"
    csv = client.get("/sparql", query_string=query, headers={"Accept": "text/csv"})
    assert csv.mimetype == "text/csv"
    assert (
        client.get("/sparql", query_string=query, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    )


def test_errors_are_not_replayed(client):
    query = {"query": "SELECT * WHERE { ?s ?p }"}
    assert client.get("/sparql", query_string=query).status_code == 400
    assert client.get("/sparql", query_string=query).status_code == 400


def test_fast_path_sees_the_host(client):
    query = {"query": "SELECT ?x WHERE { BIND(<relative> AS ?x) }"}
    one = client.get("/sparql", query_string=query, base_url="http://one.example")
    two = client.get("/sparql", query_string=query, base_url="http://two.example")
    assert bindings(one)[0]["x"]["value"] == "http://one.example/relative"
    assert bindings(two)[0]["x"]["value"] == "http://two.example/relative"


def test_head_is_a_get_without_body(client):
    query = {"query": "SELECT ?c WHERE { ?c a owl:Class } LIMIT 2"}
    get = client.get("/sparql", query_string=query)
    head = client.head("/sparql", query_string=query)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["ETag"] == get.headers["ETag"]


# -- the engine API other parts of the application use ----------------------------------------------------------


def test_engine_api(app):
    from backendkg.sparql.errors import (
        QueryRefused,
        QuerySyntaxError,
        QueryTimeout,
        QueryTooLarge,
        UpdateForbidden,
    )
    from backendkg.web import state

    engine = state(app).engine
    rows = engine.select("SELECT ?label WHERE { bkg:Role rdfs:label ?label }")
    assert rows == [{"label": ox.Literal("role", language="en")}]
    assert engine.ask("ASK { bkg:Role a owl:Class }") is True
    triples = engine.triples("CONSTRUCT WHERE { bkg:Role rdfs:label ?l }")
    assert triples == [
        ox.Triple(
            ox.NamedNode(ROLE),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            ox.Literal("role", language="en"),
        )
    ]
    with pytest.raises(QuerySyntaxError):
        engine.select("SELECT")
    with pytest.raises(QueryRefused):
        engine.select("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(UpdateForbidden):
        engine.select("CLEAR ALL")
    with pytest.raises(QueryTooLarge):
        engine.ask("ASK {} #" + "x" * engine.max_query_bytes)
    with pytest.raises(QueryTimeout):
        # About two seconds of work (it runs on after the deadline, so it must end on its own).
        engine.select("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }", timeout=0.05)
    assert QueryTimeout.code == 503
