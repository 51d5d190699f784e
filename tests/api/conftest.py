"""API fixtures: a Flask app over the per-test store (SQLite and PostgreSQL), its test
client, and a helper that waits for a background job to finish."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from api.settings import load
from exporter.jobs import ThreadRunner
from revisions import RevisionStore

FINAL = {"COMPLETED", "CONFLICTS", "FAILED"}


@pytest.fixture
def app(store: RevisionStore) -> Iterator[Flask]:
    runner = ThreadRunner(store)
    app = create_app(load({}), store=store, runner=runner)
    app.config["TESTING"] = True
    yield app
    runner.shutdown()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


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
