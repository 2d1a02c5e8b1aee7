"""Query answers in their canonical form: what a backend hands the engine before the final serialization.

A boolean for ASK, SPARQL TSV for SELECT (one solution per line: rows are counted and cut at the row limit
while they are written), the triples themselves for CONSTRUCT and DESCRIBE; every other format is written
from these once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

#: What ``Store.query`` and the parsers give: a boolean, solutions, or triples.
Answer = ox.QueryBoolean | ox.QuerySolutions | ox.QueryTriples | list[ox.Triple]


@dataclass(frozen=True)
class Canonical:
    """A query's answer before its final serialization: a boolean, TSV solutions or triples."""

    #: "boolean" (ASK), "solutions" (SELECT) or "graph" (CONSTRUCT, DESCRIBE).
    kind: str
    boolean: bool = False
    data: bytes = b""
    truncated: bool = False
    #: The triples of a CONSTRUCT or DESCRIBE.
    triples: tuple[ox.Triple, ...] = ()


class _Full(Exception):
    pass


class _LineBuffer:
    """A binary writer for pyoxigraph serializers that stops the serializer after ``limit`` lines."""

    __slots__ = ("chunks", "limit", "lines")

    def __init__(self, limit: int):
        self.chunks: list[bytes] = []
        self.lines = 0
        self.limit = limit

    def write(self, chunk: bytes) -> int:
        chunk = bytes(chunk)
        self.chunks.append(chunk)
        self.lines += chunk.count(b"\n")
        if self.lines > self.limit:
            raise _Full()
        return len(chunk)

    def flush(self) -> None:
        pass


def write_capped(serializable: Any, fmt: ox.QueryResultsFormat | ox.RdfFormat, lines: int) -> tuple[bytes, bool]:
    """Serialize a pyoxigraph result (one item per line: TSV, N-Triples) keeping at most ``lines`` lines;
    stops the evaluation as soon as more exist. Returns the bytes and whether lines were cut."""
    buffer = _LineBuffer(lines)
    truncated = False
    try:
        serializable.serialize(buffer, format=fmt)
    except _Full:
        truncated = True
    data = b"".join(buffer.chunks)
    if truncated:
        end = -1
        for _ in range(lines):
            end = data.index(b"\n", end + 1)
        data = data[: end + 1]
    return data, truncated


def canonical(results: Answer, *, row_limit: int) -> Canonical:
    """The :class:`Canonical` form of a query result (from the store, or parsed from a remote answer), with
    at most ``row_limit`` rows or triples."""
    if isinstance(results, ox.QueryBoolean):
        return Canonical("boolean", boolean=bool(results))
    if isinstance(results, ox.QuerySolutions):
        data, truncated = write_capped(results, ox.QueryResultsFormat.TSV, row_limit + 1)
        return Canonical("solutions", data=data, truncated=truncated)
    triples: list[ox.Triple] = []
    for triple in results:
        if len(triples) == row_limit:
            return Canonical("graph", triples=tuple(triples), truncated=True)
        triples.append(triple)
    return Canonical("graph", triples=tuple(triples))
