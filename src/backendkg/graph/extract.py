"""Concepts named in a text: the phrase matcher behind ``POST /api/extract`` and ``backendkg extract``.

:meth:`Matcher.from_graph` reads the preferred, alternative and hidden labels of every concept (roles, skills,
traits, technologies, responsibilities, industries, capabilities, benefits) once, generates the forms people
write them in, and puts them all in one Aho-Corasick automaton (pyahocorasick). :meth:`Matcher.extract`
finds them in a text with the offsets of every mention in that text.

The rules, each tested in ``tests/test_extract.py``:

- **Case.** Labels match whatever their case, except a one-word label written with capitals whose lower-case
  form is an English word (``REST``, ``SOAP``, ``Oracle``, ``Flask``, ``Rails``: :data:`COMMON_WORDS`). Those
  match as written; written in lower case they match only among other technologies, in a list ("python,
  django, flask") or joined by "and" or "or", or before "API" ("rest api"). "rest", "a flask of coffee" and
  "a bar of soap" name nothing.
- **Forms.** Besides each label as written: the plural or singular of its last word (``back-end developers``,
  ``database server``), the other forms of a label's leading verbs (``implementing encryption``: ``implement
  encryption``, ``implemented encryption``, ``implements encryption``), the ``-ing`` form of a one-word skill
  or technology ending in ``-ion`` (``encryption``: ``encrypting``), British and American spellings
  (``-isation``/``-ization``, ``-ise``/``-ize``, ``-ogue``/``-og``, ``-iour``/``-ior``), ``&`` for ``and``,
  and hyphen, space, slash and no-space variants (``client/server``, ``client-server``, ``client server``).
  A form generated from one concept's label never takes the place of another concept's label.
- **Tokens.** A match starts and ends at a token boundary: "rest" is not found in "restore", ``Java`` is not
  found in "JavaScript", and a name joined to a word by a dot (``Node.js``, ``ASP.NET``) is not ``JS`` or
  ``.NET``.
- **Longest match.** Where matches overlap, the longest wins and the others are dropped: "Ruby on Rails" is
  not also a mention of Ruby, "implementing encryption" not also one of encryption.
- **False friends.** :data:`STOP_PHRASES` (a short list of common phrases that contain a label but do not
  name its concept, such as "performance review" and "private healthcare") take part in the longest-match
  contest and name nothing; a label in :data:`PRODUCT_FAMILIES` (``Apache``) followed by another capitalised
  name is that family's other product ("Apache Cassandra", "Apache Kafka"), not the concept.

Matching runs on a normalised copy of the text (case folded, dashes and quotes unified, runs of white space
made one space) with a map back to the original offsets, so every mention's ``text`` is exactly
``text[start:end]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import ahocorasick
import pyoxigraph as ox

from ..errors import Problem
from ..namespaces import BASE, curie
from .backend import Backend
from .links import crosswalk
from .search import CONCEPT_KINDS, kind_of

#: The longest text accepted, in characters (about 8,000 words).
MAX_TEXT_LENGTH = 50_000

#: Lower-case forms of one-word labels that are also English words: a label written with capitals whose
#: lower-case form is one of these matches only as written (``REST`` but not "rest").
COMMON_WORDS: frozenset[str] = frozenset(
    {"rest", "restful", "soap", "oracle", "flask", "rails", "go", "swift", "rust", "spring", "express", "ember"}
)

#: Phrases that contain a label but do not name its concept. Each is matched like a label (in all the forms
#: labels are) and wins over the shorter label inside it, but names nothing. Kept short: a phrase is here
#: only when it is common in job ads, CVs or course outlines and its label would otherwise be found.
STOP_PHRASES: tuple[str, ...] = (
    "rest assured",  # the idiom; REST is matched as written anyway, this keeps "REST assured" out too
    "performance review",  # and the bonus or appraisal of an employee: not the benefit of a fast backend
    "performance bonus",
    "performance appraisal",
    "private healthcare",  # an employee benefit, not the healthtech industry
    "healthcare insurance",
    "healthcare plan",
    "finance team",  # a department, not the fintech industry
    "finance department",
    "integration test",  # testing, not the benefit of integrated systems
    "integration testing",
    "continuous integration",
    "security clearance",  # a vetting status, not the security a backend gives
)

#: Labels (case folded) that also name a family of products: followed by a capitalised name, the label
#: names that other product ("Apache Kafka"), unless the name is one of the words given (``Apache Web
#: Server``, ``Apache HTTPD``).
PRODUCT_FAMILIES: dict[str, frozenset[str]] = {
    "apache": frozenset({"http", "httpd", "web", "webserver", "server", "servers"}),
}

_LABELS = """
SELECT ?concept ?property ?label WHERE {
  VALUES ?property { skos:prefLabel skos:altLabel skos:hiddenLabel }
  ?concept ?property ?label .
  FILTER(isIRI(?concept) && STRSTARTS(STR(?concept), "{base}") && isLITERAL(?label))
  FILTER(LANG(?label) = "" || LANGMATCHES(LANG(?label), "en"))
  FILTER NOT EXISTS { ?concept owl:deprecated true }
}
""".replace("{base}", BASE)

_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
#: Characters turned into one another before matching (each into exactly one character).
_UNIFY = {
    **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"},
    **{c: "'" for c in "\u2018\u2019\u201b\u2032\uff07"},
    **{chr(i): " " for i in range(0x3001) if chr(i).isspace()},
}
_TABLE = str.maketrans(_UNIFY)
_RUNS = re.compile(r" {2,}")
#: Verbs whose past tense is not regular, among those that start labels.
_IRREGULAR_PAST = {
    "build": ("built",),
    "write": ("wrote", "written"),
    "set": ("set",),
    "oversee": ("oversaw", "overseen"),
    "lead": ("led",),
    "run": ("ran",),
    "make": ("made",),
    "keep": ("kept",),
}
#: Where a separator may vary: a label with more word gaps than this keeps its spaces as written.
_MAX_VARIED_GAPS = 3


class TextTooLong(Problem):
    code = 413
    description = f"The text is longer than the {MAX_TEXT_LENGTH:,} characters accepted."


@dataclass(frozen=True)
class Mention:
    """Where a text names a concept: ``text == source[start:end]``."""

    start: int
    end: int
    text: str

    def as_dict(self) -> dict[str, int | str]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class ExternalLink:
    """A SKOS mapping of a concept to an identifier of ESCO, ISCO-08, O*NET-SOC or Wikidata."""

    vocabulary: str
    iri: str
    relation: str

    def as_dict(self) -> dict[str, str]:
        return {"vocabulary": self.vocabulary, "iri": self.iri, "relation": self.relation}


@dataclass(frozen=True)
class Found:
    """A concept found in a text, with every mention of it in order and its links to other vocabularies."""

    iri: str
    label: str
    kind: str | None
    mentions: tuple[Mention, ...]
    links: tuple[ExternalLink, ...] = ()

    def as_dict(self) -> dict:
        return {
            "iri": self.iri,
            "label": self.label,
            "kind": self.kind,
            "mentions": [m.as_dict() for m in self.mentions],
            "links": [link.as_dict() for link in self.links],
        }


@dataclass(frozen=True)
class _Entry:
    """One concept a key of the automaton may stand for."""

    iri: str | None  # None: a stop phrase
    tier: int  # 0: a label as written, 1: a generated form, -1: a stop phrase
    exact: frozenset[str] | None  # the forms a case-sensitive label matches as written; None: any case
    family: frozenset[str] | None = None  # see PRODUCT_FAMILIES


@dataclass
class _Key:
    entries: list[_Entry] = field(default_factory=list)


# Normalisation ---------------------------------------------------------------------------------------------


def _fold_char(c: str) -> str:
    folded = c.casefold()
    if len(folded) == 1:
        return folded
    lower = c.lower()
    return lower if len(lower) == 1 else c


def fold(text: str) -> str:
    """``text`` case folded, dashes, quotes and white space unified, one character for each of ``text``'s."""
    unified = text.translate(_TABLE)
    folded = unified.casefold()
    if len(folded) != len(unified):
        folded = "".join(_fold_char(c) for c in unified)
    return folded


