"""A read at a past time ``T`` gives the same answer before, during and after any commit
(docs/revision-store.md, "Exact past reads"), and a write behind a write in flight waits a
bounded time, on SQLite and PostgreSQL, against a real slow commit held open in another
process."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine

from revisions import Create, ManualClock, ReadPoint, RevisionStore
from revisions.errors import CommitInFlight, StoreBusy
from tests.revisions import workers

pytestmark = pytest.mark.slow  # a process spawned per test

HELD = 300  # concepts in the held load


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@contextmanager
def held_load(engine: Engine, path: str = "MAIN") -> Iterator[Any]:
    """A load of ``HELD`` concepts in another process, held open inside its transaction
    until the caller sets the event this yields; the load has committed on exit."""
    context = multiprocessing.get_context("spawn")
    started, release = context.Event(), context.Event()
    process = context.Process(
        target=workers.hold_a_load, args=(_url(engine), path, HELD, started, release)
    )
    process.start()
    try:
        assert started.wait(timeout=60), "the load never started"
        yield release
    finally:
        release.set()
        process.join(timeout=60)
    assert process.exitcode == 0


def _past_now() -> int:
    """A time that is already past on the system clock (the writer's clock)."""
    now = time.time_ns() // 1_000_000
    time.sleep(0.005)
    return now


def _total(store: RevisionStore, ts: int) -> int:
    return store.page(ReadPoint("MAIN", ts), "concept", limit=0).total


def test_a_read_at_a_time_after_a_commit_in_flight_waits_for_it(
    engine: Engine, store: RevisionStore
) -> None:
    reader = RevisionStore(engine, read_wait_ms=30_000)
    answers: list[int] = []
    with held_load(engine) as release:
        at = _past_now()
        thread = threading.Thread(target=lambda: answers.append(_total(reader, at)))
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the read answered while the commit was still in flight"
        release.set()
        thread.join(timeout=30)
    assert answers == [HELD]
    assert _total(reader, at) == HELD


def test_a_read_that_waits_too_long_answers_commit_in_flight(
    engine: Engine, store: RevisionStore
) -> None:
    reader = RevisionStore(engine, read_wait_ms=200)
    with held_load(engine):
        at = _past_now()
        started = time.monotonic()
        with pytest.raises(CommitInFlight, match=rf"at or before {at} is still being written"):
            _total(reader, at)
        assert time.monotonic() - started < 5
    assert _total(reader, at) == HELD


def test_a_read_before_the_commit_in_flight_is_unchanged_by_it(
    engine: Engine, store: RevisionStore
) -> None:
    reader = RevisionStore(engine, read_wait_ms=30_000)
    first = store.commit("MAIN", "u", "first", [Create("concept", "early", {})])
    assert first is not None
    before = first.timestamp  # the fixture's clock stands in the past of the system's
    with held_load(engine):
        assert _total(reader, before) == 1
    assert _total(reader, before) == 1


def test_a_settled_time_is_never_given_to_a_later_commit(
    engine: Engine, store: RevisionStore
) -> None:
    """A writer whose clock lags the reader's (another host) still commits after ``T``."""
    reader = RevisionStore(engine)
    at = _past_now()
    assert _total(reader, at) == 0
    lagging = RevisionStore(engine, ManualClock(at - 60_000))
    commit = lagging.commit("MAIN", "u", "late", [Create("concept", "late", {})])
    assert commit is not None
    assert commit.timestamp > at
    assert _total(reader, at) == 0


def test_a_time_not_yet_past_reads_the_head_as_it_stands(
    engine: Engine, store: RevisionStore, clock: ManualClock
) -> None:
    future = clock.now_ms() + 60_000
    assert _total(store, future) == 0
    store.commit("MAIN", "u", "now", [Create("concept", "a", {})])
    assert _total(store, future) == 1
    assert store.view(ReadPoint("MAIN", future)) == store.view(ReadPoint("MAIN"))


# --- writes behind a write in flight -----------------------------------------------------------


def test_a_write_behind_a_write_in_flight_answers_store_busy_after_its_wait(
    engine: Engine, store: RevisionStore
) -> None:
    impatient = RevisionStore(engine, write_wait_ms=200)
    with held_load(engine):
        started = time.monotonic()
        with pytest.raises(StoreBusy, match="held the store for 200 ms"):
            impatient.commit("MAIN", "u", "c", [Create("concept", "waiting", {})])
        assert time.monotonic() - started < 5
    assert impatient.page(ReadPoint("MAIN"), "concept", limit=0).total == HELD
    assert impatient.commit("MAIN", "u", "c", [Create("concept", "later", {})]) is not None


def test_a_patient_store_waits_for_the_write_in_flight(
    engine: Engine, store: RevisionStore
) -> None:
    patient = RevisionStore(engine, write_wait_ms=200).patient()
    done: list[Any] = []
    with held_load(engine) as release:
        thread = threading.Thread(
            target=lambda: done.append(
                patient.commit("MAIN", "u", "c", [Create("concept", "w", {})])
            )
        )
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the patient write gave up while the load was in flight"
        release.set()
        thread.join(timeout=30)
    assert done[0] is not None
    assert patient.page(ReadPoint("MAIN"), "concept", limit=0).total == HELD + 1
