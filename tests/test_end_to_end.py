"""End to end, as an operator runs it: ``snowpath db upgrade``, ``snowpath serve`` (gunicorn)
and ``snowpath worker`` (rq) as separate processes on PostgreSQL and Redis, driven over HTTP.

The story: create a code system, a task branch, author concepts on both, merge with a
conflict, see CONFLICTS, resolve, version, and read the version through every path form.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import deployment

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The base URL of a served database (two server processes and a worker), and the token
    of the administrator its first start made (asked of ``snowpath users token``)."""
    with deployment("e2e", tmp_path / "var", workers=2) as served:
        yield served


def _wait(http: httpx.Client, location: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        data = http.get(location).json()
        if data.get("status", data.get("state")) in ("COMPLETED", "CONFLICTS", "FAILED"):
            return data
        assert time.monotonic() < deadline, data
        time.sleep(0.1)


def _ids(http: httpx.Client, path: str) -> dict[str, str | None]:
    response = http.get(f"/{path}/concepts", params={"limit": 1000})
    assert response.status_code == 200, (path, response.text)
    return {c["id"]: c.get("moduleId") for c in response.json()["items"]}


@pytest.fixture
def http(server: tuple[str, str]) -> Iterator[httpx.Client]:
    """A client of the server as its administrator, closed at the end: the server keeps
    connections alive."""
    base, token = server
    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        yield client


def test_author_merge_resolve_version_and_read_every_path_form(
    server: tuple[str, str], http: httpx.Client
) -> None:
    created = http.post("/codesystems", json={"id": "E2E", "title": "End to end"})
    assert created.status_code == 201
    assert created.headers["Location"] == f"{server[0]}/codesystems/E2E"
    assert http.get(created.headers["Location"]).json()["branchPath"] == "MAIN/E2E"

    for cid, module in (("c1", "base"), ("c2", "base")):
        assert http.post("/E2E/concepts", json={"id": cid, "moduleId": module}).status_code == 201
    branch = http.post("/branches", json={"parent": "MAIN/E2E", "name": "task1"})
    assert branch.status_code == 201
    assert http.put("/E2E/task1/concepts/c1", json={"moduleId": "task"}).status_code == 204
    assert http.post("/E2E/task1/concepts", json={"id": "c3"}).status_code == 201
    assert http.put("/E2E/concepts/c1", json={"moduleId": "main"}).status_code == 204

    merge = {"source": "MAIN/E2E", "target": "MAIN/E2E/task1", "commitComment": "sync"}
    first = http.post("/merges", json=merge)
    assert first.status_code == 202
    result = _wait(http, first.headers["Location"])
    assert result["status"] == "CONFLICTS"
    [conflict] = result["conflicts"]
    assert (conflict["componentId"], conflict["type"]) == ("c1", "CONFLICTING_CHANGE")
    assert conflict["conflictingAttributes"] == [
        {"property": "moduleId", "oldValue": "base", "sourceValue": "main", "targetValue": "task"}
    ]

    resolution = {"componentType": "concept", "componentId": "c1", "resolution": "TARGET"}
    again = http.post("/merges", json={**merge, "resolutions": [resolution]})
    assert _wait(http, again.headers["Location"])["status"] == "COMPLETED"
    promote = http.post("/merges", json={"source": "MAIN/E2E/task1", "target": "MAIN/E2E"})
    assert _wait(http, promote.headers["Location"])["status"] == "COMPLETED"
    head = http.get("/branches/MAIN/E2E").json()["headTimestamp"]

    version = http.post(
        "/codesystems/E2E/versions", json={"version": "v1", "effectiveTime": "20250101"}
    )
    assert version.status_code == 201
    assert http.post("/E2E/concepts", json={"id": "c4"}).status_code == 201

    expected = {"c1": "task", "c2": "base", "c3": None}
    for path in ("MAIN/E2E/v1", "E2E/v1", "E2E/LATEST", f"MAIN/E2E@{head}", f"E2E@{head}"):
        assert _ids(http, path) == expected, path
    assert _ids(http, "E2E") == {**expected, "c4": None}
    assert _ids(http, "MAIN/E2E/v1...MAIN/E2E") == {"c4": None}
    assert _ids(http, "E2E/task1^") == expected
    released = http.get("/E2E/v1/concepts/c1").json()
    assert (released["released"], released["effectiveTime"]) == (True, "20250101")
