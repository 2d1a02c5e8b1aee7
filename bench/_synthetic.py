"""A synthetic graph shaped like backendkg's own data, generated deterministically from a seed.

Roles, skills, technologies, responsibilities and industries are SKOS concepts typed with backendkg classes, with
``skos:prefLabel``/``skos:altLabel``/``skos:definition``, ``skos:inScheme`` and ``skos:broader``; roles link to
skills (``bkg:requiresEssentialSkill``/``bkg:requiresOptionalSkill``), technologies
(``bkg:usesEssentialTechnology``/``bkg:usesOptionalTechnology``),
responsibilities and parent roles (``bkg:specialises``); every link carries a ``bkg:SourceStatement`` node
that points at a source document, as the shipped graph does. The concepts the benchmark queries name
(``role:backend-developer``, ``skill:api-design``, ...) exist under their real IRIs, so the same queries make
sense on the shipped and on the synthetic graph.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

BASE = "https://w3id.org/backendkg/"
BKG = BASE + "ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"

ROLES = (
    "backend-developer",
    "database-developer",
    "devops-developer",
    "full-stack-developer",
    "integration-developer",
    "security-developer",
    "software-architect",
    "systems-developer",
    "web-services-developer",
    "api-developer",
    "frontend-developer",
    "software-tester",
)
SKILLS = (
    "api-design",
    "database-design",
    "caching",
    "microservices",
    "design-patterns",
    "authentication",
    "authorisation",
    "encryption",
    "dependency-injection",
    "security-testing",
    "communication",
    "teamwork",
    "problem-solving",
)
TECHNOLOGIES = {
    "python": "ProgrammingLanguage",
    "java": "ProgrammingLanguage",
    "ruby": "ProgrammingLanguage",
    "php": "ProgrammingLanguage",
    "javascript": "ProgrammingLanguage",
    "sql": "QueryLanguage",
    "postgresql": "DatabaseManagementSystem",
    "mysql": "DatabaseManagementSystem",
    "mongodb": "DatabaseManagementSystem",
    "nginx": "WebServer",
    "django": "Framework",
    "flask": "Framework",
    "laravel": "Framework",
    "rest": "ApiStyle",
    "graphql": "ApiStyle",
    "cloud-computing": "InfrastructureTechnology",
}
TECHNOLOGY_CLASSES = (
    "ProgrammingLanguage",
    "Framework",
    "DatabaseManagementSystem",
    "WebServer",
    "ApiStyle",
    "InfrastructureTechnology",
)
SKILL_CLASSES = ("TechnicalSkill", "Practice", "SoftSkill")
WORDS = (
    "data",
    "cloud",
    "event",
    "secure",
    "distributed",
    "service",
    "stream",
    "cache",
    "queue",
    "schema",
    "graph",
    "payment",
    "search",
    "identity",
    "storage",
    "network",
    "batch",
    "query",
)
NOUNS = {
    "role": ("developer", "engineer", "architect", "administrator"),
    "skill": ("design", "modelling", "testing", "tuning", "operations", "review"),
    "technology": ("server", "framework", "engine", "platform", "toolkit", "database"),
    "responsibility": ("maintenance", "delivery", "monitoring", "integration", "migration"),
    "industry": ("services", "commerce", "media", "health", "finance"),
}
SCHEMES = {
    "role": "roles",
    "skill": "skills",
    "technology": "technologies",
    "responsibility": "responsibilities",
    "industry": "industries",
}

#: Links per role: essential and optional skills, essential and optional technologies, responsibilities.
ESSENTIAL, OPTIONAL, ESSENTIAL_TECHS, OPTIONAL_TECHS, RESPONSIBILITIES = 8, 4, 3, 3, 3


def _iri(kind: str, slug: str) -> ox.NamedNode:
    return ox.NamedNode(f"{BASE}{kind}/{slug}")


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


TYPE = ox.NamedNode(RDF + "type")
CONCEPT = ox.NamedNode(SKOS + "Concept")
SCHEME = ox.NamedNode(SKOS + "ConceptScheme")
PREF = ox.NamedNode(SKOS + "prefLabel")
ALT = ox.NamedNode(SKOS + "altLabel")
DEFINITION = ox.NamedNode(SKOS + "definition")
IN_SCHEME = ox.NamedNode(SKOS + "inScheme")
TOP = ox.NamedNode(SKOS + "topConceptOf")
BROADER = ox.NamedNode(SKOS + "broader")
SOURCE = ox.NamedNode(DCTERMS + "source")
TITLE = ox.NamedNode(DCTERMS + "title")
STATEMENT = ox.NamedNode(BKG + "SourceStatement")
SUBJECT = ox.NamedNode(RDF + "subject")
PREDICATE = ox.NamedNode(RDF + "predicate")
OBJECT = ox.NamedNode(RDF + "object")
SECTION = ox.NamedNode(BKG + "section")
EXCERPT = ox.NamedNode(BKG + "excerpt")
FILE_NAME = ox.NamedNode(BKG + "fileName")


class _Vocabulary:
    """Concepts of one kind: the named ones first, then generated ones, with Zipf-like popularity."""

    def __init__(self, kind: str, named: list[str], size: int, rng: random.Random) -> None:
        self.kind = kind
        generated = [f"{kind}-{i:06d}" for i in range(max(0, size - len(named)))]
        self.slugs = named + generated
        self.labels = [slug.replace("-", " ") for slug in named] + [
            f"{rng.choice(WORDS)} {rng.choice(NOUNS[kind])} {i}" for i in range(len(generated))
        ]
        self.iris = [_iri(kind, slug) for slug in self.slugs]
        self._cumulative = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(self.slugs))))

    def sample(self, rng: random.Random, k: int) -> list[ox.NamedNode]:
        """``k`` distinct concepts, popular ones (the named ones) more often."""
        chosen: dict[int, None] = {}
        while len(chosen) < min(k, len(self.slugs)):
            chosen[rng.choices(range(len(self.slugs)), cum_weights=self._cumulative)[0]] = None
        return [self.iris[i] for i in chosen]


def _statement(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode, source: ox.NamedNode) -> Iterator[ox.Triple]:
    digest = hashlib.blake2b(f"{s.value} {p.value} {o.value} {source.value}".encode(), digest_size=8).hexdigest()
    node = _iri("statement", digest)
    yield ox.Triple(node, TYPE, STATEMENT)
    yield ox.Triple(node, SUBJECT, s)
    yield ox.Triple(node, PREDICATE, p)
    yield ox.Triple(node, OBJECT, o)
    yield ox.Triple(node, SOURCE, source)
    yield ox.Triple(node, SECTION, ox.Literal("Skills and technologies"))
    yield ox.Triple(node, EXCERPT, ox.Literal(f"{s.value.rsplit('/', 1)[1]} {o.value.rsplit('/', 1)[1]}"))


def _concept(
    vocabulary: _Vocabulary,
    index: int,
    cls: str,
    sources: list[ox.NamedNode],
    rng: random.Random,
) -> Iterator[ox.Triple]:
    iri, label = vocabulary.iris[index], vocabulary.labels[index]
    scheme = _iri("scheme", SCHEMES[vocabulary.kind])
    yield ox.Triple(iri, TYPE, ox.NamedNode(BKG + cls))
    yield ox.Triple(iri, TYPE, CONCEPT)
    yield ox.Triple(iri, PREF, _en(label))
    yield ox.Triple(iri, ALT, _en(label.upper()))
    yield ox.Triple(iri, DEFINITION, _en(f"{vocabulary.kind} that covers {label}"))
    yield ox.Triple(iri, IN_SCHEME, scheme)
    if index < 8:
        yield ox.Triple(iri, TOP, scheme)
    else:
        yield ox.Triple(iri, BROADER, vocabulary.iris[rng.randrange(8)])
    yield ox.Triple(iri, SOURCE, rng.choice(sources))


def generate(*, triples: int = 100_000, seed: int = 42) -> Iterator[ox.Triple]:
    """Yield about ``triples`` distinct triples (never fewer, at most one role's worth more); same seed, same graph.

    Vocabulary sizes grow with ``triples``; roles, which carry most triples (their links and the provenance
    of each link), are added until the target is reached.
    """
    rng = random.Random(seed)
    sources = [_iri("source", f"document-{i:04d}") for i in range(max(4, triples // 20_000))]
    skills = _Vocabulary("skill", list(SKILLS), max(len(SKILLS), triples // 50), rng)
    techs = _Vocabulary("technology", list(TECHNOLOGIES), max(len(TECHNOLOGIES), triples // 200), rng)
    responsibilities = _Vocabulary("responsibility", [], max(8, triples // 400), rng)
    industries = _Vocabulary("industry", [], max(8, triples // 5_000), rng)
    count = 0

    def emit(items: Iterator[ox.Triple]) -> Iterator[ox.Triple]:
        nonlocal count
        for item in items:
            count += 1
            yield item

    for kind, plural in SCHEMES.items():
        scheme = _iri("scheme", plural)
        yield from emit(iter([ox.Triple(scheme, TYPE, SCHEME), ox.Triple(scheme, PREF, _en(f"{kind}s"))]))
    for i, source in enumerate(sources):
        yield from emit(
            iter(
                [
                    ox.Triple(source, TYPE, ox.NamedNode(BKG + "SourceDocument")),
                    ox.Triple(source, TITLE, ox.Literal(f"Source document {i}")),
                    ox.Triple(source, FILE_NAME, ox.Literal(f"document-{i:04d}.md")),
                ]
            )
        )
    for i, slug in enumerate(skills.slugs):
        cls = "TechnicalSkill" if slug in SKILLS[:10] else SKILL_CLASSES[i % len(SKILL_CLASSES)]
        yield from emit(_concept(skills, i, cls, sources, rng))
    for i, slug in enumerate(techs.slugs):
        yield from emit(_concept(techs, i, TECHNOLOGIES.get(slug, TECHNOLOGY_CLASSES[i % 6]), sources, rng))
    for i in range(len(responsibilities.slugs)):
        yield from emit(_concept(responsibilities, i, "Responsibility", sources, rng))
    for i in range(len(industries.slugs)):
        yield from emit(_concept(industries, i, "Industry", sources, rng))

    roles = _Vocabulary("role", list(ROLES), len(ROLES), rng)
    links = (
        (ox.NamedNode(BKG + "requiresEssentialSkill"), skills, ESSENTIAL),
        (ox.NamedNode(BKG + "requiresOptionalSkill"), skills, OPTIONAL),
        (ox.NamedNode(BKG + "usesEssentialTechnology"), techs, ESSENTIAL_TECHS),
        (ox.NamedNode(BKG + "usesOptionalTechnology"), techs, OPTIONAL_TECHS),
        (ox.NamedNode(BKG + "hasResponsibility"), responsibilities, RESPONSIBILITIES),
    )
    specialises = ox.NamedNode(BKG + "specialises")
    index = 0
    while count < triples:
        if index >= len(roles.slugs):
            roles.slugs.append(f"role-{index:06d}")
            roles.labels.append(f"{rng.choice(WORDS)} {rng.choice(NOUNS['role'])} {index}")
            roles.iris.append(_iri("role", roles.slugs[-1]))
        role = roles.iris[index]
        yield from emit(_concept(roles, index, "Role", sources, rng))
        if index > 0:
            parent = roles.iris[rng.randrange(min(index, len(ROLES)))]
            yield from emit(iter([ox.Triple(role, specialises, parent)]))
            yield from emit(_statement(role, specialises, parent, rng.choice(sources)))
        taken: set[ox.NamedNode] = set()
        for predicate, vocabulary, k in links:
            targets = [t for t in vocabulary.sample(rng, k + len(taken)) if t not in taken][:k]
            taken.update(targets)
            for target in targets:
                yield from emit(iter([ox.Triple(role, predicate, target)]))
                yield from emit(_statement(role, predicate, target, rng.choice(sources)))
        index += 1


def write(path: Path, *, triples: int = 100_000, seed: int = 42) -> int:
    """Write the synthetic graph to ``path`` as N-Triples; return the number of triples written."""
    count = 0

    def counted() -> Iterator[ox.Triple]:
        nonlocal count
        for triple in generate(triples=triples, seed=seed):
            count += 1
            yield triple

    ox.serialize(counted(), output=str(path), format=ox.RdfFormat.N_TRIPLES)
    return count
