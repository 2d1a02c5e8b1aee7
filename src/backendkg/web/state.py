"""What every request shares: the backend, the engine, and what is derived from the graph once per process.

The application keeps one :class:`AppState` in ``app.extensions["backendkg"]``; views reach it with
:func:`state`. The derived services (label index, term catalogue, ontology documentation, dumps ...) are
built on first use, once even under concurrent requests, and kept for the life of the process: the graph is
read-only while it is served. Blueprints share services only through here, never by importing each other.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pyoxigraph as ox
from flask import Flask, current_app

from .._paths import SHAPES_DIR
from ..graph.backend import Backend
from ..graph.describe import describe
from ..graph.dumps import Catalogue
from ..graph.dumps import build as build_dumps
from ..graph.export import sorted_triples
from ..graph.search import LabelIndex
from ..graph.skos import SkosIndex
from ..namespaces import BKG, GRAPH, ONTOLOGY
from ..queries.extraction import Extractor
from ..sparql.engine import Engine
from .html.ontodoc import OntologyDoc
from .html.ontodoc import build as build_ontology_doc
from .html.shapesdoc import ShapesDoc, load_shapes
from .html.terms import Terms, load_terms

EXTENSION = "backendkg"
T = TypeVar("T")

#: How many resource descriptions each process keeps.
DESCRIPTION_CACHE = 2048


@dataclass
class AppState:
    """The shared state of one application."""

    backend: Backend
    engine: Engine
    version: str
    #: Quads in the embedded store, counted once when it was loaded (``None`` for a remote endpoint).
    triples: int | None = None
    _built: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _descriptions: OrderedDict[str, list[ox.Triple]] = field(default_factory=OrderedDict, repr=False)

    def once(self, name: str, build: Callable[[], T]) -> T:
        """The value ``build()`` gives, computed the first time ``name`` is asked for and kept."""
        found = self._built.get(name)
        if found is None:
            with self._lock:
                found = self._built.get(name)
                if found is None:
                    found = self._built[name] = build()
        return found

    def memo(self, kind: str, key: Hashable, build: Callable[[], T], *, limit: int = 64) -> T:
        """The value ``build()`` gives for ``key``, kept among at most ``limit`` values of ``kind`` (for
        values that depend on the request, such as its host, so that requests cannot grow it without bound)."""
        table: OrderedDict = self.once("memo:" + kind, OrderedDict)
        found = table.get(key)
        if found is None:
            found = build()
            with self._lock:
                table[key] = found
                while len(table) > limit:
                    table.popitem(last=False)
        return found

    def quads(self) -> int:
        """The number of quads: counted at start for the embedded store, asked of a remote one."""
        return self.triples if self.triples is not None else len(self.backend)

    def label_index(self) -> LabelIndex:
        return self.once("label-index", lambda: LabelIndex.from_graph(self.backend))

    def extractor(self) -> Extractor:
        """The phrase matcher of the graph's labels and the roles' requirements, for ``POST /api/extract``."""
        return self.once("extractor", lambda: Extractor.from_graph(self.backend))

    def skos_index(self) -> SkosIndex:
        """The concept schemes as SKOS vocabularies, for the Skosmos REST API."""
        return self.once("skos-index", lambda: SkosIndex.from_backend(self.backend))

    def terms(self) -> Terms:
        """The labels, types and definitions of every term, for the pages."""
        return self.once("terms", lambda: load_terms(self.backend))

    def ontology_doc(self) -> OntologyDoc:
        return self.once("ontology-doc", lambda: build_ontology_doc(self.backend))

    def shapes_doc(self) -> ShapesDoc:
        return self.once("shapes-doc", lambda: load_shapes(SHAPES_DIR))

    def dumps(self) -> Catalogue:
        return self.once("dumps", lambda: build_dumps(self.backend, version=self.version))

    def ontology_triples(self) -> list[ox.Triple]:
        """The ontology's own triples: the graph of ``ontology/backendkg.ttl`` when it is loaded, else every
        triple about the ontology or a ``bkg:`` term."""

        def build() -> list[ox.Triple]:
            graph = GRAPH + "backendkg"
            if graph in self.backend.graphs:
                return sorted_triples(self.backend.quads(graph))
            quads = (
                q
                for q in self.backend.quads()
                if isinstance(q.subject, ox.NamedNode)
                and (q.subject.value == ONTOLOGY or q.subject.value.startswith(BKG))
            )
            return sorted_triples(quads)

        return self.once("ontology-triples", build)

    def description(self, iri: str) -> list[ox.Triple]:
        """The Linked Data description of ``iri``, computed once per process (up to
        :data:`DESCRIPTION_CACHE` of them)."""
        found = self._descriptions.get(iri)
        if found is None:
            found = describe(self.backend, iri)
            with self._lock:
                self._descriptions[iri] = found
                while len(self._descriptions) > DESCRIPTION_CACHE:
                    self._descriptions.popitem(last=False)
        return found


def state(app: Flask | None = None) -> AppState:
    """The shared state of ``app`` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION]
