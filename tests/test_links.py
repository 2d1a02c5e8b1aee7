"""The linksets to ESCO, ISCO-08, O*NET-SOC and Wikidata: every identifier verified, every relation justified,
every count exact; the crosswalk competency questions and the ``links`` command."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from backendkg._paths import ONTOLOGY_DIR, QUERIES_DIR
from backendkg.cli import cli
from backendkg.graph import links
from backendkg.graph import store as kg_module
from backendkg.namespaces import BASE, GRAPH
from backendkg.queries import named as queries

REFERENCE = Path(__file__).parent / "data" / "reference" / "external-links.csv"
LINKS_DIR = ONTOLOGY_DIR / "links"

SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
CATEGORY = SCHEMA + "occupationalCategory"
MAPPINGS = {SKOS + n for n in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")}

#: The vocabularies of the linksets, as the reference table names them.
VOCABULARY_OF_ROW = {
    "ESCO occupation": "esco",
    "ESCO skill/knowledge": "esco",
    "ISCO-08 (ESCO ISCO scheme)": "isco",
    "O*NET-SOC 2019": "onet",
    "Wikidata": "wikidata",
}

#: Any IRI in one of these spaces is an identifier of ESCO (with its ISCO-08 scheme), O*NET or Wikidata,
#: whatever its form; the ESCO model's own terms (http://data.europa.eu/esco/model#...) are not identifiers.
EXTERNAL = re.compile(
    r"^https?://(data\.europa\.eu/esco/(?!model#)|(www\.)?wikidata\.org/|(www\.)?onetonline\.org/|(www\.)?onetcenter\.org/)"
)

#: The backendkg concept(s), with their preferred labels, that each concept of the reference table stands for.
#: Rows whose concept is not in this table (C#, Docker, Kubernetes, Apache Tomcat, GitHub, Git, backups,
#: debugging, API usage, the context-only rows) have no backendkg counterpart and must stay unlinked.
CONCEPTS: dict[str, dict[str, str]] = {
    "Backend Developer": {"role/backend-developer": "backend developer"},
    "Database Developer": {"role/database-developer": "database developer"},
    "DevOps Developer": {"role/devops-developer": "DevOps developer"},
    "Full Stack Developer": {"role/full-stack-developer": "full stack developer"},
    "Integration Developer": {"role/integration-developer": "integration developer"},
    "Security Developer": {"role/security-developer": "security developer"},
    "Software Architect": {"role/software-architect": "software architect"},
    "Systems Developer": {"role/systems-developer": "systems developer"},
    "Web Services Developer": {"role/web-services-developer": "web services developer"},
    "API Developer": {"role/api-developer": "API developer"},
    "Python": {"technology/python": "Python"},
    "Java": {"technology/java": "Java"},
    "PHP": {"technology/php": "PHP"},
    "Ruby": {"technology/ruby": "Ruby"},
    "JavaScript": {"technology/javascript": "JavaScript"},
    ".NET": {"technology/dotnet": ".NET"},
    "SQL": {"technology/sql": "SQL"},
    "NoSQL": {"technology/nosql-database": "NoSQL database"},
    "MySQL": {"technology/mysql": "MySQL"},
    "PostgreSQL": {"technology/postgresql": "PostgreSQL"},
    "MongoDB": {"technology/mongodb": "MongoDB"},
    "Oracle Database": {"technology/oracle-database": "Oracle Database"},
    "Microsoft SQL Server": {"technology/microsoft-sql-server": "Microsoft SQL Server"},
    "Nginx": {"technology/nginx": "Nginx"},
    "Apache HTTP Server": {"technology/apache-http-server": "Apache HTTP Server"},
    "Django": {"technology/django": "Django"},
    "Flask": {"technology/flask": "Flask"},
    "Laravel": {"technology/laravel": "Laravel"},
    "Ruby on Rails": {"technology/ruby-on-rails": "Ruby on Rails"},
    "REST": {"technology/rest": "REST"},
    "GraphQL": {"technology/graphql": "GraphQL"},
    "Version control / Git": {"technology/version-control-system": "version control system"},
    "REST / web services": {"technology/rest": "REST", "skill/web-services": "web services development"},
    "Web services / SOA": {"skill/web-services": "web services development"},
    "Cloud": {"technology/cloud-computing": "cloud computing"},
    "API design": {"skill/api-design": "API design and development"},
    "Database management": {"skill/database-management": "database management"},
    "Database design": {"skill/database-design": "database design"},
    "Security": {
        "skill/web-application-security": "web application security",
        "skill/data-security": "data security",
    },
    "DevOps": {"skill/devops-automation": "software delivery and operations automation"},
    "Communication": {"skill/communication": "communication"},
    "Teamwork": {"skill/teamwork": "teamwork"},
    "Problem solving": {"skill/problem-solving": "problem solving"},
    "Software design": {
        "skill/design-patterns": "design patterns",
        "skill/software-architecture": "software architecture",
    },
    "Caching (Redis)": {"skill/caching": "caching"},
    # ISCO-08 groups: the roles whose ESCO occupation belongs to the group.
    "Integration/Systems Developer (ESCO parents)": {
        "role/integration-developer": "integration developer",
        "role/systems-developer": "systems developer",
    },
    "Backend Developer / Software Architect (ESCO parents)": {
        "role/backend-developer": "backend developer",
        "role/software-architect": "software architect",
        # ESCO software developer, the broader occupation of the API developer, is in group 2512.
        "role/api-developer": "API developer",
    },
    "Web developer roles": {
        "role/full-stack-developer": "full stack developer",
        "role/web-services-developer": "web services developer",
    },
    "Security Developer (ESCO security occupations)": {"role/security-developer": "security developer"},
    "Software QA (context)": {"role/software-tester": "software tester"},
    # Wikidata occupations and fields of work, for the role (and the skill) they describe.
    "software developer (occupation)": {"role/backend-developer": "backend developer"},
    "programmer (occupation)": {"role/backend-developer": "backend developer"},
    "software development (field)": {
        "role/backend-developer": "backend developer",
        "skill/backend-development": "backend development",
    },
    "web development (field)": {
        "role/backend-developer": "backend developer",
        "skill/backend-development": "backend development",
    },
}

#: Links whose relation is not the one the reference table suggests, or for which it suggests none, and why.
#: Each one also has a ``#`` comment on the line before its triple in the linkset file.
RELATION_CHOICES: dict[tuple[str, str], tuple[str, str]] = {
    **{
        (role, "http://data.europa.eu/esco/isco/" + group): (
            "broadMatch",
            "no suggestion for ISCO-08 groups; a unit group is broader than the roles in it, as ESCO's "
            "memberOfISCOGroup is a sub-property of skos:broadMatch",
        )
        for role, group in [
            ("role/backend-developer", "C2512"),
            ("role/integration-developer", "C2511"),
            ("role/systems-developer", "C2511"),
            ("role/database-developer", "C2521"),
            ("role/full-stack-developer", "C2513"),
            ("role/web-services-developer", "C2513"),
        ]
    },
    ("role/security-developer", "http://data.europa.eu/esco/isco/C2529"): (
        "relatedMatch",
        "no suggestion; the role's ESCO occupations in 2529 are themselves only related matches",
    ),
    ("role/software-tester", "https://www.onetonline.org/link/summary/15-1253.00"): (
        "closeMatch",
        "no suggestion (context row); the O*NET occupation covers software testers and QA analysts",
    ),
    ("skill/devops-automation", "http://data.europa.eu/esco/skill/f0de4973-0a70-4644-8fd4-3a97080476f4"): (
        "closeMatch",
        "exactMatch suggested; the skill is the automation side of DevOps, not the whole approach",
    ),
    ("role/backend-developer", "http://www.wikidata.org/entity/Q183888"): (
        "broadMatch",
        "closeMatch suggested, noting that software developer is broader; broadMatch as for ESCO software developer",
    ),
    ("skill/backend-development", "http://www.wikidata.org/entity/Q638608"): (
        "broadMatch",
        "relatedMatch suggested for the role; backend development is a part of software development",
    ),
    ("skill/backend-development", "http://www.wikidata.org/entity/Q386275"): (
        "broadMatch",
        "relatedMatch suggested for the role; backend development is the server-side part of web development",
    ),
}

#: Links per vocabulary: SKOS mapping triples only (schema:occupationalCategory repeats ISCO and O*NET links).
EXPECTED_COUNTS = {"esco": 52, "isco": 7, "onet": 15, "wikidata": 27}
#: The roles' occupational categories: the ISCO-08 groups and O*NET-SOC occupations they fall within.
EXPECTED_CATEGORIES = {
    "role/api-developer": {"isco/C2512", "onet/15-1252.00"},
    "role/backend-developer": {"isco/C2512", "onet/15-1252.00", "onet/15-1254.00"},
    "role/database-developer": {"isco/C2521", "onet/15-1243.00"},
    "role/devops-developer": {"onet/15-1252.00"},
    "role/full-stack-developer": {"isco/C2513", "onet/15-1252.00", "onet/15-1254.00"},
    "role/integration-developer": {"isco/C2511", "onet/15-1252.00"},
    "role/security-developer": {"onet/15-1299.05"},
    "role/software-architect": {"isco/C2512", "onet/15-1252.00"},
    "role/software-tester": {"onet/15-1253.00"},
    "role/systems-developer": {"isco/C2511", "onet/15-1299.08"},
    "role/web-services-developer": {"isco/C2513", "onet/15-1254.00"},
}


@dataclass(frozen=True)
class Row:
    concept: str
    vocabulary: str
    uri: str
    label: str
    relation: str | None  # full SKOS IRI, or None where the table suggests none


def _reference() -> list[Row]:
    rows = []
    with REFERENCE.open(encoding="utf-8", newline="") as f:
        for raw in csv.DictReader(f):
            if raw["verified"] != "yes" or raw["vocabulary"] not in VOCABULARY_OF_ROW:
                continue
            rel = re.match(r"rel=skos:(\w+)", raw["source"])
            rows.append(
                Row(
                    concept=raw["concept_label"],
                    vocabulary=VOCABULARY_OF_ROW[raw["vocabulary"]],
                    uri=raw["external_uri"],
                    label=raw["external_label"],
                    relation=SKOS + rel.group(1) if rel else None,
                )
            )
    return rows


ROWS = _reference()
VERIFIED = {row.uri for row in ROWS}


def _short(iri: str) -> str:
    return iri.removeprefix(BASE)


def _triples(kg, graph: str | None = None) -> list[tuple[str, str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
    g = ox.NamedNode(graph) if graph else None
    return [(q.subject.value, q.predicate.value, q.object) for q in kg.store.quads_for_pattern(None, None, None, g)]


def _links(kg) -> list[tuple[str, str, str]]:
    """Every triple from a backendkg IRI to an external identifier, whatever its predicate."""
    return sorted(
        {
            (s, p, o.value)
            for s, p, o in _triples(kg)
            if isinstance(o, ox.NamedNode) and EXTERNAL.match(o.value) and s.startswith(BASE)
        }
    )


def _linkset_graphs(kg) -> dict[str, str]:
    return {f.path.stem: f.graph for f in kg.files if f.path.parent == LINKS_DIR}


# --------------------------------------------------------------------------------------------------- reference


def test_reference_table_has_the_verified_rows_of_the_four_vocabularies():
    counts = Counter(row.vocabulary for row in ROWS)
    assert counts == {"esco": 55, "isco": 11, "onet": 21, "wikidata": 31}
    assert all(row.uri for row in ROWS)


def test_one_linkset_file_per_vocabulary(kg):
    assert sorted(_linkset_graphs(kg)) == ["esco", "isco", "onet", "wikidata"]
    for name, graph in _linkset_graphs(kg).items():
        assert graph == f"{GRAPH}links/{name}"


# ------------------------------------------------------------------------------------------------------ guards


def test_every_external_identifier_is_a_verified_row(kg):
    seen = set()
    for quad in kg.store:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and EXTERNAL.match(term.value):
                seen.add(term.value)
    unknown = sorted(seen - VERIFIED)
    assert not unknown, f"identifiers not in a verified row of the reference table: {unknown}"
    assert len(seen) >= 60


def test_guard_catches_an_unverified_identifier():
    # The guard's pattern catches every form of the four vocabularies' IRIs, not just the canonical ones.
    for iri in (
        "http://data.europa.eu/esco/skill/4c016b68-4116-468c-9dc6-42710c239e4a",
        "https://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1",
        "http://data.europa.eu/esco/isco/C2519",
        "https://www.wikidata.org/wiki/Q28865",
        "http://www.wikidata.org/entity/Q3589290",
        "https://www.onetonline.org/link/summary/15-1251.00",
    ):
        assert EXTERNAL.match(iri), iri
    assert "http://www.wikidata.org/entity/Q3589290" not in VERIFIED  # a rejected QID
    assert not EXTERNAL.match("http://data.europa.eu/esco/model#relatedEssentialSkill")


def test_every_link_is_a_row_of_the_reference_table_with_its_relation(kg):
    used_choices = set()
    for s, p, o in _links(kg):
        if p == CATEGORY:
            continue
        assert p in MAPPINGS, f"{_short(s)} {p} {o}: only SKOS mapping properties link to external vocabularies"
        subject = _short(s)
        rows = [row for row in ROWS if row.uri == o and subject in CONCEPTS.get(row.concept, {})]
        assert rows, f"{subject} -> {o}: no verified row of the reference table links this concept to it"
        if (subject, o) in RELATION_CHOICES:
            expected = SKOS + RELATION_CHOICES[subject, o][0]
            assert all(row.relation != p for row in rows), f"{subject} -> {o} follows the table: drop its exception"
            used_choices.add((subject, o))
        else:
            suggested = {row.relation for row in rows}
            assert None not in suggested, f"{subject} -> {o}: the table suggests no relation; add it to the choices"
            expected = rows[0].relation
        assert p == expected, f"{subject} {p} {o}: expected {expected}"
    assert used_choices == set(RELATION_CHOICES), "relation choices that no link uses"


def test_each_concept_has_at_most_one_relation_to_an_identifier(kg):
    pairs = Counter((s, o) for s, p, o in _links(kg) if p in MAPPINGS)
    assert [pair for pair, n in pairs.items() if n > 1] == []


def test_relation_choices_are_commented_in_the_linkset_files():
    prefixes = {
        "http://data.europa.eu/esco/isco/": "isco:",
        "https://www.onetonline.org/link/summary/": "onet:",
        "http://www.wikidata.org/entity/": "wd:",
    }
    lines = [line for path in sorted(LINKS_DIR.glob("*.ttl")) for line in path.read_text("utf-8").splitlines()]
    for (subject, external), (relation, _why) in RELATION_CHOICES.items():
        written = next((prefixes[ns] + external[len(ns) :] for ns in prefixes if external.startswith(ns)), None)
        written = written or f"<{external}>"
        kind, slug = subject.split("/")
        triple = f"{'tech' if kind == 'technology' else kind}:{slug} skos:{relation} {written} ."
        assert triple in lines, triple
        # The comment is on the lines just above the triple, or above the run of triples it opens.
        at = lines.index(triple)
        while at > 0 and lines[at - 1] and not lines[at - 1].startswith("#"):
            at -= 1
        comment = []
        while at > 0 and lines[at - 1].startswith("# "):
            at -= 1
            comment.insert(0, lines[at])
        assert relation in " ".join(comment), f"no comment saying why {relation}: {triple}"


def test_link_subjects_are_backendkg_concepts_with_the_mapped_labels(kg):
    # The ontology's subclass axioms are not inferred: a concept is anything typed with a backendkg class.
    labels: dict[str, set[str]] = {}
    for row in kg.select(
        """SELECT ?c ?l WHERE {
             ?c a ?k ; skos:prefLabel|skos:altLabel ?l
             FILTER(STRSTARTS(STR(?k), STR(bkg:)) && LANGMATCHES(LANG(?l), "en")) }"""
    ):
        labels.setdefault(_short(row["c"].value), set()).add(row["l"].value)
    for concept, mapped in CONCEPTS.items():
        for iri, label in mapped.items():
            assert label in labels.get(iri, ()), f"{concept!r} maps to {iri}, labelled {labels.get(iri)}"
    for s, _p, _o in _links(kg):
        assert _short(s) in labels, f"{s} is not a described backendkg concept"


def test_unresolved_concepts_stay_unlinked(kg):
    # verified=no rows: no identifier was confirmed for these concepts in these vocabularies.
    unresolved = {
        "technology/microsoft-iis": "wikidata",
        "technology/cakephp": "wikidata",
        "technology/soap": "wikidata",
        "technology/nosql-database": "wikidata",
        "skill/devops-automation": "wikidata",
        "technology/nginx": "esco",
        "technology/django": "esco",
        "technology/graphql": "esco",
        "skill/caching": "esco",
    }
    by_concept = {(link.concept.removeprefix(BASE), link.vocabulary) for link in links.crosswalk(kg)}
    for concept, vocabulary in unresolved.items():
        assert (concept, vocabulary) not in by_concept, concept
    full_stack = {link.relation for link in links.crosswalk(kg, vocabulary="esco") if "full-stack" in link.concept}
    assert full_stack == {SKOS + "broadMatch"}


def test_external_labels_are_those_of_the_reference_table(kg):
    labelled = Counter()
    for s, p, o in _triples(kg):
        if p == "http://www.w3.org/2000/01/rdf-schema#label" and EXTERNAL.match(s):
            labelled[s] += 1
            assert isinstance(o, ox.Literal) and o.language == "en"
            texts = [row.label.lower() for row in ROWS if row.uri == s]
            assert any(o.value.lower() in text for text in texts), f"{s}: {o.value!r} is not its label in the table"
    linked = {o for _s, p, o in _links(kg) if p in MAPPINGS}
    assert set(labelled) == linked
    assert set(labelled.values()) == {1}


def test_at_least_a_hundred_verified_links(kg):
    found = links.crosswalk(kg)
    counts = Counter(link.vocabulary for link in found)
    assert counts == EXPECTED_COUNTS
    assert sum(counts.values()) >= 100
    assert all(link.external in VERIFIED for link in found)


def test_roles_carry_their_occupational_categories(kg):
    categories: dict[str, set[str]] = {}
    for s, p, o in _links(kg):
        if p == CATEGORY:
            short = o.replace("http://data.europa.eu/esco/", "").replace(
                "https://www.onetonline.org/link/summary/", "onet/"
            )
            categories.setdefault(_short(s), set()).add(short)
    assert categories == EXPECTED_CATEGORIES
    # A category is a group or occupation the role, or a role it is narrower than, is an exact, close or
    # narrower match of (SKOS extends a broader concept's skos:broadMatch to its narrower concepts, so a role
    # under the backend developer is not linked to the backend developer's groups itself).
    strong = {SKOS + "exactMatch", SKOS + "closeMatch", SKOS + "broadMatch"}
    matched = {(s, o) for s, p, o in _links(kg) if p in strong}
    above: dict[str, set[str]] = {}
    for row in kg.select("SELECT ?c ?b WHERE { ?c skos:broader+ ?b }"):
        above.setdefault(row["c"].value, set()).add(row["b"].value)
    for s, p, o in _links(kg):
        if p == CATEGORY:
            assert any((r, o) in matched for r in {s} | above.get(s, set())), (s, o)


# --------------------------------------------------------------------------------------------------- linksets


def test_each_linkset_describes_itself_with_an_exact_triple_count(kg):
    for name, graph in _linkset_graphs(kg).items():
        linkset = f"{BASE}linkset/{name}"
        triples = _triples(kg, graph)
        types = [o.value for s, p, o in triples if s == linkset and p.endswith("22-rdf-syntax-ns#type")]
        assert types == ["http://rdfs.org/ns/void#Linkset"], name

        def values(subject, prop, triples=triples):
            return [o for s, p, o in triples if s == subject and p == prop]

        void = "http://rdfs.org/ns/void#"
        predicates = {o.value for o in values(linkset, void + "linkPredicate")}
        declared = [int(o.value) for o in values(linkset, void + "triples")]
        counted = sum(1 for s, p, o in triples if p in predicates and s.startswith(BASE) and s != linkset)
        assert declared == [counted], f"{name}: void:triples {declared}, counted {counted}"
        assert predicates <= MAPPINGS | {CATEGORY}
        assert [o.value for o in values(linkset, void + "subjectsTarget")] == [f"{BASE}dataset"]
        (target,) = values(linkset, void + "objectsTarget")
        assert target.value == links.VOCABULARIES[name]
        (version,) = values(target.value, "http://purl.org/pav/version")
        assert version.value
        (pattern,) = values(target.value, void + "uriRegexPattern")
        assert values(target.value, "http://purl.org/dc/terms/license")
        for prop in ("source", "license", "rights", "title", "description"):
            assert values(linkset, "http://purl.org/dc/terms/" + prop), f"{name}: no dcterms:{prop}"
        for s, p, o in triples:
            if p in MAPPINGS | {CATEGORY}:
                assert re.match(pattern.value, o.value), f"{name}: {o.value} is not an identifier of {name}"
            assert not isinstance(o, ox.BlankNode) and not s.startswith("_:"), f"{name}: blank node"


def test_vocabulary_versions_and_licences(kg):
    rows = kg.select(
        """PREFIX pav: <http://purl.org/pav/>
        SELECT ?target ?version ?license WHERE {
          ?linkset a void:Linkset ; void:objectsTarget ?target .
          ?target pav:version ?version ; dcterms:license ?license }"""
    )
    got = {(r["target"].value.rsplit("/", 1)[1], r["version"].value, r["license"].value) for r in rows}
    cc_by, cc0 = "https://creativecommons.org/licenses/by/4.0/", "https://creativecommons.org/publicdomain/zero/1.0/"
    assert got == {
        ("esco", "v1.2", cc_by),
        ("isco-08", "ISCO-08", cc_by),
        ("onet-soc", "29.2", cc_by),
        ("wikidata", "2026-09-24", cc0),
    }
    esco_rights = kg.select(f"SELECT ?r WHERE {{ <{BASE}linkset/esco> dcterms:rights ?r }}")
    assert any(
        "This service uses the ESCO classification of the European Commission" in r["r"].value for r in esco_rights
    )
    onet_rights = kg.select(f"SELECT ?r WHERE {{ <{BASE}linkset/onet> dcterms:rights ?r }}")
    assert any("O*NET 29.2 Database" in r["r"].value and "CC BY 4.0" in r["r"].value for r in onet_rights)
    drift = kg.select(f"SELECT ?n WHERE {{ <{BASE}linkset/esco> skos:note ?n }}")
    assert any("0ce5a9f4-e00a-4bbe-b255-3c63407167a4" in n["n"].value for n in drift)


# ------------------------------------------------------------------------------------ competency questions


def _run(kg, name: str, **params: str) -> list[tuple[str, ...]]:
    query = queries.get(name, QUERIES_DIR / "cq")
    text = query.text
    if params:
        values = " ".join(f"VALUES ?{k} {{ <{v}> }}" for k, v in params.items())
        text = text.replace("WHERE {", "WHERE { " + values, 1)
    result = kg.query(text)
    names = [v.value for v in result.variables]
    return [
        tuple(_short(row[n].value).removeprefix(SKOS) if row[n] is not None else "" for n in names) for row in result
    ]


def test_crosswalk_queries_have_headers():
    found = [q for q in queries.library(QUERIES_DIR / "cq") if q.name.startswith("crosswalk-")]
    assert len(found) == 5
    for query in found:
        assert query.summary and "crosswalk" in query.tags, query.name


def test_cq_esco_occupations_of_each_role(kg):
    occ = "http://data.europa.eu/esco/occupation/"
    rows = _run(kg, "crosswalk-esco-occupations-of-roles")
    assert [(role, rel, esco.removeprefix(occ), label) for role, _, rel, esco, label in rows] == [
        ("role/backend-developer", "broadMatch", "f2b15a0e-e65a-438a-affb-29b9d50b77d1", "software developer"),
        ("role/backend-developer", "relatedMatch", "bd272aee-adc9-4a06-a15c-a73b4b4a46a7", "ICT application developer"),
        ("role/backend-developer", "relatedMatch", "c40a2919-48a9-40ea-b506-1f34f693496d", "web developer"),
        ("role/database-developer", "exactMatch", "b11e1742-5e28-4270-b081-b0193d85ee7d", "database developer"),
        ("role/database-developer", "relatedMatch", "8c57af09-719c-42b3-be40-6ed4946236cc", "database administrator"),
        ("role/database-developer", "relatedMatch", "8d9ec84d-cf2d-4179-87bc-335cda54a427", "database designer"),
        ("role/devops-developer", "closeMatch", "cc867bee-ab5c-427f-9244-f7a204d9574b", "cloud DevOps engineer"),
        (
            "role/devops-developer",
            "relatedMatch",
            "3b1ea27c-781c-41eb-821f-214285260dd2",
            "ICT change and configuration manager",
        ),
        ("role/full-stack-developer", "broadMatch", "c40a2919-48a9-40ea-b506-1f34f693496d", "web developer"),
        ("role/integration-developer", "closeMatch", "07e60525-1aad-4099-aaf3-2c7014c92212", "integration engineer"),
        (
            "role/integration-developer",
            "relatedMatch",
            "bd9d395a-d587-45c6-8d72-ceef226df9e1",
            "ICT system integration consultant",
        ),
        ("role/security-developer", "relatedMatch", "0ce5a9f4-e00a-4bbe-b255-3c63407167a4", "cyber incident responder"),
        (
            "role/security-developer",
            "relatedMatch",
            "0464b062-cea6-4164-b10d-956c61956ae7",
            "ICT security administrator",
        ),
        ("role/security-developer", "relatedMatch", "a44a1dc5-be08-4840-8bd5-770c4ac1ca6d", "ICT security technician"),
        ("role/software-architect", "exactMatch", "d0aa0792-4345-474b-9365-686cf4869d2e", "software architect"),
        ("role/software-architect", "relatedMatch", "e1c72b5f-4c5c-487c-a6df-e84b64a51dae", "ICT system architect"),
        ("role/systems-developer", "exactMatch", "a7c1d23d-aeca-4bee-9a08-5993ed98b135", "ICT system developer"),
        ("role/web-services-developer", "broadMatch", "c40a2919-48a9-40ea-b506-1f34f693496d", "web developer"),
    ]
    assert all(esco.startswith(occ) for _, _, _, esco, _ in rows)
    labels = {role: label for role, label, *_ in rows}
    assert labels["role/backend-developer"] == "backend developer"


def test_cq_roles_sharing_an_onet_code(kg):
    onet = "https://www.onetonline.org/link/summary/"
    rows = _run(kg, "crosswalk-roles-sharing-onet-code")
    assert [(code, label, role) for code, iri, label, role, _ in rows if iri == onet + code] == [
        ("15-1252.00", "Software Developers", "role/api-developer"),
        ("15-1252.00", "Software Developers", "role/backend-developer"),
        ("15-1252.00", "Software Developers", "role/devops-developer"),
        ("15-1252.00", "Software Developers", "role/full-stack-developer"),
        ("15-1252.00", "Software Developers", "role/integration-developer"),
        ("15-1252.00", "Software Developers", "role/software-architect"),
        ("15-1254.00", "Web Developers", "role/backend-developer"),
        ("15-1254.00", "Web Developers", "role/full-stack-developer"),
        ("15-1254.00", "Web Developers", "role/web-services-developer"),
    ]
    assert len(rows) == 9


def test_cq_backend_developer_skills_as_esco_skills(kg):
    skill = "http://data.europa.eu/esco/skill/"
    rows = _run(kg, "crosswalk-role-skills-in-esco", _role_iri=BASE + "role/backend-developer")
    assert [(item, relation, esco.removeprefix(skill)) for item, _label, relation, esco, _ in rows] == [
        ("technology/dotnet", "relatedMatch", "56a7f561-1d55-43c9-9cd7-36a0a9bc6c50"),
        ("skill/api-design", "closeMatch", "b0096dc5-2e2d-4bc1-8172-05bf486c3968"),
        ("technology/cloud-computing", "closeMatch", "bd14968e-e409-45af-b362-3495ed7b10e0"),
        ("skill/communication", "exactMatch", "15d76317-c71a-4fa2-aadc-2ecc34e627b7"),
        ("skill/data-security", "relatedMatch", "8088750d-8388-4170-a76f-48354c469c44"),
        ("skill/data-security", "relatedMatch", "6833e58b-eceb-4599-9375-1b7e6ec64087"),
        ("skill/database-management", "closeMatch", "ab1e97ed-2319-4293-a8b7-072d2648822f"),
        ("skill/database-management", "closeMatch", "29fb0fb5-dfc4-4098-ac9b-3a712000f48f"),
        ("technology/java", "exactMatch", "19a8293b-8e95-4de3-983f-77484079c389"),
        ("technology/javascript", "exactMatch", "3cd569a2-4f88-4c1e-9995-8dce8c5e51a7"),
        ("technology/microsoft-sql-server", "exactMatch", "c062bab3-3ea0-4291-9220-a2d8fef4bead"),
        ("technology/mongodb", "broadMatch", "76ef6ed3-1658-4a1a-9593-204d799c6d0c"),
        ("technology/mysql", "exactMatch", "4da171e5-779c-4983-a76f-91c16751e99f"),
        ("technology/nosql-database", "exactMatch", "76ef6ed3-1658-4a1a-9593-204d799c6d0c"),
        ("technology/oracle-database", "exactMatch", "de9f85ba-e77f-48fd-8c66-f5ebaf32d655"),
        ("technology/php", "exactMatch", "4350c38d-0fe9-4ca7-bab9-40ed7f72b04f"),
        ("technology/postgresql", "exactMatch", "a8d07b5a-c1a1-42c6-9d53-db9c7a2ca996"),
        ("skill/problem-solving", "closeMatch", "adc6dc11-3376-467b-96c5-9b0a21edc869"),
        ("skill/problem-solving", "relatedMatch", "03b9b491-fc9b-4868-914a-bf7cd47b5041"),
        ("technology/python", "exactMatch", "ccd0a1d9-afda-43d9-b901-96344886e14d"),
        ("technology/rest", "relatedMatch", "69bbd53f-fbb0-4476-b4b2-ef7844464e28"),
        ("technology/ruby", "exactMatch", "0ccdfe98-f845-4598-84a1-3dca66e9d9a3"),
        ("skill/software-architecture", "relatedMatch", "2b7a79e5-84d8-4880-be66-3d9bb05bea17"),
        ("skill/teamwork", "closeMatch", "a5b0cd5c-e13a-4ab3-8d93-4d242adcfb01"),
        ("skill/teamwork", "closeMatch", "60c78287-22eb-4103-9c8c-28deaa460da0"),
        ("technology/version-control-system", "broadMatch", "9d2e926f-53d9-41f5-98f3-19dfaa687f3f"),
        ("skill/web-application-security", "relatedMatch", "8088750d-8388-4170-a76f-48354c469c44"),
        ("skill/web-application-security", "relatedMatch", "902fb91c-3113-4004-9b4f-79aa86b638b7"),
    ]


def test_cq_technologies_with_a_wikidata_item(kg):
    rows = _run(kg, "crosswalk-technologies-with-wikidata-item")
    assert [(tech, rel, item.rsplit("/", 1)[1]) for tech, _label, rel, item, _ in rows] == [
        ("technology/dotnet", "relatedMatch", "Q178817"),
        ("technology/apache-http-server", "exactMatch", "Q11354"),
        ("technology/django", "exactMatch", "Q842014"),
        ("technology/flask", "exactMatch", "Q289281"),
        ("technology/graphql", "exactMatch", "Q25104949"),
        ("technology/java", "exactMatch", "Q251"),
        ("technology/javascript", "exactMatch", "Q2005"),
        ("technology/laravel", "exactMatch", "Q13634357"),
        ("technology/microsoft-sql-server", "exactMatch", "Q215819"),
        ("technology/mongodb", "exactMatch", "Q1165204"),
        ("technology/mysql", "exactMatch", "Q850"),
        ("technology/nginx", "exactMatch", "Q306144"),
        ("technology/oracle-database", "exactMatch", "Q185524"),
        ("technology/php", "exactMatch", "Q59"),
        ("technology/postgresql", "exactMatch", "Q192490"),
        ("technology/python", "exactMatch", "Q28865"),
        ("technology/rest", "exactMatch", "Q749568"),
        ("technology/ruby", "exactMatch", "Q161053"),
        ("technology/ruby-on-rails", "exactMatch", "Q190478"),
        ("technology/sql", "exactMatch", "Q47607"),
    ]


def test_cq_concepts_with_no_external_link_yet(kg):
    rows = _run(kg, "crosswalk-concepts-without-links")
    assert [(kind, concept) for concept, _label, kind in rows] == [
        ("role", "role/designer"),
        ("role", "role/frontend-developer"),
        ("role", "role/marketing-team-member"),
        ("role", "role/product-manager"),
        ("role", "role/ux-designer"),
        ("skill", "skill/ai-assisted-development"),
        ("skill", "skill/analytical-thinking"),
        ("skill", "skill/authentication"),
        ("skill", "skill/authorisation"),
        ("skill", "skill/client-server-architecture"),
        ("skill", "skill/configuration-driven-development"),
        ("skill", "skill/creative-thinking"),
        ("skill", "skill/database-implementation"),
        ("skill", "skill/database-maintenance"),
        ("skill", "skill/dependency-injection"),
        ("skill", "skill/encryption"),
        ("skill", "skill/frontend-development"),
        ("skill", "skill/infrastructure-and-platforms"),
        ("skill", "skill/low-code-no-code-development"),
        ("skill", "skill/microservices"),
        ("skill", "skill/passion-for-learning"),
        ("skill", "skill/security-testing"),
        ("skill", "skill/server-management"),
        ("skill", "skill/server-side-programming"),
        ("skill", "skill/systems-integration"),
        ("skill", "skill/understanding-business-goals"),
        ("technology", "technology/application-server"),
        ("technology", "technology/cakephp"),
        ("technology", "technology/content-management-system"),
        ("technology", "technology/database-server"),
        ("technology", "technology/http-server"),
        ("technology", "technology/microsoft-iis"),
        ("technology", "technology/middleware"),
        ("technology", "technology/relational-database"),
        ("technology", "technology/soap"),
        ("technology", "technology/virtualisation"),
    ]


def test_cq_concepts_without_links_ignores_other_vocabularies(tmp_path):
    data = tmp_path / "tiny.ttl"
    data.write_text(
        """@prefix bkg: <https://w3id.org/backendkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/backendkg/technology/a> a bkg:Framework ; skos:prefLabel "a"@en ;
    skos:exactMatch <http://dbpedia.org/resource/A> .
