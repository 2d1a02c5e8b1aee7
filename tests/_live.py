"""Run ``backendkg serve`` as a real subprocess on a free loopback port, for tests over real HTTP."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

_READY = re.compile(r"backendkg serving (http://\S+)/sparql")


class LiveServer:
    """One ``backendkg serve`` process; ``url`` is its base URL without a trailing slash."""

    def __init__(self, *args: str, workers: int = 2, startup: float = 90.0):
        self.args = ("--host", "127.0.0.1", "--port", "0", "--workers", str(workers), *args)
        self.log = Path(tempfile.mkstemp(prefix="backendkg-serve-", suffix=".log")[1])
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from backendkg.cli import main; main()", "serve", *self.args],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        try:
            self.url = self._wait(startup)
        except BaseException:
            self.stop()
            raise

    def _wait(self, startup: float) -> str:
        deadline = time.monotonic() + startup
        url = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"backendkg serve exited with {self.process.returncode}:\n{self.output()}")
            if url is None:
                match = _READY.search(self.output())
                url = match.group(1) if match else None
            if url is not None:
                try:
                    with urllib.request.urlopen(url + "/health", timeout=5) as response:
                        if response.status == 200:
                            return url
                except OSError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"backendkg serve did not answer within {startup} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def worker_pids(self) -> set[int]:
        """The pids of the server workers (children of the main process)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return {int(p) for p in children.read_text().split()}
        except OSError:
            return set()

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.unlink(missing_ok=True)
