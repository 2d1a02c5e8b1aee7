"""The questions, answered from the shipped graph: exact answers derived from what the content files state."""

from __future__ import annotations

import pytest

from backendkg.graph.search import LabelIndex
from backendkg.namespaces import BASE, BKG
from backendkg.queries import questions
from backendkg.queries.params import ParamError

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
WIZARDSDEV = BASE + "source/wizardsdev-backend-development"


def short(iri: str) -> str:
    return iri.removeprefix(BASE)


def iris(items: list[dict]) -> list[str]:
    return [short(i["iri"]) for i in items]


@pytest.fixture(scope="module")
def index(kg):
    return LabelIndex.from_graph(kg)


# Skill gap ---------------------------------------------------------------------------------------------


def test_skill_gap_ranks_roles_by_weighted_coverage(kg):
    held = [BASE + "skill/api-design", BASE + "skill/systems-integration", BASE + "technology/postgresql"]
    fits = questions.skill_gap(kg, held)
    ranked = [(short(f.role.iri), f.score, f.covered_weight, f.total_weight) for f in fits]
    # api developer: api-design (essential) of api-design only; integration developer: two of its three
    # essentials (middleware missing); web services developer: one of three essentials; the backend
    # developer: 21 essential skills, 4 essential technologies, 4 optional skills, 26 optional technologies
    # (2 x 25 + 30 = 80), covered: api-design, systems-integration, relational database (PostgreSQL
    # implements it), PostgreSQL (optional) = 2 + 2 + 2 + 1.
    assert ranked[:4] == [
        ("role/api-developer", 1.0, 2, 2),
        ("role/integration-developer", 0.6667, 4, 6),
        ("role/web-services-developer", 0.3333, 2, 6),
        ("role/backend-developer", 0.0875, 7, 80),
    ]
    assert [(r[0], r[1]) for r in ranked[4:]] == [
        ("role/database-developer", 0.0),
        ("role/devops-developer", 0.0),
        ("role/frontend-developer", 0.0),
        ("role/full-stack-developer", 0.0),
        ("role/security-developer", 0.0),
        ("role/software-architect", 0.0),
        ("role/systems-developer", 0.0),
    ]


def test_skill_gap_lists_what_is_missing_per_role_by_level(kg):
    fits = {short(f.role.iri): f for f in questions.skill_gap(kg, [BASE + "skill/api-design"])}
    integration = fits["role/integration-developer"].as_dict()
    assert iris(integration["covered"]["essential"]) == ["skill/api-design"]
    assert iris(integration["missing"]["essential"]) == ["technology/middleware", "skill/systems-integration"]
    assert integration["missing"]["optional"] == []
    backend = fits["role/backend-developer"].as_dict()
    assert len(backend["missing"]["essential"]) == 24
    assert len(backend["missing"]["optional"]) == 30
    assert "technology/postgresql" in iris(backend["missing"]["optional"])
    assert "skill/ai-assisted-development" in iris(backend["missing"]["optional"])


def test_a_database_system_covers_the_model_it_implements(kg):
    fits = {short(f.role.iri): f for f in questions.skill_gap(kg, [BASE + "technology/mysql"])}
    backend = fits["role/backend-developer"]
    assert iris([i.as_dict() for i in backend.covered["essential"]]) == ["technology/relational-database"]
    assert iris([i.as_dict() for i in backend.covered["optional"]]) == ["technology/mysql"]
    assert backend.covered_weight == 3


def test_skill_gap_with_nothing_held_covers_nothing(kg):
    fits = questions.skill_gap(kg, [])
    assert {f.score for f in fits} == {0.0}
    assert len(fits) == 11


# Compare roles -----------------------------------------------------------------------------------------


def test_compare_roles_splits_shared_and_own(kg):
    answer = questions.compare_roles(kg, BASE + "role/integration-developer", BASE + "role/web-services-developer")
    assert answer["role"]["label"] == "integration developer"
    assert answer["other"]["label"] == "web services developer"
    assert {k: iris(v) for k, v in answer["skill"].items()} == {
        "shared": ["skill/api-design"],
        "role_only": ["skill/systems-integration"],
        "other_only": ["skill/microservices", "skill/web-services"],
    }
    assert {k: iris(v) for k, v in answer["technology"].items()} == {
        "shared": [],
        "role_only": ["technology/middleware"],
        "other_only": [],
    }
    assert {k: sorted(iris(v)) for k, v in answer["responsibility"].items()} == {
        "shared": ["responsibility/designing-and-building-apis"],
        "role_only": ["responsibility/developing-middleware", "responsibility/managing-data-exchange"],
        "other_only": [
            "responsibility/building-scalable-architectures",
            "responsibility/ensuring-interoperability",
            "responsibility/handling-requests-and-responses",
        ],
    }


def test_compare_a_role_with_itself_shares_everything(kg):
    role = BASE + "role/database-developer"
    answer = questions.compare_roles(kg, role, role)
    assert len(answer["skill"]["shared"]) == 3
    assert len(answer["responsibility"]["shared"]) == 4
    assert all(not answer[a][k] for a in questions.ASPECTS for k in ("role_only", "other_only"))


# Path into an industry ---------------------------------------------------------------------------------


