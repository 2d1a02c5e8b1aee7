"""From text to concepts and roles: what ``POST /api/extract`` and ``backendkg extract`` answer.

:class:`Extractor` holds the phrase matcher (:class:`~backendkg.graph.extract.Matcher`) and the roles'
requirements (:class:`~backendkg.queries.questions.Requirements`), both read from the graph once. For a text
it answers the concepts the text names, with their mentions and links, and the roles ranked by how well those
concepts cover each role's requirements (the skill-gap question, :func:`~backendkg.queries.questions.skill_gap`)
and by whether the text names the role itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..graph.backend import Backend
from ..graph.extract import Found, Matcher
from ..graph.search import kind_of
from .questions import WEIGHTS, Item, Requirements

#: A short job ad, the example of the API and of the page.
SAMPLE_TEXT = (
    "Backend developer wanted: Python with Django or Flask, PostgreSQL, REST APIs and caching; "
    "you will work with our frontend developers."
)

#: Weight of a role being named in the text, against the share of its requirements covered (at most 1): a
#: named role with nothing covered ranks with an unnamed one that has everything.
NAMED_WEIGHT = 1.0


@dataclass(frozen=True)
class RoleRank:
    """How well the concepts of a text fit one role."""

    role: Item
    #: ``(coverage + NAMED_WEIGHT * named) / (1 + NAMED_WEIGHT)``, between 0 and 1.
    score: float
    coverage: float
    named: bool
    matched: tuple[tuple[Item, str], ...]  # (requirement, "essential" | "optional")
    missing_essential: tuple[Item, ...]
    missing_optional: tuple[Item, ...]

    def as_dict(self) -> dict:
        return {
            "iri": self.role.iri,
            "label": self.role.label,
            "score": self.score,
            "coverage": self.coverage,
            "named": self.named,
            "matched": [{**item.as_dict(), "level": level} for item, level in self.matched],
            "missing_essential": [item.as_dict() for item in self.missing_essential],
            "missing_optional": [item.as_dict() for item in self.missing_optional],
        }


def rank_roles(requirements: Requirements, found: Sequence[Found]) -> list[RoleRank]:
    """The roles ``found`` (the concepts of a text) give evidence for, best first: those whose requirements
    they cover in part, and those the text names (with or without requirements of their own)."""
    held = [f.iri for f in found if kind_of(f.iri) in ("skill", "technology")]
    named = {f.iri: f.label for f in found if kind_of(f.iri) == "role"}
    ranks: list[RoleRank] = []
    seen: set[str] = set()
    for fit in requirements.fit(held):
        is_named = fit.role.iri in named
        if fit.covered_weight == 0 and not is_named:
            continue
        seen.add(fit.role.iri)
        ranks.append(
            RoleRank(
                role=fit.role,
                score=_score(fit.score, is_named),
                coverage=fit.score,
                named=is_named,
                matched=tuple((item, level) for level in WEIGHTS for item in fit.covered[level]),
                missing_essential=tuple(fit.missing["essential"]),
                missing_optional=tuple(fit.missing["optional"]),
            )
        )
    for iri, text in named.items():
        if iri not in seen:
            ranks.append(RoleRank(Item(iri, text), _score(0.0, True), 0.0, True, (), (), ()))
    matched_weight = {r.role.iri: sum(WEIGHTS[level] for _, level in r.matched) for r in ranks}
    ranks.sort(key=lambda r: (-r.score, -matched_weight[r.role.iri], r.role.label.lower(), r.role.iri))
    return ranks


def _score(coverage: float, named: bool) -> float:
    return round((coverage + (NAMED_WEIGHT if named else 0.0)) / (1 + NAMED_WEIGHT), 4)


class Extractor:
    """The matcher and the roles' requirements of one graph, built once per process."""

    def __init__(self, matcher: Matcher, requirements: Requirements):
        self.matcher = matcher
        self.requirements = requirements

    @classmethod
    def from_graph(cls, kg: Backend) -> Extractor:
        return cls(Matcher.from_graph(kg), Requirements.from_graph(kg))

    def extract(self, text: str) -> tuple[list[Found], list[RoleRank]]:
        """The concepts ``text`` names, in order of first mention, and the roles they fit, best first.
        :class:`~backendkg.graph.extract.TextTooLong` (413) for a text over the length limit."""
        found = self.matcher.extract(text)
        return found, rank_roles(self.requirements, found)

    def answer(self, text: str, *, roles: int | None = None) -> dict:
        """The answer as JSON: ``{"concepts": [...], "roles": [...]}`` (at most ``roles`` roles)."""
        found, ranks = self.extract(text)
        return {
            "concepts": [f.as_dict() for f in found],
            "roles": [r.as_dict() for r in ranks[:roles]],
        }
