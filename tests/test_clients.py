"""Real SPARQL clients against the live server: SPARQLWrapper, rdflib's SPARQLStore, requests, urllib."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

BKG = "https://w3id.org/backendkg/ontology#"
OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"
CLASSES = f"SELECT ?c WHERE {{ ?c a <{OWL_CLASS}> }} ORDER BY ?c"


@pytest.fixture(scope="module")
def expected_classes(kg) -> list[str]:
    """The owl:Classes of the shipped graph, straight from pyoxigraph."""
    return [str(s["c"].value) for s in kg.store.query(CLASSES, use_default_graph_as_union=True)]


def test_sparqlwrapper_json(live_server, expected_classes):
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(CLASSES)
    client.setReturnFormat(JSON)
    result = client.query().convert()
    assert [b["c"]["value"] for b in result["results"]["bindings"]] == expected_classes
    assert BKG + "Role" in expected_classes


def test_sparqlwrapper_xml(live_server, expected_classes):
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(CLASSES)
    client.setReturnFormat(XML)
    document = client.query().convert()  # xml.dom.minidom
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert uris == expected_classes


def test_sparqlwrapper_post_csv_and_ask(live_server, expected_classes):
    client = SPARQLWrapper(live_server + "/sparql")
    client.setMethod("POST")
    client.setQuery(CLASSES)
    client.setReturnFormat(CSV)
    lines = client.query().convert().decode().splitlines()
    assert lines[1:] == expected_classes
    client.setQuery(f"ASK {{ <{BKG}Role> a <{OWL_CLASS}> }}")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


def test_sparqlwrapper_construct(live_server):
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(f"CONSTRUCT WHERE {{ <{BKG}Role> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    data = client.query().convert()
    graph = rdflib.Graph().parse(data=data, format="turtle")
    assert (rdflib.URIRef(BKG + "Role"), rdflib.RDF.type, rdflib.OWL.Class) in graph


def test_rdflib_sparqlstore_select_ask_construct(live_server, expected_classes):
    store = SPARQLStore(live_server + "/sparql")
    graph = rdflib.Graph(store=store)
    rows = list(graph.query(CLASSES))
    assert [str(r.c) for r in rows] == expected_classes
    assert graph.query(f"ASK {{ <{BKG}Role> a <{OWL_CLASS}> }}").askAnswer is True
    constructed = graph.query(f"CONSTRUCT WHERE {{ <{BKG}Role> ?p ?o }}").graph
    assert (rdflib.URIRef(BKG + "Role"), rdflib.RDF.type, rdflib.OWL.Class) in constructed
    # Triple pattern access goes through SPARQL too.
    assert (rdflib.URIRef(BKG + "Role"), rdflib.RDF.type, rdflib.OWL.Class) in graph
    store.close()


def test_rdflib_graph_sparqlstore_plugin(live_server):
    graph = rdflib.Graph("SPARQLStore")
    graph.open(live_server + "/sparql")
    labels = {str(o) for o in graph.objects(rdflib.URIRef(BKG + "Role"), rdflib.RDFS.label)}
    assert labels == {"role"}
    graph.close()


def test_requests_every_format(live_server, expected_classes):
    url = live_server + "/sparql"
    for accept, fmt in [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ]:
        response = requests.get(url, params={"query": CLASSES}, headers={"Accept": accept}, timeout=30)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith(accept)
        parsed = ox.parse_query_results(response.content, fmt)
        assert [str(s["c"].value) for s in parsed] == expected_classes
    response = requests.post(url, data={"query": CLASSES}, headers={"Accept": "text/csv"}, timeout=30)
    assert response.text.splitlines()[1:] == expected_classes


def test_requests_session_etag_revalidation(live_server):
    with requests.Session() as session:
        first = session.get(live_server + "/sparql", params={"query": CLASSES}, timeout=30)
        second = session.get(
            live_server + "/sparql", params={"query": CLASSES}, headers={"If-None-Match": first.headers["ETag"]}
        )
        assert second.status_code == 304
        assert second.headers["ETag"] == first.headers["ETag"]


def test_urllib_direct_post(live_server, expected_classes):
    request = urllib.request.Request(
        live_server + "/sparql",
        data=CLASSES.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    assert [b["c"]["value"] for b in body["results"]["bindings"]] == expected_classes


def test_urllib_service_description(live_server):
    request = urllib.request.Request(live_server + "/sparql", headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(request, timeout=30) as response:
        data = response.read()
    graph = rdflib.Graph().parse(data=data, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(live_server + "/sparql")
    assert (endpoint, sd.endpoint, endpoint) in graph
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Query) in graph
    query = urllib.parse.urlencode({"query": "ASK {}"})
    with urllib.request.urlopen(f"{live_server}/sparql?{query}", timeout=30) as response:
        assert json.load(response)["boolean"] is True
