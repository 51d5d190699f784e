"""Stale jobs (exporter.jobs): a job whose process died is reported FAILED, once and for
everyone; a live one is left alone, however its heartbeat fares.

Dead processes are real: a child process holds the job (a one-thread ThreadRunner, or
``snowpath worker`` on rq) and is killed with SIGKILL. The jobs are of the test kind
``test-wait`` (tests/exporter/slow_jobs.py), which runs until the test creates its release file.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from rq import Queue
from sqlalchemy import Connection, Engine, select, update

from api import create_app
from api.settings import load
from exporter import jobs, processes
from exporter.jobs import Job, JobState, RqRunner, ThreadRunner
from revisions import ManualClock, RevisionStore, SystemClock, make_engine
from revisions.store import PATIENT_WAIT_MS
from tests import services
from tests.exporter.slow_jobs import KIND

J = jobs.J


def waiting_job(store: RevisionStore, tmp_path: Path) -> tuple[Job, Path]:
    release = tmp_path / f"release-{uuid.uuid4().hex}"
    return jobs.create(store, KIND, {"release": str(release)}), release


def poll(condition: Callable[[], Job | bool | None], timeout: float = 20.0) -> Job:
    """Call ``condition`` until it returns something true (bounded); that value."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"not reached within {timeout}s"
        time.sleep(0.02)
    return value  # type: ignore[return-value]


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def set_row(store: RevisionStore, job_id: str, **values: object) -> Job:
    with store.engine.begin() as connection:
        connection.execute(update(J).where(J.c.id == job_id).values(**values))
    return jobs.read(store, job_id)


def dead_owner() -> str:
    """The owner string of a process of this host that has exited (and been waited for)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return processes.owner_of(child.pid)


@pytest.fixture
def holder(engine: Engine) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start a child process that submits jobs to its own one-thread ThreadRunner."""
    children: list[subprocess.Popen] = []

    def start(*job_ids: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "tests.exporter.slow_jobs", "embedded", url_of(engine)]
        child = subprocess.Popen([*command, *job_ids], stdout=subprocess.PIPE, text=True)
        children.append(child)
        return child

    yield start
    for child in children:
        child.kill()
        child.wait()
        child.stdout.close()  # type: ignore[union-attr]


def in_progress_under(store: RevisionStore, job_id: str, pid: int) -> Callable[[], Job | None]:
    def check() -> Job | None:
        job = jobs.read(store, job_id)
        held = job.state is JobState.IN_PROGRESS and job.owner == processes.owner_of(pid)
        return job if held else None

    return check


# --- 1. a dead runner ------------------------------------------------------------------------


def test_a_running_job_whose_process_was_killed_is_reported_failed(
    store: RevisionStore, tmp_path: Path, holder: Callable[..., subprocess.Popen]
) -> None:
    job, _ = waiting_job(store, tmp_path)
    child = holder(job.id)
    poll(in_progress_under(store, job.id, child.pid))
    assert jobs.get(store, job.id).state is JobState.IN_PROGRESS  # alive: left alone
    child.send_signal(signal.SIGKILL)  # not waited for: a zombie runs nothing either
    failed = poll(lambda: (j := jobs.get(store, job.id)).state is JobState.FAILED and j)
    assert failed.error == jobs.STOPPED_RUNNING
    row = jobs.read(store, job.id)
    assert (row.state, row.error) == (JobState.FAILED, jobs.STOPPED_RUNNING)
    assert row.finished_ts is not None


def test_a_job_of_another_host_is_reaped_once_its_heartbeat_is_too_old(
    store: RevisionStore, clock: ManualClock, tmp_path: Path
) -> None:
    job, _ = waiting_job(store, tmp_path)
    beat = clock.now_ms()
    set_row(store, job.id, state="IN_PROGRESS", owner="elsewhere:42:7", heartbeat_ts=beat)
    clock.set(beat + 29_000)
    assert jobs.get(store, job.id, stale_after_s=30).state is JobState.IN_PROGRESS
    clock.set(beat + 31_000)
    assert jobs.get(store, job.id, stale_after_s=30).state is JobState.FAILED
    assert jobs.read(store, job.id).error == jobs.STOPPED_RUNNING


# --- 2. a live runner ------------------------------------------------------------------------


