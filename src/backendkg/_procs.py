"""Query processes: evaluate queries outside the process that holds the client's connection.

Under ``backendkg serve`` each gunicorn worker forks, right after it is forked itself and before it starts
any thread, one query process per request thread (:meth:`QueryProcesses.start`). A query process shares the
loaded graph with its worker copy-on-write (nothing is loaded or parsed again) and answers one request at a
time over a socket pair: the query and its options go one way as a small pickle, the serialized answer comes
back (the pyoxigraph serializers run in the query process). A request thread borrows an idle query process
and waits for the answer with the query's deadline:

- past the deadline the query process is killed (SIGKILL), which frees its CPU at once, and the client gets
  503 (:class:`Overrun`);
- a query process that dies before it answers (killed, out of memory) gives its client a 503 with
  ``Retry-After`` (:class:`Lost`) instead of a dropped connection.

Either way the worker is then *spent* (:func:`spent`): it answers its requests in flight and retires, and
gunicorn forks a fresh worker with fresh query processes from the loaded graph. Forking a replacement from
the worker itself would copy, mid-flight, locks that its running request threads hold.

``multiprocessing`` with the fork context and its ``Connection`` objects is all this needs: the pools of
pebble or billiard add task queues, result-handler threads and per-task bookkeeping that a request waiting
on a process of its own has no use for. Query processes die with their worker: the worker kills them when
it exits, and on Linux they ask the kernel for SIGKILL when their worker dies (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from typing import Any

_PR_SET_PDEATHSIG = 1
_spent_pid: int | None = None


class Overrun(Exception):
    """The query process did not answer within the deadline; it was killed."""


class Lost(Exception):
    """The query process stopped before it answered (or none was left to ask)."""


def spent() -> bool:
    """Whether a query process of this process was killed or died (this process should be replaced)."""
    return _spent_pid == os.getpid()


def _mark_spent() -> None:
    global _spent_pid
    _spent_pid = os.getpid()


class _Process:
    __slots__ = ("conn", "process")

    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection):
        self.process = process
        self.conn = conn

    def kill(self) -> None:
        self.process.kill()
        self.process.join(1.0)
        self.conn.close()


def _serve(conn: Connection, handle: Callable[[Any], Any], inherited: Iterable[Any], parent: int) -> None:
    """The loop of a query process: one message in, one ``(ok, value)`` reply out, until the worker goes."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the worker still kills its processes
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the worker died before the request above took effect
        os._exit(0)
    # The handlers inherited from gunicorn's master write to its pipe; a query process keeps the defaults,
    # and leaves an interrupt from the terminal to the master.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sock in inherited:
        sock.close()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = (True, handle(message))
        except Exception as exc:
            reply = (False, exc)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # an answer or error that does not pickle
            conn.send((False, RuntimeError(f"the query process could not send its answer: {exc!r}")))


class QueryProcesses:
    """A fixed set of forked query processes, each lent to one request at a time."""

    def __init__(self, count: int, handle: Callable[[Any], Any], *, inherited: Iterable[Any] = ()):
        """Fork ``count`` processes that answer messages with ``handle(message)`` (its return value or the
        exception it raises goes back, pickled). Call it before the calling process starts threads.
        ``inherited``: sockets the query processes close (a server's listeners)."""
        context = multiprocessing.get_context("fork")
        self.idle: queue.SimpleQueue[_Process] = queue.SimpleQueue()
        self.all: list[_Process] = []
        inherited = list(inherited)
        for _ in range(count):
            ours, theirs = context.Pipe(duplex=True)
            process = context.Process(
                target=_serve, args=(theirs, handle, inherited, os.getpid()), name="backendkg-query", daemon=True
            )
            process.start()
            theirs.close()
            member = _Process(process, ours)
            self.all.append(member)
            self.idle.put(member)

    @property
    def pids(self) -> list[int]:
        return [p.process.pid for p in self.all if p.process.pid is not None]

    def call(self, message: Any, *, timeout: float) -> Any:
        """Send ``message`` to an idle query process and return its answer, or raise the exception it raised.

        Raises :class:`Overrun` (the process was killed) after ``timeout`` seconds, :class:`Lost` when the
        process died before answering, or when no live process became free within ``timeout``."""
        try:
            member = self.idle.get(timeout=timeout)
        except queue.Empty:
            raise Lost() from None
        healthy = False
        try:
            member.conn.send(message)
            if not member.conn.poll(timeout):
                raise Overrun()
            ok, value = member.conn.recv()
            healthy = True
        except (EOFError, OSError):
            raise Lost() from None
        finally:
            if healthy:
                self.idle.put(member)
            else:
                _mark_spent()
                member.kill()
        if ok:
            return value
        raise value

    def stop(self) -> None:
        """Kill every query process (the worker is leaving)."""
        for member in self.all:
            if member.process.is_alive():
                member.process.kill()
        for member in self.all:
            member.process.join(1.0)
