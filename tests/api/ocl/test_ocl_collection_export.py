"""The Export API for collection versions (docs/exports.md), on SQLite and PostgreSQL, with
builds run by the app's in-process runner: built when a version is made; export.json's
sections (members sorted by id, retired ones included, references, mappings) frozen at the
version; members of sources not every viewer may see left out; the status table; deletes."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from revisions import RevisionStore
from tests.api.ocl.collecting import (
    COLLECTION,
    add_concept,
    add_refs,
    concept_url,
    make_collection,
)
from tests.api.ocl.conftest import SOURCE, concept_body
from tests.api.ocl.exports_helpers import export_json, export_rows, settle
from tests.api.ocl.owners import org
from tests.api.ocl.test_ocl_export import stored_files
from tests.clients import client_as

V1 = f"{COLLECTION}v1/export/"


def _version(client: FlaskClient, version_id: str = "v1") -> None:
    response = client.post(f"{COLLECTION}versions/", json={"id": version_id})
    assert response.status_code == 201, response.get_json()


@pytest.fixture
def collection(client: FlaskClient, source: str) -> str:
    """C of WHO referring to Z9, A1, C3 (retired) and the mapping M1 (A1 -> Z9) of ICD, in
    that order, with version v1 and its export built."""
    make_collection(client)
    for cid in ("Z9", "C3"):
        add_concept(client, cid)
    assert client.delete(f"{SOURCE}concepts/C3/").status_code == 204
    mapping = {
        "id": "M1",
        "map_type": "SAME-AS",
        "from_concept_url": concept_url("A1"),
        "to_concept_url": concept_url("Z9"),
    }
    assert client.post(f"{SOURCE}mappings/", json=mapping).status_code == 201
    add_refs(
        client, concept_url("Z9"), concept_url("A1"), concept_url("C3"), f"{SOURCE}mappings/M1/"
    )
    _version(client)
    assert settle(client, V1).status_code == 200
    return COLLECTION


def _exported(client: FlaskClient, url: str = V1) -> dict[str, Any]:
    response = settle(client, url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return export_json(response.data)


def test_a_new_collection_version_is_exported_with_sorted_members(
    client: FlaskClient, collection: str
) -> None:
    data = _exported(client)
    assert list(data)[:3] == ["type", "uuid", "id"]
    assert list(data)[-5:] == ["collection", "concepts", "references", "mappings", "export_time"]
    assert data["type"] == "Collection Version"
    assert data["id"] == "v1"
    assert data["collection"]["id"] == "C"
    assert [c["id"] for c in data["concepts"]] == ["A1", "C3", "Z9"]
    assert [c["retired"] for c in data["concepts"]] == [False, True, False]
    assert all(c["source"] == "ICD" for c in data["concepts"])
    expressions = [r["expression"] for r in data["references"]]
    assert expressions == [
        concept_url("Z9"),
        concept_url("A1"),
        concept_url("C3"),
        f"{SOURCE}mappings/M1/",
    ]
    assert [m["id"] for m in data["mappings"]] == ["M1"]


def test_the_export_is_named_after_the_collection_and_version(
    client: FlaskClient, collection: str
) -> None:
    response = settle(client, V1)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=WHO_C_v1.")
    assert disposition.endswith(".zip")


def test_an_edit_after_the_version_is_not_in_its_export(
    client: FlaskClient, collection: str
) -> None:
    renamed = concept_body("A1", names=[{"name": "Renamed", "locale": "en"}])
    assert client.put(f"{SOURCE}concepts/A1/", json=renamed).status_code == 200
    assert client.delete(V1).status_code == 204
    assert client.post(V1).status_code == 202
    [a1] = [c for c in _exported(client)["concepts"] if c["id"] == "A1"]
    assert a1["display_name"] == "Name of A1"


def test_members_of_another_owners_private_source_are_left_out(
    client: FlaskClient, store: RevisionStore, source: str
) -> None:
    org(store, "MOH")
    made = client.post(
        "/orgs/MOH/sources/", json={"id": "LOCAL", "name": "L", "public_access": "None"}
    )
    assert made.status_code == 201
    assert (
        client.post("/orgs/MOH/sources/LOCAL/concepts/", json=concept_body("L1")).status_code == 201
    )
    make_collection(client)
    add_refs(client, concept_url("A1"), "/orgs/MOH/sources/LOCAL/concepts/L1/")
    _version(client)
    data = _exported(client)
    assert [c["id"] for c in data["concepts"]] == ["A1"]
    assert len(data["references"]) == 2  # the reference itself is the collection's


def test_a_private_collections_own_private_source_is_in_it(
    client: FlaskClient, source: str
) -> None:
    assert client.put(SOURCE, json={"public_access": "None"}).status_code == 200
    make_collection(client, public_access="None")
    add_refs(client, concept_url("A1"))
    _version(client)
    assert [c["id"] for c in _exported(client)["concepts"]] == ["A1"]


# --- the status table ----------------------------------------------------------------------


def test_head_is_405_and_an_unknown_version_404(client: FlaskClient, collection: str) -> None:
    assert client.get(f"{COLLECTION}HEAD/export/").status_code == 405
    assert client.get(f"{COLLECTION}v9/export/").status_code == 404
    assert client.get("/orgs/WHO/collections/NOPE/v1/export/").status_code == 404


def test_delete_then_post_rebuilds(client: FlaskClient, collection: str) -> None:
    assert client.delete(V1).status_code == 204
    assert client.get(V1, buffered=True).status_code == 204
    assert client.delete(V1).status_code == 404
    assert client.post(V1).status_code == 202
    assert settle(client, V1).status_code == 200
    assert client.post(V1).status_code == 200


def test_delete_needs_a_token_and_admin(app: Flask, client: FlaskClient, collection: str) -> None:
    assert client_as(app, None).delete(V1).status_code == 401
    assert client_as(app, "stranger", staff=False).delete(V1).status_code == 403
    assert client.get(V1, buffered=True).status_code == 200


def test_a_private_collections_export_is_404_to_outsiders(
    app: Flask, client: FlaskClient, source: str
) -> None:
    make_collection(client, public_access="None")
    add_refs(client, concept_url("A1"))
    _version(client)
    assert settle(client, V1).status_code == 200
    assert client_as(app, None).get(V1).status_code == 404
    assert client_as(app, "stranger", staff=False).get(V1).status_code == 404


# --- deleting what was exported ---------------------------------------------------------


def test_deleting_a_collection_version_deletes_its_export(
    app: Flask, client: FlaskClient, store: RevisionStore, collection: str
) -> None:
    _version(client, "v2")
    assert settle(client, f"{COLLECTION}v2/export/").status_code == 200
    assert client.delete(f"{COLLECTION}v1/").status_code == 204
    assert [version for _, version in export_rows(store, "collection")] == ["v2"]
    assert len(stored_files(app)) == 1


def test_deleting_a_collection_deletes_its_exports(
    app: Flask, client: FlaskClient, store: RevisionStore, collection: str
) -> None:
    assert client.delete(COLLECTION).status_code == 204
    assert export_rows(store, "collection") == []
    assert stored_files(app) == []
