"""``/rest/v1/``: the Skosmos REST API, used by NatLibFi's own client against ``backendkg serve``, and each
endpoint's JSON-LD shape and statuses checked over the test client."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.compare import isomorphic

BASE = "https://w3id.org/backendkg/"
API = BASE + "role/api-developer"
BACKEND = BASE + "role/backend-developer"
POSTGRES = BASE + "technology/postgresql"
SKOS = "http://www.w3.org/2004/02/skos/core#"
VOCABULARIES = {
    "benefits",
    "capabilities",
    "industries",
    "responsibilities",
    "roles",
    "skills",
    "technologies",
    "traits",
}


@pytest.fixture(scope="module")
def skosmos(live_server):
    skosmos_client = pytest.importorskip("skosmos_client")
    return skosmos_client.SkosmosClient(api_base=f"{live_server}/rest/v1/")


@pytest.fixture()
def rdflib_reads_rdfxml_by_default(monkeypatch):
    """skosmos-client 0.3.0 (2019) asks for RDF/XML and parses it without naming the format, which rdflib read
    as RDF/XML before version 6 and reads as Turtle since: give ``Graph.parse`` back its old default."""
    parse = rdflib.Graph.parse

    def old_default(self, source=None, publicID=None, format=None, **kwargs):
        return parse(self, source, publicID, format or "xml", **kwargs)

    monkeypatch.setattr(rdflib.Graph, "parse", old_default)


# ------------------------------------------------------------------------------------------ skosmos-client


def test_client_lists_the_vocabularies(skosmos):
    vocabularies = skosmos.vocabularies("en")
    assert {v["id"] for v in vocabularies} == VOCABULARIES
    assert {v["id"]: v["title"] for v in vocabularies}["roles"] == "backendkg roles"


def test_client_searches_with_a_wildcard(skosmos):
    results = skosmos.search("postgres*", lang="en")
    assert {r["uri"] for r in results} == {POSTGRES}
    assert {r["prefLabel"] for r in results} == {"PostgreSQL"}
    assert all(r["vocab"] == "technologies" and "skos:Concept" in r["type"] for r in results)
    assert skosmos.search("postgres*", vocabs="roles", lang="en") == []
    assert [r["uri"] for r in skosmos.search("postgres*", vocabs=["technologies"], lang="en", unique=True)] == [
        POSTGRES
    ]


def test_client_looks_up_a_label(skosmos):
    [hit] = skosmos.lookup("technologies", "postgresql", lang="en")
    assert hit["uri"] == POSTGRES and hit["prefLabel"] == "PostgreSQL"
    with pytest.raises(ValueError):
        skosmos.lookup("technologies", "no such technology", lang="en")


def test_client_reads_a_concepts_labels_broader_and_narrower(skosmos):
    api = skosmos.get_concept("roles", API)
    assert api.label("en") == "API developer"
    assert [b["uri"] for b in api.broader("en")] == [BACKEND]
    assert api.broader("en")[0]["prefLabel"] == "backend developer"
    assert set(api.broaderTransitive("en")) == {API, BACKEND}  # keyed by IRI, as Skosmos sends it
    backend = skosmos.get_concept("roles", BACKEND)
    assert API in {n["uri"] for n in backend.narrower("en")}
    assert API in backend.narrowerTransitive("en")
    assert {"uri": BASE + "role/full-stack-developer", "prefLabel": "full stack developer"} in backend.related("en")


def test_client_reads_a_concepts_data(skosmos, rdflib_reads_rdfxml_by_default):
    graph = skosmos.data(API, vocid="roles")
    concept = rdflib.URIRef(API)
    assert (concept, rdflib.RDF.type, rdflib.SKOS.Concept) in graph
    assert (concept, rdflib.SKOS.prefLabel, rdflib.Literal("API developer", lang="en")) in graph
    assert (concept, rdflib.SKOS.broader, rdflib.URIRef(BACKEND)) in graph
    assert len(skosmos.data(API)) == len(graph)


def test_client_reads_vocabulary_information_types_and_top_concepts(skosmos):
    info = skosmos.get_vocabulary("roles", lang="en")
    assert info["id"] == "roles" and info["conceptschemes"][0]["uri"] == BASE + "scheme/roles"
    types = {t["uri"] for t in skosmos.types("en", vocid="roles")}
    assert {SKOS + "Concept", BASE + "ontology#Role"} == types
    tops = {t["uri"] for t in skosmos.top_concepts("roles", lang="en")}
    assert BACKEND in tops and API not in tops
    with pytest.raises(ValueError):
        skosmos.get_vocabulary("no-such-vocabulary")


# ------------------------------------------------------------------------------------------------ shapes


def get(client, path: str, **params):
    return client.get(f"/rest/v1/{path}", query_string=params)


def test_search_results_have_skosmos_fields_and_context(client):
    r = get(client, "search", query="*developer", lang="en", maxhits=3, unique="true")
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.json
    assert body["@context"]["results"] == {"@id": "onki:results", "@container": "@list"}
    assert body["@context"]["@language"] == "en" and body["uri"] == ""
    assert len(body["results"]) == 3
    for hit in body["results"]:
        assert {"uri", "type", "prefLabel", "lang", "vocab"} <= set(hit)
    labels = [h["prefLabel"].casefold() for h in body["results"]]
    assert labels == sorted(labels)
    more = get(client, "search", query="*developer", lang="en", maxhits=3, offset=3, unique="true").json["results"]
    assert not {h["uri"] for h in more} & {h["uri"] for h in body["results"]}


def test_search_by_alternative_label_says_which_label_matched(client):
    [hit] = get(client, "technologies/search", query="postgres", lang="en").json["results"]
    assert hit["altLabel"] == "Postgres" and hit["prefLabel"] == "PostgreSQL"


def test_search_by_type_and_parent(client):
    roles = get(client, "search", query="*", type="bkg:Role", lang="en", maxhits=1000).json["results"]
    assert {h["vocab"] for h in roles} == {"roles"} and len({h["uri"] for h in roles}) == 16
    under = get(client, "roles/search", query="*", parent=BACKEND, lang="en").json["results"]
    assert API in {h["uri"] for h in under} and BACKEND not in {h["uri"] for h in under}


def test_search_with_extra_fields(client):
    [hit] = get(client, "roles/search", query="API developer", fields="broader", lang="en").json["results"]
    assert hit["broader"] == [{"uri": BACKEND, "prefLabel": "backend developer"}]


def test_label_hierarchy_children_and_mappings(client):
    label = get(client, "roles/label", uri=API, lang="en").json
    assert label["prefLabel"] == "API developer" and label["altLabel"] == ["API developers"]
    assert get(client, "label", uri=API, lang="en").json["prefLabel"] == "API developer"
    tree = get(client, "roles/hierarchy", uri=API, lang="en").json["broaderTransitive"]
    assert tree[API]["broader"] == [BACKEND]
    assert tree[BACKEND]["top"] == BASE + "scheme/roles" and tree[BACKEND]["hasChildren"] is True
    assert API in {n["uri"] for n in tree[BACKEND]["narrower"]}
    kids = get(client, "roles/children", uri=BACKEND, lang="en").json["narrower"]
    assert {"uri": API, "prefLabel": "API developer", "hasChildren": False} in kids
    mapped = get(client, "roles/mappings", uri=BACKEND, lang="en").json
    targets = {m["to"]["memberSet"][0]["uri"]: m["type"] for m in mapped["mappings"]}
    assert targets["http://data.europa.eu/esco/isco/C2512"] == ["skos:broadMatch"]
    assert mapped["graph"]["graph"]


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_data_in_each_format_is_the_same_graph(client):
    turtle = rdflib.Graph().parse(data=get(client, "roles/data", uri=API, format="text/turtle").data, format="turtle")
    xml = rdflib.Graph().parse(data=get(client, "data", uri=API, format="application/rdf+xml").data, format="xml")
    r = client.get("/rest/v1/roles/data", query_string={"uri": API}, headers={"Accept": "application/ld+json"})
    assert r.mimetype == "application/ld+json" and "graph" in r.json and r.json["@context"]["graph"] == "@graph"
    jsonld = rdflib.Graph().parse(data=r.data, format="json-ld")
    assert len(turtle) > 10 and isomorphic(turtle, xml) and isomorphic(turtle, jsonld)
    whole = rdflib.Graph().parse(data=get(client, "roles/data", format="text/turtle").data, format="turtle")
    assert set(whole.subjects(rdflib.SKOS.inScheme, rdflib.URIRef(BASE + "scheme/roles"))) >= {
        rdflib.URIRef(API),
        rdflib.URIRef(BACKEND),
    }


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("nope/", {}, 404),
        ("nope/broader", {"uri": API}, 404),
        ("roles/broader", {}, 400),
        ("roles/broader", {"uri": POSTGRES}, 404),
        ("roles/narrowerTransitive", {"uri": BACKEND, "limit": "0"}, 400),
        ("data", {}, 400),
        ("roles/data", {"uri": API, "format": "text/csv"}, 406),
        ("roles/lookup", {}, 400),
        ("search", {}, 400),
        ("search", {"query": "x", "maxhits": "many"}, 400),
        ("search", {"query": "x", "maxhits": "5000"}, 400),
        ("search", {"query": "x", "lang": "not a language"}, 400),
        ("search", {"query": "x", "unique": "perhaps"}, 400),
        ("search", {"query": " "}, 400),
        ("roles/narrowerTransitive", {"uri": BACKEND, "limit": "5000"}, 400),
        ("search", {"query": "x", "vocab": "nope"}, 404),
        ("vocabularies", {}, 400),
        ("types", {}, 400),
    ],
)
def test_errors_are_json_with_code_name_and_description(client, path, params, status):
    r = get(client, path, **params)
    assert r.status_code == status
    assert r.mimetype == "application/json"
    assert set(r.json) == {"code", "name", "description"} and r.json["code"] == status


def test_a_vocabulary_without_its_final_slash_is_redirected(client):
    r = client.get("/rest/v1/roles")
    assert r.status_code in (301, 308) and r.headers["Location"].endswith("/rest/v1/roles/")


def test_every_concept_is_in_exactly_one_vocabulary_and_found_by_its_label(client, kg):
    concepts = {r["c"].value for r in kg.select("SELECT ?c WHERE { ?c a skos:Concept }")}
    found = get(client, "search", query="*", maxhits=1000, unique="true", lang="en").json["results"]
    assert {h["uri"] for h in found} == concepts and len(found) == len(concepts)
