"""A mark that changes after every write to a store's database, read without asking the
database: per-process caches of what reads resolve (a path's view, the code system that
governs a branch) are trusted while it stands still (docs/revision-store.md, "The epoch").

:func:`watch` makes an engine move an :class:`Epoch` after each transaction it commits:
SQLAlchemy's ``commit`` event marks the connection, and the connection's next ``begin`` or
its return to the pool moves the epoch. Both come after the database committed and before
the ``with engine.begin()`` block that committed returns, so once a write has answered, no
process sharing the epoch serves what it replaced. A reader takes a :func:`mark` before it
reads the database and keeps what it read under that mark (:class:`Kept`): a write landing
in between changes the mark, so the next reader reads again. A transaction that changes
nothing a reader keeps (a settle) says so with :func:`unseen` and leaves the epoch as it is.

Where the epoch lives (:func:`open_epoch`):

- :class:`FileEpoch`: eight bytes in a file of the data folder, mapped into every process
  that opens it (shared memory: a mark costs no system call). A move writes eight random
  bytes, so writers need no lock and a reader only ever compares for equality. For the
  processes of one host that share the data folder: ``snowpath serve``'s workers, their
  in-process jobs, the command line.
- :class:`RedisEpoch`: a Redis key moved with ``INCR`` (one round trip per mark), when
  ``SNOWPATH_REDIS_URL`` is set: rq workers may write from other hosts.

A mark is trusted for at most :data:`TRUST_S` seconds: a writer that shares neither (a
process with another data folder, SQL run by hand) is seen within that bound.
"""

from __future__ import annotations

import logging
import mmap
import os
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import redis
from sqlalchemy import Connection, Engine, event

log = logging.getLogger(__name__)
TRUST_S = 1.0
SIZE = 8
_MOVED = "snowpath.epoch.moved"  # the flag a committed transaction leaves on its connection
_UNSEEN = "snowpath_epoch_unseen"  # the execution option of unseen()
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Epoch(Protocol):
    def value(self) -> Hashable:
        """What the epoch reads now (equal to a past reading: nothing committed between)."""

    def move(self) -> None:
        """Change the value (after a commit)."""


def mark(epoch: Epoch) -> Hashable:
    """What a reader keeps beside what it read: the epoch's value and the :data:`TRUST_S`
    window it was read in; equal marks mean nothing it could see has changed."""
    return (epoch.value(), int(time.monotonic() / TRUST_S))


class FileEpoch:
    """Eight bytes of ``path`` mapped into this process (made on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self._lock = threading.Lock()

    def _mapped(self) -> mmap.mmap:
        if self._map is None:
            with self._lock:
                if self._map is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                    try:
                        if os.fstat(descriptor).st_size < SIZE:
                            os.ftruncate(descriptor, SIZE)
                        self._map = mmap.mmap(descriptor, SIZE)
                    finally:
                        os.close(descriptor)
        return self._map

    def value(self) -> bytes:
        return self._mapped()[:SIZE]

    def move(self) -> None:
        self._mapped()[:SIZE] = os.urandom(SIZE)


class RedisEpoch:
    """The key ``snowpath:epoch`` of a Redis server. Unreachable, every mark is new (reads
    go to the database, as without an epoch) and a move is lost only with the server."""

    KEY = "snowpath:epoch"

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)

    def value(self) -> Hashable:
        try:
            return self.client.get(self.KEY)
        except redis.RedisError as error:
            log.warning("The epoch is unreachable (%s); reading the database.", error)
            return object()

    def move(self) -> None:
        try:
            self.client.incr(self.KEY)
        except redis.RedisError as error:
            log.warning("The epoch is unreachable (%s); caches trust it no more.", error)


def open_epoch(redis_url: str | None, data_dir: Path | None = None) -> Epoch | None:
    """The epoch of a deployment: Redis's when it has one, else its data folder's."""
    if redis_url:
        return RedisEpoch(redis_url)
    return None if data_dir is None else FileEpoch(data_dir / "epoch")


def unseen(connection: Connection) -> None:
    """Say that the transaction on ``connection`` changes nothing a reader keeps (a settle
    moves the store clock and nothing else): its commit leaves the epoch as it is."""
    connection.execution_options(**{_UNSEEN: True})


_watched: weakref.WeakKeyDictionary[Engine, list[Epoch]] = weakref.WeakKeyDictionary()
_watched_lock = threading.Lock()


def watch(engine: Engine, epoch: Epoch) -> None:
    """Move ``epoch`` after every transaction ``engine`` commits (idempotent)."""
    with _watched_lock:
        epochs = _watched.get(engine)
        if epochs is not None:
            if all(e is not epoch for e in epochs):
                epochs.append(epoch)
            return
        epochs = _watched[engine] = [epoch]

    def committed(connection: Connection) -> None:
        if not connection.get_execution_options().get(_UNSEEN, False):
            connection.info[_MOVED] = True

    def after(info: dict) -> None:
        if info.pop(_MOVED, False):
            for each in epochs:
                each.move()

    event.listen(engine, "commit", committed)
    event.listen(engine, "begin", lambda connection: after(connection.info))
    event.listen(engine, "checkin", lambda _dbapi, record: after(record.info))


class Kept(Generic[K, V]):
    """Values by key, each with the mark (an epoch's, or the store clock) it was read under:
    an entry serves while its reader's mark is the same. Bounded (least recently used first
    out); thread-safe."""

    MAX = 1024

    def __init__(self) -> None:
        self._entries: OrderedDict[K, tuple[Hashable, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> tuple[Hashable, V] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: K, seen: Hashable, value: V) -> None:
        with self._lock:
            self._entries[key] = (seen, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.MAX:
                self._entries.popitem(last=False)

    def through(self, key: K, epoch: Epoch | None, read: Callable[[], V]) -> V:
        """``read()``, kept under ``key`` while ``epoch``'s :func:`mark` stays the same (the
        mark is taken before ``read`` runs, so a write landing during it is read again
        next time); without an epoch, ``read()`` every time. What ``read`` raises is not
        kept."""
        if epoch is None:
            return read()
        seen = mark(epoch)
        kept = self.get(key)
        if kept is not None and kept[0] == seen:
            return kept[1]
        value = read()
        self.put(key, seen, value)
        return value
