"""The SQL blocks of ``revisions.visibility``: each form of the rule agrees with the others;
and visibility details the broader read tests leave open (found by mutation testing,
docs/testing.md): a range read by id agrees with a range page."""

from __future__ import annotations

import pytest
from sqlalchemy import Select, select
from sqlalchemy.dialects import sqlite

from revisions import ReadPoint, ReadRange, RevisionStore
from revisions.components import CONCEPT
from revisions.errors import BranchNotFound
from revisions.visibility import (
    Segment,
    View,
    beneath_own,
    changed_between,
    not_decided_above,
    segment_params,
    valid_in,
)
from snowpath import BranchPath, PathError
from tests.revisions.helpers import change, concept, delete, ids


def _literal(stmt: Select) -> str:
    return str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def test_a_segment_by_value_and_by_depth_is_the_same_predicate() -> None:
    table = CONCEPT.table
    view = View((Segment(7, 100), Segment(3, 50)))
    by_depth = select(table.c.rev_id).where(valid_in(table, 1)).params(segment_params(view))
    by_value = select(table.c.rev_id).where(valid_in(table, Segment(3, 50)))
    assert _literal(by_depth) == _literal(by_value)


def _shown_from_main(store: RevisionStore, shadow: bool) -> list[str]:
    """Ids the MAIN segment of MAIN/a's view decides, with one form of the rule."""
    table = CONCEPT.table
    view = store.view(ReadPoint("MAIN/a"))
    own, main = view.segments
    hidden = not_decided_above(table, [own], table.alias("shallower") if shadow else None)
    stmt = select(table.c.component_id).where(valid_in(table, main), *hidden)
    with store.reading() as connection:
        return sorted(connection.execute(stmt).scalars())


def test_both_forms_of_not_decided_above_hide_what_the_branch_decides(
    store: RevisionStore,
) -> None:
    store.commit("MAIN", "u", "c", [concept(str(i)) for i in range(5)])
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [change("1", module_id="x"), delete("2"), concept("9")])
    assert _shown_from_main(store, shadow=True) == ["0", "3", "4"]
    assert _shown_from_main(store, shadow=False) == ["0", "3", "4"]


def test_changed_between_two_times_of_a_branch_is_what_started_or_ended_in_between(
    store: RevisionStore,
) -> None:
    # Every row outside the window (started or ended before, after, or on another branch)
    # is one a wider window would wrongly make a merge's candidate.
    store.commit("MAIN", "u", "c", [concept("1"), concept("2"), concept("4")])
    lo = store.commit("MAIN", "u", "c", [change("4", module_id="x")]).timestamp
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [concept("7")])
    hi = store.commit("MAIN", "u", "c", [change("1", module_id="x")]).timestamp
    store.commit("MAIN", "u", "c", [concept("3"), change("2", module_id="x")])
    main = store.get_branch("MAIN").id
    table = CONCEPT.table
    clauses = changed_between(table, View((Segment(main, lo),)), View((Segment(main, hi),)))
    with store.reading() as connection:
        found = {
            cid
            for clause in clauses
            for cid in connection.execute(select(table.c.component_id).where(clause)).scalars()
        }
    assert found == {"1"}


def test_a_branch_seen_twice_in_a_view_is_seen_at_its_first_place(store: RevisionStore) -> None:
    store.create_branch("MAIN", "x")
    early = store.commit("MAIN/x", "u", "c", [concept("1")]).timestamp
    late = store.commit("MAIN/x", "u", "c", [concept("2")]).timestamp
    store.create_branch("MAIN", "c", layers=[("MAIN/x", early), ("MAIN/x", late)])
    segments = store.view(ReadPoint("MAIN/c")).segments
    assert [s.branch_id for s in segments].count(store.get_branch("MAIN/x").id) == 1
    assert ids(store, "MAIN/c") == ["1"]


def test_beneath_own_is_what_the_branch_shows_without_its_own_rows() -> None:
    view = View((Segment(7, 100), Segment(3, 50), Segment(1, 20)), (Segment(5, 9),))
    assert beneath_own(view) == View((Segment(3, 50), Segment(1, 20)))


def test_a_read_point_carries_the_parsed_branch_path(store: RevisionStore) -> None:
    assert ReadPoint("MAIN/a").path == BranchPath(("MAIN", "a"))
    assert ReadPoint(BranchPath(("MAIN", "a"))) == ReadPoint("MAIN/a")
    with pytest.raises(PathError, match="not a branch path"):
        ReadPoint("MAIN/a@1000")
    with pytest.raises(BranchNotFound, match="'MAIN/a'"):
        store.view(ReadPoint("MAIN/a"))


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
