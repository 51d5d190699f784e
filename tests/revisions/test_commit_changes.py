"""One commit of many changes of any types: all or none, and every failing change named."""

from __future__ import annotations

import pytest

from revisions import ReadPoint, RevisionStore
from revisions.errors import ComponentExists, ComponentNotFound, InvalidComponent
from tests.revisions.helpers import change, concept, delete, description, ids, mapping


def test_a_concept_with_its_descriptions_and_mappings_in_one_commit(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("T")])
    made = store.commit(
        "MAIN",
        "u",
        "one",
        [concept("A"), description("d1", "A", "Heart", type="FSN"), mapping("m1", "A", "T")],
    )
    assert made is not None
    assert (made.changes, ids(store, "MAIN", "description"), ids(store, "MAIN", "mapping")) == (
        3,
        ["d1"],
        ["m1"],
    )
    assert [c.comment for c in store.commits("MAIN")][:1] == ["one"]


def test_every_failing_change_is_named_and_nothing_is_written(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("A")])
    before = store.count_commits("MAIN")
    with pytest.raises(InvalidComponent) as raised:
        store.commit(
            "MAIN",
            "u",
            "c",
            [
                concept("B"),
                concept("A"),
                change("nowhere", active=False),
                description("d", "B", "t", preferred="yes"),
                delete("A"),
            ],
        )
    assert str(raised.value) == "3 of 5 changes cannot be made; nothing was written."
    assert raised.value.violations == [
        "changes[1] (concept 'A'): Concept 'A' already exists.",
        "changes[2] (concept 'nowhere'): Concept 'nowhere' does not exist on this branch.",
        "changes[3] (description 'd'): 'preferred' must be of type bool.",
    ]
    assert store.count_commits("MAIN") == before
    assert ids(store, "MAIN") == ["A"]


def test_a_single_change_keeps_its_own_error(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("A")])
    with pytest.raises(ComponentExists):
        store.commit("MAIN", "u", "c", [concept("A")])
    with pytest.raises(ComponentNotFound):
        store.commit("MAIN", "u", "c", [delete("B")])


def test_later_changes_see_earlier_ones(store: RevisionStore) -> None:
    store.commit(
        "MAIN",
        "u",
        "c",
        [
            concept("A"),
            change("A", module_id="m"),
            description("d", "A"),
            delete("d", "description"),
        ],
    )
    assert store.get(ReadPoint("MAIN"), "concept", "A").fields["module_id"] == "m"
    assert ids(store, "MAIN", "description") == []
