"""Start and stop the SPARQL servers under test, each on a free loopback port, each in its own process group."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, ClassVar

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, *, headers: dict[str, str] | None = None, timeout: float = 60.0) -> tuple[int, bytes]:
    """``GET path`` on the loopback port; the status and the body."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class ServerError(RuntimeError):
    """A server did not start, or did not accept its data."""


class Server:
    """A SPARQL server in a child process: :meth:`start` it on a data file, query :attr:`endpoint`, :meth:`stop`."""

    name: ClassVar[str]
    #: Path of the SPARQL endpoint on the server.
    endpoint: ClassVar[str]
    #: Path that answers 200 once the server is ready.
    ready_path: ClassVar[str]

    def __init__(self, *, log_dir: Path, startup_timeout: float = 600.0) -> None:
        self.log_dir = log_dir
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        #: Seconds from spawning the process until it answered with the data loaded.
        self.startup_seconds = 0.0

    @classmethod
    def available(cls) -> str | None:
        """``None`` when this server can run here, else why not."""
        return None

    def command(self, data: Path) -> list[str]:
        raise NotImplementedError

    def after_start(self, data: Path) -> None:
        """Hook for servers that take their data over HTTP once they listen."""

    def environment(self, data: Path) -> dict[str, str] | None:
        """The environment of the server process serving ``data`` (``None``: this process's)."""
        return None

    def start(self, data: Path) -> None:
        self.port = free_port()
        self._log = (self.log_dir / f"{self.name}.log").open("ab")
        began = time.perf_counter()
        self.process = subprocess.Popen(
            self.command(data),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=self.environment(data),
        )
        self.wait_ready()
        self.after_start(data)
        self.startup_seconds = time.perf_counter() - began

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"{self.name} exited with status {self.process.returncode}; see {self._log_path}")
            try:
                status, _ = get(self.port, self.ready_path, timeout=5)
            except OSError:
                status = 0
            if status == 200:
                return
            time.sleep(0.05)
        raise ServerError(f"{self.name} did not answer within {self.startup_timeout:.0f} s; see {self._log_path}")

    @property
    def _log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def stop(self) -> None:
        """Stop the server's whole process group: SIGTERM, then SIGKILL after ten seconds."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
            except ProcessLookupError:
                pass
        if self.process is not None:
            # Workers the server forked stay in its process group; make sure none outlives it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


class Backendkg(Server):
    """``backendkg serve --data FILE``, with its default number of workers unless ``workers`` is given."""

    name = "backendkg"
    endpoint = "/sparql"
    ready_path = "/health"

    def __init__(self, *, workers: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.workers = workers

    @classmethod
    def available(cls) -> str | None:
        from backendkg.cli import cli

        return None if "serve" in cli.commands else "this backendkg has no `serve` command"

    def command(self, data: Path) -> list[str]:
        return [
            sys.executable,
            "-c",
            "from backendkg.cli import main; main()",
            "serve",
            "--host",
            HOST,
            "--port",
            str(self.port),
            *(["--workers", str(self.workers)] if self.workers else []),
            "--data",
            str(data),
        ]


class Baseline(Backendkg):
    """``backendkg serve`` from another checkout of backendkg (``source``: its ``src`` folder), to compare a
    change with the code before it in one run."""

    name = "baseline"

    def __init__(self, *, source: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source = source

    def environment(self, data: Path) -> dict[str, str] | None:
        return {**os.environ, "PYTHONPATH": str(self.source)}


class Oxigraph(Server):
    """The native Oxigraph server (``oxigraph serve``, in memory), loaded over the Graph Store Protocol."""

    name = "oxigraph"
    endpoint = "/query"
    ready_path = "/"

    @classmethod
    def available(cls) -> str | None:
        return None if shutil.which("oxigraph") else "the `oxigraph` command is not installed (pip install oxigraph)"

    def command(self, data: Path) -> list[str]:
        return [shutil.which("oxigraph") or "oxigraph", "serve", "--bind", f"{HOST}:{self.port}"]

    def after_start(self, data: Path) -> None:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=self.startup_timeout)
        try:
            with data.open("rb") as body:
                connection.request(
                    "POST",
                    "/store?default",
                    body=body,
                    headers={"Content-Type": "application/n-triples", "Content-Length": str(data.stat().st_size)},
                )
                response = connection.getresponse()
                detail = response.read()
        finally:
            connection.close()
        if response.status not in (200, 201, 204):
            raise ServerError(f"oxigraph refused the data: HTTP {response.status} {detail[:300]!r}")


class RdflibEndpoint(Server):
    """rdflib-endpoint's own command (``rdflib-endpoint serve FILE``: uvicorn over an in-memory rdflib Dataset)."""

    name = "rdflib-endpoint"
    endpoint = "/"
    ready_path = "/?query=ASK%7B%7D"

    @classmethod
    def available(cls) -> str | None:
        try:
            import rdflib_endpoint  # noqa: F401
        except ImportError:
            return "rdflib-endpoint is not installed (pip install rdflib-endpoint)"
        return None

    def command(self, data: Path) -> list[str]:
        return [
            sys.executable,
            "-c",
            "from rdflib_endpoint.__main__ import cli; cli()",
            "serve",
            "--host",
            HOST,
            "--port",
            str(self.port),
            str(data),
        ]


class BareGranian(Server):
    """The bare WSGI application of ``_bare_granian.py`` on granian: pyoxigraph evaluating in the request thread,
    nothing else (what any server on backendkg's stack that does not isolate its queries reaches)."""

    name = "bare-granian"
    endpoint = "/sparql"
    ready_path = "/sparql?query=ASK%7B%7D"
    #: The application in ``_bare_granian.py``, and the granian interface it speaks.
    application = "wsgi"
    interface = "wsgi"
    settings: ClassVar[list[str]] = ["--blocking-threads", "1", "--runtime-mode", "st"]

    def __init__(self, *, workers: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.workers = workers or max(os.cpu_count() or 1, 2)

    @classmethod
    def available(cls) -> str | None:
        return None if shutil.which("granian") else "the `granian` command is not installed"

    def command(self, data: Path) -> list[str]:
        return [
            shutil.which("granian") or "granian",
            "--interface",
            self.interface,
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            *self.settings,
            "--http",
            "1",
            "--no-ws",
            "--working-dir",
            str(Path(__file__).resolve().parent),
            f"_bare_granian:{self.application}",
        ]

    def environment(self, data: Path) -> dict[str, str] | None:
        return {**os.environ, "BARE_DATA": str(data)}


class BareCached(BareGranian):
    """The bare WSGI application with a dictionary of answers by query string in front (what any server on
    granian that answers repeated queries from memory reaches)."""

    name = "bare-cached"
    application = "cached"


class BareIsolated(BareGranian):
    """The bare RSGI application of ``_bare_granian.py``: every query evaluated in a query process, over a socket
    pair, by an event loop (what any server on backendkg's stack that can kill a query reaches)."""

    name = "bare-isolated"
    application = "rsgi"
    interface = "rsgi"
    settings: ClassVar[list[str]] = ["--runtime-mode", "st"]


SERVERS: dict[str, type[Server]] = {
    cls.name: cls for cls in (Backendkg, Oxigraph, RdflibEndpoint, BareGranian, BareCached, BareIsolated)
}
#: The servers measured unless ``--servers`` says otherwise.
DEFAULT = ("backendkg", "oxigraph", "rdflib-endpoint")
