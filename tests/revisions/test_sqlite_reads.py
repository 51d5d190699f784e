"""Pages read as one stream, and SQLite reads that keep their prepared statements.

A page in id order without a filter merges every segment's valid rows in id order, the
shallowest row of each component deciding (``revisions.visibility.deciding``): on SQLite one
statement read lazily, on PostgreSQL in batches (``test_stream_batches.py``); filtered pages
keep one limited scan per segment. Pages of every size equal the reads by id on random
histories on both databases; the edge cases of the stream (a page ending at a shadowed row,
tombstones at its edge) have their own cases; on SQLite the stream reads each segment in
index order (no sort of a whole segment), and a read leaves its pooled connection as it
found it (resetting it ran a PRAGMA that expired every prepared statement, so each read
compiled its SQL again).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from revisions import ManualClock, ReadPoint, RevisionStore, make_engine
from revisions.components import TYPES
from revisions.streams import stream_statement
from revisions.visibility import deciding
from tests.revisions.helpers import change, concept, delete, ids, paged
from tests.revisions.random_content import CONCEPTS, DESCRIPTIONS, MAPPINGS, Content

POOLS = {"concept": CONCEPTS, "description": DESCRIPTIONS, "mapping": MAPPINGS}


@pytest.fixture
def sqlite_store(
    sqlite_template: Path, tmp_path: Path, clock: ManualClock
) -> Iterator[RevisionStore]:
    path = tmp_path / "snowpath.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    store = RevisionStore(engine, clock)
    store.initialize()
    yield store
    engine.dispose()


@pytest.mark.parametrize("seed", range(4))
def test_pages_of_every_size_equal_the_reads_by_id(
    store: RevisionStore, clock: ManualClock, seed: int
) -> None:
    content = Content.grown(store, clock, seed)
    for point in content.points():
        view = store.view(point)
        for type_name, pool in POOLS.items():
            shown = store.get_many(view, type_name, pool)
            expected = [shown[cid] for cid in sorted(shown)]
            for limit in (1, 2, 3, 10_000):
                assert paged(store, view, type_name, limit) == expected, (point, limit)


def test_a_page_ending_at_a_shadowed_row_continues_after_it(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "four", [concept(c) for c in "abcde"])
    store.create_branch("MAIN", "t")
    store.commit("MAIN/t", "u", "shadow", [change("b", active=False), delete("c")])
    for limit in (1, 2):
        items = paged(store, ReadPoint("MAIN/t"), "concept", limit)
        assert [(c.id, c.fields["active"], c.branch) for c in items] == [
            ("a", True, "MAIN"),
            ("b", False, "MAIN/t"),
            ("d", True, "MAIN"),
            ("e", True, "MAIN"),
        ]
    page = store.page(ReadPoint("MAIN/t"), "concept", limit=2)
    assert ([c.id for c in page.items], page.next_after) == (["a", "b"], "b")
    page = store.page(ReadPoint("MAIN/t"), "concept", after="b", limit=1)
    assert ([c.id for c in page.items], page.next_after, page.total) == (["d"], "d", 4)


def test_a_page_whose_last_rows_are_tombstones_promises_nothing_more(
    store: RevisionStore,
) -> None:
    store.commit("MAIN", "u", "three", [concept(c) for c in "abc"])
    store.create_branch("MAIN", "t")
    store.commit("MAIN/t", "u", "drop", [delete("b"), delete("c")])
    page = store.page(ReadPoint("MAIN/t"), "concept", limit=1)
    assert ([c.id for c in page.items], page.next_after) == (["a"], None)
    assert ids(store, "MAIN/t") == ["a"]


@pytest.mark.parametrize("segments", [1, 2, 3, 4])
@pytest.mark.parametrize("analyzed", [False, True])
def test_the_stream_reads_each_segment_in_index_order(
    sqlite_store: RevisionStore, segments: int, analyzed: bool
) -> None:
    if analyzed:  # statistics of a branch with many rows and one with few
        sqlite_store.commit("MAIN", "u", "many", [concept(f"c{n:04d}") for n in range(2000)])
        sqlite_store.create_branch("MAIN", "t")
        sqlite_store.commit("MAIN/t", "u", "few", [change("c0001", active=False)])
        with sqlite_store.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    for type_name, ctype in TYPES.items():
        compiled = stream_statement(ctype, segments).compile(sqlite_store.engine)
        params = {f"b{d}": d + 1 for d in range(segments)}
        params |= {f"u{d}": 10 for d in range(segments)}
        params["after"] = ""
        with sqlite_store.engine.connect() as connection:
            plan = connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}", tuple(params[n] for n in compiled.positiontup)
            ).all()
        steps = [row[-1] for row in plan]
        searches = [s for s in steps if s.startswith(("SEARCH", "SCAN"))]
        index = f"uq_{ctype.table.name}_branch_component_start"
        assert len(searches) == segments, (type_name, steps)
        assert all(index in s for s in searches), (type_name, steps)
        assert not [s for s in steps if "TEMP B-TREE" in s], (type_name, steps)


def test_reads_leave_their_connection_as_they_found_it(sqlite_store: RevisionStore) -> None:
    sqlite_store.commit("MAIN", "u", "two", [concept("a"), concept("b", parents=["a"])])
    traced: list[str] = []
    with sqlite_store.engine.connect() as connection:
        connection.connection.driver_connection.set_trace_callback(traced.append)
    for _ in range(2):
        assert sqlite_store.get(ReadPoint("MAIN"), "concept", "b").fields["parents"] == ["a"]
        assert [c.id for c in sqlite_store.page(ReadPoint("MAIN"), "concept").items] == ["a", "b"]
    assert traced, "the reads used the traced connection"
    assert not [sql for sql in traced if "PRAGMA" in sql.upper()], traced


def test_deciding_takes_each_components_shallowest_row_whatever_the_order_of_its_rows() -> None:
    rows = [("a", 2), ("a", 0), ("a", 1), ("b", 1), ("c", 0), ("c", 2)]
    stream = [{"component_id": cid, "depth": depth} for cid, depth in rows]
    decided = [(row["component_id"], row["depth"]) for row in deciding(stream)]
    assert decided == [("a", 0), ("b", 1), ("c", 0)]


def test_deciding_reads_one_row_past_the_component_it_yields() -> None:
    def stream() -> Iterator[dict]:
        yield {"component_id": "a", "depth": 1}
        yield {"component_id": "a", "depth": 0}
        yield {"component_id": "b", "depth": 0}
        raise AssertionError("read past the first row of the next component")

    assert next(deciding(stream())) == {"component_id": "a", "depth": 0}
