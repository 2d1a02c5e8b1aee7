"""Refuse what a read-only, offline endpoint must never evaluate: federated queries and updates.

pyoxigraph evaluates ``SERVICE`` by making real HTTP requests and has no switch to turn that off, so a query
with a ``SERVICE`` clause is refused before evaluation. The check parses the query with rdflib's SPARQL
grammar and looks for ``ServiceGraphPattern`` nodes, so the word inside a string, an IRI, a comment or a
prefix name (``service:``) does not trip it, and ``\\u`` escapes do not hide it. Queries that cannot contain
the keyword at all (no ``service`` and no ``\\u`` escape in the text) skip the parse: that is the hot path.

Updates (including ``LOAD``) are never evaluated: the endpoint only calls ``Store.query``; text sent as a
query that turns out to be an update is recognised so that it gets the 403 of a refused update rather
than a syntax error.
"""

from __future__ import annotations

import functools
from typing import Any


class FederatedQuery(Exception):
    """The query has a SERVICE clause."""


class Unverifiable(Exception):
    """The query mentions ``service`` (or uses ``\\u`` escapes) but the safety check cannot parse it."""


def might_federate(text: str) -> bool:
    """Whether ``text`` could contain a SERVICE clause (a cheap, exact negative test)."""
    lowered = text.lower()
    return "service" in lowered or "\\u" in lowered


def check_query(text: str) -> None:
    """Raise :class:`FederatedQuery` if ``text`` has a SERVICE clause; :class:`Unverifiable` if it might but
    cannot be parsed by the check."""
    if not might_federate(text):
        return
    verdict = _verdict(text)
    if verdict is None:
        return
    kind, message = verdict
    if kind == "service":
        raise FederatedQuery(message)
    raise Unverifiable(message)


@functools.lru_cache(maxsize=1024)
def _verdict(text: str) -> tuple[str, str] | None:
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(text)
    except Exception as exc:  # pyparsing raises several types; all mean "not parsable here"
        return ("unverifiable", f"the query could not be checked for SERVICE clauses: {exc}")
    for name, term in _walk(tree):
        if name == "ServiceGraphPattern":
            shown = term.n3() if hasattr(term, "n3") else str(term)
            return ("service", f"SERVICE {shown} is not allowed: this endpoint makes no outbound requests")
    return None


def _walk(node: Any):
    """Yield ``(name, service term)`` for every parse-tree node that is a rdflib ``CompValue``."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item.name, item.get("term")
            stack.extend(item.values())
        elif isinstance(item, ParseResults | list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


def is_update(text: str) -> bool:
    """Whether ``text`` parses as SPARQL Update (used only for text that failed to parse as a query)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parsed = parseUpdate(text)
    except Exception:
        return False
    return bool(parsed.get("request"))
