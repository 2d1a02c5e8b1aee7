"""Load: 16 clients for 30 seconds ask every parameterless competency question over GET and POST in every
result format; every answer must equal the one computed in-process, with no error at all."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from backendkg.queries.named import library

from ._answers import Answer, from_result, media_types, parse
from ._http import percentile, request

pytestmark = pytest.mark.reliability

DURATION = 30.0  # seconds of load
CLIENTS = 16
WORKERS = 4
METHODS = ("GET", "POST-form", "POST-query")


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    media_type: str
    method: str


def _cases(local_kg) -> tuple[list[Case], dict[tuple[str, str], Answer]]:
    cases: list[Case] = []
    expected: dict[tuple[str, str], Answer] = {}
    for query in library():
        if query.params:
            continue
        for media_type in media_types(query.form):
            expected[(query.name, media_type)] = from_result(local_kg.query(query.text), media_type)
            cases.extend(Case(query.name, query.text, media_type, m) for m in METHODS)
    return cases, expected


def _send(base: str, case: Case):
    headers = {"Accept": case.media_type}
    if case.method == "GET":
        return request(base, "GET", params={"query": case.text}, headers=headers, timeout=30)
    if case.method == "POST-form":
        body = urlencode({"query": case.text}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    else:
        body = case.text.encode()
        headers["Content-Type"] = "application/sparql-query"
    return request(base, "POST", body=body, headers=headers, timeout=30)


def test_sixteen_clients_for_thirty_seconds_get_only_correct_answers(start_server, local_kg, report):
    cases, expected = _cases(local_kg)
    assert len({c.name for c in cases}) >= 20, "the competency questions should be there"
    base = start_server("--workers", str(WORKERS), fresh=True)

    lock = threading.Lock()
    verified: set[tuple[str, str, bytes]] = set()  # (query, media type, body digest) found equal to expected
    latencies: list[float] = []
    errors: list[str] = []
    counted = {"done": 0}
    stop_at = time.monotonic() + DURATION

    def client(index: int) -> None:
        k = index * 7
        own: list[float] = []
        while time.monotonic() < stop_at:
            case = cases[k % len(cases)]
            k += 1
            try:
                reply = _send(base, case)
            except Exception as exc:
                with lock:
                    errors.append(f"{case}: {exc!r}")
                continue
            own.append(reply.seconds)
            problem = None
            if reply.status != 200:
                problem = f"status {reply.status}: {reply.body[:300]!r}"
            elif not (reply.header("content-type") or "").startswith(case.media_type):
                problem = f"content type {reply.header('content-type')}"
            else:
                key = (case.name, case.media_type, hashlib.sha256(reply.body).digest())
                with lock:
                    known = key in verified
                if not known:
                    try:
                        got = parse(reply.body, case.media_type)
                    except Exception as exc:
                        got = exc
                    if got == expected[(case.name, case.media_type)]:
                        with lock:
                            verified.add(key)
                    else:
                        problem = f"answer differs from the expected one: {got!r}"
            if problem:
                with lock:
                    errors.append(f"{case.name} {case.method} {case.media_type}: {problem}")
        with lock:
            latencies.extend(own)
            counted["done"] += len(own)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(DURATION + 60)
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "a client hung"

    rate = len(latencies) / elapsed
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    report(
        f"load: {CLIENTS} clients, {WORKERS} workers, {elapsed:.1f} s, {len(latencies)} answers, "
        f"{rate:.0f} requests/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, {len(cases)} cases "
        f"({len(expected)} query/format pairs x {len(METHODS)} methods), {len(errors)} errors"
    )
    assert not errors, f"{len(errors)} errors, the first: {errors[:5]}"
    assert len(latencies) >= len(cases), "every case should have been asked at least once"
    assert {(n, m) for n, m, _ in verified} == set(expected), "every query/format pair verified"
