"""Engines, schema migrations and the commit clock.

- :func:`make_engine` builds an engine for a database URL. SQLite gets real transactions
  (the driver's implicit ones are switched off and ``BEGIN`` is emitted by SQLAlchemy), WAL
  journaling for file databases, enforced foreign keys and a busy timeout so concurrent
  writers wait instead of failing. JSON columns decode with orjson.
- :func:`reading_engine` gives reads their own autocommit pools on PostgreSQL, one of them
  with generic plans for the hot index-driven reads (planning was half their server time).
- :func:`upgrade` runs the Alembic migrations to head.
- :func:`next_timestamp` is the first statement of every write transaction: it hands out a
  commit timestamp strictly greater than every earlier one, and its row lock serialises
  writers across processes and hosts until the transaction ends.
- :func:`settle` is its counterpart for reads at a past time: it waits (bounded) for the
  write in flight, if any, and moves the clock past that time, so no commit can ever again
  become visible at or before it.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    case,
    create_engine,
    event,
    literal,
    select,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool

from revisions import epoch, schema
from revisions.clock import Clock
from revisions.errors import CommitInFlight, StoreBusy

SQLITE_BUSY_TIMEOUT_S = 60


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url`` configured for the store (see the module docstring)."""
    parsed = make_url(url)
    kwargs.setdefault("json_deserializer", _json_loads)
    if parsed.get_backend_name() != "sqlite":
        # No pre-ping (a round trip per checkout); recycle connections instead.
        kwargs.setdefault("pool_recycle", 1800)
        if parsed.get_backend_name() == "postgresql":
            # No server-side prepared statements: after five executions of one statement
            # PostgreSQL may keep a generic plan, blind to the values, and the store's
            # tables are skewed (one branch holds most rows; a term matches 10 or 50,000
            # descriptions): measured 205 ms instead of 4 ms for a branch's state and
            # 787 ms instead of 44 ms for a term search. Only :func:`reading_engine`
            # prepares, for statements whose plan cannot depend on the values.
            connect_args = dict(kwargs.pop("connect_args", {}))
            connect_args.setdefault("prepare_threshold", None)
            kwargs["connect_args"] = connect_args
        return create_engine(url, **kwargs)
    memory = parsed.database in (None, "", ":memory:")
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
    if memory:
        kwargs.setdefault("poolclass", StaticPool)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    _configure_sqlite(engine, wal=not memory)
    return engine


_twins: weakref.WeakKeyDictionary[Engine, dict[bool, Engine]] = weakref.WeakKeyDictionary()
_twins_lock = threading.Lock()


def reading_engine(engine: Engine, *, generic_plans: bool = False) -> Engine:
    """An engine for reads through ``engine``'s database: no transactions (autocommit: a
    resolved view never changes, so reads need no snapshot), and with ``generic_plans``
    sessions that use ``plan_cache_mode = force_generic_plan``.

    On PostgreSQL this is a twin pool (one per engine and kind, disposed with ``engine``)
    whose connections are in autocommit mode from the start: switching a pooled connection
    in and out of autocommit per checkout, as ``execution_options`` does, cost 0.15 ms per
    read, and a transaction per read two round trips. On other databases it is ``engine``
    itself (SQLite's in-memory store has a single connection): SQLite's reads take the
    ``BEGIN`` every connection gets (:func:`_configure_sqlite`), and switching a pooled
    connection to autocommit and back ran ``PRAGMA read_uncommitted`` at every check-in,
    which expires the connection's prepared statements: every read compiled its SQL anew
    (a three-segment read by id 0.2 ms more than the statement itself).

    Generic plans: PostgreSQL plans every execution of a statement with parameters anew
    unless it judges the generic plan cheap enough, which it does not for the store's reads
    by id and pages (their unbound LIMIT and id arrays look costly), so it spent 0.2-0.4 ms
    planning what runs in 0.05-0.3 ms. Only statements whose plan cannot depend on the values
    belong on that pool: index probes by id and keyset scans, never scans of a whole branch,
    whose best plan depends on the branch's size (counts, comparisons, merges).
    """
    if engine.dialect.name != "postgresql":
        return engine
    with _twins_lock:
        twins = _twins.setdefault(engine, {})
        twin = twins.get(generic_plans)
        if twin is None:
            connect_args: dict[str, Any] = {}
            if generic_plans:
                connect_args = {
                    "options": "-c plan_cache_mode=force_generic_plan",
                    "prepare_threshold": 5,
                }
            twin = make_engine(engine.url, isolation_level="AUTOCOMMIT", connect_args=connect_args)
            twins[generic_plans] = twin
            event.listen(engine, "engine_disposed", lambda _engine, t=twin: t.dispose())
        return twin


