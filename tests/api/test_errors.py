"""The one error contract (DESIGN.md §4): ``{status, message, developerMessage}`` (+
``violations``), invalid JSON, validation errors, 404, 409, 405 with ``Allow``, a generic 500
that leaks nothing, and never a 500 for bad input."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.helpers import branch, codesystem, concept, description, error, mapping, ok

# Every endpoint that takes a JSON body: (method, url).
BODY_ENDPOINTS = [
    ("POST", "/branches"),
    ("PUT", "/branches/MAIN"),
    ("POST", "/MAIN/concepts"),
    ("PUT", "/MAIN/concepts/100"),
    ("POST", "/MAIN/concepts/search"),
    ("POST", "/MAIN/descriptions"),
    ("POST", "/MAIN/mappings"),
    ("POST", "/merges"),
    ("POST", "/compare"),
    ("POST", "/codesystems"),
    ("PUT", "/codesystems/CS"),
    ("POST", "/codesystems/CS/versions"),
    ("POST", "/codesystems/CS/upgrade"),
]


@pytest.fixture
def world(client: FlaskClient) -> FlaskClient:
    """A code system and a concept, so that the body endpoints exist."""
    codesystem(client, "CS")
    concept(client, "100")
    return client


# --- invalid JSON --------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url"), BODY_ENDPOINTS)
def test_invalid_json_is_400_invalid_json_representation(
    client: FlaskClient, method: str, url: str
) -> None:
    response = client.open(url, method=method, data=b"{bad", content_type="application/json")
    body = error(response, 400)
    assert body["message"] == "Invalid JSON representation"
    assert body["developerMessage"] != body["message"]
    assert "violations" not in body


@pytest.mark.parametrize("raw", [b"", b"[1, 2]", b'"text"', b'{"a": 1', b"null", b"{}}"])
def test_json_that_is_not_one_object_is_invalid_json(client: FlaskClient, raw: bytes) -> None:
    response = client.post("/MAIN/concepts", data=raw, content_type="application/json")
    assert error(response, 400)["message"] == "Invalid JSON representation"


def test_invalid_utf8_is_invalid_json(client: FlaskClient) -> None:
    raw = b'{"id": "\xff"}'
    response = client.post("/MAIN/concepts", data=raw, content_type="application/json")
    assert error(response, 400)["message"] == "Invalid JSON representation"


# --- valid JSON, invalid representation ----------------------------------------------------


@pytest.mark.parametrize(("method", "url"), BODY_ENDPOINTS)
def test_an_unknown_field_is_a_violation(client: FlaskClient, method: str, url: str) -> None:
    response = client.open(url, method=method, json={"surelyNotAField": 1})
    body = error(response, 400)
    assert body["message"].endswith(("Validation error", "Validation errors"))
    assert any("surelyNotAField" in v for v in body["violations"])


def test_two_violations_are_counted_in_the_message(world: FlaskClient) -> None:
    response = world.post("/MAIN/concepts", json={"id": 5, "foo": 1})
    body = error(response, 400)
    assert body["message"] == "2 Validation errors"
    assert body["developerMessage"] == (
        "Input representation syntax or validation errors. Check input values."
    )
    assert len(body["violations"]) == 2
    assert all(isinstance(v, str) for v in body["violations"])
    assert any("'id'" in v for v in body["violations"])
    assert any("'foo'" in v for v in body["violations"])


def test_one_violation_is_singular(world: FlaskClient) -> None:
    body = error(world.post("/MAIN/concepts", json={"active": "yes"}), 400)
    assert body["message"] == "1 Validation error"
    assert len(body["violations"]) == 1
    assert "'active'" in body["violations"][0]


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        ("/MAIN/concepts", {"parents": "100"}, "parents"),
        ("/MAIN/concepts", {"parents": [1]}, "parents"),
        ("/MAIN/concepts", {"extras": []}, "extras"),
        ("/MAIN/concepts", {"active": 1}, "active"),
        ("/MAIN/concepts", {"id": ""}, "id"),
        ("/MAIN/concepts", {"id": "x" * 101}, "id"),
        ("/MAIN/descriptions", {"conceptId": "100", "term": ""}, "term"),
        ("/MAIN/descriptions", {"conceptId": "100", "term": "t", "preferred": "no"}, "preferred"),
        ("/MAIN/mappings", {"sourceId": "100", "mapType": "X", "sortWeight": "a"}, "sortWeight"),
        ("/branches", {"parent": "MAIN", "name": 5}, "name"),
        ("/branches", {"parent": "MAIN"}, "name"),
        ("/branches", {"parent": "MAIN", "name": "a", "metadata": []}, "metadata"),
        ("/merges", {"source": "MAIN"}, "target"),
        ("/codesystems", {"id": "X"}, "title"),
        ("/codesystems/CS/versions", {"version": "v1"}, "effectiveTime"),
    ],
)
def test_a_wrong_type_or_missing_field_is_a_violation_naming_it(
    world: FlaskClient, url: str, payload: dict, field: str
) -> None:
    body = error(world.post(url, json=payload), 400)
    assert body["message"].endswith(("Validation error", "Validation errors"))
    assert any(field in v for v in body["violations"]), body


def test_missing_required_description_fields_are_violations(world: FlaskClient) -> None:
    body = error(world.post("/MAIN/descriptions", json={"id": "d1"}), 400)
    joined = " ".join(body["violations"])
    assert "concept_id" in joined or "conceptId" in joined
    assert "term" in joined


def test_a_mapping_without_any_target_is_a_violation(world: FlaskClient) -> None:
    response = world.post("/MAIN/mappings", json={"sourceId": "100", "mapType": "SAME-AS"})
    body = error(response, 400)
    assert body["violations"]


def test_a_description_of_a_missing_concept_is_400(world: FlaskClient) -> None:
    response = world.post("/MAIN/descriptions", json={"conceptId": "nope", "term": "x"})
    assert "nope" in error(response, 400)["message"]


def test_a_mapping_to_a_missing_concept_is_400(world: FlaskClient) -> None:
    response = world.post(
        "/MAIN/mappings", json={"sourceId": "100", "targetId": "nope", "mapType": "SAME-AS"}
    )
    assert "nope" in error(response, 400)["message"]


# --- 404 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/MAIN/nope/concepts",
        "/MAIN/nope/concepts/100",
        "/MAIN/nope/descriptions",
        "/MAIN/nope@1600000000000/concepts",
        "/MAIN/nope^/concepts",
        "/MAIN...MAIN/nope/concepts",
        "/NOPE/concepts",
        "/NOPE/task/concepts",
        "/CS/LATEST/concepts",
        "/branches/MAIN/nope",
        "/branches/MAIN/nope/children",
        "/codesystems/NOPE",
        "/codesystems/NOPE/versions",
        "/codesystems/CS/versions/v9",
        "/MAIN/concepts/nope",
        "/MAIN/concepts/nope/history",
        "/MAIN/descriptions/nope",
        "/MAIN/mappings/nope",
        "/merges/nope",
        "/jobs/nope",
        "/commits?branch=MAIN/nope",
    ],
)
def test_unknown_things_are_404(world: FlaskClient, url: str) -> None:
    error(world.get(url), 404)


def test_an_unknown_component_404_names_it(world: FlaskClient) -> None:
    assert "nope" in error(world.get("/MAIN/concepts/nope"), 404)["message"]


def test_an_unknown_code_system_404_names_it(world: FlaskClient) -> None:
    assert "NOPE" in error(world.get("/NOPE/concepts"), 404)["message"]


def test_an_unknown_branch_404_names_it(world: FlaskClient) -> None:
    assert "MAIN/nope" in error(world.get("/MAIN/nope/concepts"), 404)["message"]


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("PUT", "/MAIN/concepts/nope", {"active": False}),
        ("DELETE", "/MAIN/concepts/nope", None),
        ("POST", "/MAIN/nope/concepts", {"id": "1"}),
        ("PUT", "/branches/MAIN/nope", {"metadata": {}}),
        ("DELETE", "/branches/MAIN/nope", None),
        ("PUT", "/codesystems/NOPE", {"title": "x"}),
        ("DELETE", "/codesystems/NOPE", None),
        ("POST", "/codesystems/NOPE/versions", {"version": "v1", "effectiveTime": "20210101"}),
        ("POST", "/merges", {"source": "MAIN/nope", "target": "MAIN"}),
        ("POST", "/compare", {"base": "MAIN", "compare": "MAIN/nope"}),
    ],
)
def test_writes_to_unknown_things_are_404(
    world: FlaskClient, method: str, url: str, payload: dict | None
) -> None:
    error(world.open(url, method=method, json=payload), 404)


def test_an_unknown_url_is_a_json_404(client: FlaskClient) -> None:
    error(client.get("/nothing-here"), 404)


# --- 409 -----------------------------------------------------------------------------------


def test_creating_an_existing_component_is_409(world: FlaskClient) -> None:
    assert "100" in error(world.post("/MAIN/concepts", json={"id": "100"}), 409)["message"]


def test_creating_an_existing_branch_is_409(world: FlaskClient) -> None:
    branch(world, "MAIN", "a")
    error(world.post("/branches", json={"parent": "MAIN", "name": "a"}), 409)


def test_creating_an_existing_code_system_is_409(world: FlaskClient) -> None:
    error(world.post("/codesystems", json={"id": "CS", "title": "again"}), 409)


def test_creating_an_existing_version_is_409(world: FlaskClient) -> None:
    world.post("/codesystems/CS/versions", json={"version": "v1", "effectiveTime": "20200101"})
    response = world.post(
        "/codesystems/CS/versions", json={"version": "v1", "effectiveTime": "20210101"}
    )
    error(response, 409)


def test_deleting_a_concept_other_mappings_point_at_is_409(world: FlaskClient) -> None:
    concept(world, "200")
    mapping(world, "m1", "200", "100")
    error(world.delete("/MAIN/concepts/100"), 409)
    assert ok(world.get("/MAIN/concepts/100"))["id"] == "100"


def test_deleting_a_code_system_that_is_extended_is_409(world: FlaskClient) -> None:
    world.post("/codesystems/CS/versions", json={"version": "v1", "effectiveTime": "20200101"})
    codesystem(world, "EXT", extensionOf="CS/v1")
    error(world.delete("/codesystems/CS"), 409)


# --- 405 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("DELETE", "/branches", {"GET", "POST"}),
        ("PATCH", "/MAIN/concepts/100", {"GET", "PUT", "DELETE"}),
        ("PUT", "/MAIN/concepts", {"GET", "POST"}),
        ("DELETE", "/merges", {"POST"}),
        ("GET", "/compare", {"POST"}),
        ("POST", "/commits", {"GET"}),
        ("PUT", "/codesystems/CS/versions", {"GET", "POST"}),
    ],
)
def test_a_wrong_method_is_405_with_an_allow_header(
    world: FlaskClient, method: str, url: str, allowed: set[str]
) -> None:
    response = world.open(url, method=method)
    error(response, 405)
    listed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed <= listed


# --- 500 -----------------------------------------------------------------------------------


def test_an_unexpected_error_is_a_generic_500_that_leaks_nothing(
    app: Flask,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = app.extensions["snowpath"].store

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret-connection-string")

    monkeypatch.setattr(store, "list_branches", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/branches")
    body = error(response, 500)
    assert body["message"] == "Something went wrong during the processing of your request."
    assert "secret" not in response.get_data(as_text=True)
    logged = [r for r in caplog.records if r.exc_info]
    assert len(logged) == 1
    assert "secret-connection-string" in str(logged[0].exc_info[1])


# --- bad input never gives a 500 -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/MAIN//a/concepts",
        "/MAIN^/concepts",
        "/a.../concepts",
        "/...MAIN/concepts",
        "/MAIN@/concepts",
        "/MAIN@abc/concepts",
        "/MAIN@0/concepts",
        "/MAIN@99999999999999999999/concepts",
        "/MAIN@2021-13-01T00:00:00Z/concepts",
        "/MAIN%20a/concepts",
        "/main/concepts",
        "/HEAD/concepts",
        "/MAIN/./concepts",
        "/MAIN/" + "a" * 101 + "/concepts",
        "/MAIN/concepts?limit=99999999999999999999999999",
        "/MAIN/concepts?limit=1e3",
        "/MAIN/concepts?limit=%00",
        "/MAIN/concepts?offset=-0",
        "/MAIN/concepts?active=maybe",
        "/MAIN/concepts?effectiveTime=20211340",
        "/MAIN/concepts?effectiveTime=abc",
        "/MAIN/concepts?searchAfter=%FF%FE",
        "/MAIN/concepts?searchAfter=W251bGxd",
        "/MAIN/concepts?searchAfter=e30",
        "/MAIN/concepts?term=",
        "/MAIN/concepts?term=%00",
        "/MAIN/concepts?id=",
        "/MAIN/concepts?sort=term",
        "/MAIN/concepts?expand=fsn(",
        "/MAIN/concepts?expand=" + "a(expand(" * 50,
        "/MAIN/concepts?expand=descriptions(limit:99999999999999999999)",
        "/MAIN/concepts/100?expand=nope()",
        "/MAIN/concepts/100?limit=5",
        "/branches?limit=x",
        "/codesystems?offset=-5",
        "/commits",
        "/commits?branch=MAIN@5",
        "/commits?branch=MAIN&searchAfter=garbage",
        "/commits?branch=MAIN&limit=100000",
        "/codesystems/CS/versions?limit=10001",
    ],
)
def test_bad_input_in_urls_is_400(world: FlaskClient, url: str) -> None:
    error(world.get(url), 400)


@pytest.mark.parametrize(
    ("url", "payload"),
    [
        ("/MAIN/concepts", {"id": "a", "extras": {"nested": [None, {"deep": True}]}, "x": None}),
        ("/MAIN/concepts", {"id": None}),
        ("/MAIN/concepts", {"parents": [None]}),
        ("/MAIN/concepts", {"moduleId": 12}),
        ("/MAIN/concepts/search", {"limit": -1}),
        ("/MAIN/concepts/search", {"limit": "x"}),
        ("/MAIN/concepts/search", {"limit": 1.5}),
        ("/MAIN/concepts/search", {"id": [1, 2]}),
        ("/MAIN/concepts/search", {"id": {"a": 1}}),
        ("/MAIN/concepts/search", {"active": "yes"}),
        ("/MAIN/concepts/search", {"expand": ["fsn()"]}),
        ("/MAIN/concepts/search", {"term": 5}),
        ("/MAIN/concepts/search", {"searchAfter": 5}),
        ("/branches", {"parent": "MAIN", "name": "a b"}),
        ("/branches", {"parent": "MAIN", "name": "HEAD"}),
        ("/branches", {"parent": "MAIN", "name": "x" * 101}),
        ("/branches", {"parent": "MAIN@5", "name": "a"}),
        ("/branches", {"parent": "MAIN//x", "name": "a"}),
        ("/branches", {"parent": "MAIN/nope", "name": "a"}),
        ("/merges", {"source": "MAIN^", "target": "MAIN"}),
        ("/merges", {"source": "MAIN", "target": "MAIN", "resolutions": [{"x": 1}]}),
        ("/merges", {"source": "MAIN", "target": "MAIN", "resolutions": "all"}),
        ("/compare", {"base": "MAIN...", "compare": "MAIN"}),
        ("/compare", {"base": 5, "compare": "MAIN"}),
        ("/codesystems", {"id": "a b", "title": "t"}),
        ("/codesystems", {"id": "branches", "title": "t"}),
        ("/codesystems", {"id": "X", "title": "t", "extensionOf": "nonsense"}),
        ("/codesystems", {"id": "X", "title": "t", "branchPath": "MAIN//x"}),
        ("/codesystems/CS/versions", {"version": "v1", "effectiveTime": "2021-02-30"}),
        ("/codesystems/CS/versions", {"version": "v 1", "effectiveTime": "20210101"}),
        ("/codesystems/CS/versions", {"version": "v1", "effectiveTime": 20210101}),
    ],
)
def test_bad_input_in_bodies_is_a_4xx_never_a_500(
    world: FlaskClient, url: str, payload: dict
) -> None:
    response = world.post(url, json=payload)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    error(response, response.status_code)


def test_a_failed_write_changes_nothing(world: FlaskClient) -> None:
    before = ok(world.get("/branches/MAIN"))["headTimestamp"]
    error(world.post("/MAIN/descriptions", json={"id": "d1", "conceptId": "no", "term": "x"}), 400)
    error(world.post("/MAIN/concepts", json={"id": "100", "conceptClass": "X"}), 409)
    error(world.post("/MAIN/concepts", json={"id": "200", "active": "no"}), 400)
    assert ok(world.get("/branches/MAIN"))["headTimestamp"] == before
    assert "conceptClass" not in ok(world.get("/MAIN/concepts/100"))
    error(world.get("/MAIN/concepts/200"), 404)
    error(world.get("/MAIN/descriptions/d1"), 404)


def test_a_concept_with_a_parent_that_is_not_visible_is_400(world: FlaskClient) -> None:
    # DESIGN.md §2: within one view nothing may point at a concept that is not visible.
    response = world.post("/MAIN/concepts", json={"id": "200", "parents": ["nope"]})
    assert "nope" in error(response, 400)["message"]
    error(world.get("/MAIN/concepts/200"), 404)


def test_descriptions_reject_concept_expansions(world: FlaskClient) -> None:
    description(world, "d1", "100", "Heart")
    error(world.get("/MAIN/descriptions?expand=fsn()"), 400)


@pytest.mark.parametrize("odd_id", ["a/b", "a b", "a?b", "a#b", "a%2Fb", "..", "ä"])
def test_a_created_component_is_reachable_at_its_location_or_refused(
    world: FlaskClient, odd_id: str
) -> None:
    response = world.post("/MAIN/concepts", json={"id": odd_id})
    if response.status_code == 201:
        assert ok(world.get(response.headers["Location"]))["id"] == odd_id
    else:
        error(response, 400)
