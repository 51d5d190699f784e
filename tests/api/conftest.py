"""API fixtures: a Flask app over the per-test store (SQLite and PostgreSQL), its test
client (authenticated as a staff user; ``anonymous`` has no token), and a helper that waits
for a background job to finish.

The app's routes and error handlers are built once per test process (building the routes
costs about 50 ms, more than most API tests); each test gets them over its own store, job
runner and settings, installed exactly where :func:`api.create_app` puts them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from accounts.store import Accounts
from api import create_app
from api.readcache import DiskBackend, ReadCache
from api.settings import load
from exporter.jobs import ThreadRunner
from revisions import RevisionStore, make_engine
from revisions.epoch import FileEpoch, Kept
from tests.clients import client_as

FINAL = {"COMPLETED", "CONFLICTS", "FAILED"}


@pytest.fixture(scope="session")
def built_app(epoch: FileEpoch) -> Flask:
    # Never serves over this placeholder: every test installs its own services first. Its
    # epoch is the one every test's store moves, so the app keeps final responses as a
    # served one does (api.finals).
    placeholder = RevisionStore(make_engine("sqlite://"), epoch=epoch)
    app = create_app(load({}), store=placeholder, runner=ThreadRunner(placeholder, workers=1))
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="session")
def read_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> DiskBackend:
    """The embedded read cache every test's app shares (``api.readcache``)."""
    return DiskBackend(tmp_path_factory.mktemp("read-cache"))


@pytest.fixture
def app(
    built_app: Flask, store: RevisionStore, tmp_path: Path, read_cache_folder: DiskBackend
) -> Iterator[Flask]:
    runner = ThreadRunner(store)
    built = built_app.extensions["snowpath"]
    accounts = Accounts(store.engine, store.clock, store.epoch)
    # The test's own data folder: exports built when a version is created land there.
    settings = load({"SNOWPATH_DATA_DIR": str(tmp_path / "data")})
    # One cache folder per test process (opening one costs 12-16 ms); the stores of two
    # tests can be alike (a pinned clock, one PostgreSQL URL), so each test's keys are its own.
    reads = ReadCache(read_cache_folder, store, namespace=uuid.uuid4().hex)
    built_app.extensions["snowpath"] = replace(
        built,
        store=store,
        accounts=accounts,
        runner=runner,
        settings=settings,
        reads=reads,
        viewed=Kept(),
    )
    yield built_app
    runner.shutdown()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client authenticated as a staff user (``tests.clients.STAFF``): it may do anything."""
    return client_as(app)


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    """A client without a token."""
    return client_as(app, None)


def wait_for(client: FlaskClient, location: str, timeout: float = 30.0) -> dict[str, Any]:
    """GET ``location`` (a merge or job) until it reaches a final state; its JSON."""
    deadline = time.monotonic() + timeout
    while True:
        data = client.get(location).get_json()
        state = data.get("status") or data.get("state")
        if state in FINAL:
            return data
        if time.monotonic() > deadline:
            raise AssertionError(f"{location} still {state} after {timeout}s")
        time.sleep(0.02)
