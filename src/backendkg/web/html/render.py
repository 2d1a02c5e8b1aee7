"""Rendering HTML pages: the helpers every template may use, and the per-process term catalogue."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask.blueprints import BlueprintSetupState

from ...namespaces import BASE, curie
from ..state import state
from .terms import href

#: The main navigation: (path, label).
NAV = (
    ("/", "Query"),
    ("/role/", "Roles"),
    ("/skill/", "Skills"),
    ("/technology/", "Technologies"),
    ("/ontology", "Ontology"),
    ("/download/", "Downloads"),
)


def _is_local(iri: str) -> bool:
    return iri.startswith(BASE)


def _sentence(text: str) -> str:
    """``text`` with its first letter upper-cased ("role" -> "Role", "API style" unchanged)."""
    return text[:1].upper() + text[1:]


def install(setup: BlueprintSetupState) -> None:
    """Make the page helpers available to every template of ``setup.app`` (once per app)."""
    app: Flask = setup.app
    app.jinja_env.globals.update(href=href, curie=curie, is_local=_is_local, nav=NAV)
    app.jinja_env.filters["sentence"] = _sentence
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render ``template`` with the term catalogue and version; returns ``(html, status)``."""
    st = state()
    return render_template(template, t=st.terms(), version=st.version, **context), status
