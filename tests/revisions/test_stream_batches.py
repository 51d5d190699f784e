"""PostgreSQL's streamed pages, read in batches (``revisions.streams``).

PostgreSQL's driver fetches a whole result, so a page in id order without a filter reads the
merged stream of every segment's valid rows in limited batches: a batch that fills its limit
may end inside a component's rows, so its last component is left to the next batch, which
starts after the last whole one and reads what the page still misses, four times as large
at each batch. The pages themselves are checked against the reads by id on random histories
in ``test_sqlite_reads.py`` (both databases); here: the batches a long run of deleted
components takes and those of a large page with a few shadowed rows, a component split by a
batch's edge (its rows served deepest first, which the SQL allows), and the statement's
generic plan (each segment read in index order, no sort, no bitmap scan).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Engine, event

from revisions import ReadPoint, RevisionStore, streams
from revisions import read as reads
from revisions.components import TYPES
from revisions.filters import Filter
from revisions.records import Component
from revisions.visibility import View
from tests.revisions.helpers import change, concept, delete, description, mapping

pytestmark = pytest.mark.postgres


def paged_in_batches(
    store: RevisionStore, view: View, limit: int
) -> tuple[list[Component], Any, list[int]]:
    """A page of ``view``'s concepts read through a connection, and the ``k`` of each batch."""
    batches: list[int] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        batches.append(params["k"])

    with store.reading() as connection:
        event.listen(connection, "before_cursor_execute", record)
        items, after = reads.page(connection, TYPES["concept"], view, Filter(), None, limit)
    return items, after, batches


def test_a_run_of_deleted_components_takes_batches_growing_fourfold(
    pg_store: RevisionStore,
) -> None:
    pg_store.commit("MAIN", "u", "many", [concept(f"c{n:03d}") for n in range(300)])
    pg_store.create_branch("MAIN", "t")
    pg_store.commit("MAIN/t", "u", "drop", [delete(f"c{n:03d}") for n in range(200)])
    view = pg_store.view(ReadPoint("MAIN/t"))
    items, after, batches = paged_in_batches(pg_store, view, 2)
    assert ([c.id for c in items], after) == (["c200", "c201"], "c201")
    # 2 shown + 2 + 2 per segment, then fourfold: 200 deleted components are 400 rows.
    assert batches == [8, 32, 128, 512]
    assert reads.page_in(pg_store._driver, TYPES["concept"], view, Filter(), None, 2) == (
        items,
        after,
    )


def test_a_large_page_reads_what_its_first_batch_missed_in_a_small_second_one(
    pg_store: RevisionStore,
) -> None:
    pg_store.commit("MAIN", "u", "many", [concept(f"c{n:04d}") for n in range(1100)])
    pg_store.create_branch("MAIN", "t")
    pg_store.commit("MAIN/t", "u", "edit", [change(f"c{n:04d}", active=False) for n in range(20)])
    view = pg_store.view(ReadPoint("MAIN/t"))
    items, after, batches = paged_in_batches(pg_store, view, 1000)
    assert [c.id for c in items] == [f"c{n:04d}" for n in range(1000)]
    assert [c.fields["active"] for c in items[18:22]] == [False, False, True, True]
    assert after == "c0999"
    # 1,006 rows are the 20 changed concepts' 40 and 966 more: 985 whole ones shown; then
    # the 15 the page misses and 6 more, fourfold (not four times the first batch, 4,024).
    assert batches == [1006, 84]


def test_a_component_split_by_a_batchs_edge_is_decided_in_the_next_batch(
    pg_store: RevisionStore,
) -> None:
    pg_store.commit("MAIN", "u", "eight", [concept(c) for c in "abcdefgh"])
    pg_store.create_branch("MAIN", "t")
    pg_store.commit(
        "MAIN/t", "u", "edit", [delete("a"), delete("b"), delete("c"), change("d", active=False)]
    )
    view = pg_store.view(ReadPoint("MAIN/t"))
    ctype = TYPES["concept"]
    stmt = streams.stream_statement(ctype, 2, limited=True)
    columns = tuple(column.key for column in stmt.selected_columns)
    fetched: list[list[str]] = []

    def deepest_first(params: dict[str, Any]) -> list[Any]:
        # The SQL orders by id only: a component's rows may come in any order, and the
        # limit may cut between them. Read past the limit, put them deepest first, then cut.
        with pg_store.reading() as connection:
            rows = connection.execute(stmt, {**params, "k": params["k"] + 2}).all()
        rows.sort(key=lambda row: (row.component_id, -row.depth))
        rows = rows[: params["k"]]
        fetched.append([f"{row.component_id}{row.depth}" for row in rows])
        return rows

    items, after = streams._batched(deepest_first, columns, ctype, view, None, 1)
    # The first batch (1 shown + 2 + 2 per segment = 7 rows) ends with d's row on MAIN;
    # decided on it alone, d would show as MAIN has it.
    assert fetched[0] == ["a1", "a0", "b1", "b0", "c1", "c0", "d1"]
    assert [(c.id, c.fields["active"], c.branch) for c in items] == [("d", False, "MAIN/t")]
    assert after == "d"


@pytest.mark.parametrize("segments", [1, 2, 3, 4])
def test_the_batches_read_each_segment_in_index_order_under_a_generic_plan(
    pg_store: RevisionStore, postgres_engine: Engine, segments: int
) -> None:
    numbers = range(2000)
    content = [concept(f"c{n:04d}") for n in numbers]
    content += [description(f"d{n:04d}", f"c{n:04d}") for n in numbers]
    content += [mapping(f"m{n:04d}", f"c{n:04d}", "c0000") for n in numbers]
    pg_store.commit("MAIN", "u", "many", content)
    pg_store.create_branch("MAIN", "t")
    pg_store.commit("MAIN/t", "u", "few", [change("c0001", active=False)])
    with postgres_engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    for type_name, ctype in TYPES.items():
        sql = str(streams.stream_statement(ctype, segments, limited=True).compile(postgres_engine))
        names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", sql)))
        numbered = sql
        for i, name in enumerate(names, 1):
            numbered = numbered.replace(f"%({name})s", f"${i}")
        values = {"after": "''", "k": "8"} | {f"b{d}": str(d + 1) for d in range(segments)}
        values |= {f"u{d}": "10" for d in range(segments)}
        with postgres_engine.connect() as connection:
            connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            connection.exec_driver_sql(f"PREPARE batch AS {numbered}")
            plan = connection.exec_driver_sql(
                f"EXPLAIN EXECUTE batch({', '.join(values[n] for n in names)})"
            ).scalars()
            nodes = [line.strip().removeprefix("->  ").split("  (")[0] for line in plan]
            connection.invalidate()  # its setting and statement go with it, not to the pool
        index = f"uq_{ctype.table.name}_branch_component_start"
        scans = [n for n in nodes if "Scan" in n]
        assert len(scans) == segments, (type_name, nodes)
        assert all(n.startswith(f"Index Scan using {index} on ") for n in scans), nodes
        assert not [n for n in nodes if n == "Sort" or n.startswith(("Incr", "Bitmap"))], nodes
