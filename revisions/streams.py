"""Reads of every segment's valid rows as one stream in id order, the shallowest of each
component's rows deciding (:func:`~revisions.visibility.deciding`): pages in id order
without a filter (:func:`streamed_page`, :func:`streamed_page_in`, chosen by
:mod:`revisions.read`) and whole-branch passes (:func:`all_visible`). No row is probed per
shown row: a page reads about as many rows as it shows.

How the stream is read differs by driver, not the rule. SQLite's driver reads lazily, so
one statement without a limit (:func:`stream_statement`) is read until the page is full.
PostgreSQL's fetches a whole result, so it reads the stream in batches
(:func:`stream_statement` with ``limited``: every segment's scan and the merge limited to
``:k`` rows); a batch that fills its limit may end inside a component's rows, so its last
component is left to the next batch, which starts after the batch's last whole one and
reads what the page still misses, four times as large at each batch (a long run of deleted
or shadowed components costs a few batches).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, bindparam, literal_column, select, union_all

from revisions.components import ComponentType
from revisions.prepared import DriverStatements
from revisions.records import Component
from revisions.rows import component_maker, shows, to_component
from revisions.visibility import View, deciding, is_excluded, segment_params, valid_in

# The most rows a batch of a PostgreSQL stream reads (batches grow fourfold up to it).
BATCH_MOST = 5_000


def streamed_page(
    connection: Connection, ctype: ComponentType, view: View, after: Any, limit: int
) -> tuple[list[Component], Any]:
    """:func:`~revisions.read.page` without a filter, in id order: the rows valid in each
    segment merged in id order (each read in index order), the shallowest of each
    component's rows deciding (:func:`~revisions.visibility.deciding`), read until
    ``limit`` + 1 are shown. About as many rows are read as the page shows; the per-segment
    scans probe every row of a deeper segment once per shallower one, which made a page on
    a three-segment view 2-2.5x the unversioned baseline on SQLite and 2x on PostgreSQL."""
    if connection.dialect.name != "sqlite":  # a whole result per statement: in batches
        stmt = stream_statement(ctype, len(view.segments), limited=True)
        columns = tuple(column.key for column in stmt.selected_columns)

        def fetch(params: dict[str, Any]) -> Sequence[Sequence[Any]]:
            return connection.execute(stmt, params).all()

        return _batched(fetch, columns, ctype, view, after, limit)
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


def streamed_page_in(
    driver: DriverStatements, ctype: ComponentType, view: View, after: Any, limit: int
) -> tuple[list[Component], Any] | None:
    """:func:`streamed_page` through the driver (:mod:`revisions.prepared`), on PostgreSQL;
    None on SQLite, whose driver would fetch the whole stream: the caller reads it through a
    connection."""
    if driver.dialect == "sqlite":
        return None
    prepared = driver(stream_statement(ctype, len(view.segments), limited=True))
    assert prepared is not None  # no expanding parameter
    return _batched(prepared.rows, prepared.keys, ctype, view, after, limit)


def _batched(
    fetch: Callable[[dict[str, Any]], Sequence[Sequence[Any]]],
    columns: Sequence[str],
    ctype: ComponentType,
    view: View,
    after: Any,
    limit: int,
) -> tuple[list[Component], Any]:
    """:func:`streamed_page` over batches of the limited stream, each ``fetch(params)``'s
    rows as tuples of ``columns``: a first batch of the page and a few rows more (the next
    one, a few shadowed or deleted), then, after its last whole component, one of what the
    page still misses and the same few more, four times as large at each batch."""
    names = ("component_id", "depth", "deleted", "branch_id", "start_ts")
    cid, depth, deleted, branch, start = (columns.index(name) for name in names)
    params = segment_params(view)
    params["after"] = "" if after is None else after  # ids are never empty
    more = 2 + 2 * len(view.segments)  # more than a component's rows: every batch progresses
    growth = 1
    shown: list[Sequence[Any]] = []
    while True:
        size = min((limit - len(shown) + more) * growth, BATCH_MOST)
        params["k"] = size
        rows = fetch(params)
        ended = len(rows) < size
        if not ended:  # the last component's rows may go on in the next batch
            whole = len(rows) - 1
            while rows[whole - 1][cid] == rows[-1][cid]:
                whole -= 1  # a component has a row per segment at most: fewer than ``size``
            rows = rows[:whole]
        for best in deciding(rows, itemgetter(cid), itemgetter(depth)):
            if not best[deleted] and not (
                view.exclude and is_excluded(view, best[branch], best[start])
            ):
                shown.append(best)
                if len(shown) > limit:
                    break
        if ended or len(shown) > limit:
            break
        params["after"] = rows[-1][cid]
        growth *= 4
    make = component_maker(ctype, view, columns)
    items = [make(row) for row in shown[:limit]]
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
def stream_statement(ctype: ComponentType, segments: int, limited: bool = False) -> Any:
    """Every segment's rows valid at its time (tombstones included: they decide too), after
    the bound id, tagged with their depth, in id order; no limit (the reader stops), or
    with ``limited`` the first ``:k`` (each segment's scan limited too, as PostgreSQL takes
    it: the parenthesised members of the union, merged in index order).

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
    if limited:
        parts = [part.order_by(table.c.component_id).limit(bindparam("k")) for part in parts]
    if len(parts) == 1:
        return parts[0] if limited else parts[0].order_by(table.c.component_id)
    union = union_all(*parts).order_by(literal_column("component_id"))
    return union.limit(bindparam("k")) if limited else union
