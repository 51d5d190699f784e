"""Rebase and promotion: propagation, three-way conflicts, resolutions, merge records."""

from __future__ import annotations

import pytest

from revisions import (
    CommitKind,
    ConflictingAttribute,
    ReadPoint,
    Resolution,
    RevisionStore,
    Update,
)
from revisions.errors import InvalidMerge, MergeConflicts, MissingReference
from tests.revisions.helpers import (
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


@pytest.fixture
def forked(store: RevisionStore) -> RevisionStore:
    store.commit("MAIN", "u", "c", [concept("1", module_id="m0", concept_class="k0"), concept("2")])
    store.create_branch("MAIN", "a")
    return store


def conflicts_of(store: RevisionStore, source: str, target: str, resolutions: tuple = ()) -> list:
    with pytest.raises(MergeConflicts) as caught:
        store.merge(source, target, "u", "merge", list(resolutions))
    return caught.value.conflicts


def test_child_change_is_invisible_to_parent_and_siblings_until_promotion(
    forked: RevisionStore,
) -> None:
    forked.create_branch("MAIN", "b")
    forked.commit(A, "u", "c", [concept("3"), change("1", module_id="a")])
    for path in ("MAIN", "MAIN/b"):
        assert ids(forked, path) == ["1", "2"]
        assert field(forked, path, "1", "module_id") == "m0"
    forked.promote(A, "u", "promote")
    assert ids(forked, "MAIN") == ["1", "2", "3"]
    assert field(forked, "MAIN", "1", "module_id") == "a"
    assert ids(forked, "MAIN/b") == ["1", "2"]


def test_deletion_on_child_hides_the_component_only_there(forked: RevisionStore) -> None:
    forked.create_branch("MAIN", "b")
    forked.commit(A, "u", "c", [delete("1")])
    assert ids(forked, A) == ["2"]
    assert ids(forked, "MAIN") == ["1", "2"]
    assert ids(forked, "MAIN/b") == ["1", "2"]


def test_promotion_records_its_source_and_resets_the_child(forked: RevisionStore) -> None:
    child_commit = forked.commit(A, "u", "c", [concept("3")])
    promotion = forked.merge(A, "MAIN", "ann", "promote a")
    assert promotion is not None
    log = forked.commits("MAIN")[0]
    assert (log.kind, log.source, log.source_timestamp, log.author) == (
        CommitKind.PROMOTION,
        A,
        child_commit.timestamp,
        "ann",
    )
    child_log = forked.commits(A)[0]
    assert (child_log.kind, child_log.source, child_log.timestamp) == (
        CommitKind.PROMOTED,
        "MAIN",
        promotion.timestamp,
    )
    branch = forked.get_branch(A)
    assert branch.base_ts == promotion.timestamp
    # Later parent changes are visible after the next rebase, not shadowed by promoted copies.
    forked.commit("MAIN", "u", "c", [change("3", module_id="later")])
    forked.rebase(A, "u", "sync")
    assert field(forked, A, "3", "module_id") == "later"


def test_rebase_records_its_source(forked: RevisionStore) -> None:
    parent = forked.commit("MAIN", "u", "c", [concept("3")])
    forked.merge("MAIN", A, "u", "sync")
    log = forked.commits(A)[0]
    assert (log.kind, log.source, log.source_timestamp) == (
        CommitKind.REBASE,
        "MAIN",
        parent.timestamp,
    )


def test_rebase_with_nothing_new_is_a_no_op(forked: RevisionStore) -> None:
    head = forked.get_branch(A).head_ts
    assert forked.rebase(A, "u", "sync") is None
    assert forked.get_branch(A).head_ts == head


def test_promotion_with_nothing_to_promote_is_a_no_op(forked: RevisionStore) -> None:
    assert forked.promote(A, "u", "p") is None


def test_identical_change_on_both_sides_is_no_conflict(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [change("1", module_id="same")])
    forked.commit("MAIN", "u", "c", [change("1", module_id="same")])
    forked.rebase(A, "u", "sync")
    assert field(forked, A, "1", "module_id") == "same"
    # The identical copy must not shadow later parent changes.
    forked.commit("MAIN", "u", "c", [change("1", module_id="after")])
    forked.rebase(A, "u", "sync")
    assert field(forked, A, "1", "module_id") == "after"


def test_identical_creation_on_both_sides_is_no_conflict(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [concept("9", module_id="x")])
    forked.commit("MAIN", "u", "c", [concept("9", module_id="x")])
    forked.rebase(A, "u", "sync")
    assert ids(forked, A) == ["1", "2", "9"]


def test_changes_to_different_properties_merge(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [change("1", module_id="child")])
    forked.commit("MAIN", "u", "c", [change("1", concept_class="parent")])
    forked.rebase(A, "u", "sync")
    merged = forked.get(ReadPoint(A), "concept", "1").fields
    assert (merged["module_id"], merged["concept_class"]) == ("child", "parent")
    forked.promote(A, "u", "promote")
    on_main = forked.get(ReadPoint("MAIN"), "concept", "1").fields
    assert (on_main["module_id"], on_main["concept_class"]) == ("child", "parent")


def test_promotion_of_a_diverged_child_merges_properties(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [change("1", module_id="child")])
    forked.commit("MAIN", "u", "c", [change("1", concept_class="parent"), concept("5")])
    forked.promote(A, "u", "promote")
    on_main = forked.get(ReadPoint("MAIN"), "concept", "1").fields
    assert (on_main["module_id"], on_main["concept_class"]) == ("child", "parent")
    assert ids(forked, A) == ["1", "2", "5"]


def test_same_property_changed_differently_conflicts(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [change("1", module_id="child", concept_class="same")])
    forked.commit("MAIN", "u", "c", [change("1", module_id="parent", concept_class="same")])
    head = forked.get_branch(A).head_ts
    [conflict] = conflicts_of(forked, "MAIN", A)
    assert (conflict.component_id, conflict.component_type, conflict.type) == (
        "1",
        "concept",
        "CONFLICTING_CHANGE",
    )
    [attr] = conflict.conflicting_attributes
    assert (attr.property, attr.old_value, attr.source_value, attr.target_value) == (
        "module_id",
        "m0",
        "parent",
        "child",
    )
    assert "has a conflict of type 'CONFLICTING_CHANGE'" in conflict.message
    assert forked.get_branch(A).head_ts == head
    assert field(forked, A, "1", "module_id") == "child"


def test_created_on_both_sides_differently_conflicts(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [concept("9", module_id="x")])
    forked.commit("MAIN", "u", "c", [concept("9", module_id="y")])
    [conflict] = conflicts_of(forked, "MAIN", A)
    assert conflict.type == "CONFLICTING_CHANGE"
    assert [a.property for a in conflict.conflicting_attributes] == ["module_id"]


def test_deleted_against_changed_conflicts_both_ways(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [delete("1"), change("2", module_id="child")])
    forked.commit("MAIN", "u", "c", [change("1", module_id="parent"), delete("2")])
    conflicts = conflicts_of(forked, "MAIN", A)
    assert sorted((c.component_id, c.type) for c in conflicts) == [
        ("1", "DELETED_WHILE_CHANGED"),
        ("2", "DELETED_WHILE_CHANGED"),
    ]


def test_description_added_to_a_concept_deleted_on_the_other_side_conflicts(
    forked: RevisionStore,
) -> None:
    forked.commit(A, "u", "c", [description("d", "1")])
    forked.commit("MAIN", "u", "c", [delete("1")])
    [conflict] = conflicts_of(forked, "MAIN", A)
    assert (conflict.component_id, conflict.component_type, conflict.type) == (
        "d",
        "description",
        "CAUSES_MISSING_REFERENCE",
    )
    assert conflict.conflicting_attributes[0].property == "concept_id"


def test_deleted_on_both_sides_is_no_conflict(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [delete("1")])
    forked.commit("MAIN", "u", "c", [delete("1")])
    forked.rebase(A, "u", "sync")
    assert ids(forked, A) == ["2"]


def _diverge(store: RevisionStore) -> None:
    store.commit(A, "u", "c", [change("1", module_id="child")])
    store.commit("MAIN", "u", "c", [change("1", module_id="parent")])


def test_resolution_by_source(forked: RevisionStore) -> None:
    _diverge(forked)
    forked.rebase(A, "u", "sync", [Resolution("concept", "1", "SOURCE")])
    assert field(forked, A, "1", "module_id") == "parent"


def test_resolution_by_target(forked: RevisionStore) -> None:
    _diverge(forked)
    forked.rebase(A, "u", "sync", [Resolution("concept", "1", "TARGET")])
    assert field(forked, A, "1", "module_id") == "child"


def test_resolution_by_explicit_content(forked: RevisionStore) -> None:
    _diverge(forked)
    content = {"module_id": "agreed", "concept_class": "k0"}
    forked.rebase(A, "u", "sync", [Resolution("concept", "1", "CONTENT", content)])
    assert field(forked, A, "1", "module_id") == "agreed"


def test_a_content_resolution_keeps_the_fields_it_does_not_name(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [change("1", module_id="child", parents=["2"], active=False)])
    forked.commit("MAIN", "u", "c", [change("1", module_id="parent", concept_class="k1")])
    content = {"concept_class": "Resolved"}
    forked.rebase(A, "u", "sync", [Resolution("concept", "1", "CONTENT", content)])
    got = forked.get(ReadPoint(A), "concept", "1").fields
    # Named: as given. Changed on one side only: that side's. Changed on both: the source's.
    assert got["concept_class"] == "Resolved"
    assert got["parents"] == ["2"]
    assert got["active"] is False
    assert got["module_id"] == "parent"


def test_a_content_resolution_of_a_deletion_goes_over_the_surviving_side(
    forked: RevisionStore,
) -> None:
    forked.commit(A, "u", "c", [change("1", parents=["2"])])
    forked.commit("MAIN", "u", "c", [delete("1")])
    forked.rebase(A, "u", "sync", [Resolution("concept", "1", "CONTENT", {"active": False})])
    got = forked.get(ReadPoint(A), "concept", "1").fields
    assert (got["parents"], got["active"], got["module_id"]) == (["2"], False, "m0")


def test_an_invalid_content_resolution_names_the_field_and_the_component(
    forked: RevisionStore,
) -> None:
    from revisions.errors import InvalidComponent

    _diverge(forked)
    content = {"parents": "2"}
    with pytest.raises(InvalidComponent) as raised:
        forked.rebase(A, "u", "sync", [Resolution("concept", "1", "CONTENT", content)])
    assert str(raised.value) == (
        "Invalid CONTENT resolution for concept '1': 'parents' must be of type ids."
    )
    assert raised.value.violations == ["'parents' must be of type ids."]
    assert field(forked, A, "1", "module_id") == "child"


def test_resolution_on_promotion_by_target_keeps_the_parent(forked: RevisionStore) -> None:
    _diverge(forked)
    forked.promote(A, "u", "p", [Resolution("concept", "1", "TARGET")])
    assert field(forked, "MAIN", "1", "module_id") == "parent"
    assert field(forked, A, "1", "module_id") == "parent"


def test_invalid_resolution_is_refused(forked: RevisionStore) -> None:
    from revisions.errors import InvalidComponent

    _diverge(forked)
    with pytest.raises(InvalidComponent, match="Invalid resolution"):
        forked.rebase(A, "u", "sync", [Resolution("concept", "1", "CONTENT")])


def test_merge_onto_itself_or_unrelated_is_refused(forked: RevisionStore) -> None:
    forked.create_branch("MAIN", "b")
    with pytest.raises(InvalidMerge, match="onto itself"):
        forked.merge(A, A, "u", "c")
    with pytest.raises(InvalidMerge, match="direct parent"):
        forked.merge(A, "MAIN/b", "u", "c")


def test_promotion_into_a_read_only_parent_is_refused(store: RevisionStore) -> None:
    from revisions.errors import BranchReadOnly

    store.create_branch("MAIN", "v1", read_only=True)
    store.create_branch("MAIN/v1", "x")
    store.commit("MAIN/v1/x", "u", "c", [concept("1")])
    with pytest.raises(BranchReadOnly):
        store.promote("MAIN/v1/x", "u", "p")


def test_nested_promotion_task_to_project_to_main(store: RevisionStore) -> None:
    store.create_branch("MAIN", "proj")
    store.create_branch("MAIN/proj", "task")
    store.commit("MAIN/proj/task", "u", "c", [concept("1"), description("d", "1")])
    store.promote("MAIN/proj/task", "u", "p")
    assert ids(store, "MAIN") == []
    store.promote("MAIN/proj", "u", "p")
    assert ids(store, "MAIN") == ["1"]
    assert ids(store, "MAIN", "description") == ["d"]


def test_resolution_content_pointing_at_a_concept_the_merge_deletes_is_refused(
    forked: RevisionStore,
) -> None:
    from revisions.errors import MissingReference

    forked.commit(A, "u", "c", [description("d", "2")])
    forked.commit("MAIN", "u", "c", [delete("1")])
    forked.commit(A, "u", "c", [change("d", "description", term="child")])
    forked.commit("MAIN", "u", "c", [description("d", "2", "parent")])
    content = {"concept_id": "1", "term": "both"}
    with pytest.raises(MissingReference, match="concept '1'"):
        forked.rebase(A, "u", "sync", [Resolution("description", "d", "CONTENT", content)])
    assert ids(forked, A, "description") == ["d"]


def test_resolution_content_pointing_at_an_unknown_concept_is_refused(
    forked: RevisionStore,
) -> None:
    from revisions.errors import MissingReference

    _diverge(forked)
    content = {"module_id": "x", "parents": ["nowhere"]}
    with pytest.raises(MissingReference, match="concept 'nowhere'"):
        forked.rebase(A, "u", "sync", [Resolution("concept", "1", "CONTENT", content)])
    assert field(forked, A, "1", "module_id") == "child"


# --- details that mutation testing found unchecked (docs/testing.md) -------------------------


def test_deleted_while_changed_names_each_changed_field_with_its_three_values(
    forked: RevisionStore,
) -> None:
    forked.commit(A, "u", "c", [delete("1")])
    forked.commit("MAIN", "u", "c", [change("1", module_id="m1")])
    [promoted] = conflicts_of(forked, A, "MAIN")
    assert promoted.type == "DELETED_WHILE_CHANGED"
    assert promoted.conflicting_attributes == (ConflictingAttribute("module_id", "m0", None, "m1"),)
    [rebased] = conflicts_of(forked, "MAIN", A)
    assert rebased.conflicting_attributes == (ConflictingAttribute("module_id", "m0", "m1", None),)


def test_created_on_both_sides_differently_has_no_old_value(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [concept("3", module_id="child")])
    forked.commit("MAIN", "u", "c", [concept("3", module_id="parent")])
    [conflict] = conflicts_of(forked, A, "MAIN")
    assert conflict.conflicting_attributes == (
        ConflictingAttribute("module_id", None, "child", "parent"),
    )


def test_missing_reference_conflict_shows_the_reference_on_each_side(
    forked: RevisionStore,
) -> None:
    forked.commit("MAIN", "u", "c", [description("d", "2")])
    forked.rebase(A, "u", "sync")
    forked.commit(A, "u", "c", [change("d", "description", concept_id="1")])
    forked.commit("MAIN", "u", "c", [delete("1")])
    with pytest.raises(MergeConflicts) as caught:
        forked.promote(A, "u", "promote")
    assert str(caught.value) == "The merge has 1 conflict(s)."
    [conflict] = caught.value.conflicts
    assert conflict.type == "CAUSES_MISSING_REFERENCE"
    assert conflict.conflicting_attributes == (ConflictingAttribute("concept_id", "2", "1", "2"),)


def test_promotion_with_a_resolution_carries_the_childs_other_changes(
    forked: RevisionStore,
) -> None:
    _diverge(forked)
    forked.commit(A, "u", "c", [concept("3")])
    forked.promote(A, "u", "promote", [Resolution("concept", "1", "SOURCE")])
    assert ids(forked, "MAIN") == ["1", "2", "3"]
    assert field(forked, "MAIN", "1", "module_id") == "child"


def test_promotion_of_more_changes_than_one_round_of_lookups(forked: RevisionStore) -> None:
    # A merge compares its candidates 2,000 ids at a time (revisions.merge.diff): more than
    # two rounds' worth.
    many = [concept(f"n{i:04}") for i in range(4_001)]
    forked.commit(A, "u", "c", many)
    forked.promote(A, "u", "promote")
    assert forked.count(ReadPoint("MAIN"), "concept") == len(many) + 2


def test_resolutions_into_missing_components_are_all_named(forked: RevisionStore) -> None:
    forked.commit("MAIN", "u", "c", [description("d1", "1"), description("d2", "1")])
    forked.rebase(A, "u", "sync")
    forked.commit(A, "u", "c", [delete("2"), *_terms("child")])
    forked.commit("MAIN", "u", "c", [change("2", module_id="m1"), *_terms("parent")])
    resolutions = [
        Resolution("concept", "2", "SOURCE"),  # the child's deletion, checked first
        Resolution("description", "d1", "CONTENT", {"concept_id": "2", "term": "x"}),
        Resolution("description", "d2", "CONTENT", {"concept_id": "9", "term": "y"}),
    ]
    message = "A resolution refers to components the merge result does not have: "
    with pytest.raises(MissingReference) as caught:
        forked.promote(A, "u", "promote", resolutions)
    assert str(caught.value) == message + "concept '2', concept '9'."
    assert ids(forked, "MAIN") == ["1", "2"]


def _terms(term: str) -> list[Update]:
    return [change(d, "description", term=term) for d in ("d1", "d2")]


def test_resolution_content_may_point_at_what_neither_side_changed(
    forked: RevisionStore,
) -> None:
    _diverge(forked)
    content = {"module_id": "x", "parents": ["2"]}
    forked.rebase(A, "u", "sync", [Resolution("concept", "1", "CONTENT", content)])
    assert field(forked, A, "1", "parents") == ["2"]


def test_resolution_for_a_component_neither_side_changed_is_ignored(
    forked: RevisionStore,
) -> None:
    forked.commit(A, "u", "c", [change("1", module_id="child")])
    forked.promote(A, "u", "promote", [Resolution("concept", "2", "CONTENT", {"module_id": "x"})])
    assert field(forked, "MAIN", "1", "module_id") == "child"
    assert field(forked, "MAIN", "2", "module_id") is None


def test_rebase_resolution_by_target_keeps_what_the_child_saw(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [concept("3")])
    forked.commit("MAIN", "u", "c", [change("1", module_id="parent")])
    forked.rebase(A, "u", "sync", [Resolution("concept", "1", "TARGET")])
    assert field(forked, A, "1", "module_id") == "m0"
    assert field(forked, "MAIN", "1", "module_id") == "parent"


def test_rebase_leaves_the_childs_untouched_revisions_alone(forked: RevisionStore) -> None:
    first = forked.commit(A, "u", "c", [change("1", module_id="child")])
    forked.commit("MAIN", "u", "c", [change("2", module_id="parent")])
    rebase = forked.rebase(A, "u", "sync")
    assert rebase is not None
    assert rebase.changes == 0
    assert own_revisions(forked, A, "1") == [(first.timestamp, None, False)]


def test_rebase_counts_the_childs_revisions_it_closes(forked: RevisionStore) -> None:
    forked.commit(A, "u", "c", [change("1", module_id="same"), change("2", module_id="same")])
    forked.commit("MAIN", "u", "c", [change("1", module_id="same"), change("2", module_id="same")])
    rebase = forked.rebase(A, "u", "sync")
    assert rebase is not None
    assert rebase.changes == 2
    assert A not in open_revisions(forked)


def test_promotion_keeps_the_end_of_the_childs_past_revisions(forked: RevisionStore) -> None:
    first = forked.commit(A, "u", "c", [change("1", module_id="one")])
    second = forked.commit(A, "u", "c", [change("1", module_id="two")])
    promotion = forked.promote(A, "u", "promote")
    assert promotion is not None
    assert own_revisions(forked, A, "1") == [
        (first.timestamp, second.timestamp, False),
        (second.timestamp, promotion.timestamp, False),
    ]
    assert field(forked, ReadPoint(A, timestamp=first.timestamp), "1", "module_id") == "one"


def test_grandchild_rebase_compares_with_its_parent_as_it_was_at_its_base(
    forked: RevisionStore,
) -> None:
    forked.create_branch(A, "b")
    forked.commit("MAIN/a/b", "u", "c", [concept("3")])
    forked.commit("MAIN", "u", "c", [change("1", module_id="m1")])
    forked.rebase(A, "u", "sync")  # MAIN/a's base moves after MAIN/a/b's base
    forked.rebase("MAIN/a/b", "u", "sync")
    assert field(forked, "MAIN/a/b", "1", "module_id") == "m1"
    assert ids(forked, "MAIN/a/b") == ["1", "2", "3"]


# --- the merge pipeline (revisions.merging): what its mutants left unchecked ---------------


def test_merge_direction_is_read_from_the_whole_parent_path(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a")
    store.create_branch(A, "b")
    store.commit(A, "u", "c", [concept("1")])
    store.merge(A, "MAIN/a/b", "u", "rebase")
    assert ids(store, "MAIN/a/b") == ["1"]
    store.commit("MAIN/a/b", "u", "c", [concept("2")])
    store.merge("MAIN/a/b", A, "u", "promote")
    assert ids(store, A) == ["1", "2"]
    for source, target in (("MAIN", "MAIN/a/b"), ("MAIN/a/b", "MAIN")):
        with pytest.raises(InvalidMerge, match=r": one must be the direct parent of the other\.$"):
            store.merge(source, target, "u", "c")


def test_grandchild_rebase_brings_its_parents_own_changes(forked: RevisionStore) -> None:
    forked.create_branch(A, "b")
    forked.commit(A, "u", "c", [change("1", module_id="a")])
    forked.rebase("MAIN/a/b", "u", "sync")
    assert field(forked, "MAIN/a/b", "1", "module_id") == "a"


def test_merges_under_a_branch_with_versions(store: RevisionStore) -> None:
    # A versioned branch's views read its releases: every view a merge takes must be read
    # through the merge's own connection.
    store.codesystems.create("CS", "cs")
    store.commit("MAIN/CS", "u", "c", [concept("1")])
    store.codesystems.create_version("CS", "v1", "20200101")
    store.create_branch("MAIN/CS", "task")
    store.commit("MAIN/CS", "u", "c", [concept("2")])
    store.rebase("MAIN/CS/task", "u", "sync")
    store.commit("MAIN/CS/task", "u", "c", [change("1", module_id="task")])
    store.promote("MAIN/CS/task", "u", "promote")
    assert ids(store, "MAIN/CS/task") == ["1", "2"]
    assert field(store, "MAIN/CS", "1", "module_id") == "task"


def test_grandchild_promotion_after_its_parent_moved_its_base(forked: RevisionStore) -> None:
    forked.create_branch(A, "b")
    forked.commit("MAIN/a/b", "u", "c", [concept("3")])
    forked.commit("MAIN", "u", "c", [concept("4")])
    forked.rebase(A, "u", "sync")  # MAIN/a's base now is after MAIN/a/b's
    forked.promote("MAIN/a/b", "u", "promote")
    assert ids(forked, A) == ["1", "2", "3", "4"]


def test_the_childs_promoted_record_has_the_promotions_count_and_time(
    forked: RevisionStore,
) -> None:
    forked.commit(A, "u", "c", [concept("3"), change("1", module_id="a")])
    promotion = forked.promote(A, "u", "promote")
    assert promotion is not None
    child_log = forked.commits(A)[0]
    assert (child_log.changes, child_log.source_timestamp) == (2, promotion.timestamp)


def test_upgrade_keeps_the_branch_metadata_and_records_its_source(store: RevisionStore) -> None:
    store.codesystems.create("BASE", "base")
    store.codesystems.create_version("BASE", "v1", "20200101")
    store.codesystems.create("EXT", "ext", extension_of="BASE/v1")
    store.update_metadata("MAIN/BASE/v1/EXT", {"owner": "ext"})
    store.commit("MAIN/BASE", "u", "c", [concept("b1")])
    store.codesystems.create_version("BASE", "v2", "20210101")
    store.codesystems.upgrade("EXT", "BASE/v2", "u", "upgrade")
    assert store.get_branch("MAIN/BASE/v2/EXT").metadata == {"owner": "ext"}
    log = store.commits("MAIN/BASE/v2/EXT")[0]
    assert (log.kind, log.source, log.source_timestamp) == (
        CommitKind.UPGRADE,
        "MAIN/BASE/v2",
        store.get_branch("MAIN/BASE/v2").head_ts,
    )


def test_a_branch_without_a_parent_cannot_merge(store: RevisionStore) -> None:
    for step in (store.rebase, store.promote):
        with pytest.raises(InvalidMerge, match=r"^Branch 'MAIN' has no parent to merge with\.$"):
            step("MAIN", "u", "c")


def test_rebase_of_a_branch_with_a_layer_sees_its_own_changes(forked: RevisionStore) -> None:
    # The layer's branch is older than the child: the child's own rows must still be read
    # as changed after the layer's (visibility.changed_between, one clause per branch).
    forked.create_branch("MAIN", "layer")
    forked.commit("MAIN/layer", "u", "c", [concept("9")])
    upto = forked.get_branch("MAIN/layer").head_ts
    forked.create_branch("MAIN", "c", layers=[("MAIN/layer", upto)])
    forked.commit("MAIN/c", "u", "c", [change("1", module_id="child")])
    forked.commit("MAIN", "u", "c", [change("1", module_id="parent")])
    assert [c.component_id for c in conflicts_of(forked, "MAIN", "MAIN/c")] == ["1"]


def test_check_merge_refuses_what_a_merge_would_refuse_before_it_runs(
    forked: RevisionStore,
) -> None:
    from revisions.errors import BranchDeleted, BranchNotFound

    forked.create_branch("MAIN", "b")
    forked.create_branch("MAIN/b", "gone")
    forked.delete_branch("MAIN/b/gone")
    forked.check_merge(A, "MAIN")
    forked.check_merge("MAIN", A)
    with pytest.raises(InvalidMerge, match="onto itself"):
        forked.check_merge(A, A)
    with pytest.raises(InvalidMerge, match="direct parent"):
        forked.check_merge(A, "MAIN/b")
    with pytest.raises(BranchNotFound, match="'MAIN/nowhere'"):
        forked.check_merge("MAIN/nowhere", "MAIN")
    with pytest.raises(BranchDeleted):
        forked.check_merge("MAIN/b/gone", "MAIN/b")
