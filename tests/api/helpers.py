"""Small builders and checks for the HTTP tests: create content through the API in one line,
and assert the parts of the contract (DESIGN.md §4) that every response shares."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.api.conftest import wait_for

JSON = "application/json;charset=UTF-8"
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
EFFECTIVE = re.compile(r"\d{8}")
# Every field a branch record has (written out here, not taken from api.render).
BRANCH_FIELDS = frozenset(
    {
        "name",
        "path",
        "parentPath",
        "state",
        "baseTimestamp",
        "headTimestamp",
        "createdAt",
        "deleted",
        "metadata",
    }
)


def created(response: TestResponse) -> str:
    """The Location of a 201 with an empty body, as a path for the test client."""
    assert response.status_code == 201, (response.status_code, response.get_data(as_text=True))
    assert response.get_data() == b""
    location = response.headers["Location"]
    assert urlsplit(location).scheme in ("http", "https"), location
    return location


def concept(client: FlaskClient, cid: str, path: str = "MAIN", **fields: Any) -> str:
    return created(client.post(f"/{path}/concepts", json={"id": cid, **fields}))


def description(
    client: FlaskClient, did: str, concept_id: str, term: str, path: str = "MAIN", **fields: Any
) -> str:
    body = {"id": did, "conceptId": concept_id, "term": term, **fields}
    return created(client.post(f"/{path}/descriptions", json=body))


def mapping(
    client: FlaskClient, mid: str, source: str, target: str, path: str = "MAIN", **fields: Any
) -> str:
    body = {"id": mid, "sourceId": source, "targetId": target, "mapType": "SAME-AS", **fields}
    return created(client.post(f"/{path}/mappings", json=body))


def branch(client: FlaskClient, parent: str, name: str, **metadata: Any) -> str:
    body = {"parent": parent, "name": name, "metadata": metadata}
    return created(client.post("/branches", json=body))


def codesystem(client: FlaskClient, cs_id: str, **fields: Any) -> str:
    body = {"id": cs_id, "title": f"{cs_id} title", **fields}
    return created(client.post("/codesystems", json=body))


def version(client: FlaskClient, cs_id: str, name: str, effective: str) -> str:
    body = {"version": name, "effectiveTime": effective}
    return created(client.post(f"/codesystems/{cs_id}/versions", json=body))


def update(client: FlaskClient, url: str, **fields: Any) -> None:
    response = client.put(url, json=fields)
    assert response.status_code == 204, response.get_data(as_text=True)


def merge(client: FlaskClient, source: str, target: str, **extra: Any) -> dict[str, Any]:
    """POST /merges (202 + Location) and wait for the merge to finish; its JSON."""
    response = client.post("/merges", json={"source": source, "target": target, **extra})
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_data() == b""
    return wait_for(client, response.headers["Location"])


def ok(response: TestResponse, status: int = 200) -> Any:
    """The JSON of a response that must have ``status``."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json()


def ids(response: TestResponse) -> list[str]:
    return [item["id"] for item in ok(response)["items"]]


def error(response: TestResponse, status: int) -> dict[str, Any]:
    """The body of an error response, checked against the one error shape."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == str(status)
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["developerMessage"], str)
    # OCL's keys, which errors of accounts add for OCL's clients (docs/access.md)
    ocl = {"detail", "non_field_errors"}
    assert set(body) <= {"status", "message", "developerMessage", "violations", "conflicts", *ocl}
    assert nulls(body) == []
    return body


def nulls(data: Any, where: str = "$") -> list[str]:
    """JSON paths of every ``null`` in ``data`` (blank fields must be omitted)."""
    if data is None:
        return [where]
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in nulls(v, f"{where}.{k}")]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in nulls(v, f"{where}[{i}]")]
    return []
