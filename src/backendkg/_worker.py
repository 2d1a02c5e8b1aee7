"""The gunicorn worker of ``backendkg serve``: keep-alive connections, one request at a time, no queueing.

gunicorn's threaded worker (``gthread``) keeps connections alive, which spares every client a TCP handshake
per query; with one thread it answers one request at a time, which is what CPU-bound queries need. Left to
itself it would still accept new connections while its thread is busy, and those clients would wait behind
a long query. This worker stops accepting while it answers a request (the kernel then hands new connections
to an idle worker) and starts again when it is done. After a request that left the process spent (a query
overran its deadline and still holds a thread, see :mod:`backendkg._runner`) the ``post_request`` hook of
:mod:`backendkg.serve` retires it, and gunicorn forks a fresh worker from the loaded graph.
"""

from __future__ import annotations

from typing import Any

from gunicorn.workers.gthread import ThreadWorker


class QueryWorker(ThreadWorker):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.in_flight = 0

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and self.in_flight == 0)

    def enqueue_req(self, conn: Any) -> None:
        self.in_flight += 1
        super().set_accept_enabled(False)
        super().enqueue_req(conn)

    def finish_request(self, conn: Any, fs: Any) -> None:
        self.in_flight -= 1
        super().finish_request(conn, fs)
