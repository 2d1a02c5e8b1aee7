"""The least a SPARQL server built on granian and pyoxigraph can do: two bare applications that say how close
to ``oxigraph serve`` any server on backendkg's stack can come on this machine.

Both read ``query=`` from the query string, evaluate it on an in-memory store loaded from ``BARE_DATA`` (an
N-Triples file), serialize the answer as SPARQL JSON (SELECT) or Turtle (CONSTRUCT) and send it. Nothing else:
no checks, no negotiation, no errors, no cache, no deadline.

- ``wsgi``: evaluates in the request thread (``granian --interface wsgi --blocking-threads 1 --runtime-mode
  st``, the fastest granian settings for it measured here). A query that never ends takes its worker with it:
  what a server that does not protect itself reaches.
- ``cached``: ``wsgi`` with a dictionary of answers by query string in front (emptied past
  ``CACHED_ENTRIES``): what a server that answers a repeated query from memory reaches, granian's own cost of a
  request and little else.
- ``rsgi``: one event loop per worker hands every query to one of ``BARE_PROCESSES`` query processes forked
  when the worker starts, over a socket pair (length, query; length, kind, body back) and waits for the answer
  without blocking the loop (``granian --interface rsgi --runtime-mode st``). A query process can be killed at a
  deadline without touching the connection or the worker: what a server that isolates its queries reaches, at
  the cost of one round trip between processes per query and nothing more.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
from collections import deque
from urllib.parse import parse_qs

import pyoxigraph as ox

_LENGTH = struct.Struct("!I")
_ANSWER = struct.Struct("!IB")
_TYPES = ("application/sparql-results+json", "text/turtle")

store = ox.Store()
store.bulk_load(path=os.environ["BARE_DATA"], format=ox.RdfFormat.N_TRIPLES)


def _evaluate(text: str) -> tuple[int, bytes]:
    """The answer to ``text``: 0 and SPARQL JSON for a SELECT or ASK, 1 and Turtle for a CONSTRUCT."""
    result = store.query(text)
    if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
        return 0, result.serialize(format=ox.QueryResultsFormat.JSON)
    return 1, ox.serialize(result, format=ox.RdfFormat.TURTLE)


def _query(query_string: str) -> str:
    return parse_qs(query_string)["query"][0]


def wsgi(environ, start_response):
    kind, body = _evaluate(_query(environ.get("QUERY_STRING", "")))
    start_response("200 OK", [("Content-Type", _TYPES[kind]), ("Content-Length", str(len(body)))])
    return [body]


#: Answers the ``cached`` application keeps before it forgets them all.
CACHED_ENTRIES = 10_000
_answers: dict[str, tuple[int, bytes]] = {}


def cached(environ, start_response):
    query_string = environ.get("QUERY_STRING", "")
    answer = _answers.get(query_string)
    if answer is None:
        if len(_answers) >= CACHED_ENTRIES:
            _answers.clear()
        answer = _answers[query_string] = _evaluate(_query(query_string))
    kind, body = answer
    start_response("200 OK", [("Content-Type", _TYPES[kind]), ("Content-Length", str(len(body)))])
    return [body]


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError()
        data += chunk
    return bytes(data)


def _query_process(sock: socket.socket) -> None:
    while True:
        try:
            (length,) = _LENGTH.unpack(_recv_exactly(sock, _LENGTH.size))
            text = _recv_exactly(sock, length).decode()
        except EOFError:
            return
        kind, body = _evaluate(text)
        sock.sendall(_ANSWER.pack(len(body), kind) + body)


def _fork(count: int) -> list[socket.socket]:
    ours = []
    for _ in range(count):
        mine, theirs = socket.socketpair()
        if os.fork() == 0:
            mine.close()
            try:
                _query_process(theirs)
            finally:
                os._exit(0)
        theirs.close()
        mine.setblocking(False)
        ours.append(mine)
    return ours


class _Isolated:
    """The RSGI application: query processes lent out one query at a time, callers waiting in turn."""

    def __init__(self) -> None:
        self.idle: list[socket.socket] | None = None
        self.waiting: deque[asyncio.Future] = deque()

    def __rsgi_init__(self, loop) -> None:
        self.idle = _fork(int(os.environ.get("BARE_PROCESSES", "4")))

    async def _recv_exactly(self, loop, sock: socket.socket, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = await loop.sock_recv(sock, size - len(data))
            if not chunk:
                raise EOFError()
            data += chunk
        return bytes(data)

    async def __call__(self, scope, protocol) -> None:
        loop = asyncio.get_running_loop()
        while not self.idle:
            waiter = loop.create_future()
            self.waiting.append(waiter)
            await waiter
        sock = self.idle.pop()
        try:
            text = _query(scope.query_string).encode()
            await loop.sock_sendall(sock, _LENGTH.pack(len(text)) + text)
            length, kind = _ANSWER.unpack(await self._recv_exactly(loop, sock, _ANSWER.size))
            body = await self._recv_exactly(loop, sock, length)
        finally:
            self.idle.append(sock)
            if self.waiting:
                self.waiting.popleft().set_result(None)
        protocol.response_bytes(200, [("content-type", _TYPES[kind]), ("content-length", str(len(body)))], body)


rsgi = _Isolated()
