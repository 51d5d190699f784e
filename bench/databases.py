"""Where the benchmarks keep their data: a database of their own, never another one.

On PostgreSQL each benchmark uses one database of a fixed name on the server of a given
URL (``snowpath_bench`` for the store, ``snowpath_bench_http`` for HTTP), created and
dropped through an autocommit connection to that server; no other database is touched. On
SQLite the store benchmark uses one file under ``var/bench/`` (with its WAL and shared-memory
files), deleted before and after a run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy
from sqlalchemy import Connection, Engine, text

from revisions import make_engine

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SQLITE_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"


@contextmanager
def server(server_url: str) -> Iterator[Connection]:
    """An autocommit connection to the PostgreSQL server (CREATE and DROP DATABASE)."""
    admin = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            yield connection
    finally:
        admin.dispose()


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    url = sqlalchemy.engine.make_url(server_url).set(database=name)
    return url.render_as_string(hide_password=False)


def create(connection: Connection, name: str) -> None:
    connection.execute(text(f'CREATE DATABASE "{name}"'))


def drop(connection: Connection, name: str) -> None:
    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def fresh_postgres(server_url: str, name: str) -> tuple[Engine, str]:
    """An engine on a new, empty database ``name`` (dropped first if it exists), and the
    server's name, version and buffer cache."""
    with server(server_url) as connection:
        drop(connection, name)
        create(connection, name)
        version = connection.execute(text("SHOW server_version")).scalar_one()
        buffers = shared_buffers(connection)
    return make_engine(database_url(server_url, name)), f"PostgreSQL {version}, {buffers}"


def shared_buffers(connection: Connection) -> str:
    """The server's buffer cache, as runs print it: searches are a tenth to a seventh
    faster when it holds their indexes (BENCHMARKS.md, "What is still slow")."""
    return f"shared_buffers {connection.execute(text('SHOW shared_buffers')).scalar_one()}"


def drop_postgres(server_url: str, name: str) -> None:
    with server(server_url) as connection:
        drop(connection, name)


def sqlite_files() -> list[Path]:
    """The store benchmark's SQLite database file, then its WAL and shared-memory files."""
    path = SQLITE_DIR / "snowpath_bench.db"
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def remove_sqlite() -> None:
    for path in sqlite_files():
        path.unlink(missing_ok=True)


def fresh_sqlite() -> tuple[Engine, str]:
    """An engine on a new, empty SQLite file, and SQLite's name and version."""
    SQLITE_DIR.mkdir(parents=True, exist_ok=True)
    remove_sqlite()
    return make_engine(f"sqlite:///{sqlite_files()[0]}"), f"SQLite {sqlite3.sqlite_version}"
