"""Helpers for the collection tests: a collection ``C`` of ``WHO`` and references to the
``ICD`` source's concepts (the ``source`` fixture of ``conftest``)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.api.ocl.conftest import SOURCE, concept_body

COLLECTION = "/orgs/WHO/collections/C/"


def make_collection(client: FlaskClient, **fields: Any) -> str:
    body = {"id": "C", "name": "Common", **fields}
    response = client.post("/orgs/WHO/collections/", json=body)
    assert response.status_code == 201, response.get_json()
    return COLLECTION


def concept_url(cid: str = "A1", version: str | None = None) -> str:
    return f"{SOURCE}concepts/{cid}/" + (f"{version}/" if version else "")


def add_concept(client: FlaskClient, cid: str, **fields: Any) -> None:
    response = client.post(f"{SOURCE}concepts/", json=concept_body(cid, **fields))
    assert response.status_code == 201, response.get_json()


def add_refs(client: FlaskClient, *expressions: str, collection: str = COLLECTION) -> list[dict]:
    response = client.put(
        f"{collection}references/", json={"data": {"expressions": list(expressions)}}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ids(response: Any) -> list[str]:
    return [item["id"] for item in response.get_json()]
