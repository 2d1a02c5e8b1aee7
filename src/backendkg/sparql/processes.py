"""Query processes: evaluate queries outside the process that holds the client's connection.

Under ``backendkg serve`` each server worker, when it starts and before it has a thread, forks a *zygote*: a
process that does nothing but fork query processes when the worker asks for one (:class:`QueryProcesses`).
Every query process is thus a fresh copy of the worker as it was when it started: it shares the loaded graph
copy-on-write (nothing is loaded or parsed again), and it is forked from a process with a single thread, so
it holds no lock that some other thread held at the moment of the fork. A query process answers one request
at a time over a socket pair: the query and its options go one way as a small pickle, the serialized answer
comes back as it is, after a small frame (the pyoxigraph serializers run in the query process, and the bytes
they wrote are what the worker sends its client). A request thread borrows an idle query process and waits
for the answer with the query's deadline:

- past the deadline the query process is killed (SIGKILL), which frees its CPU at once, and the client gets
  503 (:class:`Overrun`);
- a query process that dies before it answers (killed, out of memory) gives its client a 503 with
  ``Retry-After`` (:class:`Lost`) instead of a dropped connection.

Either way the zygote forks a replacement, and the worker goes on serving with all of its query processes.

pyoxigraph's in-memory store writes to the memory it reads (reference counts and locks of the quads it
visits), so each query process ends up with private copies of the parts of the graph its queries touched.
The query process that answered last takes the next query (the others only work when queries come at once),
and one whose private memory has grown past ``recycle_bytes`` after a query retires once it has sent the
answer, a fresh one taking its place. A query still running after ``DEMOTE_AFTER`` seconds has its process's
CPU priority lowered by the worker, so that a few long queries do not make every short one wait for a
processor; once it has answered, the worker gives it its priority back where it may (with ``CAP_SYS_NICE``,
as root) and replaces it where it may not.

The hand-off is the whole cost a cheap query pays for running in another process, so it is kept to a few
system calls: one ``send`` of the pickled message, one ``poll`` (on a poll object registered once per query
process), and one ``recv`` for an answer that fits in its first read. The pools of pebble or billiard fork from
the process that uses them (with its threads), and add task queues, result-handler threads and per-task
bookkeeping that a request waiting on a process of its own has no use for; ``multiprocessing``'s
``Connection`` builds a selector for every wait and reads header and payload apart. Query processes end with their
worker: on Linux each process asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``), and
the worker kills them when it stops. When memory runs out, the kernel picks a query process before any other
process of the server (``oom_score_adj``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import select
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1
#: Private memory (bytes) past which a query process is replaced after answering (``backendkg serve
#: --query-memory``). A fresh query process pays again for the copies of the graph's pages it touches, about
#: a millisecond per 5 MiB, so a low limit trades query latency on large graphs for memory.
RECYCLE_BYTES = 256 * 1024 * 1024
#: A query process measures its private memory whenever it has used this many seconds of CPU since it last
#: did: a query copies the graph's pages only as fast as it reads them, and reading the measure
#: (``/proc/self/smaps_rollup``) costs about a millisecond, too much to pay after every cheap query.
CHECK_CPU = 0.25
_PID = struct.Struct("i")
#: Memory a query may use while it runs (``backendkg serve --query-memory-limit``): its query process is
#: watched while the query runs and killed past this many bytes over what it held when the query began.
MEMORY_LIMIT = 1024 * 1024 * 1024
#: How often (seconds) a running query's memory is read: at the fastest growth seen (about 1.2 GB/s for a
#: sort of a cross product) a query can pass the limit by some 60 MB before it is stopped.
WATCH_EVERY = 0.05
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
#: What a query process sends first, once it has set itself up (death signal, OOM score, signal handlers): the
#: worker lends it out only after that, so no query runs in a process that is not yet what it should be.
READY = b"ready"
#: How long a worker waits for a fresh query process to say it is ready.
READY_WITHIN = 10.0
#: How long a query that finds ``eager`` query processes at work waits for one of them (warm) before it
#: takes an idle one (cold), and how long a query at work may have run before nobody waits for it; see
#: :meth:`QueryProcesses._borrow`.
WARM_WAIT = 0.01
#: A query still running after this many seconds has its process demoted (nice ``DEMOTED_NICE``).
DEMOTE_AFTER = 0.1
DEMOTED_NICE = 10
#: A message to a query process: its length, then the pickle. An answer: whether it is a value (or an
#: exception), whether the process retires after it, the length of the pickled value and of the raw body.
_MESSAGE = struct.Struct("!I")
_ANSWER = struct.Struct("!??II")
#: The buffer of the first read of a message or an answer (most fit in it), allocated once per process.
_FIRST_READ = 64 * 1024


class Overrun(Exception):
    """The query process did not answer within the deadline; it was killed."""


class Lost(Exception):
    """The query process stopped before it answered."""


class OverMemory(Exception):
    """The query process grew past the memory a query may use while it evaluated; it was killed."""


class Busy(Exception):
    """Every query process was evaluating, and as many queries as may wait were waiting already (or none
    became free before the query's deadline)."""


def _die_with(parent: int) -> None:
    """Ask the kernel to kill this process when its parent dies, and leave now if it already has."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the worker still kills its processes
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)


def _default_signals() -> None:
    # Handlers inherited from the server write to its pipes; these processes keep the defaults and leave an
    # interrupt from the terminal to the server.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _first_to_go_when_out_of_memory() -> None:
    """Raise this process's OOM score: when memory runs out the kernel kills a query process, which costs one
    client a 503 and is replaced, rather than a worker, which drops its connections."""
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as adj:
        adj.write("500")


def resident_bytes(pid: int) -> int:
    """The resident memory of a process (its own pages and those it shares), in bytes; 0 if unknown. Cheap:
    one small read of ``/proc/PID/statm``."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def private_bytes(pid: int | str = "self") -> int:
    """Memory of a process that no other process shares (copied on write, or its own), in bytes; 0 if unknown."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith((b"Private_Clean:", b"Private_Dirty:")):
                    total += int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return 0
    return total


def _recv_exactly(sock: socket.socket, size: int, first: bytes | memoryview = b"") -> bytes | memoryview | bytearray:
    """``size`` bytes from ``sock``, beginning with those already read (``first``), not copied once more than
    reading them takes; raises ``EOFError``."""
    if len(first) >= size:
        return first[:size]
    buffer = bytearray(size)
    buffer[: len(first)] = first
    view = memoryview(buffer)
    got = len(first)
    while got < size:
        n = sock.recv_into(view[got:])
        if not n:
            raise EOFError()
        got += n
    return buffer


def _send_parts(sock: socket.socket, parts: list[bytes]) -> None:
    """Send ``parts`` in one system call when the socket takes them at once (a gathering write)."""
    sent = sock.sendmsg(parts)
    total = sum(len(part) for part in parts)
    if sent < total:
        sock.sendall(b"".join(parts)[sent:])


def _serve(sock: socket.socket, handle: Callable[[Any], tuple[bytes, Any]], recycle_bytes: int | None) -> None:
    """The loop of a query process: a first ``READY`` once it is set up, then one message in, one answer out:
    ``handle(message)`` gives ``(body, value)``, the body sent as it is and the value pickled; an exception it
    raises goes back pickled in place of the value."""
    try:
        sock.sendall(READY)
    except OSError:
        return
    buffer = bytearray(_FIRST_READ)
    checked = time.process_time()
    while True:
        try:
            got = sock.recv_into(buffer)
            if got < _MESSAGE.size:
                return
            (length,) = _MESSAGE.unpack_from(buffer)
            data = _recv_exactly(sock, _MESSAGE.size + length, memoryview(buffer)[:got])
            message = pickle.loads(memoryview(data)[_MESSAGE.size :])
        except (EOFError, OSError):
            return
        body = b""
        try:
            ok = True
            body, value = handle(message)
        except Exception as exc:
            ok, value = False, exc
        retiring = False
        if recycle_bytes and time.process_time() - checked >= CHECK_CPU:
            retiring = private_bytes() > recycle_bytes
            checked = time.process_time()
        try:
            meta = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an answer or error that does not pickle
            ok, body = False, b""
            meta = pickle.dumps(RuntimeError(f"the query process could not send its answer: {exc!r}"))
        try:
            _send_parts(sock, [_ANSWER.pack(ok, retiring, len(meta), len(body)), meta, body])
        except OSError:
            return
        if retiring:
            return


def _zygote(requests: socket.socket, handle: Callable[[Any], tuple[bytes, Any]], recycle_bytes: int | None) -> None:
    """The loop of the zygote: for each byte the worker sends, fork a query process and send back its pid,
    the worker's end of its socket pair and a pidfd for it."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the query processes
    me = os.getpid()
    while True:
        try:
            if not requests.recv(1):
                return
        except OSError:
            return
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the query process
            try:
                requests.close()
                ours.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _die_with(me)
                _first_to_go_when_out_of_memory()
                _serve(theirs, handle, recycle_bytes)
            finally:
                os._exit(0)
        theirs.close()
        pidfds = []
        with contextlib.suppress(OSError, AttributeError):  # no pidfds before Linux 5.3: kill by pid
            pidfds.append(os.pidfd_open(pid))
        try:
            socket.send_fds(requests, [_PID.pack(pid)], [ours.fileno(), *pidfds])
        except OSError:
            return
        finally:
            ours.close()
            for fd in pidfds:
                os.close(fd)


class _Member:
    """A query process as its worker sees it: its end of the socket pair, its pid, (on Linux) a pidfd, and a
    poll object for its answers."""

    __slots__ = ("buffer", "demoted", "pid", "pidfd", "poller", "sock")

    def __init__(self, pid: int, sock: socket.socket, pidfd: int | None):
        self.pid = pid
        self.sock = sock
        self.pidfd = pidfd
        self.poller = select.poll()
        self.poller.register(sock.fileno(), select.POLLIN)
        self.buffer = bytearray(_FIRST_READ)  # the first read of every answer, allocated once
        #: The priority the process had before it was demoted (``None``: not demoted).
        self.demoted: int | None = None

    def wait(self, seconds: float) -> bool:
        """Whether the process has written (an answer, or its end: EOF) within ``seconds``."""
        return bool(self.poller.poll(max(0, int(seconds * 1000 + 0.999))))

    def send(self, message: Any) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.sock.sendall(_MESSAGE.pack(len(data)) + data)

    def receive(self) -> tuple[bool, bytes, Any, bool]:
        """``(ok, body, value, retiring)`` of the answer, once :meth:`wait` has said it is there."""
        got = self.sock.recv_into(self.buffer)
        if got < _ANSWER.size:
            raise EOFError()
        ok, retiring, meta_length, body_length = _ANSWER.unpack_from(self.buffer)
        end = _ANSWER.size + meta_length
        whole = memoryview(_recv_exactly(self.sock, end + body_length, memoryview(self.buffer)[:got]))
        return ok, bytes(whole[end:]), pickle.loads(whole[_ANSWER.size : end]), retiring

    def demote(self) -> None:
        with contextlib.suppress(OSError):
            self.demoted = os.getpriority(os.PRIO_PROCESS, self.pid)
            os.setpriority(os.PRIO_PROCESS, self.pid, DEMOTED_NICE)

    def promote(self) -> bool:
        """Give a demoted process its priority back; ``False`` when this process may not."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.pid, self.demoted)
        except OSError:
            return False
        self.demoted = None
        return True

    def kill(self) -> None:
        """SIGKILL the process. It runs no more of its code from then on; the kernel tears it down (and the
        zygote, which ignores SIGCHLD, never leaves it a zombie) without the caller waiting: a process demoted
        for a long query takes its time to exit on a busy machine, and its client's answer must not."""
        with contextlib.suppress(ProcessLookupError, OSError):
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)
        self.close()

    def close(self) -> None:
        self.sock.close()
        if self.pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self.pidfd)
            self.pidfd = None


