"""Collection versions through the OCL API: create, list, get, update, delete, latest; the
members of HEAD and of a version; and the frozen-version property: a version keeps the
references and the concepts as they were at its time, whatever happens after. SQLite and
PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from flask.testing import FlaskClient

from revisions import ManualClock
from tests.api.ocl.collecting import (
    COLLECTION,
    add_concept,
    add_refs,
    concept_url,
    ids,
    make_collection,
)
from tests.api.ocl.conftest import SOURCE

VERSIONS = f"{COLLECTION}versions/"


def _version(client: FlaskClient, version_id: str = "v1", **fields: object) -> dict:
    response = client.post(VERSIONS, json={"id": version_id, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def collection(client: FlaskClient, source: str) -> str:
    make_collection(client)
    add_refs(client, concept_url())
    return COLLECTION


# --- versions -----------------------------------------------------------------------------


def test_create_is_201_with_location(client: FlaskClient, collection: str) -> None:
    response = client.post(VERSIONS, json={"id": "v1", "description": "first"})
    assert response.status_code == 201
    assert response.headers["Location"].endswith(f"{COLLECTION}v1/")
    data = response.get_json()
    assert data["type"] == "Collection Version"
    assert (data["id"], data["version"]) == ("v1", "v1")
    assert data["description"] == "first"
    assert data["version_url"] == f"{COLLECTION}v1/"
    assert data["collection"]["name"] == "Common"
    assert data["released"] is False


def test_duplicate_version_is_409(client: FlaskClient, collection: str) -> None:
    _version(client)
    response = client.post(VERSIONS, json={"id": "v1"})
    assert response.status_code == 409
    assert response.get_json()["message"] == "Collection version 'v1' already exist."


@pytest.mark.parametrize("body", [{}, {"id": None}, {"id": "latest"}, {"id": "HEAD"}])
def test_version_without_a_usable_id_is_400(
    client: FlaskClient, collection: str, body: dict
) -> None:
    response = client.post(VERSIONS, json=body)
    assert response.status_code == 400
    assert response.get_json()["violations"][0].startswith("'id'")


def test_versions_of_unknown_collection_are_404(client: FlaskClient, source: str) -> None:
    assert client.post("/orgs/WHO/collections/NOPE/versions/", json={"id": "v1"}).status_code == 404
    assert client.get("/orgs/WHO/collections/NOPE/versions/").status_code == 404


def test_list_newest_first_with_head(client: FlaskClient, collection: str) -> None:
    _version(client, "v1")
    _version(client, "v2", released=True)
    response = client.get(VERSIONS)
    data = response.get_json()
    assert [v["id"] for v in data] == ["HEAD", "v2", "v1"]
    assert response.headers["num_found"] == "3"
    assert data[1]["previous_version_url"] == f"{COLLECTION}v1/"
    assert data[1]["released"] is True


def test_get_and_unknown_version(client: FlaskClient, collection: str) -> None:
    _version(client)
    assert client.get(f"{COLLECTION}v1/").get_json()["id"] == "v1"
    assert client.get(f"{COLLECTION}HEAD/").get_json()["id"] == "HEAD"
    assert client.get(f"{COLLECTION}v9/").status_code == 404
    assert client.get(f"{COLLECTION}v9/concepts/").status_code == 404
    assert client.get(f"{COLLECTION}v9/references/").status_code == 404


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_metadata(client: FlaskClient, collection: str, method: str) -> None:
    _version(client, description="old")
    body = {"released": "true", "retired": True, "extras": {"k": "v"}, "external_id": "X"}
    response = getattr(client, method)(f"{COLLECTION}v1/", json=body)
    assert response.status_code == 200
    data = client.get(f"{COLLECTION}v1/").get_json()
    assert (data["released"], data["retired"]) == (True, True)
    assert data["extras"] == {"k": "v"}
    assert data["external_id"] == "X"
    assert data["description"] == "old"


def test_update_with_bad_released_is_400(client: FlaskClient, collection: str) -> None:
    _version(client)
    response = client.patch(f"{COLLECTION}v1/", json={"released": "maybe"})
    assert response.status_code == 400
    assert response.get_json()["violations"] == ["'released': Must be a valid boolean."]
    assert client.get(f"{COLLECTION}v1/").get_json()["released"] is False


def test_update_head_is_400(client: FlaskClient, collection: str) -> None:
    assert client.patch(f"{COLLECTION}HEAD/", json={"released": True}).status_code == 400


def test_latest_is_the_newest_released(client: FlaskClient, collection: str) -> None:
    assert client.get(f"{COLLECTION}latest/").status_code == 404
    _version(client, "v1", released=True)
    _version(client, "v2")
    assert client.get(f"{COLLECTION}latest/").get_json()["id"] == "v1"
    assert client.put(f"{COLLECTION}latest/", json={"description": "d"}).status_code == 200
    assert client.get(f"{COLLECTION}v1/").get_json()["description"] == "d"


def test_delete_version(client: FlaskClient, collection: str) -> None:
    _version(client)
    assert client.delete(f"{COLLECTION}v1/").status_code == 204
    assert client.get(f"{COLLECTION}v1/").status_code == 404
    assert client.delete(f"{COLLECTION}v1/").status_code == 404
    assert client.delete(f"{COLLECTION}HEAD/").status_code == 400
    assert [v["id"] for v in client.get(VERSIONS).get_json()] == ["HEAD"]


# --- frozen versions ----------------------------------------------------------------------


def test_an_edit_after_the_version_shows_at_head_only(client: FlaskClient, collection: str) -> None:
    _version(client)
    before = client.get(f"{SOURCE}concepts/A1/").get_json()
    names = [{"name": "New name", "locale": "en", "locale_preferred": True}]
    edit = client.patch(f"{SOURCE}concepts/A1/", json={"concept_class": "Symptom", "names": names})
    assert edit.status_code == 200
    frozen = client.get(f"{COLLECTION}v1/concepts/A1/").get_json()
    head = client.get(f"{COLLECTION}concepts/A1/").get_json()
    assert frozen["concept_class"] == "Diagnosis"
    assert frozen["display_name"] == "Name of A1"
    assert frozen["version"] == before["version"]
    assert head["concept_class"] == "Symptom"
    assert head["display_name"] == "New name"
    assert head["version"] != before["version"]


def test_a_retirement_after_the_version_shows_at_head_only(
    client: FlaskClient, collection: str
) -> None:
    _version(client)
    assert client.delete(f"{SOURCE}concepts/A1/").status_code == 204
    assert ids(client.get(f"{COLLECTION}v1/concepts/")) == ["A1"]
    assert client.get(f"{COLLECTION}concepts/").get_json() == []
    retired = client.get(f"{COLLECTION}concepts/?includeRetired=true").get_json()
    assert [c["retired"] for c in retired] == [True]
    frozen = client.get(f"{COLLECTION}v1/?includeConcepts=true").get_json()["concepts"]
    assert [c["retired"] for c in frozen] == [False]


def test_references_after_the_version_change_head_only(
    client: FlaskClient, collection: str
) -> None:
    add_concept(client, "A2")
    _version(client)
    add_refs(client, concept_url("A2"))
    client.delete(f"{COLLECTION}references/", json={"references": [concept_url("A1")]})
    assert ids(client.get(f"{COLLECTION}v1/concepts/")) == ["A1"]
    assert ids(client.get(f"{COLLECTION}concepts/")) == ["A2"]
    frozen = client.get(f"{COLLECTION}v1/references/").get_json()
    assert [r["expression"] for r in frozen] == [concept_url("A1")]
    assert frozen[0]["uri"].startswith(f"{COLLECTION}v1/references/")
    assert client.get(f"{COLLECTION}v1/concepts/A2/").status_code == 404


def test_a_concept_created_after_the_version_is_not_in_it(client: FlaskClient, source: str) -> None:
    make_collection(client)
    _version(client)
    add_concept(client, "A2")
    add_refs(client, concept_url("A2"))
    assert client.get(f"{COLLECTION}v1/concepts/").get_json() == []
    assert ids(client.get(f"{COLLECTION}concepts/")) == ["A2"]


def test_each_version_keeps_its_own_time(client: FlaskClient, collection: str) -> None:
    _version(client, "v1")
    client.patch(f"{SOURCE}concepts/A1/", json={"concept_class": "Symptom"})
    _version(client, "v2")
    client.patch(f"{SOURCE}concepts/A1/", json={"concept_class": "Finding"})
    classes = [
        client.get(f"{COLLECTION}{v}concepts/A1/").get_json()["concept_class"]
        for v in ("v1/", "v2/", "")
    ]
    assert classes == ["Diagnosis", "Symptom", "Finding"]


def test_a_pinned_concept_version_stays_at_head(client: FlaskClient, source: str) -> None:
    make_collection(client)
    pinned = client.get(f"{SOURCE}concepts/A1/").get_json()["version"]
    add_refs(client, concept_url("A1", pinned))
    client.patch(f"{SOURCE}concepts/A1/", json={"concept_class": "Symptom"})
    head = client.get(f"{COLLECTION}concepts/A1/").get_json()
    assert head["concept_class"] == "Diagnosis"
    assert head["version"] == pinned


def test_a_source_version_expression_reads_that_version(client: FlaskClient, source: str) -> None:
    make_collection(client)
    client.post(f"{SOURCE}versions/", json={"id": "s1"})
    client.patch(f"{SOURCE}concepts/A1/", json={"concept_class": "Symptom"})
    add_refs(client, f"{SOURCE}s1/concepts/A1/")
    assert client.get(f"{COLLECTION}concepts/A1/").get_json()["concept_class"] == "Diagnosis"
    assert client.get(f"{COLLECTION}references/").get_json()[0]["version"] == "s1"


def test_a_deleted_source_leaves_no_members(client: FlaskClient, collection: str) -> None:
    _version(client)
    assert client.delete(SOURCE).status_code == 204
    assert client.get(f"{COLLECTION}concepts/").get_json() == []
    assert client.get(f"{COLLECTION}v1/concepts/").get_json() == []
    assert len(client.get(f"{COLLECTION}v1/references/").get_json()) == 1


# --- members and the repository GET -------------------------------------------------------


def test_mappings_of_a_version(client: FlaskClient, collection: str) -> None:
    add_concept(client, "A2")
    body = {
        "id": "M1",
        "map_type": "SAME-AS",
        "from_concept_url": concept_url("A1"),
        "to_concept_url": concept_url("A2"),
    }
    client.post(f"{SOURCE}mappings/", json=body)
    add_refs(client, f"{SOURCE}mappings/M1/")
    _version(client)
    client.patch(f"{SOURCE}mappings/M1/", json={"map_type": "NARROWER-THAN"})
    frozen = client.get(f"{COLLECTION}v1/mappings/").get_json()
    assert [(m["id"], m["map_type"]) for m in frozen] == [("M1", "SAME-AS")]
    assert client.get(f"{COLLECTION}mappings/M1/").get_json()["map_type"] == "NARROWER-THAN"
    assert client.get(f"{COLLECTION}v1/mappings/M1/").get_json()["from_concept_code"] == "A1"


def test_members_are_paged(client: FlaskClient, collection: str) -> None:
    for cid in ("A2", "A3"):
        add_concept(client, cid)
        add_refs(client, concept_url(cid))
    response = client.get(f"{COLLECTION}concepts/?limit=2")
    assert ids(response) == ["A1", "A2"]
    assert response.headers["num_found"] == "3"
    assert ids(client.get(f"{COLLECTION}concepts/?limit=2&page=2")) == ["A3"]


def test_repo_get_with_content_limit_offset(client: FlaskClient, collection: str) -> None:
    for cid in ("A2", "A3"):
        add_concept(client, cid)
        add_refs(client, concept_url(cid))
    _version(client)
    every = client.get(f"{COLLECTION}v1/?includeConcepts=true&limit=0").get_json()
    assert every["id"] == "v1"
    assert [c["id"] for c in every["concepts"]] == ["A1", "A2", "A3"]
    assert "mappings" not in every
    part = client.get(f"{COLLECTION}?includeConcepts=true&includeMappings=true&limit=1&offset=1")
    data = part.get_json()
    assert [c["id"] for c in data["concepts"]] == ["A2"]
    assert data["mappings"] == []
    plain = client.get(f"{COLLECTION}v1/").get_json()
    assert "concepts" not in plain


def test_repo_get_updated_since(client: FlaskClient, collection: str, clock: ManualClock) -> None:
    clock.set(1_700_000_000_000)  # 2023-11-14T22:13:20Z
    add_concept(client, "A2")
    add_refs(client, concept_url("A2"))
    for since in ("2023-11-14T22:13:20Z", "20231114221320"):
        data = client.get(f"{COLLECTION}?includeConcepts=true&updatedSince={since}").get_json()
        assert [c["id"] for c in data["concepts"]] == ["A2"]
    listed = client.get(f"{COLLECTION}concepts/?updatedSince=2023-11-14T22:13:20Z")
    assert ids(listed) == ["A2"]
    assert listed.headers["num_found"] == "1"
    assert client.get(f"{COLLECTION}?includeConcepts=true&updatedSince=soon").status_code == 400


def test_repo_get_compressed(client: FlaskClient, collection: str) -> None:
    _version(client)
    response = client.get(f"{COLLECTION}v1/?includeConcepts=true", headers={"Compress": "true"})
    assert response.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        data = json.loads(archive.read("export.json"))
    assert data["type"] == "Collection Version"
    assert [c["id"] for c in data["concepts"]] == ["A1"]


def test_latest_get_with_content(client: FlaskClient, collection: str) -> None:
    _version(client, released=True)
    client.delete(f"{COLLECTION}references/", json={"references": "*"})
    data = client.get(f"{COLLECTION}latest/?includeConcepts=true").get_json()
    assert [c["id"] for c in data["concepts"]] == ["A1"]


@pytest.mark.parametrize("version_id", ["v" * 101, "a b", 5])
def test_hostile_version_ids_are_400(
    client: FlaskClient, collection: str, version_id: object
) -> None:
    response = client.post(VERSIONS, json={"id": version_id})
    assert response.status_code == 400
    assert response.get_json()["violations"][0].startswith("'id'")
    assert [v["id"] for v in client.get(VERSIONS).get_json()] == ["HEAD"]