def normalise(text: str) -> tuple[str, list[int] | None]:
    """The text matching runs on, and the offset in ``text`` of each of its characters (``None``: the same
    offsets, no run of white space was collapsed)."""
    folded = fold(text)
    if "  " not in folded:
        return folded, None
    pieces: list[str] = []
    offsets: list[int] = []
    pos = 0
    for run in _RUNS.finditer(folded):
        pieces.append(folded[pos : run.start() + 1])
        offsets.extend(range(pos, run.start() + 1))
        pos = run.end()
    pieces.append(folded[pos:])
    offsets.extend(range(pos, len(folded)))
    return "".join(pieces), offsets


def _key(label: str) -> str:
    """The automaton key of a label or form: normalised like a text, without leading or trailing space."""
    return normalise(" ".join(label.split()))[0]


# Forms of a label ------------------------------------------------------------------------------------------


def case_sensitive(label: str) -> bool:
    """Whether ``label`` matches as written only: one word with capitals whose lower case is an English word
    (``REST``, ``Oracle``; :data:`COMMON_WORDS`)."""
    return len(label.split()) == 1 and label != label.lower() and label.casefold() in COMMON_WORDS


def _spellings(label: str) -> set[str]:
    """``label`` in British and American spelling, and with ``&`` and ``and`` for each other."""
    forms = {label}
    swaps = [
        (r"(?<=[a-z])is(?=(e|es|ed|ing|ation|ations|er|ers)\b)", "iz"),
        (r"(?<=[a-z])iz(?=(e|es|ed|ing|ation|ations|er|ers)\b)", "is"),
        (r"(?<=[a-z])ogue\b", "og"),
        (r"(?<=[a-z]{3})og\b", "ogue"),
        (r"(?<=[a-z])iour", "ior"),
        (r"(?<=[a-z])ior(?=s?\b)", "iour"),
    ]
    for pattern, replacement in swaps:
        forms |= {re.sub(pattern, replacement, f) for f in list(forms)}
    if " & " in label:
        forms |= {f.replace(" & ", " and ") for f in list(forms)}
    elif " and " in label:
        forms |= {f.replace(" and ", " & ") for f in list(forms)}
    return forms


