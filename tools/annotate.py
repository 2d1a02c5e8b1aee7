"""Anchor the quote of every source statement in its document and write the anchors into the Turtle files.

Every ``bkg:SourceStatement`` of ``ontology/schemes/*.ttl`` that a document supports (graded ``bkg:stated`` or
``bkg:inferred``) points with ``bkg:evidence`` at a passage of that document, an ``oa:SpecificResource`` kept in
``ontology/sources.ttl`` with two selectors: an ``oa:TextQuoteSelector`` (``oa:exact``, ``oa:prefix``,
``oa:suffix``) and an ``oa:TextPositionSelector`` (``oa:start``, ``oa:end``: offsets in Unicode code points into
the snapshot decoded as UTF-8). The script reads each quote, finds it in the snapshot, and writes:

* the passage, its selectors and its IRI ``passage:<document>-<start>-<end>``;
* the statement's ``bkg:section`` (the heading the quote sits under, :func:`sourcetext.section_at`), its
  ``bkg:tableRow`` and ``bkg:tableColumn`` where the quote is a table cell, and its ``bkg:excerpt`` (the quote
  with broken characters and typos mended, :func:`sourcetext.excerpt`).

A new statement gives its quote by writing ``oa:exact "..."`` on the statement itself (with ``oa:start N`` near
the right occurrence where the text occurs more than once); the script anchors it and replaces the two with
``bkg:evidence``. Editorial statements (``bkg:editorial``) have no document and no quote. The statements part of
each scheme file (from the line ``# Where each statement comes from.``) and the passages part of
``ontology/sources.ttl`` are rewritten in full, statements in the order the file has them.

    BACKENDKG_SOURCES_DIR=../shared/seeds python3 tools/annotate.py          # rewrite the files
    BACKENDKG_SOURCES_DIR=../shared/seeds python3 tools/annotate.py --check  # exit 1 if they would change
    python3 tools/annotate.py --mint SUBJECT PREDICATE OBJECT [SOURCE]       # the IRI for a new statement
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import sourcetext
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
SOURCES_FILE = ONTOLOGY / "sources.ttl"
SCHEMES = sorted((ONTOLOGY / "schemes").glob("*.ttl"))

BASE = "https://w3id.org/backendkg/"
BKG = Namespace(BASE + "ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
PASSAGE = BASE + "passage/"
STATEMENT = BASE + "statement/"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

STATEMENTS_MARKER = "# Where each statement comes from."
PASSAGES_MARKER = "# The passages of the documents that the statements quote."
PASSAGES_HEADER = f"""{PASSAGES_MARKER}
# Each is a segment of a document's text (oa:SpecificResource) with two selectors: the exact text with what comes
# before and after it (oa:TextQuoteSelector) and its position (oa:TextPositionSelector), in Unicode code points
# into the snapshot decoded as UTF-8. Written by tools/annotate.py from the quotes of the statements.
"""
#: Prefixes every file that holds statements or passages declares, besides its own.
NEEDED_PREFIXES = {"oa": str(OA), "passage": PASSAGE}
GRADES = {BKG.stated, BKG.inferred, BKG.editorial}


class AnnotationError(Exception):
    """A statement whose quote cannot be anchored, or a snapshot that is not the one the graph records."""


def mint(*terms: str) -> str:
    """The IRI of a new statement: 16 hexadecimal digits of the SHA-256 of its subject, predicate, object and
    source document (absolute IRIs, separated by spaces; no source for an editorial statement)."""
    return STATEMENT + hashlib.sha256(" ".join(terms).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Passage:
    """An anchored quote: the document, the position, the text around it."""

    source: URIRef
    slug: str
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str

    @property
    def iri(self) -> str:
        return f"{PASSAGE}{self.slug}-{self.start}-{self.end}"


@dataclass
class Statement:
    iri: URIRef
    triples: list[tuple[URIRef, object]] = field(default_factory=list)

    def one(self, predicate: URIRef) -> object | None:
        values = [o for p, o in self.triples if p == predicate]
        if len(values) > 1:
            raise AnnotationError(f"{self.iri} has more than one {predicate}")
        return values[0] if values else None


def prefixes_of(text: str) -> dict[str, str]:
    """The ``@prefix`` declarations of a Turtle file, in file order."""
    return dict(re.findall(r"^@prefix\s+([\w-]*):\s+<([^>]*)>\s*\.", text, re.MULTILINE))


def with_prefixes(text: str, needed: dict[str, str]) -> str:
    """``text`` with the ``needed`` prefixes declared, the declarations kept in alphabetical order."""
    declared = prefixes_of(text)
    missing = {p: ns for p, ns in needed.items() if p not in declared}
    if not missing:
        return text
    lines = text.split("\n")
    block = [i for i, line in enumerate(lines) if line.startswith("@prefix ")]
    merged = {**declared, **missing}
    rendered = [f"@prefix {p}: <{ns}> ." for p, ns in sorted(merged.items())]
    return "\n".join(lines[: block[0]] + rendered + lines[block[-1] + 1 :])


class Writer:
    """Terms written as prefixed names with a file's prefixes, literals as Turtle strings."""

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def iri(self, iri: str) -> str:
        for prefix, ns in self.prefixes:
            local = iri[len(ns) :]
            if iri.startswith(ns) and re.fullmatch(r"[A-Za-z0-9_]([\w.-]*[\w-])?", local or "-"):
                return f"{prefix}:{local}"
        return f"<{iri}>"

    @staticmethod
    def string(value: str) -> str:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        return '"' + escaped.replace("\t", "\\t") + '"'

    def literal(self, value: Literal) -> str:
        if value.language:
            return f"{self.string(str(value))}@{value.language}"
        if value.datatype is not None and str(value.datatype) == XSD_INTEGER:
            return str(value)
        return self.string(str(value))

    def term(self, value: object) -> str:
        return self.literal(value) if isinstance(value, Literal) else self.iri(str(value))


