"""``backendkg export``: the whole graph in one RDF syntax, deterministically."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import data_option, load_or_exit


@click.command()
@data_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"]),
    default="turtle",
    show_default=True,
    help="RDF syntax. N-Quads and TriG keep the named graphs; the others hold the merged graph.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of standard output."
)
def export(data: tuple[Path, ...], fmt: str, output: Path | None) -> None:
    """Write the whole graph in one RDF syntax; the same input always gives the same bytes."""
    from ..graph.export import export as do_export

    body = do_export(load_or_exit(data), fmt)
    if output is None:
        sys.stdout.buffer.write(body)
    else:
        output.write_bytes(body)
