"""A shared link that puts a ``javascript:`` IRI in the results: what the server sends for it.

The page renders the results table in the browser; that no ``javascript:``, ``data:`` or ``vbscript:`` IRI
becomes a live link there, and that clicking one runs nothing, is tested in Chromium by
``tests/browser/test_browser.py``. Here, over real HTTP: the page and its answer carry the policies that keep
a script that got in anyway from running or leaking (Content-Security-Policy with no inline script and
``frame-ancestors 'none'``, ``X-Frame-Options``, ``nosniff``, ``Referrer-Policy``), and the results come as
data, never as HTML."""

from __future__ import annotations

import json

import pytest

from backendkg.web.security import CONTENT_SECURITY_POLICY

from ._http import request

pytestmark = pytest.mark.reliability

LINK = 'SELECT ?link WHERE { BIND(IRI("javascript:alert(1)") AS ?link) }'


def test_the_shared_link_page_carries_the_policies(start_server):
    base = start_server()
    page = request(base, path="/", params={"query": LINK}, headers={"Accept": "text/html"})
    assert page.status == 200 and page.header("content-type").startswith("text/html")
    assert page.header("content-security-policy") == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert page.header("x-frame-options") == "DENY"
    assert page.header("x-content-type-options") == "nosniff"
    assert page.header("referrer-policy") == "no-referrer"
    # The query is shown in the page's editor (as text); the server renders no link or source from it.
    for attribute in (b'href="javascript:', b"href='javascript:", b'src="javascript:', b'action="javascript:'):
        assert attribute not in page.body.lower()


def test_the_answer_the_page_asks_for_is_data(start_server):
    base = start_server()
    # What the page's script fetches: JSON, never sniffed as a page.
    reply = request(base, params={"query": LINK}, headers={"Accept": "application/sparql-results+json"})
    assert reply.status == 200 and reply.header("content-type") == "application/sparql-results+json"
    assert reply.header("x-content-type-options") == "nosniff"
    value = json.loads(reply.body)["results"]["bindings"][0]["link"]
    assert value == {"type": "uri", "value": "javascript:alert(1)"}
    # A browser following the same link to /sparql is sent to the page, not shown the answer.
    followed = request(base, params={"query": LINK}, headers={"Accept": "text/html"})
    assert followed.status == 303 and followed.header("location").startswith("/?query=")
