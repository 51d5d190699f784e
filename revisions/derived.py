"""Derived search tables a bulk load leaves to be built after its commit (PostgreSQL only).

``description_words`` (migration 0006) holds a row per word of every active, live
description revision, filled by triggers. For a first load into an empty store its
derivation is most of the load's cost (a million descriptions: 4.4 M word rows, ~17 s to
derive and ~20 s to index, against ~36 s for all the components and their indexes), and
nothing but search needs it. So :class:`revisions.bulk.Loader` skips its trigger in that
case and records the table in ``pending_derivations`` in the load's own transaction, and
:func:`derive` builds it afterwards.

The contract:

- While a table is named in ``pending_derivations``, nothing reads it: searches use the
  full-text index alone (:func:`is_pending`), with the same results, only slower.
- :func:`derive` builds every pending table from scratch and deletes its row in one
  transaction that first takes a ``SHARE`` lock on ``descriptions``: reads go on, writes of
  descriptions wait for it (commits of concepts and mappings do not), so what it derives is
  exactly what the triggers would have kept. A failure rolls it all back and leaves the
  row, so a later :func:`derive` (the next bulk load, ``snowpath db upgrade``) builds it
  again; searches stay exact meanwhile.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, delete, exists, insert, select, text

from revisions.schema import pending_derivations

WORDS = "description_words"
# The words of every active, live description revision, as migration 0006's trigger writes
# them (the migration keeps its own copy: migrations are frozen history).
# What a first load into an empty table defers: per loaded table, (derived table, the
# trigger that would fill it).
DEFERRED = {"descriptions": ((WORDS, "description_words_add"),)}
_WORDS_OF = (
    "INSERT INTO description_words "
    "(word, branch_id, start_ts, end_ts, component_id, concept_id, rank) "
    "SELECT w.word, d.branch_id, d.start_ts, d.end_ts, d.component_id, d.concept_id, "
    "least(octet_length(d.term), 999) + CASE "
    "WHEN length(d.term) = length(w.word) AND lower(d.term) = w.word THEN 0 "
    "WHEN lower(substr(d.term, 1, length(w.word))) = w.word THEN 1000 ELSE 2000 END "
    "FROM descriptions d, "
    "unnest(tsvector_to_array(to_tsvector('simple'::regconfig, d.term))) AS w(word) "
    "WHERE d.active AND NOT d.deleted AND d.term IS NOT NULL"
)
_INDEX = (
    "CREATE INDEX ix_description_words_word ON description_words "
    "(word, branch_id, concept_id) INCLUDE (start_ts, end_ts, rank, component_id)"
)


def mark_pending(connection: Connection, name: str, ts: int) -> None:
    """Record in the caller's transaction that ``name`` must be derived anew."""
    if not connection.execute(select(exists().where(pending_derivations.c.name == name))).scalar():
        connection.execute(insert(pending_derivations).values(name=name, since_ts=ts))


def is_pending(connection: Connection, name: str) -> bool:
    """Whether ``name`` is waiting for :func:`derive` (then it must not be read)."""
    if connection.dialect.name != "postgresql":
        return False
    query = select(exists().where(pending_derivations.c.name == name))
    return bool(connection.execute(query).scalar())


def derive(engine: Engine) -> list[str]:
    """Build every pending derived table (see the module's contract); the names built."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.begin() as connection:
        if not connection.execute(select(exists().select_from(pending_derivations))).scalar():
            return []
        # Descriptions first, then the rows: the order a bulk load takes them in.
        connection.exec_driver_sql("LOCK TABLE descriptions IN SHARE MODE")
        pending = select(pending_derivations.c.name).with_for_update().order_by("name")
        names = [name for name in connection.execute(pending).scalars() if name in _BUILDERS]
        for name in names:
            _BUILDERS[name](connection)
        connection.execute(delete(pending_derivations).where(pending_derivations.c.name.in_(names)))
    return names


def _build_words(connection: Connection) -> None:
    """The words table from scratch: emptied, its index dropped, filled, indexed (building
    the index once is several times cheaper than keeping it up row by row)."""
    connection.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    connection.exec_driver_sql("TRUNCATE description_words")
    connection.exec_driver_sql("DROP INDEX IF EXISTS ix_description_words_word")
    connection.exec_driver_sql(_WORDS_OF)
    connection.exec_driver_sql(_INDEX)
    connection.exec_driver_sql("ANALYZE description_words")


_BUILDERS = {WORDS: _build_words}
