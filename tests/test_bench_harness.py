"""The benchmark harness in bench/: its synthetic graph, its load driver, its answer checks and a short run; the
siege report's limits and table."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import _load  # noqa: E402
import _queries  # noqa: E402
import _synthetic  # noqa: E402
import siege  # noqa: E402


@pytest.fixture(scope="module")
def synthetic() -> list[ox.Triple]:
    return list(_synthetic.generate(triples=6_000, seed=7))


def test_synthetic_graph_is_deterministic_and_of_the_asked_size(synthetic: list[ox.Triple]) -> None:
    assert list(_synthetic.generate(triples=6_000, seed=7)) == synthetic
    assert list(_synthetic.generate(triples=6_000, seed=8)) != synthetic
    assert 6_000 <= len(synthetic) <= 6_300
    assert len(set(synthetic)) == len(synthetic)


def test_synthetic_graph_file_holds_what_was_counted(tmp_path: Path) -> None:
    path = tmp_path / "graph.nt"
    count = _synthetic.write(path, triples=3_000, seed=1)
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    assert len(store) == count
    _synthetic.write(tmp_path / "again.nt", triples=3_000, seed=1)
    assert (tmp_path / "again.nt").read_bytes() == path.read_bytes()


def test_every_benchmark_query_has_an_answer_on_the_synthetic_graph(synthetic: list[ox.Triple]) -> None:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in synthetic)
    for query in _queries.QUERIES.values():
        result = store.query(query.text)
        if query.construct:
            body = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
        else:
            body = result.serialize(format=ox.QueryResultsFormat.JSON)
        assert _queries.answer(query, body).total() > 0, query.name


def _select(rows: list[dict]) -> bytes:
    return json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": rows}}).encode()


def test_answers_are_compared_row_for_row_or_by_size() -> None:
    join, label = _queries.QUERIES["join"], _queries.QUERIES["label"]
    a = _queries.answer(join, _select([{"x": {"type": "uri", "value": "http://a"}}]))
    b = _queries.answer(join, _select([{"x": {"type": "uri", "value": "http://b"}}]))
    assert _queries.same_answer(join, a, a)
    assert not _queries.same_answer(join, a, b)
    assert _queries.same_answer(label, a, b)
    assert not _queries.same_answer(label, a, a + b)


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 102)]
    assert _load.percentile(values, 50) == 51
    assert _load.percentile(values, 99) == 100
    assert _load.percentile(values, 0) == 1
    assert _load.percentile(values, 100) == 101
    assert _load.percentile([1.0, 2.0], 50) == 1.5
    assert _load.percentile([1.0, 2.0, 3.0, 10.0], 90) == pytest.approx(7.9)
    assert math.isnan(_load.percentile([], 50))
    with pytest.raises(ValueError):
        _load.percentile(values, 101)


def test_run_stats_report_rates_and_percentiles_in_milliseconds() -> None:
    stats = _load.RunStats(requests=4, errors=1, elapsed=2.0, latencies=[0.001, 0.002, 0.003, 0.004], client_cpu=0.5)
    assert stats.rps == 2.0
    assert stats.p50_ms == pytest.approx(2.5)
    assert stats.p99_ms == pytest.approx(3.97)
    assert stats.client_ceiling == 10.0


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path.startswith("/ok") else 500
        body = b"x" * 3000
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _KeepAliveHandler(_Handler):
    protocol_version = "HTTP/1.1"


@pytest.fixture(params=[_Handler, _KeepAliveHandler], ids=["closing", "keep-alive"])
def http_port(request: pytest.FixtureRequest) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), request.param)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_driver_counts_answers_and_errors(http_port: int) -> None:
    seen: list[int] = []

    def target(n: int) -> str:
        seen.append(n)
        return f"/ok?n={n}"

    good = _load.run("127.0.0.1", http_port, target, headers={"Accept": "*/*"}, concurrency=3, duration=0.5)
    assert good.requests > 10 and good.errors == 0
    assert len(good.latencies) == good.requests and good.latencies == sorted(good.latencies)
    assert 0.5 <= good.elapsed < 5
    assert good.rps == pytest.approx(good.requests / good.elapsed)
    assert len(seen) == good.requests and seen.count(0) == 3

    bad = _load.run("127.0.0.1", http_port, lambda n: "/fail", headers={}, concurrency=2, duration=0.3)
    assert bad.requests == 0 and bad.errors > 0
    assert bad.error_samples[0] == "HTTP 500"


def test_driver_counts_a_refused_connection_as_an_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    stats = _load.run("127.0.0.1", port, lambda n: "/", headers={}, concurrency=1, duration=0.2)
    assert stats.requests == 0 and stats.errors >= 1
    assert "ConnectionRefusedError" in stats.error_samples[0]


def _bench_report(tmp_path: Path, *options: str, timeout: float) -> str:
    """The Markdown report of a short ``bench/endpoint.py`` run on a small synthetic graph with ``options``."""
    markdown = tmp_path / "report.md"
    completed = subprocess.run(
        [
            sys.executable,
            str(BENCH / "endpoint.py"),
            *options,
            "--datasets=synthetic",
            "--synthetic-triples=3000",
            "--warmup=0",
            "--quiet-wait=0",
            "--workers=1",
            f"--work-dir={tmp_path}",
            f"--markdown={markdown}",
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, completed.stderr
    return markdown.read_text()


def _server_rows(report: str, server: str) -> list[list[str]]:
    """The cells of the report's rows for ``server``, each row checked: requests answered, no errors, and the
    same answer as the other servers'."""
    rows = []
    for line in report.splitlines():
        if line.startswith("| ") and f"| {server} |" in line:
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            assert float(cells[2].replace(",", "")) > 0, line  # req/s
            assert cells[5] == "0", line  # errors
            assert "DIFFERS" not in cells[6] and "HTTP" not in cells[6], line  # the same answer as the others'
            rows.append(cells)
    return rows


