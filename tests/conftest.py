"""Shared fixtures: the loaded graph, the Flask app and its test client."""

from __future__ import annotations

import pytest

from backendkg.graph import store as kg_module
from backendkg.web import create_app


@pytest.fixture(scope="session")
def kg():
    """The shipped graph, loaded once for the whole session (tests must not change it)."""
    return kg_module.load()


@pytest.fixture(scope="session")
def app():
    return create_app({"TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def start_server():
    """Factory: ``start_server(*serve_args, fresh=False) -> base URL`` (no trailing slash) of a
    ``backendkg serve`` subprocess on a free loopback port (2 workers unless ``--workers`` is given).
    Servers with the same arguments are shared within the session unless ``fresh``; all are stopped at the end.
    ``start_server.servers[url]`` is the :class:`LiveServer` (its log, worker pids)."""
    from _live import LiveServer

    shared: dict[tuple[str, ...], str] = {}
    servers: dict[str, LiveServer] = {}

    def start(*args: str, fresh: bool = False) -> str:
        args = tuple(str(a) for a in args)
        if not fresh and args in shared:
            return shared[args]
        workers = 2
        if "--workers" in args:
            i = args.index("--workers")
            workers, args = int(args[i + 1]), args[:i] + args[i + 2 :]
        server = LiveServer(*args, workers=workers)
        servers[server.url] = server
        if not fresh:
            shared[args] = server.url
        return server.url

    start.servers = servers
    yield start
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def live_server(start_server) -> str:
    """Base URL (no trailing slash) of ``backendkg serve`` with the shipped graph on a free loopback port."""
    return start_server()
