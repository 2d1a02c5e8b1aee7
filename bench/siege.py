"""Attack ``backendkg serve`` the way the reliability suite does, and print each figure beside its limit.

Seven attacks, each against its own ``backendkg serve`` (on its defaults unless an attack says otherwise, on a
free loopback port, in its own process group, stopped afterwards also on errors):

- **stalled**: 16 clients announce a 100 kB ``POST /sparql`` body, send 3 bytes and stall, while cheap queries
  and ``/health`` are asked;
- **bombs**: 4 memory bombs at once (``--timeout 60``), while the server tree's PSS is sampled and cheap
  queries are asked;
- **runaways**: 32 runaway queries at once (``--timeout 3``), while ``/health`` is asked;
- **laughs**: ``backendkg validate`` and ``backendkg serve --data`` on a billion-laughs RDF/XML file, each under
  a 1 GiB address-space cap;
- **kills**: the same worker slot SIGKILLed twice, the second time as soon as its replacement appears;
- **port**: a second ``backendkg serve`` on the port the first one serves;
- **no500**: an unknown function and a 32 MiB value.

The report is one table (attack, measured, limit, PASS/FAIL); the process exits 0 whether or not the limits are
met. Run ``python3 bench/siege.py --help`` for the options; bench/README.md describes each attack and its limit.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import _load
import _procs
import _servers

HERE = Path(__file__).resolve().parent
BILLION_LAUGHS = HERE.parent / "tests" / "data" / "hostile" / "billion-laughs.rdf"

STALLED = 16
STALLED_QUERIES = 400
BOMBS = 4
BOMB = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
MEMORY_LIMIT_MIB = 1024  # serve's default --query-memory-limit
TREE_PSS_LIMIT = 5 << 30
RUNAWAYS = 32
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RUNAWAY_TIMEOUT = 3
ANSWERED_WITHIN = 5.0
HEALTH_WITHIN = 1.0
CHEAP_P99 = 2.0
MEMORY_CAP = 1 << 30
REFUSED_WITHIN = 10.0
KILLS = 2
KILLS_WITHIN = 5.0
AFTER_KILLS = 20
UNKNOWN_FUNCTION = "SELECT (<http://example.org/nope>(1) AS ?x) WHERE {}"
DOUBLINGS = 25  # "x" doubled 25 times: a 32 MiB string, built in the query
BIG_VALUE = (
    "SELECT ?v25 WHERE { "
    + " ".join(['BIND("x" AS ?v0)'] + [f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(DOUBLINGS)])
    + " }"
)
BIG_VALUE_ACCEPTS = {
    "JSON": "application/sparql-results+json",
    "XML": "application/sparql-results+xml",
    "CSV": "text/csv",
    "TSV": "text/tab-separated-values",
}
MIB = 1 << 20


# --- requests -----------------------------------------------------------------------------------------------------


def sparql_path(query: str) -> str:
    return "/sparql?" + urlencode({"query": query})


def cheap_path(tag: str) -> Callable[[int], str]:
    """The n-th cheap query of a series: the same ASK with a unique comment, so that no result cache answers."""
    return lambda n: sparql_path(f"ASK {{ ?s ?p ?o }} # siege {tag} {n}")


@dataclass
class Answer:
    status: int  # 0: no answer (refused, reset, timed out)
    seconds: float
    body: bytes = b""
    error: str = ""

    def description(self) -> str:
        """The ``description`` of a JSON error body, else the start of the body."""
        try:
            return str(json.loads(self.body)["description"])
        except (ValueError, KeyError, TypeError):
            return self.error or self.body[:200].decode(errors="replace")


def ask(port: int, path: str, *, headers: dict[str, str] | None = None, timeout: float = 10.0) -> Answer:
    """``GET path`` on a fresh connection, timed; never raises for a failed request."""
    began = time.perf_counter()
    try:
        status, body = _servers.get(port, path, headers=headers, timeout=timeout)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(0, time.perf_counter() - began, error=f"{type(exc).__name__}: {exc}")
    return Answer(status, time.perf_counter() - began, body)


class Prober:
    """Sends ``path(n)`` one request at a time from a thread, pausing ``pause`` seconds between requests, until
    :meth:`stop` is called, ``count`` requests have been sent, ``limit`` seconds have passed, or an answer had the
    status ``until``."""

    def __init__(
        self,
        port: int,
        path: Callable[[int], str],
        *,
        pause: float = 0.0,
        count: int | None = None,
        timeout: float = 10.0,
        limit: float = 60.0,
        until: int | None = None,
    ) -> None:
        self.port, self.path, self.pause, self.timeout = port, path, pause, timeout
        self.count, self.limit, self.until = count, limit, until
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit
        n = 0
        while not self._stop.is_set() and time.monotonic() < deadline and (self.count is None or n < self.count):
            answer = ask(self.port, self.path(n), timeout=self.timeout)
            self.answers.append(answer)
            n += 1
            if answer.status == self.until:
                return
            if self.pause:
                self._stop.wait(self.pause)

    def start(self) -> Prober:
        self._thread.start()
        return self

    def join(self) -> None:
        self._thread.join()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> Prober:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def cheap_figures(answers: list[Answer], prefix: str) -> dict[str, float]:
    """Sent, failed (anything but 200), p50 and p99 of the answered ones in ms, and the slowest, under ``prefix``."""
    ok = sorted(a.seconds for a in answers if a.status == 200)
    return {
        f"{prefix}_sent": len(answers),
        f"{prefix}_failed": len(answers) - len(ok),
        f"{prefix}_p50_ms": _load.percentile(ok, 50) * 1000,
        f"{prefix}_p99_ms": _load.percentile(ok, 99) * 1000,
        f"{prefix}_max_ms": (ok[-1] if ok else float("nan")) * 1000,
    }


def in_parallel(func: Callable[[int], Answer], n: int, *, limit: float) -> list[Answer]:
    """``func(0)`` ... ``func(n - 1)`` at once, one thread each; the answers in order."""
    answers: list[Answer | None] = [None] * n

    def one(i: int) -> None:
        answers[i] = func(i)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + limit
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [a if a is not None else Answer(0, limit, error=f"no answer within {limit:.0f} s") for a in answers]


# --- servers and commands -----------------------------------------------------------------------------------------


class Serve(_servers.Backendkg):
    """``python -m backendkg serve`` on the shipped graph, with ``extra`` options (``--workers`` when given)."""

    def __init__(self, *extra: str, name: str, workers: int | None, log_dir: Path) -> None:
        super().__init__(workers=workers, log_dir=log_dir, startup_timeout=120.0)
        self.extra = extra
        self.name = name  # the log file's name

    def command(self, data: Path | None) -> list[str]:
        return [
            sys.executable,
            "-m",
            "backendkg",
            "serve",
            "--host",
            _servers.HOST,
            "--port",
            str(self.port),
            *(["--workers", str(self.workers)] if self.workers else []),
            *self.extra,
            *(["--data", str(data)] if data else []),
        ]

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def children(pid: int) -> set[int]:
    """The child processes of ``pid`` (under ``backendkg serve``: granian's workers)."""
    try:
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except (OSError, ValueError):
        return set()


@dataclass
class Finished:
    code: int  # the exit status, or -N when a signal ended it (a command still running at its limit is killed)
    seconds: float
    peak_rss: int  # bytes, of the process and the descendants it waited for
    output: str


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_cli(args: list[str], *, log: Path, cap: bool = False, limit: float = 60.0) -> Finished:
    """``python -m backendkg ARGS`` in its own process group (``RLIMIT_AS`` of 1 GiB when ``cap``), killed with
    its group after ``limit`` seconds; its exit status, wall time, peak RSS (from ``wait4``) and output."""
    with log.open("w+b") as out:
        began = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "backendkg", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_capped if cap else None,
        )
        deadline = time.monotonic() + limit
        try:
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    os.killpg(process.pid, signal.SIGKILL)
                    _, status, usage = os.wait4(process.pid, 0)
                    break
                time.sleep(0.01)
        finally:
            # The command's own children (a server that started after all) do not outlive it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        seconds = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    return Finished(process.returncode, seconds, usage.ru_maxrss * 1024, output)


