"""Derived structures a bulk load leaves to be built after its commit (PostgreSQL only).

Two structures serve term search alone: ``description_words`` (migration 0006), a row per
word of every active, live description revision, filled by triggers; and the full-text
GIN index of the terms, ``ix_descriptions_term_tsv``. A third serves the hierarchy:
``concept_edges`` (migration 0010), a row per parent of every live concept revision
(:mod:`revisions.hierarchy` reads children through it; while it is pending, it finds them
by testing every revision's ``parents``, as before the table existed). For a first load
into an empty store the search structures are most of the load's cost (a million
descriptions: 4.4 M word rows, 8 s to derive and 6 s to index on two cores; the GIN 3 s on
one core, PostgreSQL builds GIN without parallel workers; 2026-12-07), and nothing but
search needs them.
So :class:`revisions.bulk.Loader` skips the triggers in that case (:data:`DEFERRED`), and
leaves unbuilt every index of the loaded table that only speeds reads
(:func:`speeds_reads_only`: the term index and the plain B-tree indexes, not the unique
ones, which every write must meet), records each in ``pending_derivations`` in the load's
own transaction (an index with its definition, as the database gave it when the load
dropped it: migration 0019), and :func:`derive` builds them afterwards, beside the words
table on the other core (1.5 of 6.6 s of a 1.85 M-component load's transaction). Two
finishing steps follow them (:data:`FINISHING`): the full planner statistics of each loaded
table (the load takes a small sample, :func:`statistics_name`), and the check of the
loaded rows against the foreign key of their branch, re-added ``NOT VALID`` by the load
(every row holds the loader's own branch; later rows are checked as they come).

The contract:

- While a structure is named in ``pending_derivations``, nothing depends on it: searches
  leave the words table alone (:func:`is_pending`) and go through the full-text match,
  which without its index is a scan of every description; a read another pending index
  would serve scans the table. The results are the same, only slower (seconds instead of
  milliseconds for a million rows).
- :func:`derive` builds each pending structure from scratch and deletes its row, each in a
  transaction of its own, on a connection of its own, :data:`WORKERS` at a time (the words
  table, the longest, on one; the term index, the other indexes, then the edges, on the
  other, without parallel workers while the words are built, which keep their core:
  every search is served from an index again within seconds of the commit, the reads'
  indexes soon after), each first taking a ``SHARE`` lock on its source table: reads go
  on, writes of that table wait, so what it derives is exactly what the triggers and the
  index would have kept (a finishing step takes its statement's lock: :func:`_lock`). A
  failure rolls that structure back and leaves its row, so a later :func:`derive` (the
  next bulk load, ``snowpath db upgrade``) builds it again; searches stay exact
  meanwhile. Once all are built, it vacuums the tables they were built from and into
  (:func:`_vacuum`), so the first searches are as fast as later ones.
- Only a load into an empty source table marks a structure pending, and revision rows are
  never deleted: once a structure has been seen built while its source held rows, it is
  never pending again. :class:`Built` remembers that per store, so a search asks the
  database only until then (a round trip per search otherwise).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, exists, insert, select, text
from sqlalchemy.exc import DBAPIError

from revisions.schema import pending_derivations

WORDS = "description_words"
TERM_INDEX = "ix_descriptions_term_tsv"
EDGES = "concept_edges"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Deferred:
    """A table its ``trigger`` fills from a loaded table, left to :func:`derive` by a first
    load (the loaded table's indexes are left by :func:`speeds_reads_only`)."""

    name: str
    trigger: str


# The tables a first load into an empty table leaves unfilled, per loaded table.
DEFERRED = {
    "descriptions": (Deferred(WORDS, "description_words_add"),),
    "concepts": (Deferred(EDGES, "concept_edges_add"),),
}
# Builds at a time: the words table on one core, everything else after another on the
# other (more only share the two cores and hold more connections).
WORKERS = 2


# The finishing steps a first load leaves (:func:`mark_statistics`, :func:`mark_check`), by
# the start of their statement: run as they are, after everything else (each waits for the
# builds reading its table to commit).
FINISHING = ("ANALYZE ", "ALTER TABLE ")


def statistics_name(table: str) -> str:
    """The pending row of ``table``'s full statistics (a first load takes a sample)."""
    return f"statistics of {table}"


def mark_statistics(connection: Connection, table: str, ts: int) -> None:
    """Record in the caller's transaction that ``table``'s full statistics are pending."""
    mark_pending(connection, statistics_name(table), table, ts, f"ANALYZE {table}")


def mark_check(connection: Connection, table: str, constraint: str, ts: int) -> None:
    """Record in the caller's transaction that ``table``'s rows must be checked against its
    ``NOT VALID`` foreign key ``constraint`` (the pending row is named after it)."""
    check = f"ALTER TABLE {table} VALIDATE CONSTRAINT {constraint}"
    mark_pending(connection, constraint, table, ts, check)


def speeds_reads_only(definition: str) -> bool:
    """Whether an index, by its definition as ``pg_indexes`` gives it, only speeds reads, so
    a first load may leave it to :func:`derive`: not unique (a unique index is a rule every
    write must meet, and is built in the load's transaction)."""
    return definition.startswith("CREATE INDEX ")


# The words of every active, live description revision, as migration 0020's trigger writes
# them (each keyed by the word and the concept's id), and their index as migration 0020
# defines it (the migrations keep their own copies: migrations are frozen history).
_WORDS_OF = (
    "INSERT INTO description_words "
    "(word_key, branch_id, start_ts, end_ts, component_id, concept_id, rank) "
    "SELECT w.word || E'\\x01' || d.concept_id, d.branch_id, d.start_ts, d.end_ts, "
    "d.component_id, d.concept_id, "
    "least(octet_length(d.term), 999) + CASE "
    "WHEN length(d.term) = length(w.word) AND lower(d.term) = w.word THEN 0 "
    "WHEN lower(substr(d.term, 1, length(w.word))) = w.word THEN 1000 ELSE 2000 END "
    "FROM descriptions d, "
    "unnest(tsvector_to_array(to_tsvector('simple'::regconfig, d.term))) AS w(word) "
    "WHERE d.active AND NOT d.deleted AND d.term IS NOT NULL"
)
_INDEX = (
    "CREATE INDEX ix_description_words_word ON description_words (word_key, branch_id) "
    "INCLUDE (start_ts, end_ts, rank, component_id, concept_id)"
)
# The edges of every live concept revision, as migration 0010's trigger writes them, and
# its index.
_EDGES_OF = (
    "INSERT INTO concept_edges (parent_id, branch_id, component_id, start_ts, end_ts) "
    "SELECT DISTINCT p.parent, c.branch_id, c.component_id, c.start_ts, c.end_ts "
    "FROM concepts c, jsonb_array_elements_text(c.parents) AS p(parent) "
    "WHERE NOT c.deleted AND jsonb_typeof(c.parents) = 'array'"
)
_EDGES_INDEX = (
    "CREATE UNIQUE INDEX uq_concept_edges_parent ON concept_edges "
    "(parent_id, branch_id, component_id, start_ts) INCLUDE (end_ts)"
)


def mark_pending(
    connection: Connection, name: str, source: str, ts: int, definition: str | None = None
) -> None:
    """Record in the caller's transaction that ``name`` must be derived anew from table
    ``source``: a derived table (see :data:`DEFERRED`), an index by its ``definition``, or a
    finishing step (:data:`FINISHING`) by its statement."""
    if not connection.execute(select(exists().where(pending_derivations.c.name == name))).scalar():
        values = {"name": name, "since_ts": ts, "source": source, "definition": definition}
        connection.execute(insert(pending_derivations).values(**values))


def is_pending(connection: Connection, name: str) -> bool:
    """Whether ``name`` is waiting for :func:`derive` (then it must not be read)."""
    if connection.dialect.name != "postgresql":
        return False
    query = select(exists().where(pending_derivations.c.name == name))
    return bool(connection.execute(query).scalar())


class Built:
    """The structures a store has seen built while their source table held rows: they stay
    built (see the module's contract), so :meth:`is_pending` stops asking about them. One
    per store (a database's state); thread-safe (a set only ever added to)."""

    def __init__(self) -> None:
        self._built: set[str] = set()

    def is_pending(self, connection: Connection, name: str, *, source_has_rows: bool) -> bool:
        """:func:`is_pending`, remembered once the answer is final: not pending, and the
        caller knows ``name``'s source table holds rows."""
        if name in self._built:
            return False
        pending = is_pending(connection, name)
        if not pending and source_has_rows:
            self._built.add(name)
        return pending


def derive(engine: Engine) -> list[str]:
    """Build every pending structure (see the module's contract), :data:`WORKERS` at a time,
    then vacuum the tables built from and into; the names built, in name order. A failure
    raises once every build has ended (the others still commit), before any vacuum."""
    if engine.dialect.name != "postgresql":
        return []
    c = pending_derivations.c
    with engine.connect() as connection:
        rows = connection.execute(select(c.name, c.source, c.definition)).all()
    tasks = [row for row in rows if row.definition is not None or row.name in _BUILDERS]
    # The words table first, the longest by far; the other worker then builds the term
    # index (until it is built a search reads every description: seconds, not the
    # milliseconds it takes through the index even before the words are there), then the
    # indexes that reads miss most (descriptions by concept, mappings by source and target,
    # children through the parents' GIN; until then such a read scans its table, tenths
    # of a second), then the edges table, then the finishing steps, those of the words'
    # source last (they wait for the words; the others need not).
    waiting = {row.source for row in tasks if row.name == WORDS}
    tasks.sort(key=lambda row: (_stage(row.name, row.definition), row.source in waiting, row.name))

    def build(row: Row[Any]) -> str | None:
        # Beside the words, the longest build, an index's parallel workers only take the
        # core the words need: every other build alone on its worker, those builds end as
        # soon and the derivation 0.9 s sooner (15.3-15.7 against 16.1-16.7 s, alternating;
        # history, 2026-12-07 15:47). The words' own index keeps its workers (the others
        # are done by then), and so does every build of a derivation without the words.
        return _derive_one(engine, *row, serial=bool(waiting) and row.name != WORDS)

    if len(tasks) <= 1:
        built = [build(row) for row in tasks]
    else:
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="derive") as pool:
            built = list(pool.map(build, tasks))
    done = [row for row, name in zip(tasks, built, strict=True) if name is not None]
    # The derived tables first (the words by far the largest), then the loaded ones.
    derived_tables = [row.name for row in done if row.name in _BUILDERS]
    _vacuum(engine, list(dict.fromkeys([*derived_tables, *sorted({r.source for r in done})])))
    return sorted(row.name for row in done)


