"""Benchmark backendkg's SPARQL endpoint side by side with the native Oxigraph server and rdflib-endpoint.

Throughput (the default): serves the shipped graph and a synthetic graph of about 100k triples with each server,
drives each with the same four queries at a fixed concurrency for a fixed time, checks that all servers give
the same answers, and prints requests/s, p50 and p99 per server and query with backendkg's ratios, twice: with
every query text unique (a tool building its queries; no result cache helps) and with the same text again and
again (a popular query; a result cache may answer it).

``--servers`` may add the bare granian + pyoxigraph applications of ``_bare_granian.py``: bounds of what any
server on backendkg's stack reaches on this machine, with and without its queries in processes it could kill.

Scale (``--scale``): about 1M synthetic triples; load time and peak memory of ``backendkg serve --data`` against a
bare ``pyoxigraph.Store().load`` in a fresh process, and query latency through the server against pyoxigraph
called directly.

Run ``python bench/endpoint.py --help`` for the options; bench/README.md describes the method.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import click

import _load
import _queries
import _servers
import _synthetic

#: Targets: backendkg's requests/s divided by the other server's, per query and kind of text: every text unique
#: (the cheap query, the others), the same text repeated (any query).
NATIVE_TARGET_CHEAP = 0.6
NATIVE_TARGET = 0.9
NATIVE_TARGET_REPEATED = 2.0
RDFLIB_TARGET = 30.0
#: The kinds of query text measured: every request's text unique, or the same text every time.
TEXTS = ("unique", "repeated")
_TEXT_TITLES = {"unique": "every query text unique", "repeated": "the same query text repeated"}
#: Scale targets: backendkg's load time and memory divided by a bare pyoxigraph store's.
SCALE_TARGET = 1.2

HERE = Path(__file__).resolve().parent


def _echo(text: str = "") -> None:
    click.echo(text)


@contextmanager
def _work_dir(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
    else:
        with tempfile.TemporaryDirectory(prefix="backendkg-bench-") as tmp:
            yield Path(tmp)


def shipped_graph(path: Path) -> int:
    """Write the shipped graph (all files merged) to ``path`` as N-Triples; return its number of triples."""
    from backendkg.graph.export import export
    from backendkg.graph.store import load

    body = export(load(), "ntriples")
    path.write_bytes(body)
    return sum(1 for line in body.splitlines() if line.strip())


def synthetic_graph(path: Path, *, triples: int, seed: int) -> int:
    if path.exists() and path.with_suffix(".count").exists():
        return int(path.with_suffix(".count").read_text())
    count = _synthetic.write(path, triples=triples, seed=seed)
    path.with_suffix(".count").write_text(str(count))
    return count


def wait_for_quiet(*, threshold: float, limit: float) -> float:
    """Wait until the rest of the machine used less than ``threshold`` % of its CPU over one second, or until
    ``limit`` seconds have passed; return that last share."""
    try:
        from _procs import machine_busy
    except ImportError:
        return float("nan")
    cores = os.cpu_count() or 1
    deadline = time.monotonic() + limit
    while True:
        before, began = machine_busy(), time.monotonic()
        time.sleep(1.0)
        share = (machine_busy() - before) / ((time.monotonic() - began) * cores) * 100
        if share < threshold or time.monotonic() >= deadline:
            return share


def measured_run(server: _servers.Server, target: Callable[[int], str], **kwargs) -> _load.RunStats:
    """:func:`_load.run` against ``server``, with the CPU time of the server and of everything else filled in."""
    try:
        from _procs import machine_busy, tree_cpu
    except ImportError:  # psutil is not installed: no CPU accounting
        return _load.run(_servers.HOST, server.port, target, **kwargs)
    assert server.process is not None
    pid = server.process.pid
    server_before, busy_before, client_before = tree_cpu(pid), machine_busy(), time.process_time()
    stats = _load.run(_servers.HOST, server.port, target, **kwargs)
    stats.server_cpu = tree_cpu(pid) - server_before
    client = time.process_time() - client_before
    stats.others_cpu = max(0.0, machine_busy() - busy_before - stats.server_cpu - client)
    return stats


# --- throughput ---------------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """The runs of one query on one server, and whether its answer agreed with the reference."""

    runs: list[_load.RunStats] = field(default_factory=list)
    answer: str = ""
    correct: bool = True

    def median(self, metric: Callable[[_load.RunStats], float]) -> float:
        return statistics.median(metric(run) for run in self.runs) if self.runs else float("nan")

    @property
    def rps(self) -> float:
        return self.median(lambda r: r.rps)

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)


def _fmt(value: float, digits: int = 1) -> str:
    if value != value:  # NaN
        return "n/a"
    return f"{value:,.{digits}f}"


def _ratio(a: float, b: float) -> float:
    return a / b if b and a == a and b == b else float("nan")


def _verdict(ratio: float, target: float, valid: bool) -> str:
    if not valid or ratio != ratio:
        return "n/a"
    return "PASS" if ratio >= target else "FAIL"


def _table(headers: list[str], rows: list[list[str]], *, markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)])


def _native_target(query: _queries.Query, texts: str) -> float:
    if texts == "repeated":
        return NATIVE_TARGET_REPEATED
    return NATIVE_TARGET_CHEAP if query.cheap else NATIVE_TARGET


def throughput_report(
    name: str,
    triples: int,
    servers: list[str],
    cells: dict[tuple[str, str], Cell],
    queries: list[_queries.Query],
    *,
    markdown: bool,
    texts: str = "unique",
) -> tuple[str, list[tuple[str, str, float, float, str]]]:
    """The tables of one dataset and kind of text, and the target verdicts ``(query, versus, ratio, target,
    verdict)``; ``cells`` are keyed by query and server."""
    headers = [
        "query",
        "server",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "answer",
        "server CPU ms/req",
        "client CPU",
        "others' CPU",
    ]
    cores = os.cpu_count() or 1
    rows = []
    for query in queries:
        for server in servers:
            cell = cells[(query.name, server)]
            cpu = cell.median(lambda r: r.client_cpu / r.elapsed * 100 if r.elapsed else 0.0)
            others = cell.median(lambda r: r.others_cpu / (r.elapsed * cores) * 100 if r.elapsed else 0.0)
            rows.append(
                [
                    query.title,
                    server,
                    _fmt(cell.rps),
                    _fmt(cell.median(lambda r: r.p50_ms), 2),
                    _fmt(cell.median(lambda r: r.p99_ms), 2),
                    str(cell.errors),
                    cell.answer + ("" if cell.correct else " DIFFERS"),
                    _fmt(cell.median(lambda r: r.server_ms_per_request), 2),
                    f"{cpu:.0f}%",
                    "n/a" if others != others else f"{others:.0f}%",
                ]
            )
    title = f"{name}: {triples:,} triples, {_TEXT_TITLES[texts]}"
    text = ([f"### {title}", ""] if markdown else [title, ""]) + [_table(headers, rows, markdown=markdown)]

    verdicts = []
    if "backendkg" in servers:
        ratio_rows = []
        for query in queries:
            mine = cells[(query.name, "backendkg")]
            row = [query.title]
            versus = [("oxigraph", _native_target(query, texts)), ("rdflib-endpoint", RDFLIB_TARGET)]
            if "baseline" in servers:
                versus.append(("baseline", None))
            for other, target in versus:
                if other not in servers:
                    row += ["n/a", "n/a", "", ""]
                    continue
                theirs = cells[(query.name, other)]
                ratio = _ratio(mine.rps, theirs.rps)
                valid = mine.correct and theirs.correct and mine.errors == 0
                by_cpu = _ratio(
                    theirs.median(lambda r: r.server_ms_per_request), mine.median(lambda r: r.server_ms_per_request)
                )
                if target is None:  # the baseline: a comparison, not a target
                    row += [f"{_fmt(ratio, 2)}x", f"{_fmt(by_cpu, 2)}x", "", "" if valid else "DIFFERS"]
                    continue
                verdict = _verdict(ratio, target, valid)
                verdicts.append((query.name, other, ratio, target, verdict))
                row += [f"{_fmt(ratio, 2)}x", f"{_fmt(by_cpu, 2)}x", f">= {target:g}x", verdict]
            ratio_rows.append(row)
        headers = [
            "query",
            "vs oxigraph",
            "by CPU/req",
            "target",
            "",
            "vs rdflib-endpoint",
            "by CPU/req",
            "target",
            "",
        ]
        if "baseline" in servers:
            headers += ["vs baseline", "by CPU/req", "", ""]
        text += ["", _table(headers, ratio_rows, markdown=markdown)]
    bare = [name for name in BARE if name in servers]
    if bare and "oxigraph" in servers:
        text += ["", _table(*_ceiling(servers, bare, cells, queries), markdown=markdown)]
    return "\n".join(text), verdicts


#: The bare applications on backendkg's stack (``_bare_granian.py``).
BARE = ("bare-granian", "bare-cached", "bare-isolated")


def _ceiling(
    servers: list[str], bare: list[str], cells: dict[tuple[str, str], Cell], queries: list[_queries.Query]
) -> tuple[list[str], list[list[str]]]:
    """The ratios of the bare applications to oxigraph (how far a server on granian and pyoxigraph gets at all),
    and backendkg's to them (what it costs beyond the bare minimum)."""
    headers = ["query", *(f"{name} vs oxigraph" for name in bare)]
    if "backendkg" in servers:
        headers += [f"backendkg vs {name}" for name in bare]
    rows = []
    for query in queries:
        native = cells[(query.name, "oxigraph")].rps
        row = [query.title, *(f"{_fmt(_ratio(cells[(query.name, name)].rps, native), 2)}x" for name in bare)]
        if "backendkg" in servers:
            mine = cells[(query.name, "backendkg")].rps
            row += [f"{_fmt(_ratio(mine, cells[(query.name, name)].rps), 2)}x" for name in bare]
        rows.append(row)
    return headers, rows


