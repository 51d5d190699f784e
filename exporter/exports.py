"""Cached exports of repository versions: their state, their builds, and the file itself.

An export is one zip with one entry, ``export.json``: the repository version's fields (its
``type`` first, the repository's metadata as of the version last), then ``concepts``,
``references`` (collections) and ``mappings``, each sorted by id, retired ones included, then
``export_time``. What a build writes is given as :class:`Content` (the version's fields and
streams of objects with their change times), so a source version
(:func:`source_content`) and, later, a collection version feed one builder.

State. One ``exports`` row per exported version (``revisions.schema.exports``) names the
stored file (storage key, size, SHA-256, lastUpdated) and the latest build job. What the API
answers (:func:`find`):

- ``BUILDING`` while that job is unfinished, as :func:`exporter.jobs.get` judges it: a job
  whose worker died or whose queue entry was lost is reported FAILED there, so an export is
  never "being built" forever;
- ``READY`` when the recorded file opens and matches its size and digest (:func:`open_ready`;
  the digest is computed once per file content, :class:`~exporter.storage.Stat`);
- ``NONE`` otherwise: never built, deleted, failed, or a stored file that no longer matches
  (a truncated or corrupt file is never served; a POST builds it again).

Builds. :func:`request_build` starts one unless the export is ready or being built; of two
concurrent requests exactly one starts it (the row's ``job_id`` changes only from the value
the request read, or the row is inserted only once). A build (the ``export`` job) streams
the content from the database batch by batch into a zip written through the storage (a
temporary file renamed into place when complete), records the file only if the row still
names its job (a newer build or a delete wins), then removes the file it replaced. While it
runs, its job's ``result`` holds ``{"done": n, "total": m}`` (objects written so far, of all).
Each build writes a file of its own (the key holds a per-build token), so two builds never
write one file.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from zipstream import ZIP_DEFLATED, ZipStream

from accounts import repositories
from exporter import jobs, ocl_json
from exporter.ocl_json import Place
from exporter.storage import TEMP_SUFFIX, FileStorage, Stat, Storage, key_of, sha256_of, stat_of
from revisions import ReadPoint, RevisionStore, schema
from revisions.errors import StoreError
from revisions.filters import Filter
from revisions.values import dumps

log = logging.getLogger(__name__)
E = schema.exports
SOURCE = "source"
JOB_KIND = "export"
ENTRY = "export.json"
# Components read per query: larger than the API's pages (fewer round trips), small enough
# that a batch's objects stay a few MB.
BATCH = 2_000
# Bytes of JSON gathered before they go to the compressor (fewer, larger zlib calls).
CHUNK = 256 << 10
PROGRESS_EVERY_S = 0.5
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


# --- what a build writes ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section:
    """One list of the export: its name, how many objects, and the objects in id order,
    each with its latest change time (epoch ms; None for objects that have none, such as a
    collection's references)."""

    name: str
    total: int
    rows: Iterable[tuple[int | None, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Content:
    """A repository version to export: its fields (``type`` first), its sections, and the
    lastUpdated of a version without concepts or mappings (its creation)."""

    head: dict[str, Any]
    sections: tuple[Section, ...]
    created_ts: int

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)


@dataclass(slots=True)
class Written:
    """Filled in while :func:`export_json` runs: objects written, latest change seen."""

    done: int = 0
    last_updated_ts: int | None = None
    on_progress: Callable[[int], None] = field(default=lambda done: None)


def export_json(content: Content, written: Written, now_ms: int) -> Iterator[bytes]:
    """``export.json`` in chunks of about :data:`CHUNK` bytes, never held whole."""
    parts: list[bytes] = [dumps(content.head)[:-1]]
    size = len(parts[0])
    for section in content.sections:
        parts.append(f',"{section.name}":['.encode())
        first = True
        for changed, item in section.rows:
            encoded = dumps(item)
            parts.append(encoded if first else b"," + encoded)
            size += len(encoded) + 1
            first = False
            written.done += 1
            if changed is not None and (
                written.last_updated_ts is None or changed > written.last_updated_ts
            ):
                written.last_updated_ts = changed
            if size >= CHUNK:
                yield b"".join(parts)
                parts, size = [], 0
                written.on_progress(written.done)
        parts.append(b"]")
    parts.append(b',"export_time":' + dumps(ocl_json.iso(now_ms)) + b"}")
    yield b"".join(parts)
    written.on_progress(written.done)


def zipped(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """One-entry zip (``export.json``, deflated, zip64 when needed) of ``chunks``, streamed."""
    archive = ZipStream(compress_type=ZIP_DEFLATED, sized=False)
    archive.add(chunks, ENTRY)
    yield from archive


def source_content(store: RevisionStore, codesystem_id: str, version_id: str) -> Content:
    """A source version: OCL's Source Version fields, the source as of the version,
    concepts and mappings with their change times (:mod:`exporter.ocl_json`)."""
    repository = repositories.by_codesystem(store.engine, codesystem_id)
    if repository is None:
        raise StoreError(f"Code system '{codesystem_id}' is not an OCL source.")
    codesystem = store.codesystems.get(codesystem_id)
    version = store.codesystems.get_version(codesystem_id, version_id)
    older = [
        v for v in store.codesystems.versions(codesystem_id) if v.created_ts < version.created_ts
    ]
    place = Place(repository.owner_type, repository.owner, repository.repo_id, codesystem_id)
    access = repository.public_access
    head = ocl_json.version_json(place, codesystem, access, version, older[-1] if older else None)
    head.setdefault("source", ocl_json.source_json(place, codesystem, access, version=version_id))
    view = store.view(ReadPoint(version.branch_path))
    locale = codesystem.metadata.get("language") or "en"
    # Each concept's display name, kept from the concepts for the mappings' from_concept_name
    # (mappings come after concepts; a few dozen MB at 350,000 concepts, instead of reading
    # every mapping source's descriptions again).
    names: dict[str, str | None] = {}

    def pages(type_name: str) -> Iterator[list[Any]]:
        after: Any = None
        while True:
            page = store.page(view, type_name, Filter(), after=after, limit=BATCH)
            if page.items:
                yield page.items
            if page.next_after is None or not page.items:
                return
            after = page.next_after

    def concepts() -> Iterator[tuple[int | None, dict[str, Any]]]:
        for items in pages("concept"):
            for changed, item in ocl_json.concept_batch(store, view, place, items, locale=locale):
                names[item["id"]] = item["display_name"]
                yield changed, item

    def mappings() -> Iterator[tuple[int | None, dict[str, Any]]]:
        for items in pages("mapping"):
            times = ocl_json.mapping_times(store, view, [m.id for m in items])
            for mapping in items:
                mtimes = times.get(mapping.id) or [mapping.timestamp]
                source = mapping.fields["source_id"]
                item = ocl_json.mapping_json(place, mapping, mtimes, from_name=names.get(source))
                yield mtimes[-1], item

    sections = (
        Section("concepts", store.count(view, "concept", Filter()), concepts()),
        Section("mappings", store.count(view, "mapping", Filter()), mappings()),
    )
    return Content(head, sections, version.created_ts)


CONTENTS: dict[str, Callable[[RevisionStore, str, str], Content]] = {SOURCE: source_content}


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


# --- names --------------------------------------------------------------------------------


def last_updated_name(ms: int) -> str:
    """lastUpdated as in the file name: UTC ``YYYYMMDDHHMMSS``."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y%m%d%H%M%S")


def file_name(owner: str, repo: str, version: str, last_updated_ts: int) -> str:
    """``<owner>_<repo>_v<version>.<lastUpdated>.zip``, without doubling a ``v`` the version
    id already starts with."""
    shown = version if version[:1] in ("v", "V") else f"v{version}"
    return f"{owner}_{repo}_{shown}.{last_updated_name(last_updated_ts)}.zip"


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
