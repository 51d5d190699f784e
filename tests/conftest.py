"""Shared fixtures: a migrated database per backend, a pinned clock, a fresh store per test.

``backend`` runs every store test on SQLite and on PostgreSQL. SQLite tests get a copy of a
database migrated once per session, behind one engine per session; PostgreSQL tests share
one migrated database whose tables are emptied before each test (the store commits for real,
so a rollback per test would hide exactly what the tests check). Under pytest-xdist each
worker is a process of its own with its own session: its own template, SQLite engine and
database (tests/services.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, exists, select

from accounts.schema import metadata
from revisions import ManualClock, RevisionStore, derived, make_engine, upgrade
from revisions import epoch as epochs
from revisions.epoch import FileEpoch
from revisions.schema import POSTGRES_DERIVED_TABLES, pending_derivations
from tests import services


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Long tests (marked slow) first: started last, one of them would keep a single
    # pytest-xdist worker busy after the others ran out of tests.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


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
    # DELETE, not TRUNCATE: on a nearly empty database TRUNCATE costs about 150-200 ms (new
    # files for every table and index, synced at commit), DELETE about 10 ms; the tables have
    # no sequences to restart and no delete triggers. Children first for the foreign keys;
    # the trigger-filled tables too, or stale words of an earlier test's branch ids would
    # match in the next one's. One round trip for all of them (after a check for leftovers).
    tables = [*(table.name for table in reversed(metadata.sorted_tables)), *POSTGRES_DERIVED_TABLES]
    # What a test's bulk load left pending (its indexes dropped) is built first: deleting
    # the rows would leave the next tests without those indexes.
    with engine.connect() as connection:
        left = connection.execute(select(exists().select_from(pending_derivations))).scalar()
    if left:
        derived.derive(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("; ".join(f"DELETE FROM {name}" for name in tables))


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'snowpath.db'}")
    yield engine
    engine.dispose()


def fresh_sqlite(engine: Engine, template: Path) -> None:
    # One engine per session, its file replaced by the template's copy before each test: an
    # engine compiles each SQL statement once (its cache is the engine's), and a new engine
    # per test compiled every statement of every test anew. The old file is unlinked, not
    # overwritten: a connection a test left open keeps its own file.
    engine.dispose()
    path = Path(engine.url.database or "")
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    shutil.copy(template, path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = request.getfixturevalue("sqlite_engine")
        fresh_sqlite(engine, request.getfixturevalue("sqlite_template"))
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("postgres_engine")
        empty_postgres(engine)
        yield engine


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_600_000_000_000)


@pytest.fixture(scope="session")
def epoch(tmp_path_factory: pytest.TempPathFactory) -> FileEpoch:
    """The epoch every test's store moves and reads (``revisions.epoch``), as ``snowpath
    serve`` gives its stores one: the API tests run the path that serves."""
    return FileEpoch(tmp_path_factory.mktemp("epoch") / "epoch")


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The time epoch marks are read at (``revisions.epoch.mark``), set by the test: a mark's
    trust window turns only when the test moves it. Identity checks of kept views need it,
    or two reads may straddle a window's edge and the second resolve anew."""
    now = [100.0]
    monkeypatch.setattr(epochs.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def store(engine: Engine, clock: ManualClock, epoch: FileEpoch) -> RevisionStore:
    store = RevisionStore(engine, clock, epoch=epoch)
    store.search_own_rows_most = 0  # the indexes (see :func:`pg_store`)
    store.initialize()
    return store


@pytest.fixture
def pg_store(postgres_engine: Engine, clock: ManualClock, epoch: FileEpoch) -> RevisionStore:
    """A fresh store on PostgreSQL only, for what exists on PostgreSQL alone.

    Its searches, and :func:`store`'s, read the term index and the words table as a large
    store's do: a test store's segments are all small enough to be searched through their
    own rows (``revisions.search.OWN_ROWS_MOST``), which the API's tests (the store the app
    builds) and ``tests/revisions/test_search_own_rows.py`` exercise."""
    empty_postgres(postgres_engine)
    store = RevisionStore(postgres_engine, clock, epoch=epoch)
    store.search_own_rows_most = 0
    store.initialize()
    return store
