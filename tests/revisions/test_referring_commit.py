"""What a commit finds pointing at the components it deletes, through indexes.

``revisions.commit.referring_ids`` finds children through ``concept_edges`` and descriptions
and mappings through their reference columns' indexes (it tested every revision of the
branch chain with a filtered page before, 4.7 s for 50 concepts on SQLite). Its answers
equal that page's on random histories on both databases; cascades and refusals through a
branch's deeper segments, and through the commit's own changes, each have a named case.
"""

from __future__ import annotations

import pytest

from revisions import ManualClock, ReadPoint, RevisionStore, read
from revisions.commit import Plan, referring_ids
from revisions.components import TYPES, ComponentType, Reference
from revisions.errors import StillReferenced
from revisions.filters import Filter
from revisions.visibility import View
from tests.revisions.helpers import change, concept, delete, description, ids, mapping
from tests.revisions.random_content import CONCEPTS, Content

REFERENCES = [(ctype, ref) for ctype in TYPES.values() for ref in ctype.references]


def scanned_holders(
    store: RevisionStore, view: View, ctype: ComponentType, ref: Reference, targets: list[str]
) -> list[str]:
    """The old answer: a page of every component whose reference holds one of ``targets``."""
    wanted = (
        Filter.of(contains={ref.field: targets}) if ref.many else Filter.of(**{ref.field: targets})
    )
    found: list[str] = []
    with store.reading() as connection:
        after = None
        while True:
            items, after = read.page(connection, ctype, view, wanted, after, 10_000)
            found += [item.id for item in items]
            if after is None:
                return sorted(found)


@pytest.mark.parametrize("seed", range(4))
def test_holders_through_indexes_equal_the_filtered_scan(
    store: RevisionStore, clock: ManualClock, seed: int
) -> None:
    content = Content.grown(store, clock, seed)
    for point in content.points():
        view = store.view(point)
        for ctype, ref in REFERENCES:
            for targets in (CONCEPTS, content.rng.sample(CONCEPTS, 3)):
                with store.reading() as connection:
                    found = referring_ids(Plan(connection, view), ctype, ref, targets)
                expected = scanned_holders(store, view, ctype, ref, targets)
                assert found == expected, (point, ctype.name, ref.field, targets)


def _main_and_task(store: RevisionStore) -> None:
    store.commit(
        "MAIN",
        "u",
        "content",
        [
            concept("a"),
            concept("b", parents=["a"]),
            concept("c"),
            description("d1", "a"),
            mapping("m1", "a", "c"),
            mapping("m2", "c", "a"),
        ],
    )
    store.create_branch("MAIN", "task")


def test_deleting_a_parent_on_a_branch_is_refused_naming_the_child_from_main(
    store: RevisionStore,
) -> None:
    _main_and_task(store)
    store.commit("MAIN/task", "u", "drop m2", [delete("m2", "mapping")])
    with pytest.raises(StillReferenced, match=r"concept 'a': concepts b still point at it"):
        store.commit("MAIN/task", "u", "drop a", [delete("a")])
    assert ids(store, "MAIN/task") == ["a", "b", "c"]


def test_deleting_a_parent_the_branch_moved_its_child_from_is_allowed_there_only(
    store: RevisionStore,
) -> None:
    _main_and_task(store)
    store.commit("MAIN/task", "u", "move b", [change("b", parents=["c"])])
    store.commit("MAIN/task", "u", "drop a", [delete("a"), delete("m2", "mapping")])
    assert ids(store, "MAIN/task") == ["b", "c"]
    with pytest.raises(StillReferenced, match="concepts b still point at it"):
        store.commit("MAIN", "u", "drop a", [delete("a"), delete("m2", "mapping")])


def test_deleting_a_parent_whose_child_the_branch_deleted_is_allowed(
    store: RevisionStore,
) -> None:
    _main_and_task(store)
    store.commit("MAIN/task", "u", "drop b", [delete("b")])
    store.commit("MAIN/task", "u", "drop a", [delete("a"), delete("m2", "mapping")])
    assert ids(store, "MAIN/task") == ["c"]


def test_a_child_moved_away_in_the_deleting_commit_no_longer_holds_its_parent(
    store: RevisionStore,
) -> None:
    _main_and_task(store)
    changes = [change("b", parents=["c"]), delete("m2", "mapping"), delete("a")]
    store.commit("MAIN/task", "u", "move b, drop a", changes)
    assert ids(store, "MAIN/task") == ["b", "c"]
    assert store.get(ReadPoint("MAIN/task"), "concept", "b").fields["parents"] == ["c"]


def test_deleting_a_mapping_target_on_a_branch_is_refused_naming_the_mapping_from_main(
    store: RevisionStore,
) -> None:
    _main_and_task(store)
    store.commit("MAIN/task", "u", "drop b", [delete("b")])
    with pytest.raises(StillReferenced, match=r"concept 'a': mappings m2 still point at it"):
        store.commit("MAIN/task", "u", "drop a", [delete("a")])


def test_deleting_on_a_branch_cascades_to_descriptions_and_mappings_from_main(
    store: RevisionStore,
) -> None:
    _main_and_task(store)
    store.commit("MAIN/task", "u", "move d1", [change("d1", "description", concept_id="c")])
    store.commit("MAIN/task", "u", "drop b", [delete("b"), delete("m2", "mapping")])
    store.commit("MAIN/task", "u", "drop a", [delete("a")])
    # The outgoing mapping went with a; the description the branch moved to c stayed.
    assert ids(store, "MAIN/task", "mapping") == []
    assert ids(store, "MAIN/task", "description") == ["d1"]
    assert ids(store, "MAIN", "description") == ["d1"]
    assert ids(store, "MAIN", "mapping") == ["m1", "m2"]
    assert store.get(ReadPoint("MAIN"), "description", "d1").fields["concept_id"] == "a"