def _verify(
    active: dict[str, _servers.Server], queries: list[_queries.Query], cells: dict[tuple[str, str], Cell]
) -> None:
    """Ask every server every query once; the first server's answer (Oxigraph when it runs) is the reference."""
    order = sorted(active, key=lambda n: n != "oxigraph")
    for query in queries:
        reference = None
        for name in order:
            server = active[name]
            cell = cells[(query.name, name)]
            try:
                status, body = _servers.get(
                    server.port, query.path(server.endpoint), headers={"Accept": query.accept}, timeout=300
                )
            except OSError as exc:
                cell.answer, cell.correct = f"error: {exc}", False
                continue
            if status != 200:
                cell.answer, cell.correct = f"HTTP {status}", False
                continue
            try:
                answer = _queries.answer(query, body)
            except (ValueError, SyntaxError, KeyError) as exc:
                cell.answer, cell.correct = f"unreadable: {exc}", False
                continue
            cell.answer = f"{answer.total()} {'triples' if query.construct else 'rows'}"
            if reference is None:
                reference = answer
            else:
                cell.correct = _queries.same_answer(query, reference, answer)


def run_throughput(
    dataset: str,
    data: Path,
    triples: int,
    *,
    server_names: list[str],
    queries: list[_queries.Query],
    options: dict,
    log_dir: Path,
) -> tuple[list[str], dict[tuple[str, str, str], Cell]]:
    """Measure every server with every query and kind of text; the cells are keyed by text, query and server.
    Within a round the legs alternate servers for each query and text, so that a slow spell of the machine
    falls on all of them."""
    cells = {(t, q.name, s): Cell() for t in options["texts"] for q in queries for s in server_names}
    active: dict[str, _servers.Server] = {}
    with ExitStack() as stack:
        for name in server_names:
            if name == "baseline":
                server = _servers.Baseline(source=options["baseline"], workers=options["workers"], log_dir=log_dir)
            else:
                kwargs = {"workers": options["workers"]} if name in ("backendkg", *BARE) else {}
                server = _servers.SERVERS[name](log_dir=log_dir, **kwargs)
            stack.callback(server.stop)
            server.start(data)
            active[name] = server
            _echo(f"  {name}: ready in {server.startup_seconds:.1f} s on port {server.port}")
        verified = {(q.name, s): Cell() for q in queries for s in server_names}
        _verify(active, queries, verified)
        for (_, q, s), cell in cells.items():
            cell.answer, cell.correct = verified[(q, s)].answer, verified[(q, s)].correct
        legs = [(query, texts) for query in queries for texts in options["texts"]]
        for round_ in range(options["repeat"] + 1):  # round 0 warms up and is not recorded
            for query, texts in legs:
                for name, server in active.items():
                    if round_ == 0:
                        duration = options["warmup"]
                        if duration <= 0:
                            continue
                    else:
                        duration = options["duration"]
                    if round_ > 0 and options["quiet_wait"] > 0:
                        wait_for_quiet(threshold=options["quiet_threshold"], limit=options["quiet_wait"])
                    fixed = query.path(server.endpoint)

                    # One count for all connections (each connection numbers its own requests from 0).
                    unique = itertools.count() if texts == "unique" else None

                    def target(n: int, query=query, server=server, fixed=fixed, unique=unique) -> str:
                        return fixed if unique is None else query.path(server.endpoint, variant=f"{next(unique)}")

                    stats = measured_run(
                        server,
                        target,
                        headers={"Accept": query.accept},
                        concurrency=options["concurrency"],
                        duration=duration,
                    )
                    if round_ == 0:
                        continue
                    cells[(texts, query.name, name)].runs.append(stats)
                    others = stats.others_cpu / (stats.elapsed * (os.cpu_count() or 1)) * 100
                    _echo(
                        f"  [{dataset} {round_}/{options['repeat']}] {query.name:<9} {texts:<8} {name:<15} "
                        f"{stats.rps:10.1f} req/s  p50 {stats.p50_ms:8.2f} ms  p99 {stats.p99_ms:8.2f} ms  "
                        f"errors {stats.errors}  server {stats.server_ms_per_request:6.2f} CPU ms/req  "
                        f"others {others:3.0f}%" + (f"  ({stats.error_samples[0]})" if stats.error_samples else "")
                    )
    return list(active), cells


