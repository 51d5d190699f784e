"""Compare two read points; the commit log; the history of one component."""

from __future__ import annotations

from revisions import ManualClock, ReadPoint, RevisionStore
from tests.revisions.helpers import change, concept, delete, description


def test_compare_reports_new_changed_and_deleted(store: RevisionStore) -> None:
    store.commit(
        "MAIN", "u", "c", [concept("1"), concept("2"), concept("3"), description("d", "3")]
    )
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("4"), change("1", module_id="m"), delete("3")])
    result = store.compare(ReadPoint("MAIN"), ReadPoint("MAIN/a"))
    assert result.new == {"concept": ["4"]}
    assert result.changed == {"concept": ["1"]}
    assert result.deleted == {"concept": ["3"], "description": ["d"]}
    assert result.total == 4


def test_compare_in_reverse_swaps_new_and_deleted(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("2")])
    result = store.compare(ReadPoint("MAIN/a"), ReadPoint("MAIN"))
    assert (result.new, result.deleted) == ({}, {"concept": ["2"]})


def test_compare_with_itself_and_after_a_revert_is_empty(store: RevisionStore) -> None:
    first = store.commit("MAIN", "u", "c", [concept("1", module_id="a")])
    store.commit("MAIN", "u", "c", [change("1", module_id="b")])
    store.commit("MAIN", "u", "c", [change("1", module_id="a")])
    assert store.compare(ReadPoint("MAIN"), ReadPoint("MAIN")).total == 0
    assert store.compare(ReadPoint("MAIN", timestamp=first.timestamp), ReadPoint("MAIN")).total == 0


def test_compare_created_then_deleted_is_empty(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("2")])
    store.commit("MAIN/a", "u", "c", [delete("2")])
    assert store.compare(ReadPoint("MAIN"), ReadPoint("MAIN/a")).total == 0


def test_commit_log_is_newest_first_and_pages_with_before(store: RevisionStore) -> None:
    stamps = [store.commit("MAIN", f"u{i}", f"c{i}", [concept(str(i))]).timestamp for i in range(5)]
    log = store.commits("MAIN", limit=2)
    assert [c.timestamp for c in log] == stamps[:-3:-1]
    older = store.commits("MAIN", before=log[-1].timestamp, limit=2)
    assert [c.comment for c in older] == ["c2", "c1"]


def test_history_along_a_child_shows_parent_revisions_up_to_the_base(
    store: RevisionStore, clock: ManualClock
) -> None:
    store.commit("MAIN", "ann", "create", [concept("1", module_id="a")])
    store.create_branch("MAIN", "x")
    store.commit("MAIN/x", "bob", "edit on x", [change("1", module_id="b")])
    store.commit("MAIN", "cid", "edit on main", [change("1", module_id="c")])
    history = store.history(ReadPoint("MAIN/x"), "concept", "1")
    assert [(h.branch, h.author, h.fields["module_id"]) for h in history] == [
        ("MAIN", "ann", "a"),
        ("MAIN/x", "bob", "b"),
    ]
    # The MAIN revision was replaced after x's base, which x cannot see yet.
    assert history[0].end_timestamp is None
    main_history = store.history(ReadPoint("MAIN"), "concept", "1")
    assert [h.author for h in main_history] == ["ann", "cid"]
    assert main_history[0].end_timestamp == main_history[1].timestamp


def test_history_shows_a_deletion(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    store.create_branch("MAIN", "x")
    store.commit("MAIN/x", "u", "gone", [delete("1")])
    history = store.history(ReadPoint("MAIN/x"), "concept", "1")
    assert [(h.deleted, h.fields is None) for h in history] == [(False, False), (True, True)]
