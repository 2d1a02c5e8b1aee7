"""``backendkg query``: run a SPARQL query file or a named query of the library against the graph."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click
import pyoxigraph as ox

from ..namespaces import curie, sparql_prologue
from ..queries.named import NamedQuery, library, load_query
from ..queries.params import ParamError, bind, parse_args, plain
from .common import data_option, load_or_exit


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def find_query(target: str) -> NamedQuery:
    """The query in file ``target``, or else the named query of the library called ``target``."""
    path = Path(target)
    if path.is_file():
        try:
            return load_query(path)
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read {target}: {exc}")
    if target.endswith(".rq") or "/" in target:
        _fail(f"no such query file: {target}")
    for query in library():
        if query.name == target:
            return query
    names = ", ".join(q.name for q in library())
    _fail(f"{target!r} is neither a query file nor a named query (named queries: {names})")
    raise AssertionError("unreachable")


def parse_params(query: NamedQuery, pairs: tuple[str, ...]) -> dict[str, ox.NamedNode | ox.Literal]:
    """The terms for ``--param name=value`` pairs; exits with status 2 naming a bad or unknown parameter."""
    args: dict[str, str] = {}
    known = {p.name for p in query.params}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            _fail(f"--param takes NAME=VALUE, not {pair!r}")
        if name not in known:
            has = ", ".join(sorted(known)) or "none"
            _fail(f"query {query.name!r} has no parameter {name!r} (its parameters: {has})")
        args[name] = value
    try:
        return parse_args(query, args)
    except ParamError as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


def _own_position(message: str) -> str:
    """``message`` with its ``line:column`` counted in the query as written, without the declared prefixes."""
    offset = sparql_prologue().count("\n")

    def shift(match: re.Match[str]) -> str:
        return f"{max(1, int(match.group(1)) - offset)}:{match.group(2)}"

    return re.sub(r"\b(\d+):(\d+)\b", shift, message, count=1)


def cell(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str:
    """How a table shows a term: IRIs as prefixed names, literals as their text, unbound as empty."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return curie(term.value)
    if isinstance(term, ox.BlankNode):
        return str(term)
    return term.value


def table(variables: list[str], rows: list[list[str]]) -> str:
    """A plain-text table: a header, a rule, one line per row, columns padded to their widest cell."""
    widths = [max([len(v), *(len(r[i]) for r in rows)]) for i, v in enumerate(variables)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.replace("\n", " ").ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(variables), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    count = len(rows)
    out.append(f"({count} row{'s' if count != 1 else ''})")
    return "\n".join(out)


@click.command("query")
@click.argument("target", metavar="FILE.rq|NAME")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter of the query (repeatable). IRIs may be absolute, prefixed (role:backend-developer) "
    "or short (role/backend-developer).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output: a readable table, SPARQL CSV, or JSON rows ([{variable: value}]).",
)
@data_option
def query(target: str, params: tuple[str, ...], fmt: str, data: tuple[Path, ...]) -> None:
    """Run a SPARQL query file, or a named query of the library, against the graph.

    The backendkg prefixes (bkg:, role:, skill:, tech: ...) are declared for you. CONSTRUCT and DESCRIBE
    queries print Turtle (JSON-LD with --format json).
    """
    named = find_query(target)
    values = parse_params(named, params)
    kg = load_or_exit(data)
    try:
        result = kg.query(bind(named.text, values))
    except SyntaxError as exc:
        _fail(f"{target}: {_own_position(str(exc))}")
    except (OSError, ValueError, RuntimeError) as exc:
        _fail(f"{target}: {exc}")
    if isinstance(result, ox.QueryTriples):
        if fmt == "csv":
            _fail("CSV holds SELECT results; this query builds a graph (use --format table or json)")
        rdf = ox.RdfFormat.JSON_LD if fmt == "json" else ox.RdfFormat.TURTLE
        sys.stdout.buffer.write(result.serialize(format=rdf))
        return
    if isinstance(result, ox.QueryBoolean):
        if fmt == "csv":
            _fail("CSV holds SELECT results; this is an ASK query (use --format table or json)")
        click.echo(json.dumps({"boolean": bool(result)}) if fmt == "json" else ("yes" if result else "no"))
        return
    if fmt == "csv":
        sys.stdout.buffer.write(result.serialize(format=ox.QueryResultsFormat.CSV))
        return
    variables = [v.value for v in result.variables]
    solutions = list(result)
    if fmt == "json":
        rows = [{v: plain(s[v]) for v in variables} for s in solutions]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    click.echo(table(variables, [[cell(s[v]) for v in variables] for s in solutions]))
