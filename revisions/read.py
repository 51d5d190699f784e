"""Reads over a :class:`~revisions.visibility.View`: by id, pages in id order, exact totals.

A page is one statement: per segment a keyset scan (``component_id > after`` in index
order, limited) of the rows valid at its time, minus the ids a shallower segment decides
(``NOT EXISTS``), and the union of those in id order, limited again. Its cost does not grow
with paging depth or history length. Statements are built once per shape and bind the
view's branch ids and times by name, so the database sees the same SQL text every time.
A page of up to 1,000 in id order without a filter is one stream instead
(:mod:`revisions.streams`): every segment's valid rows merged in id order, the shallowest of
each component's rows deciding, read until the page is full (no probe per row). Rows become
records in :mod:`revisions.rows`. A resolved view's reads by id, of many ids and most pages
also run through the driver (``*_in``, :mod:`revisions.prepared`).

A view's exact total can be counted from the view below its shallowest segment when that
segment holds few rows (:func:`count_above`; the store decides, caching counts).

A page in the order of a content field (:class:`~revisions.records.Order`) has the same
shape, each segment sorting its matching rows by (blank, value, id) after the key of the
last one shown; without an index per field that reads every matching row of each segment.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    RowMapping,
    String,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)

from revisions import db, schema
from revisions.components import ComponentType
from revisions.errors import InvalidRequest
from revisions.filters import Filter, one_of
from revisions.prepared import DriverStatements
from revisions.records import Component, Order
from revisions.rows import component_maker, shows, to_component
from revisions.streams import streamed_page, streamed_page_in
from revisions.visibility import (
    View,
    is_excluded,
    not_decided_above,
    not_excluded,
    segment_params,
    shallowest,
    shallowest_of,
    valid_in,
)

CHUNK = 500  # ids per IN list


@functools.cache
def _by_ids_statement(
    ctype: ComponentType, segments: int, dialect: str, single: bool = False
) -> Any:
    """Rows of given ids valid in each of ``segments`` segments, tagged with their depth.

    Built once per shape; branch ids, times and ids are bound at execution, which spares
    the construction and compilation cost on the hottest path (get by id). With ``single``
    one bound id (``id``). Otherwise on PostgreSQL the ids travel as one array, so the SQL
    text never changes and the server can keep the statement prepared; elsewhere they are
    an expanding ``IN`` list (``ids``), which SQLAlchemy renders anew at every execution (a
    read by id on SQLite went from 2.12x to 1.90x the unversioned baseline with ``single``).
    """
    table = ctype.table
    if single:
        matches = table.c.component_id == bindparam("id")
    elif dialect == "postgresql":
        matches = table.c.component_id == any_(bindparam("ids", type_=ARRAY(String)))
    else:
        matches = table.c.component_id.in_(bindparam("ids", expanding=True))
    parts = [
        select(table, literal_column(str(depth)).label("depth")).where(
            valid_in(table, depth), matches
        )
        for depth in range(segments)
    ]
    return parts[0] if len(parts) == 1 else union_all(*parts)


@functools.cache
def _lookup_statement(ctype: ComponentType, segments: int, dialect: str) -> Any:
    """:func:`_by_ids_statement` of one id beside the store's clock (``clock_ts``): at
    least one row, the clock alone when no segment has the id."""
    rows = _by_ids_statement(ctype, segments, dialect, single=True).subquery("r")
    clock = schema.store_clock
    return (
        select(clock.c.last_ts.label("clock_ts"), *rows.c)
        .select_from(clock.outerjoin(rows, true()))
        .where(clock.c.id == 1)
    )


def lookup(
    connection: Connection, ctype: ComponentType, view: View, component_id: str
) -> tuple[int, Component | None]:
    """The component the view shows under this id (None if none), and the store clock as
    the same statement saw it (see :class:`~revisions.visibility.HeadViews`)."""
    if not view.segments:  # a view of nothing (no statement has zero legs)
        return db.last_timestamp(connection), None
    dialect = connection.dialect.name
    stmt = _lookup_statement(ctype, len(view.segments), dialect)
    params = segment_params(view)
    params["id"] = component_id
    clock, best = 0, None
    for row in connection.execute(stmt, params).mappings():
        clock = row["clock_ts"]
        if row["component_id"] is not None and shallowest(best, row):
            best = row
    if best is None or not shows(view, best):
        return clock, None
    return clock, to_component(ctype, view, best)


def lookup_in(
    driver: DriverStatements, ctype: ComponentType, view: View, component_id: str
) -> Component | None:
    """The component the view shows under this id (None if none): :func:`lookup` without
    the clock, one statement run through the driver (:mod:`revisions.prepared`)."""
    if not view.segments:
        return None
    prepared = driver(_by_ids_statement(ctype, len(view.segments), driver.dialect, single=True))
    assert prepared is not None  # no expanding parameter: one bound id
    params = segment_params(view)
    params["id"] = component_id
    rows = prepared.rows(params)
    if not rows:
        return None
    columns = prepared.keys
    best = shallowest_of(rows, columns.index("depth"))
    deleted, branch, start = (columns.index(n) for n in ("deleted", "branch_id", "start_ts"))
    if best[deleted] or is_excluded(view, best[branch], best[start]):
        return None
    return component_maker(ctype, view, columns)(best)


def get_many_in(
    driver: DriverStatements, ctype: ComponentType, view: View, ids: Iterable[str]
) -> dict[str, Component] | None:
    """:func:`get_many` through the driver (:mod:`revisions.prepared`): the ids as one array,
    a statement per :data:`CHUNK`, rows as tuples. None where the ids are an expanding ``IN``
    list (SQLite): the caller reads those through a connection with :func:`get_many`."""
    id_list = sorted(set(ids)) if view.segments else []
    if not id_list:
        return {}
    prepared = driver(_by_ids_statement(ctype, len(view.segments), driver.dialect))
    if prepared is None:
        return None
    columns = prepared.keys
    cid, depth, deleted, branch, start = (
        columns.index(name)
        for name in ("component_id", "depth", "deleted", "branch_id", "start_ts")
    )
    found: dict[str, Sequence[Any]] = {}
    params = segment_params(view)
    for first in range(0, len(id_list), CHUNK):
        params["ids"] = id_list[first : first + CHUNK]
        for row in prepared.rows(params):
            current = found.get(row[cid])
            if current is None or row[depth] < current[depth]:  # the shallowest decides
                found[row[cid]] = row
    make = component_maker(ctype, view, columns)
    return {
        key: make(row)
        for key, row in found.items()
        if not row[deleted] and not is_excluded(view, row[branch], row[start])
    }


def visible_rows(
    connection: Connection, ctype: ComponentType, view: View, ids: Iterable[str]
) -> dict[str, RowMapping]:
    """The deciding revision row (tombstones included) of each id that has one in ``view``."""
    found: dict[str, RowMapping] = {}
    id_list = sorted(set(ids)) if view.segments else []
    if not id_list:
        return found
    stmt = _by_ids_statement(ctype, len(view.segments), connection.dialect.name)
    params = segment_params(view)
    for start in range(0, len(id_list), CHUNK):
        params["ids"] = id_list[start : start + CHUNK]
        for row in connection.execute(stmt, params).mappings():
            if shallowest(found.get(row["component_id"]), row):
                found[row["component_id"]] = row
    return found


def get_many(
    connection: Connection, ctype: ComponentType, view: View, ids: Iterable[str]
) -> dict[str, Component]:
    """The components with these ids that the view shows."""
    rows = visible_rows(connection, ctype, view, ids)
    return {cid: to_component(ctype, view, row) for cid, row in rows.items() if shows(view, row)}


SORTABLE_KINDS = ("str", "number", "bool")


def check_order(ctype: ComponentType, order: Order | None) -> None:
    """Refuse an order on a field ``ctype`` does not have or cannot sort (lists, objects)."""
    if order is None:
        return
    kinds = {f.name: f.kind for f in ctype.fields}
    if kinds.get(order.field) not in SORTABLE_KINDS:
        raise InvalidRequest(f"Cannot sort {ctype.name}s by '{order.field}'.")


def page(
    connection: Connection,
    ctype: ComponentType,
    view: View,
    filter_: Filter,
    after: Any,
    limit: int,
    order: Order | None = None,
) -> tuple[list[Component], Any]:
    """Up to ``limit`` components after ``after`` in id order, or with ``order`` in its
    order (``after`` then is the (value, id) key of the last one shown), and the key to
    continue from (None when nothing follows)."""
    if not view.segments or limit <= 0:
        return [], None
    dialect = connection.dialect.name
    if _streams(filter_, order, limit):
        return streamed_page(connection, ctype, view, after, limit)
    after_blank = order is not None and after is not None and after[0] is None
    stmt = _page_statement(ctype, view, filter_, dialect, after is not None, order, after_blank)
    rows = connection.execute(stmt, _page_params(view, after, limit, order)).mappings().all()
    items = [to_component(ctype, view, row) for row in rows[:limit]]
    return items, _next_key(items, len(rows) > limit, order)


def page_in(
    driver: DriverStatements,
    ctype: ComponentType,
    view: View,
    filter_: Filter,
    after: Any,
    limit: int,
    order: Order | None = None,
) -> tuple[list[Component], Any] | None:
    """:func:`page` through the driver (:mod:`revisions.prepared`), for the pages whose
    statement is built once per shape, and the streamed ones on PostgreSQL
    (:func:`~revisions.streams.streamed_page_in`); None for the others (ranges, filters on
    release, SQLite's streamed pages): the caller reads those through a connection with
    :func:`page`."""
    if not view.segments or limit <= 0:
        return [], None
    if _built_per_view(view, filter_):
        return None
    if _streams(filter_, order, limit):
        return streamed_page_in(driver, ctype, view, after, limit)
    after_blank = order is not None and after is not None and after[0] is None
    shape = (after is not None, order, after_blank)
    prepared = driver(_cached_page(ctype, len(view.segments), shape, filter_, driver.dialect))
    if prepared is None:
        return None
    rows = prepared.rows(_page_params(view, after, limit, order))
    make = component_maker(ctype, view, prepared.keys)
    items = [make(row) for row in rows[:limit]]
    return items, _next_key(items, len(rows) > limit, order)


def _page_params(view: View, after: Any, limit: int, order: Order | None) -> dict[str, Any]:
    """A page statement's bound values: the view's segments, one row past ``limit`` (to
    know whether more follow), and the key to continue after."""
    params = segment_params(view)
    params["limit"] = limit + 1
    if after is not None and order is None:
        params["after"] = after
    elif after is not None:
        params["after_value"], params["after_id"] = after
    return params


def _next_key(items: list[Component], more: bool, order: Order | None) -> Any:
    """The key a page's next one continues after: None when nothing follows."""
    if not more:
        return None
    last = items[-1]
    return last.id if order is None else (last.fields[order.field], last.id)


def _streams(filter_: Filter, order: Order | None, limit: int) -> bool:
    """Whether a page is read as one stream of every segment's rows
    (:func:`~revisions.streams.streamed_page`): in id order, unfiltered, up to
    :data:`STREAMED_MOST` items. A filter needs the per-segment scans, which test it in
    SQL (a shallower revision the filter rejects still decides); and for large pages the
    stream's rows, decided one by one in Python, cost more than the scans' probes (SQLite,
    10,000 concepts: 308 ms against 263 ms; 1,000: 15 ms against 21 ms; 200: 1.4 ms
    against 6.0 ms)."""
    return order is None and limit <= STREAMED_MOST and filter_ == _NO_FILTER


STREAMED_MOST = 1_000
_NO_FILTER = Filter()


def _page_statement(
    ctype: ComponentType,
    view: View,
    filter_: Filter,
    dialect: str,
    has_after: bool,
    order: Order | None = None,
    after_blank: bool = False,
) -> Any:
    shape = (has_after, order, after_blank)
    if _built_per_view(view, filter_):
        predicates = filter_.predicates(ctype, view, dialect)
        excluded = not_excluded(ctype.table, view)
        if excluded is not None:
            predicates.append(excluded)
        return _build_page(ctype, len(view.segments), shape, predicates, dialect)
    return _cached_page(ctype, len(view.segments), shape, filter_, dialect)


# Past this many ids in a filter a page's statement is built for its read, not kept: each
# kept statement holds its filter (and the driver's copy of it), and 512 kept lists of
# 70,000 ids would hold gigabytes.
KEPT_IDS_MOST = 1_000


def _built_per_view(view: View, filter_: Filter) -> bool:
    """Whether a page's statement holds the view's own values (a range's left side, the
    releases an effective-time filter names), or ids too many to keep, so it is built for
    each read."""
    many = filter_.ids is not None and len(filter_.ids) > KEPT_IDS_MOST
    return bool(view.exclude) or filter_.effective_time is not None or many


@functools.lru_cache(maxsize=512)
def _cached_page(
    ctype: ComponentType, segments: int, shape: tuple, filter_: Filter, dialect: str
) -> Any:
    """Statements whose shape and literals depend only on the arguments (no view data)."""
    predicates = filter_.predicates(ctype, View(()), dialect)
    return _build_page(ctype, segments, shape, predicates, dialect)


def _build_page(
    ctype: ComponentType, segments: int, shape: tuple, predicates: list, dialect: str
) -> Any:
    """The first ``:limit`` visible matching rows in id order (or an :class:`Order`'s: then
    every segment's scan sorts what it finds), in one statement.

    Per segment: a keyset scan of the rows valid at its time that match, minus those a
    shallower segment decides (``NOT EXISTS`` a revision valid there; tombstones and rows
    the filter rejects decide too), limited; the union of those, limited again.

    PostgreSQL takes the limited scans as parenthesised members of the union; SQLite wants
    each wrapped in a subquery, which repeats the column list twice more. The short form
    matters: psycopg caches its conversion of a statement only up to 4,096 characters, and
    converting a three-segment page of the long form cost 0.5 ms a call.
    """
    has_after, order, after_blank = shape
    table = ctype.table
    shadow = table.alias("shallower")
    where = list(predicates)
    if has_after:
        where.append(_after(table, order, after_blank))
    extra, scan_order, union_order = _sort_keys(table, order)
    parts = []
    for depth in range(segments):
        hidden = not_decided_above(table, range(depth), shadow)
        parts.append(
            select(table, literal_column(str(depth)).label("depth"), *extra)
            .where(valid_in(table, depth), *where, *hidden)
            .order_by(*scan_order)
            .limit(bindparam("limit"))
        )
    if len(parts) == 1:
        return parts[0]
    if dialect == "postgresql":
        return union_all(*parts).order_by(*union_order).limit(bindparam("limit"))
    union = union_all(*(select(part.subquery()) for part in parts)).subquery()
    return select(union).order_by(*union_order).limit(bindparam("limit"))


def _sort_keys(table: Any, order: Order | None) -> tuple[list[Any], list[Any], list[Any]]:
    """What a segment's scan selects beyond the row, its ORDER BY, and the union's ORDER BY
    (by output names): id order, or the blank flag (selected, as ``sort_blank``), the field
    and the id."""
    if order is None:
        return [], [table.c.component_id], [literal_column("component_id")]
    value = table.c[order.field]
    blank = case((value.is_(None), 1), else_=0)
    named = literal_column(order.field)
    return (
        [blank.label("sort_blank")],
        [blank, value.desc() if order.descending else value, table.c.component_id],
        [
            literal_column("sort_blank"),
            named.desc() if order.descending else named,
            literal_column("component_id"),
        ],
    )


def _after(table: Any, order: Order | None, after_blank: bool) -> Any:
    """Rows after the bound key: ``after`` in id order; with an order, after the
    (``after_value``, ``after_id``) key, blanks last."""
    later_id = table.c.component_id > bindparam("after_id" if order else "after")
    if order is None:
        return later_id
    value = table.c[order.field]
    if after_blank:
        return and_(value.is_(None), later_id)
    bound = bindparam("after_value")
    beyond = value < bound if order.descending else value > bound
    return or_(value.is_(None), beyond, and_(value == bound, later_id))


def count(connection: Connection, ctype: ComponentType, view: View, filter_: Filter) -> int:
    """Exactly how many components the view shows that match the filter."""
    table = ctype.table
    predicates = filter_.predicates(ctype, view, connection.dialect.name)
    excluded = not_excluded(table, view)
    if excluded is not None:
        predicates.append(excluded)
    total = 0
    for depth, segment in enumerate(view.segments):
        hidden = not_decided_above(table, view.segments[:depth])
        stmt = select(func.count()).select_from(table).where(valid_in(table, segment), *predicates)
        total += connection.execute(stmt.where(*hidden)).scalar_one()
    return total


def count_above(connection: Connection, ctype: ComponentType, view: View, filter_: Filter) -> int:
    """How many more components matching ``filter_`` ``view`` shows than the view below its
    shallowest segment (``view`` without it), no exclusion: of the components with a
    revision valid in that segment (it decides them), those whose revision there matches
    (tombstones never do), less those whose deciding revision in the view below matches.
    Reads that segment's rows and probes the view below for their ids: for a segment of few
    rows, where the count below, which its commits leave as it was, is known. The filter's
    conditions are per revision row, so they hold alike in both views."""
    table, top = ctype.table, view.segments[0]
    predicates = filter_.predicates(ctype, view, connection.dialect.name)
    matching = case((and_(*predicates), 1), else_=0)
    decided = connection.execute(
        select(table.c.component_id, matching).where(valid_in(table, top))
    ).all()
    if not decided:
        return 0
    below = replace(view, segments=view.segments[1:])
    shown = visible_rows(connection, ctype, below, [cid for cid, _ in decided])
    live = [row["rev_id"] for row in shown.values() if not row["deleted"]]
    rows = one_of(table.c.rev_id, live, connection.dialect.name, BigInteger())
    lost = connection.execute(select(func.count()).where(rows, *predicates)).scalar_one()
    return sum(found for _, found in decided) - lost
