"""The competency questions of queries/cq/ and the answers the source documents give to them."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from backendkg.queries.named import get, library

R = "https://w3id.org/backendkg/role/"


def rows(kg, name: str) -> list[tuple]:
    """The rows of a named query, each a tuple of the values (``None`` for unbound) in variable order."""
    result = kg.query(get(name).text, prefixes=False)
    assert isinstance(result, ox.QuerySolutions)
    variables = [v.value for v in result.variables]
    return [tuple(s[v].value if s[v] is not None else None for v in variables) for s in result]


def column(kg, name: str, index: int) -> list[str]:
    return [row[index] for row in rows(kg, name)]


def test_every_query_has_a_summary_and_parses(kg):
    for query in library():
        assert query.summary, query.path
        assert query.text.startswith("#+ summary:"), query.path
        if not query.params:
            kg.query(query.text)


def test_there_are_at_least_twenty_parameterless_questions():
    assert len([q for q in library() if not q.params]) >= 20


def test_specialisations_handling_authentication_and_encryption(kg):
    assert rows(kg, "specialisations-handling-authentication-and-encryption") == [
        (R + "security-developer", "security developer")
    ]


def test_database_developer_responsibilities(kg):
    assert column(kg, "database-developer-responsibilities", 1) == [
        "ensuring data integrity and security",
        "performance optimisation",
        "query writing",
        "schema creation",
    ]


def test_backend_technologies_by_kind(kg):
    by_kind: dict[str, set[tuple[str, str]]] = {}
    for kind, label, need in rows(kg, "backend-technologies-by-kind"):
        by_kind.setdefault(kind, set()).add((label, need))
    assert by_kind == {
        "API style": {("GraphQL", "optional"), ("REST", "optional"), ("SOAP", "optional")},
        "cloud and infrastructure technology": {("cloud computing", "essential"), ("database server", "optional")},
        "content management system": {("content management system", "essential")},
        "database management system": {
            ("Microsoft SQL Server", "optional"),
            ("MongoDB", "optional"),
            ("MySQL", "optional"),
            ("Oracle Database", "optional"),
            ("PostgreSQL", "optional"),
        },
        "database model": {("NoSQL database", "essential"), ("relational database", "essential")},
        "framework": {
            ("CakePHP", "optional"),
            ("Django", "optional"),
            ("Flask", "optional"),
            ("Laravel", "optional"),
            ("Ruby on Rails", "optional"),
        },
        "programming language": {
            ("Java", "optional"),
            ("JavaScript", "optional"),
            ("PHP", "optional"),
            ("Python", "optional"),
            ("Ruby", "optional"),
        },
        "software platform": {(".NET", "optional")},
        "version control system": {("version control system", "optional")},
        "web server": {
            ("Apache HTTP Server", "optional"),
            ("HTTP server", "optional"),
            ("Microsoft IIS", "optional"),
            ("Nginx", "optional"),
            ("application server", "optional"),
        },
    }


def test_skills_and_their_technologies(kg):
    found = [(skill, tech, int(n)) for _, skill, _, tech, n in rows(kg, "skills-and-their-technologies")]
    assert found == [
        ("API design and development", "GraphQL", 1),
        ("API design and development", "REST", 2),
        ("API design and development", "SOAP", 1),
        ("database management", "Microsoft SQL Server", 1),
        ("database management", "MongoDB", 2),
        ("database management", "MySQL", 2),
        ("database management", "Oracle Database", 1),
        ("database management", "PostgreSQL", 1),
        ("server management", "Apache HTTP Server", 1),
        ("server management", "Microsoft IIS", 1),
        ("server management", "Nginx", 1),
        ("server-side programming", ".NET", 1),
        ("server-side programming", "Java", 2),
        ("server-side programming", "PHP", 1),
        ("server-side programming", "Python", 2),
        ("server-side programming", "Ruby", 1),
    ]


def test_industry_demands(kg):
    assert [(industry, benefit) for _, industry, _, benefit in rows(kg, "industry-demands")] == [
        ("fintech", "reliability"),
        ("fintech", "security"),
        ("healthtech", "reliability"),
        ("healthtech", "security"),
    ]


def test_industries_relying_on_secure_transactions(kg):
    assert column(kg, "industries-relying-on-secure-transactions", 1) == ["e-commerce", "fintech"]


def test_frameworks_built_on_python(kg):
    assert column(kg, "frameworks-built-on-python", 1) == ["Django", "Flask"]


def test_full_stack_beyond_backend(kg):
    assert rows(kg, "full-stack-beyond-backend") == [
        ("responsibility", "building user interfaces"),
        ("skill", "frontend development"),
    ]


def test_which_source_says_backend_developers_back_up_files(kg):
    assert rows(kg, "who-says-backend-developers-back-up-files") == [
        (
            "https://w3id.org/backendkg/source/full-scale-backend-developer",
            "Full Scale: roles and essential skills of a backend developer",
            "Roles of a Backend Developer",
            "backing up and restoring the website files and databases",
        )
    ]


def test_backend_specialisations(kg):
    assert [(label, int(skills), int(resps)) for _, label, skills, resps in rows(kg, "backend-specialisations")] == [
        ("API developer", 1, 3),
        ("DevOps developer", 1, 1),
        ("database developer", 3, 4),
        ("integration developer", 2, 3),
        ("security developer", 6, 5),
        ("software architect", 2, 4),
        ("systems developer", 1, 4),
        ("web services developer", 3, 4),
    ]


def test_backend_collaborators(kg):
    assert [(label, int(n)) for _, label, n in rows(kg, "backend-collaborators")] == [
        ("frontend developer", 3),
        ("designer", 2),
        ("full stack developer", 1),
        ("marketing team member", 1),
        ("product manager", 1),
        ("software tester", 1),
        ("user experience designer", 1),
    ]


def test_backend_essential_soft_skills(kg):
    assert column(kg, "backend-essential-soft-skills", 1) == [
        "analytical thinking",
        "communication",
        "creative thinking",
        "passion for learning",
        "problem solving",
        "teamwork",
        "understanding business goals",
    ]


def test_backend_optional_skills(kg):
    assert column(kg, "backend-optional-skills", 1) == [
        "AI-assisted development",
        "client-server architecture",
        "low-code and no-code development",
        "server management",
    ]


def test_database_systems_and_models(kg):
    assert [(s, m) for _, s, _, m in rows(kg, "database-systems-and-models")] == [
        ("Microsoft SQL Server", "relational database"),
        ("MongoDB", "NoSQL database"),
        ("MySQL", "relational database"),
        ("Oracle Database", "relational database"),
        ("PostgreSQL", "relational database"),
    ]


def test_industry_needs(kg):
    needs: dict[str, set[str]] = {}
    for industry, kind, label in rows(kg, "industry-needs"):
        needs.setdefault(industry, set()).add(f"{kind}:{label}")
    assert needs == {
        "e-commerce": {
            "capability:online marketplace",
            "capability:payment gateway",
            "capability:product catalogue management",
            "capability:secure transaction processing",
            "capability:shopping cart",
            "capability:smooth buying experience",
            "role:backend developer",
        },
        "enterprise software": {
            "capability:internal management systems",
            "capability:optimised data processing",
            "capability:software services integration",
            "role:backend developer",
        },
        "fintech": {"capability:online banking", "capability:secure transaction processing", "role:backend developer"},
        "healthtech": {
            "capability:electronic health records",
            "capability:healthcare management applications",
            "role:backend developer",
        },
        "social media": {
            "capability:data fetching",
            "capability:notifications",
            "capability:real-time interactions",
            "capability:user profile management",
            "role:backend developer",
        },
    }


def test_benefits_and_how_they_are_delivered(kg):
    delivered: dict[str, set[str]] = {}
    for benefit, responsibility in rows(kg, "benefits-and-how-they-are-delivered"):
        delivered.setdefault(benefit, set()).add(responsibility)
    assert delivered == {
        "consistent experience across devices": {"creating and managing databases"},
        "efficient data management": {"creating and managing databases"},
        "integration": {
            "designing and building APIs",
            "connecting the frontend with the backend",
            "integrating systems and services",
        },
        "performance": {
            "fine-tuning server configurations",
            "implementing efficient algorithms",
            "monitoring performance metrics",
            "performance optimisation",
            "streamlining database queries",
        },
        "remembered user preferences": {"creating and managing databases"},
        "responsive user experience": {"server-side processing"},
        "scalability": {"building scalable architectures"},
        "security": {
            "implementing authentication",
            "implementing authorisation",
            "implementing encryption",
            "implementing security measures",
        },
        "working business logic": {"implementing business logic"},
    }


def test_performance_optimisation_techniques(kg):
    assert [(label, roles) for _, label, roles in rows(kg, "performance-optimisation-techniques")] == [
        ("fine-tuning server configurations", "backend developer"),
        ("implementing caching strategies", "backend developer"),
        ("implementing efficient algorithms", "backend developer"),
        ("improving API performance", "backend developer"),
        ("minimising response times", "backend developer"),
        ("monitoring performance metrics", "backend developer"),
        ("streamlining database queries", "backend developer"),
        ("system optimisation", "systems developer"),
    ]


def test_web_servers(kg):
    found = {label: set(others.split(", ")) if others else set() for _, label, others in rows(kg, "web-servers")}
    assert found == {
        "Apache HTTP Server": {"Apache", "httpd"},
        "HTTP server": set(),
        "Microsoft IIS": {"IIS", "IIS servers", "Internet Information Services"},
        "Nginx": {"NGINX", "engine x"},
        "application server": {"app server"},
    }


def test_facts_on_inference_or_editorial_judgement(kg):
    found = rows(kg, "facts-on-inference-or-editorial-judgement")
    short = {
        (s.rsplit("/", 1)[1], p.rsplit("#", 1)[1], o.rsplit("/", 1)[1].rsplit("#", 1)[-1], grade): (docs, note)
        for s, _, p, o, _, grade, docs, note in found
    }
    counts: dict[tuple[str, str], int] = {}
    for _, predicate, _, grade in short:
        counts[(grade, predicate)] = counts.get((grade, predicate), 0) + 1
    assert counts == {
        ("editorial", "broader"): 22,
        ("editorial", "builtOn"): 5,
        ("editorial", "implementsModel"): 5,
        ("editorial", "deliveredBy"): 2,
        ("editorial", "related"): 1,
        ("inferred", "broader"): 11,
        ("inferred", "hasTrait"): 7,
        ("inferred", "usesOptionalTechnology"): 6,
        ("inferred", "reliesOn"): 4,
        ("inferred", "requiresOptionalSkill"): 3,
        ("inferred", "deliveredBy"): 2,
        ("inferred", "related"): 2,
        ("inferred", "type"): 2,
        ("inferred", "specialises"): 1,
        ("inferred", "collaboratesWith"): 1,
        ("inferred", "hasResponsibility"): 1,
    }
    docs, note = short[("django", "builtOn", "python", "editorial")]
    assert not docs and "pairs none of them" in note
    docs, note = short[("backend-developer", "hasTrait", "investigative", "inferred")]
    assert docs == "https://w3id.org/backendkg/source/wizardsdev-backend-development" and "front-end" in note
    docs, _ = short[("full-stack-developer", "related", "backend-developer", "inferred")]
    assert sorted(docs.split()) == [
        "https://w3id.org/backendkg/source/wizardsdev-backend-development",
        "https://w3id.org/backendkg/source/worldteams-backend-developer",
    ]
    # A fact that some document states is not among them, whatever else supports it.
    assert not any(k[:3] == ("backend-developer", "usesOptionalTechnology", "rest") for k in short)
    assert not any(k[:3] == ("backend-developer", "requiresEssentialSkill", "problem-solving") for k in short)


def test_where_stated_gives_the_grade_quote_and_note(kg):
    def where(subject: str, predicate: str, obj: str) -> list:
        query = get("where-stated").text.replace("?_subject_iri", subject)
        return list(kg.query(query.replace("?__predicate_iri", predicate).replace("?__object_iri", obj)))

    [row] = where("tech:microsoft-iis", "rdf:type", "bkg:WebServer")
    assert row["grade"].value == "stated" and row["section"].value == "Servers" and row["note"] is None
    assert "II Servers" in row["quote"].value and "IIS servers" in row["excerpt"].value
    [row] = where("role:backend-developer", "bkg:hasTrait", "trait:investigative")
    assert row["grade"].value == "inferred" and "no stated antecedent" in row["note"].value
    assert row["quote"].value.startswith("They tend to be investigative individuals")
    # No document says Django is built on Python: the triple is editorial and no document is given for it.
    assert where("tech:django", "bkg:builtOn", "tech:python") == []


def test_source_documents(kg):
    found = {row[1]: row[2:] for row in rows(kg, "source-documents")}
    assert set(found) == {
        "Full Scale: roles and essential skills of a backend developer",
        "Glossary: Backend Developer",
        "Wizardsdev: What is Backend Development? Skills, Salary and Roles",
        "WorldTeams: Backend Developer",
    }
    title, publisher, date, modified, _ = found["Full Scale: roles and essential skills of a backend developer"]
    assert (title, publisher, date, modified) == (None, "Full Scale", None, "2024-10-11")
    title, publisher, date, modified, _ = found["Glossary: Backend Developer"]
    assert (title, publisher, date, modified) == ("Backend Developer", None, "2024-03-19", None)
    title, publisher, *_ = found["WorldTeams: Backend Developer"]
    assert (title, publisher) == ("Backend Developer", "WorldTeams")
    assert all(int(row[-1]) > 50 for row in found.values())


def test_concepts_per_source_covers_every_document_and_scheme(kg):
    counts = {(doc, scheme): int(n) for doc, scheme, n in rows(kg, "concepts-per-source")}
    assert counts[("Glossary: Backend Developer", "backendkg industries")] == 5
    assert counts[("Glossary: Backend Developer", "backendkg application capabilities")] == 16
    assert counts[("WorldTeams: Backend Developer", "backendkg benefits")] == 9
    assert counts[("Full Scale: roles and essential skills of a backend developer", "backendkg traits")] == 2
    assert counts[("Wizardsdev: What is Backend Development? Skills, Salary and Roles", "backendkg traits")] == 7
    assert len({doc for doc, _ in counts}) == 4


def test_roles_responsible_for_api_design(kg):
    assert column(kg, "roles-responsible-for-api-design", 1) == [
        "API developer",
        "backend developer",
        "integration developer",
        "web services developer",
    ]


def test_security_practices(kg):
    assert [(label, int(n)) for _, label, n in rows(kg, "security-practices")] == [
        ("authentication", 2),
        ("authorisation", 2),
        ("encryption", 2),
        ("security testing", 1),
    ]


def test_backend_developer_traits(kg):
    assert [(label, broader) for _, label, broader in rows(kg, "backend-developer-traits")] == [
        ("conscientious", "conventional"),
        ("conservative", "conventional"),
        ("conventional", None),
        ("detail-oriented", None),
        ("inquisitive", "investigative"),
        ("intellectual", "investigative"),
        ("introspective", "investigative"),
        ("investigative", None),
        ("well-organised", None),
    ]


def test_roles_by_responsibilities(kg):
    ranking = [(label, int(n)) for _, label, n in rows(kg, "roles-by-responsibilities")]
    assert ranking[0] == ("backend developer", 31)
    assert ranking[1] == ("security developer", 5)
    assert ranking[-1] == ("frontend developer", 1)
    assert len(ranking) == 11


def test_programming_languages(kg):
    assert [(label, int(n)) for _, label, n in rows(kg, "programming-languages")] == [
        ("Python", 3),
        ("Java", 2),
        ("JavaScript", 1),
        ("PHP", 1),
        ("Ruby", 1),
    ]


def test_is_flask_a_framework(kg):
    assert bool(kg.query(get("is-flask-a-framework").text)) is True


def test_security_developer_profile(kg):
    triples = list(kg.query(get("security-developer-profile").text))
    labels = {t.object.value for t in triples if t.predicate.value.endswith("prefLabel")}
    assert "security developer" in labels
    assert {"implementing encryption", "implementing authentication", "testing security", "encryption"} <= labels
    assert len(triples) == 23


@pytest.mark.parametrize("kind", ["role", "skill", "technology", "responsibility", "industry"])
def test_concept_counts_meet_the_minimum(kg, kind):
    minimum = {"role": 10, "skill": 30, "technology": 30, "responsibility": 25, "industry": 5}[kind]
    prefix = f"https://w3id.org/backendkg/{kind}/"
    n = kg.select(
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a/rdfs:subClassOf* skos:Concept "
        f'FILTER(STRSTARTS(STR(?c), "{prefix}")) }}'
    )[0]["n"]
    assert int(n.value) >= minimum
