"""The ``backendkg`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from ._cli import data_option, load_or_exit
from .links import links_command
from .query_cli import query as _query
from .serve import serve as _serve
from .validate import validate_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="backendkg")
def cli() -> None:
    """backendkg: the knowledge graph of backend development.

    Roles, skills, technologies, responsibilities and industries of backend development, as RDF/OWL and
    SKOS, served over SPARQL and as Linked Data.
    """


cli.add_command(validate_command)
cli.add_command(links_command)
cli.add_command(_serve)
cli.add_command(_query)


@cli.command()
@data_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats(data: tuple[Path, ...], as_json: bool) -> None:
    """Count triples per graph, instances per class and links per property."""
    from .stats import compute, render

    result = compute(load_or_exit(data))
    click.echo(json.dumps(result.as_dict(), indent=2) if as_json else render(result), nl=as_json)


@cli.command()
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
    from .export import export as do_export

    body = do_export(load_or_exit(data), fmt)
    if output is None:
        sys.stdout.buffer.write(body)
    else:
        output.write_bytes(body)


def main() -> None:
    cli()
