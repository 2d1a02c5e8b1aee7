"""``backendkg stats``: triples per graph, instances per class and links per property."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import data_option, load_or_exit


@click.command()
@data_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats(data: tuple[Path, ...], as_json: bool) -> None:
    """Count triples per graph, instances per class and links per property."""
    from ..graph.stats import compute, render

    result = compute(load_or_exit(data))
    click.echo(json.dumps(result.as_dict(), indent=2) if as_json else render(result), nl=as_json)
