"""The one write path (``revisions.transaction``): timestamp first, all or nothing, a write
that changes nothing leaves no trace, locks top-down."""

from __future__ import annotations

import pytest

from revisions import CommitKind, RevisionStore, branches, branching, db
from revisions.errors import BranchNotFound, InvalidRequest
from revisions.transaction import write
from tests.revisions.helpers import change, concept


def clock_row(store: RevisionStore) -> int:
    with store.engine.connect() as connection:
        return db.last_timestamp(connection)


def test_a_failure_after_the_timestamp_rolls_back_everything_and_the_clock(
    store: RevisionStore,
) -> None:
    before = clock_row(store)

    def fail_after_writing() -> None:
        with write(store.engine, store.clock) as tx:
            assert tx.ts > before
            branching.create(tx, tx.lock("MAIN")[-1], "a")
            raise RuntimeError("after the branch and its commit were written")

    with pytest.raises(RuntimeError, match="after the branch"):
        fail_after_writing()
    assert clock_row(store) == before
    with pytest.raises(BranchNotFound):
        store.get_branch("MAIN/a")
    assert [c.kind for c in store.commits("MAIN")] == [CommitKind.CREATE]


def test_a_discarded_write_returns_none_and_leaves_the_clock(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("x", active=True)])
    before, commits = clock_row(store), store.count_commits("MAIN/a")
    assert store.commit("MAIN/a", "u", "same values", [change("x", active=True)]) is None
    assert store.rebase("MAIN/a", "u", "parent has nothing new") is None
    assert clock_row(store) == before
    assert store.count_commits("MAIN/a") == commits


def test_the_author_is_checked_before_the_timestamp(store: RevisionStore) -> None:
    before = clock_row(store)
    with pytest.raises(InvalidRequest), write(store.engine, store.clock, author=" "):
        pytest.fail("a write without an author must not begin")
    assert clock_row(store) == before


def test_locks_are_taken_top_down(store: RevisionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.create_branch("MAIN", "a")
    store.create_branch("MAIN/a", "b")
    locked: list[str] = []
    lock = branches.lock

    def noting(connection, branch_id):  # type: ignore[no-untyped-def]
        row = lock(connection, branch_id)
        locked.append(row.path)
        return row

    monkeypatch.setattr(branches, "lock", noting)
    with write(store.engine, store.clock) as tx:
        chain = tx.lock("MAIN/a/b", depth=2)
        tx.discard()
    assert locked == ["MAIN/a", "MAIN/a/b"]
    assert [row.path for row in chain] == ["MAIN", "MAIN/a", "MAIN/a/b"]


def test_a_record_moves_the_head_to_the_write_timestamp(store: RevisionStore) -> None:
    with write(store.engine, store.clock, author="u", comment="c") as tx:
        main = tx.lock("MAIN")[-1]
        recorded = tx.record(main, CommitKind.CONTENT, 0)
    assert (recorded.branch, recorded.timestamp, recorded.author) == ("MAIN", tx.ts, "u")
    assert store.get_branch("MAIN").head_ts == tx.ts
    assert store.commits("MAIN")[0] == recorded


def test_every_authored_write_refuses_a_blank_author(store: RevisionStore) -> None:
    store.codesystems.create("BASE", "base")
    store.codesystems.create_version("BASE", "v1", "20200101")
    store.codesystems.create("EXT", "ext", extension_of="BASE/v1")
    store.codesystems.create_version("BASE", "v2", "20210101")
    before = clock_row(store)
    writes = [
        lambda: store.commit("MAIN/BASE", "", "c", [concept("x")]),
        lambda: store.bulk_load("MAIN/BASE", "", "c", {"concept": [("y", {})]}),
        lambda: store.rebase("MAIN/BASE", "", "c"),
        lambda: store.promote("MAIN/BASE", "", "c"),
        lambda: store.merge("MAIN", "MAIN/BASE", "", "c"),
        lambda: store.codesystems.upgrade("EXT", "BASE/v2", "", "c"),
    ]
    for attempt in writes:
        with pytest.raises(InvalidRequest, match="author"):
            attempt()
    assert clock_row(store) == before
