"""The gunicorn worker of ``backendkg serve``: keep-alive connections and no queueing behind long queries.

gunicorn's threaded worker (``gthread``) keeps connections alive, which spares every client a TCP handshake
per query; pyoxigraph releases the GIL while it evaluates, so its threads answer requests in parallel. Left
to itself it would still accept new connections while all its threads are busy, and those clients would
wait behind long queries. This worker stops accepting while every thread is busy (the kernel then hands new
connections to another worker) and starts again when one is free. Each thread sends its queries to a query
process of its own (:mod:`backendkg._procs`); after a request that cost a query process (killed at the
deadline, or dead) the ``post_request`` hook of :mod:`backendkg.serve` retires the worker, and gunicorn forks
a fresh worker, with fresh query processes, from the loaded graph.
"""

from __future__ import annotations

from typing import Any

from gunicorn.workers.gthread import ThreadWorker


class QueryWorker(ThreadWorker):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.in_flight = 0

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and self.in_flight < self.cfg.threads)

    def enqueue_req(self, conn: Any) -> None:
        self.in_flight += 1
        if self.in_flight >= self.cfg.threads:
            super().set_accept_enabled(False)
        super().enqueue_req(conn)

    def finish_request(self, conn: Any, fs: Any) -> None:
        self.in_flight -= 1
        super().finish_request(conn, fs)
