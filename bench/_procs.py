"""Memory and CPU time of a process and all its descendants, and how busy the whole machine is."""

from __future__ import annotations

import contextlib
import threading

import psutil


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by ``pid`` and its living descendants."""
    total = 0.0
    for process in _tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (not idle, not waiting for I/O) since boot, all cores."""
    times = psutil.cpu_times()
    guest = getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)  # already counted in user and nice
    return sum(times) - times.idle - getattr(times, "iowait", 0.0) - guest


def tree_rss(pid: int) -> int:
    """Resident set size of ``pid`` and its descendants, in bytes (shared pages counted once per process)."""
    total = 0
    for process in _tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total


def tree_pss(pid: int) -> int:
    """Proportional set size of ``pid`` and its descendants, in bytes (shared pages split between sharers)."""
    total = 0
    for process in _tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += process.memory_full_info().pss
    return total


class PeakSampler:
    """Samples :func:`tree_rss` of ``pid`` every ``interval`` seconds in a thread; :attr:`peak` is the largest."""

    def __init__(self, pid: int, *, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss(self.pid))