@dataclass
class Context:
    workers: int | None
    log_dir: Path

    @contextlib.contextmanager
    def serve(self, name: str, *extra: str) -> Iterator[Serve]:
        server = Serve(*extra, name=name, workers=self.workers, log_dir=self.log_dir)
        try:
            try:
                server.start(None)  # type: ignore[arg-type]
            except _servers.ServerError as exc:
                # The log may live in a temporary directory: say what it ended with.
                lines = (self.log_dir / f"{name}.log").read_text(errors="replace").strip().splitlines()
                raise _servers.ServerError(f"{exc}; its last line: {lines[-1] if lines else '(none)'}") from None
            yield server
        finally:
            server.stop()


# --- attacks ------------------------------------------------------------------------------------------------------

Figures = dict[str, float]
Details = dict[str, object]


def _stall(port: int) -> socket.socket:
    sock = socket.create_connection((_servers.HOST, port), timeout=10)
    sock.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 100000\r\n\r\nASK"
    )
    return sock


def _stalled_state(sock: socket.socket) -> str:
    """What became of a stalled connection: ``"open"`` (held open, unanswered), ``"closed"``, or the status line
    the server answered with."""
    sock.setblocking(False)
    try:
        data = sock.recv(200, socket.MSG_PEEK)
    except BlockingIOError:
        return "open"
    except OSError:
        return "closed"
    return data.split(b"\r\n", 1)[0].decode(errors="replace") if data else "closed"


