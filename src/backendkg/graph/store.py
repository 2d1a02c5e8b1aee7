"""Load RDF files into one embedded Oxigraph store: each file a named graph, the default graph their union."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .. import __version__
from .._paths import ONTOLOGY_DIR
from ..namespaces import GRAPH, sparql_prologue

#: File extensions backendkg loads, and the RDF syntax each one is read as.
FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}


class LoadError(Exception):
    """A file could not be read or parsed; the message names the file and, for syntax errors, the line."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None):
        self.path = path
        self.line = line
        self.column = column
        where = f"{path}"
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class GraphFile:
    """One loaded file and the named graph that holds its triples."""

    path: Path
    graph: str
    format: ox.RdfFormat


class Queries:
    """``select()`` and ``ask()`` over a ``query()`` method: shared by the embedded graph and the remote one."""

    def query(self, sparql: str, **options: Any) -> ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple]:
        raise NotImplementedError

    def select(
        self, sparql: str, **substitutions: ox.NamedNode | ox.Literal
    ) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        """Run a SELECT and return its rows as dicts of variable name to term (unbound variables left out)."""
        result = self.query(sparql, substitutions=substitutions or None)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: solution[n] for n in names if solution[n] is not None} for solution in result]

    def ask(self, sparql: str, **substitutions: ox.NamedNode | ox.Literal) -> bool:
        result = self.query(sparql, substitutions=substitutions or None)
        if not isinstance(result, ox.QueryBoolean):
            raise TypeError("ask() needs an ASK query")
        return bool(result)


@dataclass
class KnowledgeGraph(Queries):
    """The loaded graph: a pyoxigraph ``Store`` plus what was loaded into it."""

    store: ox.Store
    files: tuple[GraphFile, ...]
    load_seconds: float = 0.0
    version: str = __version__
    _prologue: str = field(default_factory=sparql_prologue, repr=False)

    @property
    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, in load order (quad files add the graphs they name)."""
        seen = {f.graph: None for f in self.files if not f.format.supports_datasets}
        for g in sorted(str(n.value) for n in self.store.named_graphs() if isinstance(n, ox.NamedNode)):
            seen.setdefault(g, None)
        return list(seen)

    def __len__(self) -> int:
        return len(self.store)

    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[str, ox.NamedNode | ox.Literal | ox.BlankNode] | None = None,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        prefixes: bool = True,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Evaluate ``sparql`` on the store.

        The default graph is the union of all graphs unless ``default_graph`` names graphs; with
        ``prefixes`` the backendkg prefixes are declared, so queries may use ``bkg:``, ``role:`` ...
        ``substitutions`` binds variables (by name, without ``?``) to terms before evaluation.
        """
        kwargs: dict = {}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        text = self._prologue + sparql if prefixes else sparql
        return self.store.query(text, **kwargs)

    def quads(self) -> Iterator[ox.Quad]:
        return iter(self.store)


def shipped_files(root: Path = ONTOLOGY_DIR) -> list[Path]:
    """Every Turtle file of the shipped graph, the ontology first, then the rest in path order."""
    files = sorted(root.rglob("*.ttl"), key=lambda p: (p.name != "backendkg.ttl", p.relative_to(root).as_posix()))
    return files


def graph_iri(path: Path, root: Path = ONTOLOGY_DIR) -> str:
    """The named graph of a file: ``https://w3id.org/backendkg/graph/<path below ontology/>`` for shipped
    files (``graph/backendkg``, ``graph/schemes/roles``), the file's own ``file:`` IRI for any other."""
    path = path.resolve()
    try:
        rel = path.relative_to(root.resolve())
    except ValueError:
        return path.as_uri()
    return GRAPH + rel.with_suffix("").as_posix()


def format_for(path: Path) -> ox.RdfFormat:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise LoadError(path, f"unknown RDF file extension {path.suffix!r} (known: {known})") from None


def load_into(store: ox.Store, paths: Iterable[Path], *, root: Path = ONTOLOGY_DIR) -> list[GraphFile]:
    """Parse each file into ``store``; triple files go to their own named graph, quad files keep theirs
    (their default-graph triples go to the file's graph). Raises :class:`LoadError` naming the file."""
    loaded: list[GraphFile] = []
    for path in paths:
        path = Path(path)
        fmt = format_for(path)
        graph = graph_iri(path, root)
        if not path.is_file():
            raise LoadError(path, "no such file" if not path.exists() else "not a regular file")
        base_iri = path.resolve().as_uri()
        try:
            if fmt.supports_datasets:
                # Streamed: the file's default-graph triples go to the file's graph, named graphs stay.
                target = ox.NamedNode(graph)
                store.extend(
                    ox.Quad(q.subject, q.predicate, q.object, target)
                    if isinstance(q.graph_name, ox.DefaultGraph)
                    else q
                    for q in ox.parse(path=path, format=fmt, base_iri=base_iri)
                )
            else:
                # From the path, so the file's bytes are never held by Python as well as by the parser.
                store.load(path=path, format=fmt, base_iri=base_iri, to_graph=ox.NamedNode(graph))
        except OSError as exc:
            raise LoadError(path, exc.strerror or str(exc)) from None
        except SyntaxError as exc:
            line, column = _position(exc)
            raise LoadError(
                path, f"{fmt.name} syntax error: {exc.args[0] if exc.args else exc}", line, column
            ) from None
        loaded.append(GraphFile(path, graph, fmt))
    return loaded


def _position(exc: SyntaxError) -> tuple[int | None, int | None]:
    if len(exc.args) > 1 and isinstance(exc.args[1], tuple) and len(exc.args[1]) >= 3:
        return exc.args[1][1], exc.args[1][2]
    return exc.lineno, exc.offset


def load(paths: Iterable[Path | str] | None = None) -> KnowledgeGraph:
    """Load ``paths`` (default: the shipped graph under ``ontology/``) into a new in-memory store."""
    started = time.perf_counter()
    store = ox.Store()
    files = load_into(store, [Path(p) for p in paths] if paths is not None else shipped_files())
    return KnowledgeGraph(store=store, files=tuple(files), load_seconds=time.perf_counter() - started)
