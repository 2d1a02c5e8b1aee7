"""Linked Data: content IRIs answered under the server's own host, by content negotiation."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest

from backendkg.namespaces import BASE, BKG, KINDS
from backendkg.web import create_app
from backendkg.web.ld import LD_KINDS

FIXTURE = Path(__file__).parent / "fixtures" / "site.ttl"
TBOX = Path(__file__).parents[1] / "ontology" / "backendkg.ttl"
ROLE = BASE + "role/backend-developer"
SKOS = "http://www.w3.org/2004/02/skos/core#"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

FORMATS = {
    "text/turtle": ("ttl", ox.RdfFormat.TURTLE),
    "application/ld+json": ("jsonld", ox.RdfFormat.JSON_LD),
    "application/n-triples": ("nt", ox.RdfFormat.N_TRIPLES),
    "application/rdf+xml": ("rdf", ox.RdfFormat.RDF_XML),
}


@pytest.fixture(scope="module")
def site():
    return create_app({"TESTING": True, "DATA": [str(TBOX), str(FIXTURE)]}).test_client()


def parse(body: bytes, fmt: ox.RdfFormat) -> set[tuple[str, str, str]]:
    return {(str(t.subject), str(t.predicate), str(t.object)) for t in ox.parse(body, format=fmt)}


def n(iri: str) -> str:
    return f"<{iri}>"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")
        self._in_title = tag == "title"

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False


@pytest.mark.parametrize("media_type", list(FORMATS))
def test_accept_header_picks_the_rdf_syntax(site, media_type):
    ext, fmt = FORMATS[media_type]
    r = site.get("/role/backend-developer", headers={"Accept": media_type})
    assert r.status_code == 200
    assert r.mimetype == media_type
    assert r.headers["Vary"] == "Accept"
    assert r.headers["Content-Location"] == f"/role/backend-developer.{ext}"
    triples = parse(r.data, fmt)
    assert (n(ROLE), n(SKOS + "prefLabel"), '"backend developer"@en') in triples


@pytest.mark.parametrize("media_type", list(FORMATS))
def test_extension_picks_the_rdf_syntax_whatever_the_accept_header(site, media_type):
    ext, fmt = FORMATS[media_type]
    r = site.get(f"/role/backend-developer.{ext}", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.mimetype == media_type
    assert (n(ROLE), n(BKG + "requiresEssentialSkill"), n(BASE + "skill/api-design")) in parse(r.data, fmt)


def test_all_syntaxes_carry_the_same_triples(site):
    graphs = [parse(site.get(f"/role/backend-developer.{ext}").data, fmt) for ext, fmt in FORMATS.values()]
    assert all(g == graphs[0] for g in graphs)


def test_description_holds_own_triples_labels_of_links_incoming_links_and_provenance(site):
    triples = parse(site.get("/role/backend-developer.nt").data, ox.RdfFormat.N_TRIPLES)
    # its own triples
    assert (n(ROLE), n(BKG + "usesOptionalTechnology"), n(BASE + "technology/postgresql")) in triples
    # the labels and types of what it links to
    assert (n(BASE + "technology/postgresql"), n(SKOS + "prefLabel"), '"PostgreSQL"@en') in triples
    assert (n(BASE + "technology/postgresql"), n(RDF_TYPE), n(BKG + "DatabaseManagementSystem")) in triples
    # incoming links, with the label of who links
    assert (n(BASE + "industry/fintech"), n(BKG + "reliesOn"), n(ROLE)) in triples
    assert (n(BASE + "industry/fintech"), n(SKOS + "prefLabel"), '"fintech"@en') in triples
    # the source statements about its triples, with their locators
    stmt = n(BASE + "statement/0000000000000001")
    assert (stmt, n(BKG + "excerpt"), '"designing clean APIs is the core of the job"') in triples
    assert (stmt, n("http://purl.org/dc/terms/source"), n(BASE + "source/doc-a")) in triples
    # but not the rest of the graph
    assert not any(s == n(BASE + "skill/communication") and p == n(SKOS + "definition") for s, p, _ in triples)
    assert not any(s == n(BKG + "Skill") and p != n(SKOS + "prefLabel") for s, p, _ in triples if "Skill>" in s)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def test_browsers_get_html_with_alternates(site):
    r = site.get("/role/backend-developer", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    assert r.headers["Vary"] == "Accept"
    for ext, media_type in (("ttl", "text/turtle"), ("jsonld", "application/ld+json")):
        assert f'</role/backend-developer.{ext}>; rel="alternate"; type="{media_type}"' in r.headers["Link"]
    page = Links()
    page.feed(r.get_data(as_text=True))
    assert page.title.startswith("Backend developer")
    assert "/role/backend-developer.ttl" in page.hrefs


@pytest.mark.parametrize("accept", [None, "*/*", "text/*"])
def test_clients_without_a_preference_get_turtle(site, accept):
    r = site.get("/role/backend-developer", headers={"Accept": accept} if accept else {})
    assert r.mimetype == "text/turtle"


def test_unacceptable_media_type_is_406_naming_what_is_offered(site):
    r = site.get("/role/backend-developer", headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/turtle" in r.json["description"]


def test_404_page_suggests_what_was_meant(client):
    html = client.get("/technology/postgres-db", headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)
    meant = html.split("Did you mean")[1]
    assert 'href="/technology/postgresql"' in meant


def test_unknown_identifier_is_a_helpful_404_page_for_browsers(site):
    r = site.get("/skill/no-such-skill", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    body = r.get_data(as_text=True)
    assert BASE + "skill/no-such-skill" in body
    assert "/search?q=no%20such%20skill" in body


@pytest.mark.parametrize("path", ["/skill/no-such-skill", "/skill/no-such-skill.ttl"])
def test_unknown_identifier_is_a_json_404_for_machines(site, path):
    r = site.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 404
    assert r.json["code"] == 404
    assert BASE + "skill/no-such-skill" in r.json["description"]


@pytest.mark.parametrize("path", ["/role/a%20b", "/role/a%3Cb%3E", "/role/%7B%7D", "/role/x%22y.ttl", "/skill/%C3%A9"])
def test_identifiers_that_are_not_iris_are_404_not_errors(site, path):
    for accept in (BROWSER_ACCEPT, "text/turtle"):
        r = site.get(path, headers={"Accept": accept})
        assert r.status_code == 404, (path, accept)
    assert "&lt;b&gt;" in site.get("/role/a%3Cb%3E", headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)


def test_unknown_kind_is_404(site):
    assert site.get("/spaceship/enterprise").status_code == 404


def test_etag_gives_304(site):
    first = site.get("/role/backend-developer.ttl")
    assert first.headers["ETag"]
    again = site.get("/role/backend-developer.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_role_page_groups_skills_and_technologies_by_kind_and_need(site):
    html = site.get("/role/backend-developer.html").get_data(as_text=True)
    skills = html.split('id="h-skills"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", skills, re.S)
    practice = next(r for r in rows if "/ontology#Practice" in r)
    soft = next(r for r in rows if "/ontology#SoftSkill" in r)
    essential, optional = re.findall(r"<td>(.*?)</td>", practice, re.S), re.findall(r"<td>(.*?)</td>", soft, re.S)
    assert "/skill/api-design" in essential[0] and "/skill/api-design" not in essential[1]
    assert "/skill/communication" in optional[1] and "/skill/communication" not in optional[0]
    techs = html.split('id="h-technologies"')[1].split("</table>")[0]
    assert "/ontology#DatabaseManagementSystem" in techs and "/technology/postgresql" in techs
    assert "/ontology#ProgrammingLanguage" in techs and "/technology/python" in techs


def test_role_page_shows_industries_links_specialisations_and_sources(site):
    html = site.get("/role/backend-developer.html").get_data(as_text=True)
    assert 'href="/industry/fintech"' in html.split('id="h-industries"')[1]
    links = html.split('id="h-links"')[1]
    assert "http://data.europa.eu/esco/isco/C2512" in links and "ISCO-08" in links
    assert "ESCO" in links
    assert 'href="/role/database-developer"' in html.split('id="h-family"')[1]
    sources = html.split('id="h-sources"')[1]
    assert "What does a backend developer do?" in sources
    assert "Skills" in sources and "designing clean APIs is the core of the job" in sources
    assert 'href="/statement/0000000000000001"' in sources


def test_every_term_on_a_page_links_to_its_local_page(site):
    page = Links()
    page.feed(site.get("/role/backend-developer.html").get_data(as_text=True))
    assert not [h for h in page.hrefs if h.startswith(BASE)], "backendkg IRIs must link to this server"
    local = {h.split("#")[0] for h in page.hrefs if h.startswith("/") and not h.startswith("//")}
    for kind_path in ("/skill/api-design", "/technology/python", "/responsibility/build-apis", "/source/doc-a"):
        assert kind_path in local
    for path in sorted(h for h in local if h.split("/")[1] in KINDS):
        assert site.get(path, headers={"Accept": "text/html"}).status_code == 200, path


@pytest.mark.parametrize(
    "path", ["/statement/0000000000000001", "/source/doc-a", "/scheme/roles", "/industry/fintech", "/skill/api-design"]
)
def test_other_kinds_have_pages(site, path):
    r = site.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200, path
    turtle = site.get(path + ".ttl")
    assert len(list(ox.parse(turtle.data, format=ox.RdfFormat.TURTLE))) > 0


def test_source_page_lists_what_it_states(site):
    html = site.get("/source/doc-a.html").get_data(as_text=True)
    assert "What does a backend developer do?" in html
    assert 'href="/role/backend-developer"' in html
    sources = html.split('id="h-sources"')[1]
    assert "designing clean APIs is the core of the job" in sources
    assert "a backend developer builds the server side" in sources
    assert 'href="/statement/0000000000000001"' in sources


def test_statement_page_reads_as_the_triple_it_records(site):
    html = site.get("/statement/0000000000000001.html").get_data(as_text=True)
    record = html.split('id="h-statement"')[1].split("</section>")[0]
    assert 'href="/role/backend-developer"' in record and 'href="/skill/api-design"' in record
    assert "requires essential skill" in record
    assert "Skills" in record and "designing clean APIs is the core of the job" in record
    assert 'href="/source/doc-a"' in record


def test_every_content_iri_of_the_shipped_graph_resolves(client, kg):
    rows = kg.select(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), 'https://w3id.org/backendkg/')) }"
    )
    iris = sorted(r["s"].value for r in rows)
    content = [i for i in iris if i[len(BASE) :].split("/")[0] in LD_KINDS and "/" in i[len(BASE) :]]
    assert {i[len(BASE) :].split("/")[0] for i in content} >= {"role", "skill", "technology", "source", "linkset"}
    # Statements are many and alike: take every 25th; everything else, all of it.
    sample = [i for i in content if "/statement/" not in i] + [i for i in content if "/statement/" in i][::25]
    for iri in sample:
        path = "/" + iri[len(BASE) :]
        assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 200, path
        assert client.get(path, headers={"Accept": "text/html"}).status_code == 200, path


def test_the_dataset_description_resolves(client, kg):
    if not kg.ask(f"ASK {{ <{BASE}dataset> ?p ?o }}"):
        pytest.skip("the graph has no dataset description")
    r = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert any(t.subject == ox.NamedNode(BASE + "dataset") for t in ox.parse(r.data, format=ox.RdfFormat.TURTLE))
    assert client.get("/dataset.html").mimetype == "text/html"


def test_named_graphs_resolve_to_their_triples(client, kg):
    graph = "https://w3id.org/backendkg/graph/schemes/roles"
    r = client.get("/graph/schemes/roles", headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.headers["Vary"] == "Accept"
    served = {str(t) for t in ox.parse(r.data, format=ox.RdfFormat.N_TRIPLES)}
    quads = kg.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    assert served == {str(ox.Triple(q.subject, q.predicate, q.object)) for q in quads}
    page = client.get("/graph/schemes/roles", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 303
    assert page.headers["Location"].endswith("/download/#schemes-roles")
    assert client.get("/graph/no/such/graph.ttl").status_code == 404


def test_descriptions_are_computed_once_per_process(site):
    site.get("/technology/python.ttl")
    shared = site.application.extensions["backendkg"]
    first = shared.description(BASE + "technology/python")
    assert site.get("/technology/python", headers={"Accept": BROWSER_ACCEPT}).status_code == 200
    assert shared.description(BASE + "technology/python") is first
