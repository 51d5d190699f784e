"""Bulk loading: many new components in one commit, as fast as the database can take them.

On PostgreSQL rows stream through ``COPY``; elsewhere through batched ``executemany``. Every
row is validated as in a normal commit. When the branch sees nothing of a component type
yet (no own rows, no deeper segments), existence checks are skipped; otherwise ids are
checked in batches. References are checked in SQL after the load. Any error rolls the whole
load back (the caller's transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import psycopg
from sqlalchemy import Connection, exists, false, func, select, true

from revisions.components import TYPES, ComponentType, Reference, validate
from revisions.errors import ComponentExists, MissingReference
from revisions.read import CHUNK, visible_rows
from revisions.views import Segment, View

BATCH = 5_000
_JSON_FIELDS = ("parents", "extras")


def load(
    connection: Connection,
    ctype: ComponentType,
    view: View,
    branch_id: int,
    ts: int,
    items: Iterable[tuple[str, Mapping[str, Any]]],
) -> int:
    """Insert ``items`` (id, fields) as new components at ``ts``; returns how many."""
    check_existing = len(view.segments) > 1 or _has_rows(connection, ctype, branch_id)
    columns = ["component_id", "branch_id", "start_ts", "deleted", *ctype.field_names]
    writer = _copy_writer if connection.dialect.name == "postgresql" else _batch_writer
    batches = _validated_batches(ctype, items, branch_id, ts)
    if check_existing:
        batches = _checked(connection, ctype, view, batches)
    count = writer(connection, ctype, columns, batches)
    check_references(connection, ctype, view, branch_id, ts)
    return count


def analyze(connection: Connection, ctypes: list[ComponentType]) -> None:
    """Refresh the planner's statistics of the tables a load wrote to."""
    for ctype in ctypes:
        connection.exec_driver_sql(f"ANALYZE {ctype.table.name}")


def _has_rows(connection: Connection, ctype: ComponentType, branch_id: int) -> bool:
    table = ctype.table
    return bool(connection.execute(select(exists().where(table.c.branch_id == branch_id))).scalar())


def _validated_batches(
    ctype: ComponentType, items: Iterable[tuple[str, Mapping[str, Any]]], branch_id: int, ts: int
) -> Iterable[list[dict]]:
    batch: list[dict] = []
    for cid, fields in items:
        row = validate(ctype, cid, fields)
        row.update(component_id=cid, branch_id=branch_id, start_ts=ts, deleted=False)
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _checked(
    connection: Connection, ctype: ComponentType, view: View, batches: Iterable[list[dict]]
) -> Iterable[list[dict]]:
    for batch in batches:
        ids = [row["component_id"] for row in batch]
        for start in range(0, len(ids), CHUNK):
            found = visible_rows(connection, ctype, view, ids[start : start + CHUNK])
            shown = sorted(cid for cid, row in found.items() if not row["deleted"])
            if shown:
                raise ComponentExists(f"{ctype.name.capitalize()} '{shown[0]}' already exists.")
        yield batch


def _batch_writer(
    connection: Connection, ctype: ComponentType, columns: list[str], batches: Iterable[list[dict]]
) -> int:
    count = 0
    for batch in batches:
        connection.execute(ctype.table.insert(), batch)
        count += len(batch)
    return count


def _copy_writer(
    connection: Connection, ctype: ComponentType, columns: list[str], batches: Iterable[list[dict]]
) -> int:
    raw = connection.connection.driver_connection
    count = 0
    sql = f"COPY {ctype.table.name} ({', '.join(columns)}) FROM STDIN"
    # One COPY per batch: producing a batch may query (existence checks), and a connection
    # cannot run queries while a COPY is open on it.
    for batch in batches:
        try:
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                for row in batch:
                    copy.write_row([_copy_value(name, row[name]) for name in columns])
        except psycopg.errors.UniqueViolation:
            raise ComponentExists("The load contains an id twice.") from None
        count += len(batch)
    return count


def _copy_value(name: str, value: Any) -> Any:
    if value is not None and name in _JSON_FIELDS:
        return orjson.dumps(value).decode()
    return value


def check_references(
    connection: Connection, ctype: ComponentType, view: View, branch_id: int, ts: int
) -> None:
    """Every reference written at ``ts`` must point at a component visible after the load."""
    after = View((Segment(branch_id, ts), *view.segments[1:]), (), view.paths)
    for ref in ctype.references:
        target = TYPES[ref.target]
        if len(after.segments) == 1:
            missing = _missing_on_own(connection, ctype, target, ref, branch_id, ts)
        else:
            missing = _missing_in_view(connection, ctype, target, ref, after, ts)
        if missing:
            raise MissingReference(
                f"{ctype.name.capitalize()}s refer to {ref.target}s that are not visible "
                f"(through '{ref.field}'): " + ", ".join(missing[:10]) + "."
            )


def _referenced(connection: Connection, ctype: ComponentType, ref: Reference) -> Any:
    """A selectable of the ids ``ref`` holds, one row per id (lists unnested)."""
    table = ctype.table
    column = table.c[ref.field]
    if not ref.many:
        return select(table.c.branch_id, table.c.start_ts, column.label("ref"))
    if connection.dialect.name == "postgresql":
        each = func.jsonb_array_elements_text(column).table_valued("value").render_derived()
    else:
        each = func.json_each(column).table_valued("value")
    return select(table.c.branch_id, table.c.start_ts, each.c.value.label("ref")).select_from(
        table.join(each, true())
    )


def _missing_on_own(
    connection: Connection,
    ctype: ComponentType,
    target: ComponentType,
    ref: Reference,
    branch_id: int,
    ts: int,
) -> list[str]:
    """A branch with no deeper segments: one anti-join against its current rows."""
    refs = _referenced(connection, ctype, ref).subquery()
    other = target.table
    present = exists().where(
        other.c.branch_id == branch_id,
        other.c.component_id == refs.c.ref,
        other.c.end_ts.is_(None),
        other.c.deleted == false(),
    )
    stmt = (
        select(refs.c.ref)
        .where(refs.c.branch_id == branch_id, refs.c.start_ts == ts, refs.c.ref.is_not(None))
        .where(~present)
        .distinct()
        .limit(10)
    )
    return sorted(connection.execute(stmt).scalars())


def _missing_in_view(
    connection: Connection,
    ctype: ComponentType,
    target: ComponentType,
    ref: Reference,
    view: View,
    ts: int,
) -> list[str]:
    refs = _referenced(connection, ctype, ref).subquery()
    branch_id = view.segments[0].branch_id
    wanted = connection.execute(
        select(refs.c.ref)
        .where(refs.c.branch_id == branch_id, refs.c.start_ts == ts, refs.c.ref.is_not(None))
        .distinct()
    ).scalars()
    pending = sorted(wanted)
    missing: list[str] = []
    for start in range(0, len(pending), CHUNK * 4):
        chunk = pending[start : start + CHUNK * 4]
        found = visible_rows(connection, target, view, chunk)
        missing += [c for c in chunk if c not in found or found[c]["deleted"]]
    return missing
