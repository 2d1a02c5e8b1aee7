"""The Flask application that serves the graph: SPARQL, Linked Data, downloads, the API and the page.

``flask --app backendkg.web run`` starts it for development; ``backendkg serve`` runs it under granian.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from .. import __version__
from ..graph.store import KnowledgeGraph, load
from . import observability as _observability
from . import ratelimit as _ratelimit
from .errors import register_error_handlers
from .state import AppState

DEFAULTS: dict[str, Any] = {
    # RDF files to serve instead of the shipped graph; a list of paths, or a string separated by os.pathsep.
    "DATA": None,
    # Query limits (see the README's "Limits" section).
    "QUERY_TIMEOUT": 10.0,
    "MAX_QUERY_BYTES": 64 * 1024,
    "ROW_LIMIT": 10_000,
    # Bytes of SPARQL answers each process keeps for repeated queries (0: no cache).
    "RESULT_CACHE_BYTES": 32 * 1024 * 1024,
    # URL of a SPARQL endpoint to serve instead of an embedded store (see backendkg.remote).
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
        import os

        return [Path(p) for p in value.split(os.pathsep) if p]
    return [Path(p) for p in value]


def create_app(config: dict[str, Any] | None = None, *, kg: KnowledgeGraph | None = None) -> Flask:
    """Build the application: defaults, then ``BACKENDKG_*`` environment variables, then ``config``.

    The graph is loaded once here (or given as ``kg``, already loaded from the configured files) and shared,
    read-only, by every request (``app.extensions["backendkg"]``).
    """
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("BACKENDKG")
    if config:
        app.config.from_mapping(config)

    if app.config.get("REMOTE"):
        from ..graph.remote import connect

        graph: Any = connect(app.config["REMOTE"], timeout=float(app.config["QUERY_TIMEOUT"]))
        triples = None  # counted when asked: the remote data may change
    else:
        graph = kg if kg is not None else load(data_paths(app.config["DATA"]))
        triples = len(graph)
    app.extensions["backendkg"] = AppState(kg=graph, version=__version__, triples=triples)

    register_error_handlers(app)
    _observability.install(app)
    _ratelimit.install(app)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .api import bp as api_bp
    from .download import bp as download_bp
    from .health import bp as health_bp
    from .ld import bp as ld_bp
    from .pages import bp as pages_bp
    from .sparql import bp as sparql_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(ld_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(download_bp)
    app.register_blueprint(sparql_bp)


def state(app: Flask | None = None) -> AppState:
    """The shared state of ``app`` (default: the current app)."""
    from flask import current_app

    return (app or current_app).extensions["backendkg"]
