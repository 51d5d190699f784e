"""An export's state: its ``exports`` row, whether its build job is unfinished, whether its
stored file still matches; starting a build (one of concurrent starts wins), deleting an
export, and sweeping temporary files of builds that are over (see the package docstring)."""

import logging
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from exporter import jobs
from exporter.storage import TEMP_SUFFIX, FileStorage, Stat, Storage, sha256_of, stat_of
from revisions import RevisionStore, schema
from revisions.errors import StoreError

log = logging.getLogger(__name__)
E = schema.exports
JOB_KIND = "export"
VERIFIED_KEPT = 1024


@dataclass(frozen=True, slots=True)
class Key:
    """An exported repository version: ``kind`` ``source`` (``repository`` is the code
    system's id) or ``collection``."""

    kind: str
    repository: str
    version: str

    def where(self) -> Any:
        return (
            (E.c.kind == self.kind)
            & (E.c.repository == self.repository)
            & (E.c.version == self.version)
        )


@dataclass(frozen=True, slots=True)
class Record:
    """An ``exports`` row."""

    key: Key
    job_id: str | None
    storage_key: str | None
    size: int | None
    sha256: str | None
    last_updated_ts: int | None
    built_ts: int | None


class State(StrEnum):
    NONE = "NONE"
    BUILDING = "BUILDING"
    READY = "READY"


@dataclass(slots=True)
class Found:
    state: State
    record: Record | None = None
    job: jobs.Job | None = None


# --- the rows -----------------------------------------------------------------------------


def read(store: RevisionStore, key: Key) -> Record | None:
    with store.engine.connect() as connection:
        row = connection.execute(select(E).where(key.where())).mappings().first()
    if row is None:
        return None
    return Record(
        key,
        row["job_id"],
        row["storage_key"],
        row["size"],
        row["sha256"],
        row["last_updated_ts"],
        row["built_ts"],
    )


def _job(store: RevisionStore, job_id: str | None, runner: jobs.Runner | None) -> jobs.Job | None:
    if job_id is None:
        return None
    try:
        return jobs.get(store, job_id, runner=runner)
    except jobs.JobNotFound:
        return None


def find(
    store: RevisionStore, runner: jobs.Runner | None, storage: Storage, key: Key
) -> tuple[Found, BinaryIO | None]:
    """The export's state, and for a ready one its file, open (the caller closes it)."""
    record = read(store, key)
    if record is None:
        return Found(State.NONE), None
    job = _job(store, record.job_id, runner)
    if job is not None and job.state.value in jobs.UNFINISHED:
        return Found(State.BUILDING, record, job), None
    # Read again now that the job is known to be over: a build records its file before its
    # job ends, so the first read may predate the file.
    record = read(store, key)
    if record is None:
        return Found(State.NONE), None
    if job is not None and record.job_id != job.id:
        return find(store, runner, storage, key)  # a new build started meanwhile
    opened = open_ready(storage, record)
    if opened is None:
        return Found(State.NONE, record, job), None
    return Found(State.READY, record, job), opened


_verified: OrderedDict[tuple[str, Stat], bool] = OrderedDict()
_verified_lock = threading.Lock()


def open_ready(storage: Storage, record: Record) -> BinaryIO | None:
    """The recorded file, open, if it matches its recorded size and SHA-256; else None. The
    digest is computed once per file content seen (size, mtime and inode), per process."""
    if record.storage_key is None or record.size is None or record.sha256 is None:
        return None
    opened = storage.open(record.storage_key)
    if opened is None:
        return None
    try:
        stat = stat_of(opened)
        if stat.size != record.size:
            log.warning(
                "Export file %s has %d bytes, not %d", record.storage_key, stat.size, record.size
            )
            opened.close()
            return None
        cache_key = (f"{record.storage_key}|{record.sha256}", stat)
        with _verified_lock:
            known = _verified.get(cache_key)
        if known is None:
            known = sha256_of(opened) == record.sha256
            with _verified_lock:
                _verified[cache_key] = known
                while len(_verified) > VERIFIED_KEPT:
                    _verified.popitem(last=False)
            if not known:
                log.warning("Export file %s does not match its digest", record.storage_key)
        if not known:
            opened.close()
            return None
        return opened
    except BaseException:
        opened.close()
        raise


# --- starting builds ----------------------------------------------------------------------


class BuildUnderWay(Exception):
    """Another request started a build of the export first."""


class Started(StrEnum):
    EXISTS = "EXISTS"
    BUILDING = "BUILDING"
    STARTED = "STARTED"