def _vacuum(engine: Engine, tables: list[str]) -> None:
    """``VACUUM`` each of ``tables`` (those a derivation wrote, or whose statistics or rows
    it took: written whole by a first load), :data:`WORKERS` at a time, in the order given.

    Nothing else marks their pages all-visible until autovacuum comes by, minutes later
    (never, where it is off), and until then an index-only scan reads the table too: right
    after a derivation the SNOMED-sized set's one-word searches took twice as long at the
    90th percentile and three times at worst (history, 2026-12-07 04:29). A fresh table's
    vacuum only sets its visibility map and hint bits: 0.3 s for the 4.4 M rows of the
    words. ``VACUUM`` runs outside a transaction, so each on an autocommit connection of
    its own; a failure is logged, not raised (the structures are built; autovacuum does
    the same later)."""

    def vacuum(table: str) -> None:
        try:
            with engine.connect() as connection:
                quoted = connection.dialect.identifier_preparer.quote(table)
                autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
                autocommit.exec_driver_sql(f"VACUUM {quoted}")
        except DBAPIError as error:
            log.warning("VACUUM %s failed, autovacuum will do it later: %s", table, error)

    if tables:
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="vacuum") as pool:
            list(pool.map(vacuum, tables))


def _stage(name: str, definition: str | None) -> int:
    """When :func:`derive` starts a pending row: the words, the term index, the other
    indexes, the edges, then the finishing steps (a statistics' or a check's lock waits for
    the builds on its table)."""
    if name == WORDS:
        return 0
    if name == TERM_INDEX:
        return 1
    if definition is None:
        return 3
    return 4 if _finishing(definition) else 2


