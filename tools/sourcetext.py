"""The text of a source document as backendkg reads it: its headings and tables, anchors of quotes, mended excerpts.

The four source documents are commercial web articles published without a licence, so the project does not
redistribute them: the graph keeps only its quotes and the file name, SHA-256 and size of each snapshot, and the
directory that holds the snapshots is given by the environment variable ``BACKENDKG_SOURCES_DIR``. A snapshot is
the plain text of the page, one heading, paragraph, list item or table cell a line.

Positions are offsets in Unicode code points into the file decoded as UTF-8, as Python's ``str`` indexes it:
``text[start:end]`` is the quoted text. This module is used by ``tools/annotate.py``, which writes the anchors
into the graph, and by ``tests/test_provenance.py``, which checks them against the snapshots.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: The environment variable that names the directory holding the snapshots of the source documents.
SOURCES_ENV = "BACKENDKG_SOURCES_DIR"

#: Code points of context kept before and after a quote (``oa:prefix``, ``oa:suffix``), more where that is not
#: enough to make the quote with its context occur only once in the document.
CONTEXT = 32

#: The longest line that can be a heading, in words.
HEADING_WORDS = 10
#: The longest line that can be a table cell, in words, and the fewest cells that make a table.
CELL_WORDS = 12
TABLE_CELLS = 6

_LIST_ITEM = re.compile(r"^\s*(?:[-*•]\s)")
_SENTENCE_END = (".", ",", ";", ":", "!")


@dataclass(frozen=True)
class Line:
    """One line of a document: ``text`` is ``document[start:end]``, without the line break."""

    start: int
    end: int
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Table:
    """A table, flattened by the snapshot to one cell a line, row after row; its first row is the header."""

    cells: tuple[Line, ...]
    width: int

    def position(self, start: int, end: int) -> tuple[str, str] | None:
        """(row header, column header) of the cell that holds ``start``..``end``; ``None`` outside the table.

        The row header is the row's first cell, the column header the header row's cell of that column.
        Raises ``ValueError`` when the span starts in a cell and does not end in it.
        """
        for i, cell in enumerate(self.cells):
            if cell.start <= start < cell.end or (start == cell.start == end):
                if end > cell.end:
                    raise ValueError(f"the quote at {start}..{end} spans more than one table cell")
                row, column = divmod(i, self.width)
                return self.cells[row * self.width].text, self.cells[column].text
        return None


@dataclass(frozen=True)
class Structure:
    """The headings and tables of a document."""

    headings: tuple[Line, ...]
    tables: tuple[Table, ...]


def lines(text: str) -> list[Line]:
    """Every line of ``text`` with its offsets."""
    found, start = [], 0
    for raw in text.split("\n"):
        found.append(Line(start, start + len(raw), raw))
        start += len(raw) + 1
    return found


def _is_cell(line: Line) -> bool:
    text = line.text.strip()
    return bool(text) and not _LIST_ITEM.match(line.text) and line.words <= CELL_WORDS and not text.endswith(".")


def _tables(all_lines: list[Line]) -> list[Table]:
    """Tables: a run of at least :data:`TABLE_CELLS` consecutive short lines that are not sentences (at most
    :data:`CELL_WORDS` words, no final full stop, not list items) right after a lead-in line that ends with a
    colon. The snapshot keeps no column count, so a table's width is the smallest number of columns above one
    that divides its number of cells."""
    tables = []
    i = 0
    while i < len(all_lines):
        if all_lines[i].text.rstrip().endswith(":"):
            j = i + 1
            while j < len(all_lines) and _is_cell(all_lines[j]):
                j += 1
            run = all_lines[i + 1 : j]
            if len(run) >= TABLE_CELLS:
                width = next(w for w in range(2, len(run) + 1) if len(run) % w == 0)
                tables.append(Table(tuple(run), width))
                i = j
                continue
        i += 1
    return tables


def is_heading(line: Line) -> bool:
    """Whether a line (outside a table) is a heading: not blank, not a list item, at most :data:`HEADING_WORDS`
    words, no digit (dates and reading times are not headings), and no final full stop, comma, semicolon,
    colon or exclamation mark (a question mark may end a heading)."""
    text = line.text.strip()
    return (
        bool(text)
        and not _LIST_ITEM.match(line.text)
        and line.words <= HEADING_WORDS
        and not any(c.isdigit() for c in text)
        and not text.endswith(_SENTENCE_END)
    )


@lru_cache(maxsize=16)
def structure(text: str) -> Structure:
    """The headings and tables of a document's text."""
    all_lines = lines(text)
    tables = _tables(all_lines)
    in_table = {cell.start for table in tables for cell in table.cells}
    headings = tuple(line for line in all_lines if line.start not in in_table and is_heading(line))
    return Structure(headings, tuple(tables))


