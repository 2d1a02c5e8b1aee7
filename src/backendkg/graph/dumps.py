"""The downloadable dumps: the whole graph and each module, in every export syntax, plain and gzip-compressed.

Built once per process on first use; the bytes of a whole-graph dump are those of ``backendkg export``.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyoxigraph as ox

from ..namespaces import GRAPH
from .export import export
from .store import KnowledgeGraph

#: Export format -> (file extension, media type, name), in the order the listing shows them.
SYNTAXES: dict[str, tuple[str, str, str]] = {
    "turtle": ("ttl", "text/turtle", "Turtle"),
    "ntriples": ("nt", "application/n-triples", "N-Triples"),
    "nquads": ("nq", "application/n-quads", "N-Quads"),
    "trig": ("trig", "application/trig", "TriG"),
    "jsonld": ("jsonld", "application/ld+json", "JSON-LD"),
    "rdfxml": ("rdf", "application/rdf+xml", "RDF/XML"),
}
QUAD_FORMATS = {"nquads", "trig"}
GZIP_TYPE = "application/gzip"


@dataclass(frozen=True)
class Dump:
    filename: str
    module: str | None  # None: the whole graph
    graph: str | None
    format: str
    media_type: str
    compressed: bool
    data: bytes
    sha256: str
    triples: int

    @property
    def syntax(self) -> str:
        return SYNTAXES[self.format][2]

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def content_type(self) -> str:
        if self.compressed:
            return GZIP_TYPE
        return self.media_type + ("; charset=utf-8" if self.media_type.startswith("text/") else "")

    def as_dict(self, url: str) -> dict[str, object]:
        return {
            "file": self.filename,
            "url": url,
            "module": self.module,
            "graph": self.graph,
            "format": self.format,
            "syntax": self.syntax,
            "media_type": self.media_type,
            "compressed": self.compressed,
            "bytes": self.size,
            "triples": self.triples,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class Catalogue:
    version: str
    last_modified: datetime
    dumps: tuple[Dump, ...]

    def get(self, filename: str) -> Dump | None:
        return next((d for d in self.dumps if d.filename == filename), None)

    @property
    def modules(self) -> list[str | None]:
        return list(dict.fromkeys(d.module for d in self.dumps))


def module_name(graph: str) -> str:
    """``.../graph/schemes/roles`` -> ``schemes-roles``; a graph of another file -> that file's stem."""
    if graph.startswith(GRAPH):
        return graph[len(GRAPH) :].replace("/", "-")
    return Path(unquote(urlparse(graph).path)).stem or "graph"


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip: no file name, modification time 0."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def _dumps(
    stem: str, module: str | None, graph: str | None, kg: KnowledgeGraph, counts: dict[str, int]
) -> Iterator[Dump]:
    for fmt, (ext, media_type, _) in SYNTAXES.items():
        data = export(kg, fmt, graph=graph)
        triples = counts["quads" if fmt in QUAD_FORMATS else "triples"]
        name = f"{stem}.{ext}"
        for compressed, body in ((False, data), (True, gzip_bytes(data))):
            yield Dump(
                filename=name + (".gz" if compressed else ""),
                module=module,
                graph=graph,
                format=fmt,
                media_type=media_type,
                compressed=compressed,
                data=body,
                sha256=hashlib.sha256(body).hexdigest(),
                triples=triples,
            )


def _last_modified(kg: KnowledgeGraph) -> datetime:
    times = [f.path.stat().st_mtime for f in kg.files if f.path.exists()]
    stamp = int(max(times)) if times else 0
    return datetime.fromtimestamp(stamp, tz=UTC)


def build(kg: KnowledgeGraph, *, version: str) -> Catalogue:
    """Every dump of ``kg``: the whole graph first, then one module per named graph, in load order."""
    stem = f"backendkg-{version}"
    everything = {
        "triples": len({(q.subject, q.predicate, q.object) for q in kg.store}),
        "quads": len(kg.store),
    }
    dumps = list(_dumps(stem, None, None, kg, everything))
    seen: set[str] = set()
    for graph in kg.graphs:
        module = module_name(graph)
        while module in seen:
            module += "-1"
        seen.add(module)
        n = len(list(kg.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))))
        dumps.extend(_dumps(f"{stem}-{module}", module, graph, kg, {"triples": n, "quads": n}))
    return Catalogue(version=version, last_modified=_last_modified(kg), dumps=tuple(dumps))


_lock = threading.Lock()


def catalogue(cache: dict, kg: KnowledgeGraph, *, version: str) -> Catalogue:
    """The catalogue kept in ``cache`` (built on first use, once even under concurrent requests)."""
    found = cache.get("dumps")
    if found is None:
        with _lock:
            found = cache.get("dumps")
            if found is None:
                found = cache["dumps"] = build(kg, version=version)
    return found