@dataclass
class Document:
    iri: URIRef
    slug: str
    text: str


class Annotator:
    """Reads the graph's statements and passages, anchors every quote, renders the rewritten files."""

    def __init__(self, sources_dir: Path):
        self.sources = Graph().parse(SOURCES_FILE, format="turtle")
        self.documents: dict[URIRef, Document] = {}
        for doc in self.sources.subjects(RDF.type, BKG.SourceDocument):
            assert isinstance(doc, URIRef)
            name = str(self.sources.value(doc, BKG.fileName))
            path = sources_dir / name
            if not path.is_file():
                raise AnnotationError(f"{path} is missing: the snapshot of {doc}")
            data = path.read_bytes()
            recorded = str(self.sources.value(doc, BKG.sha256))
            if sourcetext.sha256(data) != recorded:
                raise AnnotationError(f"{path} is not the snapshot the graph records (SHA-256 {recorded})")
            self.documents[doc] = Document(doc, str(doc).rsplit("/", 1)[1], data.decode("utf-8"))
        self.passages: dict[str, Passage] = {}

    def recorded_quote(self, evidence: URIRef) -> tuple[URIRef, str, int]:
        """(document, exact text, start) of a passage already in ``ontology/sources.ttl``."""
        g = self.sources
        source = g.value(evidence, OA.hasSource)
        exact = start = None
        for selector in g.objects(evidence, OA.hasSelector):
            if (selector, RDF.type, OA.TextQuoteSelector) in g:
                exact = g.value(selector, OA.exact)
            if (selector, RDF.type, OA.TextPositionSelector) in g:
                start = g.value(selector, OA.start)
        if source is None or exact is None or start is None:
            raise AnnotationError(f"{evidence} is not a passage with a quote and a position")
        assert isinstance(source, URIRef)
        return source, str(exact), int(start)

    def passage(self, source: URIRef, exact: str, near: int | None) -> Passage:
        doc = self.documents.get(source)
        if doc is None:
            raise AnnotationError(f"{source} is not a described source document")
        try:
            start, end = sourcetext.anchor(doc.text, exact, near)
        except LookupError as e:
            raise AnnotationError(f"{doc.slug}: {e}") from None
        prefix, suffix = sourcetext.context(doc.text, start, end)
        found = Passage(source, doc.slug, start, end, exact, prefix, suffix)
        self.passages[found.iri] = found
        return found

    def render_statement(self, st: Statement, w: Writer) -> str:
        """The statement in the layout of the scheme files, its locators computed from its quote."""
        subject, predicate, obj = (st.one(p) for p in (RDF.subject, RDF.predicate, RDF.object))
        grade, source = st.one(BKG.evidenceGrade), st.one(DCTERMS.source)
        if subject is None or predicate is None or obj is None:
            raise AnnotationError(f"{st.iri} does not say which triple it states")
        if grade not in GRADES:
            raise AnnotationError(f"{st.iri} has no evidence grade (bkg:stated, bkg:inferred or bkg:editorial)")
        lines = [
            f"{w.iri(str(st.iri))} a bkg:SourceStatement ;",
            f"    rdf:subject {w.term(subject)} ; rdf:predicate {w.term(predicate)} ; rdf:object {w.term(obj)} ;",
            f"    bkg:evidenceGrade {w.iri(str(grade))} ;",
        ]
        draft, evidence = st.one(OA.exact), st.one(BKG.evidence)
        if grade == BKG.editorial:
            if source is not None or draft is not None or evidence is not None:
                raise AnnotationError(f"{st.iri} is editorial but names a source or a quote")
        else:
            if not isinstance(source, URIRef):
                raise AnnotationError(f"{st.iri} is graded {grade} but names no source document")
            if draft is not None:
                near = st.one(OA.start)
                passage = self.passage(source, str(draft), int(near) if near is not None else None)
            elif isinstance(evidence, URIRef):
                doc, exact, start = self.recorded_quote(evidence)
                if doc != source:
                    raise AnnotationError(f"{st.iri} quotes {doc} but names {source} as its source")
                passage = self.passage(source, exact, start)
            else:
                raise AnnotationError(f"{st.iri} has neither a quote (oa:exact) nor evidence (bkg:evidence)")
            text = self.documents[source].text
            section = sourcetext.section_at(text, passage.start)
            cell = sourcetext.cell_at(text, passage.start, passage.end)
            lines.append(f"    dcterms:source {w.iri(str(source))} ;")
            lines.append(f"    bkg:evidence {w.iri(passage.iri)} ;")
            if section is not None:
                lines.append(f"    bkg:section {w.string(section)} ;")
            if cell is not None:
                lines.append(f"    bkg:tableRow {w.string(cell[0])} ; bkg:tableColumn {w.string(cell[1])} ;")
            lines.append(f"    bkg:excerpt {w.string(sourcetext.excerpt(passage.exact, cell))} ;")
        note = st.one(SKOS.editorialNote)
        if note is not None:
            lines.append(f"    skos:editorialNote {w.term(note)} ;")
        lines[-1] = lines[-1][: -len(" ;")] + " ."
        return "\n".join(lines)

    def render_scheme(self, path: Path) -> str:
        text = with_prefixes(path.read_text(encoding="utf-8"), NEEDED_PREFIXES)
        head, marker, _tail = text.partition(STATEMENTS_MARKER)
        if not marker:
            raise AnnotationError(f"{path.name} has no line '{STATEMENTS_MARKER}'")
        graph = Graph().parse(data=text, format="turtle")
        w = Writer(prefixes_of(text))
        order = re.findall(r"^(\S+) a bkg:SourceStatement\b", _tail, re.MULTILINE)
        blocks = []
        for name in order:
            iri = URIRef(self.expand(name, prefixes_of(text)))
            st = Statement(iri, [(p, o) for p, o in graph.predicate_objects(iri)])
            blocks.append(self.render_statement(st, w))
        return head + marker + "\n\n" + "\n\n".join(blocks) + "\n"

    @staticmethod
    def expand(name: str, prefixes: dict[str, str]) -> str:
        if name.startswith("<"):
            return name[1:-1]
        prefix, _, local = name.partition(":")
        return prefixes[prefix] + local

    def render_sources(self) -> str:
        text = with_prefixes(SOURCES_FILE.read_text(encoding="utf-8"), NEEDED_PREFIXES)
        head = text.split(PASSAGES_MARKER, 1)[0].rstrip("\n")
        w = Writer(prefixes_of(text))
        blocks = []
        for p in sorted(self.passages.values(), key=lambda p: (p.slug, p.start, p.end)):
            quote, position = w.iri(p.iri + "-quote"), w.iri(p.iri + "-position")
            blocks.append(
                f"{w.iri(p.iri)} a oa:SpecificResource ;\n"
                f"    oa:hasSource {w.iri(str(p.source))} ;\n"
                f"    oa:hasSelector {quote} , {position} .\n\n"
                f"{quote} a oa:TextQuoteSelector ;\n"
                f"    oa:exact {w.string(p.exact)} ;\n"
                f"    oa:prefix {w.string(p.prefix)} ;\n"
                f"    oa:suffix {w.string(p.suffix)} .\n\n"
                f"{position} a oa:TextPositionSelector ;\n"
                f"    oa:start {p.start} ;\n"
                f"    oa:end {p.end} ."
            )
        return head + "\n\n" + PASSAGES_HEADER + "\n" + "\n\n".join(blocks) + "\n"

    def run(self) -> dict[Path, str]:
        """The new text of every file that holds statements or passages."""
        out = {path: self.render_scheme(path) for path in SCHEMES}
        out[SOURCES_FILE] = self.render_sources()
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the files would change, write nothing")
    parser.add_argument("--mint", nargs="+", metavar="IRI", help="print the IRI of a new statement and exit")
    args = parser.parse_args(argv)
    if args.mint:
        print(mint(*args.mint))
        return 0
    directory = sourcetext.sources_dir()
    if directory is None:
        print(f"set {sourcetext.SOURCES_ENV} to the directory of the source snapshots", file=sys.stderr)
        return 2
    try:
        files = Annotator(directory).run()
    except AnnotationError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    changed = [path for path, text in files.items() if path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in changed:
            print(f"would change: {path.relative_to(ROOT)}")
        return 1 if changed else 0
    for path in changed:
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
