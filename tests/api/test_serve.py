"""The run command for real: ``snowpath serve`` in its own process, on the embedded default,
answering the example URLs it prints over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    port = free_port()
    env = {**os.environ, "SNOWPATH_DATA_DIR": str(tmp_path / "var")}
    env.pop("SNOWPATH_DATABASE_URL", None)
    env.pop("SNOWPATH_REDIS_URL", None)
    command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "1"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Booting worker" in line:
            break
    base = f"http://127.0.0.1:{port}"
    try:
        while time.monotonic() < deadline:
            try:
                httpx.get(base + "/branches/MAIN", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base, lines
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        process.stdout.close()


def test_serve_loads_the_demo_and_every_printed_url_answers(served: tuple[str, list[str]]) -> None:
    base, lines = served
    assert any("Loaded the demo code system DEMO" in line for line in lines)
    urls = [line.strip() for line in lines if line.strip().startswith(base)]
    assert len(urls) >= 3
    for url in urls:
        response = httpx.get(url, timeout=10)
        assert response.status_code == 200, (url, response.text)
    search = httpx.get(urls[0], timeout=10).json()
    assert search["total"] >= 2
    assert all("fsn" in item for item in search["items"])
    assert "tuberculosis" in search["items"][0]["fsn"]["term"].lower()
