"""Shared fixtures: a migrated database per backend, a pinned clock, a fresh store per test.

``backend`` runs every store test on SQLite and on PostgreSQL. SQLite tests get a copy of a
database migrated once per session; PostgreSQL tests share one migrated database whose
tables are emptied before each test (the store commits for real, so a rollback per test
would hide exactly what the tests check).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from revisions import ManualClock, RevisionStore, make_engine, upgrade
from revisions.schema import POSTGRES_DERIVED_TABLES, metadata
from tests import services


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "snowpath.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        url = services.fresh_postgres_database()
    except Exception as error:  # any failure to reach the server means "not there"
        services.unavailable("PostgreSQL", error)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    services.drop_postgres_database()


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


def empty_postgres(engine: Engine) -> None:
    # The trigger-filled tables too: TRUNCATE fires no row triggers, and stale words of an
    # earlier test's branch ids would match in the next one's.
    names = ", ".join([*(table.name for table in metadata.sorted_tables), *POSTGRES_DERIVED_TABLES])
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path / "snowpath.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("postgres_engine")
        empty_postgres(engine)
        yield engine


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_600_000_000_000)


@pytest.fixture
def store(engine: Engine, clock: ManualClock) -> RevisionStore:
    store = RevisionStore(engine, clock)
    store.initialize()
    return store


@pytest.fixture
def pg_store(postgres_engine: Engine, clock: ManualClock) -> RevisionStore:
    """A fresh store on PostgreSQL only, for what exists on PostgreSQL alone."""
    empty_postgres(postgres_engine)
    store = RevisionStore(postgres_engine, clock)
    store.initialize()
    return store