def _separators(label: str) -> set[str]:
    """``label`` with each hyphen as a hyphen, a space or nothing, each slash as a slash, a spaced slash, a
    hyphen or a space, and each space as a space or a hyphen (spaces only in labels of a few words)."""
    parts = re.split(r"( / | |-|/)", label)
    words, gaps = parts[0::2], parts[1::2]
    if not gaps:
        return {label}
    vary_spaces = len(gaps) <= _MAX_VARIED_GAPS
    choices = []
    for gap in gaps:
        if gap == "-":
            choices.append(("-", " ", ""))
        elif gap.strip() == "/":
            choices.append(("/", " / ", "-", " "))
        elif vary_spaces:
            choices.append((" ", "-"))
        else:
            choices.append((" ",))
    forms = [words[0]]
    for gap_choices, word in zip(choices, words[1:], strict=True):
        forms = [f + g + word for f in forms for g in gap_choices]
    return set(forms)


def _plural(word: str) -> str:
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def _number(label: str) -> set[str]:
    """``label`` with its last word in the other number: plural for singular, singular for plural."""
    head, _, last = label.rpartition(" ")
    prefix = head + " " if head else ""
    stem, sep, tail = last.rpartition("-")
    word = tail
    if not word.isalpha():
        return set()
    lead = prefix + stem + sep
    if word.isupper() and len(word) >= 2:
        return {lead + word + "s"}
    if word != word.lower() or word.endswith("ing") or len(word) < 3:
        return set()
    forms = set()
    if word.endswith("ies") and len(word) > 4:
        forms.add(lead + word[:-3] + "y")
    elif re.search(r"(ses|xes|zes|ches|shes)$", word):
        forms |= {lead + word[:-2], lead + word[:-1]}
    elif word.endswith("s") and not re.search(r"(ss|us|is)$", word):
        forms.add(lead + word[:-1])
    else:
        forms.add(lead + _plural(word))
    return forms


