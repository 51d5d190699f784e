"""Released content over HTTP, as in Snow Owl: an edit keeps ``released`` and clears
``effectiveTime``; a delete is refused with 409 telling to inactivate instead."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.api.helpers import merge


@pytest.fixture
def released(client: FlaskClient) -> FlaskClient:
    assert client.post("/codesystems", json={"id": "CS", "title": "cs"}).status_code == 201
    for body in (
        {"id": "A"},
        {"id": "d", "conceptId": "A", "term": "Heart", "type": "FSN"},
    ):
        kind = "descriptions" if "term" in body else "concepts"
        assert client.post(f"/CS/{kind}", json=body).status_code == 201
    version = {"version": "v1", "effectiveTime": "20240101"}
    assert client.post("/codesystems/CS/versions", json=version).status_code == 201
    return client


def test_an_edit_keeps_released_and_clears_the_effective_time(released: FlaskClient) -> None:
    before = released.get("/CS/concepts/A").get_json()
    assert (before["released"], before["effectiveTime"]) == (True, "20240101")
    response = released.put("/CS/concepts/A", json={"conceptClass": "Finding"})
    assert response.status_code == 204
    after = released.get("/CS/concepts/A").get_json()
    assert (after["released"], after["conceptClass"]) == (True, "Finding")
    assert "effectiveTime" not in after  # absent fields are left out


def test_deleting_a_released_concept_is_409_and_deletes_nothing(released: FlaskClient) -> None:
    response = released.delete("/CS/concepts/A")
    assert response.status_code == 409
    assert response.get_json()["message"] == (
        "Concept 'A' is released and cannot be deleted: inactivate it instead "
        "(set 'active' to false)."
    )
    assert released.get("/CS/concepts/A").status_code == 200
    assert released.get("/CS/descriptions/d").status_code == 200


def test_inactivating_a_released_concept_is_the_way(released: FlaskClient) -> None:
    response = released.put("/CS/concepts/A", json={"active": False})
    assert response.status_code == 204
    concept = released.get("/CS/concepts/A").get_json()
    assert (concept["active"], concept["released"]) == (False, True)


def test_a_code_system_promoted_into_main_stays_released(released: FlaskClient) -> None:
    # the promotion wrote its content unreleased on MAIN, where it could then be deleted
    assert merge(released, "MAIN/CS", "MAIN")["status"] == "COMPLETED"
    on_main = released.get("/MAIN/concepts/A").get_json()
    assert (on_main["released"], on_main["id"]) == (True, "A")
    assert released.delete("/MAIN/concepts/A").status_code == 409
    assert released.get("/MAIN/concepts/A").status_code == 200
