"""Bulk loads: many components in one commit, with the same rules as a normal commit."""

from __future__ import annotations

import pytest

from revisions import ReadPoint, RevisionStore
from revisions.errors import ComponentExists, MissingReference
from tests.revisions.helpers import ids


def concepts(*items: tuple[str, list[str]]) -> dict:
    return {"concept": iter([(cid, {"parents": parents}) for cid, parents in items])}


def test_bulk_load_creates_everything_in_one_commit(store: RevisionStore) -> None:
    commit = store.bulk_load(
        "MAIN",
        "loader",
        "load",
        {
            "concept": iter([("a", {}), ("b", {"parents": ["a"]})]),
            "description": iter([("d", {"concept_id": "b", "term": "Bee"})]),
            "mapping": iter([("m", {"source_id": "b", "target_id": "a", "map_type": "IS-A"})]),
        },
    )
    assert (commit.changes, commit.author) == (4, "loader")
    assert ids(store, "MAIN") == ["a", "b"]
    assert store.get(ReadPoint("MAIN"), "description", "d").timestamp == commit.timestamp
    assert store.commits("MAIN")[0].timestamp == commit.timestamp


def test_second_bulk_load_on_a_branch_with_content(store: RevisionStore) -> None:
    store.bulk_load("MAIN", "u", "first", concepts(("a", [])))
    store.bulk_load("MAIN", "u", "second", concepts(("b", ["a"]), ("c", ["b"])))
    assert ids(store, "MAIN") == ["a", "b", "c"]


def test_bulk_load_of_an_existing_id_is_refused(store: RevisionStore) -> None:
    store.bulk_load("MAIN", "u", "first", concepts(("a", [])))
    head = store.get_branch("MAIN").head_ts
    with pytest.raises(ComponentExists, match="'a' already exists"):
        store.bulk_load("MAIN", "u", "again", concepts(("z", []), ("a", [])))
    assert store.get_branch("MAIN").head_ts == head
    assert ids(store, "MAIN") == ["a"]


def test_bulk_load_with_an_id_twice_is_refused(store: RevisionStore) -> None:
    with pytest.raises(ComponentExists):
        store.bulk_load("MAIN", "u", "dup", concepts(("a", []), ("a", [])))
    assert ids(store, "MAIN") == []


@pytest.mark.parametrize("branch", ["MAIN", "MAIN/child"])
def test_bulk_load_with_a_missing_reference_writes_nothing(
    store: RevisionStore, branch: str
) -> None:
    store.bulk_load("MAIN", "u", "first", concepts(("a", [])))
    if branch != "MAIN":
        store.create_branch("MAIN", "child")
    with pytest.raises(MissingReference, match="'parents'"):
        store.bulk_load(branch, "u", "bad", concepts(("b", ["a"]), ("c", ["nope"])))
    with pytest.raises(MissingReference, match="'concept_id'"):
        store.bulk_load(
            branch, "u", "bad", {"description": iter([("d", {"concept_id": "x", "term": "t"})])}
        )
    assert ids(store, branch) == ["a"]
    assert ids(store, branch, "description") == []


def test_bulk_load_on_a_child_refers_to_the_parents_content(store: RevisionStore) -> None:
    store.bulk_load("MAIN", "u", "first", concepts(("a", [])))
    store.create_branch("MAIN", "child")
    store.bulk_load("MAIN/child", "u", "second", concepts(("b", ["a"])))
    assert ids(store, "MAIN/child") == ["a", "b"]
    assert ids(store, "MAIN") == ["a"]


def test_bulk_load_on_a_child_refuses_what_the_parent_has(store: RevisionStore) -> None:
    store.bulk_load("MAIN", "u", "first", concepts(("a", [])))
    store.create_branch("MAIN", "child")
    with pytest.raises(ComponentExists, match="'a'"):
        store.bulk_load("MAIN/child", "u", "again", concepts(("a", [])))
