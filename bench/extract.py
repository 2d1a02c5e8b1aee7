"""How long reading a text takes: ``POST /api/extract`` without HTTP, on the shipped graph.

Builds the matcher and the roles' requirements once (the start-up cost, printed), then reads a generated text
of 2,000 words (``--words``) many times and prints the median and the 99th percentile, in milliseconds, of the
concepts alone (``Matcher.extract``) and of the whole answer (concepts, role ranking, JSON-ready dicts). The
text is generated from a seed: ordinary English words with, about one word in eight, a label of the graph in
one of the forms people write it (plural, lower case, hyphenated ...), and the false friends the matcher must
pass over ("rest", "soap", "performance review", "Apache Kafka").

    python3 bench/extract.py               # 500 runs of a 2,000-word text
    python3 bench/extract.py -n 2000 --words 5000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable

from backendkg.graph import store as kg_module
from backendkg.graph.extract import forms
from backendkg.queries.extraction import Extractor

#: Ordinary words of job ads, none of them a label.
_FILLER = """
the a of and to in we you our with for on is are will be as an team work build run who what this that
years experience product users customers company join help make new good strong day week clear small
services code review people data ship features remote office growth learn plan write own each every
"""
FILLER = _FILLER.split()
FALSE_FRIENDS = ["rest", "soap", "flask", "oracle", "performance review", "private healthcare", "Apache Kafka"]


def generated_text(labels: list[str], *, words: int, seed: int) -> str:
    """About ``words`` words: filler, graph labels in their written forms, and false friends, one line per
    sentence of ten to twenty words."""
    rng = random.Random(seed)
    pool = sorted({form for label in labels for form in forms(label)})
    out: list[str] = []
    count = 0
    line: list[str] = []
    while count < words:
        roll = rng.random()
        if roll < 0.12:
            piece = rng.choice(pool)
        elif roll < 0.14:
            piece = rng.choice(FALSE_FRIENDS)
        else:
            piece = rng.choice(FILLER)
        line.append(piece)
        count += len(piece.split())
        if len(line) >= rng.randint(10, 20):
            out.append(" ".join(line).capitalize() + ".")
            line = []
    out.append(" ".join(line))
    return "\n".join(out).strip()


def timings(func: Callable[[], object], runs: int) -> tuple[float, float]:
    """The median and the 99th percentile of ``runs`` calls of ``func``, in milliseconds."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=500, help="runs per measurement (default 500)")
    parser.add_argument("--words", type=int, default=2000, help="words in the text (default 2000)")
    parser.add_argument("--seed", type=int, default=17, help="seed of the generated text (default 17)")
    args = parser.parse_args()

    kg = kg_module.load()
    started = time.perf_counter()
    extractor = Extractor.from_graph(kg)
    build = (time.perf_counter() - started) * 1000
    labels = [
        row["label"].value
        for row in kg.select("SELECT ?label WHERE { ?c skos:prefLabel|skos:altLabel ?label . ?c a bkg:Role }")
    ]
    labels += [
        row["label"].value
        for row in kg.select(
            "SELECT ?label WHERE { ?c skos:prefLabel|skos:altLabel ?label "
            "FILTER(STRSTARTS(STR(?c), 'https://w3id.org/backendkg/technology/')"
            " || STRSTARTS(STR(?c), 'https://w3id.org/backendkg/skill/')) }"
        )
    ]
    text = generated_text(labels, words=args.words, seed=args.seed)
    found, ranks = extractor.extract(text)
    mentions = sum(len(f.mentions) for f in found)
    extractor.answer(text)  # warm up

    print(
        f"matcher: {len(extractor.matcher)} concepts, {extractor.matcher.keys} phrases; "
        f"start-up (matcher and requirements from the graph) {build:.1f} ms"
    )
    print(
        f"text: {len(text.split())} words, {len(text)} characters; {len(found)} concepts, {mentions} mentions, "
        f"{len(ranks)} roles"
    )
    try:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    print(f"{args.runs} runs, milliseconds; load average {load}")
    for name, func in (
        ("concepts (Matcher.extract)", lambda: extractor.matcher.extract(text)),
        ("whole answer (Extractor.answer)", lambda: extractor.answer(text)),
    ):
        median, p99 = timings(func, args.runs)
        print(f"  {name:34} median {median:6.2f}   p99 {p99:6.2f}")


if __name__ == "__main__":
    main()
