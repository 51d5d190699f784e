"""``revisions.history.edit_times``: when a view's chain wrote or closed revisions of the
components (or of the descriptions of concepts) it is asked about."""

from __future__ import annotations

from revisions import ManualClock, ReadPoint, RevisionStore
from revisions.components import TYPES
from revisions.history import edit_times
from revisions.records import Create, Delete, Update


def _times(
    store: RevisionStore, path: str, type_name: str, column: str, ids: list[str]
) -> dict[str, list[int]]:
    view = store.view(ReadPoint(path))
    with store.reading() as connection:
        return edit_times(connection, view, ((TYPES[type_name], column),), ids)


def test_writes_and_deletions_are_edit_times(store: RevisionStore, clock: ManualClock) -> None:
    first = store.commit(
        "MAIN",
        "a",
        "c",
        [
            Create("concept", "C", {}),
            Create("description", "D", {"concept_id": "C", "term": "t"}),
        ],
    )
    clock.advance(10)
    second = store.commit("MAIN", "a", "c", [Update("concept", "C", {"datatype": "x"})])
    clock.advance(10)
    third = store.commit("MAIN", "a", "c", [Delete("description", "D")])
    assert first
    assert second
    assert third
    assert _times(store, "MAIN", "concept", "component_id", ["C"]) == {
        "C": [first.timestamp, second.timestamp]
    }
    assert _times(store, "MAIN", "description", "concept_id", ["C"]) == {
        "C": [first.timestamp, third.timestamp]
    }
    assert _times(store, "MAIN", "concept", "component_id", []) == {}


def test_a_child_sees_its_parent_only_up_to_its_base(
    store: RevisionStore, clock: ManualClock
) -> None:
    first = store.commit("MAIN", "a", "c", [Create("concept", "C", {})])
    clock.advance(10)
    store.create_branch("MAIN", "task")
    clock.advance(10)
    store.commit("MAIN", "a", "c", [Update("concept", "C", {"datatype": "x"})])
    assert first is not None
    times = _times(store, "MAIN/task", "concept", "component_id", ["C"])
    assert times == {"C": [first.timestamp]}


def test_parts_are_read_together(store: RevisionStore, clock: ManualClock) -> None:
    first = store.commit("MAIN", "a", "c", [Create("concept", "C", {})])
    clock.advance(10)
    second = store.commit(
        "MAIN", "a", "c", [Create("description", "D", {"concept_id": "C", "term": "t"})]
    )
    assert first is not None
    assert second is not None
    parts = ((TYPES["concept"], "component_id"), (TYPES["description"], "concept_id"))
    with store.reading() as connection:
        found = edit_times(connection, store.view(ReadPoint("MAIN")), parts, ["C"])
    assert found == {"C": [first.timestamp, second.timestamp]}
