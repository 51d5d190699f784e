"""Background jobs: their persisted state, and the two ways they run.

A job is a row in ``jobs`` (kind, params, state, result, timestamps), so its state survives
restarts and is the same seen from every process. States: ``SCHEDULED`` → ``IN_PROGRESS`` →
``COMPLETED`` | ``CONFLICTS`` | ``FAILED``. :func:`run_job` is the one entry point a runner
calls with a job id: it claims the job (only a ``SCHEDULED`` job can be claimed, so a job
runs at most once), reloads its params from the database, calls the handler for its kind
and records the outcome (over ``IN_PROGRESS``, or over the ``FAILED`` of a reaper that
took it for dead: the real outcome wins).

Runners: :class:`ThreadRunner` (the embedded mode: a small in-process pool) and
:class:`RqRunner` (production: an rq queue on Redis, drained by ``snowpath worker``
processes, any number, on any host). Both only pass the job id.

A ``CONFLICTS`` job's result is ``{"conflicts": [...]}``, each conflict the plain record of a
:class:`~revisions.merge.MergeConflict` (``dataclasses.asdict``, the store's names); the API
renders them in its own shape.

Stale jobs. A job's ``owner`` names the process holding it (:mod:`exporter.processes`): the
runner process from its claim on, and for a :class:`ThreadRunner` already from its
submission (the job waits in that process's memory). A :class:`Heartbeat` thread in that
process refreshes ``heartbeat_ts`` every ``HEARTBEAT_INTERVAL_S``. A job is *stale* when
it is ``IN_PROGRESS``, or ``SCHEDULED`` with an owner, and its owner is gone: for an owner
on this host, its process no longer exists (or, for this very process, no longer holds the
job); for any other owner (or none), its heartbeat is older than ``STALE_AFTER_S``. The
owner's process decides wherever it can be checked because a heartbeat can be held up
(SQLite's single writer lock, taken by a long import) while the job is fine. An rq job
that is ``SCHEDULED`` has no owner and is never stale: it is safe in Redis, unless Redis
lost it (emptied, replaced): then it is *lost*, which only the runner can tell
(:meth:`RqRunner.lost`). :func:`get` reports a stale or lost job ``FAILED`` and persists
that with an UPDATE conditional on the row being as judged, so a job that finished
meanwhile keeps its outcome; :func:`sweep` does the same for every unfinished job (at
server and worker start).

Starting a job (:func:`start`, :func:`starting`). The row is written first, owned by the
submitting process (so a submitter that dies leaves a job that is reaped, not one that
waits forever), then the caller writes what the job needs (an upload), then the runner
takes it; an rq job is then let go (no owner: it is in Redis). If any of this fails, the
row and its upload are deleted: a request that is refused leaves nothing behind. A queue
that cannot be reached raises :class:`~exporter.errors.QueueUnavailable`.

Files. A job owns the upload named by ``params["file"]``: it is deleted when the job ends,
whatever the end (completed, failed, reaped, lost, never submitted); a job that ran is
recorded as ended only once its upload is gone. Because the row exists
before its file, a file of the upload folder that no unfinished job names is a leftover
(:mod:`exporter.uploads` removes those at start).

Failures. ``FAILED`` with a store error (an invalid file, a branch gone) is the request's
fault; ``FAILED`` with one of :data:`SERVER_FAILURES` (a dead worker, a lost queue entry, a
bug) is the server's (:attr:`Job.server_failed`), and the API reports it as such.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Protocol

from sqlalchemy import Connection, and_, delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from exporter import processes
from exporter.errors import QueueUnavailable
from revisions import RevisionStore, schema
from revisions.db import SQLITE_BUSY_TIMEOUT_S
from revisions.errors import MergeConflicts, NotFound, StoreError

log = logging.getLogger(__name__)
J = schema.jobs
QUEUE = "snowpath"
HEARTBEAT_INTERVAL_S = 5.0
# Six missed heartbeats: long enough for a busy database and modest clock skew between hosts.
STALE_AFTER_S = 30.0
# How long a reaping read waits for SQLite's write lock before leaving the job to the next read.
REAP_LOCK_WAIT_S = 1.0
STOPPED_RUNNING = "The worker running this job stopped before it finished."
STOPPED_QUEUED = "The process holding this job in its queue stopped before running it."
LOST_QUEUED = (
    "The job queue no longer holds this job (Redis was emptied or replaced, or a worker "
    "could not start it); nothing of it was done."
)
UNEXPECTED = "The job failed unexpectedly; see the log."
# What the server, not the request, is to blame for: the API reports these as 500-class.
SERVER_FAILURES = frozenset({STOPPED_RUNNING, STOPPED_QUEUED, LOST_QUEUED, UNEXPECTED})


class JobState(StrEnum):
    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CONFLICTS = "CONFLICTS"
    FAILED = "FAILED"


UNFINISHED = (JobState.SCHEDULED.value, JobState.IN_PROGRESS.value)


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
    owner: str | None
    progress: dict[str, Any] | None = None

    @property
    def server_failed(self) -> bool:
        """FAILED through no fault of its request: a dead worker, a lost queue entry, a bug."""
        return self.state is JobState.FAILED and self.error in SERVER_FAILURES


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


def create(
    store: RevisionStore, kind: str, params: dict[str, Any], *, owner: str | None = None
) -> Job:
    """A SCHEDULED job row (no runner yet: :func:`start` is how requests start jobs)."""
    job_id = str(uuid.uuid4())
    now = store.clock.now_ms()
    with store.engine.begin() as connection:
        connection.execute(
            J.insert().values(
                id=job_id,
                kind=kind,
                state=JobState.SCHEDULED.value,
                params=params,
                created_ts=now,
                owner=owner,
                heartbeat_ts=None if owner is None else now,
            )
        )
    return read(store, job_id)


@contextmanager
def starting(
    store: RevisionStore, runner: Runner, kind: str, params: dict[str, Any]
) -> Iterator[Job]:
    """Create a job, let the ``with`` block prepare what it needs (write its upload), then
    hand it to ``runner``. If the block or the hand-over fails, the job and its upload are
    deleted and the error goes on (module docstring, "Starting a job")."""
    job = create(store, kind, params, owner=processes.this_process())
    Heartbeat.mark(job.id)  # held by this process while it submits
    try:
        yield job
        runner.submit(job.id)
        if not runner.in_process:
            _let_go(store, job.id)
    except BaseException:
        _delete(store, job)
        raise
    finally:
        Heartbeat.unmark(job.id)


def start(store: RevisionStore, runner: Runner, kind: str, params: dict[str, Any]) -> Job:
    """Create a job and hand it to ``runner`` (:func:`starting` with nothing to prepare)."""
    with starting(store, runner, kind, params) as job:
        pass
    return job


def _let_go(store: RevisionStore, job_id: str) -> None:
    """The job is in the rq queue: no longer this process's (unless a worker took it)."""
    with store.engine.begin() as connection:
        connection.execute(
            update(J)
            .where(
                J.c.id == job_id,
                J.c.state == JobState.SCHEDULED.value,
                J.c.owner == processes.this_process(),
            )
            .values(owner=None, heartbeat_ts=None)
        )


