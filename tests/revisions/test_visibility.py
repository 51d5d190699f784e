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
    assert store.get(in_range, "concept", "2").id == "2"