def section_at(text: str, position: int) -> str | None:
    """The heading that ``position`` sits under: the text of the last heading line that starts at or before it
    (a quote in a heading sits under that heading), or ``None`` before the first heading."""
    found = None
    for heading in structure(text).headings:
        if heading.start > position:
            break
        found = heading.text.strip()
    return found


def cell_at(text: str, start: int, end: int) -> tuple[str, str] | None:
    """(row header, column header) of the table cell that holds the quote ``start``..``end``, or ``None``."""
    for table in structure(text).tables:
        if (found := table.position(start, end)) is not None:
            return found
    return None


def anchor(text: str, exact: str, near: int | None = None) -> tuple[int, int]:
    """The position (start, end) of ``exact`` in ``text``: its only occurrence, or the one that starts nearest
    to ``near`` where it occurs more than once. Raises ``LookupError`` when it does not occur or when it occurs
    more than once and no ``near`` is given."""
    starts = [m.start() for m in re.finditer(re.escape(exact), text)] if exact else []
    if not starts:
        raise LookupError(f"the quote does not occur in the document: {exact!r}")
    if len(starts) > 1 and near is None:
        raise LookupError(f"the quote occurs {len(starts)} times, at {starts}; say which: {exact!r}")
    start = min(starts, key=lambda s: abs(s - near)) if near is not None else starts[0]
    return start, start + len(exact)


def context(text: str, start: int, end: int) -> tuple[str, str]:
    """(prefix, suffix): the :data:`CONTEXT` code points before and after ``start``..``end`` (fewer at the ends
    of the document), more where needed for prefix + quote + suffix to occur only once in the text."""
    size = CONTEXT
    while True:
        prefix, suffix = text[max(0, start - size) : start], text[end : end + size]
        whole = prefix + text[start:end] + suffix
        if text.count(whole) == 1 or (start - size <= 0 and end + size >= len(text)):
            return prefix, suffix
        size += CONTEXT


#: Broken characters of the snapshots: a right single quotation mark decoded as the Thai letter U+0E42, and a
#: stray pair of Thai letters at the end of a paragraph.
BROKEN = {"\u0e42\u0e08": "", "\u0e42": "\u2019"}
#: Typos and link texts glued into sentences, as the snapshots have them, and what the excerpts say instead.
MENDS = {
    "II Servers": "IIS servers",
    "visa the HTTP server": "via the HTTP server",
    "DatabasesBack-end": "Databases: Back-end",
    "https://wizardsdev.com/en/vacancy/lead-generation-specialist/ ": "",
    "Middle/Middle+ Backend Developer job ": "",
    "Full stack developer roadmap ": "",
}


def readable(exact: str) -> str:
    """A quote as an excerpt: broken characters, typos and glued link texts mended, list markers dropped and
    each run of white space (line breaks included) made one space."""
    text = exact
    for broken, mended in {**BROKEN, **MENDS}.items():
        text = text.replace(broken, mended)
    text = "\n".join(_LIST_ITEM.sub("", line) for line in text.split("\n"))
    return " ".join(text.split())


def excerpt(exact: str, cell: tuple[str, str] | None = None) -> str:
    """The readable excerpt of a quote; a table cell's excerpt says its row and column."""
    text = readable(exact)
    if cell is None:
        return text
    row, column = (readable(c) for c in cell)
    if text == row:
        return f"{column}: {text}"
    return f"{row} — {column}: {text}"


def sha256(data: bytes) -> str:
    """The SHA-256 digest of ``data`` in lower-case hexadecimal."""
    return hashlib.sha256(data).hexdigest()


def sources_dir() -> Path | None:
    """The directory named by :data:`SOURCES_ENV`, or ``None`` when the variable is not set."""
    value = os.environ.get(SOURCES_ENV)
    return Path(value) if value else None


def read(path: Path) -> str:
    """The text of a snapshot, decoded as UTF-8 (positions index this string)."""
    return path.read_bytes().decode("utf-8")
