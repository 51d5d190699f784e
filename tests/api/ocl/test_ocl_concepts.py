"""Concepts and mappings through the OCL API, and the one store behind both APIs."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from revisions import Delete, ManualClock
from tests.api.ocl.conftest import concept_body


def test_create_concept_201_location_and_one_commit(client: FlaskClient, source: str) -> None:
    before = client.get("/commits?branch=MAIN/ICD").get_json()["total"]
    body = concept_body(
        "B",
        descriptions=[{"description": "Long text", "locale": "en", "description_type": "None"}],
        extras={"x": 1},
        external_id="ext",
    )
    response = client.post(f"{source}concepts/", json=body)
    assert response.status_code == 201
    assert response.headers["Location"].endswith(f"{source}concepts/B/")
    data = response.get_json()
    assert data["names"][0]["name"] == "Name of B"
    assert data["display_name"] == "Name of B"
    assert data["descriptions"][0]["description_type"] == "None"
    assert data["extras"] == {"x": 1}
    assert data["external_id"] == "ext"
    assert client.get("/commits?branch=MAIN/ICD").get_json()["total"] == before + 1


def test_concept_without_names_is_400(client: FlaskClient, source: str) -> None:
    response = client.post(f"{source}concepts/", json=concept_body("B", names=[]))
    assert response.status_code == 400
    assert response.get_json()["violations"][0].startswith("'names':")


def test_concept_without_class_is_400(client: FlaskClient, source: str) -> None:
    body = concept_body("B")
    del body["concept_class"]
    assert client.post(f"{source}concepts/", json=body).status_code == 400


def test_duplicate_concept_is_400_naming_id(client: FlaskClient, source: str) -> None:
    response = client.post(f"{source}concepts/", json=concept_body("A1"))
    assert response.status_code == 400
    assert response.get_json()["violations"] == ["'id': Concept ID must be unique within a source."]


def test_unknown_concept_is_404(client: FlaskClient, source: str) -> None:
    assert client.get(f"{source}concepts/NOPE/").status_code == 404
    assert client.put(f"{source}concepts/NOPE/", json={"datatype": "x"}).status_code == 404


def test_patch_keeps_absent_lists_and_replaces_given(client: FlaskClient, source: str) -> None:
    client.patch(f"{source}concepts/A1/", json={"datatype": "Text"})
    data = client.get(f"{source}concepts/A1/").get_json()
    assert data["datatype"] == "Text"
    assert [n["name"] for n in data["names"]] == ["Name of A1"]
    names = [{"name": "One", "locale": "en"}, {"name": "Two", "locale": "fr"}]
    data = client.put(f"{source}concepts/A1/", json={"names": names}).get_json()
    assert sorted(n["name"] for n in data["names"]) == ["One", "Two"]


def test_put_with_empty_names_is_400(client: FlaskClient, source: str) -> None:
    assert client.put(f"{source}concepts/A1/", json={"names": []}).status_code == 400


def test_every_edit_is_a_new_version(client: FlaskClient, source: str) -> None:
    first = client.get(f"{source}concepts/A1/").get_json()
    client.patch(f"{source}concepts/A1/", json={"names": [{"name": "Renamed", "locale": "en"}]})
    second = client.get(f"{source}concepts/A1/").get_json()
    assert second["version_url"] != first["version_url"]
    assert second["url"] == first["url"]
    versions = client.get(f"{source}concepts/A1/versions/").get_json()
    assert [v["version"] for v in versions] == [second["version"], first["version"]]
    old = client.get(first["version_url"]).get_json()
    assert old["names"][0]["name"] == "Name of A1"
    assert old["is_latest_version"] is False


def test_a_concept_inherited_from_main_has_its_versions(client: FlaskClient, who: str) -> None:
    # its only edit is older than the source's branch, whose read at that time was a 400
    assert client.post("/MAIN/concepts", json={"id": "M1"}).status_code == 201
    name = {"id": "d1", "conceptId": "M1", "term": "Inherited", "type": "SYNONYM"}
    assert client.post("/MAIN/descriptions", json=name).status_code == 201
    assert client.post("/orgs/WHO/sources/", json={"id": "NEW", "name": "new"}).status_code == 201
    concept = client.get("/orgs/WHO/sources/NEW/concepts/M1/").get_json()
    versions = client.get("/orgs/WHO/sources/NEW/concepts/M1/versions/")
    assert versions.status_code == 200, versions.get_json()
    listed = versions.get_json()  # the concept's creation, then its name's, newest first
    assert [v["version"] for v in listed][:1] == [concept["version"]]
    assert [[n["name"] for n in v["names"]] for v in listed] == [["Inherited"], []]
    latest = client.get(concept["version_url"])
    assert latest.status_code == 200, latest.get_json()
    assert (latest.get_json()["id"], latest.get_json()["is_latest_version"]) == ("M1", True)
    first = client.get(listed[1]["version_url"])
    assert first.status_code == 200, first.get_json()
    assert (first.get_json()["names"], first.get_json()["is_latest_version"]) == ([], False)


def test_a_names_replacement_raced_by_another_is_409(
    client: FlaskClient, source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another request replaces the names between this one's read and its commit: this one's
    # deletes name a description no longer there (a 400 before); nothing of it is written.
    store = client.application.extensions["snowpath"].store
    name = client.get(f"{source}concepts/A1/").get_json()["names"][0]["uuid"]
    committing = store.commit

    def raced(path: str, *args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(store, "commit", committing)
        committing(path, "other", "the other request", [Delete("description", name)])
        return committing(path, *args, **kwargs)

    monkeypatch.setattr(store, "commit", raced)
    mine = {"names": [{"name": "Mine", "locale": "en", "locale_preferred": True}]}
    response = client.put(f"{source}concepts/A1/", json=mine)
    assert response.status_code == 409, response.get_json()
    assert "changed while this request" in response.get_json()["message"]
    assert client.get(f"{source}concepts/A1/").get_json()["names"] == []


def test_unknown_concept_version_is_404(client: FlaskClient, source: str) -> None:
    assert client.get(f"{source}concepts/A1/12/").status_code == 404
    assert client.get(f"{source}concepts/A1/abc/").status_code == 404


def test_retire_and_reactivate(client: FlaskClient, source: str) -> None:
    assert client.delete(f"{source}concepts/A1/").status_code == 204
    assert client.get(f"{source}concepts/A1/").get_json()["retired"] is True
    assert client.delete(f"{source}concepts/A1/").status_code == 400
    assert [c["id"] for c in client.get(f"{source}concepts/").get_json()] == []
    listed = client.get(f"{source}concepts/?includeRetired=true").get_json()
    assert [c["id"] for c in listed] == ["A1"]
    assert client.put(f"{source}concepts/A1/reactivate/").status_code == 204
    assert client.get(f"{source}concepts/A1/").get_json()["retired"] is False
    assert client.put(f"{source}concepts/A1/reactivate/").status_code == 400


def test_concept_list_q_searches_names(client: FlaskClient, source: str) -> None:
    client.post(
        f"{source}concepts/", json=concept_body("B", names=[{"name": "Malaria", "locale": "en"}])
    )
    response = client.get(f"{source}concepts/?q=mala")
    assert [c["id"] for c in response.get_json()] == ["B"]
    assert response.headers["num_found"] == "1"


def test_mapping_lifecycle(client: FlaskClient, source: str) -> None:
    body = {
        "id": "M1",
        "map_type": "SAME-AS",
        "from_source_url": source,
        "from_concept_code": "A1",
        "to_source_url": "/orgs/IHTSDO/sources/SNOMED/",
        "to_concept_code": "154283005",
        "to_concept_name": "Pulmonary Tuberculosis",
    }
    response = client.post(f"{source}mappings/", json=body)
    assert response.status_code == 201
    data = response.get_json()
    assert data["from_concept_url"] == f"{source}concepts/A1/"
    assert data["to_source_name"] == "SNOMED"
    assert data["to_source_owner"] == "IHTSDO"
    assert data["to_concept_url"] == "/orgs/IHTSDO/sources/SNOMED/concepts/154283005/"
    updated = client.patch(f"{source}mappings/M1/", json={"map_type": "NARROWER-THAN"})
    assert updated.get_json()["map_type"] == "NARROWER-THAN"
    assert client.delete(f"{source}mappings/M1/").status_code == 204
    assert client.get(f"{source}mappings/M1/").get_json()["retired"] is True
    assert client.put(f"{source}mappings/M1/reactivate/").status_code == 204
    versions = client.get(f"{source}mappings/M1/versions/").get_json()
    assert len(versions) == 4


def test_mapping_from_another_source_is_400(client: FlaskClient, source: str) -> None:
    body = {
        "map_type": "SAME-AS",
        "from_concept_url": "/orgs/X/sources/Y/concepts/A1/",
        "to_concept_url": f"{source}concepts/A1/",
    }
    response = client.post(f"{source}mappings/", json=body)
    assert response.status_code == 400
    assert response.get_json()["violations"][0].startswith("'from_concept_url':")


def test_mapping_without_target_is_400(client: FlaskClient, source: str) -> None:
    body = {"map_type": "SAME-AS", "from_concept_url": f"{source}concepts/A1/"}
    assert client.post(f"{source}mappings/", json=body).status_code == 400


def test_mapping_to_unknown_concept_of_this_source_is_400(client: FlaskClient, source: str) -> None:
    body = {
        "map_type": "SAME-AS",
        "from_concept_url": f"{source}concepts/A1/",
        "to_concept_url": f"{source}concepts/NOPE/",
    }
    assert client.post(f"{source}mappings/", json=body).status_code == 400


def test_native_catch_all_does_not_swallow_ocl_urls(client: FlaskClient, source: str) -> None:
    # /<path:path>/concepts would read "orgs/WHO/sources/ICD" as a branch path.
    response = client.get(f"{source}concepts")
    assert response.status_code == 200
    assert response.get_json()[0]["type"] == "Concept"
    assert client.get("/orgs/NOPE/sources/ICD/concepts").get_json()["status"] == "404"


def test_native_write_is_read_through_ocl(client: FlaskClient, source: str) -> None:
    client.post(
        "/ICD/concepts",
        json={
            "id": "N1",
            "conceptClass": "Finding",
            "descriptions": [
                {"id": "N1-d", "term": "Native term", "type": "SYNONYM", "preferred": True}
            ],
        },
    )
    data = client.get(f"{source}concepts/N1/").get_json()
    assert data["concept_class"] == "Finding"
    assert data["names"][0]["name"] == "Native term"


def test_ocl_write_is_read_natively_with_history(
    client: FlaskClient, source: str, clock: ManualClock
) -> None:
    before = client.get("/branches/MAIN/ICD").get_json()["headTimestamp"]
    clock.advance(1000)
    client.patch(f"{source}concepts/A1/", json={"concept_class": "Finding"})
    assert client.get("/ICD/concepts/A1").get_json()["conceptClass"] == "Finding"
    assert client.get(f"/MAIN/ICD@{before}/concepts/A1").get_json()["conceptClass"] == "Diagnosis"
    history = client.get("/ICD/concepts/A1/history").get_json()["items"]
    assert len(history) == 2


def test_unknown_mapping_and_mapping_version_are_404(client: FlaskClient, source: str) -> None:
    assert client.get(f"{source}mappings/NOPE/").status_code == 404
    assert client.patch(f"{source}mappings/NOPE/", json={"map_type": "X"}).status_code == 404
    assert client.delete(f"{source}mappings/NOPE/").status_code == 404
    assert client.get(f"{source}concepts/A1/history").status_code == 404


def test_post_to_an_item_url_is_405(client: FlaskClient, source: str) -> None:
    # ocldev updates mappings by POST to the item; OCL answers 405 and so do we.
    assert client.post(f"{source}mappings/M1/", json={}).status_code == 405
    assert client.post(f"{source}concepts/A1/", json={}).status_code == 405


def test_the_urls_a_concept_names_answer(client: FlaskClient, source: str) -> None:
    body = {
        "id": "M1",
        "map_type": "SAME-AS",
        "from_concept_url": f"{source}concepts/A1/",
        "to_source_url": "/orgs/X/sources/Y/",
        "to_concept_code": "1",
        "extras": {"k": "v"},
    }
    client.post(f"{source}mappings/", json=body)
    concept = client.get(f"{source}concepts/A1/").get_json()
    mappings = client.get(concept["mappings_url"])
    assert [m["id"] for m in mappings.get_json()] == ["M1"]
    assert mappings.headers["num_found"] == "1"
    client.delete(f"{source}mappings/M1/")
    assert client.get(concept["mappings_url"]).get_json() == []
    retired = client.get(concept["mappings_url"] + "?includeRetired=true").get_json()
    assert [m["id"] for m in retired] == ["M1"]
    assert client.get(concept["extras_url"]).get_json() == {}
    assert client.get(f"{source}mappings/M1/extras/").get_json() == {"k": "v"}
    assert client.get(concept["versions_url"]).status_code == 200
