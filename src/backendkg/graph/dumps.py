"""The downloadable dumps: the whole graph and each module, in every export syntax, plain and gzip-compressed.

Built once per process on first use; the bytes of a whole-graph dump are those of ``backendkg export``.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyoxigraph as ox

from .. import formats
from ..namespaces import GRAPH
from .backend import Backend
from .export import serialize, sorted_quads

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
        return formats.BY_NAME[self.format].label

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


def _dumps(stem: str, module: str | None, graph: str | None, quads: list[ox.Quad]) -> Iterator[Dump]:
    counts = {"quads": len(quads), "triples": len({(q.subject, q.predicate, q.object) for q in quads})}
    for syntax in formats.DUMPS:
        fmt, media_type = syntax.name, syntax.media_type
        data = serialize(quads, fmt)
        triples = counts["quads" if syntax.quads else "triples"]
        name = f"{stem}.{syntax.extension}"
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


def _last_modified(backend: Backend) -> datetime:
    """When the files of the embedded store last changed; when the catalogue was built, for a remote one."""
    files = getattr(backend, "files", ())
    times = [f.path.stat().st_mtime for f in files if f.path.exists()]
    stamp = int(max(times)) if times else int(datetime.now(UTC).timestamp()) if not files else 0
    return datetime.fromtimestamp(stamp, tz=UTC)


def build(backend: Backend, *, version: str) -> Catalogue:
    """Every dump of ``backend``: the whole graph first, then one module per named graph, in load order."""
    stem = f"backendkg-{version}"
    everything = sorted_quads(backend.quads())
    dumps = list(_dumps(stem, None, None, everything))
    by_graph: dict[str, list[ox.Quad]] = {}
    for quad in everything:
        by_graph.setdefault(str(getattr(quad.graph_name, "value", "")), []).append(quad)
    seen: set[str] = set()
    for graph in backend.graphs:
        module = module_name(graph)
        while module in seen:
            module += "-1"
        seen.add(module)
        dumps.extend(_dumps(f"{stem}-{module}", module, graph, by_graph.get(graph, [])))
    return Catalogue(version=version, last_modified=_last_modified(backend), dumps=tuple(dumps))
