"""``bench.http.one_by_one``, the search's clock: every request it times was sent, every
path as often as the others, each connection kept alive and sending one request after
another, and the latencies are the requests' own (against a real HTTP server on
loopback).

The tests that bound latencies and rates in milliseconds run server and clock in a fresh
interpreter (:func:`_apart`): in a test worker's process they share the GIL with whatever
threads earlier tests left busy, and a leftover busy thread made both fail (2026-12-07).
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from bench.http import one_by_one

SLOW_SECONDS = 0.03
_ROOT = Path(__file__).resolve().parent.parent


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection
    disable_nagle_algorithm = True  # the headers and the body leave at once
    seen: ClassVar[Counter[str]] = Counter()
    connections: ClassVar[set[tuple[str, int]]] = set()

    def do_GET(self) -> None:
        type(self).seen[self.path] += 1
        type(self).connections.add(self.client_address)
        if self.path == "/slow":
            time.sleep(SLOW_SECONDS)
        status = 404 if self.path == "/missing" else 200
        body = b"{}"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _served() -> Iterator[str]:
    """A fresh :class:`_Handler` server on loopback, its base URL."""
    _Handler.seen.clear()
    _Handler.connections.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def base() -> Iterator[str]:
    with _served() as url:
        yield url


def measured(paths: list[str], seconds: float, connections: int) -> dict:
    """:func:`one_by_one` against :func:`_served`, with the server's count of requests
    (``served``) and of connections (``connections``): run by :func:`_apart`."""
    with _served() as url:
        result = one_by_one(url, paths, seconds, connections=connections)
    return {
        **result,
        "served": sum(_Handler.seen.values()),
        "connections": len(_Handler.connections),
    }


def _apart(paths: list[str], seconds: float, connections: int = 1) -> dict:
    """:func:`measured` in a fresh interpreter, whose only threads are the server's and the
    clock's."""
    program = (
        "import json\nfrom tests.test_bench_http import measured\n"
        f"print(json.dumps(measured({paths!r}, {seconds!r}, {connections!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_it_times_only_requests_it_sent_on_one_connection(base: str) -> None:
    result = one_by_one(base, ["/fast", "/slow"], 1.0)
    assert len(_Handler.connections) == 1
    assert result["requests"] == sum(_Handler.seen.values()) > 10
    assert 0 < result["rps"] <= result["requests"] / 1.0  # the run lasts the whole second
    assert result["p99"] >= SLOW_SECONDS * 1000


def test_every_path_is_requested_as_often_as_the_others(base: str) -> None:
    paths = [f"/p{i}" for i in range(7)]
    one_by_one(base, paths, 0.5)
    counts = [_Handler.seen[p] for p in paths]
    assert min(counts) >= 1
    assert max(counts) - min(counts) <= 1  # whole shuffled rounds, the last one cut short


def test_a_slow_request_adds_no_latencies_below_it() -> None:
    """wrk's correction for coordinated omission would add, for each slow request, samples
    between the interval and its latency; here the fast quarter stays fast."""
    result = _apart(["/fast", "/fast", "/fast", "/slow"], 1.0)
    assert result["p50"] < SLOW_SECONDS * 1000 / 3
    assert result["p90"] >= SLOW_SECONDS * 1000


def test_answers_other_than_200_are_counted_as_errors(base: str) -> None:
    result = one_by_one(base, ["/fast", "/missing"], 0.3)
    assert result["errors"] == _Handler.seen["/missing"] > 0


def test_several_connections_each_time_their_own_requests() -> None:
    paths = ["/fast", "/fast", "/fast", "/slow"]
    result = _apart(paths, 1.0, connections=3)
    assert result["connections"] == 3
    assert result["requests"] == result["served"]
    # One connection sends at most a round of the four paths per slow request in the
    # second; three at once send well over that.
    assert result["requests"] > 1.5 * len(paths) / SLOW_SECONDS
    assert result["p90"] >= SLOW_SECONDS * 1000
    assert result["p50"] < SLOW_SECONDS * 1000 / 3  # the fast three quarters stay fast


def test_a_client_that_cannot_connect_raises_in_the_caller() -> None:
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    listening.close()  # nothing listens there now
    with pytest.raises(ConnectionRefusedError):
        one_by_one(f"http://127.0.0.1:{port}", ["/fast"], 0.5, connections=2)
