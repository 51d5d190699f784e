"""Exports built by a real ``snowpath worker`` process (rq on Redis), on SQLite and
PostgreSQL: a new version's export is built and served; a worker killed with SIGKILL in the
middle of a large build leaves nothing served, the export stops answering 208, and a POST
then builds a complete export (the next worker deletes the dead build's temporary file).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from flask.testing import FlaskClient
from rq import Queue

from api import create_app
from api.settings import load
from bench.export import fill, ocl_source, owner_row, terminology
from exporter import exports, jobs
from exporter.exports import Key
from exporter.jobs import JobState, RqRunner
from exporter.storage import TEMP_SUFFIX
from revisions import RevisionStore, make_engine
from tests import services
from tests.clients import auth_environ
from tests.exporter.test_jobs import poll

pytestmark = pytest.mark.redis
EXPORT = "/orgs/BENCH/sources/BIG/v1/export/"


@dataclass
class Setup:
    store: RevisionStore
    client: FlaskClient
    env: dict[str, str]
    folder: Path

    def worker(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "api.cli", "worker"], env=self.env)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    redis_url = services.reachable_redis()
    name = f"snowpath_exports_{os.getpid()}"
    if request.param == "postgres":
        url, env = services.process_env(name, redis_url, "exports")
    else:
        url = f"sqlite:///{tmp_path / 'snowpath.db'}"
        env = {**os.environ, "SNOWPATH_DATABASE_URL": url, "SNOWPATH_REDIS_URL": redis_url}
        env["SNOWPATH_QUEUE"] = f"exports-{os.getpid()}-{time.monotonic_ns()}"
    env["SNOWPATH_DATA_DIR"] = str(tmp_path / "data")
    env["SNOWPATH_ACCESS_LOG"] = "off"
    subprocess.run([sys.executable, "-m", "api.cli", "db", "upgrade"], env=env, check=True)
    store = RevisionStore(make_engine(url))
    store.initialize()
    runner = RqRunner(redis_url, env["SNOWPATH_QUEUE"])
    settings = load({"SNOWPATH_DATA_DIR": env["SNOWPATH_DATA_DIR"]})
    client = create_app(settings, store=store, runner=runner).test_client()
    client.environ_base.update(auth_environ(store))
    owner_row(store)
    ocl_source(client, "BIG")
    try:
        yield Setup(store, client, env, settings.export_dir)
    finally:
        Queue(env["SNOWPATH_QUEUE"], connection=redis.Redis.from_url(redis_url)).delete()
        runner.close()
        store.engine.dispose()
        if request.param == "postgres":
            services.drop_postgres_database(name)


def stop(worker: subprocess.Popen) -> None:
    worker.kill()
    worker.wait()


def settled(client: FlaskClient, timeout: float = 120.0) -> int:
    """The export's status once it is no longer 208."""
    deadline = time.monotonic() + timeout
    while (status := client.head(EXPORT, buffered=True).status_code) == 208:
        assert time.monotonic() < deadline, f"still 208 after {timeout}s"
        time.sleep(0.05)
    return status


def entry(client: FlaskClient) -> dict:
    body = client.get(EXPORT, buffered=True).data
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return json.loads(archive.read("export.json"))


def test_a_worker_builds_the_export_of_a_new_version(setup: Setup) -> None:
    fill(setup.store, "BIG", terminology(40, 100, 30))
    worker = setup.worker()
    try:
        assert (
            setup.client.post("/orgs/BENCH/sources/BIG/versions/", json={"id": "v1"}).status_code
            == 201
        )
        assert settled(setup.client) == 200
    finally:
        stop(worker)
    data = entry(setup.client)
    assert (len(data["concepts"]), len(data["mappings"])) == (40, 30)
    record = exports.read(setup.store, Key("source", "BIG", "v1"))
    assert record is not None
    assert record.job_id is not None
    job = jobs.read(setup.store, record.job_id)
    assert job.state is JobState.COMPLETED
    assert job.result is not None
    assert job.result["done"] == job.result["total"] == 70
    assert setup.client.post(EXPORT).status_code == 200


@pytest.mark.slow
def test_a_worker_killed_mid_build_leaves_no_export_and_a_post_builds_it_again(
    setup: Setup,
) -> None:
    fill(setup.store, "BIG", terminology(6_000, 15_000, 9_000))
    worker = setup.worker()
    try:
        assert (
            setup.client.post("/orgs/BENCH/sources/BIG/versions/", json={"id": "v1"}).status_code
            == 201
        )
        record = exports.read(setup.store, Key("source", "BIG", "v1"))
        assert record is not None
        assert record.job_id is not None

        def under_way() -> jobs.Job | None:
            job = jobs.read(setup.store, record.job_id)  # type: ignore[arg-type]
            done = (job.result or {}).get("done") or 0
            return job if job.state is JobState.IN_PROGRESS and done > 0 else None

        running = poll(under_way, timeout=120)
        assert running.result is not None
        assert 0 < running.result["done"] < running.result["total"] == 15_000
        assert setup.client.head(EXPORT).status_code == 208
    finally:
        stop(worker)
    started = time.monotonic()
    assert settled(setup.client, timeout=10) == 204
    assert time.monotonic() - started < 5
    assert jobs.read(setup.store, record.job_id).error == jobs.STOPPED_RUNNING
    assert [p.suffix for p in setup.folder.rglob("*") if p.is_file()] == [TEMP_SUFFIX]
    worker = setup.worker()  # deletes the dead build's temporary file at start
    try:
        assert setup.client.post(EXPORT).status_code == 202
        assert settled(setup.client) == 200
    finally:
        stop(worker)
    data = entry(setup.client)
    assert (len(data["concepts"]), len(data["mappings"])) == (6_000, 9_000)
    assert [p.suffix for p in setup.folder.rglob("*") if p.is_file()] == [".zip"]
