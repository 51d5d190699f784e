"""Deletions across a merge, and the revision rows a merge leaves open or closes.

Each test is a small case that a broken merge gets wrong, checked through the public store
and, where a merge must close a revision, in the revision tables themselves (not only by the
unique index of open rows): a rebase that drops the parent's deletion, a promotion that drops
the child's deletion, a promotion that leaves the target's old revision open.
"""

from __future__ import annotations

import pytest

from revisions import ReadPoint, RevisionStore
from revisions.errors import ComponentNotFound
from tests.revisions.helpers import (
    broken_revision_chains,
    change,
    concept,
    delete,
    description,
    field,
    ids,
    open_revisions,
    own_revisions,
)

A = "MAIN/a"
B = "MAIN/a/b"


@pytest.fixture
def forked(store: RevisionStore) -> RevisionStore:
    store.commit(
        "MAIN", "u", "c", [concept("1", module_id="m0"), concept("2"), description("d1", "1")]
    )
    store.create_branch("MAIN", "a")
    return store


def gone(store: RevisionStore, path: str, cid: str, type_: str = "concept") -> bool:
    try:
        store.get(ReadPoint(path), type_, cid)
    except ComponentNotFound:
        return True
    return False


def test_rebase_brings_the_parents_deletion_of_what_the_child_left_alone(
    forked: RevisionStore,
) -> None:
    forked.commit(A, "u", "c", [concept("3")])
    forked.commit("MAIN", "u", "c", [delete("1")])
    assert forked.rebase(A, "u", "sync") is not None
    assert ids(forked, A) == ["2", "3"]
    assert ids(forked, A, "description") == []
    assert gone(forked, A, "1")
    assert gone(forked, A, "d1", "description")
    assert own_revisions(forked, A, "1") == []


def test_rebase_keeps_the_childs_deletion_of_what_the_parent_left_alone(
    forked: RevisionStore,
) -> None:
    forked.commit(A, "u", "c", [delete("2")])
    forked.commit("MAIN", "u", "c", [concept("3")])
    forked.rebase(A, "u", "sync")
    assert ids(forked, A) == ["1", "3"]
    assert ids(forked, "MAIN") == ["1", "2", "3"]


def test_promotion_carries_the_childs_deletion_to_the_root(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [delete("1")])
    promotion = forked.promote(A, "u", "promote")
    assert promotion is not None
    assert ids(forked, "MAIN") == ["2"]
    assert ids(forked, "MAIN", "description") == []
    assert gone(forked, "MAIN", "1")
    assert gone(forked, A, "1")
    # MAIN sees nothing below it: the deletion closes its row, no tombstone is needed.
    assert own_revisions(forked, "MAIN", "1")[-1][1] == promotion.timestamp


def test_promotion_carries_the_childs_deletion_to_a_middle_branch(
    forked: RevisionStore,
) -> None:
    forked.create_branch(A, "b")
    forked.commit(B, "u", "c", [delete("1")])
    promotion = forked.promote(B, "u", "promote")
    assert promotion is not None
    assert ids(forked, A) == ["2"]
    assert ids(forked, B) == ["2"]
    assert ids(forked, "MAIN") == ["1", "2"]
    # MAIN/a has no row of its own for 1: a tombstone hides MAIN's.
    assert own_revisions(forked, A, "1") == [(promotion.timestamp, None, True)]


def test_promotion_of_a_deletion_on_both_sides_is_no_conflict(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [delete("1"), concept("3")])
    forked.commit("MAIN", "u", "c", [delete("1")])
    forked.promote(A, "u", "promote")
    assert ids(forked, "MAIN") == ["2", "3"]
    assert ids(forked, A) == ["2", "3"]


def test_promotion_closes_the_targets_old_revision(forked: RevisionStore) -> None:
    created = forked.get_branch("MAIN").head_ts
    forked.commit(A, "u", "c", [change("1", module_id="m1")])
    promotion = forked.promote(A, "u", "promote")
    assert promotion is not None
    ts = promotion.timestamp
    rows = own_revisions(forked, "MAIN", "1")
    assert rows == [(created, ts, False), (ts, None, False)]
    assert [row for row in rows if row[1] is None] == [(ts, None, False)]
    assert field(forked, "MAIN", "1", "module_id") == "m1"
    assert broken_revision_chains(forked) == []


def test_promotion_leaves_the_child_nothing_of_its_own_open(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [change("1", module_id="m1"), delete("2"), concept("3")])
    promotion = forked.promote(A, "u", "promote")
    assert promotion is not None
    assert A not in open_revisions(forked)
    assert [row[1] for row in own_revisions(forked, A, "1")] == [promotion.timestamp]
    # So the parent's later changes reach the child at its next rebase.
    forked.commit("MAIN", "u", "c", [change("1", module_id="later")])
    forked.rebase(A, "u", "sync")
    assert field(forked, A, "1", "module_id") == "later"


def test_rebase_closes_the_childs_revision_that_the_parent_now_shows(
    forked: RevisionStore,
) -> None:
    forked.commit(A, "u", "c", [change("1", module_id="m1")])
    forked.commit("MAIN", "u", "c", [change("1", module_id="m1")])
    rebase = forked.rebase(A, "u", "sync")
    assert rebase is not None
    assert [row[1] for row in own_revisions(forked, A, "1")] == [rebase.timestamp]
    assert A not in open_revisions(forked)
    assert broken_revision_chains(forked) == []
