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


def _pss(pid: int) -> int:
    # /proc/PID/smaps_rollup sums the mappings in the kernel: far cheaper than psutil's walk of smaps.
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
        return psutil.Process(pid).memory_full_info().pss
    return 0


def tree_pss(pid: int) -> int:
    """Proportional set size of ``pid`` and its descendants, in bytes (shared pages split between sharers)."""
    return sum(_pss(process.pid) for process in _tree(pid))


class PeakSampler:
    """Samples :func:`tree_rss` and :func:`tree_pss` of ``pid`` every ``interval`` seconds in a thread;
    :attr:`peak` and :attr:`peak_pss` are the largest seen."""

    def __init__(self, pid: int, *, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        self.peak = max(self.peak, tree_rss(self.pid))
        self.peak_pss = max(self.peak_pss, tree_pss(self.pid))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
