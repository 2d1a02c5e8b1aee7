"""The content as a whole: every concept labelled, defined and sourced; every relation traceable; clean text."""

from __future__ import annotations

import re

CONCEPTS = """
SELECT DISTINCT ?c WHERE {
  ?c a ?k . ?k rdfs:subClassOf+ skos:Concept .
  FILTER(STRSTARTS(STR(?c), "https://w3id.org/backendkg/"))
}"""


def concepts(kg) -> list[str]:
    return [row["c"].value for row in kg.select(CONCEPTS)]


def test_every_concept_has_one_english_label_a_definition_a_scheme_and_a_source(kg):
    problems = []
    for c in concepts(kg):
        labels = kg.select(f"SELECT ?l WHERE {{ <{c}> skos:prefLabel ?l }}")
        if len(labels) != 1 or labels[0]["l"].language != "en":
            problems.append((c, "prefLabel"))
        if not kg.ask(f"ASK {{ <{c}> skos:definition ?d FILTER(LANG(?d) = 'en' && STRLEN(?d) > 20) }}"):
            problems.append((c, "definition"))
        if not kg.ask(f"ASK {{ <{c}> skos:inScheme ?s . ?s a skos:ConceptScheme }}"):
            problems.append((c, "scheme"))
        if not kg.ask(f"ASK {{ <{c}> dcterms:source ?d . ?d a bkg:SourceDocument }}"):
            problems.append((c, "source"))
        if not kg.ask(f"ASK {{ ?st rdf:subject <{c}> ; rdf:predicate rdf:type ; dcterms:source ?d ; bkg:excerpt ?e }}"):
            problems.append((c, "mention with a locator"))
    assert problems == []


def test_no_two_concepts_share_a_definition(kg):
    shared = kg.select(
        "SELECT ?d WHERE { ?a skos:definition ?d . ?b skos:definition ?d "
        'FILTER(?a != ?b && STRSTARTS(STR(?a), "https://w3id.org/backendkg/")) }'
    )
    assert shared == []


def test_the_minimum_counts_of_the_content(kg):
    def count(cls: str) -> int:
        return int(
            kg.select(f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a/rdfs:subClassOf* {cls} }}")[0]["n"].value
        )

    assert count("bkg:Role") >= 10
    assert count("bkg:Skill") + count("bkg:Technology") >= 60
    assert count("bkg:Responsibility") >= 25
    assert count("bkg:Industry") == 5
    assert count("bkg:SourceDocument") == 4


def test_every_relation_between_concepts_is_traceable_to_a_quote_or_graded_editorial(kg):
    """Every triple of a backendkg relation between concepts, and every skos:broader and skos:related, has a
    statement of its own: one that quotes the document that supports it, or an editorial one with its reason.
    (The quality check relation-without-source also accepts statements of sub-properties and inverses.)"""
    untraced = kg.select("""
        SELECT ?s ?p ?o WHERE {
          ?s ?p ?o .
          { ?p a owl:ObjectProperty ; rdfs:isDefinedBy <https://w3id.org/backendkg/ontology> .
            FILTER NOT EXISTS { ?p rdfs:domain bkg:SourceStatement } }
          UNION { VALUES ?p { skos:broader skos:related } FILTER NOT EXISTS { ?s bkg:specialises ?o } }
          FILTER NOT EXISTS {
            ?st a bkg:SourceStatement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; bkg:evidenceGrade ?g .
            FILTER(?g = bkg:editorial || EXISTS {
              ?st dcterms:source ?doc ; bkg:evidence ?passage ; bkg:excerpt ?excerpt .
              ?doc a bkg:SourceDocument . ?passage oa:hasSource ?doc .
            })
          }
        }""")
    assert untraced == []


def test_every_source_statement_states_a_triple_that_is_in_the_graph(kg):
    dangling = kg.select("""
        SELECT ?st WHERE {
          ?st a bkg:SourceStatement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
          FILTER NOT EXISTS { ?s ?p ?o }
        }""")
    assert dangling == []


def test_eight_specialisations_of_the_table_keep_expertise_and_responsibilities(kg):
    rows = kg.select("""
        SELECT ?role (COUNT(DISTINCT ?r) AS ?n) WHERE {
          ?st rdf:subject ?role ; rdf:predicate bkg:hasResponsibility ; rdf:object ?r ;
              bkg:section "Backend Dev Experts: Behind the Scenes" .
        } GROUP BY ?role""")
    assert len(rows) == 8


def test_specialisations_are_also_narrower_concepts(kg):
    assert kg.select("SELECT ?r WHERE { ?r bkg:specialises ?b FILTER NOT EXISTS { ?r skos:broader ?b } }") == []


MOJIBAKE = re.compile("[\u0e00-\u0e7f\ufffd\u00c3\u00e2\u20ac]")


def test_text_is_clean(kg):
    """Every text is free of broken characters and stray spaces, except the exact quotes of the snapshots
    (oa:exact, oa:prefix, oa:suffix), which keep the text as the snapshot has it."""
    bad = []
    for row in kg.select(
        "SELECT ?s ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) && ?p NOT IN (oa:exact, oa:prefix, oa:suffix)) }"
    ):
        text = row["o"].value
        if MOJIBAKE.search(text) or text != text.strip() or "  " in text:
            bad.append((row["s"].value, text))
    assert bad == []


def test_misspellings_of_the_sources_are_only_hidden_labels(kg):
    rows = kg.select('SELECT ?p WHERE { ?c ?p "II Servers"@en }')
    assert [r["p"].value for r in rows] == ["http://www.w3.org/2004/02/skos/core#hiddenLabel"]
