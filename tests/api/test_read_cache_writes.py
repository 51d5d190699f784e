"""The read cache's writes off the request path (``api.readcache.Writer``): a first read
answers without waiting for the shared backend, the body reaches it soon after, a full
queue drops bodies instead of waiting, a failing backend stops nothing, the writing thread
ends when idle and starts again, and a forked process writes through a thread of its own."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from api import readcache
from api.readcache import DiskBackend, ReadCache, Writer
from revisions import ReadPoint, RevisionStore


class Held:
    """A backend whose writes wait until :meth:`release` (and may fail once)."""

    def __init__(self, fail_first: bool = False) -> None:
        self.kept: dict[str, bytes] = {}
        self.batches: list[int] = []
        self.open = threading.Event()
        self.fail_first = fail_first

    def get(self, key: str) -> bytes | None:
        return self.kept.get(key)

    def put_many(self, items: Sequence[tuple[str, bytes]]) -> None:
        self.open.wait(10)
        if self.fail_first:
            self.fail_first = False
            raise RuntimeError("the backend failed")
        self.batches.append(len(items))
        self.kept.update(items)

    def release(self) -> None:
        self.open.set()


def flushed(writer: Writer | ReadCache, seconds: float = 10) -> None:
    """``writer.flush()``, failing instead of hanging when bodies are never written."""
    done = threading.Thread(target=writer.flush, daemon=True)
    done.start()
    done.join(seconds)
    assert not done.is_alive(), "queued bodies were never written"


@pytest.fixture
def held() -> Iterator[Held]:
    backend = Held()
    yield backend
    backend.release()  # no thread left waiting


def test_a_first_read_does_not_wait_for_the_shared_write(held: Held, store: RevisionStore) -> None:
    cache = ReadCache(held, store)
    view = store.current_view(ReadPoint("MAIN"))
    started = time.monotonic()
    assert cache.body(view, "r", lambda: b"rendered") == b"rendered"
    assert time.monotonic() - started < 5  # the backend's write is still held
    assert held.kept == {}
    held.release()
    flushed(cache)
    assert list(held.kept.values()) == [b"rendered"]
    assert cache.body(view, "r", lambda: b"again") == b"rendered"


def test_a_full_queue_drops_bodies_instead_of_waiting(
    held: Held, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readcache, "QUEUED", 2)
    writer = Writer(held)
    writer.put("k0", b"0")
    deadline = time.monotonic() + 5
    while writer._waiting.qsize() and time.monotonic() < deadline:
        time.sleep(0.001)  # the thread took k0 and waits in the backend
    for key in ("k1", "k2", "k3", "k4"):
        writer.put(key, key.encode())  # two wait, two are dropped
    held.release()
    flushed(writer)
    assert sorted(held.kept) == ["k0", "k1", "k2"]


def test_bodies_that_wait_are_written_together(held: Held) -> None:
    writer = Writer(held)
    writer.put("k0", b"0")
    for i in range(1, 11):
        writer.put(f"k{i}", b"x")
    held.release()
    flushed(writer)
    assert len(held.kept) == 11
    assert sum(held.batches) == 11
    assert max(held.batches) >= 10  # one transaction for what waited, not one each


def test_a_failing_backend_stops_nothing(held: Held) -> None:
    held.fail_first = True
    held.release()
    writer = Writer(held)
    writer.put("lost", b"1")
    flushed(writer)
    writer.put("kept", b"2")
    flushed(writer)
    assert held.kept == {"kept": b"2"}


def test_the_writing_thread_ends_when_idle_and_starts_again(
    held: Held, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readcache, "IDLE_SECONDS", 0.02)
    held.release()
    writer = Writer(held)
    writer.put("a", b"1")
    flushed(writer)
    deadline = time.monotonic() + 5
    while writer._draining and time.monotonic() < deadline:
        time.sleep(0.005)
    assert not writer._draining
    writer.put("b", b"2")
    flushed(writer)
    assert held.kept == {"a": b"1", "b": b"2"}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX")
def test_a_forked_process_writes_through_a_thread_of_its_own(tmp_path: Path) -> None:
    writer = Writer(DiskBackend(tmp_path))
    writer.put("parent", b"p")
    flushed(writer)
    pid = os.fork()
    if pid == 0:  # the child: its parent's thread did not come along
        status = 1
        try:
            writer.put("child", b"c")
            flushed(writer)
            status = 0
        finally:
            os._exit(status)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    disk = DiskBackend(tmp_path)
    assert (disk.get("parent"), disk.get("child")) == (b"p", b"c")


def test_the_disk_keeps_every_body_of_a_batch(tmp_path: Path) -> None:
    disk = DiskBackend(tmp_path)
    disk.put_many([("a", b"1"), ("b", b"2"), ("c", b"3")])
    assert [DiskBackend(tmp_path).get(k) for k in "abc"] == [b"1", b"2", b"3"]
