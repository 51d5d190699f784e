"""The ``export`` job: write the file through the storage (all or nothing), record it if
the export's row still names this job, report progress in the job's result meanwhile."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from exporter import jobs
from exporter.exports.collection import COLLECTION, collection_content
from exporter.exports.content import (
    SOURCE,
    Content,
    Written,
    export_json,
    last_updated_name,
    source_content,
    zipped,
)
from exporter.exports.state import JOB_KIND, E, Key, read
from exporter.storage import FileStorage, Storage, key_of
from revisions import RevisionStore
from revisions.errors import StoreError

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 0.5
# What each kind of export holds (the Key's ``kind``).
CONTENTS: dict[str, Callable[[RevisionStore, str, str], Content]] = {
    SOURCE: source_content,
    COLLECTION: collection_content,
}


# --- the build job ------------------------------------------------------------------------


class Superseded(StoreError):
    """The export was deleted or rebuilt by another job while this one ran."""


def _own_job(store: RevisionStore, key: Key, token: str) -> str | None:
    """The id of the build job with ``token``, if the row still names it."""
    record = read(store, key)
    if record is None or record.job_id is None:
        return None
    try:
        job = jobs.read(store, record.job_id)
    except jobs.JobNotFound:
        return None
    return job.id if job.params.get("token") == token else None


def _progress(store: RevisionStore, job_id: str | None, total: int) -> Callable[[int], None]:
    """Writes ``{"done", "total"}`` into the running job's result, at most every
    :data:`PROGRESS_EVERY_S` (a busy database skips a beat, as the heartbeat does)."""
    last = [0.0]

    def report(done: int) -> None:
        now = time.monotonic()
        if job_id is None or (now - last[0] < PROGRESS_EVERY_S and done < total):
            return
        last[0] = now
        try:
            with store.engine.begin() as connection:
                connection.execute(
                    update(jobs.J)
                    .where(jobs.J.c.id == job_id, jobs.J.c.state == jobs.JobState.IN_PROGRESS.value)
                    .values(result={"done": done, "total": total})
                )
        except SQLAlchemyError as failure:
            log.info("Progress of job %s not recorded: %s", job_id, failure)

    return report


@dataclass(frozen=True, slots=True)
class Built:
    """A written export file: its key, size, digest, lastUpdated and objects written."""

    storage_key: str
    size: int
    sha256: str
    last_updated_ts: int
    done: int


def write(
    store: RevisionStore,
    storage: Storage,
    key: Key,
    content: Content,
    token: str,
    on_progress: Callable[[int], None] | None = None,
) -> Built:
    """Write the export file (all or nothing: :meth:`Storage.write`), not yet recorded."""
    storage_key = f"{key_of(key.kind, key.repository, key.version)}/{token}.zip"
    written = Written(on_progress=on_progress or (lambda done: None))
    stored = storage.write(storage_key, zipped(export_json(content, written, store.clock.now_ms())))
    last_updated = written.last_updated_ts or content.created_ts
    return Built(storage_key, stored.size, stored.sha256, last_updated, written.done)


def build(
    store: RevisionStore,
    storage: Storage,
    key: Key,
    content: Content,
    token: str,
    job_id: str,
) -> dict[str, Any]:
    """Write the export and record it if the row still names ``job_id`` (else the file is
    deleted: :class:`Superseded`); the job's result."""
    built = write(store, storage, key, content, token, _progress(store, job_id, content.total))
    previous = read(store, key)
    with store.engine.begin() as connection:
        recorded = connection.execute(
            update(E)
            .where(key.where(), E.c.job_id == job_id)
            .values(
                storage_key=built.storage_key,
                size=built.size,
                sha256=built.sha256,
                last_updated_ts=built.last_updated_ts,
                built_ts=store.clock.now_ms(),
            )
        ).rowcount
    if not recorded:
        storage.delete(built.storage_key)
        raise Superseded("The export was deleted or rebuilt while this build ran.")
    if previous is not None and previous.storage_key not in (None, built.storage_key):
        storage.delete(previous.storage_key)
    return {
        "done": built.done,
        "total": content.total,
        "size": built.size,
        "sha256": built.sha256,
        "lastUpdated": last_updated_name(built.last_updated_ts),
    }


@jobs.handler(JOB_KIND)
def build_job(store: RevisionStore, params: dict[str, Any]) -> dict[str, Any]:
    key = Key(params["kind"], params["repository"], params["version"])
    job_id = _own_job(store, key, params["token"])
    if job_id is None:
        raise Superseded("The export was deleted or rebuilt before this build started.")
    content = CONTENTS[key.kind](store, key.repository, key.version)
    return build(store, FileStorage(Path(params["folder"])), key, content, params["token"], job_id)
