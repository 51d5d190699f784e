"""Rows that refer to given ids, as a view shows them: one indexed statement per chunk of ids.

``rows_referring(connection, table, column, view, ids, shadow)`` finds, in each segment of
the view, the rows of ``table`` valid there whose ``column`` is one of ``ids`` and whose
component no shallower segment decides (a revision of it in ``shadow``, the component
table, valid there: a tombstone or a revision referring elsewhere hides it), and for
ranges not written at a point the left side sees. It is the rule of a page filtered on
``column`` (:func:`revisions.read.page`), built from the same blocks of
:mod:`revisions.visibility`, but it starts from an index on ``column`` (descriptions by
``concept_id``, mappings by ``source_id``, ``concept_edges`` by ``parent_id``) instead of
scanning a branch's rows in id order and testing each one: a page of 10,000 concepts'
descriptions took seconds that way.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    Connection,
    RowMapping,
    String,
    and_,
    any_,
    bindparam,
    false,
    select,
    union_all,
)

from revisions.visibility import (
    Segment,
    View,
    not_decided_above,
    not_excluded,
    segment_params,
    valid_in,
)

# Ids per statement: one array on PostgreSQL, an IN list on SQLite.
CHUNK = {"postgresql": 10_000}
DEFAULT_CHUNK = 500


def rows_referring(
    connection: Connection,
    table: Any,
    column: str,
    view: View,
    ids: Sequence[str],
    shadow: Any,
    *,
    deleted: bool = True,
    revisions: Any = None,
) -> list[RowMapping]:
    """The visible rows of ``table`` whose ``column`` is in ``ids`` (see the module's
    contract); ``deleted``: whether ``table`` has tombstones to leave out. With
    ``revisions`` (a component table; ``table`` then a derived one whose rows name a
    revision by branch, id and start), each row is that revision's row with ``column``."""
    wanted = sorted(set(ids))
    if not wanted or not view.segments:
        return []
    dialect = connection.dialect.name
    stmt = _statement(
        table, column, shadow, len(view.segments), view.exclude, dialect, deleted, revisions
    )
    params = segment_params(view)
    size = CHUNK.get(dialect, DEFAULT_CHUNK)
    found: list[RowMapping] = []
    for start in range(0, len(wanted), size):
        params["ids"] = wanted[start : start + size]
        found += connection.execute(stmt, params).mappings().all()
    return found


@functools.lru_cache(maxsize=128)
def _statement(
    table: Any,
    column: str,
    shadow: Any,
    segments: int,
    exclude: tuple[Segment, ...],
    dialect: str,
    deleted: bool,
    revisions: Any,
) -> Any:
    """Per segment depth: the rows valid there, referring to a bound id, not decided by a
    shallower segment (one ``NOT EXISTS`` probe of ``shadow`` per shallower segment); with
    ``revisions``, the revision rows they name (one probe of its unique index each)."""
    if dialect == "postgresql":
        matches = table.c[column] == any_(bindparam("ids", type_=ARRAY(String)))
    else:
        matches = table.c[column].in_(bindparam("ids", expanding=True))
    hiding = shadow.alias("shallower")
    excluded = not_excluded(table, View((), exclude))
    where = [matches, *([] if excluded is None else [excluded])]
    if deleted:
        where.append(table.c.deleted == false())
    if revisions is None:
        source, columns = table, [table]
    else:
        named = and_(
            *(
                revisions.c[name] == table.c[name]
                for name in ("branch_id", "component_id", "start_ts")
            )
        )
        source, columns = table.join(revisions, named), [revisions, table.c[column]]
    parts = [
        select(*columns)
        .select_from(source)
        .where(valid_in(table, depth), *where, *not_decided_above(table, range(depth), hiding))
        for depth in range(segments)
    ]
    return parts[0] if len(parts) == 1 else union_all(*parts)
