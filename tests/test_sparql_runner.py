"""The deadline runner under the engine: results, errors, demotion of long calls, overruns."""

from __future__ import annotations

import os
import threading
import time

import pytest

from backendkg.sparql import runner as _runner


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_results_and_errors_come_back():
    assert _runner.run(lambda: 42, timeout=5) == 42
    with pytest.raises(ZeroDivisionError):
        _runner.run(lambda: 1 / 0, timeout=5)


def test_short_calls_keep_their_priority_and_long_ones_are_demoted():
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert _runner.run(_nice, timeout=5) == base

    def slow() -> int:
        time.sleep(_runner.DEMOTE_AFTER * 3)
        return _nice()

    assert _runner.run(slow, timeout=5) == min(base + _runner.DEMOTED_NICE, 19)
    # The demoted thread left the pool: the next call runs at the normal priority again.
    assert _runner.run(_nice, timeout=5) == base


def test_an_overrun_raises_in_time():
    started = time.monotonic()
    with pytest.raises(_runner.Overrun):
        _runner.run(lambda: time.sleep(1.0), timeout=0.3)
    assert time.monotonic() - started < 0.9
