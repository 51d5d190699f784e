"""Background jobs: their persisted state, and the two ways they run.

A job is a row in ``jobs`` (kind, params, state, result, timestamps), so its state survives
restarts and is the same seen from every process. States: ``SCHEDULED`` → ``IN_PROGRESS`` →
``COMPLETED`` | ``CONFLICTS`` | ``FAILED``. :func:`run_job` is the one entry point a runner
calls with a job id: it claims the job (only a ``SCHEDULED`` job can be claimed, so a job
runs at most once), reloads its params from the database, calls the handler for its kind
and records the outcome.

Runners: :class:`ThreadRunner` (the embedded mode: a small in-process pool) and
:class:`RqRunner` (production: an rq queue on Redis, drained by ``snowpath worker``
processes, any number, on any host). Both only pass the job id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select, update

from revisions import RevisionStore, schema
from revisions.errors import MergeConflicts, NotFound, StoreError
from revisions.merge import conflict_dict

log = logging.getLogger(__name__)
J = schema.jobs
QUEUE = "snowpath"


class JobState(StrEnum):
    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CONFLICTS = "CONFLICTS"
    FAILED = "FAILED"


class JobNotFound(NotFound):
    pass


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    kind: str
    state: JobState
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    created_ts: int
    started_ts: int | None
    finished_ts: int | None
    heartbeat_ts: int | None


class Outcome(Exception):
    """Raised by a handler to finish a job in a state other than COMPLETED."""

    def __init__(self, state: JobState, result: dict[str, Any] | None, error: str | None) -> None:
        super().__init__(error or state.value)
        self.state, self.result, self.error = state, result, error


Handler = Callable[[RevisionStore, dict[str, Any]], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind``."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def create(store: RevisionStore, kind: str, params: dict[str, Any]) -> Job:
    job_id = str(uuid.uuid4())
    now = store.clock.now_ms()
    with store.engine.begin() as connection:
        connection.execute(
            J.insert().values(
                id=job_id, kind=kind, state=JobState.SCHEDULED.value, params=params, created_ts=now
            )
        )
    return get(store, job_id)


def get(store: RevisionStore, job_id: str) -> Job:
    with store.engine.connect() as connection:
        row = connection.execute(select(J).where(J.c.id == job_id)).mappings().first()
    if row is None:
        raise JobNotFound(f"Job '{job_id}' does not exist.")
    return Job(**{**row, "state": JobState(row["state"])})


def _claim(store: RevisionStore, job_id: str) -> bool:
    now = store.clock.now_ms()
    with store.engine.begin() as connection:
        claimed = connection.execute(
            update(J)
            .where(J.c.id == job_id, J.c.state == JobState.SCHEDULED.value)
            .values(state=JobState.IN_PROGRESS.value, started_ts=now, heartbeat_ts=now)
        ).rowcount
    return claimed == 1


def _finish(
    store: RevisionStore,
    job_id: str,
    state: JobState,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            update(J)
            .where(J.c.id == job_id)
            .values(state=state.value, result=result, error=error, finished_ts=store.clock.now_ms())
        )


def run_job(store: RevisionStore, job_id: str) -> JobState | None:
    """Run one job to its end state; None if it was not SCHEDULED (already taken)."""
    if not _claim(store, job_id):
        return None
    job = get(store, job_id)
    try:
        result = HANDLERS[job.kind](store, job.params)
    except Outcome as outcome:
        _finish(store, job_id, outcome.state, outcome.result, outcome.error)
        return outcome.state
    except MergeConflicts as conflicts:
        found = {"conflicts": [conflict_dict(c) for c in conflicts.conflicts]}
        _finish(store, job_id, JobState.CONFLICTS, found, str(conflicts))
        return JobState.CONFLICTS
    except StoreError as error:
        _finish(store, job_id, JobState.FAILED, None, str(error))
        return JobState.FAILED
    except Exception:
        log.exception("Job %s (%s) failed", job_id, job.kind)
        _finish(store, job_id, JobState.FAILED, None, "The job failed unexpectedly; see the log.")
        return JobState.FAILED
    _finish(store, job_id, JobState.COMPLETED, result)
    return JobState.COMPLETED


class Runner(Protocol):
    def submit(self, job_id: str) -> None: ...


class ThreadRunner:
    """Runs jobs on a small in-process thread pool (the embedded mode)."""

    def __init__(self, store: RevisionStore, workers: int = 2) -> None:
        self.store = store
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="snowpath-job")

    def submit(self, job_id: str) -> None:
        self.pool.submit(run_job, self.store, job_id)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True)


class RqRunner:
    """Puts job ids on an rq queue; ``snowpath worker`` processes run them."""

    def __init__(self, redis_url: str, queue: str = QUEUE) -> None:
        from redis import Redis
        from rq import Queue

        self.queue = Queue(queue, connection=Redis.from_url(redis_url))

    def submit(self, job_id: str) -> None:
        # A deterministic rq job id: submitting the same job twice queues it once.
        self.queue.enqueue("exporter.worker.run", job_id, job_id=job_id, job_timeout=3600)