def _finishing(definition: str | None) -> bool:
    """Whether a pending row's ``definition`` is a finishing step (:data:`FINISHING`)."""
    return definition is not None and definition.startswith(FINISHING)


def _derive_one(
    engine: Engine, name: str, source: str, definition: str | None, *, serial: bool = False
) -> str | None:
    """Build ``name`` from table ``source`` (an index: by its ``definition``; a finishing
    step: its statement) and delete its row in one transaction; None if another process
    built it meanwhile. ``serial``: without PostgreSQL's parallel maintenance workers."""
    with engine.begin() as connection:
        # The source table first, then the row: the order a bulk load takes them in.
        _lock(connection, source, definition)
        quote = connection.dialect.identifier_preparer.quote
        row = pending_derivations.c.name == name
        claimed = select(pending_derivations.c.name).where(row).with_for_update()
        if connection.execute(claimed).first() is None:
            return None
        connection.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        if serial:
            connection.execute(text("SET LOCAL max_parallel_maintenance_workers = 0"))
        if definition is None:
            _BUILDERS[name](connection)
        elif _finishing(definition):
            connection.exec_driver_sql(definition)
        else:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {quote(name)}")
            connection.exec_driver_sql(definition)
        connection.execute(delete(pending_derivations).where(row))
    return name


