"""``backendkg serve``: the application under granian.

The graph is loaded once, in the main process, before the workers are forked (they share its memory
copy-on-write); the Python modules of the application are imported while pyoxigraph parses, on the other
processor. granian's Rust HTTP server (hyper and tokio) parses requests and writes responses without holding
the GIL; each worker runs the WSGI application on ``WORKER_THREADS`` threads. When a worker starts, before it
has a thread, it forks its query processes (:mod:`backendkg.sparql.processes`): the queries run there, so a query that
overruns its deadline is killed on the spot and its client gets 503, a query process that dies gets its client
a 503 instead of a dropped connection, and either way a fresh query process takes its place while the worker
keeps serving. A worker that dies is forked afresh from the loaded graph by the main process, however often it
dies (:class:`Supervisor`).

granian rather than gunicorn: gunicorn parses HTTP in Python, about 0.2 ms of CPU per request even for an
answer the application has cached; granian's per-request cost is a fraction of that (see the README's
Performance section), and it keeps connections alive, drains requests in flight on SIGTERM and replaces
dead workers.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import socket
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click

from .common import data_option

DEFAULT_PORT = 8000
#: Threads per worker that run the application: requests one worker answers at once.
WORKER_THREADS = 24
#: Query processes per worker: queries one worker evaluates at once (the other threads answer from the
#: caches, serve pages and downloads, or wait for a query process).
QUERY_PROCESSES = 4
#: Queries one worker lets wait for a free query process (each until its deadline); one more gets 503
#: ("busy") at once. With ``QUERY_PROCESSES`` evaluating, these waiting and the four threads that may be reading
#: request bodies (:mod:`backendkg.web.bodies`), two of the ``WORKER_THREADS`` are always free for what evaluates
#: no user query (``/health``, pages, downloads), however many queries and slow clients come at once.
QUERIES_WAITING = 14


def default_workers() -> int:
    """One worker per CPU (each answers ``WORKER_THREADS`` requests at once), at least 2, at most 16."""
    return min(max(os.cpu_count() or 1, 2), 16)


def _start_loading(paths: list[Path]) -> Future:
    """Load ``paths`` (none: the shipped graph) on a thread: pyoxigraph parses without the GIL, so the caller
    imports the rest of the application meanwhile. The future gives the graph or raises the load error."""
    from ..graph.store import load

    pool = ThreadPoolExecutor(1, thread_name_prefix="backendkg-load")
    loading = pool.submit(load, paths or None)
    pool.shutdown(wait=False)  # the thread ends when the graph is loaded
    return loading


class PortInUse(Exception):
    """Something already listens on the port asked for."""


def _reserve_port(host: str, port: int) -> tuple[int, socket.socket | None]:
    """The port to listen on. granian's workers each bind their own listener with ``SO_REUSEPORT``, which would
    let a second server share a port a first one serves; so a port asked for is first bound without it, and
    :class:`PortInUse` is raised when that fails. For port 0 a socket bound (not listening) to a free port
    holds that port for the workers until the server stops."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if port != 0:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        return port, None
    holder = socket.socket(family, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind((host, 0))
    return holder.getsockname()[1], holder


def eager_queries(workers: int) -> int:
    """Queries one worker starts at once before the next waits a moment for a warm query process: the
    processors shared by the workers (more running at once only evict each other's caches)."""
    return max(1, (os.cpu_count() or 1) // workers)


def _worker_loader(app: Any, recycle_bytes: int, memory_limit: int, eager: int):
    from ..web import state

    def load(*_: Any) -> Any:
        # In a freshly forked worker, before granian starts its threads.
        state(app).engine.start_processes(
            QUERY_PROCESSES,
            recycle_bytes=recycle_bytes,
            max_waiting=QUERIES_WAITING,
            memory_limit=memory_limit,
            eager=eager,
        )
        return app

    return load


#: A worker slot that died again within this many seconds of its last replacement is replaced after a pause
#: that doubles with each such death, from ``RESPAWN_PAUSE`` up to ``RESPAWN_PAUSE_MAX`` seconds.
RESPAWN_WINDOW = 30.0
RESPAWN_PAUSE = 0.25
RESPAWN_PAUSE_MAX = 8.0
#: A worker that dies this many times in a row within ``STARTUP_GRACE`` seconds of being forked cannot start
#: (a setting or the machine, not a query, is at fault): the server stops, with status 1, rather than loop.
FAILED_STARTS = 5
STARTUP_GRACE = 2.0

_log = logging.getLogger("backendkg.serve")


def _supervisor_class() -> type:
    from granian.server import Server

    class Supervisor(Server):
        """granian's server, which replaces a dead worker at once, except that it gives up on the whole server
        when the same worker slot dies twice within about five seconds ("crash loop"): two quick kills, or two
        crashes of a worker under a hostile query, would take every connection down with it. This one replaces
        a worker however often it dies, pausing (``RESPAWN_PAUSE``, doubling) when a slot dies again within
        ``RESPAWN_WINDOW``, and stops only for a worker that cannot start at all (``FAILED_STARTS``)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.deaths: dict[int, list[float]] = {}  # worker slot -> when it was replaced, in the window
            self.failed_starts: dict[int, int] = {}  # worker slot -> deaths in a row right after forking

        def _respawn_workers(self, workers, spawn_target, target_loader, delay: float = 0) -> None:
            now = time.monotonic()
            pause = 0.0
            for idx in workers:
                recent = [t for t in self.deaths.get(idx, []) if now - t < RESPAWN_WINDOW]
                self.deaths[idx] = [*recent, now]
                if recent:
                    pause = max(pause, min(RESPAWN_PAUSE * 2 ** (len(recent) - 1), RESPAWN_PAUSE_MAX))
                old = self.wrks[idx]
                young = not old.interrupt_by_parent and now - old.birth < STARTUP_GRACE
                self.failed_starts[idx] = self.failed_starts.get(idx, 0) + 1 if young else 0
                if self.failed_starts[idx] >= FAILED_STARTS:
                    _log.error("worker-%d died %d times as it started; stopping the server", idx + 1, FAILED_STARTS)
                    self.interrupt_children.append(idx)  # granian's exit status 1
                    self.interrupt_signal = True
                    self.main_loop_interrupt.set()
                    return
            if pause:
                _log.warning("workers %s died again soon; replacing them in %.2f s", [i + 1 for i in workers], pause)
                self._pause(pause)
                if self.interrupt_signal:  # SIGTERM meanwhile: nothing to replace
                    return
            super()._respawn_workers(workers, spawn_target, target_loader, delay)
            for idx in workers:  # what granian's crash-loop check reads
                self.respawned_wrks.pop(idx, None)

        def _pause(self, seconds: float) -> None:
            """Wait ``seconds``, or less if the server is told to stop meanwhile."""
            until = time.monotonic() + seconds
            while not self.interrupt_signal and time.monotonic() < until:
                time.sleep(min(0.05, until - time.monotonic()))

    return Supervisor


def granian_server(*, host: str, port: int, workers: int, timeout: float) -> Any:
    """The granian server ``serve`` runs (the application is handed to its workers by :func:`_worker_loader`)."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    return _supervisor_class()(
        "backendkg.web:create_app",  # what the logs name; the workers run ``app`` (see _worker_loader)
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=WORKER_THREADS,
        http=HTTPModes.http1,
        # Keep-alive connections stay open between requests; idle ones must not hold the worker's capacity,
        # which a small backpressure (counted per connection) would.
        backpressure=1024,
        http1_settings=HTTP1Settings(keep_alive=True),
        websockets=False,
        # The query deadline is enforced by the application. On SIGTERM, a worker gets long enough for the
        # requests in flight to get their answers (at the latest at their deadline).
        workers_kill_timeout=max(5, int(timeout) + 2),
        respawn_failed_workers=True,
        respawn_interval=0.0,
        log_access=False,  # the application writes the access log (ACCESS_LOG), as JSON lines
    )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=None,
    envvar="BACKENDKG_WORKERS",
    help=(
        "Worker processes (default: one per CPU, at least 2, at most 16, or BACKENDKG_WORKERS); each answers "
        f"{WORKER_THREADS} requests at once and evaluates up to {QUERY_PROCESSES} queries at once."
    ),
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 3600),
    default=None,
    help="Query deadline in seconds (default 10, or BACKENDKG_QUERY_TIMEOUT); over it a query gets 503.",
)
@click.option("--row-limit", type=click.IntRange(1), default=None, help="Most result rows (default 10000).")
@click.option(
    "--max-query-bytes", type=click.IntRange(1), default=None, help="Longest query text in bytes (default 65536)."
)
@click.option(
    "--rate-limit",
    metavar="LIMIT",
    default=None,
    help="Requests per client address, e.g. '60/minute' (default: no limit, or BACKENDKG_RATE_LIMIT).",
)
@click.option(
    "--query-memory",
    metavar="MIB",
    type=click.IntRange(1),
    default=256,
    show_default=True,
    envvar="BACKENDKG_QUERY_MEMORY",
    help="Replace a query process once its own memory (pages of the graph it copied, and more) passes MIB.",
)
@click.option(
    "--query-memory-limit",
    metavar="MIB",
    type=click.IntRange(16),
    default=1024,
    show_default=True,
    envvar="BACKENDKG_QUERY_MEMORY_LIMIT",
    help="Memory one query may use while it runs; past it the query is stopped with a 507 that says so.",
)
@click.option("--strict", is_flag=True, default=False, help="Refuse to start when the data fails the SHACL shapes.")
@data_option(
    help="RDF files to serve instead of the shipped graph (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML)."
)
@click.option(
    "--remote",
    metavar="URL",
    default=None,
    help="Serve the same API over an existing SPARQL endpoint instead of an embedded store.",
)
@click.option(
    "--access-log/--no-access-log",
    default=None,
    help="Log each request as one JSON line on standard error (default: off, or BACKENDKG_ACCESS_LOG).",
)
def serve(
    host: str,
    port: int,
    workers: int | None,
    timeout: float | None,
    row_limit: int | None,
    max_query_bytes: int | None,
    rate_limit: str | None,
    query_memory: int,
    query_memory_limit: int,
    strict: bool,
    data: tuple[Path, ...],
    remote: str | None,
    access_log: bool | None,
) -> None:
    """Serve the graph over HTTP: SPARQL, Linked Data, downloads, the API and the page.

    Runs under granian with the graph loaded once and shared by the worker processes.
    """
    if remote and data:
        raise click.UsageError("--remote and --data exclude each other.")
    try:
        port, holder = _reserve_port(host, port)
    except PortInUse as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    loading = None if remote else _start_loading(list(data))

    # Imported while the data is parsed, on the other processor, rather than after: the application and
    # the modules of its views.
    from ..graph.store import LoadError
    from ..web import create_app, state

    config: dict[str, Any] = {}
    if data:
        config["DATA"] = [str(p) for p in data]
    if remote:
        config["REMOTE"] = remote
    if timeout is not None:
        config["QUERY_TIMEOUT"] = timeout
    if row_limit is not None:
        config["ROW_LIMIT"] = row_limit
    if max_query_bytes is not None:
        config["MAX_QUERY_BYTES"] = max_query_bytes
    if rate_limit is not None:
        config["RATE_LIMIT"] = rate_limit
    if access_log is not None:
        config["ACCESS_LOG"] = access_log
    try:
        app = create_app(config, kg=loading.result() if loading is not None else None)
    except LoadError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:  # a remote endpoint that does not answer, a bad setting ...
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if strict:
        from ..validation.conformance import conformance_problems

        problems = conformance_problems(state(app).backend)
        if problems:
            for line in problems:
                click.echo(f"error: {line}", err=True)
            click.echo("error: the data does not conform to the shapes; not serving it (--strict).", err=True)
            sys.exit(1)

    engine = state(app).engine  # built by create_app, so that every worker inherits it
    workers = workers or default_workers()
    server = granian_server(host=host, port=port, workers=workers, timeout=engine.timeout)
    shown = f"[{host}]" if ":" in host else host

    @server.on_startup
    def announce() -> None:
        click.echo(f"backendkg serving http://{shown}:{port}/sparql")
        sys.stdout.flush()

    # What the main process has built stays where it is: the collector need not visit (and so copy into each
    # worker) the objects every worker shares.
    gc.collect()
    gc.freeze()
    try:
        loader = _worker_loader(app, query_memory << 20, query_memory_limit << 20, eager_queries(workers))
        server.serve(target_loader=loader, wrap_loader=False)
    finally:
        if holder is not None:
            with contextlib.suppress(OSError):
                holder.close()
