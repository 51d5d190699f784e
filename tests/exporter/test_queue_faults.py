"""Faults of the queue and of the processes around a job (exporter.jobs, exporter.uploads):
a Redis that lost its jobs, a Redis that cannot be reached, a worker killed mid-import,
uploads left behind.

Everything is real: a ``redis-server`` of the test's own where Redis is emptied
(``FLUSHDB``), a closed port where it is unreachable, ``snowpath worker`` processes killed
with SIGKILL, PostgreSQL locks that hold an import in progress.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, func, select

from accounts.schema import metadata
from api import create_app
from api.settings import load
from exporter import jobs, processes
from exporter.errors import QueueUnavailable
from exporter.jobs import JobState, RqRunner
from revisions import RevisionStore, make_engine
from tests import services
from tests.api.test_import import example
from tests.clients import client_as
from tests.exporter.conftest import flushdb, free_port
from tests.exporter.slow_jobs import KIND
from tests.exporter.test_jobs import dead_owner, in_progress_under, poll

pytestmark = pytest.mark.redis
MakeRunner = Callable[..., RqRunner]


def job_rows(store: RevisionStore) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(jobs.J)).scalar_one()


def closed_port_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


# --- a Redis that lost its jobs --------------------------------------------------------------


def test_a_merge_that_a_flushed_redis_lost_is_reported_failed_by_the_server(
    store: RevisionStore, private_redis: str, rq_runner: MakeRunner
) -> None:
    store.create_branch("MAIN", "a")
    runner = rq_runner(private_redis, f"lost-{uuid.uuid4().hex}")
    client = client_as(create_app(load({}), store=store, runner=runner))
    location = client.post("/merges", json={"source": "MAIN/a", "target": "MAIN"}).location
    job_id = location.rsplit("/", 1)[1]
    assert client.get(location).get_json()["status"] == "SCHEDULED"  # still in Redis: waits
    assert jobs.read(store, job_id).owner is None
    flushdb(private_redis)
    body = client.get(location).get_json()
    assert body["status"] == "FAILED"
    assert body["apiError"] == {"status": "500", "message": jobs.LOST_QUEUED}
    row = jobs.read(store, job_id)
    assert (row.state, row.error) == (JobState.FAILED, jobs.LOST_QUEUED)
    assert client.get(f"/jobs/{job_id}").get_json()["error"] == jobs.LOST_QUEUED


def test_a_job_whose_queue_cannot_be_asked_is_left_as_it_is(
    store: RevisionStore, rq_runner: MakeRunner
) -> None:
    job = jobs.create(store, KIND, {"release": "never"})
    unreachable = rq_runner(closed_port_url(), "q")
    assert jobs.get(store, job.id, runner=unreachable).state is JobState.SCHEDULED


def test_the_start_sweep_with_the_queue_unreachable_keeps_queued_jobs_and_fails_dead_ones(
    store: RevisionStore, rq_runner: MakeRunner
) -> None:
    queued = [jobs.create(store, KIND, {"release": "never"}) for _ in range(3)]
    dead = jobs.create(store, KIND, {"release": "never"}, owner=dead_owner())
    failed = jobs.sweep(store, rq_runner(closed_port_url(), "q"))
    assert [job.id for job in failed] == [dead.id]
    assert jobs.read(store, dead.id).error == jobs.STOPPED_QUEUED
    assert {jobs.read(store, job.id).state for job in queued} == {JobState.SCHEDULED}


@pytest.fixture
def worker_env(private_redis: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A migrated PostgreSQL database and the environment of a worker on ``private_redis``,
    uploads under ``tmp_path/uploads``."""
    name = f"snowpath_faults_{os.getpid()}"
    url, env = services.process_env(name, private_redis, "faults")
    env["SNOWPATH_UPLOAD_DIR"] = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    subprocess.run([sys.executable, "-m", "api.cli", "db", "upgrade"], env=env, check=True)
    yield url, env
    services.drop_postgres_database(name)


@pytest.fixture
def pg(worker_env: tuple[str, dict[str, str]]) -> Iterator[RevisionStore]:
    store = RevisionStore(make_engine(worker_env[0]))
    yield store
    store.engine.dispose()


