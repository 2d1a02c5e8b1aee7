"""Shared fixtures: the loaded graph, the Flask app and its test client."""

from __future__ import annotations

import pytest

from backendkg import kg as kg_module
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