def _delete(store: RevisionStore, job: Job) -> None:
    try:
        with store.engine.begin() as connection:
            connection.execute(
                delete(J).where(J.c.id == job.id, J.c.state == JobState.SCHEDULED.value)
            )
    finally:
        discard_upload(job)


def discard_upload(job: Job) -> None:
    """Delete the upload the job owns, if any (module docstring, "Files")."""
    name = job.params.get("file")
    if not name:
        return
    try:
        Path(name).unlink(missing_ok=True)
    except OSError as failure:  # the start sweep of exporter.uploads gets it later
        log.warning("Could not delete the upload of job %s: %s", job.id, failure)


def get(
    store: RevisionStore,
    job_id: str,
    *,
    runner: Runner | None = None,
    stale_after_s: float = STALE_AFTER_S,
) -> Job:
    """The job as every process sees it: a stale one (module docstring) becomes FAILED, and
    so does one that ``runner``'s queue has lost."""
    return _judge(store, job_id, runner, stale_after_s)[0]


def _judge(
    store: RevisionStore, job_id: str, runner: Runner | None, stale_after_s: float = STALE_AFTER_S
) -> tuple[Job, bool]:
    """:func:`get`, and whether the runner could be asked (False: do not ask it again)."""
    job = read(store, job_id)
    lost = is_lost(job, runner)
    if lost or is_stale(job, store.clock.now_ms(), stale_after_s):
        job = reap(store, job)
    return job, lost is not None


def sweep(store: RevisionStore, runner: Runner | None = None) -> list[Job]:
    """Judge every unfinished job as :func:`get` does (at server and worker start); the
    jobs it reported FAILED."""
    with store.engine.connect() as connection:
        ids = connection.execute(select(J.c.id).where(J.c.state.in_(UNFINISHED))).scalars()
        unfinished = list(ids)
    failed = []
    for job_id in unfinished:
        job, answered = _judge(store, job_id, runner)
        if not answered:
            runner = None  # Redis is down: one wait for it is enough at start
        if job.state is JobState.FAILED:
            failed.append(job)
    return failed


