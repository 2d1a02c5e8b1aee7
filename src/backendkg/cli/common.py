"""Pieces shared by the ``backendkg`` commands: the ``--data`` option and loading the graph for a command."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..graph.store import KnowledgeGraph, LoadError, load

DATA_OPTION_HELP = "RDF files to use instead of the shipped graph (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML)."


def data_option(func: Callable[..., Any] | None = None, *, help: str = DATA_OPTION_HELP) -> Any:
    """The ``--data FILE`` option (repeatable, existing files only), as ``@data_option`` or, with a command's own
    help text, ``@data_option(help=...)``."""
    option = click.option(
        "--data",
        "data",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help=help,
    )
    return option if func is None else option(func)


def load_or_exit(data: tuple[Path, ...]) -> KnowledgeGraph:
    """Load ``data`` (or the shipped graph); on a bad file print the error and exit with status 2."""
    try:
        return load(data or None)
    except LoadError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
