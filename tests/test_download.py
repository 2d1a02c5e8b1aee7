"""``/download/``: every dump lists, serves and parses back into the graph it was made from."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
from datetime import UTC, datetime
from email.utils import format_datetime

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from backendkg import __version__
from backendkg.cli import cli
from backendkg.graph.dumps import gzip_bytes, module_name

SYNTAX = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
#: The syntaxes whose dumps keep the named graphs; the others hold the triples in the default graph.
QUAD_SYNTAXES = {"nquads", "trig"}
EXTENSIONS = {"turtle": "ttl", "ntriples": "nt", "nquads": "nq", "trig": "trig", "jsonld": "jsonld", "rdfxml": "rdf"}


@pytest.fixture(scope="module")
def listing(app):
    r = app.test_client().get("/download/", headers={"Accept": "application/json"})
    assert r.status_code == 200
    return r.json


def body(client, dump) -> bytes:
    r = client.get(dump["url"])
    assert r.status_code == 200, dump["file"]
    return r.data


def same_graph(expected: list, actual: list) -> bool:
    """Equal as sets of statements; with blank nodes, isomorphic (rdflib) instead."""
    as_text = {str(x) for x in expected}
    if not any(isinstance(t, ox.BlankNode) for q in [*expected, *actual] for t in (q.subject, q.object)):
        return as_text == {str(x) for x in actual}

    def rdflib_graph(items) -> Graph:
        lines = "".join(f"{ox.Triple(i.subject, i.predicate, i.object)} .\n" for i in items)
        return Graph().parse(data=lines, format="nt")

    return isomorphic(rdflib_graph(expected), rdflib_graph(actual))


def served(kg, graph: str | None, quads: bool) -> list:
    items = list(kg.store.quads_for_pattern(None, None, None, ox.NamedNode(graph) if graph else None))
    if quads:
        return items
    return list({ox.Triple(q.subject, q.predicate, q.object) for q in items})


def test_listing_names_every_module_format_and_compression(listing, kg):
    files = {d["file"] for d in listing["dumps"]}
    stems = [f"backendkg-{__version__}"] + [f"backendkg-{__version__}-{module_name(g)}" for g in kg.graphs]
    for stem in stems:
        for ext in EXTENSIONS.values():
            assert f"{stem}.{ext}" in files
            assert f"{stem}.{ext}.gz" in files
    assert len(files) == len(stems) * 12
    assert "backendkg-0.1.0-schemes-roles.ttl".replace("0.1.0", __version__) in files
    assert listing["version"] == __version__


def test_module_names_follow_the_graph_paths():
    assert module_name("https://w3id.org/backendkg/graph/schemes/roles") == "schemes-roles"
    assert module_name("https://w3id.org/backendkg/graph/links/esco") == "links-esco"
    assert module_name("file:///tmp/extra%20data.ttl") == "extra data"


def test_sizes_and_checksums_match_the_bytes_served(client, listing):
    for dump in listing["dumps"]:
        data = body(client, dump)
        assert len(data) == dump["bytes"], dump["file"]
        assert hashlib.sha256(data).hexdigest() == dump["sha256"], dump["file"]


def test_sha256sums_file_lists_every_dump(client, listing):
    lines = client.get("/download/SHA256SUMS").get_data(as_text=True).splitlines()
    assert sorted(lines) == sorted(f"{d['sha256']}  {d['file']}" for d in listing["dumps"])


@pytest.mark.parametrize("fmt", list(SYNTAX))
def test_whole_graph_dump_is_byte_identical_to_the_export_command(client, listing, fmt):
    dump = next(d for d in listing["dumps"] if d["module"] is None and d["format"] == fmt and not d["compressed"])
    result = CliRunner().invoke(cli, ["export", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert body(client, dump) == result.stdout_bytes


def test_every_dump_parses_back_into_the_served_graph(client, listing, kg):
    # The .gz files hold the same bytes (test_gzip_files_are_deterministic), so the plain ones are parsed.
    for dump in (d for d in listing["dumps"] if not d["compressed"]):
        data = body(client, dump)
        fmt = SYNTAX[dump["format"]]
        parsed = list(ox.parse(data, format=fmt))
        quads = dump["format"] in QUAD_SYNTAXES
        expected = served(kg, dump["graph"], quads=quads)
        assert len(parsed) == dump["triples"] == len(expected), dump["file"]
        assert same_graph(expected, parsed), dump["file"]
        if quads:
            graphs = {q.graph_name.value for q in parsed}
            assert graphs == ({dump["graph"]} if dump["graph"] else set(kg.graphs)), dump["file"]


def test_gzip_files_are_deterministic(client, listing):
    for dump in (d for d in listing["dumps"] if d["compressed"]):
        data = body(client, dump)
        assert data[4:8] == b"\0\0\0\0", "gzip header carries no modification time"
        plain = body(client, {**dump, "url": dump["url"][: -len(".gz")]})
        assert gzip.decompress(data) == plain
        assert data == gzip_bytes(plain)
    assert gzip_bytes(b"same") == gzip_bytes(b"same")


@pytest.mark.skipif(shutil.which("rapper") is None, reason="rapper (Debian raptor2-utils) is not installed")
def test_turtle_dumps_parse_in_rapper(client, listing, tmp_path):
    for dump in (d for d in listing["dumps"] if d["format"] == "turtle" and not d["compressed"]):
        path = tmp_path / dump["file"]
        path.write_bytes(body(client, dump))
        run = subprocess.run(
            ["rapper", "-i", "turtle", "-c", str(path)], capture_output=True, text=True, timeout=120, check=False
        )
        assert run.returncode == 0, run.stderr
        assert f"returned {dump['triples']} triples" in run.stderr, run.stderr


def test_files_are_attachments_with_validators(client, listing):
    dump = listing["dumps"][0]
    r = client.get(dump["url"])
    assert r.headers["Content-Disposition"] == f'attachment; filename="{dump["file"]}"'
    assert r.mimetype == "text/turtle"
    assert r.headers["ETag"] == f'"{dump["sha256"]}"'
    assert r.headers["Last-Modified"]
    assert r.headers["Accept-Ranges"] == "bytes"
    gz = client.get(dump["url"] + ".gz")
    assert gz.mimetype == "application/gzip"
    assert "Content-Encoding" not in gz.headers


def test_if_none_match_gives_304(client, listing):
    dump = listing["dumps"][0]
    r = client.get(dump["url"], headers={"If-None-Match": f'"{dump["sha256"]}"'})
    assert r.status_code == 304
    assert r.data == b""
    other = client.get(dump["url"], headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_if_modified_since_gives_304(client, listing):
    dump = listing["dumps"][0]
    last = client.get(dump["url"]).headers["Last-Modified"]
    assert client.get(dump["url"], headers={"If-Modified-Since": last}).status_code == 304
    old = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert client.get(dump["url"], headers={"If-Modified-Since": old}).status_code == 200


def test_range_requests_return_the_asked_bytes(client, listing):
    dump = next(d for d in listing["dumps"] if d["file"].endswith(".nt"))
    full = body(client, dump)
    r = client.get(dump["url"], headers={"Range": "bytes=100-199"})
    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes 100-199/{len(full)}"
    assert r.data == full[100:200]
    tail = client.get(dump["url"], headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.data == full[-50:]
    beyond = client.get(dump["url"], headers={"Range": f"bytes={len(full) + 10}-"})
    assert beyond.status_code == 416


def test_if_range_with_a_stale_etag_sends_the_whole_file(client, listing):
    dump = listing["dumps"][0]
    r = client.get(dump["url"], headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert r.status_code == 200
    assert len(r.data) == dump["bytes"]


def test_unknown_file_is_404_naming_the_listing(client):
    r = client.get("/download/backendkg-9.9.9.ttl")
    assert r.status_code == 404
    assert "/download/" in r.json["description"]


def test_html_listing_links_every_file(client, listing):
    html = client.get("/download/", headers={"Accept": "text/html"}).get_data(as_text=True)
    for dump in listing["dumps"]:
        assert f'href="{dump["url"]}"' in html
    assert "schemes-roles" in html
    assert listing["dumps"][0]["sha256"] in html


def test_dumps_are_built_once_per_process(app, client, listing):
    shared = app.extensions["backendkg"]
    built = shared.dumps()
    client.get("/download/", headers={"Accept": "application/json"})
    client.get(listing["dumps"][0]["url"])
    assert shared.dumps() is built


RDFLIB_SYNTAX = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


# rdflib's own JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("fmt", sorted(RDFLIB_SYNTAX))
def test_a_reader_of_one_graph_gets_every_triple_of_a_whole_graph_download(client, listing, kg, fmt):
    """``rdflib.Graph().parse`` reads the default graph only: the triple syntaxes must put every triple there."""
    dump = next(d for d in listing["dumps"] if d["module"] is None and d["format"] == fmt and not d["compressed"])
    graph = Graph().parse(data=body(client, dump), format=RDFLIB_SYNTAX[fmt])
    assert len(graph) == dump["triples"] == len({(q.subject, q.predicate, q.object) for q in kg.store})


# rdflib's own N-Quads and TriG parsers use Dataset.default_context and ConjunctiveGraph, which rdflib itself
# deprecates.
@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_quad_downloads_keep_the_named_graphs(client, listing, kg, fmt):
    dump = next(d for d in listing["dumps"] if d["module"] is None and d["format"] == fmt and not d["compressed"])
    dataset = Dataset().parse(data=body(client, dump), format=fmt)
    quads = list(dataset.quads((None, None, None, None)))
    assert {str(q[3]) for q in quads} == set(kg.graphs)
    assert len(quads) == dump["triples"] == len(kg.store)
