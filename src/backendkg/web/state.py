"""What every request shares: the loaded graph and what is derived from it once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..graph.store import KnowledgeGraph


@dataclass
class AppState:
    kg: KnowledgeGraph
    version: str
    #: Quads in the embedded store, counted once when it was loaded (``None`` for a remote endpoint).
    triples: int | None = None
    #: Values computed once per process and reused (dumps, the OpenAPI document ...), keyed by name.
    cache: dict[str, Any] = field(default_factory=dict)
