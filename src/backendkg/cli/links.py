"""``backendkg links``: the crosswalk of the graph's concepts to ESCO, ISCO-08, O*NET-SOC and Wikidata."""

from __future__ import annotations

from pathlib import Path

import click

from ..graph.links import VOCABULARIES, crosswalk, to_csv, to_json
from .common import data_option, load_or_exit


@click.command("links")
@click.option(
    "--vocabulary",
    type=click.Choice(list(VOCABULARIES)),
    help="Only the links to this vocabulary (default: all four).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True, help="Output format."
)
@data_option
def links_command(vocabulary: str | None, fmt: str, data: tuple[Path, ...]) -> None:
    """Print the crosswalk to ESCO, ISCO-08, O*NET-SOC and Wikidata.

    One row per link: the vocabulary and its version, the backendkg concept and its label, the SKOS mapping
    property, the external identifier and its label.
    """
    found = crosswalk(load_or_exit(data), vocabulary=vocabulary)
    click.echo(to_csv(found) if fmt == "csv" else to_json(found), nl=False)