def upload_file(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(b'{"id": "x"}\n')
    return path


@pytest.mark.postgres
def test_a_worker_started_after_redis_was_flushed_fails_the_lost_job_and_cleans_leftovers(
    worker_env: tuple[str, dict[str, str]],
    pg: RevisionStore,
    private_redis: str,
    rq_runner: MakeRunner,
    tmp_path: Path,
) -> None:
    _, env = worker_env
    uploads = Path(env["SNOWPATH_UPLOAD_DIR"])
    runner = rq_runner(private_redis, env["SNOWPATH_QUEUE"])
    release = tmp_path / "release"
    release.touch()
    lost_file = upload_file(uploads, "lost.upload")
    lost = jobs.start(pg, runner, KIND, {"release": str(release), "file": str(lost_file)})
    flushdb(private_redis)
    fresh = jobs.start(pg, runner, KIND, {"release": str(release)})
    kept_file = upload_file(uploads, "held.upload")  # a live process holds its job
    held = jobs.create(pg, KIND, {"file": str(kept_file)}, owner=processes.this_process())
    leftover = upload_file(uploads, "leftover.upload")
    # Not --burst: rq's burst worker waits up to a minute for its pub/sub thread to stop.
    worker = subprocess.Popen([sys.executable, "-m", "tests.exporter.slow_jobs", "worker"], env=env)
    try:
        poll(lambda: jobs.read(pg, fresh.id).state is JobState.COMPLETED, timeout=60)
    finally:
        worker.kill()
        worker.wait()
    row = jobs.read(pg, lost.id)  # read, not get: the worker's start judged it
    assert (row.state, row.error) == (JobState.FAILED, jobs.LOST_QUEUED)
    assert not lost_file.exists()
    assert jobs.read(pg, fresh.id).state is JobState.COMPLETED  # the queue itself works
    assert not leftover.exists()
    assert kept_file.exists()
    assert jobs.read(pg, held.id).state is JobState.SCHEDULED


# --- a Redis that cannot be reached ----------------------------------------------------------


def test_a_job_the_queue_cannot_take_leaves_no_row_and_no_upload(
    store: RevisionStore, rq_runner: MakeRunner, tmp_path: Path
) -> None:
    upload = upload_file(tmp_path, "x.upload")
    runner = rq_runner(closed_port_url(), "q")
    with pytest.raises(QueueUnavailable, match="cannot be reached"):
        jobs.start(store, runner, KIND, {"release": "never", "file": str(upload)})
    assert job_rows(store) == 0
    assert not upload.exists()


# --- a worker killed in the middle of an import ----------------------------------------------


@contextmanager
def hold_the_store(engine: Engine) -> Iterator[None]:
    """Lock every store table but ``jobs`` for the block: an import that has been claimed
    then waits at its first read of the store, in progress."""
    tables = ", ".join(t.name for t in metadata.sorted_tables if t.name != jobs.J.name)
    with engine.connect() as connection:
        connection.exec_driver_sql(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
        yield
        connection.rollback()


@pytest.mark.postgres
def test_an_import_whose_worker_was_killed_is_failed_and_its_upload_deleted(
    worker_env: tuple[str, dict[str, str]],
    pg: RevisionStore,
    private_redis: str,
    rq_runner: MakeRunner,
) -> None:
    _, env = worker_env
    uploads = Path(env["SNOWPATH_UPLOAD_DIR"])
    pg.initialize()
    runner = rq_runner(private_redis, env["SNOWPATH_QUEUE"])
    settings = load({"SNOWPATH_UPLOAD_DIR": str(uploads)})
    client = client_as(create_app(settings, store=pg, runner=runner))
    concept = example()["concepts"][0]
    file = (io.BytesIO(orjson.dumps(concept)), "c.jsonl")
    response = client.post("/MAIN/import", data={"file": file}, content_type="multipart/form-data")
    assert response.status_code == 202
    job_id = response.location.rsplit("/", 1)[1]
    assert len(list(uploads.iterdir())) == 1  # waiting in Redis with its upload
    with hold_the_store(pg.engine):
        worker = subprocess.Popen([sys.executable, "-m", "api.cli", "worker"], env=env)
        try:
            poll(in_progress_under(pg, job_id, worker.pid), timeout=60)
            worker.send_signal(signal.SIGKILL)
        finally:
            worker.kill()
            worker.wait()
    body = client.get(f"/jobs/{job_id}").get_json()
    assert (body["state"], body["error"]) == ("FAILED", jobs.STOPPED_RUNNING)
    assert list(uploads.iterdir()) == []
    assert client.get("/MAIN/concepts").get_json()["total"] == 0