def test_industry_path_gives_roles_their_skills_and_capabilities(kg):
    answer = questions.industry_path(kg, BASE + "industry/fintech")
    assert answer["industry"] == {"iri": BASE + "industry/fintech", "label": "fintech", "kind": "industry"}
    assert iris(answer["capabilities"]) == ["capability/online-banking", "capability/secure-transactions"]
    roles = {short(r["iri"]): r for r in answer["roles"]}
    # Fintech relies on the backend developer; its eight specialisations come through it (the full stack
    # developer, "not strictly backend", is related to it, not one of them).
    assert answer["roles"][0]["iri"] == BASE + "role/backend-developer"
    assert roles["role/backend-developer"]["via"] is None
    assert sorted(roles) == [
        "role/api-developer",
        "role/backend-developer",
        "role/database-developer",
        "role/devops-developer",
        "role/integration-developer",
        "role/security-developer",
        "role/software-architect",
        "role/systems-developer",
        "role/web-services-developer",
    ]
    assert {r["via"] for k, r in roles.items() if k != "role/backend-developer"} == {BASE + "role/backend-developer"}
    assert len(roles["role/backend-developer"]["skills"]["essential"]) == 21
    assert len(roles["role/backend-developer"]["skills"]["optional"]) == 4
    assert sorted(iris(roles["role/database-developer"]["skills"]["essential"])) == [
        "skill/database-design",
        "skill/database-implementation",
        "skill/database-maintenance",
    ]


def test_industry_path_of_an_unrelated_concept_is_empty(kg):
    answer = questions.industry_path(kg, BASE + "skill/caching")
    assert answer["roles"] == [] and answer["capabilities"] == []


# Where does it say so? ---------------------------------------------------------------------------------


def test_where_stated_gives_document_section_and_excerpt_of_a_relation(kg):
    answer = questions.where_stated(
        kg, BASE + "role/api-developer", BKG + "requiresEssentialSkill", BASE + "skill/api-design"
    )
    assert answer["statements"] == [
        {
            "subject": BASE + "role/api-developer",
            "predicate": BKG + "requiresEssentialSkill",
            "object": BASE + "skill/api-design",
            "source": WIZARDSDEV,
            "title": "What is Backend Development? Skills, Salary and Roles",
            "section": "Back-End Frameworks and Libraries",
            "excerpt": "API developers focus on creating and maintaining APIs, allowing different software components "
            "to communicate.",
        }
    ]


def test_where_stated_for_a_concept_includes_its_mention_and_its_sources(kg):
    answer = questions.where_stated(kg, BASE + "role/api-developer")
    predicates = sorted(short(s["predicate"]).rsplit("#", 1)[-1] for s in answer["statements"])
    assert predicates == [
        "hasResponsibility",
        "hasResponsibility",
        "hasResponsibility",
        "requiresEssentialSkill",
        "specialises",
        "type",
    ]
    mention = [s for s in answer["statements"] if s["predicate"] == RDF_TYPE]
    assert [(s["object"], s["source"]) for s in mention] == [(BKG + "Role", WIZARDSDEV)]
    assert answer["sources"] == [
        {"source": WIZARDSDEV, "title": "What is Backend Development? Skills, Salary and Roles", "statements": 6}
    ]


def test_where_stated_of_an_unstated_relation_is_empty(kg):
    answer = questions.where_stated(
        kg, BASE + "role/api-developer", BKG + "requiresEssentialSkill", BASE + "skill/caching"
    )
    assert answer["statements"] == []


# Resolving what people type ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PostgreSQL", ["technology/postgresql"]),
        ("postgres", ["technology/postgresql"]),
        ("Back-End Developer", ["role/backend-developer"]),
        ("role/api-developer", ["role/api-developer"]),
        ("skill:api-design", ["skill/api-design"]),
        (BASE + "industry/fintech", ["industry/fintech"]),
    ],
)
def test_resolve_accepts_labels_and_iris(kg, index, text, expected):
    assert [short(i) for i in questions.resolve(kg, index, text, name="have")] == expected


def test_resolve_accepts_an_iri_the_graph_only_points_to(kg, index):
    query = "SELECT ?o WHERE { ?s ?p ?o FILTER(isIRI(?o)) FILTER NOT EXISTS { ?o ?q ?x } } ORDER BY ?o LIMIT 1"
    [row] = kg.select(query)
    target = row["o"].value
    assert questions.resolve(kg, index, f"<{target}>", name="object") == [target]


@pytest.mark.parametrize("text", ["kubernetes", "role/no-such-role", "not an iri at all"])
def test_resolve_rejects_what_names_nothing(kg, index, text):
    with pytest.raises(ParamError, match="Parameter 'have' names no concept"):
        questions.resolve(kg, index, text, name="have")


def test_resolve_keeps_the_kinds_asked_for_when_a_label_is_shared():
    from pathlib import Path

    from backendkg.graph import store as kg_module

    fixture = kg_module.load([Path(__file__).parent / "fixtures" / "api.ttl"])
    index = LabelIndex.from_graph(fixture)
    both = questions.resolve(fixture, index, "api design", name="have")
    assert sorted(short(i) for i in both) == ["responsibility/api-design", "skill/api-design"]
    only = questions.resolve(fixture, index, "api design", name="have", kinds=("skill", "technology"))
    assert [short(i) for i in only] == ["skill/api-design"]
