"""Poisoned RDF files given to the commands: an RDF/XML "billion laughs" (a kilobyte of nested XML entities
that expands to gigabytes) is refused by ``validate``, ``serve --data`` and ``query --data`` within seconds,
naming the file, while the process stays under a memory cap it could not keep if it expanded the entities.
Files nested a hundred thousand levels deep in every syntax that nests are read or refused (RDF/XML past 1,000
levels, which its parser would take minutes over; JSON-LD past its parser's stack) without a crash, and a
JSON-LD remote context is refused without a request."""

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


DEPTH = 100_000  # a megabyte of brackets


def _deep_files(folder: Path) -> dict[str, Path]:
    """Files that nest a hundred thousand levels deep, in each syntax that can nest."""
    files = {
        "turtle-blank-nodes.ttl": "@prefix ex: <http://example.org/> .\nex:s ex:p "
        + "[ ex:p " * DEPTH
        + "ex:o"
        + " ]" * DEPTH
        + " .\n",
        "turtle-collections.ttl": "@prefix ex: <http://example.org/> .\nex:s ex:p "
        + "( " * DEPTH
        + ") " * DEPTH
        + ".\n",
        "json-ld-objects.jsonld": '{"@context": {"p": "http://example.org/p"}, "@id": "http://example.org/s", '
        + '"p": {' * DEPTH
        + '"@id": "http://example.org/o"'
        + "}" * DEPTH
        + "}",
        "rdf-xml-elements.rdf": '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/">'
        + '<rdf:Description rdf:about="http://example.org/s"><ex:p>' * (DEPTH // 2)
        + "</ex:p></rdf:Description>" * (DEPTH // 2)
        + "</rdf:RDF>",
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return {name: folder / name for name in files}


@pytest.mark.parametrize("command", ["validate", "stats"])
def test_deeply_nested_files_are_read_or_refused_without_crashing(tmp_path, command, report):
    """A parser that recursed per level would overflow its stack (a crash, not an error) on these."""
    seen = []
    for name, path in _deep_files(tmp_path).items():
        args = (command, str(path)) if command == "validate" else (command, "--data", str(path))
        done, seconds = _run(*args)
        assert done.returncode in (0, 1, 2), f"{name}: exit {done.returncode}\n{done.stderr[-2000:]}"
        assert "Traceback" not in done.stderr, f"{name}:\n{done.stderr[-2000:]}"
        if done.returncode == 2:
            assert str(path) in done.stderr, f"{name}: the error does not name the file:\n{done.stderr[-500:]}"
        assert seconds < 60, f"{name}: {seconds:.1f} s"
        seen.append(f"{name} exit {done.returncode} in {seconds:.1f} s")
    report(
        f"poisoned files: {command} on {DEPTH:,}-level nesting under a {MEMORY_CAP >> 20} MiB cap: " + "; ".join(seen)
    )


def test_a_json_ld_file_with_a_remote_context_is_refused_without_a_request(tmp_path):
    import http.server
    import threading

    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            body = b'{"@context": {"p": "http://example.org/p"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        context = f"http://127.0.0.1:{server.server_address[1]}/context.jsonld"
        path = tmp_path / "remote-context.jsonld"
        path.write_text(f'{{"@context": "{context}", "@id": "http://example.org/s", "p": "o"}}')
        done, _ = _run("validate", str(path))
        assert done.returncode == 2, done.stderr
        assert str(path) in done.stderr
    finally:
        server.shutdown()
        server.server_close()
    assert asked == [], f"the loader fetched {asked}"