def read(store: RevisionStore, job_id: str) -> Job:
    """The job's row as it is, without judging whether its runner is still there."""
    with store.engine.connect() as connection:
        row = connection.execute(select(J).where(J.c.id == job_id)).mappings().first()
    if row is None:
        raise JobNotFound(f"Job '{job_id}' does not exist.")
    return Job(**{**row, "state": JobState(row["state"])})


def is_stale(job: Job, now_ms: int, stale_after_s: float = STALE_AFTER_S) -> bool:
    """Whether the process that holds ``job`` is gone (the rule in the module docstring)."""
    if job.state is JobState.SCHEDULED and job.owner is None:
        return False  # on the rq queue: Redis keeps it until a worker claims it (is_lost)
    if job.state not in (JobState.SCHEDULED, JobState.IN_PROGRESS):
        return False
    if job.owner == processes.this_process():
        return not Heartbeat.holds(job.id)
    if job.owner is not None and processes.on_this_host(job.owner):
        return not processes.is_alive(job.owner)
    signs = (job.heartbeat_ts, job.started_ts, job.created_ts)
    last_sign = next(ts for ts in signs if ts is not None)
    return now_ms - last_sign > stale_after_s * 1000


def is_lost(job: Job, runner: Runner | None) -> bool | None:
    """Whether ``job`` waits, ownerless, for a queue that no longer has it; None when the
    queue cannot be asked."""
    if job.state is not JobState.SCHEDULED or job.owner is not None or runner is None:
        return False
    return runner.lost(job.id)


def reap(store: RevisionStore, judged: Job) -> Job:
    """Record FAILED for a job judged stale, if its row is still exactly as judged (state,
    owner, heartbeat); returns the row as it then is. A busy database leaves it as read."""
    if judged.state is JobState.IN_PROGRESS:
        error = STOPPED_RUNNING
    else:
        error = STOPPED_QUEUED if judged.owner is not None else LOST_QUEUED
    try:
        with _writing(store, REAP_LOCK_WAIT_S) as connection:
            reaped = connection.execute(
                update(J)
                .where(
                    J.c.id == judged.id,
                    J.c.state == judged.state.value,
                    J.c.owner.is_not_distinct_from(judged.owner),
                    J.c.heartbeat_ts.is_not_distinct_from(judged.heartbeat_ts),
                )
                .values(state=JobState.FAILED.value, error=error, finished_ts=store.clock.now_ms())
            ).rowcount
    except SQLAlchemyError as failure:
        log.warning("Could not mark stale job %s as failed yet: %s", judged.id, failure)
        return judged
    if reaped:
        log.warning("Job %s (%s, owner %s): %s", judged.id, judged.kind, judged.owner, error)
        discard_upload(judged)
    return read(store, judged.id)


@contextmanager
def _writing(store: RevisionStore, lock_wait_s: float) -> Iterator[Connection]:
    """A write transaction that waits at most ``lock_wait_s`` for a lock (SQLite's one write
    lock, PostgreSQL's row locks): the store's minute suits commits, not a heartbeat or a
    read, which can simply try again later."""
    wait_ms = max(1, int(lock_wait_s * 1000))
    with store.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {wait_ms}")
        if connection.dialect.name != "sqlite":
            yield connection
            return
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {wait_ms}")
        try:
            yield connection
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")


