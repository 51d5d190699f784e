"""Whole-view scans (``RevisionStore.scan``, ``scan_stored``, ``scan_edit_times``): the same
components, descriptions and edit times as pages, ``referring`` and ``edit_times`` give for
the same view, on a chain where a child branch updates, deletes and adds over its parent's
rows."""

from __future__ import annotations

from typing import Any

import pytest

from revisions import ManualClock, ReadPoint, ReadRange, RevisionStore, make_engine, upgrade
from revisions.components import TYPES
from revisions.history import edit_times
from revisions.records import Component, Create, Delete, Stored, Update
from revisions.visibility import View

PARTS = ((TYPES["concept"], "component_id"), (TYPES["description"], "concept_id"))


def _paged(store: RevisionStore, view: View, type_name: str) -> list[Component]:
    found: list[Component] = []
    after: Any = None
    while True:
        page = store.page(view, type_name, after=after, limit=2)
        found += page.items
        if page.next_after is None:
            return found
        after = page.next_after


@pytest.fixture
def chain(store: RevisionStore, clock: ManualClock) -> RevisionStore:
    """MAIN: concepts A-E with a description each (B's two); MAIN/task (its base after
    MAIN's first commit) updates A, deletes C and D's description, adds F, moves E's
    description to A; MAIN updates B after the task's base."""
    created = [Create("concept", c, {"extras": {"n": c}}) for c in "ABCDE"]
    described = [
        Create("description", f"{c}1", {"concept_id": c, "term": f"term {c}"}) for c in "ABCDE"
    ]
    extra = Create("description", "B2", {"concept_id": "B", "term": "B's second"})
    store.commit("MAIN", "a", "load", [*created, *described, extra])
    clock.advance(10)
    store.create_branch("MAIN", "task")
    clock.advance(10)
    store.commit("MAIN", "a", "later", [Update("concept", "B", {"datatype": "x"})])
    clock.advance(10)
    store.commit(
        "MAIN/task",
        "a",
        "edits",
        [
            Update("concept", "A", {"datatype": "y"}),
            Delete("description", "D1"),
            Delete("description", "C1"),
            Delete("concept", "C"),
            Create("concept", "F", {}),
            Create("description", "F1", {"concept_id": "F", "term": "new"}),
            Update("description", "E1", {"concept_id": "A", "term": "moved"}),
        ],
    )
    return store


POINTS = ["MAIN", "MAIN/task", "MAIN/task^"]


@pytest.mark.parametrize("path", POINTS)
@pytest.mark.parametrize("type_name", ["concept", "description"])
def test_scan_shows_what_pages_show(chain: RevisionStore, path: str, type_name: str) -> None:
    view = chain.view(_point(path))
    assert list(chain.scan(view, type_name)) == _paged(chain, view, type_name)


@pytest.mark.parametrize("path", POINTS)
@pytest.mark.parametrize("order", [(), ("concept_id",)])
def test_stored_are_the_scanned_components_without_branch_and_release(
    chain: RevisionStore, path: str, order: tuple[str, ...]
) -> None:
    view = chain.view(_point(path))
    stored = list(chain.scan_stored(view, "description", order))
    scanned = chain.scan(view, "description", order)
    assert stored == [Stored(c.id, c.fields, c.timestamp, c.revision) for c in scanned]
    assert len(stored) >= 5


@pytest.mark.parametrize("path", POINTS)
def test_descriptions_by_concept_are_what_referring_finds(chain: RevisionStore, path: str) -> None:
    view = chain.view(_point(path))
    scanned = list(chain.scan(view, "description", ("concept_id",)))
    concepts = [c.id for c in _paged(chain, view, "concept")]
    by_concept = chain.referring(view, "description", "concept_id", concepts)
    expected = [d for cid in sorted(by_concept) for d in by_concept[cid]]
    assert [d for d in scanned if d.fields["concept_id"] in concepts] == expected
    keys = [(d.fields["concept_id"], d.id) for d in scanned]
    assert keys == sorted(keys)


@pytest.mark.parametrize("path", POINTS)
def test_edit_times_in_order_are_edit_times(chain: RevisionStore, path: str) -> None:
    view = chain.view(_point(path))
    scanned = list(chain.scan_edit_times(view, PARTS))
    with chain.reading() as connection:
        expected = edit_times(connection, view, PARTS, list("ABCDEF"))
    assert [key for key, _ in scanned] == sorted(key for key, _ in scanned)
    assert dict(scanned) == expected


def test_a_past_time_scans_as_it_was(chain: RevisionStore, clock: ManualClock) -> None:
    task = chain.get_branch("MAIN/task")
    before = chain.view(ReadPoint("MAIN/task", task.created_ts))
    assert [c.id for c in chain.scan(before, "concept")] == list("ABCDE")


def test_a_range_scans_only_what_its_right_side_wrote(chain: RevisionStore) -> None:
    view = chain.view(ReadRange(_point("MAIN/task^"), _point("MAIN/task")))
    assert [c.id for c in chain.scan(view, "concept")] == ["A", "F"]
    assert list(chain.scan(view, "concept")) == _paged(chain, view, "concept")


def test_an_iterator_closed_early_ends_the_scan(chain: RevisionStore) -> None:
    scan = chain.scan(chain.view(_point("MAIN")), "concept")
    assert next(scan).id == "A"
    scan.close()
    assert [c.id for c in chain.scan(chain.view(_point("MAIN")), "concept")] == list("ABCDE")


def _point(path: str) -> ReadPoint:
    if path.endswith("^"):
        return ReadPoint(path[:-1], base=True)
    return ReadPoint(path)


def test_scans_read_together_on_the_in_memory_store() -> None:
    """The in-memory SQLite store has one connection: three scans open at once share it."""
    engine = make_engine("sqlite://")
    try:
        upgrade(engine)
        store = RevisionStore(engine)
        store.initialize()
        terms = [Create("description", f"{c}1", {"concept_id": c, "term": c}) for c in "AB"]
        store.commit("MAIN", "a", "c", [Create("concept", c, {}) for c in "AB"] + terms)
        view = store.view(_point("MAIN"))
        concepts = store.scan(view, "concept")
        descriptions = store.scan(view, "description", ("concept_id",))
        times = store.scan_edit_times(view, PARTS)
        firsts = (next(concepts).id, next(descriptions).id, next(times)[0])
        assert firsts == ("A", "A1", "A")
        assert [c.id for c in concepts] + [d.id for d in descriptions] == ["B", "B1"]
        assert [key for key, _ in times] == ["B"]
    finally:
        engine.dispose()
