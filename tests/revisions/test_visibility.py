"""Visibility details that the broader read tests leave open (found by mutation testing,
docs/testing.md): a range read by id agrees with a range page."""

from __future__ import annotations

from revisions import ReadPoint, ReadRange, RevisionStore
from tests.revisions.helpers import concept, ids


def test_range_from_parent_to_child_shows_by_id_what_the_child_wrote(
    store: RevisionStore,
) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("2")])
    store.commit("MAIN", "u", "c", [concept("3")])  # MAIN's segment now reaches past "2"
    in_range = ReadRange(ReadPoint("MAIN"), ReadPoint("MAIN/a"))
    assert ids(store, in_range) == ["2"]
    found = store.get(in_range, "concept", "2")
    assert (found.id, found.branch) == ("2", "MAIN/a")


def test_range_shows_what_the_right_side_released(store: RevisionStore) -> None:
    store.codesystems.create("CS", "code system")
    store.commit("MAIN/CS", "u", "c", [concept("1")])
    store.codesystems.create_version("CS", "v1", "20200101")
    in_range = ReadRange(ReadPoint("MAIN"), ReadPoint("MAIN/CS"))
    found = store.get(in_range, "concept", "1")
    assert (found.branch, found.released, found.effective_time) == ("MAIN/CS", True, "20200101")
    [item] = store.page(in_range, "concept").items
    assert (item.released, item.effective_time) == (True, "20200101")
