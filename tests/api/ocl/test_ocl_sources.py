"""Sources through the OCL API: create, get, list, update, delete; ids, owners, paging."""

from __future__ import annotations

from flask.testing import FlaskClient

from revisions import RevisionStore
from tests.api.ocl.owners import org, user


def test_create_answers_201_location_and_the_source(client: FlaskClient, who: str) -> None:
    body = {
        "id": "ICD",
        "name": "ICD-10",
        "full_name": "International Classification",
        "default_locale": "fr",
        "supported_locales": "en,fr",
        "extras": {"k": "v"},
        "source_type": "Dictionary",
    }
    response = client.post("/orgs/WHO/sources", json=body)
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/orgs/WHO/sources/ICD/")
    data = response.get_json()
    assert data["type"] == "Source"
    assert data["id"] == "ICD"
    assert data["short_code"] == "ICD"
    assert data["full_name"] == "International Classification"
    assert data["supported_locales"] == ["fr", "en"]  # the default locale first
    assert data["extras"] == {"k": "v"}
    assert data["owner_type"] == "Organization"


def test_source_is_a_code_system_of_its_short_code(client: FlaskClient, who: str) -> None:
    body = {"id": "ICD", "short_code": "ICD10", "name": "ICD-10", "default_locale": "fr"}
    client.post("/orgs/WHO/sources/", json=body)
    native = client.get("/codesystems/ICD10").get_json()
    assert native["title"] == "ICD-10"
    assert native["language"] == "fr"


def test_missing_name_is_400_naming_it(client: FlaskClient, who: str) -> None:
    response = client.post("/orgs/WHO/sources/", json={"id": "ICD"})
    assert response.status_code == 400
    assert response.get_json()["violations"] == ["'name': This field is required."]


def test_duplicate_id_is_400_naming_id(client: FlaskClient, source: str) -> None:
    response = client.post("/orgs/WHO/sources/", json={"id": "ICD", "name": "again"})
    assert response.status_code == 400
    assert response.get_json()["violations"][0].startswith("'id':")


def test_taken_short_code_is_400_naming_short_code(
    client: FlaskClient, source: str, store: RevisionStore
) -> None:
    org(store, "OTHER")
    response = client.post("/orgs/OTHER/sources/", json={"id": "ICD", "name": "x"})
    assert response.status_code == 400
    assert response.get_json()["violations"][0].startswith("'short_code':")


def test_reserved_short_code_is_400(client: FlaskClient, who: str) -> None:
    response = client.post("/orgs/WHO/sources/", json={"id": "branches", "name": "x"})
    assert response.status_code == 400
    assert response.get_json()["violations"][0].startswith("'short_code':")


def test_unknown_owner_is_404(client: FlaskClient) -> None:
    assert client.get("/orgs/NOPE/sources/").status_code == 404
    assert client.post("/orgs/NOPE/sources/", json={"id": "A", "name": "A"}).status_code == 404


def test_unknown_source_is_404(client: FlaskClient, who: str) -> None:
    response = client.get("/orgs/WHO/sources/NOPE/")
    assert response.status_code == 404
    assert response.get_json()["status"] == "404"


def test_user_owned_source(client: FlaskClient, store: RevisionStore) -> None:
    user(store, "jdoe")
    assert client.post("/users/jdoe/sources/", json={"id": "S", "name": "S"}).status_code == 201
    data = client.get("/users/jdoe/sources/S").get_json()
    assert data["owner_type"] == "User"
    assert data["url"] == "/users/jdoe/sources/S/"


def test_caller_urls_need_a_caller(anonymous: FlaskClient) -> None:
    assert anonymous.get("/user/sources/").status_code == 401


def test_caller_urls_are_the_callers_own(client: FlaskClient) -> None:
    # The default client is the staff user tester.
    assert client.post("/user/sources/", json={"id": "MINE", "name": "Mine"}).status_code == 201
    assert [s["id"] for s in client.get("/users/tester/sources/").get_json()] == ["MINE"]
    assert [s["id"] for s in client.get("/user/sources/").get_json()] == ["MINE"]


def test_get_with_and_without_trailing_slash(client: FlaskClient, source: str) -> None:
    assert client.get(source).get_json() == client.get(source.rstrip("/")).get_json()


def test_lists_are_paged_ocl_style(client: FlaskClient, who: str) -> None:
    for i in range(3):
        client.post("/orgs/WHO/sources/", json={"id": f"S{i}", "name": f"S{i}"})
    response = client.get("/orgs/WHO/sources/?limit=2&page=2")
    assert [s["id"] for s in response.get_json()] == ["S2"]
    assert response.headers["num_found"] == "3"
    assert response.headers["num_returned"] == "1"
    assert response.headers["pages"] == "2"
    assert response.headers["page_number"] == "2"
    assert "page=1" in response.headers["previous"]
    assert "next" not in response.headers
    everything = client.get("/sources/")
    assert [s["id"] for s in everything.get_json()] == ["S0", "S1", "S2"]


def test_page_past_the_end_is_empty(client: FlaskClient, source: str) -> None:
    response = client.get("/orgs/WHO/sources/?page=9")
    assert response.status_code == 200
    assert response.get_json() == []


def test_bad_paging_is_400(client: FlaskClient, source: str) -> None:
    assert client.get("/orgs/WHO/sources/?limit=x").status_code == 400
    assert client.get("/orgs/WHO/sources/?page=0").status_code == 400
    assert client.get("/orgs/WHO/sources/?limit=1001").status_code == 400


def test_put_and_patch_are_partial(client: FlaskClient, source: str) -> None:
    client.put(source, json={"full_name": "Full"})
    response = client.patch(source, json={"name": "Renamed", "public_access": "None"})
    data = response.get_json()
    assert response.status_code == 200
    assert data["full_name"] == "Full"
    assert data["name"] == "Renamed"
    assert data["public_access"] == "None"


def test_bad_public_access_is_400(client: FlaskClient, source: str) -> None:
    assert client.patch(source, json={"public_access": "All"}).status_code == 400


def test_delete_removes_the_source_and_its_code_system(client: FlaskClient, source: str) -> None:
    assert client.delete(source).status_code == 204
    assert client.get(source).status_code == 404
    assert client.get("/codesystems/ICD").status_code == 404


def test_native_delete_of_a_sources_code_system_deletes_the_source(
    client: FlaskClient, source: str
) -> None:
    assert client.delete("/codesystems/ICD").status_code == 204
    assert client.get(source).status_code == 404
    assert client.get("/orgs/WHO/sources/").get_json() == []