def _lock(connection: Connection, source: str, definition: str | None) -> None:
    """The lock a build takes on its source table before anything else: ``SHARE`` (reads go
    on, writes wait: see the module's contract); a finishing step takes the lock its
    statement needs (``ANALYZE`` and ``VALIDATE CONSTRAINT`` take ``SHARE UPDATE
    EXCLUSIVE``) up front instead, so it waits for the builds on its table and for another
    finishing step of it (writes go on: a check and statistics need no still table). Two
    finishing steps of one table holding ``SHARE``, each asking for the lock the other's
    ``SHARE`` blocks, deadlocked (2026-12-07)."""
    mode = "SHARE UPDATE EXCLUSIVE" if _finishing(definition) else "SHARE"
    quoted = connection.dialect.identifier_preparer.quote(source)
    connection.exec_driver_sql(f"LOCK TABLE {quoted} IN {mode} MODE")


def _build_words(connection: Connection) -> None:
    """The words table from scratch: emptied, its index dropped, filled, indexed (building
    the index once is several times cheaper than keeping it up row by row)."""
    connection.exec_driver_sql("TRUNCATE description_words")
    connection.exec_driver_sql("DROP INDEX IF EXISTS ix_description_words_word")
    connection.exec_driver_sql(_WORDS_OF)
    connection.exec_driver_sql(_INDEX)
    connection.exec_driver_sql("ANALYZE description_words")


def _build_edges(connection: Connection) -> None:
    """The edges table from scratch, like the words table."""
    connection.exec_driver_sql("TRUNCATE concept_edges")
    connection.exec_driver_sql("DROP INDEX IF EXISTS uq_concept_edges_parent")
    connection.exec_driver_sql(_EDGES_OF)
    connection.exec_driver_sql(_EDGES_INDEX)
    connection.exec_driver_sql("ANALYZE concept_edges")


_BUILDERS = {WORDS: _build_words, EDGES: _build_edges}
