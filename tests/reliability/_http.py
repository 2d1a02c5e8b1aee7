"""Small HTTP and process helpers for the reliability suite: raw requests with a deadline, latency figures,
and the CPU time of a server's whole process tree."""

from __future__ import annotations

import http.client
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import psutil

#: Figures the suite measured (requests/s, p99 ...), printed again in the summary at the end of the run.
FIGURES: list[str] = []


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def request(
    base: str,
    method: str = "GET",
    path: str = "/sparql",
    *,
    params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Reply:
    """One request on a fresh connection; raises ``OSError`` (including timeouts) or ``http.client`` errors.

    A server may answer (413, 405 ...) and close the connection before it has read a large body; as curl does,
    the answer it sent is read even though sending the rest of the body failed."""
    parts = urlsplit(base)
    target = path + ("?" + urlencode(params) if params else "")
    started = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        try:
            conn.request(method, target, body=body, headers=dict(headers or {}))
        except (BrokenPipeError, ConnectionResetError) as unsent:
            if body is None:
                raise
            try:
                response = conn.getresponse()
            except (OSError, http.client.HTTPException):
                raise unsent from None
        else:
            response = conn.getresponse()
        data = response.read()
        found = {k.lower(): v for k, v in response.getheaders()}
        return Reply(response.status, found, data, time.perf_counter() - started)
    finally:
        conn.close()


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by process ``pid`` and all its descendants, the exited ones included.

    An exited child's time moves into its parent's ``children_*`` counters once the parent reaps it, and a
    live child's time is read directly, so the sum only grows (a child that exited but is not reaped yet is
    missed for that moment, which can only make a burst look shorter by one reaping delay).
    """
    total = 0.0
    try:
        root = psutil.Process(pid)
        times = root.cpu_times()
        total += times.user + times.system + times.children_user + times.children_system
        children = root.children(recursive=True)
    except psutil.NoSuchProcess:
        return total
    for child in children:
        try:
            times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def wait_for_idle(pid: int, *, window: float = 0.25, idle_share: float = 0.05, limit: float = 10.0) -> float:
    """Seconds until the process tree of ``pid`` uses less than ``idle_share`` of one core over ``window``.

    Returns the end of the first idle window, measured from the call; ``math.inf`` if not idle within ``limit``.
    """
    started = time.monotonic()
    before = tree_cpu_seconds(pid)
    while time.monotonic() - started < limit:
        time.sleep(window)
        after = tree_cpu_seconds(pid)
        if after - before < idle_share * window:
            return time.monotonic() - started
        before = after
    return math.inf


def wait_for_workers(server, count: int, *, limit: float = 30.0) -> set[int]:
    """The worker pids of a ``LiveServer`` once ``count`` workers run (they boot after the first answers)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        pids = server.worker_pids()
        if len(pids) == count:
            return pids
        time.sleep(0.05)
    raise AssertionError(f"{count} workers expected, found {server.worker_pids()}")
