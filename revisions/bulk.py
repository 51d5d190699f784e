"""Bulk loading: many new components in one commit, as fast as the database can take them.

A :class:`Loader` writes one commit's components type by type. Each row is checked by the
per-type :func:`~revisions.components.fast_check` (falling back to ``validate`` for the
verdict and messages), so a bulk row obeys exactly the rules of a normal commit.

- **Writing**: PostgreSQL streams rows through ``COPY``; other databases take batched
  ``executemany``. When a table holds no rows at all (the first load into a new store), its
  secondary indexes, foreign keys (PostgreSQL) and triggers (SQLite's full-text one) are
  dropped first and rebuilt after the rows are in: building an index or checking a key once
  for all rows is several times cheaper than doing it per row. It all happens in the
  caller's transaction, so a failure rolls the indexes back too. On PostgreSQL such a first
  load rebuilds only the unique indexes, and adds the foreign key of the rows' branch back
  unchecked (``NOT VALID``: it holds for every later row); it skips the triggers that
  fill derived tables (``description_words``, ``concept_edges``), leaves the indexes that
  only speed reads (the full-text index of the terms, the plain B-tree indexes) unbuilt,
  takes a sample for the planner's statistics, and marks them all pending instead (the
  check of the loaded rows against the key, the full statistics): :mod:`revisions.derived`
  builds them after the commit. On SQLite such a load fills ``concept_edges`` in one
  statement after the rows are in.
- **Existence**: when no segment of the branch's view has ever written a row of a type (no
  own rows, none on its ancestors up to its base: a new code system's branch under an
  empty MAIN), no id can exist already; otherwise ids are checked against the view in
  batches. Duplicates inside the load violate a unique index.
- **References** are checked in memory: ids of components loaded here are remembered (only
  types something refers to), and only references to ids not loaded here are looked up in
  the view when the load finishes.

Any error raises and the caller's transaction rolls back the whole load.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import Connection, exists, select, text
from sqlalchemy.exc import IntegrityError

from revisions import derived, values
from revisions.components import TYPES, ComponentType, fast_check, stored_as_json, validate
from revisions.errors import ComponentExists, MissingReference
from revisions.read import CHUNK, visible_rows
from revisions.schema import POSTGRES_DERIVED, closed_only_index
from revisions.visibility import Segment, View, written_in

BATCH = 5_000
# From this many rows a load refreshes the planner statistics of the tables it wrote (an
# import of a release's few thousand changes spent a second analysing 200,000-row tables).
ANALYZE_FROM = 10_000
# The statistics target of the sample a first load takes on PostgreSQL (3,000 rows a table
# instead of 30,000): enough for the plans of the commits that may follow before
# :func:`revisions.derived.derive` takes the full statistics.
SAMPLE_TARGET = 10
# Types some reference points at: the loader remembers the ids it loads of these.
_TARGETS = frozenset(ref.target for ctype in TYPES.values() for ref in ctype.references)


class Loader:
    """One bulk commit: :meth:`load` each type in order (targets first), then :meth:`finish`."""

    def __init__(self, connection: Connection, view: View, branch_id: int, ts: int) -> None:
        self.connection = connection
        self.view = view
        self.branch_id = branch_id
        self.ts = ts
        self.postgres = connection.dialect.name == "postgresql"
        self.loaded: dict[str, set[str]] = {name: set() for name in _TARGETS}
        # Referenced ids not loaded (yet) here: target type -> {id: (type, field) first seen}.
        self.unresolved: dict[str, dict[str, tuple[str, str]]] = {name: {} for name in _TARGETS}
        self.written: list[ComponentType] = []
        self.counts: dict[str, int] = {}  # rows loaded per type
        self.first: set[str] = set()  # tables this load found empty, on PostgreSQL

    def load(
        self,
        ctype: ComponentType,
        items: Iterable[tuple[str, Mapping[str, Any]]],
        *,
        absent: bool = False,
    ) -> int:
        """Write ``items`` (id, fields) as new components of ``ctype``; returns how many.
        ``absent``: the caller knows the view shows none of these ids (it read every one the
        view shows, under the branch lock), so they are not looked up."""
        check_existing = not absent and _may_show(self.connection, ctype, self.view, self.branch_id)
        rows = self.rows(ctype, items)
        if check_existing:
            batches: Iterable[Iterable[list[Any]]] = self._checked(ctype, _batched(rows))
        elif self.postgres:
            # Nothing to query in between: one COPY, so the server inserts while the client
            # prepares the next rows (a COPY per batch waits for the server each time).
            batches = [rows]
        else:
            batches = _batched(rows)
        with _deferred_upkeep(self.connection, ctype, self.ts) as deferring:
            writer = _copy_writer if self.postgres else _batch_writer
            count = writer(self.connection, ctype, batches)
        if deferring:
            self.first.add(ctype.table.name)
        self.written.append(ctype)
        self.counts[ctype.name] = self.counts.get(ctype.name, 0) + count
        return count

    def finish(self) -> None:
        """Check the references to ids not loaded here, then refresh planner statistics
        of the tables a large load wrote (:data:`ANALYZE_FROM` rows or more; without them
        the first commits after a large load get plans that scan whole tables: measured
        22 s instead of under 1 s per commit). A table it found empty on PostgreSQL gets a
        sample (:data:`SAMPLE_TARGET`) and its full statistics pending for
        :func:`revisions.derived.derive`: 0.09 instead of 0.35-0.8 s of a load of 1.85 M rows."""
        after = View((Segment(self.branch_id, self.ts), *self.view.segments[1:]))
        for target_name, pending in self.unresolved.items():
            missing = sorted(set(pending) - self.loaded[target_name])
            target = TYPES[target_name]
            for start in range(0, len(missing), CHUNK):
                chunk = missing[start : start + CHUNK]
                found = visible_rows(self.connection, target, after, chunk)
                absent = [cid for cid in chunk if cid not in found or found[cid]["deleted"]]
                if absent:
                    source, field = pending[absent[0]]
                    raise MissingReference(
                        f"{source.capitalize()}s refer to {target_name}s that are not visible "
                        f"(through '{field}'): " + ", ".join(absent[:10]) + "."
                    )
        for ctype in dict.fromkeys(self.written):
            if self.counts.get(ctype.name, 0) < ANALYZE_FROM:
                continue  # a few rows more do not change the statistics' picture
            table = ctype.table.name
            if table in self.first:
                _sample(self.connection, table, self.ts)
                continue  # the tables derived from it are pending too
            for name in (table, *_derived(self.connection, table)):
                if not derived.is_pending(self.connection, name):
                    self.connection.exec_driver_sql(f"ANALYZE {name}")

    def rows(
        self, ctype: ComponentType, items: Iterable[tuple[str, Mapping[str, Any]]]
    ) -> Iterator[list[Any]]:
        """The rows :meth:`load` writes for ``items``: checked, in :func:`columns` order,
        JSON fields encoded on PostgreSQL, references and loaded ids noted; built by a
        function generated for ``ctype`` and this load (:func:`_rows_source`): written
        out, a row costs 0.12-0.46 us less than through loops over the references and
        the JSON fields: ~0.4 s of a load of 1.85 M rows."""
        namespace: dict[str, Any] = {
            "check": fast_check(ctype),
            "validate": validate,
            "ctype": ctype,
            "names": ctype.field_names,
            "branch_id": self.branch_id,
            "ts": self.ts,
            "dumps": values.dumps,  # orjson, and what it refuses (stored before the limits)
            "own": self.loaded.get(ctype.name),
        }
        for i, ref in enumerate(ctype.references):
            namespace[f"known_{i}"] = self.loaded[ref.target]
            namespace[f"pending_{i}"] = self.unresolved[ref.target]
            namespace[f"noted_{i}"] = (ctype.name, ref.field)
        exec(_rows_source(ctype), namespace)  # built from the type
        return namespace["rows"](items)

    def _checked(
        self, ctype: ComponentType, batches: Iterable[list[list[Any]]]
    ) -> Iterator[list[list[Any]]]:
        for batch in batches:
            ids = [row[0] for row in batch]
            for start in range(0, len(ids), CHUNK):
                found = visible_rows(self.connection, ctype, self.view, ids[start : start + CHUNK])
                shown = sorted(cid for cid, row in found.items() if not row["deleted"])
                if shown:
                    raise ComponentExists(f"{ctype.name.capitalize()} '{shown[0]}' already exists.")
            yield batch


def _sample(connection: Connection, table: str, ts: int) -> None:
    """Statistics of ``table`` from a sample (:data:`SAMPLE_TARGET`), the full ones pending."""
    connection.exec_driver_sql(f"SET LOCAL default_statistics_target = {SAMPLE_TARGET}")
    connection.exec_driver_sql(f"ANALYZE {table}")
    connection.exec_driver_sql("SET LOCAL default_statistics_target TO DEFAULT")
    derived.mark_statistics(connection, table, ts)


def columns(ctype: ComponentType) -> list[str]:
    """The columns a loader's rows hold, in order."""
    return ["component_id", "branch_id", "start_ts", "deleted", *ctype.field_names]