class QueryProcesses:
    """``count`` query processes, each lent to one request at a time, replaced when they die or grow."""

    def __init__(
        self,
        count: int,
        handle: Callable[[Any], tuple[bytes, Any]],
        *,
        recycle_bytes: int | None = RECYCLE_BYTES,
        max_waiting: int | None = None,
        memory_limit: int | None = MEMORY_LIMIT,
        eager: int | None = None,
    ):
        """Fork the zygote, then ``count`` query processes that answer messages with ``handle(message)``: its ``(body,
        value)`` goes back (the body as it is, the value pickled), or the exception it raises. Call it before
        this process starts threads. ``recycle_bytes``: replace a query process whose private memory passes it
        (``None``: never). ``max_waiting``: how many queries may wait for a free query process at once (default
        ``count``); one more is refused at once with :class:`Busy`. ``memory_limit``: bytes a query may add to
        its process while it runs (``None``: no limit); past them the process is killed and :class:`OverMemory`
        raised. ``eager``: how many queries start at once without waiting (default ``count``); a query beyond
        them waits up to ``WARM_WAIT`` for a process that has just answered before it takes one that has not
        (see :meth:`_borrow`)."""
        self.count = count
        self.eager = count if eager is None else max(1, eager)
        self.memory_limit = memory_limit
        self.max_waiting = count if max_waiting is None else max_waiting
        #: Queries waiting for a free query process now.
        self.waiting = 0
        #: Query processes replaced so far (killed at a deadline, dead, or grown past ``recycle_bytes``).
        self.replaced = 0
        # Last in, first out: the query process that answered last, whose copies of the graph's pages are the
        # warmest, takes the next query; fresh ones go to the bottom.
        self.idle: list[_Member] = []
        #: Query processes lent out now, and since when (by pid).
        self.busy = 0
        self.started: dict[int, float] = {}
        self._pool = threading.Condition(threading.Lock())
        self.members: dict[int, _Member] = {}
        self._lock = threading.Lock()
        self._requests, theirs = socket.socketpair()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the zygote
            try:
                self._requests.close()
                _die_with(parent)
                _default_signals()
                _zygote(theirs, handle, recycle_bytes)
            finally:
                os._exit(0)
        theirs.close()
        self.zygote = pid
        for _ in range(count):
            self.idle.append(self._fork())

    @property
    def pids(self) -> list[int]:
        """The pids of the query processes alive now."""
        return list(self.members)

    def _fork(self) -> _Member:
        with self._lock:
            try:
                self._requests.sendall(b"+")
                data, fds, _, _ = socket.recv_fds(self._requests, _PID.size, 2)
            except OSError:
                raise Lost() from None
            if not data or not fds:
                raise Lost()
            sock = socket.socket(fileno=fds[0])
            member = _Member(_PID.unpack(data)[0], sock, fds[1] if len(fds) > 1 else None)
            try:
                ready = member.wait(READY_WITHIN) and _recv_exactly(sock, len(READY)) == READY
            except (EOFError, OSError):
                ready = False
            if not ready:
                member.kill()
                raise Lost()
            self.members[member.pid] = member
        return member

    def _replace(self, member: _Member, *, kill: bool) -> None:
        with self._lock:
            self.members.pop(member.pid, None)
        member.kill() if kill else member.close()
        self.replaced += 1
        fresh = None
        with contextlib.suppress(Lost):  # the zygote is gone: the worker is stopping
            fresh = self._fork()
        self._give_back(member, fresh)

    def call(self, message: Any, *, timeout: float) -> tuple[bytes, Any]:
        """Send ``message`` to an idle query process and return its answer ``(body, value)``, or raise the
        exception it raised.

        Raises :class:`Overrun` (the process was killed) after ``timeout`` seconds, :class:`Lost` when the
        process died before answering, :class:`Busy` at once when every process is busy and ``max_waiting``
        queries wait already, or when no query process became free within ``timeout``."""
        deadline = time.monotonic() + timeout
        member = self._borrow(deadline)
        try:
            member.send(message)
            answered = self._watch(member, deadline)
            if answered is not True:
                self._replace(member, kill=True)
                raise answered
            ok, body, value, retiring = member.receive()
        except (EOFError, OSError):
            self._replace(member, kill=True)
            raise Lost() from None
        if retiring or (member.demoted is not None and not member.promote()):
            self._replace(member, kill=False)
        else:
            self._give_back(member, member)
        if ok:
            return body, value
        raise value

    def _watch(self, member: _Member, deadline: float) -> bool | Overrun | OverMemory:
        """Wait for ``member``'s answer until ``deadline``, reading its memory every ``WATCH_EVERY`` seconds
        while it works and demoting it after ``DEMOTE_AFTER``: ``True`` once the answer is there, else why the
        wait ended."""
        began_at = time.monotonic()
        if member.wait(min(WATCH_EVERY, max(deadline - began_at, 0.0))):
            return True  # most queries: answered before the first reading
        began = resident_bytes(member.pid)
        while True:
            now = time.monotonic()
            left = deadline - now
            if left <= 0:
                return Overrun()
            if member.demoted is None and now - began_at >= DEMOTE_AFTER:
                member.demote()
            if member.wait(min(WATCH_EVERY, left)):
                return True
            if self.memory_limit is not None:
                grown = resident_bytes(member.pid) - began
                if grown > self.memory_limit:
                    return OverMemory(grown)

    def _borrow(self, deadline: float) -> _Member:
        """An idle query process, lent to the caller until :meth:`_give_back`.

        Fewer than ``eager`` lent out: the warmest idle one at once. Otherwise the query waits, in turn, for one
        of those at work to answer and takes it (still warm: its caches hold the graph and the interpreter)
        rather than one that sat idle (cold: every process that runs evicts the others' caches, and with as
        many processors as the eager queries, more queries at once only share them). It takes an idle one
        after waiting ``WARM_WAIT`` itself, or as soon as the oldest query at work has run that long (a long
        query holds an eager place: nobody waits for it). Raises :class:`Busy` at once when ``max_waiting``
        queries wait already, or when no query process became free by ``deadline``."""
        with self._pool:
            if self.idle and self.busy < self.eager and not self.waiting:  # no overtaking those who wait
                return self._lend()
            if self.waiting >= self.max_waiting:
                raise Busy()
            self.waiting += 1
            try:
                patience = min(time.monotonic() + WARM_WAIT, deadline)
                while True:
                    now = time.monotonic()
                    long_after = min(self.started.values(), default=now) + WARM_WAIT
                    if self.idle and (self.busy < self.eager or now >= patience or now >= long_after):
                        return self._lend()
                    if now >= deadline:
                        raise Busy()
                    wake = min(patience, long_after) if self.idle else deadline
                    self._pool.wait(max(min(wake, deadline) - now, 0.0005))
            finally:
                self.waiting -= 1

    def _lend(self) -> _Member:
        member = self.idle.pop()
        self.busy += 1
        self.started[member.pid] = time.monotonic()
        return member

    def _give_back(self, lent: _Member, back: _Member | None) -> None:
        """End the loan of ``lent``; ``back`` joins the idle ones: ``lent`` itself on top (warm), or a fresh
        process in its place at the bottom (nothing cached yet), or nothing when none could be forked."""
        with self._pool:
            self.busy -= 1
            self.started.pop(lent.pid, None)
            if back is lent:
                self.idle.append(back)
            elif back is not None:
                self.idle.insert(0, back)
            self._pool.notify()

    def stop(self) -> None:
        """Kill every query process and the zygote (the worker is leaving)."""
        self._requests.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.zygote, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.zygote, 0)
        with self._lock:
            members, self.members = list(self.members.values()), {}
        for member in members:
            member.kill()
