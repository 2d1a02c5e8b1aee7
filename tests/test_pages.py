"""The pages for people, without a browser: the front page, the indexes, search, the ontology and shapes."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import quote
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest

from backendkg import __version__
from backendkg.namespaces import BASE
from backendkg.queries.named import library
from backendkg.web.pages import examples, runnable

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class Page(HTMLParser):
    """The parts of a page the tests look at: resources it loads, links, landmarks, labels."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in ("script", "img", "iframe") and a.get("src"):
            self.loads.append(a["src"])
        if tag == "link" and a.get("rel") in ("stylesheet", "icon", "preload"):
            self.loads.append(a["href"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


@pytest.mark.parametrize(
    "path", ["/", "/role/", "/skill/", "/search?q=api", "/role/backend-developer", "/download/", "/ontology", "/shapes"]
)
def test_pages_load_nothing_from_elsewhere_and_have_landmarks(client, path):
    r = client.get(path, headers=BROWSER)
    assert r.status_code == 200
    page = Page(r.get_data(as_text=True))
    assert page.loads, "the stylesheet at least"
    assert all(src.startswith("/") and not src.startswith("//") for src in page.loads), page.loads
    for landmark in ("header", "nav", "main", "footer"):
        assert page.find(landmark), (path, landmark)
    assert page.find("meta", name="viewport")
    for loaded in page.loads:
        with client.get(loaded) as response:
            assert response.status_code == 200, loaded


def test_front_page_offers_every_runnable_example(client):
    text = client.get("/", headers=BROWSER).get_data(as_text=True)
    page = Page(text)
    shown = {a["data-example"] for a in page.find("button") if "data-example" in a}
    assert shown == {e.name for e in examples_of(client)}
    assert len(shown) >= 10
    for query in library():
        if query.name in shown:
            assert query.title in html.unescape(text)


def examples_of(client):
    with client.application.app_context():
        return examples()


def test_every_example_runs_as_it_stands(client, kg):
    for example in examples_of(client):
        result = kg.query(example.text, prefixes=False)
        if isinstance(result, ox.QuerySolutions):
            assert list(result) is not None
        assert example.form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def test_examples_with_parameters_bind_the_values_of_their_examples_header():
    compare = next(q for q in library() if q.name == "compare-roles")
    text = runnable(compare)
    # Both parameters in one block, which every SPARQL store evaluates alike.
    assert (
        "\n  VALUES (?_role_iri ?_other_role_iri) { (<https://w3id.org/backendkg/role/backend-developer> "
        "<https://w3id.org/backendkg/role/database-developer>) }"
    ) in text
    assert "PREFIX bkg: <https://w3id.org/backendkg/ontology#>" in text
    assert "#+" not in text


def test_query_in_the_url_fills_the_editor(client):
    query = 'SELECT * WHERE { ?s ?p "<b>" } LIMIT 1'
    text = client.get("/?query=" + quote(query), headers=BROWSER).get_data(as_text=True)
    editor = re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', text, re.S).group(1)
    assert html.unescape(editor) == query
    assert "<b>" not in editor


def test_front_page_lists_the_roles_and_the_editor_is_labelled(client, kg):
    page = Page(client.get("/", headers=BROWSER).get_data(as_text=True))
    roles = {r["r"].value for r in kg.select("SELECT ?r WHERE { ?r a bkg:Role }")}
    hrefs = set(page.links)
    assert {"/" + r[len(BASE) :] for r in roles} <= hrefs
    assert page.find("label", **{"for": "query"})
    assert page.find("label", **{"for": "search-input"})
    assert page.find("textarea", id="query", name="query")


def test_front_page_has_the_text_to_concepts_panel_with_its_own_script(client):
    text = client.get("/", headers=BROWSER).get_data(as_text=True)
    page = Page(text)
    assert page.find("label", **{"for": "extract-text"})
    [box] = page.find("textarea", id="extract-text")
    assert int(box["maxlength"]) > 0
    assert "/static/extract.js" in page.loads
    scripts = [a for t, a in page.tags if t == "script"]
    assert all(a.get("src") or a.get("type") == "application/json" for a in scripts), "no inline scripts"
    [sample] = page.find("button", id="extract-sample")
    assert client.post("/api/extract", data=sample["data-sample"], content_type="text/plain").json["concepts"]


def test_kind_index_groups_technologies_by_kind(client):
    text = client.get("/technology/", headers=BROWSER).get_data(as_text=True)
    assert "Database management system" in text
    db = text.split("Database management system")[1].split("</ul>")[0]
    assert 'href="/technology/postgresql"' in db
    assert 'href="/technology/python"' not in db


def test_search_page_ranks_exact_before_prefix_before_substring(client):
    text = client.get("/search?q=postgres", headers=BROWSER).get_data(as_text=True)
    hits = re.findall(r'<li><a href="([^"]+)">', text.split('<ol class="hits">')[1])
    assert hits[0] == "/technology/postgresql"
    matches = re.findall(r"\((exact|prefix|substring) match\)", text)
    order = {"exact": 0, "prefix": 1, "substring": 2}
    assert [order[m] for m in matches] == sorted(order[m] for m in matches)


def test_search_page_without_results_says_so(client):
    text = client.get("/search?q=zzzyyyxxx", headers=BROWSER).get_data(as_text=True)
    assert "Nothing in the graph is called" in text


def test_search_text_too_long_is_400(client):
    assert client.get("/search?q=" + "a" * 500, headers=BROWSER).status_code == 400


def test_ontology_page_documents_every_class_and_property(client, kg):
    text = client.get("/ontology", headers=BROWSER).get_data(as_text=True)
    terms = kg.select(
        "SELECT ?t WHERE { VALUES ?c { owl:Class owl:ObjectProperty owl:DatatypeProperty } ?t a ?c "
        "FILTER(STRSTARTS(STR(?t), STR(bkg:))) }"
    )
    assert len(terms) > 30
    for row in terms:
        assert f'id="{row["t"].value.split("#")[1]}"' in text
    assert "<svg" in text and 'href="#Role"' in text
    role = text.split('id="Role"')[1].split("</section>")[0]
    assert "schema:Occupation" in role and 'href="#requiresSkill"' in role
    requires = text.split('id="requiresSkill"')[1].split("</section>")[0]
    assert 'href="#isSkillRequiredBy"' in requires and "schema:skills" in requires


def test_ontology_diagram_is_svg_with_every_class(client, kg):
    r = client.get("/ontology.svg")
    assert r.mimetype == "image/svg+xml"
    svg = r.get_data(as_text=True)
    root = ElementTree.fromstring(svg)
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    classes = kg.select("SELECT ?c WHERE { ?c a owl:Class FILTER(STRSTARTS(STR(?c), STR(bkg:))) }")
    for row in classes:
        assert row["c"].value.split("#")[1] in texts
    assert any(t and t.startswith("requiresSkill") for t in texts)
    assert "reliesOn" in texts


@pytest.mark.parametrize("ext,fmt", [("ttl", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD)])
def test_ontology_as_rdf_is_the_ontology_file(client, kg, ext, fmt):
    triples = {str(t) for t in ox.parse(client.get(f"/ontology.{ext}").data, format=fmt)}
    graph = ox.NamedNode("https://w3id.org/backendkg/graph/backendkg")
    quads = kg.store.quads_for_pattern(None, None, None, graph)
    expected = {str(ox.Triple(q.subject, q.predicate, q.object)) for q in quads}
    assert triples == expected
    negotiated = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert negotiated.mimetype == "text/turtle" and negotiated.headers["Vary"] == "Accept"


def test_ontology_version_iri_answers(client):
    assert client.get(f"/ontology/{__version__}", headers={"Accept": "text/turtle"}).status_code == 200
    assert client.get("/ontology/0.0.0-no", headers={"Accept": "text/turtle"}).status_code == 404


def test_shapes_page_and_rdf(client):
    text = client.get("/shapes", headers=BROWSER).get_data(as_text=True)
    assert 'id="RoleShape"' in text and "bkg:Role" in text
    assert "^skos:inScheme" in text, "inverse paths are written as SPARQL property paths"
    turtle = client.get("/shapes.ttl")
    shapes = list(ox.parse(turtle.data, format=ox.RdfFormat.TURTLE))
    assert any(t.object == ox.NamedNode("http://www.w3.org/ns/shacl#NodeShape") for t in shapes)