def _verb_bases(gerund: str) -> set[str]:
    """The plain forms a gerund may come from: ``creating`` -> ``creat``, ``create``; ``setting`` -> ``set``.
    Forms that are not words do no harm: they never occur in a text."""
    stem = gerund[:-3]
    bases = {stem, stem + "e"}
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiou":
        bases.add(stem[:-1])
    return bases


def _third(base: str) -> str:
    return _plural(base)


def _past(base: str) -> tuple[str, ...]:
    tail = base.rsplit("-", 1)[-1]
    if tail in _IRREGULAR_PAST:
        return tuple(base[: len(base) - len(tail)] + p for p in _IRREGULAR_PAST[tail])
    if base.endswith("e"):
        return (base + "d",)
    if re.search(r"[^aeiou]y$", base):
        return (base[:-1] + "ied",)
    return (base + "ed",)


def _verbs(label: str) -> set[str]:
    """``label`` with its leading verbs (a gerund first, or after "and", "&" or "or") in their plain,
    third-person and past forms, all together: ``designing and building APIs`` -> ``design and build APIs``,
    ``designs and builds APIs``, ``designed and built APIs``."""
    words = label.split(" ")
    slots = [
        i
        for i, w in enumerate(words)
        if w.endswith("ing") and len(w) > 5 and w.islower() and (i == 0 or words[i - 1] in ("and", "&", "or"))
    ]
    if not slots or 0 not in slots:
        return set()
    forms: set[str] = set()
    options = {i: sorted(_verb_bases(words[i])) for i in slots}
    for shape in ("plain", "third", "past"):
        variants = [list(words)]
        for i in slots:
            expanded = []
            for base in options[i]:
                if shape == "plain":
                    new = (base,)
                elif shape == "third":
                    new = (_third(base),)
                else:
                    new = _past(base)
                for form in new:
                    expanded.extend([*v[:i], form, *v[i + 1 :]] for v in variants)
            variants = expanded
        forms |= {" ".join(v) for v in variants}
    return forms


def _gerund_of_noun(label: str) -> set[str]:
    """The ``-ing`` form of a one-word ``-ion`` noun: ``encryption`` -> ``encrypting``, ``authorisation`` ->
    ``authorising``, ``authentication`` -> ``authenticating``."""
    if " " in label or not label.islower():
        return set()
    for suffix, replacement in (("isation", "ising"), ("ization", "izing"), ("ation", "ating"), ("ption", "pting")):
        if label.endswith(suffix) and len(label) > len(suffix) + 2:
            return {label[: -len(suffix)] + replacement}
    return set()


def forms(label: str, *, kind: str | None = None) -> set[str]:
    """Every form of ``label`` the matcher looks for (``label`` itself included), as written, before folding;
    ``kind`` (``skill``, ``technology`` ...) decides whether an ``-ion`` noun gets its ``-ing`` form."""
    label = " ".join(label.split())
    if case_sensitive(label):
        return {label}
    found: set[str] = set()
    for spelling in _spellings(label):
        for form in _separators(spelling):
            found.add(form)
            found |= _number(form)
            found |= _verbs(form)
            if kind in ("skill", "technology"):
                found |= _gerund_of_noun(form)
    return found


# The matcher -----------------------------------------------------------------------------------------------


