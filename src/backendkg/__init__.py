"""backendkg: the knowledge graph of backend development."""

__version__ = "0.1.0"
