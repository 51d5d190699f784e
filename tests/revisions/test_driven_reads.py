"""Reads of a resolved view through the driver answer as the reads through a connection.

A read by id or a page of a :class:`~revisions.visibility.View` runs its statement through
the driver (``revisions.read.lookup_in``, ``get_many_in`` and ``page_in``,
``revisions.prepared``); a read point goes through a SQLAlchemy connection (``read.lookup``,
``read.get_many``, ``read.page``). On random
histories, at every read point (heads, past times, base points, ranges), both give the
same components, tombstones, shadowed rows and left-out ranges included; the pages the
driver does not take (ranges, release filters, lists of ids) fall back to the connection.
"""

from __future__ import annotations

import pytest

from revisions import ManualClock, RevisionStore
from revisions import read as reads
from revisions.components import TYPES
from revisions.filters import Filter
from revisions.records import Order
from revisions.visibility import View
from tests.revisions.helpers import paged
from tests.revisions.random_content import CONCEPTS, DESCRIPTIONS, MAPPINGS, Content

POOLS = {"concept": CONCEPTS, "description": DESCRIPTIONS, "mapping": MAPPINGS}
PAGES = [
    ("concept", Filter(), None),
    ("concept", Filter.of(active=True), None),
    ("concept", Filter(), Order("module_id")),
    ("description", Filter.of(language_code="en"), Order("term", descending=True)),
    ("mapping", Filter(), Order("sort_weight")),
    ("concept", Filter.of(["c01", "c02", "c07"]), None),
]


def through_connection(store: RevisionStore, view: View, type_name: str, cid: str) -> object:
    with store.reading() as connection:
        return reads.lookup(connection, TYPES[type_name], view, cid)[1]


def paged_through_connection(
    store: RevisionStore, view: View, type_name: str, filter_: Filter, order: Order | None
) -> list:
    found, after = [], None
    with store.reading() as connection:
        while True:
            items, after = reads.page(connection, TYPES[type_name], view, filter_, after, 2, order)
            found += items
            if after is None:
                return found


@pytest.mark.parametrize("seed", range(3))
def test_reads_by_ids_of_a_view_equal_those_through_a_connection(
    store: RevisionStore, clock: ManualClock, seed: int
) -> None:
    content = Content.grown(store, clock, seed)
    for point in content.points():
        view = store.view(point)
        for type_name, pool in POOLS.items():
            for cid in [*pool, "nothing"]:
                expected = through_connection(store, view, type_name, cid)
                found = store.lookup(view, type_name, cid)[1] if expected else None
                assert found == expected, (point, cid)
                if expected is None:
                    assert reads.lookup_in(store._driver, TYPES[type_name], view, cid) is None
            ids = [*pool, "nothing", pool[0]]  # many at once, an unknown and a repeated one
            with store.reading() as connection:
                expected_many = reads.get_many(connection, TYPES[type_name], view, ids)
            assert store.get_many(view, type_name, ids) == expected_many, point
            assert store.get_many(point, type_name, ids) == expected_many, point


def test_many_ids_go_through_the_driver_on_postgresql_only(
    store: RevisionStore, clock: ManualClock
) -> None:
    view = store.view(Content.grown(store, clock, 0).points()[0])
    driven = reads.get_many_in(store._driver, TYPES["concept"], view, CONCEPTS)
    if store.engine.dialect.name == "sqlite":  # an expanding IN list: through a connection
        assert driven is None
    else:
        assert driven is not None
        assert set(driven) <= set(CONCEPTS)
        with store.reading() as connection:  # the same components as through a connection
            assert driven == reads.get_many(connection, TYPES["concept"], view, CONCEPTS)
        assert driven  # the grown content shows some of them
    assert reads.get_many_in(store._driver, TYPES["concept"], view, []) == {}


@pytest.mark.parametrize("seed", range(3))
def test_pages_of_a_view_equal_those_through_a_connection(
    store: RevisionStore, clock: ManualClock, seed: int
) -> None:
    content = Content.grown(store, clock, seed)
    for point in content.points():
        view = store.view(point)
        for type_name, filter_, order in PAGES:
            expected = paged_through_connection(store, view, type_name, filter_, order)
            found = paged(store, view, type_name, 2, filter_, order)
            assert found == expected, (point, filter_)


def test_a_page_of_many_ids_is_not_kept(store: RevisionStore, clock: ManualClock) -> None:
    # each kept statement holds its filter: 512 lists of 70,000 ids would be gigabytes
    view = store.view(Content.grown(store, clock, 0).points()[0])
    many = Filter.of([*CONCEPTS, *(f"x{i}" for i in range(reads.KEPT_IDS_MOST))])
    before = reads._cached_page.cache_info()
    page = store.page(view, "concept", many, limit=5)
    assert reads._cached_page.cache_info()[:2] == before[:2]  # neither found nor made
    with store.reading() as connection:
        assert (page.items, page.next_after) == reads.page(
            connection, TYPES["concept"], view, many, None, 5
        )


def test_pages_the_driver_cannot_take_fall_back(store: RevisionStore, clock: ManualClock) -> None:
    view = store.view(Content.grown(store, clock, 0).points()[0])
    concept = TYPES["concept"]
    ranged = View(view.segments, view.segments, view.paths)
    released = Filter.of(effective_time="20240101")
    for v, f in ((ranged, Filter()), (view, released)):
        assert reads.page_in(store._driver, concept, v, f, None, 5) is None
    # ids are bound as one array (filters.one_of), no expanding list: the driver takes them
    by_ids = Filter.of(["c01", "c02", "c03"])
    driven = reads.page_in(store._driver, concept, view, by_ids, None, 5)
    with store.reading() as connection:
        assert driven == reads.page(connection, concept, view, by_ids, None, 5)
    if store.engine.dialect.name == "sqlite":  # streamed there: one merged scan
        assert reads.page_in(store._driver, concept, view, Filter(), None, 5) is None
    else:
        assert reads.page_in(store._driver, concept, view, Filter(), None, 5) is not None
