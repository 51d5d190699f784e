"""Read points: a branch at a past time, its base point, and ranges between two points."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import Engine, event, select

from revisions import ManualClock, ReadPoint, ReadRange, RevisionStore, schema
from revisions.db import reading_engine
from revisions.errors import BranchDeleted, BranchNotFound, ComponentNotFound, InvalidReadPoint
from revisions.visibility import HeadViews, Segment, SegmentRows, View
from tests.revisions.helpers import change, concept, delete, description, field, ids

MAIN_HEAD = ReadPoint("MAIN")


def test_at_timestamp_just_before_and_just_after_each_commit(
    store: RevisionStore, clock: ManualClock
) -> None:
    stamps = []
    for value in ("a", "b", "c"):
        clock.advance(100)
        ops = [concept("1", module_id=value)] if value == "a" else [change("1", module_id=value)]
        stamps.append(store.commit("MAIN", "u", "c", ops).timestamp)
    assert ids(store, ReadPoint("MAIN", timestamp=stamps[0] - 1)) == []
    for ts, value in zip(stamps, "abc", strict=True):
        assert field(store, ReadPoint("MAIN", timestamp=ts), "1", "module_id") == value
        assert field(store, ReadPoint("MAIN", timestamp=ts + 50), "1", "module_id") == value
    assert field(store, ReadPoint("MAIN", timestamp=stamps[1] - 1), "1", "module_id") == "a"


def test_at_timestamp_on_a_child_after_a_rebase_uses_the_base_it_had_then(
    store: RevisionStore, clock: ManualClock
) -> None:
    store.commit("MAIN", "u", "c", [concept("1", module_id="old")])
    store.create_branch("MAIN", "a")
    clock.advance(100)
    store.commit("MAIN", "u", "c", [change("1", module_id="new"), concept("2")])
    clock.advance(100)
    before_rebase = clock.now_ms() - 1
    rebase = store.rebase("MAIN/a", "u", "sync")
    assert rebase is not None
    assert field(store, ReadPoint("MAIN/a", timestamp=before_rebase), "1", "module_id") == "old"
    assert ids(store, ReadPoint("MAIN/a", timestamp=before_rebase)) == ["1"]
    assert field(store, ReadPoint("MAIN/a", timestamp=rebase.timestamp), "1", "module_id") == "new"
    assert ids(store, ReadPoint("MAIN/a", timestamp=rebase.timestamp)) == ["1", "2"]


def test_at_timestamp_sees_a_grandparent_through_the_parents_old_base(
    store: RevisionStore, clock: ManualClock
) -> None:
    store.create_branch("MAIN", "a")
    store.create_branch("MAIN/a", "b")
    store.commit("MAIN", "u", "c", [concept("1")])
    store.rebase("MAIN/a", "u", "sync")
    # b was based on a before a's rebase: it must not see MAIN's concept through a's new base.
    assert ids(store, "MAIN/a/b") == []
    assert ids(store, "MAIN/a") == ["1"]


def test_at_a_time_before_the_branch_existed_is_refused(
    store: RevisionStore, clock: ManualClock
) -> None:
    clock.advance(100)
    branch = store.create_branch("MAIN", "a")
    with pytest.raises(InvalidReadPoint, match="did not exist"):
        store.page(ReadPoint("MAIN/a", timestamp=branch.created_ts - 1), "concept")


def test_at_timestamp_of_unknown_branch_is_not_found(store: RevisionStore) -> None:
    with pytest.raises(BranchNotFound):
        store.page(ReadPoint("MAIN/none", timestamp=5), "concept")


def test_base_point_shows_the_parent_at_the_base_and_none_of_the_branch(
    store: RevisionStore,
) -> None:
    store.commit("MAIN", "u", "c", [concept("1", module_id="base"), concept("2")])
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("3"), change("1", module_id="mine"), delete("2")])
    store.commit("MAIN", "u", "c", [concept("4"), delete("2")])
    base = ReadPoint("MAIN/a", base=True)
    assert ids(store, base) == ["1", "2"]
    assert field(store, base, "1", "module_id") == "base"


def test_base_point_after_a_rebase_moves_to_the_new_base(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("2")])
    store.commit("MAIN", "u", "c", [concept("3")])
    assert ids(store, ReadPoint("MAIN/a", base=True)) == ["1"]
    store.rebase("MAIN/a", "u", "sync")
    assert ids(store, ReadPoint("MAIN/a", base=True)) == ["1", "3"]
    assert ids(store, "MAIN/a") == ["1", "2", "3"]


def test_base_point_of_main_is_refused(store: RevisionStore) -> None:
    with pytest.raises(InvalidReadPoint, match="no base point"):
        store.page(ReadPoint("MAIN", base=True), "concept")


def test_range_returns_created_and_modified_only(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1"), concept("2"), concept("3")])
    store.create_branch("MAIN", "v1", read_only=True)
    store.commit("MAIN", "u", "c", [change("1", module_id="m"), delete("2"), concept("4")])
    in_range = ReadRange(ReadPoint("MAIN/v1"), ReadPoint("MAIN"))
    assert ids(store, in_range) == ["1", "4"]
    assert store.page(in_range, "concept").total == 2
    assert set(store.get_many(in_range, "concept", ["1", "3", "4"])) == {"1", "4"}


def test_range_of_a_point_with_itself_is_empty(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    assert ids(store, ReadRange(ReadPoint("MAIN"), ReadPoint("MAIN"))) == []


def test_range_from_parent_to_child_is_the_childs_work(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1"), concept("2")])
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("3"), change("2", active=False)])
    assert ids(store, ReadRange(ReadPoint("MAIN"), ReadPoint("MAIN/a"))) == ["2", "3"]


def test_range_reverted_change_still_counts_as_written(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1", module_id="a")])
    store.create_branch("MAIN", "v1", read_only=True)
    store.commit("MAIN", "u", "c", [change("1", module_id="b")])
    store.commit("MAIN", "u", "c", [change("1", module_id="a")])
    # A range selects by revision, not by content: the component was written again.
    assert ids(store, ReadRange(ReadPoint("MAIN/v1"), ReadPoint("MAIN"))) == ["1"]


def test_with_rows_drops_the_segments_without_rows_of_a_type(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("a"), description("d", "a", "Alpha")])
    store.create_branch("MAIN", "b")
    store.commit("MAIN/b", "u", "c", [change("a", active=False)])
    before = store.view(ReadPoint("MAIN/b"))
    rows = SegmentRows()
    with store.reading() as connection:
        described = rows.with_rows(connection, before, schema.descriptions)
        conceptual = rows.with_rows(connection, before, schema.concepts)
    assert [s.branch_id for s in described.segments] == [before.segments[1].branch_id]
    assert conceptual == before
    store.commit("MAIN/b", "u", "c", [description("e", "a", "Beta")])
    after = store.view(ReadPoint("MAIN/b"))
    with store.reading() as connection:
        assert rows.with_rows(connection, after, schema.descriptions).segments == after.segments
        assert rows.with_rows(connection, before, schema.descriptions) == described


# --- head views kept between reads (HeadViews) -----------------------------------------------


def test_a_head_read_sees_a_commit_made_through_another_store(
    store: RevisionStore, clock: ManualClock
) -> None:
    store.commit("MAIN", "u", "c", [concept("1", module_id="old")])
    assert store.get(MAIN_HEAD, "concept", "1").fields["module_id"] == "old"
    other = RevisionStore(store.engine, clock)  # another process, as far as caches go
    other.commit("MAIN", "u", "c", [change("1", module_id="new"), concept("2")])
    assert store.get(MAIN_HEAD, "concept", "1").fields["module_id"] == "new"
    assert store.get(MAIN_HEAD, "concept", "2").id == "2"


def test_a_head_read_of_a_child_sees_a_rebase_made_through_another_store(
    store: RevisionStore, clock: ManualClock
) -> None:
    store.commit("MAIN", "u", "c", [concept("1", module_id="old")])
    store.create_branch("MAIN", "a")
    assert store.get(ReadPoint("MAIN/a"), "concept", "1").fields["module_id"] == "old"
    other = RevisionStore(store.engine, clock)
    other.commit("MAIN", "u", "c", [change("1", module_id="new")])
    assert store.get(ReadPoint("MAIN/a"), "concept", "1").fields["module_id"] == "old"
    other.rebase("MAIN/a", "u", "sync")
    assert store.get(ReadPoint("MAIN/a"), "concept", "1").fields["module_id"] == "new"


def test_a_head_read_of_a_branch_deleted_through_another_store_is_refused(
    store: RevisionStore, clock: ManualClock
) -> None:
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("1")])
    assert store.get(ReadPoint("MAIN/a"), "concept", "1").id == "1"
    RevisionStore(store.engine, clock).delete_branch("MAIN/a")
    with pytest.raises(BranchDeleted):
        store.get(ReadPoint("MAIN/a"), "concept", "1")


def test_a_head_lookup_reuses_its_view_until_the_clock_moves(
    store: RevisionStore, clock: ManualClock
) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    statements: list[str] = []
    # PostgreSQL reads through a twin pool; SQLite's reads are the engine's own.
    postgres = store.engine.dialect.name == "postgresql"
    listener = reading_engine(store.engine, generic_plans=True) if postgres else store.engine

    def count(*args: object) -> None:
        if str(args[2]).startswith("SELECT"):  # not SQLite's BEGIN
            statements.append(str(args[2]))

    event.listen(listener, "before_cursor_execute", count)
    try:
        store.lookup(MAIN_HEAD, "concept", "1")  # clock, branch chain, component
        first = len(statements)
        store.lookup(MAIN_HEAD, "concept", "1")
        again = len(statements) - first
        store.commit("MAIN", "u", "c", [concept("2")])
        before = len(statements)
        view, found = store.lookup(MAIN_HEAD, "concept", "2")
        after_commit = len(statements) - before
    finally:
        event.remove(listener, "before_cursor_execute", count)
    assert (first, again, after_commit) == (3, 1, 3)
    assert found.id == "2"
    assert view.segments[0].upto == store.get_branch("MAIN").head_ts


def test_head_views_forget_the_least_recently_used_beyond_their_bound() -> None:
    heads = HeadViews()
    heads.MAX = 2
    views = {path: View((Segment(n, n),)) for n, path in enumerate(("A", "B", "C"))}
    heads.put("A", 1, views["A"])
    heads.put("B", 1, views["B"])
    assert heads.get("A") == (1, views["A"])  # A is now the most recently used
    heads.put("C", 1, views["C"])
    assert heads.get("B") is None
    assert heads.get("A") == (1, views["A"])
    assert heads.get("C") == (1, views["C"])


@pytest.mark.postgres
def test_reads_on_postgresql_leave_no_transaction_open(postgres_engine: Engine) -> None:
    """Read pools are in autocommit from the start: no BEGIN, nothing to roll back."""
    for generic_plans in (False, True):
        engine = reading_engine(postgres_engine, generic_plans=generic_plans)
        with engine.connect() as connection:
            assert connection.execute(select(1)).scalar_one() == 1
            status = connection.connection.driver_connection.info.transaction_status
            assert status == psycopg.pq.TransactionStatus.IDLE
        assert reading_engine(postgres_engine, generic_plans=generic_plans) is engine


def test_lookup_in_a_view_of_no_segments_finds_nothing(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    with pytest.raises(ComponentNotFound):
        store.lookup(View(()), "concept", "1")
