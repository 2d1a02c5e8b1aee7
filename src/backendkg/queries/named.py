"""The query library: SPARQL files under ``queries/`` with grlc-style headers.

A query file stays valid SPARQL; its leading comment lines carry metadata::

    #+ summary: Responsibilities of a role
    #+ description: Every responsibility the sources give for the role, with its definition.
    #+ tags:
    #+   - roles
    #+   - responsibilities
    SELECT ?responsibility WHERE { ?_role_iri bkg:hasResponsibility ?responsibility }

Parameters follow grlc's convention: a variable ``?_name`` (required) or ``?__name`` (optional), with an
optional type suffix: ``?_role_iri`` (an IRI), ``?_limit_integer``, ``?_label_en`` (a literal tagged ``en``),
``?_text_string`` / no suffix (a plain literal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .._paths import QUERIES_DIR

_HEADER = re.compile(r"^#\+\s?(.*)$")
_KEY = re.compile(r"^([A-Za-z_][\w-]*):\s*(.*)$")
_ITEM = re.compile(r"^\s+-\s*(.*)$")
_PARAM = re.compile(r"[?$](__?)([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)")
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_TYPES = {"iri", "integer", "string", "literal", "decimal", "boolean", "date"}


@dataclass(frozen=True)
class Param:
    """A query parameter: ``variable`` is the SPARQL variable name without ``?``."""

    name: str
    variable: str
    type: str  # "iri", "integer", "decimal", "boolean", "date", "string", or "lang"
    required: bool
    lang: str | None = None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    text: str
    summary: str
    description: str = ""
    tags: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    form: str = "SELECT"
    meta: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def title(self) -> str:
        return self.summary or self.name.replace("-", " ")


def parse_header(text: str) -> dict[str, object]:
    """The ``#+ key: value`` metadata at the top of ``text``; list values are written as ``#+   - item``."""
    meta: dict[str, object] = {}
    key: str | None = None
    for line in text.splitlines():
        match = _HEADER.match(line)
        if not match:
            if line.startswith("#") or not line.strip():
                continue
            break
        body = match.group(1)
        item = _ITEM.match(body)
        if item and key is not None:
            current = meta.get(key)
            if not isinstance(current, list):
                current = [] if not current else [current]
                meta[key] = current
            current.append(item.group(1).strip())
            continue
        kv = _KEY.match(body.strip())
        if kv:
            key = kv.group(1).lower()
            value = kv.group(2).strip()
            if value.startswith("[") and value.endswith("]"):
                meta[key] = [v.strip() for v in value[1:-1].split(",") if v.strip()]
            else:
                meta[key] = value
    return meta


def _strip_comments(text: str) -> str:
    """The query without comments, IRIs and string literals, so parameter and form detection see code only."""
    out = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', '""', text)
    out = re.sub(r"<[^<>\s]*>", "<>", out)
    return re.sub(r"#[^\n]*", "", out)


def find_params(text: str) -> tuple[Param, ...]:
    """The grlc-style parameters of a query, in order of first use."""
    params: dict[str, Param] = {}
    for underscores, body in _PARAM.findall(_strip_comments(text)):
        variable = underscores + body
        if variable in params:
            continue
        parts = body.split("_")
        name, kind, lang = body, "string", None
        if len(parts) > 1 and parts[-1].lower() in _TYPES:
            name, kind = "_".join(parts[:-1]), parts[-1].lower()
            kind = "string" if kind == "literal" else kind
        elif len(parts) > 1 and re.fullmatch(r"[a-z]{2,3}", parts[-1]):
            name, kind, lang = "_".join(parts[:-1]), "lang", parts[-1]
        params[variable] = Param(name=name, variable=variable, type=kind, required=underscores == "_", lang=lang)
    return tuple(params.values())


def load_query(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    meta = parse_header(text)
    tags = meta.get("tags", ())
    form = _FORM.search(_strip_comments(text))
    return NamedQuery(
        name=path.stem,
        path=path,
        text=text,
        summary=str(meta.get("summary", "")),
        description=str(meta.get("description", "")),
        tags=tuple(tags) if isinstance(tags, list) else ((str(tags),) if tags else ()),
        params=find_params(text),
        form=form.group(1).upper() if form else "SELECT",
        meta=meta,
    )


@cache
def library(directory: Path = QUERIES_DIR / "cq") -> tuple[NamedQuery, ...]:
    """Every ``*.rq`` file of ``directory`` (default: the competency questions), sorted by name."""
    return tuple(load_query(p) for p in sorted(directory.glob("*.rq")))


def get(name: str, directory: Path = QUERIES_DIR / "cq") -> NamedQuery:
    """The named query ``name``; ``KeyError`` if there is none."""
    for query in library(directory):
        if query.name == name:
            return query
    raise KeyError(name)
