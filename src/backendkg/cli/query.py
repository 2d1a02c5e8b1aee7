"""``backendkg query``: run a SPARQL query file or a named query of the library against the graph."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pyoxigraph as ox

from .. import formats
from ..errors import Problem
from ..formats import Choice
from ..namespaces import curie
from ..queries.named import NamedQuery, library, load_query
from ..queries.params import ParamError, bind, parse_args, plain
from ..sparql.engine import Engine
from ..sparql.errors import NotAcceptable
from .common import data_option, load_or_exit

#: The endpoint's defaults (``backendkg serve``), so that both give the same answer.
DEFAULT_TIMEOUT = 10.0
DEFAULT_ROW_LIMIT = 10_000
#: Query files may be longer than what the endpoint accepts over HTTP.
MAX_QUERY_BYTES = 16 * 1024 * 1024


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
@click.option(
    "--default-graph",
    "default_graph",
    multiple=True,
    metavar="IRI",
    help="A graph of the default graph, as the protocol's default-graph-uri (repeatable).",
)
@click.option(
    "--named-graph",
    "named_graph",
    multiple=True,
    metavar="IRI",
    help="A named graph of the dataset, as the protocol's named-graph-uri (repeatable).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 3600),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Deadline in seconds; a query past it is stopped (exit 2).",
)
@click.option(
    "--row-limit",
    type=click.IntRange(1),
    default=DEFAULT_ROW_LIMIT,
    show_default=True,
    help="Most result rows; more are cut, with a note on standard error.",
)
@data_option
def query(
    target: str,
    params: tuple[str, ...],
    fmt: str,
    default_graph: tuple[str, ...],
    named_graph: tuple[str, ...],
    timeout: float,
    row_limit: int,
    data: tuple[Path, ...],
) -> None:
    """Run a SPARQL query file, or a named query of the library, against the graph.

    The query goes through the same engine and checks as the endpoint's /sparql, and gets the same answer:
    the default graph is the union of all graphs unless the query names its dataset (FROM, FROM NAMED) or
    --default-graph / --named-graph do; SERVICE and updates are refused. The backendkg prefixes (bkg:, role:,
    skill:, tech: ...) are declared for you. CONSTRUCT and DESCRIBE queries print Turtle (JSON-LD with
    --format json). Exit status: 0 answered, 2 refused or failed (the message says why).
    """
    named = find_query(target)
    values = parse_params(named, params)
    engine = Engine(
        load_or_exit(data), timeout=timeout, row_limit=row_limit, max_query_bytes=MAX_QUERY_BYTES, cache_bytes=0
    )
    choice = {"csv": Choice(formats.CSV, None), "json": Choice(formats.TSV, formats.JSONLD)}.get(
        fmt, Choice(formats.TSV, formats.TURTLE)
    )
    dataset: dict[str, list[str] | None] = {"default_graph": None, "named_graphs": None}
    if default_graph or named_graph:
        dataset = {"default_graph": list(default_graph), "named_graphs": list(named_graph)}
        for iri in (*default_graph, *named_graph):
            try:
                ox.NamedNode(iri)
            except ValueError as exc:
                _fail(f"{iri!r} is not an absolute IRI: {exc}")
    try:
        result = engine.run(bind(named.text, values), choice=choice, **dataset)
    except NotAcceptable:
        _fail("CSV holds SELECT results; this query builds a graph (use --format table or json)")
    except Problem as exc:
        _fail(f"{target}: {exc.description}")
    if result.truncated:
        click.echo(f"note: the answer was cut at {row_limit} rows (--row-limit)", err=True)
    if result.kind == "graph":
        sys.stdout.buffer.write(result.body)
        return
    if result.kind == "boolean":
        if fmt == "csv":
            _fail("CSV holds SELECT results; this is an ASK query (use --format table or json)")
        answer = bool(ox.parse_query_results(result.body, ox.QueryResultsFormat.TSV))
        click.echo(json.dumps({"boolean": answer}) if fmt == "json" else ("yes" if answer else "no"))
        return
    if fmt == "csv":
        sys.stdout.buffer.write(result.body)
        return
    solutions = ox.parse_query_results(result.body, ox.QueryResultsFormat.TSV)
    variables = [v.value for v in solutions.variables]
    rows = list(solutions)
    if fmt == "json":
        click.echo(json.dumps([{v: plain(s[v]) for v in variables} for s in rows], indent=2, ensure_ascii=False))
        return
    click.echo(table(variables, [[cell(s[v]) for v in variables] for s in rows]))