# --- scale --------------------------------------------------------------------------------------------------------


@dataclass
class Startup:
    seconds: float
    peak_rss: int
    rss: int
    pss: int
    #: The largest PSS seen from the start until ready: the memory figure the target is about (RSS sums count
    #: the pages that forked processes share once per process).
    peak_pss: int = 0
    #: PSS once the latency measurements have queried the server (the query processes' copy-on-write pages
    #: may have been copied by then), and the largest seen while they ran; 0 when not measured.
    pss_after: int = 0
    peak_pss_queries: int = 0


def _settle(pid: int, *, seconds: float = 1.0, limit: float = 120.0) -> None:
    """Wait until the memory of ``pid``'s tree has stopped growing for ``seconds``."""
    from _procs import tree_rss

    deadline = time.monotonic() + limit
    last, stable_since = tree_rss(pid), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - stable_since < seconds:
        time.sleep(0.1)
        now = tree_rss(pid)
        if now > last * 1.01:
            last, stable_since = now, time.monotonic()


def bare_store(data: Path, queries: list[_queries.Query], repeat: int) -> tuple[Startup, list[list[float]]]:
    """Load ``data`` with a bare pyoxigraph store in a fresh process; its startup and its query latencies."""
    from _procs import PeakSampler, tree_pss, tree_rss

    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "_bare.py"), str(data)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        with PeakSampler(process.pid) as sampler:
            line = process.stdout.readline()  # type: ignore[union-attr]
            if not line.startswith("ready"):
                raise RuntimeError(f"the bare pyoxigraph process failed: {line!r}")
            seconds = time.perf_counter() - began
        startup = Startup(seconds, sampler.peak, tree_rss(process.pid), tree_pss(process.pid), sampler.peak_pss)
        request = {"queries": [[q.text, q.construct] for q in queries], "repeat": repeat}
        out, _ = process.communicate(json.dumps(request) + "\n", timeout=600)
        return startup, json.loads(out)["latencies"]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def backendkg_server(data: Path, workers: int, log_dir: Path) -> tuple[Startup, _servers.Server]:
    """Start ``backendkg serve --data`` and measure it until it has answered a first query; the caller stops it."""
    from _procs import PeakSampler, tree_pss, tree_rss

    server = _servers.Backendkg(log_dir=log_dir, workers=workers)
    server.port = _servers.free_port()
    server._log = (log_dir / "backendkg.log").open("ab")
    began = time.perf_counter()
    server.process = subprocess.Popen(
        server.command(data), stdout=server._log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        with PeakSampler(server.process.pid) as sampler:
            server.wait_ready()
            status, _ = _servers.get(
                server.port, _queries.QUERIES["label"].path(server.endpoint), headers={"Accept": "*/*"}
            )
            if status != 200:
                raise RuntimeError(f"backendkg answered the first query with HTTP {status}")
            seconds = time.perf_counter() - began
            _settle(server.process.pid)
        startup = Startup(
            seconds, sampler.peak, tree_rss(server.process.pid), tree_pss(server.process.pid), sampler.peak_pss
        )
    except BaseException:
        server.stop()
        raise
    return startup, server


def _serve_and_query(
    data: Path,
    workers: int,
    work: Path,
    queries: list[_queries.Query],
    options: dict,
    i: int,
    through: dict[tuple[int, str], list[_load.RunStats]],
) -> Startup:
    """One startup of ``backendkg serve --workers N``, then each query one at a time, with the same text and
    with unique texts; the latencies go to ``through``, the startup and memory figures are returned."""
    from _procs import PeakSampler, tree_pss

    mb = 1024 * 1024
    repeat = options["repeat_scale"]
    startup, server = backendkg_server(data, workers, work)
    try:
        _echo(
            f"  [backendkg --workers {workers} {i + 1}/{repeat}] answered in {startup.seconds:.2f} s, "
            f"peak RSS {startup.peak_rss / mb:.0f} MiB, peak PSS {startup.peak_pss / mb:.0f} MiB, "
            f"PSS {startup.pss / mb:.0f} MiB"
        )
        assert server.process is not None
        with PeakSampler(server.process.pid, interval=0.2) as sampler:
            for query in queries:
                for mode in ("repeated", "unique"):
                    fixed = query.path(server.endpoint)

                    def target(n: int, query=query, fixed=fixed, mode=mode) -> str:
                        if mode == "repeated":
                            return fixed
                        return query.path(server.endpoint, variant=n + 1_000_000 * i)

                    stats = _load.run(
                        _servers.HOST,
                        server.port,
                        target,
                        headers={"Accept": query.accept},
                        concurrency=1,
                        duration=options["latency_seconds"],
                    )
                    through.setdefault((workers, f"{query.name}/{mode}"), []).append(stats)
        startup.peak_pss_queries = sampler.peak_pss
        startup.pss_after = tree_pss(server.process.pid)
        _echo(
            f"    PSS after the queries: {startup.pss_after / mb:.0f} MiB "
            f"(largest while they ran: {startup.peak_pss_queries / mb:.0f} MiB)"
        )
    finally:
        server.stop()
    return startup


def run_scale(options: dict, work: Path) -> tuple[str, str]:
    """Run the scale benchmark; its report as text and as Markdown."""
    queries = options["queries"]
    data = work / f"synthetic-{options['scale_triples']}-{options['seed']}.nt"
    began = time.perf_counter()
    triples = synthetic_graph(data, triples=options["scale_triples"], seed=options["seed"])
    _echo(
        f"synthetic graph: {triples:,} triples, {data.stat().st_size / 1e6:.0f} MB of N-Triples "
        f"({time.perf_counter() - began:.1f} s)"
    )
    repeat = options["repeat_scale"]
    mb = 1024 * 1024

    bare_runs: list[Startup] = []
    direct: list[list[float]] = [[] for _ in queries]
    served: dict[int, list[Startup]] = {workers: [] for workers in options["scale_workers"]}
    through: dict[tuple[int, str], list[_load.RunStats]] = {}
    # Rounds interleave the bare store and the servers, so that a slower spell of the machine does not fall on
    # one of them only.
    for i in range(repeat):
        startup, latencies = bare_store(data, queries, options["latency_repeat"])
        bare_runs.append(startup)
        for mine, new in zip(direct, latencies, strict=True):
            mine.extend(new)
        _echo(
            f"  [bare pyoxigraph {i + 1}/{repeat}] loaded in {startup.seconds:.2f} s, peak RSS "
            f"{startup.peak_rss / mb:.0f} MiB, peak PSS {startup.peak_pss / mb:.0f} MiB, "
            f"PSS {startup.pss / mb:.0f} MiB"
        )
        for workers in options["scale_workers"]:
            served[workers].append(_serve_and_query(data, workers, work, queries, options, i, through))

    def med(values: list[float]) -> float:
        return statistics.median(values)

    def render(markdown: bool) -> str:
        bare_seconds = med([s.seconds for s in bare_runs])
        bare_peak = med([s.peak_pss for s in bare_runs])
        bare_pss = med([s.pss for s in bare_runs])
        rows = [["bare pyoxigraph Store().load", _fmt(bare_seconds, 2), f"{bare_peak / mb:,.0f}", "", ""]]
        rows[0] += ["", "", "", "", ""]
        for workers, runs in served.items():
            seconds = med([s.seconds for s in runs])
            peak = med([s.peak_pss for s in runs])
            pss_after = med([s.pss_after for s in runs])
            peak_queries = med([s.peak_pss_queries for s in runs])
            time_ratio, peak_ratio = seconds / bare_seconds, peak / bare_peak
            verdict = "PASS" if time_ratio <= SCALE_TARGET and peak_ratio <= SCALE_TARGET else "FAIL"
            rows.append(
                [
                    f"backendkg serve --workers {workers}",
                    _fmt(seconds, 2),
                    f"{peak / mb:,.0f}",
                    f"{pss_after / mb:,.0f}",
                    f"{peak_queries / mb:,.0f}",
                    f"{time_ratio:.2f}x",
                    f"{peak_ratio:.2f}x",
                    f"{pss_after / bare_pss:.2f}x",
                    f"{peak_queries / bare_pss:.2f}x",
                    verdict,
                ]
            )
        headers = [
            "",
            "ready s",
            "peak PSS to ready MiB",
            "PSS after queries MiB",
            "peak PSS during queries MiB",
            "time ratio",
            "peak PSS ratio",
            "ratio after queries",
            "ratio during queries",
            f"time, peak PSS <= {SCALE_TARGET}x",
        ]
        title = f"scale: {triples:,} synthetic triples, medians of {repeat} runs"
        text = ([f"### {title}", ""] if markdown else [title, ""]) + [_table(headers, rows, markdown=markdown)]

        headers = ["query", "pyoxigraph direct p50 ms"]
        for workers in served:
            headers += [f"--workers {workers} p50 ms (repeated text)", f"--workers {workers} p50 ms (unique text)"]
        rows = []
        for query, times in zip(queries, direct, strict=True):
            base = med(times) * 1000
            row = [query.title, _fmt(base, 2)]
            for workers in served:
                for mode in ("repeated", "unique"):
                    p50 = med([r.p50_ms for r in through[(workers, f"{query.name}/{mode}")]])
                    row.append(f"{_fmt(p50, 2)} ({p50 / base:.1f}x)")
            rows.append(row)
        text += ["", _table(headers, rows, markdown=markdown)]
        return "\n".join(text)

    return render(False), render(True)


# --- command line -------------------------------------------------------------------------------------------------


def _names(allowed: list[str]) -> Callable:
    def parse(ctx: click.Context, param: click.Parameter, value: str) -> list[str]:
        names = [n.strip() for n in value.split(",") if n.strip()]
        unknown = [n for n in names if n not in allowed]
        if unknown:
            raise click.BadParameter(f"unknown {', '.join(unknown)}; choose from {', '.join(allowed)}")
        return names

    return parse


def _machine() -> str:
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}, Python {platform.python_version()}"
    )