def attack_stalled(ctx: Context) -> tuple[Figures, Details]:
    with ctx.serve("stalled") as server:
        stalled: list[socket.socket] = []
        try:
            for _ in range(STALLED):
                stalled.append(_stall(server.port))
            time.sleep(1.0)  # the bodies are being waited for
            with Prober(server.port, lambda n: "/health", pause=0.05) as health:
                probers = [
                    Prober(server.port, cheap_path(f"stalled {i}"), count=STALLED_QUERIES // 2).start()
                    for i in range(2)
                ]
                for prober in probers:
                    prober.join()
            states = [_stalled_state(sock) for sock in stalled]
        finally:
            for sock in stalled:
                sock.close()
    answers = [a for prober in probers for a in prober.answers]
    figures = {
        "stalled": STALLED,
        "held_open": states.count("open"),
        "answered": sum(state.startswith("HTTP/") for state in states),
        **cheap_figures(answers, "cheap"),
        **cheap_figures(health.answers, "health"),
    }
    failures = [a.error or a.status for a in answers + health.answers if a.status != 200][:10]
    return figures, {"stalled": states, "failures": failures}


def attack_bombs(ctx: Context) -> tuple[Figures, Details]:
    with ctx.serve("bombs", "--timeout", "60") as server:
        cheap = Prober(server.port, cheap_path("bombs"), pause=0.1, limit=120)
        with _procs.PeakSampler(server.pid, interval=0.05) as sampler, cheap:
            began = time.monotonic()
            bombs = in_parallel(
                lambda i: ask(server.port, sparql_path(f"{BOMB} # siege {i}"), timeout=90), BOMBS, limit=100
            )
            bombs_seconds = time.monotonic() - began
        after = ask(server.port, cheap_path("after bombs")(0))
        alive = server.alive()
    named = [a for a in bombs if a.status == 507 and f"{MEMORY_LIMIT_MIB} MiB" in a.description()]
    figures = {
        "bombs": BOMBS,
        "named_507": len(named),
        "slowest_s": max(a.seconds for a in bombs),
        "bombs_s": bombs_seconds,
        "peak_pss": sampler.peak_pss,
        "peak_rss": sampler.peak,
        "after_ok": int(after.status == 200 and alive),
        **cheap_figures(cheap.answers, "cheap"),
    }
    details = {"bombs": [{"status": a.status, "seconds": a.seconds, "description": a.description()} for a in bombs]}
    return figures, details


def attack_runaways(ctx: Context) -> tuple[Figures, Details]:
    with (
        ctx.serve("runaways", "--timeout", str(RUNAWAY_TIMEOUT)) as server,
        Prober(server.port, lambda n: "/health", pause=0.05, timeout=30) as health,
    ):
        answers = in_parallel(
            lambda i: ask(server.port, sparql_path(f"{RUNAWAY} # siege {i}"), timeout=30), RUNAWAYS, limit=40
        )
    said = [(a.status, a.description()) for a in answers]
    figures = {
        "runaways": RUNAWAYS,
        "answered_503": sum(a.status == 503 and a.seconds < ANSWERED_WITHIN for a in answers),
        "at_deadline": sum(status == 503 and "did not finish" in text for status, text in said),
        "busy": sum(status == 503 and "busy" in text for status, text in said),
        "slowest_s": max(a.seconds for a in answers),
        **cheap_figures(health.answers, "health"),
    }
    details = {
        "answers": [{"status": a.status, "seconds": a.seconds, "description": a.description()[:300]} for a in answers]
    }
    return figures, details


def attack_laughs(ctx: Context) -> tuple[Figures, Details]:
    bomb = str(BILLION_LAUGHS)
    validate = run_cli(["validate", bomb], log=ctx.log_dir / "laughs-validate.log", cap=True, limit=30)
    port = _servers.free_port()
    serve = run_cli(
        ["serve", "--host", _servers.HOST, "--port", str(port), "--data", bomb],
        log=ctx.log_dir / "laughs-serve.log",
        cap=True,
        limit=30,
    )
    figures = {"size": BILLION_LAUGHS.stat().st_size}
    for name, done in (("validate", validate), ("serve", serve)):
        figures |= {
            f"{name}_exit": done.code,
            f"{name}_s": done.seconds,
            f"{name}_rss": done.peak_rss,
            f"{name}_names_file": int(bomb in done.output),
        }
    return figures, {"validate": validate.output[-600:], "serve": serve.output[-600:]}


def attack_kills(ctx: Context) -> tuple[Figures, Details]:
    with ctx.serve("kills") as server:
        # The workers: the main process's children, once their set has stayed the same for half a second.
        workers, since = children(server.pid), time.monotonic()
        deadline = time.monotonic() + 30
        while time.monotonic() - since < 0.5 and time.monotonic() < deadline:
            time.sleep(0.05)
            now = children(server.pid)
            if now != workers or not now:
                workers, since = now, time.monotonic()
        known, victim = set(workers), min(workers)
        kills: list[float] = []
        replaced: list[float] = []
        with Prober(server.port, cheap_path("kills"), pause=0.05) as meanwhile:
            for _ in range(KILLS):
                os.kill(victim, signal.SIGKILL)
                kills.append(time.monotonic())
                new: set[int] = set()
                while not new and server.alive() and time.monotonic() - kills[-1] < 30:
                    time.sleep(0.005)
                    new = children(server.pid) - known
                if not new:
                    break
                replaced.append(time.monotonic() - kills[-1])
                known |= new
                victim = min(new)
            # Then the server must answer again (at once while another worker serves; with one worker, once its
            # replacement has started), and go on answering.
            again = Prober(server.port, cheap_path("again"), pause=0.05, timeout=5, limit=30, until=200).start()
            again.join()
            answering = next((a for a in again.answers if a.status == 200), None)
            serving_again = time.monotonic() - kills[-1] if answering is not None else float("nan")
            afterwards = Prober(server.port, cheap_path("after kills"), count=AFTER_KILLS, timeout=5, limit=30).start()
            afterwards.join()
            after = afterwards.answers
        alive = server.alive()
    nan = float("nan")
    figures = {
        "kills": len(kills),
        "kill_gap_s": kills[-1] - kills[0] if len(kills) > 1 else nan,
        "replaced": len(replaced),
        "first_replaced_s": replaced[0] if replaced else nan,
        "second_replaced_s": replaced[1] if len(replaced) > 1 else nan,
        "main_alive": int(alive),
        "serving_again_s": serving_again,
        "answered_after": sum(a.status == 200 for a in after),
        "meanwhile_sent": len(meanwhile.answers),
        "meanwhile_failed": sum(a.status != 200 for a in meanwhile.answers),
    }
    details = {
        "workers": sorted(workers),
        "failed_meanwhile": [a.error or a.status for a in meanwhile.answers if a.status != 200],
        "failed_after": [a.error or a.status for a in after if a.status != 200],
    }
    return figures, details


def attack_port(ctx: Context) -> tuple[Figures, Details]:
    with ctx.serve("port") as server:
        second = run_cli(
            ["serve", "--host", _servers.HOST, "--port", str(server.port)],
            log=ctx.log_dir / "port-second.log",
            limit=30,
        )
        health = ask(server.port, "/health")
    figures = {
        "port": server.port,
        "exit": second.code,
        "seconds": second.seconds,
        "names_port": int(str(server.port) in second.output),
        "first_health": health.status,
    }
    return figures, {"output": second.output[-600:]}


def attack_no500(ctx: Context) -> tuple[Figures, Details]:
    with ctx.serve("no500") as server:
        unknown = ask(server.port, sparql_path(UNKNOWN_FUNCTION))
        big = {
            name: ask(server.port, sparql_path(BIG_VALUE), headers={"Accept": accept}, timeout=30)
            for name, accept in BIG_VALUE_ACCEPTS.items()
        }
    figures = {"unknown_status": unknown.status}
    for name, answer in big.items():
        figures[f"big_{name}_status"] = answer.status
        figures[f"big_{name}_bytes"] = len(answer.body)
    details = {"unknown": unknown.description()} | {
        name: f"{len(a.body)} bytes" if a.status == 200 else a.description()[:300] for name, a in big.items()
    }
    return figures, details


# --- rows: what each attack measured, beside its limit --------------------------------------------------------------


def _ms(value: float) -> str:
    if value != value:
        return "n/a"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def _s(value: float) -> str:
    return "n/a" if value != value else f"{value:.2f} s"


def _gib(value: float) -> str:
    return f"{value / (1 << 30):.2f} GiB"


def _ok_status(status: float) -> bool:
    """An answer that is not an internal error: 2xx, 4xx, or the 503 and 507 that name their cause."""
    return 200 <= status < 500 or status in (503, 507)


@dataclass(frozen=True)
class Attack:
    title: str
    limit: str
    run: Callable[[Context], tuple[Figures, Details]]
    check: Callable[[Figures], bool]
    describe: Callable[[Figures], str]


def _describe_stalled(f: Figures) -> str:
    return (
        f"cheap-query p99 {_ms(f['cheap_p99_ms'])}, {f['cheap_failed']:.0f} failed of {f['cheap_sent']:.0f}; "
        f"/health max {_ms(f['health_max_ms'])}, {f['health_failed']:.0f} failed of {f['health_sent']:.0f}; "
        f"of the {f['stalled']:.0f} stalled, {f['held_open']:.0f} held open, {f['answered']:.0f} answered"
    )


def _describe_bombs(f: Figures) -> str:
    return (
        f"{f['named_507']:.0f} of {f['bombs']:.0f} got 507 naming {MEMORY_LIMIT_MIB} MiB, slowest "
        f"{_s(f['slowest_s'])}; tree peak PSS {_gib(f['peak_pss'])}; cheap-query p99 {_ms(f['cheap_p99_ms'])}, "
        f"{f['cheap_failed']:.0f} failed of {f['cheap_sent']:.0f}"
    )


def _describe_runaways(f: Figures) -> str:
    return (
        f"{f['answered_503']:.0f} of {f['runaways']:.0f} got 503 within {ANSWERED_WITHIN:g} s "
        f"({f['at_deadline']:.0f} at the deadline, {f['busy']:.0f} busy at once), slowest {_s(f['slowest_s'])}; "
        f"/health max {_ms(f['health_max_ms'])}, {f['health_failed']:.0f} failed of {f['health_sent']:.0f}"
    )


def _describe_laughs(f: Figures) -> str:
    def one(name: str) -> str:
        named = "" if f[f"{name}_names_file"] else ", file not named"
        rss = f[f"{name}_rss"] / MIB
        return f"{name} exit {f[f'{name}_exit']:.0f} in {_s(f[f'{name}_s'])}, peak RSS {rss:.0f} MiB{named}"

    return f"{one('validate')}; {one('serve')}"


def _describe_kills(f: Figures) -> str:
    replaced = ", ".join(_s(f[k]) for k in ("first_replaced_s", "second_replaced_s")[: int(f["replaced"])]) or "never"
    return (
        f"{f['kills']:.0f} kills {_s(f['kill_gap_s'])} apart; replaced after {replaced}; main "
        f"{'alive' if f['main_alive'] else 'DEAD'}, answering {_s(f['serving_again_s'])} after the last kill, "
        f"then {f['answered_after']:.0f} of {AFTER_KILLS} answered "
        f"({f['meanwhile_failed']:.0f} of {f['meanwhile_sent']:.0f} failed meanwhile)"
    )


def _describe_port(f: Figures) -> str:
    named = "names" if f["names_port"] else "does NOT name"
    return (
        f"exit {f['exit']:.0f} after {_s(f['seconds'])}, message {named} port {f['port']:.0f}; "
        f"first server /health {f['first_health']:.0f}"
    )


def _describe_no500(f: Figures) -> str:
    big = ", ".join(f"{name} {f[f'big_{name}_status']:.0f}" for name in BIG_VALUE_ACCEPTS)
    return f"unknown function {f['unknown_status']:.0f}; 32 MiB value: {big} (TSV {f['big_TSV_bytes'] / MIB:.0f} MiB)"


ATTACKS: dict[str, Attack] = {
    "stalled": Attack(
        f"{STALLED} stalled bodies",
        f"cheap-query and /health p99 < {CHEAP_P99:g} s, none failing",
        attack_stalled,
        lambda f: (
            f["cheap_sent"] == STALLED_QUERIES
            and f["cheap_failed"] == 0
            and f["cheap_p99_ms"] < CHEAP_P99 * 1000
            and f["health_sent"] > 0
            and f["health_failed"] == 0
            and f["health_p99_ms"] < CHEAP_P99 * 1000
        ),
        _describe_stalled,
    ),
    "bombs": Attack(
        f"{BOMBS} memory bombs",
        f"each 507 naming the limit; tree PSS < {TREE_PSS_LIMIT >> 30} GiB; cheap queries none failing",
        attack_bombs,
        lambda f: (
            f["named_507"] == f["bombs"]
            and f["peak_pss"] < TREE_PSS_LIMIT
            and f["cheap_sent"] > 0
            and f["cheap_failed"] == 0
            and f["after_ok"] == 1
        ),
        _describe_bombs,
    ),
    "runaways": Attack(
        f"{RUNAWAYS} runaways",
        f"all answered (503) < {ANSWERED_WITHIN:g} s; /health < {HEALTH_WITHIN:g} s",
        attack_runaways,
        lambda f: (
            f["answered_503"] == f["runaways"]
            and f["health_sent"] > 0
            and f["health_failed"] == 0
            and f["health_max_ms"] < HEALTH_WITHIN * 1000
        ),
        _describe_runaways,
    ),
    "laughs": Attack(
        "billion laughs",
        f"validate exit 2, serve exit != 0, naming the file; each < {REFUSED_WITHIN:g} s, RSS < 1 GiB",
        attack_laughs,
        lambda f: (
            f["validate_exit"] == 2
            and f["serve_exit"] > 0
            and all(
                f[f"{name}_names_file"] and f[f"{name}_s"] < REFUSED_WITHIN and f[f"{name}_rss"] < MEMORY_CAP
                for name in ("validate", "serve")
            )
        ),
        _describe_laughs,
    ),
    "kills": Attack(
        "worker slot killed twice",
        f"{KILLS} kills < {KILLS_WITHIN:g} s apart; main alive, queries answered after",
        attack_kills,
        lambda f: (
            f["kills"] == KILLS
            and f["kill_gap_s"] < KILLS_WITHIN
            and f["main_alive"] == 1
            and f["answered_after"] == AFTER_KILLS
        ),
        _describe_kills,
    ),
    "port": Attack(
        "second server on the port",
        "exit != 0, message names the port",
        attack_port,
        lambda f: f["exit"] != 0 and f["names_port"] == 1 and f["first_health"] == 200,
        _describe_port,
    ),
    "no500": Attack(
        "unknown function, 32 MiB value",
        "never 500 (2xx, 4xx, 503, 507), all answered",
        attack_no500,
        lambda f: all(_ok_status(f[key]) for key in f if key.endswith("_status")),
        _describe_no500,
    ),
}


@dataclass
class Run:
    figures: Figures = field(default_factory=dict)
    details: Details = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0


def passed(attack: Attack, run: Run) -> bool:
    if run.error:
        return False
    try:
        return bool(attack.check(run.figures))
    except (KeyError, TypeError):
        return False


def medians(runs: list[Run]) -> Figures:
    """The median of each figure over the runs that measured it."""
    keys = {key for run in runs if not run.error for key in run.figures}
    return {
        key: statistics.median(run.figures[key] for run in runs if not run.error and key in run.figures)
        for key in sorted(keys)
    }


def row(attack: Attack, runs: list[Run]) -> list[str]:
    """``[attack, measured, limit, verdict]``: medians of the runs; PASS only when every run met the limit."""
    good = [run for run in runs if not run.error]
    if good:
        measured = attack.describe(medians(runs))
        if len(runs) > 1:
            measured += f" (medians of {len(good)} runs)"
    else:
        measured = ""
    errors = [run.error for run in runs if run.error]
    if errors:
        measured = "; ".join(filter(None, [measured, f"error: {errors[0]}"]))
    failed = sum(not passed(attack, run) for run in runs)
    if not failed:
        verdict = "PASS"
    elif len(runs) == 1:
        verdict = "FAIL"
    else:
        verdict = f"FAIL ({failed} of {len(runs)} runs)"
    return [attack.title, measured, attack.limit, verdict]


def table(rows: list[list[str]], *, markdown: bool = False) -> str:
    headers = ["attack", "measured", "limit", ""]
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


# --- command line -------------------------------------------------------------------------------------------------


def _machine() -> str:
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}, Python {platform.python_version()}"
    )


