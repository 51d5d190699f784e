"""Atomic authoring over HTTP: a concept created with its descriptions and mappings inline,
and ``POST /{path}/commits`` with many changes of any types, all or none."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.api.helpers import error
from tests.clients import STAFF


def _commits(client: FlaskClient, path: str = "MAIN") -> int:
    return client.get(f"/commits?branch={path}").get_json()["total"]


def test_a_concept_is_created_with_its_descriptions_and_mappings_in_one_commit(
    client: FlaskClient,
) -> None:
    client.post("/MAIN/concepts", json={"id": "T"})
    before = _commits(client)
    body = {
        "id": "A",
        "descriptions": [
            {"id": "a-fsn", "term": "Heart (structure)", "type": "FSN", "preferred": True},
            {"term": "Heart", "conceptId": "A"},
        ],
        "mappings": [{"id": "m1", "mapType": "SAME-AS", "targetId": "T"}],
    }
    response = client.post("/MAIN/concepts", json=body)
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/MAIN/concepts/A")
    assert _commits(client) == before + 1
    concept = client.get("/MAIN/concepts/A?expand=fsn(),descriptions(),mappings()").get_json()
    assert concept["fsn"]["term"] == "Heart (structure)"
    assert {d["term"] for d in concept["descriptions"]["items"]} == {"Heart (structure)", "Heart"}
    assert {d["conceptId"] for d in concept["descriptions"]["items"]} == {"A"}
    assert [(m["id"], m["sourceId"]) for m in concept["mappings"]["items"]] == [("m1", "A")]


def test_an_inline_description_of_another_concept_is_refused(client: FlaskClient) -> None:
    body = {"id": "A", "descriptions": [{"term": "x", "conceptId": "B"}]}
    message = error(client.post("/MAIN/concepts", json=body), 400)
    assert message["violations"] == [
        "'descriptions': 'conceptId' must be the new concept's id or left out."
    ]
    assert client.get("/MAIN/concepts/A").status_code == 404


def test_an_invalid_inline_description_writes_nothing(client: FlaskClient) -> None:
    body = {"id": "A", "descriptions": [{"id": "d", "term": "x", "languageCode": "??"}]}
    message = error(client.post("/MAIN/concepts", json=body), 400)
    assert message["violations"] == [
        "descriptions[0] (description 'd'): 'language_code' must be a language tag such as "
        "'en', 'fr' or 'en-GB', not '??'."
    ]
    assert client.get("/MAIN/concepts/A").status_code == 404


def test_a_concept_update_takes_no_inline_descriptions(client: FlaskClient) -> None:
    client.post("/MAIN/concepts", json={"id": "A"})
    body = {"descriptions": [{"term": "x"}]}
    message = error(client.put("/MAIN/concepts/A", json=body), 400)
    assert any("descriptions" in v for v in message["violations"])


def test_a_commit_of_creates_updates_and_deletes_of_every_type(client: FlaskClient) -> None:
    client.post("/MAIN/concepts", json={"id": "old"})
    client.post("/MAIN/concepts", json={"id": "B"})
    changes = [
        {"action": "create", "type": "concept", "id": "A", "fields": {"parents": ["B"]}},
        {
            "action": "create",
            "type": "description",
            "id": "d",
            "fields": {"conceptId": "A", "term": "Heart"},
        },
        {
            "action": "create",
            "type": "mapping",
            "id": "m",
            "fields": {"sourceId": "A", "mapType": "SAME-AS", "targetId": "B"},
        },
        {"action": "update", "type": "concept", "id": "B", "fields": {"conceptClass": "Finding"}},
        {"action": "delete", "type": "concept", "id": "old"},
    ]
    response = client.post("/MAIN/commits", json={"commitComment": "batch", "changes": changes})
    assert response.status_code == 200
    commit = response.get_json()
    assert (
        commit["branch"],
        commit["kind"],
        commit["author"],
        commit["comment"],
        commit["changes"],
    ) == (
        "MAIN",
        "CONTENT",
        STAFF,
        "batch",
        5,
    )
    assert client.get("/MAIN/concepts/A").get_json()["parents"] == ["B"]
    assert client.get("/MAIN/concepts/B").get_json()["conceptClass"] == "Finding"
    assert client.get("/MAIN/concepts/old").status_code == 404
    assert client.get("/MAIN/descriptions/d").get_json()["term"] == "Heart"


def test_every_failing_change_is_named_and_nothing_is_written(client: FlaskClient) -> None:
    client.post("/MAIN/concepts", json={"id": "B"})
    before = _commits(client)
    changes = [
        {"action": "create", "type": "concept", "id": "A"},
        {"action": "create", "type": "concept", "id": "B"},
        {"action": "update", "type": "concept", "id": "nowhere", "fields": {"active": False}},
        {"action": "create", "type": "description", "id": "d", "fields": {"conceptId": "A"}},
    ]
    body = error(client.post("/MAIN/commits", json={"changes": changes}), 400)
    assert body["violations"] == [
        "changes[1] (concept 'B'): Concept 'B' already exists.",
        "changes[2] (concept 'nowhere'): Concept 'nowhere' does not exist on this branch.",
        "changes[3] (description 'd'): 'term' is required.",
    ]
    assert _commits(client) == before
    assert client.get("/MAIN/concepts/A").status_code == 404


def test_malformed_changes_are_named_before_the_store_is_asked(client: FlaskClient) -> None:
    changes = [
        {"action": "update", "type": "concept", "fields": {"active": False}},
        {"action": "delete", "type": "concept", "id": "A", "fields": {"active": False}},
        {"action": "create", "type": "concept", "id": "A", "fields": {"active": "yes"}},
        {"action": "create", "type": "concept", "id": "A", "fields": {"id": "B"}},
    ]
    body = error(client.post("/MAIN/commits", json={"changes": changes}), 400)
    assert body["violations"] == [
        "changes[0]: an update needs the 'id' of the concept.",
        "changes[1]: a delete takes no 'fields'.",
        "changes[2]: 'active': Not a valid boolean.",
        "changes[3]: 'id': Unknown field.",
    ]


def test_a_commit_needs_known_actions_and_types_and_some_changes(client: FlaskClient) -> None:
    body = {"changes": [{"action": "rename", "type": "concept", "id": "A"}]}
    assert error(client.post("/MAIN/commits", json=body), 400)["violations"]
    assert error(client.post("/MAIN/commits", json={"changes": []}), 400)
    assert error(client.post("/MAIN/commits", json={}), 400)


def test_a_commit_that_changes_nothing_is_204_and_not_recorded(client: FlaskClient) -> None:
    client.post("/MAIN/concepts", json={"id": "A"})
    before = _commits(client)
    changes = [{"action": "update", "type": "concept", "id": "A", "fields": {"active": True}}]
    response = client.post("/MAIN/commits", json={"changes": changes})
    assert (response.status_code, response.data) == (204, b"")
    assert _commits(client) == before


def test_a_commit_to_a_version_or_a_past_point_is_refused(client: FlaskClient) -> None:
    changes = [{"action": "create", "type": "concept", "id": "A"}]
    response = client.post("/MAIN@1600000000000/commits", json={"changes": changes})
    assert error(response, 400)["message"]
    assert client.get("/MAIN/concepts/A").status_code == 404


def test_a_commit_of_one_failing_change_names_it_too(client: FlaskClient) -> None:
    changes = [{"action": "create", "type": "mapping", "id": "m"}]
    body = error(client.post("/MAIN/commits", json={"changes": changes}), 400)
    assert body["violations"][0].startswith("changes[0] (mapping 'm'): ")
