"""The embedded store: RDF files loaded into one pyoxigraph ``Store``, each file a named graph, the default graph
their union."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

import pyoxigraph as ox

from .. import __version__
from .._paths import ONTOLOGY_DIR
from ..formats import READABLE
from ..namespaces import GRAPH, PREFIXES, sparql_prologue
from .answers import Canonical, canonical
from .backend import Backend, Queries, Term
from .binding import bind


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


@dataclass
class KnowledgeGraph(Queries):
    """The graph in an embedded pyoxigraph ``Store``, and the files it was loaded from: the
    :class:`~backendkg.graph.backend.Backend` of ``backendkg serve`` without ``--remote``."""

    store: ox.Store
    files: tuple[GraphFile, ...] = ()
    load_seconds: float = 0.0
    version: str = __version__
    _prologue: str = field(default_factory=sparql_prologue, repr=False)
    _fingerprint: str | None = field(default=None, repr=False)

    @property
    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, in load order (quad files add the graphs they name)."""
        seen = {f.graph: None for f in self.files if not f.format.supports_datasets}
        for g in sorted(str(n.value) for n in self.store.named_graphs() if isinstance(n, ox.NamedNode)):
            seen.setdefault(g, None)
        return list(seen)

    @property
    def fingerprint(self) -> str:
        """Changes when the loaded files or the number of quads change; computed once (the graph is
        read-only while it is served)."""
        if self._fingerprint is None:
            self._fingerprint = _fingerprint(self, len(self.store))
        return self._fingerprint

    def __len__(self) -> int:
        return len(self.store)

    def seal(self) -> int:
        """Count the quads once, for a graph that is about to be served read-only, and fix the
        :attr:`fingerprint` from that count; returns it."""
        count = len(self.store)
        self._fingerprint = _fingerprint(self, count)
        return count

    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[str, Term] | None = None,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        prefixes: bool = True,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Evaluate ``sparql`` on the store.

        The default graph is the union of all graphs unless ``default_graph`` names graphs; with
        ``prefixes`` the backendkg prefixes are declared, so queries may use ``bkg:``, ``role:`` ...
        ``substitutions`` binds variables (by name, without ``?``) to terms, with a ``VALUES`` block at the
        start of the ``WHERE`` group (:func:`~backendkg.graph.binding.bind`).
        """
        kwargs: dict = {}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        text = bind(sparql, substitutions) if substitutions else sparql
        if prefixes:
            text = self._prologue + text
        return self.store.query(text, **kwargs)

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad, or those of the named graph ``graph``."""
        return self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph) if graph is not None else None)

    def evaluate(
        self,
        text: str,
        *,
        default_graph: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
        own_dataset: bool = False,
        base_iri: str | None = None,
        row_limit: int,
        timeout: float,
    ) -> Canonical:
        """Evaluate a user's query (see :meth:`backendkg.graph.backend.Backend.evaluate`); the backendkg
        prefixes are declared and the query's own ``PREFIX`` declarations take precedence."""
        kwargs: dict[str, Any] = {"prefixes": PREFIXES}
        if base_iri:
            kwargs["base_iri"] = base_iri
        if default_graph is None and named_graphs is None:
            # The union default graph, unless the query names its dataset with FROM / FROM NAMED.
            if not own_dataset:
                kwargs["use_default_graph_as_union"] = True
        else:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph or ()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
        return canonical(self.store.query(text, **kwargs), row_limit=row_limit)


def _fingerprint(kg: KnowledgeGraph, quads: int) -> str:
    parts = [kg.version, str(quads)]
    for f in kg.files:
        try:
            st = f.path.stat()
            parts.append(f"{f.path}:{f.graph}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{f.path}:{f.graph}")
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()


def copy_of(backend: Backend) -> KnowledgeGraph:
    """An embedded copy of what ``backend`` holds (for what needs a store of its own, such as validating a
    remote endpoint's data)."""
    if isinstance(backend, KnowledgeGraph):
        return backend
    store = ox.Store()
    store.extend(backend.quads())
    return KnowledgeGraph(store=store, version=backend.version)


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
        return READABLE[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(READABLE))
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
        if fmt is ox.RdfFormat.RDF_XML:
            _refuse_hostile_xml(path)
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


#: How deep RDF/XML elements may nest. RDF/XML written for sharing nests a few levels; the RDF/XML parser takes
#: time that grows with the square of the depth (2 s for 20,000 levels, half a minute for 50,000).
MAX_XML_DEPTH = 1000


def _refuse_hostile_xml(path: Path) -> None:
    """Refuse an RDF/XML file that declares XML entities or nests elements deeper than ``MAX_XML_DEPTH``.

    Entity expansion (the "billion laughs") turns a file of a kilobyte into gigabytes of text, and RDF/XML
    written for sharing has no use for entities; deep nesting makes a file of megabytes take minutes to parse.
    The file is read once with expat (which never fetches an external entity) before the RDF/XML parser sees
    it; an XML syntax error stops the check and is left to the parser, which reports it with line and column."""
    depth = 0

    def entity(name: str, *_: object) -> None:
        raise LoadError(
            path,
            f"the RDF/XML declares XML entities (<!ENTITY {name} ...>), which are refused: their expansion "
            "can make a small file take gigabytes; write the values out instead",
        )

    def start(*_: object) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise LoadError(
                path,
                f"line {parser.CurrentLineNumber}: the RDF/XML nests elements more than {MAX_XML_DEPTH} deep, "
                "which is refused: such nesting makes parsing take minutes",
            )

    def end(*_: object) -> None:
        nonlocal depth
        depth -= 1

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        with path.open("rb") as data:
            parser.ParseFile(data)
    except expat.ExpatError:
        return
    except OSError as exc:
        raise LoadError(path, exc.strerror or str(exc)) from None


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
