"""The cache of single-component reads shared by every process (docs/api.md, "Caching").

A GET resolves its path to a view (``revisions.visibility``), and a view never changes: the
body of a component read under a view, in one representation (type, id, the ``expand``
asked for), is the same bytes forever. Bodies are kept under that key with no
invalidation, only a bound on their size; a commit gives the head a new view, so the next
read misses and renders afresh. A view's branch ids and times mean nothing in another
database, so keys start with the store's identity (its URL and the time its root branch was
made: a database made again under the same URL gets new keys).

Where: Redis when ``SNOWPATH_REDIS_URL`` is set (every process on every host); else a
diskcache folder in the data folder (SQLite underneath, safe across the processes of
``snowpath serve``, no server to run). A backend that fails is a miss, never an error. In
front of either, each process keeps the bodies it served last (:data:`NEAR_BYTES`, least
recently used out first): the same key is the same bytes everywhere. A body rendered here
reaches the backend off the request path (:class:`Writer`): a first read pays the backend's
miss, not its write, and never waits for another process's write.

A read whose content can never change (``RevisionStore.is_final``: a settled time, a
version's head) is answered with ``Cache-Control`` letting clients and proxies keep it for
:data:`MAX_AGE` without asking again: ``public`` when anyone may view its branches,
``private`` when a code system outsiders may not view governs one of them.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import diskcache
import redis

from api.settings import Settings
from revisions import ReadPoint, ReadRange, RevisionStore
from revisions.branches import ROOT
from revisions.visibility import View

log = logging.getLogger(__name__)
MAX_AGE = 86_400  # a day: how long a deleted branch's reads may live on in other caches
VARY = "Accept, Accept-Language"
DISK_BYTES = 256 << 20  # the embedded cache's bound (least recently stored out first)
NEAR_BYTES = 8 << 20  # each process's own copies of the bodies it served last
BUSY_SECONDS = 0.5
V = TypeVar("V")
REDIS_SECONDS = 7 * 86_400  # Redis entries expire; its maxmemory policy bounds it too


# Bodies waiting for the backend in each process (:class:`Writer`); more are not kept.
QUEUED = 1024
BATCH = 64  # bodies written together (one SQLite transaction, one Redis pipeline)
IDLE_SECONDS = 5.0  # how long the writing thread waits for more before it ends


class Backend(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def put_many(self, items: Sequence[tuple[str, bytes]]) -> None: ...


class DiskBackend:
    """A diskcache folder, opened in the process that uses it (its SQLite connections must
    not cross a fork). Readers never wait (SQLite's WAL); a write waits at most
    :data:`BUSY_SECONDS` for another process's, then the body is not kept."""

    def __init__(self, folder: Path, size_limit: int = DISK_BYTES) -> None:
        self.folder = folder
        self.size_limit = size_limit
        self._cache: diskcache.Cache | None = None
        self._pid = 0

    def _open(self) -> diskcache.Cache:
        if self._cache is None or self._pid != os.getpid():
            self._cache = diskcache.Cache(
                str(self.folder), size_limit=self.size_limit, timeout=BUSY_SECONDS
            )
            self._pid = os.getpid()
        return self._cache

    def get(self, key: str) -> bytes | None:
        try:
            found = self._open().get(key)
        except diskcache.Timeout:
            return None
        return found if isinstance(found, bytes) else None

    def put_many(self, items: Sequence[tuple[str, bytes]]) -> None:
        cache = self._open()
        try:
            with cache.transact(retry=False):
                for key, body in items:
                    cache.set(key, body)
        except diskcache.Timeout:
            log.warning("The read cache was busy; %d bodies were not kept.", len(items))


class RedisBackend:
    def __init__(self, url: str, prefix: str = "snowpath:read:") -> None:
        self.client = redis.Redis.from_url(url)
        self.prefix = prefix

    def get(self, key: str) -> bytes | None:
        try:
            found = self.client.get(self.prefix + key)
        except redis.RedisError as error:
            log.warning("The read cache is unreachable (%s); reading the store.", error)
            return None
        return found if isinstance(found, bytes) else None

    def put_many(self, items: Sequence[tuple[str, bytes]]) -> None:
        try:
            pipeline = self.client.pipeline(transaction=False)
            for key, body in items:
                pipeline.set(self.prefix + key, body, ex=REDIS_SECONDS)
            pipeline.execute()
        except redis.RedisError as error:
            log.warning("The read cache is unreachable (%s); bodies were not kept.", error)


class Writer:
    """Hands bodies to a backend off the request path: a daemon thread of this process
    writes what waits, :data:`BATCH` at a time, and ends after :data:`IDLE_SECONDS` with
    nothing to write (the next body starts another; a forked process starts its own). A
    body arriving while :data:`QUEUED` wait is not kept, as when a write fails: a later
    read renders it again. A write that raises is logged and the thread goes on. On disk,
    a first read spent 190 of its ~850 us in the write (2026-12-07), and could wait up to
    :data:`BUSY_SECONDS` for another process's."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._waiting: queue.Queue[tuple[str, bytes]] = queue.Queue(QUEUED)
        self._pid = os.getpid()  # the process ``_waiting`` and ``_draining`` belong to
        self._draining = False
        self._lock = threading.Lock()

    def put(self, key: str, body: bytes) -> None:
        """Queue ``body`` for the backend under ``key``; never waits."""
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's thread did not come along
                self._waiting, self._pid, self._draining = queue.Queue(QUEUED), os.getpid(), False
            try:
                self._waiting.put_nowait((key, body))
            except queue.Full:
                log.debug("The read cache's writes are behind; a body was not kept.")
                return
            if not self._draining:
                self._draining = True
                threading.Thread(target=self._drain, name="read-cache", daemon=True).start()

    def flush(self) -> None:
        """Wait until every body this process queued has been handed to the backend."""
        if self._pid == os.getpid():
            self._waiting.join()

    def _drain(self) -> None:
        waiting = self._waiting
        while True:
            try:
                batch = [waiting.get(timeout=IDLE_SECONDS)]
            except queue.Empty:
                with self._lock:  # a body queued from now on starts another thread
                    if waiting.empty():
                        self._draining = False
                        return
                continue
            while len(batch) < BATCH:
                try:
                    batch.append(waiting.get_nowait())
                except queue.Empty:
                    break
            try:
                self.backend.put_many(batch)
            except Exception:  # a cache: whatever the backend raises, reads go on
                log.exception("The read cache failed; %d bodies were not kept.", len(batch))
            finally:
                for _ in batch:
                    waiting.task_done()


class ReadCache:
    """Bodies of reads by view and representation, over one backend, for one store."""

    def __init__(self, backend: Backend, store: RevisionStore, namespace: str = "") -> None:
        self.backend = backend
        self.store = store
        self.namespace = namespace  # keys of their own (tests: stores made alike, one folder)
        self._near: Near[bytes] = Near(NEAR_BYTES)
        self._writer = Writer(backend)

    @functools.cached_property
    def _identity(self) -> str:
        root = self.store.get_branch(ROOT).created_ts
        material = f"{self.store.engine.url}|{root}"
        return hashlib.blake2b(material.encode(), digest_size=8).hexdigest()

    def body(self, view: View, representation: str, render: Callable[[], bytes]) -> bytes:
        """The body of ``representation`` under ``view``: kept, or ``render()`` (kept then)."""
        material = f"{self.namespace}|{self._identity}|{view.key}|{representation}".encode()
        key = hashlib.blake2b(material, digest_size=20).hexdigest()  # bounded, whatever asked
        found = self._near.get(key)
        if found is not None:
            return found
        found = self.backend.get(key)
        if found is None:
            found = render()
            self._writer.put(key, found)
        self._near.put(key, found, len(found))
        return found

    def flush(self) -> None:
        """Wait until the bodies this process rendered are in the backend (:class:`Writer`)."""
        self._writer.flush()


class Near(Generic[V]):
    """Values by key in this process, at most ``limit`` bytes of them (each value's size is
    given with it); least recently used out first; thread-safe."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            found = self._values.get(key)
            if found is None:
                return None
            self._values.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: V, size: int) -> None:
        if size > self.limit // 16:
            return  # one large value would push out hundreds of small ones
        with self._lock:
            if key in self._values:
                self._bytes -= self._values.pop(key)[1]
            self._values[key] = (value, size)
            self._bytes += size
            while self._bytes > self.limit:
                _, (_, dropped) = self._values.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._bytes = 0


def open_cache(settings: Settings, store: RevisionStore) -> ReadCache:
    """Redis when configured, else a folder ``read-cache`` in the data folder."""
    if settings.redis_url is not None:
        return ReadCache(RedisBackend(settings.redis_url), store)
    return ReadCache(DiskBackend(settings.data_dir / "read-cache"), store)


def lifetime(
    store: RevisionStore, point: ReadPoint | ReadRange, view: View, public: bool
) -> dict[str, str]:
    """The ``Cache-Control`` header of a read of ``point``: only when it is final."""
    if not store.is_final(point, view):
        return {}
    scope = "public" if public else "private"
    # The representation depends on these request headers: a cache keeps one per value.
    return {"Cache-Control": f"{scope}, max-age={MAX_AGE}, immutable", "Vary": VARY}