<https://w3id.org/backendkg/technology/b> a bkg:Framework ; skos:prefLabel "b"@en ;
    skos:exactMatch <http://www.wikidata.org/entity/Q1> .
<https://w3id.org/backendkg/skill/c> a bkg:SoftSkill ; skos:prefLabel "c"@en ;
    skos:relatedMatch <http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000> .
<https://w3id.org/backendkg/role/d> a bkg:Role ; skos:prefLabel "d"@en .
""",
        encoding="utf-8",
    )
    rows = _run(kg_module.load([data]), "crosswalk-concepts-without-links")
    assert rows == [("role/d", "d", "role"), ("technology/a", "a", "technology")]


# ------------------------------------------------------------------------------------------- API and command


def test_crosswalk_rows_carry_labels_and_versions(kg):
    found = links.crosswalk(kg, vocabulary="wikidata")
    python = [link for link in found if link.concept == BASE + "technology/python"]
    assert python == [
        links.Link(
            vocabulary="wikidata",
            version="2026-09-24",
            concept=BASE + "technology/python",
            label="Python",
            relation=SKOS + "exactMatch",
            external="http://www.wikidata.org/entity/Q28865",
            external_label="Python (programming language)",
        )
    ]
    assert {link.version for link in links.crosswalk(kg, vocabulary="esco")} == {"v1.2"}
    assert all(link.label and link.external_label for link in links.crosswalk(kg))


def test_crosswalk_rejects_an_unknown_vocabulary(kg):
    with pytest.raises(ValueError, match="unknown vocabulary 'sfia'"):
        links.crosswalk(kg, vocabulary="sfia")


def test_links_command_csv(kg):
    result = CliRunner().invoke(cli, ["links"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert tuple(rows[0]) == links.FIELDS
    assert len(rows) == sum(EXPECTED_COUNTS.values())
    assert [row["vocabulary"] for row in rows] == sorted(
        (row["vocabulary"] for row in rows), key=list(links.VOCABULARIES).index
    )
    assert {
        "vocabulary": "isco",
        "version": "ISCO-08",
        "concept": BASE + "role/database-developer",
        "label": "database developer",
        "relation": "skos:broadMatch",
        "external": "http://data.europa.eu/esco/isco/C2521",
        "external_label": "Database designers and administrators",
    } in rows


def test_links_command_json_for_one_vocabulary():
    result = CliRunner().invoke(cli, ["links", "--vocabulary", "onet", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == EXPECTED_COUNTS["onet"]
    assert {row["vocabulary"] for row in rows} == {"onet"}
    assert {row["version"] for row in rows} == {"29.2"}
    assert {
        "vocabulary": "onet",
        "version": "29.2",
        "concept": BASE + "role/backend-developer",
        "label": "backend developer",
        "relation": "skos:closeMatch",
        "external": "https://www.onetonline.org/link/summary/15-1254.00",
        "external_label": "Web Developers",
    } in rows


def test_links_command_reads_other_data(tmp_path):
    data = tmp_path / "linkset.ttl"
    data.write_text(
        """@prefix void: <http://rdfs.org/ns/void#> .
