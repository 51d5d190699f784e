"""The conventions every endpoint shares (DESIGN.md §4): 201 + Location with no body on
create, 202 + Location for long operations, blank fields omitted, ISO timestamps,
``yyyyMMdd`` effective times, authorship from the token."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.api.conftest import wait_for
from tests.api.helpers import (
    EFFECTIVE,
    ISO,
    branch,
    codesystem,
    concept,
    created,
    description,
    mapping,
    merge,
    nulls,
    ok,
    update,
    version,
)
from tests.clients import STAFF, auth

# --- 201 + Location ------------------------------------------------------------------------


def test_creating_a_branch_answers_201_with_its_location(client: FlaskClient) -> None:
    location = branch(client, "MAIN", "a")
    assert location == "http://localhost/branches/MAIN/a"
    assert ok(client.get(location))["path"] == "MAIN/a"


def test_creating_a_concept_answers_201_with_its_location(client: FlaskClient) -> None:
    location = concept(client, "100")
    assert location == "http://localhost/MAIN/concepts/100"
    assert ok(client.get(location))["id"] == "100"


def test_creating_a_description_answers_201_with_its_location(client: FlaskClient) -> None:
    concept(client, "100")
    location = description(client, "d1", "100", "Heart")
    assert location == "http://localhost/MAIN/descriptions/d1"
    assert ok(client.get(location))["term"] == "Heart"


def test_creating_a_mapping_answers_201_with_its_location(client: FlaskClient) -> None:
    concept(client, "100")
    concept(client, "200")
    location = mapping(client, "m1", "100", "200")
    assert location == "http://localhost/MAIN/mappings/m1"
    assert ok(client.get(location))["targetId"] == "200"


def test_creating_a_code_system_answers_201_with_its_location(client: FlaskClient) -> None:
    location = codesystem(client, "CS")
    assert location == "http://localhost/codesystems/CS"
    assert ok(client.get(location))["id"] == "CS"


def test_creating_a_version_answers_201_with_its_location(client: FlaskClient) -> None:
    codesystem(client, "CS")
    location = version(client, "CS", "v1", "20210131")
    assert location == "http://localhost/codesystems/CS/versions/v1"
    assert ok(client.get(location))["version"] == "v1"


def test_a_component_created_without_an_id_gets_one_named_by_the_location(
    client: FlaskClient,
) -> None:
    location = created(client.post("/MAIN/concepts", json={"conceptClass": "Finding"}))
    new_id = location.rsplit("/", 1)[1]
    assert new_id
    assert ok(client.get(location)) == {
        "id": new_id,
        "active": True,
        "released": False,
        "conceptClass": "Finding",
        "parents": [],
    }


def test_a_create_on_a_relative_path_answers_the_location_under_that_path(
    client: FlaskClient,
) -> None:
    codesystem(client, "CS")
    location = concept(client, "100", path="CS")
    assert location == "http://localhost/CS/concepts/100"
    assert ok(client.get("/MAIN/CS/concepts/100"))["id"] == "100"


# --- 202 + Location ------------------------------------------------------------------------


def test_a_merge_answers_202_with_the_location_of_the_merge(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    concept(client, "100", path="MAIN/a")
    response = client.post("/merges", json={"source": "MAIN/a", "target": "MAIN"})
    assert response.status_code == 202
    assert response.get_data() == b""
    location = response.headers["Location"]
    assert location.startswith("http://localhost/merges/")
    done = wait_for(client, location)
    assert done["status"] == "COMPLETED"
    assert done["id"] == location.rsplit("/", 1)[1]


def test_an_upgrade_answers_202_with_the_location_of_a_job(client: FlaskClient) -> None:
    codesystem(client, "BASE")
    version(client, "BASE", "v1", "20200101")
    version(client, "BASE", "v2", "20210101")
    codesystem(client, "EXT", extensionOf="BASE/v1")
    response = client.post("/codesystems/EXT/upgrade", json={"extensionOf": "BASE/v2"})
    assert response.status_code == 202
    assert response.get_data() == b""
    location = response.headers["Location"]
    assert location.startswith("http://localhost/jobs/")
    assert wait_for(client, location)["state"] == "COMPLETED"


# --- blank fields, timestamps, effective times ---------------------------------------------


def _everything(client: FlaskClient) -> list[tuple[str, Any]]:
    """(what, JSON) of one response of each kind, over content with many blank fields."""
    codesystem(client, "CS")
    concept(client, "100", path="CS")
    concept(client, "200", path="CS", parents=["100"])
    description(client, "d1", "100", "Heart", path="CS", type="FSN")
    mapping(client, "m1", "100", "200", path="CS")
    mapping(client, "m2", "100", "", path="CS", targetId=None, targetCode="X1")
    version(client, "CS", "v1", "20210131")
    branch(client, "MAIN/CS", "task")
    update(client, "/CS/task/concepts/100", conceptClass="Finding")
    done = merge(client, "MAIN/CS/task", "MAIN/CS")
    expand = "fsn(),pt(),descriptions(),mappings(),parents(),children(),ancestors(),descendants()"
    reads = {
        "concepts": f"/CS/concepts?expand={expand}",
        "concept": f"/CS/v1/concepts/100?expand={expand}",
        "descriptions": "/CS/descriptions",
        "mappings": "/CS/mappings",
        "branches": "/branches",
        "branch": "/branches/MAIN",
        "children": "/branches/MAIN/children",
        "codesystems": "/codesystems",
        "codesystem": "/codesystems/CS",
        "versions": "/codesystems/CS/versions",
        "version": "/codesystems/CS/versions/v1",
        "commits": "/commits?branch=MAIN/CS",
        "history": "/CS/concepts/100/history",
        "merge": f"/merges/{done['id']}",
        "job": f"/jobs/{done['id']}",
    }
    found = [(what, ok(client.get(url))) for what, url in reads.items()]
    compare = client.post("/compare", json={"base": "MAIN/CS/v1", "compare": "MAIN/CS"})
    found.append(("compare", ok(compare)))
    found.append(("error", client.get("/MAIN/concepts/nope").get_json()))
    return found


def test_no_response_body_contains_null(client: FlaskClient) -> None:
    for what, data in _everything(client):
        assert nulls(data) == [], what


def _values(data: Any, key: str) -> list[Any]:
    if isinstance(data, dict):
        own = [v for k, v in data.items() if k == key]
        return own + [x for v in data.values() for x in _values(v, key)]
    if isinstance(data, list):
        return [x for v in data for x in _values(v, key)]
    return []


def test_every_timestamp_is_iso_8601_in_utc_to_the_second(client: FlaskClient) -> None:
    names = ("createdAt", "updatedAt", "scheduledDate", "startDate", "endDate")
    seen = 0
    for what, data in _everything(client):
        for name in names:
            for value in _values(data, name):
                seen += 1
                assert isinstance(value, str), (what, name, value)
                assert ISO.fullmatch(value), (what, name, value)
    assert seen > 10


def test_every_effective_time_is_yyyymmdd(client: FlaskClient) -> None:
    seen = 0
    for what, data in _everything(client):
        for value in _values(data, "effectiveTime"):
            seen += 1
            assert isinstance(value, str), (what, value)
            assert EFFECTIVE.fullmatch(value), (what, value)
    assert seen >= 3


def test_a_version_takes_a_dashed_effective_time_and_answers_yyyymmdd(
    client: FlaskClient,
) -> None:
    codesystem(client, "CS")
    location = version(client, "CS", "v1", "2021-01-31")
    assert ok(client.get(location))["effectiveTime"] == "20210131"


def test_released_content_carries_the_version_effective_time(client: FlaskClient) -> None:
    codesystem(client, "CS")
    concept(client, "100", path="CS")
    version(client, "CS", "v1", "2021-01-31")
    concept(client, "200", path="CS")
    released = ok(client.get("/CS/v1/concepts/100"))
    assert released["released"] is True
    assert released["effectiveTime"] == "20210131"
    fresh = ok(client.get("/CS/concepts/200"))
    assert fresh["released"] is False
    assert "effectiveTime" not in fresh


def test_a_branch_reports_epoch_milliseconds_and_an_iso_creation_time(
    client: FlaskClient,
) -> None:
    data = ok(client.get(branch(client, "MAIN", "a")))
    assert isinstance(data["baseTimestamp"], int)
    assert isinstance(data["headTimestamp"], int)
    assert ISO.fullmatch(data["createdAt"])


# --- authorship ----------------------------------------------------------------------------


def test_the_tokens_user_is_the_author_of_the_commit(client: FlaskClient, app: Flask) -> None:
    response = client.post(
        "/MAIN/concepts",
        json={"id": "100", "commitComment": "first concept"},
        headers={**auth(app, "alice"), "X-Author": "mallory"},
    )
    created(response)
    newest = ok(client.get("/commits?branch=MAIN"))["items"][0]
    assert newest["author"] == "alice"
    assert newest["comment"] == "first concept"
    history = ok(client.get("/MAIN/concepts/100/history"))["items"]
    assert [(r["author"], r["comment"]) for r in history] == [("alice", "first concept")]


def test_the_x_author_header_is_not_trusted(client: FlaskClient) -> None:
    created(client.post("/MAIN/concepts", json={"id": "100"}, headers={"X-Author": "mallory"}))
    assert ok(client.get("/commits?branch=MAIN"))["items"][0]["author"] == STAFF


# --- methods: 405 with a right Allow (api/routes.py) -----------------------------------------


def _allowed(response: TestResponse) -> set[str]:
    assert response.status_code == 405, response.get_data(as_text=True)
    assert response.get_json()["status"] == "405"
    return {m.strip() for m in response.headers["Allow"].split(",")}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST", "PATCH"])
def test_branch_children_allow_only_get(client: FlaskClient, method: str) -> None:
    response = client.open("/branches/MAIN/children", method=method)
    assert _allowed(response) == {"GET", "HEAD", "OPTIONS"}


def test_put_to_a_branch_s_children_is_405_not_a_write(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    response = client.put("/branches/MAIN/a/children", json={"metadata": {"x": 1}})
    assert _allowed(response) == {"GET", "HEAD", "OPTIONS"}
    assert ok(client.get("/branches/MAIN/a"))["metadata"] == {}


@pytest.mark.parametrize("plural", ["concepts", "descriptions", "mappings"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_the_search_route_allows_only_post(client: FlaskClient, plural: str, method: str) -> None:
    response = client.open(f"/MAIN/{plural}/search", method=method)
    assert _allowed(response) == {"POST", "OPTIONS"}


def test_options_lists_exactly_the_documented_methods(client: FlaskClient) -> None:
    document = ok(client.get("/openapi.json"))
    urls = {
        "/branches/{path}/children": "/branches/MAIN/children",
        "/{path}/concepts/search": "/MAIN/concepts/search",
        "/{path}/concepts/{component_id}": "/MAIN/concepts/100",
        "/branches/{path}": "/branches/MAIN",
    }
    for template, url in urls.items():
        response = client.open(url, method="OPTIONS")
        listed = {m.strip() for m in response.headers["Allow"].split(",")} - {"HEAD", "OPTIONS"}
        assert listed == {m.upper() for m in document["paths"][template]}, template


def test_a_component_id_search_is_refused_with_violations(client: FlaskClient) -> None:
    response = client.post("/MAIN/concepts", json={"id": "search"})
    assert response.status_code == 400
    assert response.get_json()["violations"] == ["'id': 'search' is reserved (a URL segment)."]


# --- invalid branch names: 400 with violations -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("bad name!", "invalid character ' '"),
        ("HEAD", "reserved"),
        ("latest", "reserved"),
        ("children", "reserved (a URL segment)"),
        ("a...b", "'...'"),
        ("a.", "end with '.'"),
        ("", "missing branch name"),
        ("x" * 101, "longer than 100"),
    ],
)
def test_an_invalid_branch_name_is_400_with_violations(
    client: FlaskClient, name: str, says: str
) -> None:
    response = client.post("/branches", json={"parent": "MAIN", "name": name})
    assert response.status_code == 400
    data = response.get_json()
    assert data["message"] == "1 Validation error"
    [violation] = data["violations"]
    assert violation.startswith("'name': ")
    assert says in violation
    assert [b["path"] for b in ok(client.get("/branches"))["items"]] == ["MAIN"]


# --- a request that follows the document is accepted -----------------------------------------


def test_a_request_that_follows_the_document_is_accepted(client: FlaskClient) -> None:
    """Values chosen at the edges of what /openapi.json allows, each accepted."""
    codesystem(client, "..a~_-Z9")  # a code system id: the branch name pattern
    branch(client, "MAIN", "..x.y_~-" + "z" * 92)  # 100 characters, dots inside
    concept(client, "x" * 100, path="MAIN")  # the longest id
    response = client.get(
        "/MAIN/concepts",
        query_string={
            "limit": 0,
            "offset": 10_000,
            "sort": "conceptClass:desc",
            "expand": "pt(),fsn()",
        },
    )
    assert ok(response)["limit"] == 0
    version(client, "..a~_-Z9", "v.1", "2024-02-28")
    body = {"id": None, "effectiveTime": "20240228", "limit": 10_000, "offset": 0, "sort": None}
    assert ok(client.post("/MAIN/concepts/search", json=body))["total"] == 0


def test_a_search_body_s_id_must_be_a_list(client: FlaskClient) -> None:
    response = client.post("/MAIN/concepts/search", json={"id": "100"})
    assert response.status_code == 400
    assert response.get_json()["violations"] == ["'id' must be a list of ids."]


def test_an_upgrade_to_a_malformed_extension_is_400_and_queues_nothing(
    client: FlaskClient,
) -> None:
    codesystem(client, "CS")
    response = client.post("/codesystems/CS/upgrade", json={"extensionOf": ""})
    assert response.status_code == 400
    assert "extensionOf must be" in response.get_json()["message"]
    assert "Location" not in response.headers