def _rows_source(ctype: ComponentType) -> str:
    """The source of :meth:`Loader.rows`' generator for ``ctype``: per item the fast
    check (``validate`` when it doubts), each reference to an id not loaded here noted
    once in ``pending_<i>``, the id added to ``own`` (types something refers to), and the
    row, with JSON fields encoded (for ``COPY``, or SQLite's driver directly)."""
    names = ctype.field_names
    values = [f"v{i}" for i in range(len(names))]
    lines = [
        "def rows(items):",
        "    for component_id, fields in items:",
        "        values = check(component_id, fields)",
        "        if values is None:",
        "            content = validate(ctype, component_id, fields)",
        "            values = [content[name] for name in names]",
        f"        {', '.join(values)}, = values",
    ]
    for i, ref in enumerate(ctype.references):
        value = values[names.index(ref.field)]
        note = f"if {{0}} not in known_{i} and {{0}} not in pending_{i}: "
        note += f"pending_{i}[{{0}}] = noted_{i}"
        if ref.many:
            lines.append(f"        if {value} is not None:")
            lines.append(f"            for target in {value}:")
            lines.append("                " + note.format("target"))
        else:
            lines.append(f"        if {value} is not None:")
            lines.append("            " + note.format(value))
    if ctype.name in _TARGETS:
        lines.append("        own.add(component_id)")
    out = [
        f"None if {value} is None else dumps({value}).decode()" if stored_as_json(field) else value
        for value, field in zip(values, ctype.fields, strict=True)
    ]
    lines.append(f"        yield [component_id, branch_id, ts, False, {', '.join(out)}]")
    return "\n".join(lines) + "\n"


