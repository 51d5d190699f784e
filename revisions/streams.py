"""Reads of every segment's valid rows as one stream in id order, the shallowest of each
component's rows deciding (:func:`~revisions.visibility.deciding`): SQLite's pages in id
order (:func:`streamed_page`, chosen by :func:`revisions.read.page`) and whole-branch passes
(:func:`all_visible`). One statement (:func:`stream_statement`), read lazily: a reader stops
when it has enough, and no row is probed per shown row.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, literal_column, select, union_all

from revisions.components import ComponentType
from revisions.records import Component
from revisions.rows import shows, to_component
from revisions.visibility import View, deciding, is_excluded, segment_params, valid_in


def streamed_page(
    connection: Connection, ctype: ComponentType, view: View, after: Any, limit: int
) -> tuple[list[Component], Any]:
    """:func:`page` on SQLite without a filter: the rows valid in each segment merged in id
    order by SQLite (each read in index order, lazily), the shallowest of each component's
    rows deciding (:func:`~revisions.visibility.deciding`), read until ``limit`` + 1 are
    shown. About as many rows are read as the page shows; the per-segment scans probed
    every row of a deeper segment once per shallower one, which made a page on a
    three-segment view 2-2.5x the unversioned baseline."""
    stmt = stream_statement(ctype, len(view.segments))
    params = segment_params(view)
    params["after"] = "" if after is None else after  # ids are never empty
    shown: list[Mapping[str, Any]] = []
    result = connection.execute(stmt, params).mappings()
    try:
        # A page reads ``limit`` + 1 shown rows and the next one (it closes the last
        # component's group), plus a few shadowed or deleted: one fetch for most pages.
        for row in deciding(batches(result, limit + 2 + 2 * len(view.segments))):
            if shows(view, row):
                shown.append(row)
                if len(shown) > limit:
                    break
    finally:
        result.close()
    items = [to_component(ctype, view, row) for row in shown[:limit]]
    return items, (items[-1].id if len(shown) > limit else None)


def all_visible(connection: Connection, ctype: ComponentType, view: View) -> Iterator[tuple]:
    """Every row ``view`` shows of ``ctype`` (tombstones and excluded rows left out) as a
    plain tuple in the order of ``ctype.table.columns``, in id order: one statement, every
    segment's valid rows merged, the shallowest deciding (:func:`~revisions.visibility.deciding`,
    written out here over tuples: a whole-branch pass of 200,000 rows spent more in mapping
    lookups than in the database). For importers, which compare a whole branch at once."""
    if not view.segments:
        return
    names = [column.name for column in ctype.table.columns]
    cid, branch, start, deleted, depth = (
        names.index("component_id"),
        names.index("branch_id"),
        names.index("start_ts"),
        names.index("deleted"),
        len(names),
    )
    params = segment_params(view)
    params["after"] = ""

    def shown(row: Any) -> bool:
        return not row[deleted] and not (
            view.exclude and is_excluded(view, row[branch], row[start])
        )

    result = connection.execute(stream_statement(ctype, len(view.segments)), params)
    best: Any = None
    try:
        while batch := result.fetchmany(5_000):
            for row in batch:
                if best is not None and row[cid] != best[cid]:
                    if shown(best):
                        yield tuple(best)[:depth]
                    best = None
                if best is None or row[depth] < best[depth]:
                    best = row
        if best is not None and shown(best):
            yield tuple(best)[:depth]
    finally:
        result.close()


def batches(result: Any, first: int) -> Iterator[Mapping[str, Any]]:
    """The rows of ``result``: ``first`` in one fetch, then a quarter as many at a time.
    Row by row cost a driver call each; a second fetch as large as the first read twice
    the rows a page needs when one of them was shadowed."""
    size = first
    while batch := result.fetchmany(size):
        yield from batch
        size = max(8, first // 4)


@functools.cache
def stream_statement(ctype: ComponentType, segments: int) -> Any:
    """Every segment's rows valid at its time (tombstones included: they decide too), after
    the bound id, tagged with their depth, in id order; no limit (the reader stops).

    The bound is there on the first page too (the empty id): with a range on the id, each
    segment is read in the order of its ``(branch_id, component_id, start_ts)`` index; with
    only the time's range SQLite may pick the ``(branch_id, start_ts)`` index and sort the
    whole segment (it did on a store without ``ANALYZE`` statistics).
    """
    table = ctype.table
    parts = [
        select(table, literal_column(str(depth)).label("depth")).where(
            valid_in(table, depth), table.c.component_id > bindparam("after")
        )
        for depth in range(segments)
    ]
    if len(parts) == 1:
        return parts[0].order_by(table.c.component_id)
    return union_all(*parts).order_by(literal_column("component_id"))