@pytest.fixture
def live_store(engine: Engine) -> RevisionStore:
    """The per-test database on the wall clock, so heartbeats age as they would."""
    return RevisionStore(engine, SystemClock())


def release_all(store: RevisionStore) -> None:
    """Let every waiting job end (so a failed test does not leave its runner waiting)."""
    with store.engine.connect() as connection:
        for params in connection.execute(select(J.c.params).where(J.c.kind == KIND)).scalars():
            Path(params["release"]).touch()


@pytest.fixture
def runner(live_store: RevisionStore) -> Iterator[ThreadRunner]:
    runner = ThreadRunner(live_store, heartbeat_interval_s=0.05)
    yield runner
    release_all(live_store)
    runner.shutdown()


def seen_from_another_host(job: Job) -> Job:
    return dataclasses.replace(job, owner="elsewhere:42:7")


# Staleness threshold of the heartbeat tests: 200 heartbeats of 0.05 s, so that a busy
# machine pausing the process (a full garbage collection of a large test worker took up to
# 1.85 s, 2026-12-07) does not make a beating job look stale; and how far the heartbeat
# must move while watched, proof that it beats on.
STALE_S = 10.0
MOVED_S = 2.0


def watch_heartbeats(store: RevisionStore, job_id: str, state: JobState) -> Job:
    """Look at the job until its heartbeat has moved on by more than ``MOVED_S`` (however
    long that takes, within a generous deadline): at every look it is still in ``state``, and
    fresh even to another host. The job as last seen."""
    first = jobs.read(store, job_id).heartbeat_ts
    assert first is not None
    deadline = time.monotonic() + 30.0
    while True:
        now = jobs.get(store, job_id, stale_after_s=STALE_S)
        assert now.state is state
        assert not jobs.is_stale(seen_from_another_host(now), store.clock.now_ms(), STALE_S)
        assert now.heartbeat_ts is not None
        if now.heartbeat_ts - first > MOVED_S * 1000:
            return now
        assert time.monotonic() < deadline, "the heartbeat stopped"
        time.sleep(0.05)


def test_a_live_job_keeps_its_heartbeat_fresh_and_is_not_reaped(
    live_store: RevisionStore, runner: ThreadRunner, tmp_path: Path
) -> None:
    job, release = waiting_job(live_store, tmp_path)
    runner.submit(job.id)
    poll(in_progress_under(live_store, job.id, os.getpid()))
    watch_heartbeats(live_store, job.id, JobState.IN_PROGRESS)
    release.touch()
    assert poll(lambda: (j := jobs.get(live_store, job.id)).state is JobState.COMPLETED and j)


def running_job(store: RevisionStore, runner: ThreadRunner, tmp_path: Path) -> tuple[Job, Path]:
    """A waiting job submitted to ``runner`` and running in this process; its release file."""
    job, release = waiting_job(store, tmp_path)
    runner.submit(job.id)
    poll(in_progress_under(store, job.id, os.getpid()))
    return job, release


@contextmanager
def held_up(store: RevisionStore, job_id: str, seconds: float) -> Iterator[Connection]:
    """Take the lock a heartbeat needs (on SQLite the one write lock, what a long import
    holds; on PostgreSQL the job row's lock) for at least ``seconds``, check the heartbeat
    froze meanwhile, and yield the blocking connection (leaving the block releases it)."""
    with store.engine.connect() as blocker:
        blocker.execute(update(J).where(J.c.id == job_id).values(kind=J.c.kind))
        stuck = jobs.read(store, job_id).heartbeat_ts
        time.sleep(seconds)  # many heartbeat intervals, every write held up
        assert jobs.read(store, job_id).heartbeat_ts == stuck
        yield blocker
        blocker.rollback()


def test_a_heartbeat_held_up_by_a_lock_neither_fails_nor_slows_the_job(
    live_store: RevisionStore, runner: ThreadRunner, tmp_path: Path
) -> None:
    job, release = running_job(live_store, runner, tmp_path)
    with held_up(live_store, job.id, 0.5):  # ten heartbeat intervals
        assert jobs.get(live_store, job.id, stale_after_s=0.2).state is JobState.IN_PROGRESS
        release.touch()  # the job ends meanwhile and waits only to record that
        time.sleep(0.1)
    done = poll(lambda: (j := jobs.get(live_store, job.id)).state is JobState.COMPLETED and j, 5)
    assert done.result == {"released": True}


