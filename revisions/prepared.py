"""A read statement on every request's path, run through the database driver.

:class:`DriverStatement` compiles one SQLAlchemy ``Select`` once, then runs it on a
connection checked out of the engine's pool, through the driver's own cursor, and converts
the row with the statement's SQLAlchemy types (the same conversions a ``Result`` applies:
booleans on SQLite, the store's JSON). It skips SQLAlchemy's execution layer (the
compiled-cache lookup, the execution context, the ``Result``), which cost 0.1-0.2 ms a
statement: more than an indexed lookup's round trip. On PostgreSQL pass a
:func:`revisions.db.reading_engine` with generic plans: its driver prepares a statement
after five runs, so the lookup is one round trip with no parsing or planning.

Contract: :meth:`DriverStatement.first` returns the first row as a dict keyed by the
selected columns' names, or None. It opens no transaction (the engine's connections must be
in autocommit, as reading engines' are, or SQLite's, whose driver begins none for a
``SELECT``). A driver error invalidates the connection (a dead one is not handed out again)
and propagates. Only for statements whose cost is the round trip: the token check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Select


class DriverStatement:
    """``statement`` compiled once for ``engine``'s dialect, run through the driver."""

    def __init__(self, engine: Engine, statement: Select[Any]) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self._engine = engine
        self._compiled = compiled
        self._sql = str(compiled)
        columns = list(statement.selected_columns)
        self._keys = [column.key for column in columns]
        self._processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]

    def first(self, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The statement's first row for ``params`` (its bind parameters by name), or None."""
        bound = self._compiled.construct_params(dict(params))
        args: Any = bound
        if self._compiled.positional:
            args = tuple(bound[name] for name in self._compiled.positiontup or ())
        raw = self._engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(self._sql, args)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except Exception:
            raw.invalidate()
            raise
        finally:
            raw.close()
        if row is None:
            return None
        return {
            key: value if process is None else process(value)
            for key, process, value in zip(self._keys, self._processors, row, strict=True)
        }
