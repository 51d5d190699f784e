"""The conventions every endpoint shares (DESIGN.md §4): 201 + Location with no body on
create, 202 + Location for long operations, blank fields omitted, ISO timestamps,
``yyyyMMdd`` effective times, authorship from ``X-Author``."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

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


def test_the_x_author_header_is_the_author_of_the_commit(client: FlaskClient) -> None:
    response = client.post(
        "/MAIN/concepts",
        json={"id": "100", "commitComment": "first concept"},
        headers={"X-Author": "alice"},
    )
    created(response)
    newest = ok(client.get("/commits?branch=MAIN"))["items"][0]
    assert newest["author"] == "alice"
    assert newest["comment"] == "first concept"
    history = ok(client.get("/MAIN/concepts/100/history"))["items"]
    assert [(r["author"], r["comment"]) for r in history] == [("alice", "first concept")]


def test_a_write_without_x_author_is_anonymous(client: FlaskClient) -> None:
    concept(client, "100")
    assert ok(client.get("/commits?branch=MAIN"))["items"][0]["author"] == "anonymous"
