"""A closed-loop HTTP load driver: N keep-alive connections, each sending its next request when answered."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httptools


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ascending ``sorted_values``, interpolating linearly between ranks.

    The same definition as ``numpy.percentile``'s default and ``statistics.quantiles(method="inclusive")``.
    """
    if not sorted_values:
        return math.nan
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    rank = (len(sorted_values) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


@dataclass
class RunStats:
    """What one run measured. Latencies are of successful requests, in seconds, ascending."""

    requests: int
    errors: int
    elapsed: float
    latencies: list[float]
    client_cpu: float
    error_samples: list[str] = field(default_factory=list)
    #: CPU seconds the server's processes used during the run, and those everything else on the machine used
    #: (neither the server nor this client); filled in by callers that can measure them.
    server_cpu: float = math.nan
    others_cpu: float = math.nan

    @property
    def rps(self) -> float:
        """Successful requests per second."""
        return self.requests / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 99) * 1000

    @property
    def server_ms_per_request(self) -> float:
        """Server CPU time per answered request, in milliseconds."""
        return self.server_cpu / self.requests * 1000 if self.requests else math.nan

    @property
    def client_ceiling(self) -> float:
        """Requests per second the client could issue with one full core (its CPU time per request, inverted)."""
        total = self.requests + self.errors
        return total / self.client_cpu if self.client_cpu > 0 else math.inf


class _Connection(asyncio.Protocol):
    """One keep-alive connection; :meth:`send` returns a future for ``(status, keep_alive)`` of the answer."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[int, bool]] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, request: bytes) -> asyncio.Future[tuple[int, bool]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def on_message_complete(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((self.parser.get_status_code(), self.parser.should_keep_alive()))
        self.parser = httptools.HttpResponseParser(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionResetError("the server closed the connection before answering"))

    def _fail(self, exc: BaseException) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        if self.transport is not None:
            self.transport.close()


def run(
    host: str,
    port: int,
    target: Callable[[int], str],
    *,
    headers: dict[str, str],
    concurrency: int = 8,
    duration: float = 10.0,
    timeout: float = 120.0,
) -> RunStats:
    """Send GET requests to ``host:port`` over ``concurrency`` connections for ``duration`` seconds.

    Each connection is kept open (and reopened when the server closes it) and sends its next request as soon as
    the previous answer has been read in full; ``target(n)`` gives the request target of a connection's n-th
    request. A request counts as an error unless the answer is 200. Requests in flight when the time is up are
    completed and counted, and the elapsed time runs until the last of them; one still unanswered ``timeout``
    seconds later counts as an error. The client is one asyncio event loop (uvloop when installed) parsing
    answers with httptools, so that it costs the machine far less than the servers it drives.
    """
    fixed = "".join(f"{name}: {value}\r\n" for name, value in {"Host": f"{host}:{port}", **headers}.items())
    latencies: list[float] = []
    errors = 0
    samples: list[str] = []

    def note(problem: str) -> None:
        nonlocal errors
        errors += 1
        if len(samples) < 5:
            samples.append(problem)

    async def worker(deadline: float) -> None:
        loop = asyncio.get_running_loop()
        connection: _Connection | None = None
        n = 0
        try:
            while time.perf_counter() < deadline:
                request = f"GET {target(n)} HTTP/1.1\r\n{fixed}\r\n".encode()
                n += 1
                began = time.perf_counter()
                try:
                    if connection is None or connection.closed:
                        _, connection = await loop.create_connection(_Connection, host, port)
                    status, keep_alive = await connection.send(request)
                except (OSError, httptools.HttpParserError) as exc:
                    note(f"{type(exc).__name__}: {exc}")
                    connection = None
                    await asyncio.sleep(0.01)
                    continue
                if status == 200:
                    latencies.append(time.perf_counter() - began)
                else:
                    note(f"HTTP {status}")
                if not keep_alive:
                    connection.closed = True
                    if connection.transport is not None:
                        connection.transport.close()
        finally:
            if connection is not None and connection.transport is not None:
                connection.transport.close()

    async def main() -> float:
        began = time.perf_counter()
        tasks = [asyncio.create_task(worker(began + duration)) for _ in range(concurrency)]
        _, pending = await asyncio.wait(tasks, timeout=duration + timeout)
        for task in pending:
            task.cancel()
            note(f"no answer within {timeout:.0f} s")
        await asyncio.gather(*tasks, return_exceptions=True)
        return time.perf_counter() - began

    cpu_before = time.process_time()
    with _event_loop_runner() as runner:
        elapsed = runner.run(main())
    cpu = time.process_time() - cpu_before
    latencies.sort()
    return RunStats(
        requests=len(latencies),
        errors=errors,
        elapsed=elapsed,
        latencies=latencies,
        client_cpu=cpu,
        error_samples=samples,
    )


def _event_loop_runner() -> asyncio.Runner:
    try:
        import uvloop
    except ImportError:
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)
