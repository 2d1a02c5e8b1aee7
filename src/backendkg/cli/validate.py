"""``backendkg validate``: the SHACL shapes and the quality checks, with pySHACL's exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .._paths import ONTOLOGY_DIR
from ..graph.store import LoadError, shipped_files
from ..validation.report import overlay, validate
from .common import data_option


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@data_option(help="RDF files to use instead of the shipped graph as the base that FILES are checked with.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "turtle", "json"]),
    default="text",
    show_default=True,
    help="text: one line per finding; turtle: the SHACL validation report graph; json: the findings as JSON.",
)
@click.option("--strict", is_flag=True, help="Exit with status 1 on warnings too, not only on violations.")
@click.option(
    "--shapes",
    "shapes",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Shapes files to use instead of the shipped shapes/*.ttl.",
)
@click.option("--no-checks", is_flag=True, help="Run only the SHACL shapes, not the quality checks of queries/qc/.")
def validate_command(
    files: tuple[Path, ...], data: tuple[Path, ...], fmt: str, strict: bool, shapes: tuple[Path, ...], no_checks: bool
) -> None:
    """Validate the graph against the SHACL shapes and run the quality checks.

    Without FILES, validates the shipped graph. FILES are edits checked together with the rest of the graph:
    a file replaces the shipped file with the same name (roles.ttl replaces ontology/schemes/roles.ttl) and
    any other file is added, so an edit is checked before it is committed. With --data, the given files take
    the place of the shipped graph (add ontology/backendkg.ttl to them when they hold content).

    Prints one line per finding: file, severity, focus node, path, message and the shape or quality check
    that found it. Exit status: 0 the graph conforms (warnings are printed but do not fail it unless --strict),
    1 there are violations, 2 a file cannot be read or parsed (the message gives file, line and column).
    """
    base = list(data) if data else shipped_files(ONTOLOGY_DIR)
    paths = overlay(list(files), base)
    try:
        report = validate(paths, shapes=list(shapes) or None, checks=not no_checks)
    except LoadError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(report.to_json(), nl=False)
    elif fmt == "turtle":
        click.echo(report.to_turtle(), nl=False)
    else:
        click.echo(report.to_text(), nl=False)
    sys.exit(report.exit_code(strict=strict))


__all__ = ["validate_command"]