@click.command(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.option("--duration", type=float, default=10.0, help="Seconds each server is driven with each query.")
@click.option("--concurrency", type=int, default=8, help="Connections kept busy at once.")
@click.option("--repeat", type=int, default=1, help="Rounds of measurement; tables give the median round.")
@click.option("--warmup", type=float, default=1.0, help="Seconds of unrecorded load per server and query first.")
@click.option(
    "--servers",
    default=",".join(_servers.DEFAULT),
    callback=_names(list(_servers.SERVERS)),
    help=(
        "Servers to compare, comma-separated: " + ", ".join(_servers.SERVERS) + ". The bare ones "
        "(_bare_granian.py) say how close any server on granian and pyoxigraph comes to oxigraph here."
    ),
)
@click.option(
    "--datasets", default="shipped,synthetic", callback=_names(["shipped", "synthetic"]), help="Datasets to serve."
)
@click.option("--queries", "query_names", default=",".join(_queries.QUERIES), callback=_names(list(_queries.QUERIES)))
@click.option("--synthetic-triples", type=int, default=100_000, help="Size of the synthetic graph.")
@click.option("--seed", type=int, default=42, help="Seed of the synthetic graph.")
@click.option("--workers", type=int, help="`backendkg serve --workers` (default: its own default).")
@click.option(
    "--baseline",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help=(
        "The src folder of another checkout of backendkg (e.g. made with `git worktree add`), served as "
        "`baseline` beside this one: its ratio to backendkg says what a change did, measured in one run."
    ),
)
@click.option(
    "--texts",
    type=click.Choice(["both", *TEXTS]),
    default="both",
    show_default=True,
    help=(
        "Query texts: every one unique (a trailing comment; no result cache helps), the same one repeated (a "
        "result cache may answer), or both, measured side by side."
    ),
)
@click.option(
    "--quiet-wait",
    type=float,
    default=10.0,
    help="Before each measurement, wait up to this many seconds for the rest of the machine to calm down.",
)
@click.option(
    "--quiet-threshold", type=float, default=30.0, help="CPU share (%) of the rest of the machine that counts as calm."
)
@click.option("--scale", is_flag=True, help="Run the scale benchmark instead of the throughput one.")
@click.option("--scale-triples", type=int, default=1_000_000, help="Size of the synthetic graph in --scale.")
@click.option("--scale-workers", default="1,2", help="`backendkg serve --workers` values measured in --scale.")
@click.option("--repeat-scale", type=int, default=3, help="Startups measured per configuration in --scale.")
@click.option("--latency-seconds", type=float, default=3.0, help="Seconds of sequential queries per query in --scale.")
@click.option("--latency-repeat", type=int, default=30, help="Direct evaluations per query in --scale.")
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep data files and server logs here (default: a temporary directory, removed afterwards).",
)
@click.option(
    "--markdown",
    "markdown_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the tables as Markdown to this file.",
)
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write raw figures as JSON.")
def main(**options) -> None:
    """Benchmark backendkg's SPARQL endpoint against `oxigraph serve` and rdflib-endpoint on the same data."""
    # Stop the servers on SIGTERM too (the finally blocks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    options["queries"] = [_queries.QUERIES[n] for n in options.pop("query_names")]
    options["texts"] = list(TEXTS) if options["texts"] == "both" else [options["texts"]]
    options["scale_workers"] = [int(n) for n in options["scale_workers"].split(",") if n.strip()]
    command = "python bench/endpoint.py " + " ".join(sys.argv[1:])
    header = f"{command}\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {_machine()}"
    _echo(header)
    outputs: list[str] = []
    records: dict = {"command": command, "machine": _machine(), "datasets": {}}
    with _work_dir(options["work_dir"]) as work:
        if options["scale"]:
            report, markdown = run_scale(options, work)
            outputs.append(markdown)
            _echo()
            _echo(report)
        else:
            outputs, records = _throughput(options, work, records)
    if options["markdown_out"] is not None:
        options["markdown_out"].write_text(f"`{command}`  \n{header.splitlines()[1]}\n\n" + "\n\n".join(outputs) + "\n")
    if options["json_out"] is not None:
        options["json_out"].write_text(json.dumps(records, indent=2) + "\n")


