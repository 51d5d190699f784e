"""A live deployment for end-to-end tests: ``snowpath serve`` and ``snowpath worker`` as
processes on a fresh PostgreSQL database and the test Redis, as an operator runs them.

:func:`deployment` migrates the database, lets the caller ``prepare`` it (rows the test
needs before the first start), starts both, waits until the server answers, asks
``snowpath users token`` for the administrator the first start made, and stops and drops
everything afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests import services
from tests.api.test_serve import free_port
from tests.clients import cli_token


def snowpath(*args: str, env: dict[str, str], **kw: object) -> subprocess.Popen:
    """``snowpath <args>`` as a process, its output (stdout and stderr) piped as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kw,  # type: ignore[arg-type]
    )


@contextmanager
def deployment(
    label: str,
    data_dir: Path,
    *,
    workers: int = 1,
    prepare: Callable[[str], None] | None = None,
) -> Iterator[tuple[str, str]]:
    """The base URL of a served database and the administrator's token. ``prepare`` gets
    the migrated database's URL before the first start."""
    services.reachable_redis()
    name = f"snowpath_{label}_{os.getpid()}"
    url, env = services.process_env(name, services.REDIS_URL, label)
    env["SNOWPATH_DATA_DIR"] = str(data_dir)
    env["SNOWPATH_ACCESS_LOG"] = "off"
    upgrade = snowpath("db", "upgrade", env=env)
    output, _ = upgrade.communicate(timeout=120)
    assert upgrade.returncode == 0, output
    if prepare is not None:
        prepare(url)
    port = free_port()
    processes = [
        snowpath("serve", "--port", str(port), "--workers", str(workers), env=env),
        snowpath("worker", env=env),
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/branches/MAIN", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield base, cli_token(env)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # Reaped too, or the Popen warns at collection that its process still runs.
                process.kill()
                process.wait()
            process.stdout.close()  # type: ignore[union-attr]
        services.drop_postgres_database(name)
