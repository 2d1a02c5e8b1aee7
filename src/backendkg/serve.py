"""``backendkg serve``: the application under gunicorn.

The graph is loaded once, in the master process, before the workers are forked (they share its memory
copy-on-write). Each worker answers up to ``WORKER_THREADS`` requests at once over keep-alive connections
and takes no new connection while all its threads are busy (:mod:`backendkg._worker`). Right after it is
forked, before it starts a thread, a worker forks one query process per thread (``post_fork`` below,
:mod:`backendkg._procs`): the queries run there, so a query that overruns its deadline is killed on the spot
and its client gets 503, and a query process that dies gets its client a 503 instead of a dropped
connection. The worker then retires itself after answering (``post_request``); the master forks a fresh one,
with fresh query processes, from the loaded graph while the other workers keep serving.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ._cli import data_option

DEFAULT_PORT = 8000
#: Threads per worker: requests one worker answers at once (a long query holds one of them).
WORKER_THREADS = 4


def default_workers() -> int:
    """Two per CPU plus one, the usual gunicorn rule for workers that answer one request at a time, at most 16."""
    return min(2 * (os.cpu_count() or 1) + 1, 16)


def _post_fork(app: Any):
    def post_fork(server: Any, worker: Any) -> None:
        from .engine import engine_for

        engine_for(app).start_processes(WORKER_THREADS, inherited=worker.sockets)

    return post_fork


def _worker_exit(app: Any):
    def worker_exit(server: Any, worker: Any) -> None:
        from .engine import engine_for

        engine_for(app).stop_processes()
        _exit_now()

    return worker_exit


def _post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    from .engine import process_spent

    if process_spent():
        worker.log.warning("a query process of worker %s was killed or died; replacing the worker", worker.pid)
        worker.alive = False


def _exit_now() -> None:
    # The worker has answered its last request and its query processes are killed: end the process at once
    # rather than through interpreter shutdown, which takes a second or more of CPU. Nothing of a worker needs
    # cleaning up: the graph is read-only. A worker that failed to boot keeps its exit status, which tells the
    # master to stop.
    exc = sys.exc_info()[1]
    if isinstance(exc, SystemExit) and exc.code in (0, None):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _when_ready(server: Any) -> None:
    for listener in server.LISTENERS:
        host, port = listener.sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"backendkg serving http://{shown}:{port}/sparql", err=False)
    sys.stdout.flush()


def _application(wsgi: Any, options: dict[str, Any]):
    from gunicorn.app.base import BaseApplication

    class Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return wsgi

    return Application()


def gunicorn_options(
    app: Any, *, host: str, port: int, workers: int, timeout: float, access_log: bool
) -> dict[str, Any]:
    """The gunicorn settings ``serve`` uses for ``app``."""
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        # Threaded worker: keep-alive connections, and no new connection taken while every thread is busy
        # (backendkg._worker). Queries release the GIL, so the threads evaluate in parallel.
        "worker_class": "backendkg._worker.QueryWorker",
        "threads": WORKER_THREADS,
        "keepalive": 5,
        # The query deadline is enforced by the application; gunicorn's heartbeat only catches a stuck worker.
        "timeout": int(timeout) + 30,
        # Long enough for a request in flight to get its answer (at the latest at its deadline) when the
        # worker stops: after SIGTERM, or when it retires after an overrun.
        "graceful_timeout": max(5, int(timeout) + 2),
        # GET queries of up to MAX_QUERY_BYTES need long request lines; the application answers 413 itself.
        "limit_request_line": 0,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "post_fork": _post_fork(app),
        "post_request": _post_request,
        "worker_exit": _worker_exit(app),
        "when_ready": _when_ready,
        "proc_name": "backendkg",
        # No control socket: several servers may run side by side under one user.
        "control_socket_disable": True,
    }


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
    help="Worker processes (default: 2 x CPUs + 1, at most 16, or BACKENDKG_WORKERS); one request at a time each.",
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
    strict: bool,
    data: tuple[Path, ...],
    remote: str | None,
    access_log: bool | None,
) -> None:
    """Serve the graph over HTTP: SPARQL, Linked Data, downloads, the API and the page.

    Runs under gunicorn with the graph loaded once and shared by the worker processes.
    """
    from .kg import LoadError
    from .web import create_app

    if remote and data:
        raise click.UsageError("--remote and --data exclude each other.")
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
        app = create_app(config)
    except LoadError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:  # a remote endpoint that does not answer, a bad setting ...
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if strict:
        from ._startup import conformance_problems

        problems = conformance_problems(app)
        if problems:
            for line in problems:
                click.echo(f"error: {line}", err=True)
            click.echo("error: the data does not conform to the shapes; not serving it (--strict).", err=True)
            sys.exit(1)
    effective_timeout = float(app.config["QUERY_TIMEOUT"])
    options = gunicorn_options(
        app,
        host=host,
        port=port,
        workers=workers or default_workers(),
        timeout=effective_timeout,
        access_log=False,  # the application writes the access log (ACCESS_LOG), as JSON lines
    )
    _application(app, options).run()
