"""Real SPARQL stores other than the embedded one, started for tests: Oxigraph server and Virtuoso 7.

Each store is a plain class used as a context manager (``with OxigraphServer(dump) as store: ...``) or
through ``start()`` / ``stop()``. ``start()`` runs the server on free loopback ports (127.0.0.1 only), loads
an N-Quads dump keeping its named graphs, checks that every graph of the dump arrived with its number of
quads, and returns once ``query_url`` answers ``ASK {}``; it fails with the tail of the server's log if the
store is not up within ``startup`` seconds. ``stop()`` ends the server by its pid (SIGTERM, then SIGKILL
after a timeout) and removes its scratch files. If the server program is missing, ``start()`` calls
``pytest.skip`` with a reason that names the program.

Neither store is told to use the union of its graphs as its default graph: a client that wants backendkg's
dataset sends the protocol's ``default-graph-uri`` / ``named-graph-uri`` parameters (see :func:`dataset`).

``export_nquads(path)`` writes the shipped graph as N-Quads (``backendkg export --format nquads``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

#: The graphs of backendkg's dataset: every graph whose IRI starts with this.
GRAPH_PREFIX = "https://w3id.org/backendkg/graph/"


def _program(name: str, *candidates: str | Path) -> str | None:
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


def oxigraph_program() -> str | None:
    """The ``oxigraph`` console script of the PyPI package ``oxigraph`` (beside this Python first: a pyenv shim
    on PATH would put a shell between the harness and the server's pid)."""
    return _program("oxigraph", Path(sys.executable).parent / "oxigraph")


def virtuoso_programs() -> tuple[str | None, str | None]:
    """Debian's ``virtuoso-t`` server and its ``isql-vt`` client (package ``virtuoso-opensource``)."""
    return _program("virtuoso-t", "/usr/bin/virtuoso-t"), _program("isql-vt", "/usr/bin/isql-vt")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the server binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def export_nquads(path: str | Path, *, timeout: float = 120) -> Path:
    """Write the shipped graph to ``path`` with ``backendkg export --format nquads``."""
    path = Path(path)
    subprocess.run(
        [sys.executable, "-m", "backendkg", "export", "--format", "nquads", "-o", str(path)],
        check=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return path


def graph_counts_of_dump(path: str | Path) -> dict[str, int]:
    """Distinct quads per named graph of an N-Quads file (the default graph is counted under ``""``)."""
    quads = set(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    counts = Counter(q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else "" for q in quads)
    return dict(counts)


def dataset(graphs) -> list[tuple[str, str]]:
    """The protocol parameters that make ``graphs`` both the default graph (their union) and the named graphs."""
    graphs = list(graphs)
    return [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]


class StoreError(RuntimeError):
    """The store did not start, or did not load the dump as it should."""


class _Server:
    """What both stores share: the process, the wait for readiness, SPARQL over HTTP, stopping by pid."""

    program_name = ""
    startup = 60.0

    def __init__(self, nquads_path: str | Path, *, startup: float | None = None):
        self.nquads_path = Path(nquads_path)
        if startup is not None:
            self.startup = startup
        self.process: subprocess.Popen | None = None
        self.query_url = ""
        self.expected: dict[str, int] = {}

    # -- context manager ------------------------------------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    # -- HTTP ---------------------------------------------------------------------------------------------

    def request(
        self,
        query: str,
        *,
        accept: str = "application/sparql-results+json",
        params: list[tuple[str, str]] | None = None,
        timeout: float = 60,
    ) -> tuple[int, dict[str, str], bytes]:
        """POST ``query`` (form-encoded, with ``params``) to ``query_url``: status, headers (lower-case names), body."""
        body = urllib.parse.urlencode([("query", query), *(params or [])]).encode()
        request = urllib.request.Request(
            self.query_url,
            data=body,
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()

    def select(self, query: str, *, params: list[tuple[str, str]] | None = None) -> list[dict[str, object]]:
        """The rows of a SELECT (JSON results parsed by pyoxigraph) as dicts of variable name to term."""
        status, _, body = self.request(query, params=params)
        if status != 200:
            raise StoreError(f"{self.program_name} answered {status}: {body[:500]!r}")
        solutions = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in solutions]

    def graph_counts(self) -> dict[str, int]:
        """Quads per named graph as the store answers ``GRAPH ?g { ?s ?p ?o }`` (every graph it holds)."""
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {str(r["g"].value): int(r["n"].value) for r in rows}

    def backendkg_graphs(self) -> list[str]:
        """The graphs of backendkg's dataset held by the store, sorted."""
        return sorted(g for g in self.graph_counts() if g.startswith(GRAPH_PREFIX))

    def _answers_ask(self) -> bool:
        try:
            status, _, body = self.request("ASK {}", timeout=5)
        except OSError:
            return False
        return status == 200 and json.loads(body).get("boolean") is True

    # -- life cycle ---------------------------------------------------------------------------------------

    def _default_graph_count(self) -> int:
        """Quads the store holds for the dump's default graph."""
        raise NotImplementedError

    def _check_loaded(self) -> None:
        self.expected = graph_counts_of_dump(self.nquads_path)
        counts = self.graph_counts()
        if "" in self.expected:
            counts[""] = self._default_graph_count()
        wrong = {g or "(default graph)": (n, counts.get(g)) for g, n in self.expected.items() if counts.get(g) != n}
        if wrong:
            raise StoreError(
                f"{self.program_name}: graphs loaded with the wrong number of quads (dump, store): {wrong}"
            )

    def _wait(self, ready, what: str) -> None:
        deadline = time.monotonic() + self.startup
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StoreError(f"{self.program_name} exited with {self.process.returncode}:\n{self.log_tail()}")
            if ready():
                return
            time.sleep(0.2)
        raise StoreError(f"{self.program_name}: {what} within {self.startup:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        return ""

    def _terminate(self, timeout: float = 15) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)


class OxigraphServer(_Server):
    """``oxigraph serve`` in memory on a free loopback port, loaded by POST to ``/store``.

    Started without ``--union-default-graph``: its default graph is empty unless the query or the protocol's
    ``default-graph-uri`` parameters give one. ``query_url`` is ``http://127.0.0.1:PORT/query``."""

    program_name = "oxigraph serve"

    def __init__(self, nquads_path: str | Path, *, startup: float | None = None):
        super().__init__(nquads_path, startup=startup)
        self.base = ""
        self._log: Path | None = None

    def start(self) -> OxigraphServer:
        if self.process is not None:
            return self
        program = oxigraph_program()
        if program is None:
            pytest.skip("the oxigraph server (the oxigraph program of the PyPI package oxigraph) is missing")
        try:
            for _ in range(3):  # the free port may be taken between free_port() and the bind
                port = free_port()
                self.base = f"http://127.0.0.1:{port}"
                self.query_url = self.base + "/query"
                self._log = Path(tempfile.mkstemp(prefix="oxigraph-serve-", suffix=".log")[1])
                with self._log.open("wb") as out:
                    self.process = subprocess.Popen(
                        [program, "serve", "--bind", f"127.0.0.1:{port}"],
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                try:
                    self._wait(self._answers_ask, "did not answer ASK {}")
                    break
                except StoreError:
                    if self.process.poll() is None or "in use" not in self.log_tail():
                        raise
                    self._terminate()
                    self._log.unlink(missing_ok=True)
            else:
                raise StoreError("oxigraph serve found no free port")
            request = urllib.request.Request(
                self.base + "/store",
                data=self.nquads_path.read_bytes(),
                headers={"Content-Type": "application/n-quads"},
                method="POST",
            )
            urllib.request.urlopen(request, timeout=120).close()
            self._check_loaded()
        except BaseException:
            self.stop()
            raise
        return self

    def _default_graph_count(self) -> int:
        return int(self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value)

    def log_tail(self, lines: int = 40) -> str:
        if self._log is None or not self._log.exists():
            return ""
        return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        self._terminate()
        if self._log is not None:
            self._log.unlink(missing_ok=True)
            self._log = None


#: The virtuoso.ini the harness writes, section by section: Debian's template
#: (/usr/share/virtuoso-opensource-7/virtuoso.ini) cut down to what a small, loopback-only, throw-away
#: database needs ({dir}: the scratch directory; {sql_port},
#: {http_port}: free ports, bound to 127.0.0.1 only; {buffers}, {dirty_buffers}: the page buffers).
VIRTUOSO_INI: dict[str, dict[str, str]] = {
    "Database": {
        "DatabaseFile": "{dir}/virtuoso.db",
        "ErrorLogFile": "{dir}/virtuoso.log",
        "LockFile": "{dir}/virtuoso.lck",
        "TransactionFile": "{dir}/virtuoso.trx",
        "xa_persistent_file": "{dir}/virtuoso.pxa",
        "ErrorLogLevel": "7",
        "FileExtend": "200",
        "MaxCheckpointRemap": "2000",
        "Striping": "0",
        "TempStorage": "TempDatabase",
    },
    "TempDatabase": {
        "DatabaseFile": "{dir}/virtuoso-temp.db",
        "TransactionFile": "{dir}/virtuoso-temp.trx",
        "MaxCheckpointRemap": "2000",
        "Striping": "0",
    },
    "Parameters": {
        "ServerPort": "127.0.0.1:{sql_port}",
        "DisableUnixSocket": "1",
        "DisableTcpSocket": "0",
        "ServerThreads": "4",
        "MaxClientConnections": "4",
        "CheckpointInterval": "0",  # the harness checkpoints once, after loading
        "O_DIRECT": "0",
        "CaseMode": "2",
        "MaxStaticCursorRows": "5000",
        "CheckpointAuditTrail": "0",
        "AllowOSCalls": "0",
        "SchedulerInterval": "10",
        "DirsAllowed": "{dir}",
        "ThreadCleanupInterval": "0",
        "ThreadThreshold": "10",
        "ResourcesCleanupInterval": "0",
        "VADInstallDir": "{dir}/vad",  # empty: no VAD package is installed
        "PrefixResultNames": "0",
        "NumberOfBuffers": "{buffers}",
        "MaxDirtyBuffers": "{dirty_buffers}",
        "MaxQueryMem": "256M",
        "ThreadsPerQuery": "2",
        "AsyncQueueMaxThreads": "2",
    },
    "HTTPServer": {
        "ServerPort": "127.0.0.1:{http_port}",
        "ServerRoot": "{dir}/vsp",
        "ServerThreads": "4",
        "MaxClientConnections": "4",
        "MaxKeepAlives": "4",
        "KeepAliveTimeout": "10",
        "DavRoot": "DAV",
        "EnabledDavVSP": "0",
        "HTTPProxyEnabled": "0",
        "Charset": "UTF-8",
        "EnabledGzipContent": "0",
    },
    "URIQA": {"DynamicLocal": "0", "DefaultHost": "127.0.0.1:{http_port}"},
    "SPARQL": {
        "ResultSetMaxRows": "1000000",
        "MaxQueryCostEstimationTime": "0",  # 0: no query is refused on its estimated cost
        "MaxQueryExecutionTime": "300",  # seconds; an "anytime" answer past it is partial (X-SQL-State header)
        "DeferInferenceRulesInit": "0",
    },
}


def virtuoso_ini(settings: dict[str, dict[str, str]] | None = None, **values: object) -> str:
    """The text of :data:`VIRTUOSO_INI` with ``settings`` (section -> key -> value) laid over it."""
    sections = {name: dict(keys) for name, keys in VIRTUOSO_INI.items()}
    for name, keys in (settings or {}).items():
        sections.setdefault(name, {}).update(keys)
    lines = ["; Written by tests/_stores.py for one run: everything in the scratch directory, loopback only."]
    for name, keys in sections.items():
        lines.append(f"\n[{name}]")
        lines.extend(f"{key} = {value.format(**values)}" for key, value in keys.items())
    return "\n".join(lines) + "\n"


class VirtuosoServer(_Server):
    """Debian's Virtuoso 7 (``virtuoso-t +foreground``) with its own ``virtuoso.ini`` in a scratch directory.

    The SQL (ISQL/ODBC) port and the HTTP port are free ports bound to 127.0.0.1; the database lives in the
    scratch directory, which is also the only ``DirsAllowed``; ``settings`` (section -> key -> value) changes
    or adds keys of the generated ini (:data:`VIRTUOSO_INI`). The dump is copied there and loaded with
    ``DB.DBA.TTLP_MT(..., flags 512)`` (N-Quads: each quad into its own graph), then checkpointed.
    ``query_url`` is ``http://127.0.0.1:PORT/sparql``. Virtuoso holds system graphs of its own
    (``http://www.openlinksw.com/schemas/virtrdf#`` ...): without dataset parameters its default graph is the
    union of every graph, those included."""

    program_name = "virtuoso-t"

    def __init__(
        self,
        nquads_path: str | Path,
        *,
        startup: float | None = None,
        buffers: int = 10000,
        dirty_buffers: int = 6000,
        settings: dict[str, dict[str, str]] | None = None,
    ):
        super().__init__(nquads_path, startup=startup)
        self.settings = settings
        self.buffers = buffers
        self.dirty_buffers = dirty_buffers
        self.dir: Path | None = None
        self.sql_port = 0
        self.http_port = 0
        self._isql = ""

    def start(self) -> VirtuosoServer:
        if self.process is not None:
            return self
        server, isql = virtuoso_programs()
        if server is None:
            pytest.skip("Virtuoso's server virtuoso-t (Debian package virtuoso-opensource) is missing")
        if isql is None:
            pytest.skip("Virtuoso's client isql-vt (Debian package virtuoso-opensource) is missing")
        self._isql = isql
        try:
            for _ in range(3):  # a free port may be taken between free_port() and the bind
                self._launch(server)
                try:
                    self._wait(self._sql_answers, "did not accept SQL connections")
                    break
                except StoreError:
                    if self.process is None or self.process.poll() is None or "in use" not in self.log_tail().lower():
                        raise
                    self._terminate()
                    self._remove_dir()
            else:
                raise StoreError("virtuoso-t found no free ports")
            self._load()
            self._wait(self._answers_ask, "did not answer ASK {} at /sparql")
            self._check_loaded()
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self, server: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="virtuoso-"))
        (self.dir / "vad").mkdir()
        (self.dir / "vsp").mkdir()
        self.sql_port, self.http_port = free_port(), free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        self.query_url = f"http://127.0.0.1:{self.http_port}/sparql"
        ini = self.dir / "virtuoso.ini"
        ini.write_text(
            virtuoso_ini(
                self.settings,
                dir=self.dir,
                sql_port=self.sql_port,
                http_port=self.http_port,
                buffers=self.buffers,
                dirty_buffers=self.dirty_buffers,
            )
        )
        with (self.dir / "stdout.log").open("wb") as out:
            self.process = subprocess.Popen(
                [server, "+foreground", "+configfile", str(ini)],
                cwd=self.dir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def isql(self, sql: str, *, timeout: float = 120) -> str:
        """Run ``sql`` (statements ending in ``;``) with ``isql-vt`` as dba; its output, or :class:`StoreError`."""
        result = subprocess.run(
            [self._isql, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={sql}"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.dir,
        )
        output = result.stdout + result.stderr
        if result.returncode != 0 or "*** Error" in output:
            raise StoreError(f"isql-vt failed ({result.returncode}) on {sql!r}:\n{output}\n{self.log_tail()}")
        return output

    def _sql_answers(self) -> bool:
        try:
            self.isql("select 1;", timeout=10)
        except (StoreError, subprocess.TimeoutExpired):
            return False
        return True

    #: Where Virtuoso puts the quads of the dump's default graph (it has no default graph of its own).
    default_graph = "urn:x-backendkg:default-graph"

    def _default_graph_count(self) -> int:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{self.default_graph}> {{ ?s ?p ?o }} }}"
        return int(self.select(query)[0]["n"].value)

    def _load(self) -> None:
        target = self.dir / "dump.nq"
        shutil.copyfile(self.nquads_path, target)
        # TTLP_MT (text, base, graph for quads without one, flags, log mode, threads, transactional):
        # flags 512 reads N-Quads; log mode 2 logs everything; one thread on a small machine.
        self.isql(
            f"DB.DBA.TTLP_MT(file_to_string_output('{target}'), '', '{self.default_graph}', 512, 2, 1, 0); checkpoint;"
        )

    def log_tail(self, lines: int = 40) -> str:
        if self.dir is None:
            return ""
        text = []
        for name in ("virtuoso.log", "stdout.log"):
            path = self.dir / name
            if path.exists():
                text.append(f"--- {name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(text)

    def _remove_dir(self) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def stop(self) -> None:
        self._terminate(timeout=30)
        self._remove_dir()