def _throughput(options: dict, work: Path, records: dict) -> tuple[list[str], dict]:
    server_names = []
    for name in options["servers"]:
        reason = _servers.SERVERS[name].available()
        if reason:
            _echo(f"skipping {name}: {reason}")
        else:
            server_names.append(name)
    if options["baseline"] is not None:
        server_names.append("baseline")
    outputs, all_verdicts = [], []
    for dataset in options["datasets"]:
        if dataset == "shipped":
            data = work / "shipped.nt"
            triples = shipped_graph(data)
            label = "shipped graph"
        else:
            data = work / f"synthetic-{options['synthetic_triples']}-{options['seed']}.nt"
            triples = synthetic_graph(data, triples=options["synthetic_triples"], seed=options["seed"])
            label = "synthetic graph"
        _echo(f"\n{label}: {triples:,} triples")
        names, cells = run_throughput(
            dataset,
            data,
            triples,
            server_names=server_names,
            queries=options["queries"],
            options=options,
            log_dir=work,
        )
        for texts in options["texts"]:
            these = {(q, s): cell for (t, q, s), cell in cells.items() if t == texts}
            for markdown in (False, True):
                report, verdicts = throughput_report(
                    label, triples, names, these, options["queries"], markdown=markdown, texts=texts
                )
                if markdown:
                    outputs.append(report)
                else:
                    _echo()
                    _echo(report)
                    all_verdicts += [(dataset, texts, *v) for v in verdicts]
        records["datasets"][dataset] = {
            "triples": triples,
            "results": [
                {
                    "texts": t,
                    "query": q,
                    "server": s,
                    "answer": cell.answer,
                    "correct": cell.correct,
                    "runs": [
                        {
                            "rps": r.rps,
                            "p50_ms": r.p50_ms,
                            "p99_ms": r.p99_ms,
                            "errors": r.errors,
                            "elapsed": r.elapsed,
                            "client_cpu": r.client_cpu,
                            "server_cpu": r.server_cpu,
                            "others_cpu": r.others_cpu,
                        }
                        for r in cell.runs
                    ],
                }
                for (t, q, s), cell in cells.items()
            ],
        }
    missed = [v for v in all_verdicts if v[-1] == "FAIL"]
    _echo()
    if all_verdicts:
        _echo(f"targets: {sum(v[-1] == 'PASS' for v in all_verdicts)} of {len(all_verdicts)} met")
        for dataset, texts, query, other, ratio, target, _ in missed:
            _echo(f"  missed: {dataset} {query} ({texts}): backendkg/{other} {ratio:.2f}x < {target:g}x")
    records["verdicts"] = all_verdicts
    return outputs, records


if __name__ == "__main__":
    main()
