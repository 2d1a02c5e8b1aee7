"""Run a call with a deadline on a daemon thread, and know when this process must be recycled.

pyoxigraph releases the GIL while it evaluates and serializes, and cannot be interrupted. So the request
thread waits for the evaluating thread with a deadline; when the deadline passes, the request is answered
(503) and the process is marked *spent*: the thread goes on burning CPU until its process ends. Under
``backendkg serve`` each gunicorn worker handles one request at a time and retires itself after a request
that left the process spent; gunicorn's master forks a fresh worker from the preloaded graph, so the CPU is
freed and the other workers keep serving meanwhile.

The threads are daemon threads (unlike ``concurrent.futures``' workers, which interpreter exit would wait
for) and are reused, so a cheap query pays a queue hand-off, not a thread start.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_spent_pid: int | None = None
_jobs: queue.SimpleQueue[tuple[Future, Callable[[], Any]] | None] = queue.SimpleQueue()
_idle = 0
_lock = threading.Lock()


class Overrun(Exception):
    """The call did not finish within its deadline (it goes on running until the process ends)."""


def spent() -> bool:
    """Whether a call in this process overran its deadline and still holds a thread."""
    return _spent_pid == os.getpid()


def _mark_spent() -> None:
    global _spent_pid
    _spent_pid = os.getpid()


def _worker() -> None:
    global _idle
    while True:
        job = _jobs.get()
        if job is None:
            return
        future, call = job
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(call())
            except BaseException as exc:
                future.set_exception(exc)
        with _lock:
            _idle += 1


def run(call: Callable[[], T], *, timeout: float | None) -> T:
    """Run ``call()`` on a pooled daemon thread and return its result or raise its exception.

    Raises :class:`Overrun` after ``timeout`` seconds (``None``: no deadline) and marks the process spent.
    """
    global _idle
    future: Future = Future()
    with _lock:
        # Reserve an idle thread for this call, or start one: a call never queues behind another.
        if _idle > 0:
            _idle -= 1
        else:
            threading.Thread(target=_worker, name="backendkg-query", daemon=True).start()
    _jobs.put((future, call))
    try:
        return future.result(timeout=timeout)
    except TimeoutError:
        _mark_spent()
        raise Overrun() from None


def _after_fork() -> None:
    # A forked child has none of the parent's threads: start its pool from scratch.
    global _jobs, _idle, _lock
    _jobs = queue.SimpleQueue()
    _idle = 0
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)
