"""Exact totals counted from the view below a view's shallowest segment.

The store counts a view whose shallowest segment holds few rows of the type as the count of
the view below it (cached: a task's commits leave it as it was) plus what that segment's
own rows change (``revisions.read.count_above``), and a view whose shallowest segment holds
none as the view below, with or without a filter. These tests pin that every such count
equals the count of every segment scanned, on random histories and under filters of each
kind, and that a commit on a task leaves the count below in the cache.
"""

from __future__ import annotations

from typing import Any

import pytest

from revisions import ManualClock, ReadPoint, ReadRange, RevisionStore, read
from revisions.components import TYPES
from revisions.filters import Filter
from revisions.visibility import View
from tests.revisions.helpers import change, concept, delete, description
from tests.revisions.random_content import CONCEPTS, Content

# Per type: no filter, then filters of each kind a count may carry.
FILTERS = {
    "concept": [
        Filter(),
        Filter.of(CONCEPTS[::2]),
        Filter.of(contains={"parents": CONCEPTS[:3]}),
    ],
    "description": [Filter(), Filter.of(concept_id=CONCEPTS[1]), Filter.of(term="t")],
    "mapping": [Filter(), Filter.of(source_id=CONCEPTS[2], map_type="SAME-AS")],
}


def scanned(store: RevisionStore, view: View, type_name: str, filter_: Filter | None = None) -> int:
    """The count of every segment scanned (:func:`revisions.read.count`)."""
    with store.reading() as connection:
        return read.count(connection, TYPES[type_name], view, filter_ or Filter())


@pytest.mark.parametrize("seed", range(3))
def test_counts_from_the_view_below_equal_every_segment_scanned(
    store: RevisionStore, clock: ManualClock, seed: int
) -> None:
    content = Content.grown(store, clock, seed)
    points = content.points()
    assert any(len(store.view(p).segments) > 2 for p in points)  # views three deep and more
    found = 0
    for point in points:
        view = store.view(point)
        for type_name, filters in FILTERS.items():
            for filter_ in filters:
                expected = scanned(store, view, type_name, filter_)
                assert store.count(view, type_name, filter_) == expected, (point, filter_)
                page = store.page(point, type_name, filter_, limit=1)
                assert page.total == expected, (point, filter_)
                found += expected > 0
    assert found > len(points) * 4  # most filters match something
    assert any(isinstance(p, ReadRange) for p in points)  # ranges keep the scan


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the views :func:`revisions.read.count` scans."""
    views: list[str] = []
    scan = read.count

    def recorded(connection: Any, ctype: Any, view: View, filter_: Filter) -> int:
        views.append(view.key)
        return scan(connection, ctype, view, filter_)

    monkeypatch.setattr(read, "count", recorded)
    return views


def test_a_commit_on_a_task_counts_its_rows_over_the_count_below(
    store: RevisionStore, counted: list[str]
) -> None:
    store.commit("MAIN", "u", "c", [concept(f"c{n}") for n in range(6)])
    store.create_branch("MAIN", "p")
    store.commit("MAIN/p", "u", "c", [delete("c5")])  # a tombstone over MAIN's c5
    store.create_branch("MAIN/p", "t")
    store.commit("MAIN/p/t", "u", "c", [delete("c0"), concept("n0"), concept("c5")])
    task = ReadPoint("MAIN/p/t")
    assert store.count(task, "concept") == 6  # c1-c4, n0, and c5 again over the tombstone
    scans = list(counted)
    assert [key.count(",") for key in scans] == [0]  # MAIN's segment alone, once
    store.commit("MAIN/p/t", "u", "c", [concept("n1"), change("c1", active=False), delete("c2")])
    assert store.count(task, "concept") == 6 == scanned(store, store.view(task), "concept")
    assert counted == [*scans, store.view(task).key]  # the last: the test's own scan


def test_a_segment_without_rows_of_the_type_counts_as_the_view_below(
    store: RevisionStore, counted: list[str]
) -> None:
    store.commit("MAIN", "u", "c", [concept("a"), concept("b")])
    store.create_branch("MAIN", "t")
    store.commit("MAIN/t", "u", "c", [description("d", "a", "Heart")])
    view = store.view(ReadPoint("MAIN/t"))
    task, main = (f"{s.branch_id}:{s.upto}" for s in view.segments)
    assert store.count(view, "concept") == 2
    assert store.count(view, "description") == 1
    assert counted == [main, task]  # the concepts: MAIN's alone; the descriptions: the task's
