"""The rq side of jobs: the function rq workers call, and the worker loop itself.

``snowpath worker`` calls :func:`work`, which configures the store once, reports the jobs
that died or were lost FAILED and deletes leftover uploads (:mod:`exporter.uploads`) and
export files of dead builds (:func:`exporter.exports.sweep`), then
drains the queue with rq's ``SimpleWorker`` (jobs run in the worker process; the store's
connection pool is reused across jobs). rq calls :func:`run` with a job id only. On SIGTERM
an idle worker exits within about :data:`COMMAND_POLL_S` (see :class:`Worker`).
"""

from __future__ import annotations

from pathlib import Path

from redis import Redis
from rq import Queue, SimpleWorker

from exporter import exports, jobs, uploads
from revisions import RevisionStore, make_engine
from revisions.epoch import open_epoch

# How long the thread that listens for rq's worker commands waits in one poll: how long it
# may take to notice that the worker stops.
COMMAND_POLL_S = 1.0

_store: RevisionStore | None = None


def configure(store: RevisionStore) -> None:
    global _store
    _store = store


def run(job_id: str) -> str | None:
    """rq entry point: run one Snowpath job by id."""
    if _store is None:
        raise RuntimeError("The worker has no store: start it with 'snowpath worker'.")
    state = jobs.run_job(_store, job_id)
    return None if state is None else state.value


def work(
    database_url: str,
    redis_url: str,
    *,
    upload_dir: Path,
    export_dir: Path | None = None,
    burst: bool = False,
    queue: str = jobs.QUEUE,
) -> None:
    """Run jobs from the queue until stopped (or until it is empty, with ``burst``)."""
    from exporter import handlers  # noqa: F401 - registers the job kinds

    store = RevisionStore(make_engine(database_url), epoch=open_epoch(redis_url))
    configure(store)
    runner = jobs.RqRunner(redis_url, queue)
    uploads.sweep_all(store, runner, upload_dir)
    runner.close()
    if export_dir is not None:
        exports.sweep(store, export_dir)  # temporary files of builds that died
    connection = Redis.from_url(redis_url)
    Worker([Queue(queue, connection=connection)], connection=connection).work(burst=burst)


class Worker(SimpleWorker):
    """rq's ``SimpleWorker`` whose command listener polls every :data:`COMMAND_POLL_S`.

    At a warm shutdown rq unsubscribes the listener's channel, then stops its thread, and
    redis-py's ``stop`` waits for that thread, which by then waits for a new subscription as
    long as one poll lasts: rq's 60 s. An idle ``snowpath worker`` took up to a minute to
    exit on SIGTERM (each live test's teardown waited its 30 s, then killed it)."""

    def subscribe(self) -> None:
        # As rq's own, but for the poll.
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=COMMAND_POLL_S,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )
