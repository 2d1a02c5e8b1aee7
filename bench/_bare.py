"""The baseline of the scale benchmark: a fresh process that loads a file into ``pyoxigraph.Store()`` and queries it.

Usage: ``python _bare.py FILE``. The process prints ``ready <seconds to load>`` once the store is loaded, then
reads one line of JSON from standard input, ``{"queries": [[text, construct], ...], "repeat": N}``, evaluates
each query ``N`` times, serialising the answer as a server would (SPARQL JSON, Turtle), prints
``{"latencies": [[seconds, ...], ...], "sizes": [bytes, ...]}`` and exits.
"""

from __future__ import annotations

import json
import sys
import time

import pyoxigraph as ox


def main(path: str) -> None:
    began = time.perf_counter()
    store = ox.Store()
    store.load(path=path, format=ox.RdfFormat.from_extension(path.rsplit(".", 1)[-1]))
    print(f"ready {time.perf_counter() - began:.6f}", flush=True)
    request = json.loads(sys.stdin.readline())
    latencies: list[list[float]] = []
    sizes: list[int] = []
    for text, construct in request["queries"]:
        times = []
        for _ in range(request["repeat"]):
            started = time.perf_counter()
            result = store.query(text)
            if construct:
                body = ox.serialize(result, format=ox.RdfFormat.TURTLE)
            else:
                body = result.serialize(format=ox.QueryResultsFormat.JSON)
            times.append(time.perf_counter() - started)
        latencies.append(times)
        sizes.append(len(body))
    print(json.dumps({"latencies": latencies, "sizes": sizes}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
