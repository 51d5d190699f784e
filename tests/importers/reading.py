"""How the importer data tests read what an import wrote, as a user would: a store on a copy of
the migrated SQLite template, every active component at a point (paged through the store),
an app over the store, and every id a path range lists (paged over HTTP with
``searchAfter``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from api.settings import load
from exporter.jobs import ThreadRunner
from revisions import Filter, ReadPoint, RevisionStore, make_engine


def sqlite_store(request: pytest.FixtureRequest, folder: Path) -> RevisionStore:
    """An initialized store on a copy of the session's migrated SQLite template."""
    path = folder / "snowpath.db"
    path.write_bytes(Path(request.getfixturevalue("sqlite_template")).read_bytes())
    store = RevisionStore(make_engine(f"sqlite:///{path}"))
    store.initialize()
    return store


def all_of(store: RevisionStore, point: ReadPoint, type_name: str) -> dict[str, dict]:
    """Every active component of a type at ``point``: id -> fields."""
    result: dict[str, dict] = {}
    after = None
    while True:
        page = store.page(point, type_name, Filter.of(active=True), after=after, limit=10_000)
        result.update((c.id, c.fields) for c in page.items)
        after = page.next_after
        if after is None:
            return result


def app_over(store: RevisionStore, data_dir: Path) -> Flask:
    """An app over ``store`` (jobs run in threads), its files in ``data_dir``."""
    settings = load({"SNOWPATH_DATA_DIR": str(data_dir)})
    return create_app(settings, store=store, runner=ThreadRunner(store))


def ranged(client: FlaskClient, path: str, type_name: str) -> set[str]:
    """Every id a range read lists (paged with searchAfter)."""
    ids: set[str] = set()
    url = f"/{path}/{type_name}?limit=10000"
    after = None
    while True:
        response = client.get(url + (f"&searchAfter={after}" if after else ""))
        assert response.status_code == 200, response.get_data(as_text=True)
        data = response.get_json()
        ids |= {item["id"] for item in data["items"]}
        after = data.get("searchAfter")
        if not after:
            return ids