def test_a_one_second_run_against_backendkg_completes(tmp_path: Path) -> None:
    report = _bench_report(tmp_path, "--servers=backendkg", "--queries=label,construct", "--duration=1", timeout=120)
    # two queries, each with unique texts and with the same text repeated
    assert len(_server_rows(report, "backendkg")) == 4, report
    assert "every query text unique" in report and "the same query text repeated" in report


def test_the_bare_servers_answer_as_oxigraph_does_and_get_their_own_table(tmp_path: Path) -> None:
    report = _bench_report(
        tmp_path,
        "--servers=backendkg,oxigraph,bare-granian,bare-cached,bare-isolated",
        "--queries=label,join,construct",
        "--texts=unique",
        "--duration=0.5",
        timeout=180,
    )
    for server in ("bare-granian", "bare-cached", "bare-isolated"):
        assert len(_server_rows(report, server)) == 3, report
    header = next(line for line in report.splitlines() if "bare-granian vs oxigraph" in line)
    assert "bare-cached vs oxigraph" in header and "bare-isolated vs oxigraph" in header
    assert "backendkg vs bare-isolated" in header


#: Figures of a siege run that meets every limit (what a run on the shipped graph measured, rounded).
SIEGE_GOOD = {
    "stalled": {
        "stalled": 16,
        "held_open": 8,
        "answered": 8,
        "cheap_sent": 400,
        "cheap_failed": 0,
        "cheap_p50_ms": 1.2,
        "cheap_p99_ms": 3.2,
        "cheap_max_ms": 11.0,
        "health_sent": 6,
        "health_failed": 0,
        "health_p50_ms": 1.3,
        "health_p99_ms": 4.3,
        "health_max_ms": 4.4,
    },
    "bombs": {
        "bombs": 4,
        "named_507": 4,
        "slowest_s": 4.4,
        "bombs_s": 4.4,
        "peak_pss": 4 << 30,
        "peak_rss": 5 << 30,
        "after_ok": 1,
        "cheap_sent": 42,
        "cheap_failed": 0,
        "cheap_p50_ms": 4.1,
        "cheap_p99_ms": 26.0,
        "cheap_max_ms": 27.0,
    },
    "runaways": {
        "runaways": 32,
        "answered_503": 32,
        "at_deadline": 16,
        "busy": 16,
        "slowest_s": 3.1,
        "health_sent": 59,
        "health_failed": 0,
        "health_p50_ms": 1.7,
        "health_p99_ms": 9.8,
        "health_max_ms": 9.8,
    },
    "laughs": {
        "size": 700,
        "validate_exit": 2,
        "validate_s": 0.3,
        "validate_rss": 48 << 20,
        "validate_names_file": 1,
        "serve_exit": 2,
        "serve_s": 0.3,
        "serve_rss": 51 << 20,
        "serve_names_file": 1,
    },
    "kills": {
        "kills": 2,
        "kill_gap_s": 0.01,
        "replaced": 2,
        "first_replaced_s": 0.01,
        "second_replaced_s": 0.26,
        "main_alive": 1,
        "serving_again_s": 0.27,
        "answered_after": 20,
        "meanwhile_sent": 6,
        "meanwhile_failed": 0,
    },
    "port": {"port": 40000, "exit": 2, "seconds": 0.14, "names_port": 1, "first_health": 200},
    "no500": {
        "unknown_status": 400,
        "big_JSON_status": 507,
        "big_JSON_bytes": 300,
        "big_XML_status": 507,
        "big_XML_bytes": 300,
        "big_CSV_status": 507,
        "big_CSV_bytes": 300,
        "big_TSV_status": 200,
        "big_TSV_bytes": 32 << 20,
    },
}

