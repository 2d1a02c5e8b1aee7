"""``backendkg extract``: the concepts a text names and the roles they fit, as ``POST /api/extract`` answers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import BinaryIO

import click

from ..graph.extract import MAX_TEXT_LENGTH
from ..namespaces import curie
from ..queries.extraction import Extractor
from .common import data_option, load_or_exit
from .query import table

#: Most bytes read: a text at the length limit, every character four bytes long in UTF-8.
MAX_INPUT_BYTES = 4 * MAX_TEXT_LENGTH
#: Widest cell of the table output.
CELL = 60


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def read_text(source: str) -> str:
    """The text of file ``source`` (``-``: standard input), as UTF-8; exit 2 when it cannot be read, is not
    UTF-8, or is longer than the API accepts."""
    name = "standard input" if source == "-" else source
    try:
        if source == "-":
            data = _read(sys.stdin.buffer)
        else:
            with Path(source).open("rb") as stream:
                data = _read(stream)
    except OSError as exc:
        _fail(f"cannot read {name}: {exc.strerror or exc}")
    if len(data) > MAX_INPUT_BYTES:
        _fail(f"{name} is longer than the {MAX_TEXT_LENGTH:,} characters accepted")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _fail(f"{name} is not UTF-8 text (byte {exc.start})")
    if len(text) > MAX_TEXT_LENGTH:
        _fail(f"{name} is {len(text):,} characters long; at most {MAX_TEXT_LENGTH:,} are accepted")
    return text


def _read(stream: BinaryIO) -> bytes:
    return stream.read(MAX_INPUT_BYTES + 1)


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CELL else text[: CELL - 1] + "…"


def render_table(answer: dict) -> str:
    """The answer as two plain-text tables: the concepts, then the roles with what each is missing."""
    concepts = [
        [
            c["label"],
            c["kind"] or "",
            str(len(c["mentions"])),
            _cut("; ".join(dict.fromkeys(m["text"] for m in c["mentions"]))),
            curie(c["iri"]),
        ]
        for c in answer["concepts"]
    ]
    roles = [
        [
            f"{r['score']:.2f}",
            r["label"],
            "yes" if r["named"] else "",
            str(len(r["matched"])),
            _cut(", ".join(item["label"] for item in r["missing_essential"])),
        ]
        for r in answer["roles"]
    ]
    return "\n".join(
        [
            "Concepts",
            table(["concept", "kind", "mentions", "as written", "iri"], concepts),
            "",
            "Roles",
            table(["score", "role", "named", "matched", "missing essential"], roles),
        ]
    )


@click.command("extract")
@click.argument("source", metavar="FILE|-")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output: readable tables, or the JSON that POST /api/extract answers.",
)
@click.option("--roles", type=click.IntRange(0), default=None, help="Most roles to list (default: all with evidence).")
@data_option
def extract_command(source: str, fmt: str, roles: int | None, data: tuple[Path, ...]) -> None:
    """Read a text (a job ad, a CV, a course outline) and name the graph's concepts in it.

    FILE is a UTF-8 text file, or - for standard input. Prints each concept the text names, with its
    mentions, and the roles those concepts fit best, with the essential requirements each is missing: the
    same answer as POST /api/extract. Exit status: 0 answered, 2 the text could not be read or is too long.
    """
    text = read_text(source)
    answer = Extractor.from_graph(load_or_exit(data)).answer(text, roles=roles)
    if fmt == "json":
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        click.echo(render_table(answer))
