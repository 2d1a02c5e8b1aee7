"""Query text, read and bound without a parser: where the ``WHERE`` group opens, which form a query has, and
variables bound by a ``VALUES`` block placed there.

Both backends bind backendkg's own queries this way, so that a query gives the same answer on the embedded
store and on any other SPARQL store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pyoxigraph as ox

Term = ox.NamedNode | ox.Literal | ox.BlankNode


def _mask(text: str) -> str:
    """``text`` with comments, IRIs and string literals blanked out, same length, so offsets still fit."""

    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    pattern = (
        r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
        r"|<[^<>\"{}|^`\\\s]*>|#[^\n]*"
    )
    return re.sub(pattern, blank, text)


def _where_brace(text: str) -> int:
    """The offset of the ``{`` that opens the top-level ``WHERE`` group of the query ``text``."""
    code = _mask(text)
    form = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", code, re.IGNORECASE)
    if not form:
        raise ValueError("the text is not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    # CONSTRUCT { template } WHERE { pattern } has a template group first; CONSTRUCT WHERE { ... } has not.
    skip = form.group(1).upper() == "CONSTRUCT" and not re.match(r"\s*WHERE\b", code[form.end() :], re.IGNORECASE)
    parens = 0
    depth = 0
    for i in range(form.end(), len(code)):
        c = code[i]
        if c == "(":
            parens += 1
        elif c == ")":
            parens -= 1
        elif c == "{" and parens == 0:
            if depth == 0 and not skip:
                return i
            depth += 1
        elif c == "}" and parens == 0:
            depth -= 1
            if depth == 0:
                skip = False
    raise ValueError("the query has no WHERE group to bind parameters in")


def bind(text: str, values: Mapping[str, Term | Sequence[Term]]) -> str:
    """``text`` with its variables bound: one ``VALUES`` block for the variables given one term each, and one
    block more for each variable given a sequence of terms, placed at the start of the query's ``WHERE``
    group so every pattern and filter of the group sees the bindings. (Every store evaluates this as
    pyoxigraph's substitutions; a trailing ``VALUES`` is not the same for variables the query does not
    project, and Virtuoso refuses one after a CONSTRUCT or ASK.)"""
    if not values:
        return text
    single: dict[str, Term] = {}
    blocks = []
    for var, terms in values.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
            raise ValueError(f"not a SPARQL variable name: {var!r}")
        if isinstance(terms, Term):
            single[var] = terms
        else:
            blocks.append(f"VALUES ?{var} {{ {' '.join(str(t) for t in terms)} }}")
    if len(single) == 1:
        ((var, term),) = single.items()
        blocks.insert(0, f"VALUES ?{var} {{ {term} }}")
    elif single:
        names = " ".join(f"?{v}" for v in single)
        row = " ".join(str(t) for t in single.values())
        blocks.insert(0, f"VALUES ({names}) {{ ({row}) }}")
    block = " ".join(blocks)
    at = _where_brace(text) + 1
    return f"{text[:at]} {block} {text[at:]}"


def query_form(text: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the first of those keywords outside IRIs, strings
    and comments (``SELECT`` when none is found: the store's own error then says what is wrong)."""
    form = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", _mask(text), re.IGNORECASE)
    return form.group(1).upper() if form else "SELECT"
