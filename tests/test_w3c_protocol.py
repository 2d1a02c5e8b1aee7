"""The W3C SPARQL 1.1 Protocol test suite against ``backendkg serve`` over real HTTP.

Every query test and every ``bad_*`` test must pass. The endpoint is read-only by design, so each request
of an update test is asserted to be refused with 403 (and the follow-up queries that inspect what the
update changed are not run).
"""

from __future__ import annotations

import http.client
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

SUITE = Path(__file__).parent / "data" / "w3c"
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest"

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")


@dataclass
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]  # acceptable status classes: 2, 3, 4
    fmt: str | None
    boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    steps: list[Step]
    graphs: dict[str, Path] = field(default_factory=dict)

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def _load_manifest() -> list[ProtocolTest]:
    g = rdflib.Graph().parse(SUITE / "manifest.ttl", publicID=BASE)
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        steps = []
        for request in Collection(g, g.value(g.value(entry, MF.action), HT.requests)):
            headers = {}
            header_list = g.value(request, HT.headers)
            if header_list is not None:
                for header in Collection(g, header_list):
                    headers[str(g.value(header, HT.fieldName))] = str(g.value(header, HT.fieldValue))
            body_node = g.value(request, HT.body)
            body = None
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding)
            response = g.value(request, HT.resp)
            statuses = {int(str(s).rsplit("StatusCode", 1)[1][0]) for s in g.objects(response, MF.expectedStatus)}
            fmt = g.value(response, MF.expectedFormat)
            boolean = g.value(response, MF.expectedBoolean)
            steps.append(
                Step(
                    method=str(g.value(request, HT.methodName)),
                    path=str(g.value(request, HT.absolutePath)),
                    headers=headers,
                    body=body,
                    statuses=statuses,
                    fmt=str(fmt) if fmt is not None else None,
                    boolean=bool(boolean.toPython()) if boolean is not None else None,
                )
            )
        graphs = {}
        for data in g.objects(entry, UT.graphData):
            graphs[str(g.value(data, RDFS.label))] = SUITE / str(g.value(data, UT.graph)).rsplit("/", 1)[1]
        tests.append(ProtocolTest(str(entry).rsplit("#", 1)[1], str(g.value(entry, MF.name)), steps, graphs))
    return tests


TESTS = _load_manifest()


def test_the_manifest_is_complete():
    names = {t.name for t in TESTS}
    assert len(TESTS) == 34
    assert {"query_post_form", "query_multiple_dataset", "bad_query_non_utf8", "update_post_form"} <= names
    assert sum(1 for t in TESTS if t.name.startswith("query_")) == 13
    assert sum(1 for t in TESTS if t.name.startswith("bad_")) == 14


@pytest.fixture(scope="module")
def w3c_server(start_server, tmp_path_factory) -> str:
    """A server whose data are the suite's files, each in the named graph the manifest gives it."""
    graphs: dict[str, Path] = {}
    for test in TESTS:
        for name, path in test.graphs.items():
            assert graphs.setdefault(name, path) == path
    quads = []
    for name, path in sorted(graphs.items()):
        for triple in ox.parse(path=path, format=ox.RdfFormat.N_TRIPLES):
            quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, ox.NamedNode(name)))
    dataset = tmp_path_factory.mktemp("w3c") / "protocol.nq"
    dataset.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    return start_server("--data", dataset)


def _send(base: str, step: Step) -> tuple[int, str, bytes]:
    parts = urllib.parse.urlsplit(base)
    path = step.path.replace("/sparql/", "/sparql", 1)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest(step.method, path)
        headers = dict(step.headers)
        if step.body is not None:
            headers["Content-Length"] = str(len(step.body))
        for key, value in headers.items():
            connection.putheader(key, value)
        connection.endheaders(step.body)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


_RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "text/csv": ox.QueryResultsFormat.CSV,
}


def _check_body(step: Step, content_type: str, body: bytes) -> None:
    media = content_type.split(";", 1)[0].strip()
    if step.fmt in ("boolean", "tabular"):
        parsed = ox.parse_query_results(body, _RESULT_FORMATS[media])
        if step.fmt == "boolean":
            assert isinstance(parsed, ox.QueryBoolean)
            if step.boolean is not None:
                assert bool(parsed) is step.boolean
        else:
            assert isinstance(parsed, ox.QuerySolutions)
            assert list(parsed)
    elif step.fmt == "RDF":
        fmt = ox.RdfFormat.from_media_type(media)
        assert fmt is not None, media
        list(ox.parse(body, fmt))


QUERY_AND_BAD = [t for t in TESTS if not t.is_update]
UPDATES = [t for t in TESTS if t.is_update]


@pytest.mark.parametrize("test", QUERY_AND_BAD, ids=[t.name for t in QUERY_AND_BAD])
def test_query_and_bad_requests(w3c_server, test):
    for step in test.steps:
        status, content_type, body = _send(w3c_server, step)
        assert status // 100 in step.statuses, f"{test.title}: {status} {body[:300]!r}"
        if step.statuses & {2, 3}:
            _check_body(step, content_type, body)
        else:
            assert content_type.startswith("application/json")
            assert b"Traceback" not in body


@pytest.mark.parametrize("test", UPDATES, ids=[t.name for t in UPDATES])
def test_updates_are_refused_with_403(w3c_server, test):
    update_steps = [
        s
        for s in test.steps
        if "sparql-update" in s.headers.get("content-type", "") or (s.body or b"").startswith(b"update=")
    ]
    assert update_steps
    for step in update_steps:
        status, _, body = _send(w3c_server, step)
        assert status == 403, body
        assert b"read-only" in body
    # Nothing changed: the graphs of the suite are all still there.
    status, _, body = _send(
        w3c_server,
        Step(
            "GET",
            "/sparql/?query=" + urllib.parse.quote("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"),
            {"accept": "text/tab-separated-values"},
            None,
            {2},
            None,
            None,
        ),
    )
    assert status == 200
    assert int(body.split(b"\n")[1]) > 0
