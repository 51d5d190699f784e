"""Collections through the OCL API: create, get, update, delete, the lists per owner and
overall, and ``repos/`` (sources and collections), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from revisions import RevisionStore
from tests.api.ocl.collecting import COLLECTION, add_refs, concept_url, ids, make_collection
from tests.api.ocl.owners import org, user


def test_create_is_201_with_location_and_collection_fields(client: FlaskClient, who: str) -> None:
    response = client.post(
        "/orgs/WHO/collections/",
        json={"id": "C", "name": "Common", "collection_type": "Subset", "public_access": "None"},
    )
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/orgs/WHO/collections/C/")
    data = response.get_json()
    assert data["type"] == "Collection"
    assert (data["id"], data["short_code"], data["name"]) == ("C", "C", "Common")
    assert data["collection_type"] == "Subset"
    assert data["public_access"] == "None"
    assert data["version"] == "HEAD"
    assert data["url"] == COLLECTION
    assert data["owner_type"] == "Organization"
    assert data["versions_url"] == f"{COLLECTION}versions/"
    assert data["supported_locales"] == ["en"]


def test_create_without_trailing_slash(client: FlaskClient, who: str) -> None:
    response = client.post("/orgs/WHO/collections", json={"id": "C", "name": "Common"})
    assert response.status_code == 201
    assert client.get("/orgs/WHO/collections/C").get_json()["name"] == "Common"


@pytest.mark.parametrize("missing", ["id", "name"])
def test_create_without_a_required_field_is_400_naming_it(
    client: FlaskClient, who: str, missing: str
) -> None:
    body = {"id": "C", "name": "Common"}
    del body[missing]
    response = client.post("/orgs/WHO/collections/", json=body)
    assert response.status_code == 400
    assert response.get_json()["violations"] == [f"'{missing}': This field is required."]


def test_duplicate_id_is_400_naming_id(client: FlaskClient, who: str) -> None:
    make_collection(client)
    response = client.post("/orgs/WHO/collections/", json={"id": "C", "name": "Again"})
    assert response.status_code == 400
    assert response.get_json()["violations"][0].startswith("'id': Collection with id 'C'")
    assert client.get(COLLECTION).get_json()["name"] == "Common"


def test_bad_public_access_is_400(client: FlaskClient, who: str) -> None:
    response = client.post(
        "/orgs/WHO/collections/", json={"id": "C", "name": "x", "public_access": "All"}
    )
    assert response.status_code == 400
    assert "'public_access'" in response.get_json()["violations"][0]
    assert client.get(COLLECTION).status_code == 404


def test_unknown_owner_is_404(client: FlaskClient, who: str) -> None:
    assert client.post("/orgs/NOPE/collections/", json={"id": "C", "name": "x"}).status_code == 404
    assert client.get("/orgs/NOPE/collections/").status_code == 404
    assert client.get("/users/nobody/collections/C/").status_code == 404


def test_unknown_collection_is_404(client: FlaskClient, who: str) -> None:
    response = client.get("/orgs/WHO/collections/NOPE/")
    assert response.status_code == 404
    assert "NOPE" in response.get_json()["message"]


def test_user_urls_need_a_caller(anonymous: FlaskClient, who: str) -> None:
    assert anonymous.get("/user/collections/").status_code == 401
    assert anonymous.post("/user/collections/", json={"id": "C", "name": "x"}).status_code == 401
    assert anonymous.get("/user/repos/").status_code == 401


def test_user_owned_collection(client: FlaskClient, store: RevisionStore) -> None:
    user(store, "jdoe")
    response = client.post("/users/jdoe/collections/", json={"id": "Mine", "name": "Mine"})
    assert response.status_code == 201
    assert response.get_json()["owner_type"] == "User"
    assert ids(client.get("/users/jdoe/collections/")) == ["Mine"]


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_is_partial(client: FlaskClient, who: str, method: str) -> None:
    make_collection(client, description="old", extras={"a": 1})
    response = getattr(client, method)(COLLECTION, json={"name": "Renamed"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["name"] == "Renamed"
    assert data["description"] == "old"
    assert data["extras"] == {"a": 1}
    assert client.get(COLLECTION).get_json()["name"] == "Renamed"


def test_update_public_access_and_locales(client: FlaskClient, who: str) -> None:
    make_collection(client)
    response = client.patch(
        COLLECTION,
        json={"public_access": "Edit", "supported_locales": "fr,en", "default_locale": "en"},
    )
    data = response.get_json()
    assert data["public_access"] == "Edit"
    assert data["supported_locales"] == ["en", "fr"]


def test_update_with_bad_field_is_400_and_changes_nothing(client: FlaskClient, who: str) -> None:
    make_collection(client)
    response = client.patch(COLLECTION, json={"name": "New", "extras": [1]})
    assert response.status_code == 400
    assert response.get_json()["violations"] == ["'extras': Must be an object."]
    assert client.get(COLLECTION).get_json()["name"] == "Common"


def test_update_unknown_collection_is_404(client: FlaskClient, who: str) -> None:
    assert client.patch("/orgs/WHO/collections/NOPE/", json={"name": "x"}).status_code == 404


def test_delete_is_204_and_forgets_references_and_versions(
    client: FlaskClient, source: str
) -> None:
    make_collection(client)
    add_refs(client, concept_url())
    client.post(f"{COLLECTION}versions/", json={"id": "v1"})
    assert client.delete(COLLECTION).status_code == 204
    assert client.get(COLLECTION).status_code == 404
    assert client.get(f"{COLLECTION}v1/").status_code == 404
    make_collection(client)  # the id is free again, and the new one starts empty
    assert client.get(f"{COLLECTION}references/").get_json() == []
    assert client.delete(COLLECTION).status_code == 204
    assert client.delete(COLLECTION).status_code == 404


def test_lists_per_owner_and_overall_are_paged(client: FlaskClient, store: RevisionStore) -> None:
    org(store, "WHO")
    org(store, "PIH")
    for owner, cid in (("WHO", "B"), ("WHO", "A"), ("PIH", "Z")):
        client.post(f"/orgs/{owner}/collections/", json={"id": cid, "name": cid})
    assert ids(client.get("/orgs/WHO/collections/")) == ["A", "B"]
    response = client.get("/collections/?limit=2")
    assert ids(response) == ["Z", "A"]  # by owner (PIH before WHO), then id
    assert response.headers["num_found"] == "3"
    assert response.headers["pages"] == "2"
    assert ids(client.get("/collections/?limit=2&page=2")) == ["B"]


def test_repos_list_sources_and_collections(client: FlaskClient, source: str) -> None:
    make_collection(client)
    response = client.get("/orgs/WHO/repos/")
    assert [(r["type"], r["id"]) for r in response.get_json()] == [
        ("Source", "ICD"),
        ("Collection", "C"),
    ]
    assert response.headers["num_found"] == "2"
    assert ids(client.get("/orgs/WHO/repos?repoType=Collection")) == ["C"]
    assert ids(client.get("/repos/?repoType=Source")) == ["ICD"]


def test_repos_with_unknown_type_is_400(client: FlaskClient, who: str) -> None:
    response = client.get("/repos/?repoType=Dictionary")
    assert response.status_code == 400
    assert "'repoType'" in response.get_json()["violations"][0]


def test_repos_of_unknown_owner_is_404(client: FlaskClient, who: str) -> None:
    assert client.get("/orgs/NOPE/repos/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "C" * 101, "name": "x"}, "'id'"),
        ({"id": "a b", "name": "x"}, "'id'"),
        ({"id": "C", "name": "x" * 501}, "'name'"),
        ({"id": "C", "name": 5}, "'name'"),
        ({"id": "C", "name": "x", "immutable": "perhaps"}, "'immutable'"),
        ({"id": "C", "name": "x", "supported_locales": 3}, "'supported_locales'"),
    ],
)
def test_hostile_create_is_400_naming_the_field(
    client: FlaskClient, who: str, body: dict, field: str
) -> None:
    response = client.post("/orgs/WHO/collections/", json=body)
    assert response.status_code == 400
    assert response.get_json()["violations"][0].startswith(field)
    assert client.get("/orgs/WHO/collections/").get_json() == []


def test_a_name_too_long_on_update_is_400(client: FlaskClient, who: str) -> None:
    make_collection(client)
    assert client.patch(COLLECTION, json={"name": "x" * 501}).status_code == 400
    assert client.get(COLLECTION).get_json()["name"] == "Common"
