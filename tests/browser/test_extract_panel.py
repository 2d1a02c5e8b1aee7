"""The "From text to concepts" panel of the front page, in a real browser."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

AD = (
    "😀 Backend developer wanted!\n"
    "You know <b>Python</b>, Django and PostgreSQL, design REST APIs, and <script>alert(1)</script> caching.\n"
    "Rest assured: you will work with our frontend developers."
)


def test_the_panel_marks_the_concepts_and_ranks_the_roles(page, screenshots):
    page.goto("/")
    panel = page.get_by_role("region", name="From text to concepts")
    panel.get_by_label("Text to read").fill(AD)
    panel.get_by_role("button", name="Find concepts").click()
    marked = page.locator("#extract-marked")
    marked.locator("mark").first.wait_for()
    marks = marked.locator("mark").all_text_contents()
    assert marks == [
        "Backend developer",
        "Python",
        "Django",
        "PostgreSQL",
        "REST",
        "caching",
        "frontend developers",
    ]
    # The text is shown as it was written, markup and all, and nothing in it became an element.
    assert marked.inner_text() == AD
    assert marked.locator("b, script").count() == 0
    assert page.locator("#extract-marked mark.kind-technology", has_text="PostgreSQL").get_attribute("data-iri") == (
        "https://w3id.org/backendkg/technology/postgresql"
    )

    concepts = page.locator("#extract-concepts li")
    assert concepts.count() == 7
    assert concepts.first.locator("a").first.inner_text() == "backend developer"
    assert concepts.first.locator("a").first.get_attribute("href") == "/role/backend-developer"

    roles = page.locator("#extract-roles > li")
    first = roles.first
    assert first.locator(".fit-head a").inner_text() == "backend developer"
    assert first.locator(".badge").text_content() == "named in the text"
    assert "Python" in first.locator(".matched").inner_text()
    assert "analytical thinking" in first.locator(".missing").inner_text()
    assert "roles" in page.locator("#extract-status").inner_text()
    page.screenshot(path=screenshots / "extract-panel.png", full_page=True)

    first.locator(".fit-head a").click()
    page.wait_for_url("**/role/backend-developer")


def test_the_sample_runs_and_an_error_is_shown(page):
    page.goto("/")
    page.locator("#extract-sample").click()
    page.locator("#extract-marked mark").first.wait_for()
    assert page.locator("#extract-text").input_value() == page.locator("#extract-sample").get_attribute("data-sample")
    assert page.locator("#extract-roles > li").count() >= 1

    limit = int(page.locator("#extract-text").get_attribute("maxlength"))
    page.locator("#extract-text").evaluate("(box, n) => { box.value = 'a'.repeat(n); }", limit + 1)
    page.locator("#extract-run").click()
    status = page.locator("#extract-status.error")
    status.wait_for()
    assert "Error 413" in status.inner_text()
    assert page.locator("#extract-results").is_hidden()