def test_the_heartbeat_resumes_after_its_writes_failed(
    live_store: RevisionStore, runner: ThreadRunner, tmp_path: Path
) -> None:
    job, release = running_job(live_store, runner, tmp_path)
    with held_up(live_store, job.id, 0.3):
        stuck = jobs.read(live_store, job.id).heartbeat_ts
    poll(lambda: jobs.read(live_store, job.id).heartbeat_ts != stuck, timeout=5)
    release.touch()
    poll(lambda: jobs.get(live_store, job.id).state is JobState.COMPLETED)


# --- 3. the conditional update ---------------------------------------------------------------


def test_a_job_that_finished_after_it_was_judged_stale_stays_completed(
    store: RevisionStore, tmp_path: Path
) -> None:
    job, _ = waiting_job(store, tmp_path)
    judged = set_row(store, job.id, state="IN_PROGRESS", owner=dead_owner())
    assert jobs.is_stale(judged, store.clock.now_ms())
    jobs._finish(store, job.id, JobState.COMPLETED, {"released": True})  # its worker, just now
    after = jobs.reap(store, judged)
    assert (after.state, after.result, after.error) == (
        JobState.COMPLETED,
        {"released": True},
        None,
    )
    assert jobs.get(store, job.id).state is JobState.COMPLETED


def test_a_reaped_job_takes_the_outcome_its_runner_reports_late(
    store: RevisionStore, tmp_path: Path
) -> None:
    job, _ = waiting_job(store, tmp_path)
    set_row(store, job.id, state="IN_PROGRESS", owner="elsewhere:42:7", heartbeat_ts=0)
    assert jobs.get(store, job.id).state is JobState.FAILED
    jobs._finish(store, job.id, JobState.COMPLETED, {"released": True})  # it was alive after all
    late = jobs.get(store, job.id)
    assert (late.state, late.result, late.error) == (JobState.COMPLETED, {"released": True}, None)


def test_a_job_failed_for_its_own_reasons_keeps_that_outcome(
    store: RevisionStore, tmp_path: Path
) -> None:
    job, _ = waiting_job(store, tmp_path)
    set_row(store, job.id, state="FAILED", error="Branch 'MAIN/x' does not exist.")
    jobs._finish(store, job.id, JobState.COMPLETED, {"released": True})
    assert (jobs.get(store, job.id).state, jobs.read(store, job.id).error) == (
        JobState.FAILED,
        "Branch 'MAIN/x' does not exist.",
    )


def test_a_job_whose_heartbeat_moved_after_the_judgement_is_not_reaped(
    store: RevisionStore, clock: ManualClock, tmp_path: Path
) -> None:
    job, _ = waiting_job(store, tmp_path)
    judged = set_row(store, job.id, state="IN_PROGRESS", owner="elsewhere:42:7", heartbeat_ts=0)
    assert jobs.is_stale(judged, clock.now_ms())
    set_row(store, job.id, heartbeat_ts=clock.now_ms())  # its worker was only slow
    assert jobs.reap(store, judged).state is JobState.IN_PROGRESS


# --- 4. queued jobs --------------------------------------------------------------------------


def test_embedded_a_queued_job_of_a_killed_process_is_reaped(
    store: RevisionStore, tmp_path: Path, holder: Callable[..., subprocess.Popen]
) -> None:
    running, _ = waiting_job(store, tmp_path)
    queued, _ = waiting_job(store, tmp_path)
    child = holder(running.id, queued.id)
    assert child.stdout.readline() == "submitted\n"  # type: ignore[union-attr]
    poll(in_progress_under(store, running.id, child.pid))
    assert jobs.get(store, queued.id).state is JobState.SCHEDULED  # one thread: it waits
    assert jobs.read(store, queued.id).owner == processes.owner_of(child.pid)
    child.kill()
    child.wait()
    failed = jobs.get(store, queued.id)
    assert (failed.state, failed.error) == (JobState.FAILED, jobs.STOPPED_QUEUED)
    assert jobs.read(store, queued.id).state is JobState.FAILED
    assert jobs.get(store, running.id).state is JobState.FAILED