def request_build(
    store: RevisionStore, runner: jobs.Runner, folder: Path, key: Key
) -> tuple[Started, jobs.Job | None]:
    """Start building the export unless it is ready (``EXISTS``) or being built
    (``BUILDING``, with its job); ``STARTED`` with the new job."""
    found, opened = find(store, runner, FileStorage(folder), key)
    if opened is not None:
        opened.close()
    if found.state is State.READY:
        return Started.EXISTS, found.job
    if found.state is State.BUILDING:
        return Started.BUILDING, found.job
    params = {
        "kind": key.kind,
        "repository": key.repository,
        "version": key.version,
        "folder": str(Path(folder).absolute()),
        "token": uuid.uuid4().hex,
    }
    previous = found.record.job_id if found.record is not None else None
    try:
        with jobs.starting(store, runner, JOB_KIND, params) as job:
            if not _claim(store, key, found.record is not None, previous, job.id):
                raise BuildUnderWay
    except BuildUnderWay:
        now = read(store, key)
        return Started.BUILDING, _job(store, now.job_id if now else None, runner)
    return Started.STARTED, job


def _claim(store: RevisionStore, key: Key, exists: bool, previous: str | None, job_id: str) -> bool:
    """Point the row at ``job_id`` if no other request did since it was read."""
    try:
        with store.engine.begin() as connection:
            if not exists:
                connection.execute(
                    insert(E).values(
                        kind=key.kind, repository=key.repository, version=key.version, job_id=job_id
                    )
                )
                return True
            changed = connection.execute(
                update(E)
                .where(key.where(), E.c.job_id.is_not_distinct_from(previous))
                .values(job_id=job_id)
            ).rowcount
    except IntegrityError:
        return False
    return changed == 1


def delete(store: RevisionStore, storage: Storage, key: Key) -> bool:
    """Forget the export's file and delete it; whether there was one (a file that no longer
    matches its digest counts: it is removed too)."""
    record = read(store, key)
    if record is None or record.storage_key is None:
        return False
    with store.engine.begin() as connection:
        forgotten = connection.execute(
            update(E)
            .where(key.where(), E.c.storage_key == record.storage_key)
            .values(storage_key=None, size=None, sha256=None, last_updated_ts=None, built_ts=None)
        ).rowcount
    if forgotten:
        storage.delete(record.storage_key)
    return bool(forgotten)


def forget(
    store: RevisionStore, storage: Storage, kind: str, repository: str, version: str | None = None
) -> int:
    """Delete the exports of a deleted repository (every version of it) or of one deleted
    version: their rows and files; how many rows went. A build still running finds its row
    gone and discards its file (:class:`exporter.exports.build.Superseded`)."""
    where = (E.c.kind == kind) & (E.c.repository == repository)
    if version is not None:
        where &= E.c.version == version
    # One statement that writes first: on SQLite a transaction that read before writing
    # fails at once ("database is locked") when another connection wrote meanwhile.
    with store.engine.begin() as connection:
        files = connection.execute(E.delete().where(where).returning(E.c.storage_key)).all()
    for (storage_key,) in files:
        if storage_key is not None:
            storage.delete(storage_key)
    return len(files)


def queue_for_new_version(
    store: RevisionStore, runner: jobs.Runner, folder: Path, key: Key
) -> jobs.Job | None:
    """Called when a version is created: start its export; a queue that cannot be reached
    only logs (the version exists; a POST builds the export later)."""
    try:
        started, job = request_build(store, runner, folder, key)
    except StoreError as error:
        log.warning("The export of %s was not queued: %s", key, error)
        return None
    return job if started is Started.STARTED else None


# --- leftovers ----------------------------------------------------------------------------


def sweep(store: RevisionStore, folder: Path) -> list[str]:
    """Delete temporary files of builds that are over (a worker killed mid-build leaves
    one: it is never served, being never renamed into place); their names. At server and
    worker start, after the jobs' sweep judged dead builds FAILED. The folder is listed
    before the jobs are read, so a build starting meanwhile is not in the listing."""
    if not folder.is_dir():
        return []
    listed = [p for p in folder.rglob(f"*{TEMP_SUFFIX}") if p.is_file()]
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(jobs.J.c.params).where(
                jobs.J.c.kind == JOB_KIND, jobs.J.c.state.in_(jobs.UNFINISHED)
            )
        )
        running = {params.get("token") for params in rows.scalars()}
    removed = []
    for path in listed:
        if path.name.split(".", 1)[0] in running:
            continue
        path.unlink(missing_ok=True)
        removed.append(path.name)
    if removed:
        log.warning("Deleted %d unfinished export file(s) in %s", len(removed), folder)
    return removed