#: One figure per attack that breaks its limit.
SIEGE_BAD = {
    "stalled": {"cheap_p99_ms": 2500.0},
    "bombs": {"peak_pss": 6 << 30},
    "runaways": {"health_max_ms": 1200.0},
    "laughs": {"serve_exit": 0},
    "kills": {"main_alive": 0},
    "port": {"names_port": 0},
    "no500": {"big_CSV_status": 500},
}


def test_siege_rows_put_each_figure_beside_its_limit() -> None:
    assert set(SIEGE_GOOD) == set(SIEGE_BAD) == set(siege.ATTACKS)
    for name, attack in siege.ATTACKS.items():
        good = siege.Run(figures=dict(SIEGE_GOOD[name]))
        bad = siege.Run(figures={**SIEGE_GOOD[name], **SIEGE_BAD[name]})
        title, measured, limit, verdict = siege.row(attack, [good])
        assert (title, limit, verdict) == (attack.title, attack.limit, "PASS"), name
        assert measured and "medians" not in measured, name
        assert siege.row(attack, [bad])[3] == "FAIL", name
        # With repeats the figures are medians, and one run over the limit is a FAIL.
        assert siege.row(attack, [good, good, good])[3] == "PASS", name
        assert siege.row(attack, [good, bad, good])[3] == "FAIL (1 of 3 runs)", name
        crashed = siege.row(attack, [siege.Run(error="ServerError: backendkg exited with status 1")])
        assert crashed[3] == "FAIL" and "error: ServerError" in crashed[1], name
    stalled = siege.row(siege.ATTACKS["stalled"], [siege.Run(figures=SIEGE_GOOD["stalled"])])
    assert stalled[1].startswith("cheap-query p99 3 ms, 0 failed of 400;"), stalled


def test_siege_medians_and_tables() -> None:
    runs = [siege.Run(figures={"a": v, "b": 1.0}) for v in (3.0, 1.0, 2.0)] + [siege.Run(error="x")]
    assert siege.medians(runs) == {"a": 2.0, "b": 1.0}
    rows = [["16 stalled bodies", "p99 3 ms", "p99 < 2 s", "PASS"], ["32 runaways", "slowest 6 s", "< 5 s", "FAIL"]]
    text = siege.table(rows).splitlines()
    assert text[0].split() == ["attack", "measured", "limit"] and set(text[1]) == {"-", " "}
    assert text[2].endswith("PASS") and text[3].endswith("FAIL")
    column = text[0].index("measured")  # the columns line up
    assert text[2].index("p99 3 ms") == text[3].index("slowest 6 s") == column
    markdown = siege.table(rows, markdown=True).splitlines()
    assert markdown[0] == "| attack | measured | limit |  |"
    assert markdown[3] == "| 32 runaways | slowest 6 s | < 5 s | FAIL |"


def test_siege_statuses_that_are_not_internal_errors() -> None:
    assert all(siege._ok_status(s) for s in (200, 400, 404, 413, 503, 507))
    assert not any(siege._ok_status(s) for s in (0, 500, 502, 504))
