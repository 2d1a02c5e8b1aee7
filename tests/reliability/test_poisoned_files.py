"""Poisoned RDF files given to the commands: an RDF/XML "billion laughs" (a kilobyte of nested XML entities
that expands to gigabytes) is refused by ``validate``, ``serve --data`` and ``query --data`` within seconds,
naming the file, while the process stays under a memory cap it could not keep if it expanded the entities."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.reliability

BOMB = Path(__file__).parent.parent / "data" / "hostile" / "billion-laughs.rdf"
#: The address space each command may use: well under what the expansion would take (20^5 x 94 bytes, 15 GB).
MEMORY_CAP = 1 << 30


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _run(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "backendkg", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        preexec_fn=_capped,
    )
    return done, time.monotonic() - started


@pytest.mark.parametrize(
    "args",
    [
        ("validate", str(BOMB)),
        ("serve", "--host", "127.0.0.1", "--port", "0", "--data", str(BOMB)),
        ("query", "frameworks-built-on-python", "--data", str(BOMB)),
        ("stats", "--data", str(BOMB)),
    ],
    ids=["validate", "serve", "query", "stats"],
)
def test_a_billion_laughs_file_is_refused_quickly_and_cheaply(args, report):
    assert BOMB.stat().st_size < 1024
    done, seconds = _run(*args)
    assert done.returncode == 2, done.stderr
    assert str(BOMB) in done.stderr and "entities" in done.stderr
    assert seconds < 30
    report(
        f"poisoned files: {args[0]} refused the {BOMB.stat().st_size}-byte billion-laughs RDF/XML in {seconds:.2f} s "
        f"under a {MEMORY_CAP >> 20} MiB address-space cap (exit {done.returncode})"
    )
