"""Exact totals counted from the view below a view's shallowest segment.

The store counts a view whose shallowest segment holds few rows of the type as the count of
the view below it (cached: a task's commits leave it as it was) plus what that segment's
own rows change (``revisions.read.count_above``), and a view whose shallowest segment holds
none as the view below, with or without a filter. These tests pin that every such count
equals the count of every segment scanned, on random histories and under filters of each
kind, under versions, extensions and an upgrade (the effective-time filter reads the view's
versions), and that a commit on a task leaves the count below in the cache.
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


def effective_filters(type_name: str) -> list[Filter]:
    """No filter, every version's effective time and one after them all, and per type the
    filters that hold with one: a term, ids, list membership, a field."""
    filters = [Filter(), *(Filter.of(effective_time=e) for e in EFFECTIVE_TIMES)]
    if type_name == "description":
        filters += [Filter.of(term="he"), Filter.of(term="heart", effective_time="20210101")]
    else:
        filters += [Filter.of(["b1", "b2", "e1", "t1"]), Filter.of(contains={"parents": ["b1"]})]
        filters.append(Filter.of(module_id="m"))
    return filters


EFFECTIVE_TIMES = ["20200101", "20210101", "20220101", "20990101"]


def assert_counts_equal_the_scan(store: RevisionStore, points: list[ReadPoint | ReadRange]) -> None:
    for point in points:
        view = store.view(point)
        for type_name in ("concept", "description"):
            for filter_ in effective_filters(type_name):
                expected = scanned(store, view, type_name, filter_)
                assert store.count(view, type_name, filter_) == expected, (point, filter_)
                assert store.count(point, type_name, filter_) == expected, (point, filter_)


def test_counts_under_versions_extensions_and_upgrades_equal_the_scan(
    store: RevisionStore,
) -> None:
    """The effective-time filter reads the view's versions: the view below keeps them."""
    store.codesystems.create("BASE", "base")
    base = [concept("b1", module_id="m"), concept("b2"), description("d1", "b1", "Heart")]
    store.commit("MAIN/BASE", "u", "c", base)
    store.create_branch("MAIN/BASE", "t")
    task = [change("b1", module_id="x"), concept("t1", parents=["b1"])]
    store.commit("MAIN/BASE/t", "u", "c", [*task, description("d2", "t1", "Heart valve")])
    store.codesystems.create_version("BASE", "v1", "20200101")
    points: list[ReadPoint | ReadRange] = [ReadPoint(p) for p in ("MAIN/BASE", "MAIN/BASE/t")]
    points.append(ReadPoint("MAIN/BASE/v1"))
    assert_counts_equal_the_scan(store, points)
    later = [change("b2", module_id="m"), concept("b3"), change("d1", "description", active=False)]
    store.commit("MAIN/BASE", "u", "c", [*later, description("d3", "b3", "heat")])
    store.codesystems.create_version("BASE", "v2", "20210101")
    store.rebase("MAIN/BASE/t", "u", "rebase")
    points += [ReadPoint("MAIN/BASE/t"), ReadPoint("MAIN/BASE/v2")]
    assert_counts_equal_the_scan(store, points)
    store.codesystems.create("EXT", "ext", extension_of="BASE/v1")
    extension = [concept("e1"), change("b1", concept_class="ext")]
    store.commit("MAIN/BASE/v1/EXT", "u", "c", [*extension, description("d4", "e1", "Heart")])
    store.create_branch("MAIN/BASE/v1/EXT", "task")
    edits = [concept("e2"), change("e1", active=False), change("b2", module_id="m")]
    store.commit("MAIN/BASE/v1/EXT/task", "u", "c", edits)
    points += [ReadPoint("MAIN/BASE/v1/EXT"), ReadPoint("MAIN/BASE/v1/EXT/task")]
    assert_counts_equal_the_scan(store, points)
    store.codesystems.create_version("EXT", "e1v", "20220101")
    store.codesystems.upgrade("EXT", "BASE/v2", "u", "upgrade")
    store.create_branch("MAIN/BASE/v2/EXT", "task2")
    upgraded = [concept("e3"), change("b3", module_id="m"), description("d5", "e3", "hearth")]
    path = "MAIN/BASE/v2/EXT/task2"
    store.commit(path, "u", "c", upgraded)
    task2 = ReadPoint(path)
    points += [ReadPoint("MAIN/BASE/v2/EXT"), task2, ReadRange(ReadPoint("MAIN/BASE"), task2)]
    assert_counts_equal_the_scan(store, points)
    for n in range(3):  # commits on the task: each count from the cached view below
        module = "m" if n % 2 else "z"
        store.commit(path, "u", "c", [concept(f"n{n}"), change("b1", module_id=module)])
        assert_counts_equal_the_scan(store, points)
    head = store.get_branch(path).head_ts
    assert_counts_equal_the_scan(store, [ReadPoint(path, timestamp=head - 1)])
