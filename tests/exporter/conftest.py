"""Exporter fixtures: a Redis server of the test's own, for faults that touch all of Redis.

The shared test Redis (``tests.services``) is never flushed, because parallel tests keep
their queues there; a test that empties Redis (``FLUSHDB``) or needs it gone runs its own
``redis-server`` on a free loopback port, without persistence, stopped when it ends.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
import redis

from exporter.jobs import RqRunner
from tests import services


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def private_redis() -> Iterator[str]:
    """The URL of a fresh ``redis-server`` that only this test uses."""
    binary = shutil.which("redis-server")
    if binary is None:
        services.unavailable("redis-server", FileNotFoundError("redis-server is not installed"))
    port = free_port()
    command = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def rq_runner() -> Iterator[Callable[[str, str], RqRunner]]:
    """Make RqRunners that are closed when the test ends (an unclosed Redis socket is a
    ResourceWarning, an error here)."""
    made: list[RqRunner] = []

    def make(url: str, queue: str = "q") -> RqRunner:
        made.append(RqRunner(url, queue))
        return made[-1]

    yield make
    for runner in made:
        runner.close()


def flushdb(url: str) -> None:
    """Empty the Redis database at ``url`` (a private one: see the module docstring)."""
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
