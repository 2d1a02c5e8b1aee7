"""Typed query parameters: parse what a user types into RDF terms, and bind them into a query safely.

Values become pyoxigraph terms first (an invalid IRI or number is rejected here), and a bound query gets a
``VALUES`` block written from those terms at the start of its ``WHERE`` group; the user's text is never
pasted into the query.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import pyoxigraph as ox

from ..graph.binding import Term, bind
from ..namespaces import BASE, KINDS, PREFIXES
from .named import NamedQuery, Param

__all__ = [
    "DESCRIPTIONS",
    "MAX_VALUE_LENGTH",
    "ParamError",
    "Term",
    "bind",
    "parse_args",
    "parse_iri",
    "parse_value",
    "plain",
]

XSD = "http://www.w3.org/2001/XMLSchema#"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_SHORT = re.compile(r"^/?([a-z]+)/([^/\s]+)$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_DATE = re.compile(r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(?:Z|[+-][0-9]{2}:[0-9]{2})?$")
_BOOLEAN = {"true": "true", "false": "false", "1": "true", "0": "false"}

#: Longest text accepted as a parameter value, in characters.
MAX_VALUE_LENGTH = 500

#: What each parameter type accepts, in words, for error messages and API documentation.
DESCRIPTIONS = {
    "iri": "an IRI: absolute (https://w3id.org/backendkg/role/backend-developer), prefixed "
    "(role:backend-developer) or short (role/backend-developer)",
    "integer": "a whole number",
    "decimal": "a decimal number",
    "boolean": "true or false",
    "date": "a date, YYYY-MM-DD",
    "string": "text",
    "lang": "text",
}


class ParamError(ValueError):
    """A parameter value is missing or malformed; ``name`` is the parameter, the message says why."""

    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(f"Parameter '{name}' {message}")


def parse_iri(text: str, *, name: str = "iri") -> ox.NamedNode:
    """An IRI from an absolute IRI, a prefixed name (``role:backend-developer``) or a short form
    (``role/backend-developer``, ``/role/backend-developer``) of a backendkg IRI."""
    value = text.strip()
    if not value:
        raise ParamError(name, "must be an IRI, not empty text.")
    candidate = value
    if value.startswith("<") and value.endswith(">"):
        candidate = value[1:-1]
    elif _SCHEME.match(value) and value.split(":", 1)[0] in PREFIXES:
        prefix, local = value.split(":", 1)
        candidate = PREFIXES[prefix] + local
    elif not _SCHEME.match(value):
        short = _SHORT.match(value)
        if not short or short.group(1) not in KINDS:
            raise ParamError(
                name,
                f"must be an IRI (absolute, prefixed such as role:backend-developer, or short such as "
                f"role/backend-developer), not {value!r}.",
            )
        candidate = BASE + short.group(1) + "/" + short.group(2)
    try:
        return ox.NamedNode(candidate)
    except ValueError as exc:
        raise ParamError(name, f"is not a valid IRI ({exc}): {value!r}.") from None


def parse_value(param: Param, text: str) -> ox.NamedNode | ox.Literal:
    """The RDF term for ``text`` as a value of ``param``; :class:`ParamError` if it is not one."""
    kind = param.type
    if len(text) > MAX_VALUE_LENGTH:
        raise ParamError(param.name, f"must be at most {MAX_VALUE_LENGTH} characters long, not {len(text)}.")
    if kind == "iri":
        return parse_iri(text, name=param.name)
    value = text.strip()
    if kind == "integer":
        if not _INTEGER.match(value):
            raise ParamError(param.name, f"must be a whole number, not {text!r}.")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "decimal":
        if not _DECIMAL.match(value):
            raise ParamError(param.name, f"must be a decimal number, not {text!r}.")
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal"))
    if kind == "boolean":
        if value.lower() not in _BOOLEAN:
            raise ParamError(param.name, f"must be true or false, not {text!r}.")
        return ox.Literal(_BOOLEAN[value.lower()], datatype=ox.NamedNode(XSD + "boolean"))
    if kind == "date":
        if not _DATE.match(value):
            raise ParamError(param.name, f"must be a date written YYYY-MM-DD, not {text!r}.")
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    if not text:
        raise ParamError(param.name, "must not be empty.")
    if kind == "lang":
        return ox.Literal(text, language=param.lang)
    return ox.Literal(text)


def parse_args(query: NamedQuery, args: Mapping[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
    """The terms for ``query``'s parameters from ``args`` (parameter name to text), keyed by SPARQL variable.

    A missing required parameter or a malformed value raises :class:`ParamError`; an absent optional one is
    left unbound. Arguments that name no parameter are ignored.
    """
    bound: dict[str, ox.NamedNode | ox.Literal] = {}
    for param in query.params:
        text = args.get(param.name)
        if text is None or (text == "" and not param.required):
            if param.required:
                raise ParamError(param.name, f"is required: {DESCRIPTIONS[param.type]}.")
            continue
        bound[param.variable] = parse_value(param, text)
    return bound


_NUMERIC = {XSD + t: int for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")}
_NUMERIC.update({XSD + t: float for t in ("decimal", "double", "float")})


def plain(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str | int | float | bool | None:
    """A JSON value for ``term``: an IRI as its text, a number or boolean literal as a number or boolean,
    any other literal as its lexical form, a blank node as ``_:id``, an unbound variable as ``None``."""
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return str(term)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype == XSD + "boolean":
            return term.value in ("true", "1")
        convert = _NUMERIC.get(datatype)
        if convert is not None:
            try:
                number = convert(term.value)
            except ValueError:
                return term.value
            if isinstance(number, float) and not math.isfinite(number):
                return term.value
            return number
        return term.value
    return term.value
