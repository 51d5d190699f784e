"""What an export holds and how it is written: ``export.json`` (the repository version's
fields, then its sections of objects with their change times, then ``export_time``) zipped as
one deflated entry, streamed; the content of a source version; the export's file name."""

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from zipstream import ZIP_DEFLATED, ZipStream

from accounts import repositories
from exporter import ocl_json, ocl_stream
from exporter.ocl_json import Place
from revisions import ReadPoint, RevisionStore
from revisions.errors import StoreError
from revisions.filters import Filter
from revisions.values import dumps

ENTRY = "export.json"
SOURCE = "source"
# Bytes of JSON gathered before they go to the compressor (fewer, larger zlib calls).
CHUNK = 256 << 10
# Deflate level. zlib's fast levels (1-3) deflate an export's JSON about three times as fast
# as its default (6): 350 against 115 MB/s on this machine kind, for a file a fifth larger
# (3.68 against 3.07 MB for 62 MB of JSON); 3 is the smallest of them at the same speed.
LEVEL = 3
# JSON chunks built ahead of the compressor (:func:`ahead`): a few MB at most.
AHEAD = 8


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
    """One-entry zip (``export.json``, deflated at :data:`LEVEL`, zip64 when needed) of
    ``chunks``, streamed; ``chunks`` are read by a thread of their own (:func:`ahead`)."""
    archive = ZipStream(compress_type=ZIP_DEFLATED, compress_level=LEVEL, sized=False)
    archive.add(ahead(chunks), ENTRY)
    yield from archive


def ahead(items: Iterable[bytes], depth: int = AHEAD) -> Iterator[bytes]:
    """``items``, read by a thread of their own at most ``depth`` ahead of the reader, so
    building the JSON (Python: it holds the interpreter lock) runs beside deflating, hashing
    and writing it (zlib, hashlib and file writes release the lock). An error in the thread
    is raised to the reader; a reader that stops stops the thread, which closes ``items``
    (and so the database reads behind them) in the thread that opened them."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(message: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                box.put(message, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        source = iter(items)
        try:
            for item in source:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as error:  # raised again in the reader
            put(("error", error))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=run, name="export-json", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        thread.join()


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

    def concepts() -> Iterator[tuple[int | None, dict[str, Any]]]:
        for changed, item in ocl_stream.view_concepts(store, view, place, locale=locale):
            names[item["id"]] = item["display_name"]
            yield changed, item

    sections = (
        Section("concepts", store.count(view, "concept", Filter()), concepts()),
        Section(
            "mappings",
            store.count(view, "mapping", Filter()),
            ocl_stream.view_mappings(store, view, place, names),
        ),
    )
    return Content(head, sections, version.created_ts)


# --- names --------------------------------------------------------------------------------


def last_updated_name(ms: int) -> str:
    """lastUpdated as in the file name: UTC ``YYYYMMDDHHMMSS``."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y%m%d%H%M%S")


def file_name(owner: str, repo: str, version: str, last_updated_ts: int) -> str:
    """``<owner>_<repo>_v<version>.<lastUpdated>.zip``, without doubling a ``v`` the version
    id already starts with."""
    shown = version if version[:1] in ("v", "V") else f"v{version}"
    return f"{owner}_{repo}_{shown}.{last_updated_name(last_updated_ts)}.zip"