class Matcher:
    """The labels of the graph's concepts in one automaton, built once, used for any number of texts."""

    def __init__(
        self,
        labels: dict[str, list[str]],
        *,
        display: dict[str, str] | None = None,
        links: dict[str, tuple[ExternalLink, ...]] | None = None,
        stop_phrases: Iterable[str] = STOP_PHRASES,
    ):
        """``labels``: concept IRI to its labels, preferred first; ``display``: the label to show for each
        (default: its first); ``links``: each concept's external links."""
        self._display = {iri: (display or {}).get(iri) or names[0] for iri, names in labels.items() if names}
        self._links = links or {}
        keys: dict[str, _Key] = {}

        def add(key: str, entry: _Entry) -> None:
            if key:
                slot = keys.setdefault(key, _Key())
                if entry not in slot.entries:
                    slot.entries.append(entry)

        for iri in sorted(labels):
            kind = kind_of(iri)
            for label in labels[iri]:
                label = " ".join(label.split())
                if not label:
                    continue
                key = _key(label)
                family = PRODUCT_FAMILIES.get(key)
                if case_sensitive(label):
                    add(key, _Entry(iri, 0, frozenset({label}), family))
                    continue
                add(key, _Entry(iri, 0, None, family))
                for form in forms(label, kind=kind):
                    add(_key(form), _Entry(iri, 1, None, PRODUCT_FAMILIES.get(_key(form))))
        for phrase in stop_phrases:
            for form in forms(phrase):
                add(_key(form), _Entry(None, -1, None))
        automaton = ahocorasick.Automaton()
        for key, slot in keys.items():
            # A label as written wins over a form generated from another concept's label.
            best = min((e.tier for e in slot.entries if e.exact is None), default=None)
            entries = [e for e in slot.entries if e.exact is not None or e.tier == best]
            entries.sort(key=lambda e: (e.tier, e.iri or ""))
            automaton.add_word(key, (len(key), tuple(entries)))
        automaton.make_automaton()
        self._automaton = automaton
        self.keys = len(keys)

    @classmethod
    def from_graph(cls, kg: Backend, *, stop_phrases: Iterable[str] = STOP_PHRASES) -> Matcher:
        """The matcher of every concept of ``kg`` that is not deprecated, with its links to other vocabularies."""
        labels: dict[str, list[tuple[int, str]]] = {}
        display: dict[str, str] = {}
        for row in kg.select(_LABELS):
            iri = row["concept"].value
            if kind_of(iri) not in CONCEPT_KINDS:
                continue
            literal = row["label"]
            assert isinstance(literal, ox.Literal)
            pref = row["property"].value == _PREF
            labels.setdefault(iri, []).append((0 if pref else 1, literal.value))
            if pref and (iri not in display or literal.language == "en"):
                display[iri] = literal.value
        links: dict[str, list[ExternalLink]] = {}
        for link in crosswalk(kg):
            if link.concept in labels:
                links.setdefault(link.concept, []).append(
                    ExternalLink(link.vocabulary, link.external, curie(link.relation))
                )
        ordered = {iri: [text for _, text in sorted(found)] for iri, found in labels.items()}
        return cls(
            ordered,
            display=display,
            links={iri: tuple(found) for iri, found in links.items()},
            stop_phrases=stop_phrases,
        )

    def __len__(self) -> int:
        """The number of concepts."""
        return len(self._display)

    def label(self, iri: str) -> str:
        return self._display.get(iri, iri.rsplit("/", 1)[-1])

    def mentions(self, text: str) -> Iterator[tuple[str, Mention]]:
        """Each concept mention in ``text``, in order of position: ``(iri, mention)``."""
        if len(text) > MAX_TEXT_LENGTH:
            raise TextTooLong(f"The text is {len(text):,} characters long; at most {MAX_TEXT_LENGTH:,} are accepted.")
        norm, offsets = normalise(text)

        def original(start: int, end: int) -> tuple[int, int]:
            if offsets is None:
                return start, end
            return offsets[start], offsets[end - 1] + 1

        candidates: list[tuple[int, int, str | None, bool]] = []
        for last, (length, entries) in self._automaton.iter(norm):
            start, end = last - length + 1, last + 1
            if not _bounded(norm, start, end):
                continue
            chosen = _choose(entries, text, *original(start, end))
            if chosen is not None:
                candidates.append((start, end, *chosen))
        # Longest first, then leftmost; a match overlapping one already taken is dropped.
        candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
        taken = bytearray(len(norm))
        kept: list[tuple[int, int, str | None, bool]] = []
        for candidate in candidates:
            start, end = candidate[0], candidate[1]
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            kept.append(candidate)
        kept.sort()
        sure = _in_context(norm, kept)
        for (start, end, iri, _), ok in zip(kept, sure, strict=True):
            if iri is not None and ok:
                o_start, o_end = original(start, end)
                yield iri, Mention(o_start, o_end, text[o_start:o_end])

    def extract(self, text: str) -> list[Found]:
        """The concepts ``text`` names, each once with all its mentions, in order of first mention.
        :class:`TextTooLong` (413) when ``text`` is longer than :data:`MAX_TEXT_LENGTH` characters."""
        found: dict[str, list[Mention]] = {}
        for iri, mention in self.mentions(text):
            found.setdefault(iri, []).append(mention)
        return [
            Found(iri, self.label(iri), kind_of(iri), tuple(mentions), self._links.get(iri, ()))
            for iri, mentions in found.items()
        ]