def _claim(store: RevisionStore, job_id: str) -> bool:
    now = store.clock.now_ms()
    with store.engine.begin() as connection:
        claimed = connection.execute(
            update(J)
            .where(J.c.id == job_id, J.c.state == JobState.SCHEDULED.value)
            .values(
                state=JobState.IN_PROGRESS.value,
                started_ts=now,
                heartbeat_ts=now,
                owner=processes.this_process(),
            )
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
        running = J.c.state == JobState.IN_PROGRESS.value
        # Reaped while it was in fact alive (its heartbeat looked dead from another host):
        # what it really did (a merge committed, say) replaces the reaper's guess.
        reaped = and_(J.c.state == JobState.FAILED.value, J.c.error == STOPPED_RUNNING)
        finished = connection.execute(
            update(J)
            .where(J.c.id == job_id, or_(running, reaped))
            .values(state=state.value, result=result, error=error, finished_ts=store.clock.now_ms())
        ).rowcount
    if not finished:
        log.warning("Job %s ended %s but is no longer running; not recorded", job_id, state)


def run_job(
    store: RevisionStore, job_id: str, heartbeat: Heartbeat | None = None
) -> JobState | None:
    """Run one job to its end state; None if it was not SCHEDULED (already taken).
    ``heartbeat`` is a runner's that holds the job (from submission until this returns);
    without one the job gets a heartbeat of its own while it runs."""
    if heartbeat is not None:
        if not _claim(store, job_id):
            return None
        return _run_claimed(store, read(store, job_id))
    own = Heartbeat(store)
    own.hold(job_id)
    try:
        return run_job(store, job_id, own)
    finally:
        own.release(job_id)
        own.close()


def _run_claimed(store: RevisionStore, job: Job) -> JobState:
    """Run the claimed job's handler, delete its upload, then record how it ended: a job
    seen ended never still has its upload (a worker dying in between leaves the job
    running, to be reaped as stopped, and no file)."""
    try:
        state, result, error = _run_handler(store, job)
    finally:
        discard_upload(job)
    _finish(store, job.id, state, result, error)
    return state


def _run_handler(
    store: RevisionStore, job: Job
) -> tuple[JobState, dict[str, Any] | None, str | None]:
    """The job's end state, result and error, from its handler."""
    running = _RUNNING.set(job.id)
    try:
        # A job's writes wait for the write in flight (an import) instead of giving up.
        result = HANDLERS[job.kind](store.patient(), job.params)
    except Outcome as outcome:
        return outcome.state, outcome.result, outcome.error
    except MergeConflicts as conflicts:
        found = {"conflicts": [asdict(c) for c in conflicts.conflicts]}
        return JobState.CONFLICTS, found, str(conflicts)
    except StoreError as error:
        # an invalid component's violations name its fields ("Invalid concept 'T2'." alone
        # left an import's author guessing which: a helper's probe, 2026-12-08), unless its
        # message says them already
        said = str(error)
        named = [v for v in getattr(error, "violations", []) if v not in said]
        return JobState.FAILED, None, " ".join([said, *named])
    except Exception:
        log.exception("Job %s (%s) failed", job.id, job.kind)
        return JobState.FAILED, None, UNEXPECTED
    finally:
        _RUNNING.reset(running)
    return JobState.COMPLETED, result, None


# The job the current thread's handler runs (set around the handler by _run_handler).
_RUNNING: contextvars.ContextVar[str | None] = contextvars.ContextVar("job", default=None)
PROGRESS_LOCK_WAIT_S = 0.05


def record_progress(store: RevisionStore, progress: dict[str, Any]) -> bool:
    """Record how far the job this thread runs is (its ``progress``); False when no job
    runs here or the write had to wait (SQLite's one write lock, held by the job's own
    commit): progress is a hint, so it is skipped rather than waited for."""
    job_id = _RUNNING.get()
    if job_id is None:
        return False
    try:
        with _writing(store, PROGRESS_LOCK_WAIT_S) as connection:
            connection.execute(update(J).where(J.c.id == job_id).values(progress=progress))
    except SQLAlchemyError as error:
        log.debug("Progress of job %s not recorded: %s", job_id, error)
        return False
    return True


class Runner(Protocol):
    """Runs jobs by id. ``in_process``: a submitted job waits in this process (and is owned
    by it); otherwise in a queue outside it, which :meth:`lost` asks about."""

    in_process: bool

    def submit(self, job_id: str) -> None: ...

    def lost(self, job_id: str) -> bool | None:
        """Whether the queue no longer holds a job submitted to it and not yet claimed; None
        when the queue cannot be asked now."""
        ...


class Heartbeat:
    """Refreshes ``heartbeat_ts`` of the jobs it holds, every ``interval_s``, on one daemon
    thread (started with the first job held). A write that fails, such as SQLite's
    "database is locked" while a long import holds the lock, is skipped: the job goes on,
    and the next beat tries again."""

    # Job ids held in this process, by every Heartbeat and by jobs being started (counted:
    # a starting job is held twice for a moment when a ThreadRunner takes it).
    _held: ClassVar[Counter[str]] = Counter()
    _held_lock = threading.Lock()

    def __init__(self, store: RevisionStore, interval_s: float = HEARTBEAT_INTERVAL_S) -> None:
        self.store, self.interval_s = store, interval_s
        self.jobs: set[str] = set()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @classmethod
    def holds(cls, job_id: str) -> bool:
        """Whether some heartbeat of this process holds the job."""
        with cls._held_lock:
            return cls._held[job_id] > 0

    @classmethod
    def mark(cls, job_id: str) -> None:
        """Count the job as held by this process (until :meth:`unmark`)."""
        with cls._held_lock:
            cls._held[job_id] += 1

    @classmethod
    def unmark(cls, job_id: str) -> None:
        with cls._held_lock:
            cls._held[job_id] -= 1
            if cls._held[job_id] <= 0:
                del cls._held[job_id]

    def hold(self, job_id: str) -> None:
        Heartbeat.mark(job_id)
        with self._lock:
            self.jobs.add(job_id)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="snowpath-heartbeat", daemon=True
                )
                self._thread.start()

    def release(self, job_id: str) -> None:
        with self._lock:
            if job_id not in self.jobs:
                return
            self.jobs.discard(job_id)
        Heartbeat.unmark(job_id)

    def close(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval_s):
            with self._lock:
                held = sorted(self.jobs)
            if held:
                self.beat(held)

    def beat(self, job_ids: list[str]) -> None:
        """One refresh of the given jobs (those this process owns and that are not over)."""
        active = (JobState.SCHEDULED.value, JobState.IN_PROGRESS.value)
        try:
            with _writing(self.store, self.interval_s) as connection:
                connection.execute(
                    update(J)
                    .where(
                        J.c.id.in_(job_ids),
                        J.c.owner == processes.this_process(),
                        J.c.state.in_(active),
                    )
                    .values(heartbeat_ts=self.store.clock.now_ms())
                )
        except Exception as failure:  # never let the heartbeat thread die
            log.info("Heartbeat for %d job(s) skipped: %s", len(job_ids), failure)


