"""Provenance against the source documents: every quote is the snapshot's text where the graph says it is, the
section and table cell are the ones over it, every relation has a statement and every grade follows its rule.

The snapshots are not in the repository (the documents are published without a licence): the tests that read
them take their directory from the environment variable ``BACKENDKG_SOURCES_DIR`` (``.ci/run`` sets it) and are
skipped, with the reason, when it is not set. Once it is set, a missing snapshot or one whose SHA-256 differs
from the one the graph records is a failure.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from backendkg.validation import checks as _shacl_checks

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import sourcetext


@dataclass(frozen=True)
class Quote:
    """A statement that quotes its document, with the passage it quotes."""

    statement: str
    document: str
    passage: str
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int
    section: str | None
    row: str | None
    column: str | None
    excerpt: str


QUOTES = """
SELECT ?statement ?document ?passage ?exact ?prefix ?suffix ?start ?end ?section ?row ?column ?excerpt WHERE {
  ?statement a bkg:SourceStatement ; dcterms:source ?document ; bkg:evidence ?passage ; bkg:excerpt ?excerpt .
  ?passage oa:hasSource ?document ; oa:hasSelector ?quote , ?position .
  ?quote a oa:TextQuoteSelector ; oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix .
  ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  OPTIONAL { ?statement bkg:section ?section }
  OPTIONAL { ?statement bkg:tableRow ?row }
  OPTIONAL { ?statement bkg:tableColumn ?column }
}"""


def quotes(kg) -> list[Quote]:
    found = []
    for row in kg.select(QUOTES):
        value = {k: (v.value if v is not None else None) for k, v in row.items()}
        found.append(
            Quote(
                **{k: value.get(k) for k in ("statement", "document", "passage", "exact", "prefix", "suffix")},
                start=int(value["start"]),
                end=int(value["end"]),
                section=value.get("section"),
                row=value.get("row"),
                column=value.get("column"),
                excerpt=value["excerpt"],
            )
        )
    return found


@pytest.fixture(scope="module")
def snapshots(kg) -> dict[str, str]:
    """The text of every source document, read from ``BACKENDKG_SOURCES_DIR`` and checked against the graph."""
    directory = sourcetext.sources_dir()
    if directory is None:
        pytest.skip(
            f"{sourcetext.SOURCES_ENV} is not set: set it to the directory of the source snapshots "
            "(.ci/run uses ../shared/seeds) to check the quotes against them"
        )
    texts = {}
    rows = kg.select(
        "SELECT ?doc ?file ?sha ?size WHERE { ?doc a bkg:SourceDocument ; bkg:fileName ?file ; "
        "bkg:sha256 ?sha ; bkg:byteSize ?size }"
    )
    assert len(rows) == 4
    for row in rows:
        path = directory / row["file"].value
        assert path.is_file(), f"{path}: the snapshot of {row['doc'].value} is missing from {sourcetext.SOURCES_ENV}"
        data = path.read_bytes()
        assert sourcetext.sha256(data) == row["sha"].value, f"{path} is not the snapshot the graph records"
        assert len(data) == int(row["size"].value), f"{path} is not the size the graph records"
        texts[row["doc"].value] = data.decode("utf-8")
    return texts


def test_every_documented_statement_has_one_complete_quote(kg):
    documented = kg.select(
        "SELECT ?st WHERE { ?st a bkg:SourceStatement ; bkg:evidenceGrade ?g FILTER(?g != bkg:editorial) }"
    )
    assert len({q.statement for q in quotes(kg)}) == len(documented) > 400
    assert len({q.statement for q in quotes(kg)}) == len(quotes(kg)), "a statement with two quotes or selectors"


def test_every_quote_is_the_snapshot_text_at_its_position(kg, snapshots):
    wrong = []
    passages = {}
    for q in quotes(kg):
        passages[q.passage] = q
    for q in passages.values():
        text = snapshots[q.document]
        if text[q.start : q.end] != q.exact:
            wrong.append((q.passage, "exact", text[q.start : q.end], q.exact))
        if text[max(0, q.start - len(q.prefix)) : q.start] != q.prefix:
            wrong.append((q.passage, "prefix", q.prefix))
        if text[q.end : q.end + len(q.suffix)] != q.suffix:
            wrong.append((q.passage, "suffix", q.suffix))
        if text.count(q.prefix + q.exact + q.suffix) != 1:
            wrong.append((q.passage, "the quote with its context does not occur once"))
        if q.passage != f"https://w3id.org/backendkg/passage/{q.document.rsplit('/', 1)[1]}-{q.start}-{q.end}":
            wrong.append((q.passage, "the IRI does not name the document and the position"))
    assert wrong == []
    assert len(passages) > 100


def test_the_section_is_the_heading_over_the_quote_and_the_cell_is_the_one_it_is_in(kg, snapshots):
    wrong = []
    for q in quotes(kg):
        text = snapshots[q.document]
        if q.section != sourcetext.section_at(text, q.start):
            wrong.append((q.statement, q.section, sourcetext.section_at(text, q.start)))
        cell = sourcetext.cell_at(text, q.start, q.end)
        if (q.row, q.column) != (cell or (None, None)):
            wrong.append((q.statement, (q.row, q.column), cell))
    assert wrong == []


def test_the_excerpt_is_the_quote_mended(kg):
    wrong = [
        (q.statement, q.excerpt)
        for q in quotes(kg)
        if q.excerpt
        != sourcetext.excerpt(q.exact, (q.row, q.column) if q.row is not None and q.column is not None else None)
    ]
    assert wrong == []


def test_the_heading_function_reads_headings_tables_and_lists():
    text = (
        "Title of the page\nLast Updated on 2024-10-11\nWhat they do\nThey write code. They test it.\n"
        "A developer is responsible for:\n- writing code\n- testing it.\n"
        "The table of roles:\nRole\nSkill\nDuty\nTester\nTesting\nFinding bugs\nCoder\nCoding\nWriting code\n"
        "After the table, a sentence that is long enough not to be a heading.\nDone!"
    )
    assert sourcetext.section_at(text, 0) == "Title of the page"
    assert sourcetext.section_at(text, text.index("2024")) == "Title of the page"
    assert sourcetext.section_at(text, text.index("They test")) == "What they do"
    assert sourcetext.section_at(text, text.index("testing it")) == "What they do"
    assert sourcetext.section_at(text, text.index("Finding bugs")) == "What they do"
    start = text.index("Finding bugs")
    assert sourcetext.cell_at(text, start, start + len("Finding bugs")) == ("Tester", "Duty")
    start = text.index("Coder")
    assert sourcetext.cell_at(text, start, start + 5) == ("Coder", "Role")
    assert sourcetext.cell_at(text, 0, 5) is None
    with pytest.raises(ValueError, match="more than one table cell"):
        sourcetext.cell_at(text, text.index("Tester"), text.index("Testing") + 3)
    assert sourcetext.excerpt("Finding bugs", ("Tester", "Duty")) == "Tester — Duty: Finding bugs"
    assert sourcetext.excerpt("Coder", ("Coder", "Role")) == "Role: Coder"
    assert sourcetext.readable("  • Create and Manage DatabasesBack-end weโve\n the II Servers") == (
        "Create and Manage Databases: Back-end we’ve the IIS servers"
    )


def test_a_quote_is_anchored_only_where_it_is_unambiguous():
    text = "one two one"
    assert sourcetext.anchor(text, "two") == (4, 7)
    assert sourcetext.anchor(text, "one", near=9) == (8, 11)
    with pytest.raises(LookupError, match="occurs 2 times"):
        sourcetext.anchor(text, "one")
    with pytest.raises(LookupError, match="does not occur"):
        sourcetext.anchor(text, "three")
    assert sourcetext.context("ab one cd one", 3, 6) == ("ab ", " cd one")


# ----------------------------------------------------------------------------------------- statements and grades


RELATIONS = _shacl_checks.parse(_shacl_checks.QC_DIR / "relation-without-source-violation.rq")


def test_every_relation_between_concepts_has_a_statement_or_is_editorial(kg):
    assert _shacl_checks.run(kg.store, RELATIONS) == []


def test_every_statement_has_one_of_the_three_grades(kg):
    rows = kg.select(
        "SELECT ?st (COUNT(?g) AS ?n) (SAMPLE(?g) AS ?grade) WHERE { ?st a bkg:SourceStatement . "
        "OPTIONAL { ?st bkg:evidenceGrade ?g } } GROUP BY ?st"
    )
    grades = {"stated", "inferred", "editorial"}
    bad = [r["st"].value for r in rows if int(r["n"].value) != 1 or r["grade"].value.rsplit("#", 1)[1] not in grades]
    assert bad == []


def test_stated_and_inferred_statements_quote_their_own_document(kg):
    bad = kg.select("""
        SELECT ?st WHERE {
          ?st a bkg:SourceStatement ; bkg:evidenceGrade ?g .
          FILTER(?g IN (bkg:stated, bkg:inferred))
          FILTER NOT EXISTS {
            ?st dcterms:source ?doc ; bkg:evidence ?p . ?p oa:hasSource ?doc . ?doc a bkg:SourceDocument
          }
        }""")
    assert bad == []


def test_inferred_and_editorial_statements_say_why_and_stated_ones_need_not(kg):
    bad = kg.select("""
        SELECT ?st ?g WHERE {
          ?st a bkg:SourceStatement ; bkg:evidenceGrade ?g .
          OPTIONAL { ?st skos:editorialNote ?note }
          FILTER((?g = bkg:stated && BOUND(?note)) || (?g != bkg:stated && (!BOUND(?note) || LANG(?note) != "en"
                 || STRLEN(?note) < 30)))
        }""")
    assert bad == []


def test_editorial_statements_credit_no_document(kg):
    bad = kg.select("""
        SELECT ?st WHERE {
          ?st bkg:evidenceGrade bkg:editorial .
          FILTER EXISTS { ?st dcterms:source|bkg:evidence|bkg:section|bkg:excerpt|bkg:tableRow ?x }
        }""")
    assert bad == []


#: Words with which a quote makes a skill or technology desirable rather than core, or names it as an example.
OPTIONAL_CUES = re.compile(
    r"\b(preferable|desirable|great addition|nice to have|such as|like|examples?|for instance|e\.g\.|"
    r"some of the|a few of the)\b",
    re.IGNORECASE,
)
#: Words with which a quote makes a skill or technology desirable rather than core.
PREFERENCE_CUES = re.compile(r"\b(preferable|desirable|great addition|nice to have|would be)\b", re.IGNORECASE)
#: Examples offered as alternatives: "such as X or Y", "like X, Y, or Z".
ALTERNATIVES = re.compile(r"\b(such as|like)\b[^.]*\bor\b", re.IGNORECASE)


def graded(kg, predicates: str) -> list[tuple[str, str, str]]:
    rows = kg.select(f"""
        SELECT ?st ?object ?excerpt WHERE {{
          ?st bkg:evidenceGrade bkg:stated ; rdf:predicate ?p ; rdf:object ?object ; bkg:excerpt ?excerpt .
          VALUES ?p {{ {predicates} }}
        }}""")
    return [(r["st"].value, r["object"].value, r["excerpt"].value) for r in rows]


def test_essential_and_optional_follow_the_readme_rule(kg):
    """A stated optional skill or technology has a quote that calls it preferable or desirable or names it as
    an example; a stated essential one has a quote that does neither call it preferable nor offer it as one of
    alternatives ("such as X or Y"). Anything else is graded inferred, with a note."""
    optional = graded(kg, "bkg:requiresOptionalSkill bkg:usesOptionalTechnology")
    essential = graded(kg, "bkg:requiresEssentialSkill bkg:usesEssentialTechnology")
    assert optional and essential
    assert [o for o in optional if not OPTIONAL_CUES.search(o[2])] == []
    assert [e for e in essential if PREFERENCE_CUES.search(e[2]) or ALTERNATIVES.search(e[2])] == []


def test_no_two_concepts_share_a_label(kg):
    """No preferred, alternative or hidden label (ignoring case) belongs to two concepts."""
    rows = kg.select("""
        SELECT ?c ?label WHERE {
          ?c a ?k ; skos:prefLabel|skos:altLabel|skos:hiddenLabel ?label . ?k rdfs:subClassOf* skos:Concept .
          FILTER(STRSTARTS(STR(?c), "https://w3id.org/backendkg/"))
        }""")
    owners: dict[str, set[str]] = {}
    for row in rows:
        owners.setdefault(row["label"].value.casefold(), set()).add(row["c"].value)
    assert {label: sorted(cs) for label, cs in owners.items() if len(cs) > 1} == {}
