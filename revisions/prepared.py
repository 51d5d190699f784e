"""Read statements on every request's path, run through the database driver.

:class:`DriverStatement` compiles one SQLAlchemy ``Select`` once, then runs it on a
connection checked out of the engine's pool, through the driver's own cursor, and converts
bound values and rows with the statement's SQLAlchemy types (the same conversions a
``Result`` applies: booleans on SQLite, the store's JSON). It skips SQLAlchemy's execution
layer (the compiled-cache lookup, the execution context, the cursor's description, the
``Result``), which cost 0.1-0.2 ms a statement: more than an indexed lookup's round trip.
On PostgreSQL pass a :func:`revisions.db.reading_engine` with generic plans: its driver
prepares a statement after five runs, so the lookup is one round trip with no parsing or
planning. :class:`DriverStatements` keeps one per statement for the statements a module
builds once per shape (the store's reads by id and pages).

Contract: :meth:`DriverStatement.first` returns the first row as a dict keyed by the
selected columns' names, or None; :meth:`DriverStatement.rows` every row as a tuple in the
order of :attr:`DriverStatement.keys`. Neither opens a transaction (the engine's connections
must be in autocommit, as reading engines' are, or SQLite's, whose driver begins none for a
``SELECT``). A driver error invalidates the connection (a dead one is not handed out again)
and propagates. Only for statements whose cost is the round trip (index probes, keyset
pages), and only statements SQLAlchemy renders once: none with an expanding ``IN`` list.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import CompoundSelect, Engine, Select
from sqlalchemy.sql.compiler import SQLCompiler

Statement = Select[Any] | CompoundSelect


class DriverStatement:
    """``statement`` compiled once for ``engine``'s dialect, run through the driver."""

    def __init__(self, engine: Engine, statement: Statement) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        if not drivable(compiled):
            raise ValueError("an expanding parameter is rendered anew at every execution")
        self._engine = engine
        self._compiled = compiled
        self.sql = str(compiled)  # the text the driver runs
        self._order = tuple(compiled.positiontup or ()) if compiled.positional else None
        binds = {name: bind.type for bind, name in compiled.bind_names.items()}
        self._binds = {
            name: process
            for name, kind in binds.items()
            if (process := kind.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        columns = list(statement.selected_columns)
        self.keys: tuple[str, ...] = tuple(column.key for column in columns)
        self._types = [column.type.dialect_impl(dialect) for column in columns]
        # Known from the first run's cursor: a type's conversion may depend on the
        # driver's type of the column (PostgreSQL's numbers).
        self._processors: list[Callable[[Any], Any] | None] = []
        self._converted: list[tuple[int, Callable[[Any], Any]]] = []

    def first(self, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The statement's first row for ``params`` (its bind parameters by name), or None."""
        row = self._run(params, lambda cursor: cursor.fetchone())
        if row is None:
            return None
        return {
            key: value if process is None else process(value)
            for key, process, value in zip(self.keys, self._processors, row, strict=True)
        }

    def rows(self, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row for ``params``, each a tuple of the columns named in :attr:`keys`."""
        rows = self._run(params, lambda cursor: cursor.fetchall())
        if not self._converted:
            return rows
        result = []
        for row in rows:
            values = list(row)
            for i, process in self._converted:
                values[i] = process(values[i])
            result.append(tuple(values))
        return result

    def _run(self, params: Mapping[str, Any], fetch: Callable[[Any], Any]) -> Any:
        bound = self._compiled.construct_params(dict(params))
        for name, process in self._binds.items():
            bound[name] = process(bound[name])
        args: Any = bound if self._order is None else tuple(bound[n] for n in self._order)
        raw = self._engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(self.sql, args)
                if not self._processors:
                    self._learn(cursor.description)
                return fetch(cursor)
            finally:
                cursor.close()
        except Exception:
            raw.invalidate()
            raise
        finally:
            raw.close()

    def _learn(self, description: Any) -> None:
        """The row conversions, from the driver's description of the result's columns."""
        dialect = self._engine.dialect
        processors = [
            kind.result_processor(dialect, column[1])
            for kind, column in zip(self._types, description, strict=True)
        ]
        self._converted = [(i, p) for i, p in enumerate(processors) if p is not None]
        self._processors = processors


def drivable(compiled: SQLCompiler) -> bool:
    """Whether ``compiled`` renders the same SQL at every execution (no expanding ``IN``
    list or other parameter SQLAlchemy renders into the text per execution)."""
    return not compiled.post_compile_params and not compiled.literal_execute_params


class DriverStatements:
    """One :class:`DriverStatement` per statement for one engine, compiled on first use.

    For statements built once per shape and kept (``functools.cache``): they are known by
    identity, and each entry holds its statement, so an identity is never reused while
    its entry lives. Bounded (cleared past :attr:`MAX`); thread-safe.
    """

    MAX = 1024

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._made: dict[int, tuple[Statement, DriverStatement | None]] = {}
        self._lock = threading.Lock()

    def __call__(self, statement: Statement) -> DriverStatement | None:
        """``statement``'s :class:`DriverStatement`, or None if it cannot have one
        (:func:`drivable`): the caller executes it through SQLAlchemy."""
        entry = self._made.get(id(statement))
        if entry is not None and entry[0] is statement:
            return entry[1]
        try:
            made: DriverStatement | None = DriverStatement(self.engine, statement)
        except ValueError:
            made = None
        with self._lock:
            if len(self._made) >= self.MAX:
                self._made.clear()
            self._made[id(statement)] = (statement, made)
        return made