def test_embedded_a_queued_job_of_this_process_is_not_reaped(
    live_store: RevisionStore, tmp_path: Path
) -> None:
    runner = ThreadRunner(live_store, workers=1, heartbeat_interval_s=0.05)
    running, _ = waiting_job(live_store, tmp_path)
    queued, _ = waiting_job(live_store, tmp_path)
    try:
        runner.submit(running.id)
        runner.submit(queued.id)
        poll(in_progress_under(live_store, running.id, os.getpid()))
        watch_heartbeats(live_store, queued.id, JobState.SCHEDULED)  # queued jobs beat too
    finally:
        release_all(live_store)
        runner.shutdown()
    assert jobs.get(live_store, queued.id).state is JobState.COMPLETED


@pytest.fixture
def redis_url() -> str:
    return services.reachable_redis()


@pytest.mark.redis
def test_rq_a_queued_job_is_not_reaped_when_its_submitter_is_gone(
    store: RevisionStore, clock: ManualClock, tmp_path: Path, redis_url: str
) -> None:
    job, _ = waiting_job(store, tmp_path)
    queue = f"jobs-test-{uuid.uuid4().hex}"
    submit = (
        f"from exporter.jobs import RqRunner; RqRunner({redis_url!r}, {queue!r}).submit({job.id!r})"
    )
    subprocess.run([sys.executable, "-c", submit], check=True)  # the submitter, now gone
    clock.advance(3_600_000)
    try:
        assert jobs.get(store, job.id, stale_after_s=1).state is JobState.SCHEDULED
        assert jobs.read(store, job.id).owner is None
        assert RqRunner(redis_url, queue).queue.job_ids == [job.id]  # still safely queued
    finally:
        Queue(queue, connection=redis.Redis.from_url(redis_url)).delete(delete_jobs=True)


# --- 5. end to end: kill -9 a real worker ----------------------------------------------------


@pytest.fixture
def worker_database(redis_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    name = f"snowpath_jobs_{os.getpid()}"
    url, env = services.process_env(name, redis_url, "jobs-e2e")
    subprocess.run([sys.executable, "-m", "api.cli", "db", "upgrade"], env=env, check=True)
    yield url, env
    Queue(env["SNOWPATH_QUEUE"], connection=redis.Redis.from_url(redis_url)).delete()
    services.drop_postgres_database(name)


@pytest.mark.postgres
@pytest.mark.redis
def test_a_job_of_a_killed_snowpath_worker_is_reported_failed(
    worker_database: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = worker_database
    store = RevisionStore(make_engine(url))
    worker = subprocess.Popen([sys.executable, "-m", "tests.exporter.slow_jobs", "worker"], env=env)
    try:
        job, release = waiting_job(store, tmp_path)
        runner = RqRunner(env["SNOWPATH_REDIS_URL"], env["SNOWPATH_QUEUE"])
        runner.submit(job.id)
        poll(in_progress_under(store, job.id, worker.pid), timeout=60)
        worker.kill()
        worker.wait()
        started = time.monotonic()
        client = create_app(load({}), store=store, runner=runner).test_client()
        body = poll(
            lambda: (b := client.get(f"/jobs/{job.id}").get_json())["state"] == "FAILED" and b
        )
        assert time.monotonic() - started < 5
        assert body["error"] == jobs.STOPPED_RUNNING
        assert jobs.read(store, job.id).state is JobState.FAILED
        release.touch()
    finally:
        worker.kill()
        worker.wait()
        store.engine.dispose()


def test_jobs_write_through_the_patient_store(store: RevisionStore) -> None:
    """A merge queued behind an import waits for it: handlers get ``store.patient()``."""
    impatient = RevisionStore(store.engine, store.clock, write_wait_ms=1)
    seen: list[int | None] = []
    jobs.HANDLERS["probe-wait"] = lambda given, params: seen.append(given.write_wait_ms) or {}
    try:
        job = jobs.create(impatient, "probe-wait", {})
        assert jobs.run_job(impatient, job.id) is jobs.JobState.COMPLETED
    finally:
        del jobs.HANDLERS["probe-wait"]
    assert seen == [PATIENT_WAIT_MS]
