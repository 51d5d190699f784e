"""Helpers of the Export API tests: make a version, wait for its export, read the zip."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from exporter import exports
from revisions import RevisionStore
from tests.api.ocl.conftest import SOURCE


def export_url(version: str = "v1", source: str = SOURCE) -> str:
    return f"{source}{version}/export/"


def make_version(client: FlaskClient, version: str = "v1", source: str = SOURCE) -> None:
    response = client.post(f"{source}versions/", json={"id": version})
    assert response.status_code == 201, response.get_json()


def settle(client: FlaskClient, url: str, timeout: float = 30.0) -> TestResponse:
    """GET ``url`` (buffered: its file is closed) until it no longer answers 208."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(url, buffered=True)
        if response.status_code != 208:
            return response
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} still 208 after {timeout}s")
        time.sleep(0.02)


def export_json(body: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == ["export.json"]
        return json.loads(archive.read("export.json"))


def export_rows(store: RevisionStore, kind: str = "source") -> list[tuple[str, str]]:
    """(repository, version) of each ``exports`` row of ``kind``, sorted."""
    with store.engine.connect() as connection:
        rows = connection.execute(exports.E.select().where(exports.E.c.kind == kind))
        return sorted((row.repository, row.version) for row in rows)