@prefix pav: <http://purl.org/pav/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/backendkg/linkset/wikidata> a void:Linkset ;
    void:objectsTarget <https://w3id.org/backendkg/vocabulary/wikidata> ; void:linkPredicate skos:exactMatch .
<https://w3id.org/backendkg/vocabulary/wikidata> pav:version "2030-01-01" ;
    void:uriRegexPattern "^http://www\\\\.wikidata\\\\.org/entity/Q[0-9]+$" .
<https://w3id.org/backendkg/technology/x> skos:prefLabel "X"@en ; skos:exactMatch <http://www.wikidata.org/entity/Q1> .
<https://w3id.org/backendkg/technology/y> skos:closeMatch <http://www.wikidata.org/entity/Q2> .
<https://w3id.org/backendkg/technology/z> skos:exactMatch <http://example.org/Q3> .
<http://www.wikidata.org/entity/Q1> rdfs:label "x"@en .
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["links", "--data", str(data), "--format", "json"])
    assert result.exit_code == 0, result.output
    # Only the linkset's own predicate, and only identifiers that match the vocabulary's pattern.
    assert json.loads(result.output) == [
        {
            "vocabulary": "wikidata",
            "version": "2030-01-01",
            "concept": BASE + "technology/x",
            "label": "X",
            "relation": "skos:exactMatch",
            "external": "http://www.wikidata.org/entity/Q1",
            "external_label": "x",
        }
    ]


def test_links_command_bad_input(tmp_path):
    result = CliRunner().invoke(cli, ["links", "--vocabulary", "sfia"])
    assert result.exit_code == 2
    assert "sfia" in result.output
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["links", "--data", str(bad)])
    assert result.exit_code == 2
    assert "bad.ttl" in result.output
