"""History: the commit log of a branch, and every revision of one component along a view."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, String, and_, any_, bindparam, func, or_, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY

from revisions import branches, schema
from revisions.components import ComponentType
from revisions.records import Commit, CommitKind, Revision
from revisions.scan import batches
from revisions.visibility import View, segment_params, written_in


def commit_log(
    connection: Connection, branch: branches.BranchRow, before: int | None, limit: int
) -> list[Commit]:
    C, B = schema.commits, schema.branches
    stmt = (
        select(C, B.c.path.label("source_path"))
        .outerjoin(B, B.c.id == C.c.source_id)
        .where(C.c.branch_id == branch.id)
        .order_by(C.c.ts.desc())
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(C.c.ts < before)
    return [
        Commit(
            branch=branch.path,
            timestamp=row.ts,
            kind=CommitKind(row.kind),
            author=row.author,
            comment=row.comment,
            changes=row.changes,
            source=row.source_path,
            source_timestamp=row.source_ts,
        )
        for row in connection.execute(stmt)
    ]


def count_commits(connection: Connection, branch: branches.BranchRow) -> int:
    C = schema.commits
    stmt = select(func.count()).select_from(C).where(C.c.branch_id == branch.id)
    return int(connection.execute(stmt).scalar_one())


def component_history(
    connection: Connection, ctype: ComponentType, view: View, component_id: str
) -> list[Revision]:
    """Revisions of the component on every segment of the view, up to each segment's time."""
    table, C = ctype.table, schema.commits
    seen = [written_in(table, s) for s in view.segments]
    limits = {s.branch_id: s.upto for s in view.segments}
    stmt = (
        select(table, C.c.author, C.c.comment)
        .outerjoin(C, and_(C.c.branch_id == table.c.branch_id, C.c.ts == table.c.start_ts))
        .where(table.c.component_id == component_id, or_(*seen))
        .order_by(table.c.start_ts, table.c.rev_id)
    )
    result = []
    for row in connection.execute(stmt).mappings():
        end = row["end_ts"]
        result.append(
            Revision(
                type=ctype.name,
                id=component_id,
                branch=view.paths.get(row["branch_id"], str(row["branch_id"])),
                timestamp=row["start_ts"],
                end_timestamp=end if end is not None and end <= limits[row["branch_id"]] else None,
                deleted=row["deleted"],
                fields=None if row["deleted"] else {n: row[n] for n in ctype.field_names},
                author=row["author"],
                comment=row["comment"],
            )
        )
    return result


Part = tuple[ComponentType, str]  # a component type and the column that names the id


def edit_times(
    connection: Connection, view: View, parts: tuple[Part, ...], ids: list[str]
) -> dict[str, list[int]]:
    """Per id in ``ids``, the commit timestamps (ascending, distinct) at which the view's
    chain wrote, or closed (a deletion), a revision of a component of one of ``parts`` whose
    column is that id: ``(concept type, "component_id")`` for concepts themselves,
    ``(description type, "concept_id")`` for the descriptions of concepts. One statement
    for every part. A deletion on a child branch of a row written above it leaves a
    tombstone without the column, and is not seen here."""
    if not ids:
        return {}
    limits = {s.branch_id: s.upto for s in view.segments}
    params = {**segment_params(view), "ids": ids}
    statement = _edit_times_statement(parts, len(view.segments), connection.dialect.name)
    found: dict[str, set[int]] = {}
    for key, branch_id, start, end in connection.execute(statement, params):
        times = found.setdefault(key, set())
        times.add(start)
        if end is not None and end <= limits[branch_id]:
            times.add(end)
    return {cid: sorted(times) for cid, times in found.items()}


@functools.cache
def _edit_times_statement(parts: tuple[Part, ...], depth: int, dialect: str) -> Any:
    """:func:`edit_times`' query for views ``depth`` segments deep, built once: segments and
    ids are bound parameters. On PostgreSQL the ids are one array, so the SQL text never
    changes and the server keeps it prepared (see ``revisions.read``)."""
    selects = []
    for ctype, column in parts:
        table = ctype.table
        key = table.c[column]
        if dialect == "postgresql":
            matches = key == any_(bindparam("ids", type_=ARRAY(String)))
        else:
            matches = key.in_(bindparam("ids", expanding=True))
        seen = [written_in(table, segment) for segment in range(depth)]
        selects.append(
            select(key.label("key"), table.c.branch_id, table.c.start_ts, table.c.end_ts).where(
                matches, or_(*seen)
            )
        )
    return selects[0] if len(selects) == 1 else union_all(*selects)


def edit_times_in_order(
    connection: Connection, view: View, parts: tuple[Part, ...]
) -> Iterator[tuple[str, list[int]]]:
    """:func:`edit_times` of every id at once: (id, its times ascending), in id order,
    streamed from one statement (a whole version's components: the exports). The same
    rule, said per segment in SQL: a row's start, and its end when at or before the
    segment's time."""
    if not view.segments:
        return
    statement = _edit_times_in_order_statement(parts, len(view.segments))
    key: str | None = None
    times: list[int] = []
    for rows in batches(connection, statement, segment_params(view)):
        for found, ts in rows:
            if found != key:
                if key is not None:
                    yield key, times
                key, times = found, []
            times.append(ts)
    if key is not None:
        yield key, times


@functools.cache
def _edit_times_in_order_statement(parts: tuple[Part, ...], depth: int) -> Any:
    """The distinct (id, time) pairs of :func:`edit_times_in_order`, by id then time."""
    selects = []
    for ctype, column in parts:
        table = ctype.table
        key = table.c[column]
        for segment in range(depth):
            seen = written_in(table, segment)
            selects.append(select(key.label("key"), table.c.start_ts.label("ts")).where(seen))
            ended = table.c.end_ts <= bindparam(f"u{segment}")  # the time written_in binds
            selects.append(select(key.label("key"), table.c.end_ts.label("ts")).where(seen, ended))
    pairs = union_all(*selects).subquery()
    return (
        select(pairs.c.key, pairs.c.ts)
        .where(pairs.c.key.is_not(None))
        .distinct()
        .order_by(pairs.c.key, pairs.c.ts)
    )
