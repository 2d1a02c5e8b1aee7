"""Run a call with a deadline on a daemon thread.

pyoxigraph releases the GIL while it evaluates and serializes, and cannot be interrupted. So the request
thread waits for the evaluating thread with a deadline; when the deadline passes, the request is answered
(503) while the thread goes on burning CPU until the call ends or its process does. This is how
queries run where there are no query processes (``flask run``, the Flask test client, scripts). Under
``backendkg serve`` queries run in query processes (:mod:`backendkg.sparql.processes`) that are killed at the
deadline instead, and demoted by their worker.

The threads are daemon threads (unlike ``concurrent.futures``' workers, which interpreter exit would wait
for) and are reused, so a cheap query pays a queue hand-off, not a thread start. A call that runs longer
than a tenth of a second has its thread's priority lowered, so that a few long queries do not make every
short one wait for a processor.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

#: A call still running after this many seconds is demoted: its thread gets a lower CPU priority (nice), so
#: that long queries yield the processors to short ones instead of slowing every other client down.
DEMOTE_AFTER = 0.1
DEMOTED_NICE = 10

_jobs: queue.SimpleQueue[tuple[Future, Callable[[], Any], _Slot] | None] = queue.SimpleQueue()
_idle = 0
_lock = threading.Lock()


class Overrun(Exception):
    """The call did not finish within its deadline (it goes on running until the process ends)."""


class _Slot:
    """Which thread runs a call, and whether it was demoted (a demoted thread leaves the pool afterwards:
    without privileges a thread cannot take its priority back)."""

    __slots__ = ("demoted", "done", "lock", "tid")

    def __init__(self) -> None:
        self.tid: int | None = None
        self.done = False
        self.demoted = False
        self.lock = threading.Lock()


def _worker() -> None:
    global _idle
    while True:
        job = _jobs.get()
        if job is None:
            return
        future, call, slot = job
        slot.tid = threading.get_native_id()
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(call())
            except BaseException as exc:
                future.set_exception(exc)
        with slot.lock:
            slot.done = True
            demoted = slot.demoted
        if demoted:
            return
        with _lock:
            _idle += 1


def _demote(slot: _Slot) -> None:
    with slot.lock:
        if slot.done or slot.tid is None:
            return
        try:
            os.setpriority(os.PRIO_PROCESS, slot.tid, DEMOTED_NICE)
        except (OSError, AttributeError):
            return
        slot.demoted = True


def run(call: Callable[[], T], *, timeout: float | None) -> T:
    """Run ``call()`` on a pooled daemon thread and return its result or raise its exception.

    After :data:`DEMOTE_AFTER` seconds the thread's CPU priority is lowered. Raises :class:`Overrun` after
    ``timeout`` seconds (``None``: no deadline); the call goes on running on its thread.
    """
    global _idle
    future: Future = Future()
    slot = _Slot()
    with _lock:
        # Reserve an idle thread for this call, or start one: a call never queues behind another.
        if _idle > 0:
            _idle -= 1
        else:
            threading.Thread(target=_worker, name="backendkg-query", daemon=True).start()
    _jobs.put((future, call, slot))
    try:
        if timeout is None or timeout > DEMOTE_AFTER:
            try:
                return future.result(timeout=DEMOTE_AFTER)
            except TimeoutError:
                _demote(slot)
            return future.result(timeout=None if timeout is None else timeout - DEMOTE_AFTER)
        return future.result(timeout=timeout)
    except TimeoutError:
        raise Overrun() from None


def _after_fork() -> None:
    # A forked child has none of the parent's threads: start its pool from scratch.
    global _jobs, _idle, _lock
    _jobs = queue.SimpleQueue()
    _idle = 0
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)
