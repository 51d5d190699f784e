"""Concepts, descriptions and mappings under a path (DESIGN.md §4): create, read, update,
delete, references and cascades, history, and isolation between branches."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.api.helpers import (
    branch,
    concept,
    description,
    error,
    ids,
    mapping,
    ok,
    update,
)
from tests.clients import auth

# --- concepts ------------------------------------------------------------------------------


def test_a_concept_round_trips_every_field(client: FlaskClient) -> None:
    concept(client, "100")
    fields = {
        "active": False,
        "moduleId": "core",
        "conceptClass": "Diagnosis",
        "datatype": "N/A",
        "parents": ["100"],
        "externalId": "ext-1",
        "extras": {"a": [1, "x"], "b": {"c": True}},
        "retireReason": "duplicate",
    }
    concept(client, "200", **fields)
    assert ok(client.get("/MAIN/concepts/200")) == {"id": "200", "released": False, **fields}


def test_a_new_concept_gets_the_defaults(client: FlaskClient) -> None:
    concept(client, "100")
    assert ok(client.get("/MAIN/concepts/100")) == {
        "id": "100",
        "active": True,
        "released": False,
        "parents": [],
    }


def test_put_changes_only_the_given_fields(client: FlaskClient) -> None:
    concept(client, "100", conceptClass="Finding", moduleId="core")
    response = client.put("/MAIN/concepts/100", json={"conceptClass": "Diagnosis"})
    assert response.status_code == 204
    assert response.get_data() == b""
    data = ok(client.get("/MAIN/concepts/100"))
    assert data["conceptClass"] == "Diagnosis"
    assert data["moduleId"] == "core"


def test_put_with_null_clears_a_field(client: FlaskClient) -> None:
    concept(client, "100", conceptClass="Finding")
    update(client, "/MAIN/concepts/100", conceptClass=None)
    assert "conceptClass" not in ok(client.get("/MAIN/concepts/100"))


def test_put_with_the_same_values_is_204_and_commits_nothing(client: FlaskClient) -> None:
    concept(client, "100", conceptClass="Finding")
    head = ok(client.get("/branches/MAIN"))["headTimestamp"]
    update(client, "/MAIN/concepts/100", conceptClass="Finding")
    assert ok(client.get("/branches/MAIN"))["headTimestamp"] == head


def test_put_cannot_change_the_id(client: FlaskClient) -> None:
    concept(client, "100")
    body = error(client.put("/MAIN/concepts/100", json={"id": "200"}), 400)
    assert any("id" in v for v in body["violations"])


def test_put_with_the_same_id_is_allowed(client: FlaskClient) -> None:
    concept(client, "100")
    update(client, "/MAIN/concepts/100", id="100", active=False)
    assert ok(client.get("/MAIN/concepts/100"))["active"] is False


def test_delete_is_204_and_the_concept_is_gone(client: FlaskClient) -> None:
    concept(client, "100")
    response = client.delete("/MAIN/concepts/100")
    assert response.status_code == 204
    assert response.get_data() == b""
    error(client.get("/MAIN/concepts/100"), 404)
    assert ok(client.get("/MAIN/concepts"))["total"] == 0


def test_deleting_twice_is_404(client: FlaskClient) -> None:
    concept(client, "100")
    client.delete("/MAIN/concepts/100")
    error(client.delete("/MAIN/concepts/100"), 404)


def test_a_deleted_id_can_be_created_again(client: FlaskClient) -> None:
    concept(client, "100", conceptClass="A")
    client.delete("/MAIN/concepts/100")
    concept(client, "100", conceptClass="B")
    assert ok(client.get("/MAIN/concepts/100"))["conceptClass"] == "B"


def test_deleting_a_concept_deletes_its_descriptions_and_mappings(client: FlaskClient) -> None:
    concept(client, "100")
    concept(client, "200")
    description(client, "d1", "100", "Heart")
    mapping(client, "m1", "100", "200")
    mapping(client, "m2", "200", "200")
    client.delete("/MAIN/concepts/100")
    error(client.get("/MAIN/descriptions/d1"), 404)
    error(client.get("/MAIN/mappings/m1"), 404)
    assert ids(client.get("/MAIN/mappings")) == ["m2"]


def test_a_concept_others_map_to_cannot_be_deleted(client: FlaskClient) -> None:
    concept(client, "100")
    concept(client, "200")
    mapping(client, "m1", "200", "100")
    body = error(client.delete("/MAIN/concepts/100"), 409)
    assert "100" in body["message"]
    ok(client.get("/MAIN/mappings/m1"))


def test_a_commit_comment_on_delete_is_recorded(client: FlaskClient, app: Flask) -> None:
    concept(client, "100")
    client.delete("/MAIN/concepts/100?commitComment=gone", headers=auth(app, "bob"))
    newest = ok(client.get("/commits?branch=MAIN"))["items"][0]
    assert (newest["author"], newest["comment"]) == ("bob", "gone")


def test_a_commit_comment_on_update_is_recorded(client: FlaskClient) -> None:
    concept(client, "100")
    update(client, "/MAIN/concepts/100", active=False, commitComment="retired")
    assert ok(client.get("/commits?branch=MAIN"))["items"][0]["comment"] == "retired"


def test_the_commit_comment_is_not_stored_on_the_component(client: FlaskClient) -> None:
    concept(client, "100", commitComment="hello")
    assert "commitComment" not in ok(client.get("/MAIN/concepts/100"))


# --- descriptions and mappings -------------------------------------------------------------


def test_a_description_round_trips_every_field(client: FlaskClient) -> None:
    concept(client, "100")
    fields = {
        "conceptId": "100",
        "term": "Heart attack",
        "languageCode": "fr",
        "type": "FSN",
        "preferred": True,
        "active": False,
        "externalId": "e1",
        "extras": {"k": "v"},
    }
    created = client.post("/MAIN/descriptions", json={"id": "d1", **fields})
    assert created.status_code == 201
    assert ok(client.get("/MAIN/descriptions/d1")) == {"id": "d1", "released": False, **fields}


def test_a_description_gets_defaults(client: FlaskClient) -> None:
    concept(client, "100")
    description(client, "d1", "100", "Heart")
    data = ok(client.get("/MAIN/descriptions/d1"))
    assert data["languageCode"] == "en"
    assert data["type"] == "SYNONYM"
    assert data["preferred"] is False
    assert data["active"] is True


def test_a_mapping_round_trips_every_field(client: FlaskClient) -> None:
    concept(client, "100")
    fields = {
        "sourceId": "100",
        "mapType": "SAME-AS",
        "targetCodeSystem": "ICD10",
        "targetCode": "I21",
        "targetName": "Acute MI",
        "active": True,
        "sortWeight": 1.5,
        "externalId": "x",
        "extras": {"k": 1},
    }
    assert client.post("/MAIN/mappings", json={"id": "m1", **fields}).status_code == 201
    assert ok(client.get("/MAIN/mappings/m1")) == {"id": "m1", "released": False, **fields}


def test_a_mapping_to_a_concept_of_the_same_code_system(client: FlaskClient) -> None:
    concept(client, "100")
    concept(client, "200")
    mapping(client, "m1", "100", "200")
    data = ok(client.get("/MAIN/mappings/m1"))
    assert (data["sourceId"], data["targetId"]) == ("100", "200")


def test_a_description_can_move_to_another_concept(client: FlaskClient) -> None:
    concept(client, "100")
    concept(client, "200")
    description(client, "d1", "100", "Heart")
    update(client, "/MAIN/descriptions/d1", conceptId="200")
    assert ok(client.get("/MAIN/descriptions/d1"))["conceptId"] == "200"


def test_a_description_cannot_move_to_a_missing_concept(client: FlaskClient) -> None:
    concept(client, "100")
    description(client, "d1", "100", "Heart")
    error(client.put("/MAIN/descriptions/d1", json={"conceptId": "nope"}), 400)
    assert ok(client.get("/MAIN/descriptions/d1"))["conceptId"] == "100"


def test_deleting_a_description_leaves_the_concept(client: FlaskClient) -> None:
    concept(client, "100")
    description(client, "d1", "100", "Heart")
    assert client.delete("/MAIN/descriptions/d1").status_code == 204
    ok(client.get("/MAIN/concepts/100"))
    error(client.get("/MAIN/descriptions/d1"), 404)


def test_a_component_id_is_per_type(client: FlaskClient) -> None:
    concept(client, "x1")
    description(client, "x1", "x1", "Same id, other type")
    assert ok(client.get("/MAIN/descriptions/x1"))["conceptId"] == "x1"


# --- branches ------------------------------------------------------------------------------


def test_a_change_on_a_branch_is_not_seen_on_its_parent(client: FlaskClient) -> None:
    concept(client, "100", conceptClass="A")
    branch(client, "MAIN", "a")
    update(client, "/MAIN/a/concepts/100", conceptClass="B")
    concept(client, "200", path="MAIN/a")
    assert ok(client.get("/MAIN/concepts/100"))["conceptClass"] == "A"
    assert ok(client.get("/MAIN/a/concepts/100"))["conceptClass"] == "B"
    error(client.get("/MAIN/concepts/200"), 404)


def test_a_deletion_on_a_branch_hides_the_parent_component_there_only(
    client: FlaskClient,
) -> None:
    concept(client, "100")
    branch(client, "MAIN", "a")
    assert client.delete("/MAIN/a/concepts/100").status_code == 204
    error(client.get("/MAIN/a/concepts/100"), 404)
    ok(client.get("/MAIN/concepts/100"))
    assert ok(client.get("/MAIN/a/concepts"))["total"] == 0


def test_a_branch_sees_its_parent_as_at_its_base(client: FlaskClient) -> None:
    concept(client, "100")
    branch(client, "MAIN", "a")
    concept(client, "200")
    assert ids(client.get("/MAIN/a/concepts")) == ["100"]


# --- history -------------------------------------------------------------------------------


def test_history_lists_each_revision_with_author_and_comment(
    client: FlaskClient, app: Flask
) -> None:
    client.post(
        "/MAIN/concepts",
        json={"id": "100", "commitComment": "made"},
        headers=auth(app, "ann"),
    )
    client.put(
        "/MAIN/concepts/100",
        json={"conceptClass": "X", "commitComment": "classified"},
        headers=auth(app, "bob"),
    )
    data = ok(client.get("/MAIN/concepts/100/history"))
    assert data["total"] == 2
    first, second = data["items"]
    assert (first["author"], first["comment"]) == ("ann", "made")
    assert (second["author"], second["comment"]) == ("bob", "classified")
    assert first["endTimestamp"] == second["timestamp"]
    assert "endTimestamp" not in second
    assert first["component"] == {"id": "100", "active": True, "parents": []}
    assert second["component"]["conceptClass"] == "X"
    assert {first["branch"], second["branch"]} == {"MAIN"}


def test_history_shows_a_deletion(client: FlaskClient) -> None:
    concept(client, "100")
    branch(client, "MAIN", "a")
    client.delete("/MAIN/a/concepts/100")
    items = ok(client.get("/MAIN/a/concepts/100/history"))["items"]
    assert items[-1]["deleted"] is True
    assert items[-1]["branch"] == "MAIN/a"
    assert "component" not in items[-1]


def test_history_at_a_past_point_stops_there(client: FlaskClient) -> None:
    concept(client, "100")
    head = ok(client.get("/branches/MAIN"))["headTimestamp"]
    update(client, "/MAIN/concepts/100", active=False)
    assert ok(client.get(f"/MAIN@{head}/concepts/100/history"))["total"] == 1
    assert ok(client.get("/MAIN/concepts/100/history"))["total"] == 2


def test_history_of_descriptions_and_mappings(client: FlaskClient) -> None:
    concept(client, "100")
    description(client, "d1", "100", "Heart")
    mapping(client, "m1", "100", "100")
    update(client, "/MAIN/descriptions/d1", term="Heart!")
    assert ok(client.get("/MAIN/descriptions/d1/history"))["total"] == 2
    assert ok(client.get("/MAIN/mappings/m1/history"))["total"] == 1


def test_history_of_an_unknown_component_is_404(client: FlaskClient) -> None:
    error(client.get("/MAIN/concepts/nope/history"), 404)
