"""The one interface to where the graph lives: the embedded store or a remote SPARQL endpoint.

Everything above the graph layer (the engine, the pages, search, the questions, the dumps, validation) works
through :class:`Backend` and never asks which implementation it has: :class:`~backendkg.graph.store.KnowledgeGraph`
holds the graph in an embedded pyoxigraph store, :class:`~backendkg.graph.remote.RemoteGraph` forwards to a
SPARQL endpoint (``backendkg serve --remote URL``).

Two ways in:

- :meth:`Backend.query` (and :meth:`~Queries.select`, :meth:`~Queries.ask`, :meth:`~Queries.construct` on
  top of it) runs backendkg's own queries: the backendkg prefixes are declared, the default graph is the union
  of the graph's named graphs, and ``substitutions`` bind variables before evaluation;
- :meth:`Backend.evaluate` runs a user's query under the protocol's dataset rules and returns its answer in
  the :class:`~backendkg.graph.answers.Canonical` form, cut at the row limit. Only the engine
  (:mod:`backendkg.sparql.engine`) calls it, after its checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

import pyoxigraph as ox

from .answers import Answer, Canonical

Term = ox.NamedNode | ox.Literal | ox.BlankNode


@runtime_checkable
class Backend(Protocol):
    """Where the graph lives."""

    #: The version of backendkg serving it.
    version: str
    #: Changes whenever the data may have changed; ``None``: answers must not be cached (remote data).
    fingerprint: str | None
    #: Seconds it took to load (0 for a remote endpoint).
    load_seconds: float

    @property
    def graphs(self) -> list[str]:
        """The IRIs of the named graphs that make up the dataset, in load order."""
        ...

    def __len__(self) -> int:
        """The number of quads."""
        ...

    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[str, Term] | None = None,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        prefixes: bool = True,
    ) -> Answer:
        """Evaluate one of backendkg's own queries (see the module documentation)."""
        ...

    def select(self, sparql: str, **substitutions: Term) -> list[dict[str, Term]]: ...

    def ask(self, sparql: str, **substitutions: Term) -> bool: ...

    def construct(self, sparql: str, **substitutions: Term) -> list[ox.Triple]: ...

    def quads(self, graph: str | None = None) -> Iterable[ox.Quad]:
        """Every quad of the dataset, or of the named graph ``graph``."""
        ...

    def evaluate(
        self,
        text: str,
        *,
        default_graph: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
        own_dataset: bool,
        base_iri: str | None,
        row_limit: int,
        timeout: float,
    ) -> Canonical:
        """Evaluate a user's query. ``default_graph`` / ``named_graphs``: the protocol's dataset (both
        ``None``: the default graph is the union of all graphs, unless the query names its own dataset,
        ``own_dataset``, with ``FROM`` / ``FROM NAMED``)."""
        ...


class Queries:
    """:meth:`select`, :meth:`ask` and :meth:`construct` over a ``query`` method, for both backends."""

    def query(self, sparql: str, **options) -> Answer:  # pragma: no cover - implemented by the backends
        raise NotImplementedError

    def select(self, sparql: str, **substitutions: Term) -> list[dict[str, Term]]:
        """Run a SELECT and return its rows as dicts of variable name to term (unbound variables left out)."""
        result = self.query(sparql, substitutions=substitutions or None)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: solution[n] for n in names if solution[n] is not None} for solution in result]

    def ask(self, sparql: str, **substitutions: Term) -> bool:
        result = self.query(sparql, substitutions=substitutions or None)
        if not isinstance(result, ox.QueryBoolean):
            raise TypeError("ask() needs an ASK query")
        return bool(result)

    def construct(self, sparql: str, **substitutions: Term) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE and return its triples."""
        result = self.query(sparql, substitutions=substitutions or None)
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            raise TypeError("construct() needs a CONSTRUCT or DESCRIBE query")
        return list(result)
