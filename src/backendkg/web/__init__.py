"""The Flask application that serves the graph: SPARQL, Linked Data, downloads, the API and the page.

``flask --app backendkg.web run`` starts it for development; ``backendkg serve`` runs it under granian.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from .. import __version__
from ..graph.backend import Backend
from ..graph.remote import connect
from ..graph.store import KnowledgeGraph, load
from ..sparql.engine import Engine
from . import (
    api,
    bodies,
    cors,
    download,
    health,
    ld,
    observability,
    pages,
    protocol,
    ratelimit,
    security,
    skosmos,
    sparql,
)
from .errors import register_error_handlers
from .state import EXTENSION, AppState, state

__all__ = ["DEFAULTS", "create_app", "state"]

DEFAULTS: dict[str, Any] = {
    # RDF files to serve instead of the shipped graph; a list of paths, or a string separated by os.pathsep.
    "DATA": None,
    # Query limits (see the README's "Limits" section).
    "QUERY_TIMEOUT": 10.0,
    "MAX_QUERY_BYTES": 64 * 1024,
    "ROW_LIMIT": 10_000,
    # The largest answer, in bytes, a query gets (past it: 507).
    "MAX_ANSWER_BYTES": 256 * 1024 * 1024,
    # Bytes of SPARQL answers each process keeps for repeated queries (0: no cache).
    "RESULT_CACHE_BYTES": 32 * 1024 * 1024,
    # Request bodies (see backendkg.web.bodies): the largest accepted (default: the largest any route takes,
    # a form POST of a query of MAX_QUERY_BYTES or a text for /api/extract), and how many threads of a process
    # may be reading one at once.
    "MAX_BODY_BYTES": None,
    "BODY_READERS": 4,
    # URL of a SPARQL endpoint to serve instead of an embedded store (see backendkg.graph.remote).
    "REMOTE": None,
    # Operations (see the README's "Limits, configuration and operations" section).
    "ACCESS_LOG": False,
    "ACCESS_LOG_QUERY": False,
    "ACCESS_LOG_HEALTH": False,
    "RATE_LIMIT": None,
    "RATE_LIMIT_STORAGE": "memory://",
}


def data_paths(value: Any) -> list[Path] | None:
    if not value:
        return None
    if isinstance(value, str):
        return [Path(p) for p in value.split(os.pathsep) if p]
    return [Path(p) for p in value]


def create_app(config: dict[str, Any] | None = None, *, kg: KnowledgeGraph | None = None) -> Flask:
    """Build the application: defaults, then ``BACKENDKG_*`` environment variables, then ``config``.

    The graph is loaded once here (or given as ``kg``, already loaded from the configured files), or reached
    at ``REMOTE``, and shared, read-only, by every request through the typed state (:mod:`.state`); the
    engine that evaluates users' queries is built here too. Middleware is installed here, in one place.
    """
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("BACKENDKG")
    if config:
        app.config.from_mapping(config)

    backend: Backend
    if app.config.get("REMOTE"):
        backend = connect(app.config["REMOTE"], timeout=float(app.config["QUERY_TIMEOUT"]))
        triples = None  # counted when asked: the remote data may change
    else:
        backend = kg if kg is not None else load(data_paths(app.config["DATA"]))
        triples = backend.seal()
    engine = Engine(
        backend,
        timeout=float(app.config["QUERY_TIMEOUT"]),
        row_limit=int(app.config["ROW_LIMIT"]),
        max_query_bytes=int(app.config["MAX_QUERY_BYTES"]),
        cache_bytes=int(app.config["RESULT_CACHE_BYTES"]),
        max_answer_bytes=int(app.config["MAX_ANSWER_BYTES"]),
    )
    app.extensions[EXTENSION] = AppState(backend=backend, engine=engine, version=__version__, triples=triples)

    if not app.config.get("MAX_BODY_BYTES"):
        app.config["MAX_BODY_BYTES"] = max(4 * int(app.config["MAX_QUERY_BYTES"]), api.MAX_EXTRACT_BODY)
    register_error_handlers(app)
    _register_blueprints(app)
    # Middleware, innermost first.
    observability.install(app)
    ratelimit.install(app)
    cors.install(app)
    security.install(app)
    protocol.install(app)
    bodies.install(app)
    return app


def _register_blueprints(app: Flask) -> None:
    for blueprint in (health.bp, api.bp, ld.bp, pages.bp, download.bp, sparql.bp, skosmos.bp):
        app.register_blueprint(blueprint)
