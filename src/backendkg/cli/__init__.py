"""The ``backendkg`` command line: one module per command, each a front end over the same core as the server."""

from __future__ import annotations

import click

from .. import __version__
from .export import export
from .extract import extract_command
from .links import links_command
from .query import query
from .serve import serve
from .stats import stats
from .validate import validate_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="backendkg")
def cli() -> None:
    """backendkg: the knowledge graph of backend development.

    Roles, skills, technologies, responsibilities and industries of backend development, as RDF/OWL and
    SKOS, served over SPARQL and as Linked Data.
    """


for command in (validate_command, links_command, serve, query, stats, export, extract_command):
    cli.add_command(command)


def main() -> None:
    cli()