def _json_loads(text: str | bytes) -> Any:
    """orjson (several times faster than ``json``), but ``json`` for what orjson refuses
    (integers beyond 64 bits, which ``json`` may have written)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the store's migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", "revisions:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision``."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is migrated to the newest revision."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


LAST_TIMESTAMP = select(schema.store_clock.c.last_ts).where(schema.store_clock.c.id == 1)


def last_timestamp(connection: Connection) -> int:
    """The last commit timestamp handed out (it moves with every write transaction)."""
    return int(connection.execute(LAST_TIMESTAMP).scalar_one())


def next_timestamp(connection: Connection, clock: Clock, wait_ms: int | None = None) -> int:
    """Allocate a commit timestamp: max(now, last + 1). Must run first in a write transaction.

    With ``wait_ms``, waiting for the write in flight (which holds the clock row) is bounded:
    :class:`StoreBusy` after that long. Without, PostgreSQL waits as long as it takes and
    SQLite for its busy timeout.
    """
    clock_row = schema.store_clock
    now = literal(clock.now_ms(), BigInteger)
    stmt = (
        clock_row.update()
        .where(clock_row.c.id == 1)
        .values(last_ts=case((now > clock_row.c.last_ts, now), else_=clock_row.c.last_ts + 1))
        .returning(clock_row.c.last_ts)
    )
    try:
        with _bounded_wait(connection, wait_ms):
            value = connection.execute(stmt).scalar()
    except OperationalError as error:
        if wait_ms is None or not _is_lock_timeout(error):
            raise
        raise StoreBusy(
            f"Another write (an import or a merge, say) has held the store for {wait_ms} ms; "
            "this one was not made. Retry when it has finished."
        ) from error
    if value is None:
        raise RuntimeError("The store is not initialised: run 'snowpath db upgrade'.")
    return int(value)


@contextmanager
def _bounded_wait(connection: Connection, wait_ms: int | None) -> Iterator[None]:
    """Bound how long the next statements wait for a lock held by another transaction: for
    the rest of the transaction on PostgreSQL (``lock_timeout``), until the block ends on
    SQLite (``busy_timeout``, a connection setting put back afterwards)."""
    if wait_ms is None:
        yield
        return
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait_ms)}")
    else:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(wait_ms)}")
    try:
        yield
    finally:
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")


def settle(engine: Engine, upto: int, wait_ms: int) -> int:
    """Make reads at ``upto`` exact, and return the clock's last timestamp (at least ``upto``).

    Writers hold the clock row from their first statement to their end (:func:`next_timestamp`),
    so taking it here waits for the write in flight, whose timestamp may be ``upto`` or
    earlier; moving the clock to ``upto`` then makes every later commit's timestamp greater,
    whatever the writer's own clock says. ``upto`` must be in the past (the caller caps it).

    :raises CommitInFlight: a write still holds the clock after ``wait_ms``.
    """
    clock_row = schema.store_clock
    target = literal(upto, BigInteger)
    stmt = (
        clock_row.update()
        .where(clock_row.c.id == 1)
        .values(last_ts=case((target > clock_row.c.last_ts, target), else_=clock_row.c.last_ts))
        .returning(clock_row.c.last_ts)
    )
    try:
        with engine.begin() as connection, _bounded_wait(connection, wait_ms):
            epoch.unseen(connection)  # what any path resolves to stays as it was
            return int(connection.execute(stmt).scalar_one())
    except OperationalError as error:
        if not _is_lock_timeout(error):
            raise
        raise CommitInFlight(
            f"A commit at or before {upto} is still being written; "
            f"a read at that time would not be final yet. Retry shortly."
        ) from error


def _is_lock_timeout(error: OperationalError) -> bool:
    """PostgreSQL's lock_timeout (SQLSTATE 55P03) or SQLite's busy timeout."""
    code = getattr(error.orig, "sqlstate", None)
    return code == "55P03" or "database is locked" in str(error.orig)
