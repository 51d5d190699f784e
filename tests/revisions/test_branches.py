"""Branch lifecycle: names, creation rules, listing, metadata, soft deletion, states."""

from __future__ import annotations

import pytest

from revisions import BranchState, ManualClock, ReadPoint, RevisionStore
from revisions.errors import (
    BranchDeleted,
    BranchExists,
    BranchNotFound,
    InvalidBranchName,
    InvalidRequest,
)
from tests.revisions.helpers import change, concept, delete


def test_main_exists_after_initialize_and_is_up_to_date(store: RevisionStore) -> None:
    main = store.get_branch("MAIN")
    assert (main.path, main.parent_path, main.state) == ("MAIN", None, BranchState.UP_TO_DATE)
    assert main.base_ts is None
    assert main.head_ts == main.created_ts


def test_initialize_twice_keeps_one_main(store: RevisionStore) -> None:
    store.initialize()
    assert [b.path for b in store.list_branches()] == ["MAIN"]


def test_new_branch_is_based_on_parent_head(store: RevisionStore, clock: ManualClock) -> None:
    commit = store.commit("MAIN", "u", "c", [concept("1")])
    clock.advance(5)
    branch = store.create_branch("MAIN", "a", {"owner": "ann"})
    assert branch.base_ts == commit.timestamp
    assert branch.created_ts > commit.timestamp
    assert branch.head_ts == branch.created_ts
    assert (branch.parent_path, branch.metadata, branch.state) == (
        "MAIN",
        {"owner": "ann"},
        BranchState.UP_TO_DATE,
    )


@pytest.mark.parametrize("name", ["a", "A", "0", "a.b", "a_b", "a-b", "a~b", "x" * 100])
def test_valid_names_are_accepted(store: RevisionStore, name: str) -> None:
    assert store.create_branch("MAIN", name).path == f"MAIN/{name}"


@pytest.mark.parametrize(
    "name", ["", "a/b", "a b", "%20", "?a", "x" * 101, "HEAD", "latest", "Next", "MAIN"]
)
def test_invalid_or_reserved_names_are_refused(store: RevisionStore, name: str) -> None:
    with pytest.raises(InvalidBranchName):
        store.create_branch("MAIN", name)


def test_creating_an_existing_branch_says_it_exists(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a")
    with pytest.raises(BranchExists, match="'MAIN/a' already exists"):
        store.create_branch("MAIN", "a")


def test_parent_must_exist(store: RevisionStore) -> None:
    with pytest.raises(BranchNotFound, match="MAIN/nope"):
        store.create_branch("MAIN/nope", "a")


def test_parent_must_not_be_deleted(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a")
    store.delete_branch("MAIN/a")
    with pytest.raises(BranchDeleted):
        store.create_branch("MAIN/a", "b")


def test_get_unknown_branch_is_not_found(store: RevisionStore) -> None:
    with pytest.raises(BranchNotFound):
        store.get_branch("MAIN/x")


def test_children_are_transitive_and_list_is_by_path(store: RevisionStore) -> None:
    for parent, name in [("MAIN", "b"), ("MAIN", "a"), ("MAIN/a", "x"), ("MAIN/a/x", "y")]:
        store.create_branch(parent, name)
    assert [b.path for b in store.children("MAIN/a")] == ["MAIN/a/x", "MAIN/a/x/y"]
    assert [b.path for b in store.list_branches()] == [
        "MAIN",
        "MAIN/a",
        "MAIN/a/x",
        "MAIN/a/x/y",
        "MAIN/b",
    ]


def test_children_of_unknown_branch_is_not_found(store: RevisionStore) -> None:
    with pytest.raises(BranchNotFound):
        store.children("MAIN/none")


def test_metadata_update_replaces_the_map(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a", {"x": 1, "y": 2})
    updated = store.update_metadata("MAIN/a", {"y": 3, "nested": {"k": [1]}})
    assert updated.metadata == {"y": 3, "nested": {"k": [1]}}
    assert store.get_branch("MAIN/a").metadata == {"y": 3, "nested": {"k": [1]}}


def test_metadata_must_be_a_mapping(store: RevisionStore) -> None:
    with pytest.raises(InvalidRequest):
        store.update_metadata("MAIN", ["not", "a", "map"])  # type: ignore[arg-type]


def test_delete_is_recursive_and_soft(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a")
    store.create_branch("MAIN/a", "b")
    store.create_branch("MAIN", "c")
    store.delete_branch("MAIN/a")
    assert store.get_branch("MAIN/a").deleted
    assert store.get_branch("MAIN/a/b").deleted
    assert not store.get_branch("MAIN/c").deleted


def test_deleted_branch_refuses_writes(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a")
    store.delete_branch("MAIN/a")
    with pytest.raises(BranchDeleted, match="has been deleted"):
        store.commit("MAIN/a", "u", "c", [concept("1")])


def test_deleted_path_can_be_created_again_with_fresh_content(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("1")])
    store.delete_branch("MAIN/a")
    again = store.create_branch("MAIN", "a")
    assert not again.deleted
    assert store.page(ReadPoint("MAIN/a"), "concept").total == 0


def test_main_cannot_be_deleted(store: RevisionStore) -> None:
    with pytest.raises(InvalidRequest, match="MAIN cannot be deleted"):
        store.delete_branch("MAIN")


def test_states_forward_behind_diverged(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("1")])
    assert store.get_branch("MAIN/a").state is BranchState.FORWARD
    store.create_branch("MAIN", "b")
    store.commit("MAIN", "u", "c", [concept("2")])
    assert store.get_branch("MAIN/b").state is BranchState.BEHIND
    assert store.get_branch("MAIN/a").state is BranchState.DIVERGED


def test_state_after_rebase_and_promotion(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("1")])
    store.commit("MAIN", "u", "c", [concept("2")])
    store.rebase("MAIN/a", "u", "sync")
    assert store.get_branch("MAIN/a").state is BranchState.FORWARD
    store.promote("MAIN/a", "u", "promote")
    assert store.get_branch("MAIN/a").state is BranchState.UP_TO_DATE


def test_rebasing_a_parent_makes_its_forward_child_diverged(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a")
    store.create_branch("MAIN/a", "b")
    store.commit("MAIN/a/b", "u", "c", [concept("1")])
    store.commit("MAIN", "u", "c", [concept("2")])
    store.rebase("MAIN/a", "u", "sync")
    assert store.get_branch("MAIN/a").state is BranchState.UP_TO_DATE
    assert store.get_branch("MAIN/a/b").state is BranchState.DIVERGED


def test_a_branch_with_a_reverted_change_is_not_forward(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("1"), change("1", active=False)])
    store.commit("MAIN/a", "u", "c", [delete("1")])
    assert store.get_branch("MAIN/a").state is BranchState.UP_TO_DATE


def test_a_path_longer_than_its_column_is_refused(store: RevisionStore) -> None:
    # 20 levels of 100-character names reached the database's varchar(2000): a 500
    path = "MAIN"
    for level in range(19):
        store.create_branch(path, f"{level:02d}" + "n" * 98)
        path += f"/{level:02d}" + "n" * 98
    assert len(path) == 1923
    with pytest.raises(InvalidBranchName, match="2,024 characters long: at most 2,000"):
        store.create_branch(path, "x" * 100)
    store.create_branch(path, "x" * 76)  # exactly 2,000
    assert store.get_branch(f"{path}/{'x' * 76}").path == f"{path}/{'x' * 76}"