def _batched(rows: Iterable[list[Any]]) -> Iterator[list[list[Any]]]:
    batch: list[list[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _derived(connection: Connection, table: str) -> tuple[str, ...]:
    """The tables triggers fill from ``table`` (analysed after a load unless pending)."""
    return POSTGRES_DERIVED.get(table, ()) if connection.dialect.name == "postgresql" else ()


def _may_show(connection: Connection, ctype: ComponentType, view: View, branch_id: int) -> bool:
    """Whether ``view`` may show a component of ``ctype``: its branch holds rows of the type
    (this commit's too), or another of its segments wrote some up to its time. A segment
    that never wrote a row of the type shows none, so a load onto a new code system's
    branch (a child of an empty MAIN) looks no id up: those lookups found nothing, and
    while an empty table's indexes are rebuilt after the load each was a scan of the rows
    loaded so far (quadratic: 265 s instead of 7.5 s for 1.85 M components)."""
    table = ctype.table
    checks = [exists().where(table.c.branch_id == branch_id)]
    checks += [
        exists().where(written_in(table, s)) for s in view.segments if s.branch_id != branch_id
    ]
    return any(connection.execute(select(*checks)).one())


def _batch_writer(
    connection: Connection, ctype: ComponentType, batches: Iterable[Iterable[list[Any]]]
) -> int:
    """Batched inserts straight through the driver (rows already hold SQLite's values, JSON
    encoded): SQLAlchemy's per-row parameter processing cost 3-4 times the insert itself."""
    names = columns(ctype)
    marks = ", ".join("?" * len(names))
    sql = f"INSERT INTO {ctype.table.name} ({', '.join(names)}) VALUES ({marks})"
    count = 0
    for batch in batches:
        rows = [tuple(row) for row in batch]
        connection.exec_driver_sql(sql, rows)
        count += len(rows)
    return count


def _copy_writer(
    connection: Connection, ctype: ComponentType, batches: Iterable[Iterable[list[Any]]]
) -> int:
    # One COPY per batch: producing a batch may query (existence checks), and a connection
    # cannot run queries while a COPY is open on it.
    count = 0
    for batch in batches:
        try:
            count += copy_rows(connection, ctype, batch)
        except IntegrityError as error:
            if isinstance(error.orig, psycopg.errors.UniqueViolation):
                raise ComponentExists("The load contains an id twice.") from None
            raise
    return count


def copy_rows(
    connection: Connection,
    ctype: ComponentType,
    rows: Iterable[list[Any]],
    names: list[str] | None = None,
) -> int:
    """Write ``rows`` (in the order of ``names``, default :func:`columns`, JSON values
    encoded) into ``ctype``'s table with one ``COPY`` (PostgreSQL); how many. A violated
    constraint raises SQLAlchemy's ``IntegrityError``, as an INSERT would."""
    raw = connection.connection.driver_connection
    sql = f"COPY {ctype.table.name} ({', '.join(names or columns(ctype))}) FROM STDIN"
    count = 0
    try:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    except psycopg.errors.IntegrityError as error:
        raise IntegrityError(sql, None, error) from error
    return count


@contextmanager
def _deferred_upkeep(connection: Connection, ctype: ComponentType, ts: int) -> Iterator[bool]:
    """Around writing rows into ``ctype``'s table: if it is empty, drop what the database
    maintains row by row (see :func:`_upkeep`) first and recreate it afterwards (not after
    an error: the transaction rolls the drop back). On PostgreSQL, the tables
    :data:`revisions.derived.DEFERRED` names (their triggers switched off for the load) and
    the indexes :func:`revisions.derived.speeds_reads_only` allows are instead marked
    pending for :func:`revisions.derived.derive`, the indexes with their definitions, and
    the foreign key of the rows' branch comes back ``NOT VALID`` with its check of the
    loaded rows pending (:func:`_own_branch`). Yields whether it defers anything so."""
    table = ctype.table
    empty = connection.execute(select(table.c.rev_id).limit(1)).first() is None
    postgres = connection.dialect.name == "postgresql"
    saved = _upkeep(connection, table.name) if empty else []
    triggers = derived.DEFERRED.get(table.name, ()) if empty and postgres else ()
    later = {n: c for n, _, c in saved if postgres and derived.speeds_reads_only(c)}
    for _, drop, _ in saved:
        connection.exec_driver_sql(drop)
    for d in triggers:
        connection.exec_driver_sql(f"ALTER TABLE {table.name} DISABLE TRIGGER {d.trigger}")
    if saved and postgres:
        connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
    yield empty and postgres
    for d in triggers:
        connection.exec_driver_sql(f"ALTER TABLE {table.name} ENABLE TRIGGER {d.trigger}")
        derived.mark_pending(connection, d.name, table.name, ts)
    for name, definition in later.items():
        derived.mark_pending(connection, name, table.name, ts, definition)
    for name, _, create in saved:
        if name in later:
            continue
        key = create.removesuffix(" NOT VALID")  # an empty table's key left unchecked
        if postgres and _own_branch(key):
            connection.exec_driver_sql(f"{key} NOT VALID")
            derived.mark_check(connection, table.name, name, ts)
        else:
            connection.exec_driver_sql(create)
    if saved and table.name == "descriptions" and not postgres:
        # The full-text index missed the rows its dropped trigger would have added.
        connection.exec_driver_sql(
            "INSERT INTO descriptions_fts(descriptions_fts) VALUES ('rebuild')"
        )
    if saved and table.name == "concepts" and not postgres:
        # The edges of the loaded rows, which the dropped trigger did not add (the table
        # was empty, so these are all there are): one statement instead of one per row.
        connection.exec_driver_sql(_SQLITE_EDGES)


# Migration 0010's edges of every live concept revision, on SQLite.
_SQLITE_EDGES = (
    "INSERT INTO concept_edges (parent_id, branch_id, component_id, start_ts, end_ts) "
    "SELECT DISTINCT p.value, c.branch_id, c.component_id, c.start_ts, c.end_ts "
    "FROM concepts c, json_each(c.parents) AS p "
    "WHERE NOT c.deleted AND json_type(c.parents) = 'array'"
)


def _own_branch(create: str) -> bool:
    """Whether ``create`` adds the foreign key of a revision's branch: every row a load
    writes holds the loader's own branch, which exists, so checking them all (a join of the
    whole table, 0.2-0.4 s of a load of 1.85 M rows) can wait for
    :func:`revisions.derived.derive`; the key, added ``NOT VALID``, still checks every later
    row as it comes."""
    return create.endswith(" FOREIGN KEY (branch_id) REFERENCES branches(id)")


def _upkeep(connection: Connection, table: str) -> list[tuple[str, str, str]]:
    """(name, drop, recreate) for what the database maintains per row of ``table``
    besides the row and its primary key: the secondary indexes, except the one of closed
    revisions (loaded rows never enter it; rebuilding it would scan the table for
    nothing); on PostgreSQL the foreign keys (a per-row check of 14 us, three times the
    cost of the row itself; adding the constraint back checks every row in one join); on
    SQLite the triggers."""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT indexname, format('DROP INDEX %I', indexname), indexdef "
                "FROM pg_indexes i WHERE tablename = :t AND schemaname = current_schema() "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) "
                "UNION ALL "
                "SELECT conname, format('ALTER TABLE %I DROP CONSTRAINT %I', :t, conname), "
                "format('ALTER TABLE %I ADD CONSTRAINT %I ', :t, conname) "
                "|| pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = to_regclass(:t) AND contype = 'f'"
            ),
            {"t": table},
        )
    else:
        rows = connection.execute(
            text(
                "SELECT name, 'DROP ' || upper(type) || ' \"' || name || '\"', sql "
                "FROM sqlite_master "
                "WHERE tbl_name = :t AND type IN ('index', 'trigger') AND sql IS NOT NULL"
            ),
            {"t": table},
        )
    kept = closed_only_index(table)
    return [(name, drop, create) for name, drop, create in rows if name != kept]