def _word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _bounded(norm: str, start: int, end: int) -> bool:
    """Whether ``norm[start:end]`` starts and ends at token boundaries: no word character joined to either
    end, nor a word joined to it by a dot (``Node.js``, ``ASP.NET``), nor ``+`` or ``#`` after it (``C++``)."""
    if start > 0:
        before = norm[start - 1]
        if _word(before):
            return False
        if before == "." and start > 1 and _word(norm[start - 2]):
            return False
        if norm[start] == "." and _word(before):
            return False
    if end < len(norm):
        after = norm[end]
        if _word(after) or after in "+#":
            return False
        if after == "." and end + 1 < len(norm) and _word(norm[end + 1]):
            return False
    return True


def _choose(entries: tuple[_Entry, ...], text: str, start: int, end: int) -> tuple[str | None, bool] | None:
    """The concept a match of ``entries`` at ``text[start:end]`` names (``None``: a stop phrase) and whether
    it still needs context (a case-sensitive label written in lower case); ``None`` when none fits: a
    case-sensitive label written otherwise, or a product family's other product."""
    written: str | None = None
    pending: str | None = None
    for entry in entries:
        if entry.family is not None and _other_product(text, end, entry.family):
            continue
        if entry.exact is None:
            return entry.iri, False
        if written is None:
            written = text[start:end]
        if written in entry.exact:
            return entry.iri, False
        if pending is None and written == written.lower():
            pending = entry.iri
    return (pending, True) if pending is not None else None


#: What may stand between the items of a list: punctuation, bullets, "and", "or".
_LIST_GAP = re.compile(r"[\s,;/&|()*\u2022\u00b7-]*(?:\b(?:and|or)\b[\s,;/&|()*\u2022\u00b7-]*)?")
#: Words after a technology written in lower case that say it is one ("rest api").
_TECHNICAL_NEXT = re.compile(r"[ -]?(?:apis?|endpoints?)\b")


def _in_context(norm: str, kept: list[tuple[int, int, str | None, bool]]) -> list[bool]:
    """For each kept match, whether it stands: a match that needs context stands when the next word is "api"
    or "apis", or when it is listed next to another technology that stands ("python, django, flask")."""
    sure = [not pending for *_, pending in kept]

    def neighbour(i: int, j: int) -> bool:
        """Whether match ``j`` stands, is another technology than match ``i`` and is listed with it."""
        if not (0 <= j < len(kept) and sure[j]):
            return False
        other, iri = kept[j][2], kept[i][2]
        if other is None or other == iri or kind_of(other) != "technology":
            return False
        first, second = sorted((i, j))
        return _listed(norm[kept[first][1] : kept[second][0]])

    changed = True
    while changed:
        changed = False
        for i, (_, end, iri, _) in enumerate(kept):
            if sure[i] or iri is None:
                continue
            if neighbour(i, i - 1) or neighbour(i, i + 1) or _TECHNICAL_NEXT.match(norm, end):
                sure[i] = changed = True
    return sure


def _listed(gap: str) -> bool:
    """Whether ``gap``, the text between two matches, makes them items of one list."""
    return 0 < len(gap) <= 12 and _LIST_GAP.fullmatch(gap) is not None


_NEXT_NAME = re.compile(r"[^\S\r\n]+([A-Z][\w.-]*)")


def _other_product(text: str, end: int, own: frozenset[str]) -> bool:
    """Whether a capitalised name that is not one of ``own`` follows ``text[:end]`` on the same line."""
    follows = _NEXT_NAME.match(text, end)
    return follows is not None and follows.group(1).casefold().rstrip(".") not in own
