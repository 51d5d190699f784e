"""Reads over a :class:`~revisions.views.View`: by id, pages in id order, exact totals.

Pages use one keyset scan per segment (``component_id > after`` in index order, limited),
so their cost does not grow with paging depth or history length. Rows found in a deeper
segment are kept only if no shallower segment has a revision of the same id (the shadow
check); ids up to the smallest "last id" among the full scans are then final, and the loop
continues from there until the page is full.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    Select,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)

from revisions.components import ComponentType
from revisions.filters import Filter
from revisions.records import Component
from revisions.views import View, is_excluded, not_excluded, valid_in

CHUNK = 500  # ids per IN list
_SCAN_EXTRA = 16  # rows fetched per segment beyond what the page still needs


def _depth_select(ctype: ComponentType, view: View, depth: int, *where: Any) -> Select:
    table = ctype.table
    return select(table, literal(depth).label("depth")).where(
        valid_in(table, view.segments[depth]), *where
    )


@functools.cache
def _by_ids_statement(ctype: ComponentType, segments: int) -> Any:
    """Rows of given ids valid in each of ``segments`` segments, tagged with their depth.

    Built once per shape; branch ids, times and ids are bound at execution, which spares
    the construction and compilation cost on the hottest path (get by id).
    """
    table = ctype.table
    ids = bindparam("ids", expanding=True)
    parts = [
        select(table, literal_column(str(depth)).label("depth")).where(
            table.c.branch_id == bindparam(f"b{depth}"),
            table.c.start_ts <= bindparam(f"u{depth}"),
            or_(table.c.end_ts.is_(None), table.c.end_ts > bindparam(f"u{depth}")),
            table.c.component_id.in_(ids),
        )
        for depth in range(segments)
    ]
    return parts[0] if len(parts) == 1 else union_all(*parts)


def visible_rows(
    connection: Connection, ctype: ComponentType, view: View, ids: Iterable[str]
) -> dict[str, RowMapping]:
    """The deciding revision row (tombstones included) of each id that has one in ``view``."""
    found: dict[str, RowMapping] = {}
    id_list = sorted(set(ids)) if view.segments else []
    if not id_list:
        return found
    stmt = _by_ids_statement(ctype, len(view.segments))
    params: dict[str, Any] = {}
    for depth, segment in enumerate(view.segments):
        params[f"b{depth}"] = segment.branch_id
        params[f"u{depth}"] = segment.upto
    for start in range(0, len(id_list), CHUNK):
        params["ids"] = id_list[start : start + CHUNK]
        for row in connection.execute(stmt, params).mappings():
            current = found.get(row["component_id"])
            if current is None or row["depth"] < current["depth"]:
                found[row["component_id"]] = row
    return found


def to_component(ctype: ComponentType, view: View, row: Mapping[str, Any]) -> Component:
    effective = view.release_of(row["branch_id"], row["start_ts"])
    return Component(
        type=ctype.name,
        id=row["component_id"],
        fields={name: row[name] for name in ctype.field_names},
        branch=view.paths.get(row["branch_id"], str(row["branch_id"])),
        timestamp=row["start_ts"],
        revision=row["rev_id"],
        released=effective is not None,
        effective_time=effective,
    )


def _shows(view: View, row: Mapping[str, Any]) -> bool:
    return not row["deleted"] and not is_excluded(view, row["branch_id"], row["start_ts"])


def get_many(
    connection: Connection, ctype: ComponentType, view: View, ids: Iterable[str]
) -> dict[str, Component]:
    """The components with these ids that the view shows."""
    rows = visible_rows(connection, ctype, view, ids)
    return {cid: to_component(ctype, view, row) for cid, row in rows.items() if _shows(view, row)}


def page(
    connection: Connection,
    ctype: ComponentType,
    view: View,
    filter_: Filter,
    after: str | None,
    limit: int,
) -> tuple[list[Component], str | None]:
    """Up to ``limit`` components in id order after ``after``, and the key to continue from."""
    predicates = filter_.predicates(ctype, view, connection.dialect.name)
    excluded = not_excluded(ctype.table, view)
    if excluded is not None:
        predicates.append(excluded)
    items: list[Component] = []
    cursor = after
    while True:
        want = limit - len(items) + _SCAN_EXTRA
        rows, bound = _scan(connection, ctype, view, predicates, cursor, want)
        for row in rows:
            items.append(to_component(ctype, view, row))
            if len(items) == limit:
                more = bound is not None or row is not rows[-1]
                return items, (row["component_id"] if more else None)
        if bound is None:
            return items, None
        cursor = bound


def _scan(
    connection: Connection,
    ctype: ComponentType,
    view: View,
    predicates: list[Any],
    after: str | None,
    want: int,
) -> tuple[list[RowMapping], str | None]:
    """Final rows up to a bound, in id order; bound None means the scans are exhausted."""
    table = ctype.table
    if not view.segments:
        return [], None
    where = list(predicates)
    if after is not None:
        where.append(table.c.component_id > after)
    parts = [
        _depth_select(ctype, view, depth, *where).order_by(table.c.component_id).limit(want)
        for depth in range(len(view.segments))
    ]
    if len(parts) == 1:
        rows = list(connection.execute(parts[0]).mappings())
        by_depth = {0: rows}
    else:
        subqueries = [p.subquery() for p in parts]
        rows = list(connection.execute(union_all(*(select(s) for s in subqueries))).mappings())
        by_depth = {}
        for row in rows:
            by_depth.setdefault(row["depth"], []).append(row)
    full = [scanned[-1]["component_id"] for scanned in by_depth.values() if len(scanned) >= want]
    bound = min(full) if full else None
    best: dict[str, RowMapping] = {}
    for row in rows:
        cid = row["component_id"]
        if bound is not None and cid > bound:
            continue
        if cid not in best or row["depth"] < best[cid]["depth"]:
            best[cid] = row
    deep = [cid for cid, row in best.items() if row["depth"] > 0]
    if deep:
        deciding = visible_rows(connection, ctype, view, deep)
        for cid in deep:
            if deciding[cid]["depth"] < best[cid]["depth"]:
                del best[cid]
    return [best[cid] for cid in sorted(best)], bound


def count(connection: Connection, ctype: ComponentType, view: View, filter_: Filter) -> int:
    """Exactly how many components the view shows that match the filter."""
    table = ctype.table
    predicates = filter_.predicates(ctype, view, connection.dialect.name)
    excluded = not_excluded(table, view)
    if excluded is not None:
        predicates.append(excluded)
    total = 0
    for depth, segment in enumerate(view.segments):
        stmt = select(func.count()).select_from(table).where(valid_in(table, segment), *predicates)
        if depth > 0:
            shallower = union_all(
                *(
                    select(table.c.component_id).where(valid_in(table, view.segments[d]))
                    for d in range(depth)
                )
            ).subquery()
            stmt = stmt.where(table.c.component_id.not_in(select(shallower.c.component_id)))
        total += connection.execute(stmt).scalar_one()
    return total
