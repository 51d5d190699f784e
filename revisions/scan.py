"""Whole-view scans, streamed: every component of one type that a view shows, in the order of
given columns, read by one statement through a server-side cursor (PostgreSQL), so memory
holds one batch of rows whatever the view's size.

For readers of a whole version (the exports) where pages (a keyset window per call) and
reads by id (an index probe per id) would cost a statement per batch and a probe per row.
The rule is :mod:`revisions.visibility`'s, built from its blocks: per segment the rows valid
at its time (:func:`~revisions.visibility.valid_in`), not tombstones, not decided by a
shallower segment (:func:`~revisions.visibility.not_decided_above` in its hashed form, made
for whole-segment scans), not written at a point a range's left side sees
(:func:`~revisions.visibility.not_excluded`). Segments that hold no row of the type are left
out first (:class:`~revisions.visibility.SegmentRows`). Every component's edit times, in the
same streamed way, are :func:`revisions.history.edit_times_in_order`.

On PostgreSQL the rows come from the driver's own server-side cursor (:func:`batches`), as
the driver's tuples: SQLAlchemy's result layer (a ``Row`` per row, its processors) cost
three times the driver's fetching (540,000 rows: 1.34 against 0.35 CPU-seconds), and the
driver already gives every value as the store reads it (``jsonb`` through the engine's
``json_deserializer``, which SQLAlchemy's dialect sets on each connection).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, false, literal_column, select, union_all

from revisions.components import ComponentType
from revisions.records import Component, Stored
from revisions.rows import component_maker, stored_maker
from revisions.visibility import (
    Segment,
    SegmentRows,
    View,
    not_decided_above,
    not_excluded,
    segment_params,
    valid_in,
)

# Rows fetched per round trip of a streamed statement.
BATCH = 5_000
T = TypeVar("T")
_CURSORS = itertools.count()
# Memory for a scan's sorts on PostgreSQL: the distinct (id, time) pairs of a whole version's
# edit times (350,000 concepts: 34 MB, 500,000 mappings: 44 MB) sort in memory instead of
# spilling to disk at the default 4 MB (0.9 s against 1.4 s measured).
SORT_MEMORY = "64MB"  # names of the driver's server-side cursors


@contextmanager
def streaming(engine: Engine) -> Iterator[Connection]:
    """A connection whose results stream in batches of :data:`BATCH` rows. On PostgreSQL a
    transaction of its own (server-side cursors are declared only in one), rolled back at
    the end: a scan writes nothing; its sorts get :data:`SORT_MEMORY`. On SQLite none (each
    statement reads one snapshot of its own; a view's rows never change): the in-memory
    store's single connection then serves several scans at once, where each one's ``BEGIN``
    would meet the other's."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        elif engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        yield connection.execution_options(stream_results=True, yield_per=BATCH)


def component_of(ctype: ComponentType, view: View) -> Callable[[Sequence[Any]], Component]:
    """For :func:`made`: a row as the :class:`Component` ``view`` shows."""
    return component_maker(ctype, view, _columns(ctype))


def stored_of(ctype: ComponentType, view: View) -> Callable[[Sequence[Any]], Stored]:
    """For :func:`made`: a row as :class:`Stored`, what writers of content such as the
    exports need (no branch, no release: half the time per row of a :class:`Component`)."""
    return stored_maker(ctype, _columns(ctype))


def made(
    make: Callable[[Sequence[Any]], T],
    connection: Connection,
    segment_rows: SegmentRows,
    ctype: ComponentType,
    view: View,
    order: tuple[str, ...] = (),
) -> Iterator[T]:
    """Every component of ``ctype`` that ``view`` shows, ordered by the columns ``order``
    then by id, streamed: what ``make`` (:func:`component_of`, :func:`stored_of`) makes of
    each row (the columns of ``ctype``'s table, in the table's order)."""
    view = segment_rows.with_rows(connection, view, ctype.table)
    if not view.segments:
        return
    stmt = _statement(ctype, len(view.segments), view.exclude, (*order, "component_id"))
    for rows in batches(connection, stmt, segment_params(view)):
        yield from map(make, rows)


def _columns(ctype: ComponentType) -> list[str]:
    return [column.name for column in ctype.table.columns]


def batches(
    connection: Connection, statement: Any, params: dict[str, Any]
) -> Iterator[Sequence[Sequence[Any]]]:
    """The rows of ``statement`` in batches of :data:`BATCH`, each row a sequence of its
    selected columns: on PostgreSQL the driver's tuples from a server-side cursor of its
    own (in the transaction :func:`streaming` opened), elsewhere SQLAlchemy's rows."""
    if connection.dialect.name != "postgresql":
        with connection.execute(statement, params) as result:
            yield from result.partitions()
        return
    compiled = statement.compile(dialect=connection.dialect)
    driver = connection.connection.driver_connection
    with driver.cursor(name=f"scan_{next(_CURSORS)}") as cursor:
        cursor.execute(str(compiled), compiled.construct_params(params))
        while rows := cursor.fetchmany(BATCH):
            yield rows


@functools.lru_cache(maxsize=64)
def _statement(
    ctype: ComponentType, segments: int, exclude: tuple[Segment, ...], order: tuple[str, ...]
) -> Any:
    """Per segment depth, the live rows valid there that no shallower segment decides; the
    union of those in ``order``. Segments are bound by depth, so one statement serves every
    view of the shape."""
    table = ctype.table
    excluded = not_excluded(table, View((), exclude))
    where = [table.c.deleted == false(), *([] if excluded is None else [excluded])]
    parts = [
        select(table).where(valid_in(table, depth), *where, *not_decided_above(table, range(depth)))
        for depth in range(segments)
    ]
    if len(parts) == 1:
        return parts[0].order_by(*(table.c[name] for name in order))
    return union_all(*parts).order_by(*(literal_column(name) for name in order))
