"""The page for people, in a real browser: query, search, browse, download."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from click.testing import CliRunner

from backendkg import __version__
from backendkg.cli import cli

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def test_front_page_runs_an_example_query_and_keeps_it_in_the_url(page, screenshots):
    page.goto("/")
    assert "backendkg" in page.title()
    assert page.locator("main h1").inner_text() == "The knowledge graph of backend development"
    # A plain visit already shows the answer to the sample query in the editor, and leaves the address alone.
    page.locator("#result-body table", has_text="backend developer").wait_for()
    assert "query=" not in page.url
    example = page.locator('[data-example="programming-languages"]')
    assert example.locator(".ex-title").inner_text()
    example.click()
    page.locator("#result-body table", has_text="Python").wait_for()
    rows = page.locator("#result-body table tbody tr")
    assert rows.count() > 0
    assert "Python" in page.locator("#result-body table").inner_text()
    assert "query=" in page.url
    page.screenshot(path=screenshots / "front-page-results.png", full_page=True)

    # The address is the query: opening it again runs the same query.
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    page.locator("#result-status").filter(has_text=re.compile(r"\d+ rows?")).wait_for()
    assert page.locator("#result-body table tbody tr").count() == rows.count()


def test_results_download_as_csv_and_json(page, tmp_path):
    page.goto("/")
    page.locator('[data-example="programming-languages"]').click()
    page.locator("#result-body table", has_text="Python").wait_for()
    with page.expect_download() as csv_download:
        page.locator("#download-csv").click()
    csv = tmp_path / "results.csv"
    csv_download.value.save_as(csv)
    header = csv.read_text().splitlines()[0]
    assert header.split(",") == page.locator("#result-body thead th").all_text_contents()
    with page.expect_download() as json_download:
        page.locator("#download-json").click()
    saved = tmp_path / "results.json"
    json_download.value.save_as(saved)
    assert '"bindings"' in saved.read_text()


def test_a_wrong_query_shows_the_servers_message(page, screenshots):
    page.goto("/")
    page.locator("#result-body table").wait_for()
    page.locator("#query").fill("SELECT ?x WHERE { ?x ?y }")
    page.locator("#run").click()
    error = page.locator("#result-body .error")
    error.wait_for()
    assert error.get_attribute("role") == "alert"
    assert error.inner_text().strip()
    assert "Error 400" in page.locator("#result-status").inner_text()
    page.screenshot(path=screenshots / "query-error.png", full_page=True)


def test_ask_and_construct_answers(page):
    page.goto("/?query=" + "ASK%20%7B%20%3Fs%20a%20bkg%3ARole%20%7D")
    page.locator(".answer.yes").wait_for()
    page.locator("#query").fill("CONSTRUCT { ?r a bkg:Role } WHERE { ?r a bkg:Role } LIMIT 3")
    page.keyboard.press("Control+Enter")
    page.locator("pre.turtle").wait_for()
    assert "role:" in page.locator("pre.turtle").inner_text() or "/role/" in page.locator("pre.turtle").inner_text()
    assert page.locator("#download-ttl").is_visible()


def test_search_suggests_as_you_type_and_the_keyboard_reaches_postgresql(page, screenshots):
    page.goto("/")
    box = page.get_by_role("combobox", name="Search the graph")
    box.click()
    box.press_sequentially("postgres", delay=40)
    first = page.locator("#search-suggestions li").first
    first.wait_for()
    assert "PostgreSQL" in first.inner_text()
    assert box.get_attribute("aria-expanded") == "true"
    page.screenshot(path=screenshots / "search-suggestions.png")
    box.press("ArrowDown")
    assert first.get_attribute("aria-selected") == "true"
    box.press("Enter")
    page.wait_for_url("**/technology/postgresql")
    assert page.locator("main h1").inner_text() == "PostgreSQL"
    page.screenshot(path=screenshots / "postgresql-page.png", full_page=True)


def test_search_results_page_ranks_matches(page):
    page.goto("/search?q=postgres")
    hits = page.locator("ol.hits li")
    assert hits.count() >= 1
    assert "PostgreSQL" in hits.first.inner_text()
    hits.first.locator("a").click()
    page.wait_for_url("**/technology/postgresql")


def test_browse_a_role_and_follow_it_to_one_of_its_skills(page, screenshots):
    page.goto("/")
    page.locator("nav[aria-label=Main]").get_by_role("link", name="Roles").click()
    page.wait_for_url("**/role/")
    page.get_by_role("link", name="backend developer", exact=True).click()
    page.wait_for_url("**/role/backend-developer")
    assert page.locator("main h1").inner_text() == "Backend developer"
    for heading in ("Responsibilities", "Skills", "Technologies", "Industries that rely on it", "Sources"):
        assert page.get_by_role("heading", name=heading, exact=True).is_visible(), heading
    page.screenshot(path=screenshots / "role-page.png", full_page=True)
    skill = page.locator("#h-skills + .table-wrap a.chip").first
    name = skill.inner_text()
    skill.click()
    page.wait_for_url("**/skill/**")
    assert page.locator("main h1").inner_text().lower() == name.lower()
    page.screenshot(path=screenshots / "skill-page.png", full_page=True)


def test_download_a_dump(page, screenshots, tmp_path):
    page.goto("/download/")
    name = f"backendkg-{__version__}.ttl"
    page.screenshot(path=screenshots / "downloads.png")
    with page.expect_download() as download:
        page.get_by_role("link", name=name, exact=True).click()
    assert download.value.suggested_filename == name
    saved = tmp_path / name
    download.value.save_as(saved)
    assert saved.read_bytes() == CliRunner().invoke(cli, ["export", "--format", "turtle"]).stdout_bytes


def test_ontology_page_shows_the_class_diagram(page, screenshots):
    page.goto("/ontology")
    diagram = page.locator(".diagram svg")
    assert diagram.is_visible()
    assert diagram.locator("text", has_text="Role").count() >= 1
    page.screenshot(path=screenshots / "ontology.png")
    page.locator(".diagram svg a[href='#Role']").first.click()
    assert page.url.endswith("/ontology#Role")
    assert page.locator("#Role").is_visible()


def test_pages_fit_a_phone_screen(browser, live_server, screenshots):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        for path, shot in (("/", "front-page-phone.png"), ("/role/backend-developer", "role-page-phone.png")):
            page.goto(path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} is {overflow}px wider than the screen"
            page.screenshot(path=screenshots / shot, full_page=path == "/")
    finally:
        context.close()


def test_pages_have_landmarks_titles_and_labelled_inputs(page):
    for path in ("/", "/role/backend-developer", "/download/", "/ontology", "/search?q=api"):
        page.goto(path)
        assert page.title().endswith("· backendkg"), path
        for landmark in ("banner", "navigation", "main", "contentinfo"):
            assert page.get_by_role(landmark).count() >= 1, (path, landmark)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, textarea, select')]
                 .filter(el => el.type !== 'hidden')
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                 .map(el => el.id || el.name)"""
        )
        assert unlabelled == [], (path, unlabelled)


def test_the_keyboard_alone_runs_an_example(page):
    page.goto("/")
    page.locator("#result-body table").wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    example = page.locator('[data-example="frameworks-built-on-python"]')
    example.focus()
    page.keyboard.press("Enter")
    page.locator("#result-body table", has_text="Django").wait_for()
    assert "query=" in page.url


def test_a_shared_link_with_a_javascript_iri_renders_it_inert(page):
    fired = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    query = (
        "SELECT ?link WHERE { VALUES ?link { <javascript:alert(1)> <data:text/html,x> <vbscript:msgbox(1)> "
        "<https://example.org/ok> } }"
    )
    page.goto("/?" + urllib.parse.urlencode({"query": query}))
    page.locator("#result-body table", has_text="javascript:alert(1)").wait_for()
    table = page.locator("#result-body table")
    assert table.locator('a[href^="javascript:"], a[href^="data:"], a[href^="vbscript:"]').count() == 0
    assert table.locator('a[href="https://example.org/ok"]').count() == 1
    table.get_by_text("javascript:alert(1)").click()
    page.wait_for_timeout(200)
    assert fired == []
    assert page.url.startswith("http")