def _backendkg() -> str:
    try:
        import backendkg
    except ImportError:
        return "backendkg not importable"
    return f"backendkg {getattr(backendkg, '__version__', '?')} from {Path(backendkg.__file__).parent}"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0].replace("``", "`"),
        epilog="bench/README.md describes each attack and its limit.",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(ATTACKS),
        metavar="NAME",
        help=f"run only this attack (may be given more than once): {', '.join(ATTACKS)}",
    )
    parser.add_argument(
        "--repeat",
        type=_positive,
        default=1,
        metavar="N",
        help="runs of each attack; the table gives medians (default 1)",
    )
    parser.add_argument(
        "--workers", type=_positive, metavar="N", help="`backendkg serve --workers` (default: serve's own)"
    )
    parser.add_argument("--work-dir", type=Path, metavar="DIR", help="keep the logs here (default: a temporary dir)")
    parser.add_argument("--json", dest="json_out", type=Path, metavar="FILE", help="write the raw figures as JSON")
    parser.add_argument(
        "--markdown", dest="markdown_out", type=Path, metavar="FILE", help="write the table as Markdown"
    )
    options = parser.parse_args(argv)
    # Stop the servers on SIGTERM too (the finally blocks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    names = list(dict.fromkeys(options.only or ATTACKS))
    command = "python3 bench/siege.py " + " ".join(argv if argv is not None else sys.argv[1:])
    header = f"{command.rstrip()}\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {_machine()}; {_backendkg()}"
    print(header, flush=True)
    began = time.perf_counter()
    runs: dict[str, list[Run]] = {name: [] for name in names}
    with contextlib.ExitStack() as stack:
        if options.work_dir is not None:
            options.work_dir.mkdir(parents=True, exist_ok=True)
            log_dir = options.work_dir
        else:
            log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="backendkg-siege-")))
        ctx = Context(workers=options.workers, log_dir=log_dir)
        for round_ in range(options.repeat):
            for name in names:
                attack = ATTACKS[name]
                run = Run()
                started = time.perf_counter()
                try:
                    run.figures, run.details = attack.run(ctx)
                except Exception as exc:  # one attack failing to run is a row, not the end of the report
                    run.error = f"{type(exc).__name__}: {exc}"
                run.seconds = time.perf_counter() - started
                runs[name].append(run)
                verdict = "PASS" if passed(attack, run) else "FAIL"
                print(
                    f"  [{name} {round_ + 1}/{options.repeat}] {run.seconds:5.1f} s  {verdict}  "
                    + (run.error or attack.describe(run.figures)),
                    flush=True,
                )
    rows = [row(ATTACKS[name], runs[name]) for name in names]
    elapsed = time.perf_counter() - began
    print()
    print(table(rows))
    print()
    met = sum(r[3] == "PASS" for r in rows)
    print(f"limits: {met} of {len(rows)} met; {elapsed:.0f} s")
    if options.markdown_out is not None:
        options.markdown_out.write_text(
            f"`{command.rstrip()}`  \n{header.splitlines()[1]}\n\n{table(rows, markdown=True)}\n"
        )
    if options.json_out is not None:
        record = {
            "command": command.rstrip(),
            "machine": _machine(),
            "backendkg": _backendkg(),
            "seconds": elapsed,
            "attacks": {
                name: {
                    "title": ATTACKS[name].title,
                    "limit": ATTACKS[name].limit,
                    "verdict": row_[3],
                    "medians": medians(runs[name]),
                    "runs": [
                        {
                            "passed": passed(ATTACKS[name], run),
                            "seconds": run.seconds,
                            "error": run.error,
                            "figures": run.figures,
                            "details": run.details,
                        }
                        for run in runs[name]
                    ],
                }
                for name, row_ in zip(names, rows, strict=True)
            },
        }
        options.json_out.write_text(json.dumps(record, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