class ThreadRunner:
    """Runs jobs on a small in-process thread pool (the embedded mode). A submitted job is
    owned by this process at once: it waits in this process's memory, and dies with it."""

    in_process = True

    def __init__(
        self,
        store: RevisionStore,
        workers: int = 2,
        heartbeat_interval_s: float = HEARTBEAT_INTERVAL_S,
    ) -> None:
        self.store = store
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="snowpath-job")
        self.heartbeat = Heartbeat(store, heartbeat_interval_s)

    def submit(self, job_id: str) -> None:
        # Held before the owner is written: this process must never see its own job unheld.
        self.heartbeat.hold(job_id)
        try:
            with self.store.engine.begin() as connection:
                connection.execute(
                    update(J)
                    .where(J.c.id == job_id, J.c.state == JobState.SCHEDULED.value)
                    .values(owner=processes.this_process(), heartbeat_ts=self.store.clock.now_ms())
                )
            self.pool.submit(self._run, job_id)
        except BaseException:
            self.heartbeat.release(job_id)
            raise

    def _run(self, job_id: str) -> None:
        try:
            run_job(self.store, job_id, self.heartbeat)
        except Exception:  # the pool would keep it in a future nobody reads
            log.exception("Job %s could not be run or recorded", job_id)
        finally:
            self.heartbeat.release(job_id)

    def lost(self, job_id: str) -> bool | None:
        return False  # its jobs always have an owner: is_stale judges them

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True)
        self.heartbeat.close()


class RqRunner:
    """Puts job ids on an rq queue; ``snowpath worker`` processes run them. A Redis that
    cannot be reached is :class:`~exporter.errors.QueueUnavailable`."""

    in_process = False

    def __init__(self, redis_url: str, queue: str = QUEUE) -> None:
        from redis import Redis
        from rq import Queue

        # Bounded waits: an unreachable Redis must answer a request soon, not hang it.
        redis = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        self.queue = Queue(queue, connection=redis)

    def submit(self, job_id: str) -> None:
        from redis import RedisError

        try:
            # A deterministic rq job id: submitting the same job twice queues it once.
            self.queue.enqueue("exporter.worker.run", job_id, job_id=job_id, job_timeout=3600)
        except RedisError as error:
            # Where Redis is stays in the log: the message goes to the client.
            log.warning("Could not queue job %s: %s", job_id, error)
            raise QueueUnavailable("The job queue cannot be reached; try again later.") from error

    def lost(self, job_id: str) -> bool | None:
        """True when Redis has no rq job of that id, or rq gave it up (failed, stopped,
        canceled) before our claim; None when Redis cannot be asked (the next read will)."""
        from redis import RedisError
        from rq.exceptions import NoSuchJobError
        from rq.job import Job as RqJob
        from rq.job import JobStatus

        try:
            queued = RqJob.fetch(job_id, connection=self.queue.connection)
            status = queued.get_status(refresh=False)
        except NoSuchJobError:
            return True
        except RedisError as error:
            log.info("Could not ask the job queue about job %s: %s", job_id, error)
            return None
        return status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)

    def close(self) -> None:
        """Close its Redis connections (a forked child must not share them)."""
        self.queue.connection.close()
