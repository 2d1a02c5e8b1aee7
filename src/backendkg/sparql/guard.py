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
from dataclasses import dataclass
from typing import Any


class FederatedQuery(Exception):
    """The query has a SERVICE clause."""


class Unverifiable(Exception):
    """The query mentions ``service`` (or uses ``\\u`` escapes) but the safety check cannot parse it."""


@dataclass(frozen=True)
class Inspection:
    """What evaluation needs to know about a query before it runs."""

    #: The query names its own dataset (``FROM`` / ``FROM NAMED``).
    dataset: bool = False


_PLAIN = Inspection()


def might_federate(text: str) -> bool:
    """Whether ``text`` could contain a SERVICE clause (a cheap, exact negative test)."""
    lowered = text.lower()
    return "service" in lowered or "\\u" in lowered


def inspect(text: str) -> Inspection:
    """Raise :class:`FederatedQuery` if ``text`` has a SERVICE clause, :class:`Unverifiable` if it might but
    cannot be parsed by the check; otherwise say whether it has a dataset clause.

    Text without the words ``service`` and ``from`` and without ``\\u`` escapes cannot have either clause
    and is not parsed here.
    """
    lowered = text.lower()
    federate = "service" in lowered or "\\u" in lowered
    if not federate and "from" not in lowered:
        return _PLAIN
    kind, message = _verdict(text)
    if kind == "service":
        raise FederatedQuery(message)
    if kind == "unparsable":
        if federate:
            raise Unverifiable(message)
        return _PLAIN  # the store's parser reports the syntax error
    return Inspection(dataset=kind == "dataset")


def check_query(text: str) -> None:
    """Raise :class:`FederatedQuery` or :class:`Unverifiable` as :func:`inspect` does."""
    inspect(text)


@functools.lru_cache(maxsize=256)
def _verdict(text: str) -> tuple[str, str]:
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(text)
    except Exception as exc:  # pyparsing raises several types; all mean "not parsable here"
        return ("unparsable", f"the query could not be checked for SERVICE clauses: {exc}")
    dataset = False
    for name, term in _walk(tree):
        if name == "ServiceGraphPattern":
            shown = _show(term)
            return ("service", f"SERVICE {shown} is not allowed: this endpoint makes no outbound requests")
        if name == "DatasetClause":
            dataset = True
    return ("dataset", "") if dataset else ("plain", "")


def _show(term: Any) -> str:
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Identifier

    if isinstance(term, Identifier):
        return term.n3()
    if isinstance(term, CompValue) and term.name == "pname":
        return f"{term.get('prefix') or ''}:{term.get('localname') or ''}"
    return "<...>"


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
