"""``/codesystems`` (DESIGN.md §2, §4): code systems, versions with their effective-time
rules, extensions, and the upgrade job."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from api.demo import CODESYSTEM as DEMO
from api.routes import RESERVED_IDS, ROUTES
from tests.api.conftest import wait_for
from tests.api.helpers import ISO, codesystem, concept, error, ids, ok, update, version

# --- code systems --------------------------------------------------------------------------


def test_a_code_system_has_its_fields_and_a_default_working_branch(client: FlaskClient) -> None:
    codesystem(client, "CS", url="http://example.org/cs", language="en", oid="1.2.3")
    data = ok(client.get("/codesystems/CS"))
    assert data["id"] == "CS"
    assert data["title"] == "CS title"
    assert data["branchPath"] == "MAIN/CS"
    assert (data["url"], data["language"], data["oid"]) == ("http://example.org/cs", "en", "1.2.3")
    assert ISO.fullmatch(data["createdAt"])
    assert "extensionOf" not in data
    assert ok(client.get("/branches/MAIN/CS"))["path"] == "MAIN/CS"


def test_a_code_system_on_a_given_branch(client: FlaskClient) -> None:
    codesystem(client, "CS", branchPath="MAIN/elsewhere")
    assert ok(client.get("/codesystems/CS"))["branchPath"] == "MAIN/elsewhere"
    concept(client, "100", path="CS")
    assert ids(client.get("/MAIN/elsewhere/concepts")) == ["100"]


def test_a_code_system_whose_id_the_creator_holds_as_a_source_is_not_made(
    client: FlaskClient,
) -> None:
    """The creator's source Dup has another code system (short_code DupCS): the native
    create of Dup is refused and leaves no code system without an owner."""
    made = client.post("/user/sources/", json={"id": "Dup", "short_code": "DupCS", "name": "D"})
    assert made.status_code == 201, made.get_json()
    refused = client.post("/codesystems", json={"id": "Dup", "title": "Dup"})
    assert "'Dup'" in error(refused, 409)["message"]
    assert client.get("/codesystems/Dup").status_code == 404
    assert "Dup" not in [c["id"] for c in ok(client.get("/codesystems?limit=1000"))["items"]]
    assert client.get("/branches/MAIN/Dup").status_code == 404
    again = client.post("/codesystems", json={"id": "Dup2", "title": "Dup"})
    assert again.status_code == 201


def test_a_code_system_can_use_main(client: FlaskClient) -> None:
    codesystem(client, "SNOMEDCT", branchPath="MAIN")
    concept(client, "100", path="SNOMEDCT")
    assert ids(client.get("/MAIN/concepts")) == ["100"]


def test_the_list_of_code_systems(client: FlaskClient) -> None:
    codesystem(client, "B")
    codesystem(client, "A")
    data = ok(client.get("/codesystems"))
    assert [c["id"] for c in data["items"]] == ["A", "B"]
    assert data["total"] == 2


def test_put_changes_the_title_and_metadata(client: FlaskClient) -> None:
    codesystem(client, "CS", url="http://old")
    response = client.put("/codesystems/CS", json={"title": "New", "copyright": "(c)"})
    assert response.status_code == 204
    assert response.get_data() == b""
    data = ok(client.get("/codesystems/CS"))
    assert (data["title"], data["copyright"], data["url"]) == ("New", "(c)", "http://old")


def test_put_cannot_change_the_id_or_branch(client: FlaskClient) -> None:
    codesystem(client, "CS")
    error(client.put("/codesystems/CS", json={"id": "X"}), 400)
    error(client.put("/codesystems/CS", json={"branchPath": "MAIN/x"}), 400)


def test_put_refuses_a_blank_title(client: FlaskClient) -> None:
    codesystem(client, "CS")
    error(client.put("/codesystems/CS", json={"title": " "}), 400)


def test_delete_removes_the_code_system(client: FlaskClient) -> None:
    codesystem(client, "CS")
    response = client.delete("/codesystems/CS")
    assert response.status_code == 204
    assert response.get_data() == b""
    error(client.get("/codesystems/CS"), 404)
    error(client.get("/CS/concepts"), 404)


def test_a_duplicate_code_system_is_409(client: FlaskClient) -> None:
    codesystem(client, "CS")
    assert (
        "CS" in error(client.post("/codesystems", json={"id": "CS", "title": "x"}), 409)["message"]
    )


@pytest.mark.parametrize(
    "cs_id",
    ["branches", "MAIN", "head", "LATEST", "codesystems", "merges", "orgs", "users", "Docs"],
)
def test_a_reserved_id_is_400(client: FlaskClient, cs_id: str) -> None:
    error(client.post("/codesystems", json={"id": cs_id, "title": "x"}), 400)
    assert ok(client.get("/codesystems"))["total"] == 0


def test_every_first_url_segment_of_the_routes_is_a_reserved_id() -> None:
    firsts = {r.rule.split("/")[1] for r in ROUTES if not r.rule.startswith("/<")}
    assert {"branches", "codesystems", "merges", "compare", "commits", "jobs"} <= firsts
    assert {f.lower() for f in firsts} <= RESERVED_IDS
    assert DEMO.lower() not in RESERVED_IDS  # the code system `snowpath serve` creates


@pytest.mark.parametrize("cs_id", ["a b", "a/b", "", "a.", "x" * 101])
def test_an_id_that_cannot_start_a_path_is_400(client: FlaskClient, cs_id: str) -> None:
    error(client.post("/codesystems", json={"id": cs_id, "title": "x"}), 400)


def test_a_title_is_required(client: FlaskClient) -> None:
    body = error(client.post("/codesystems", json={"id": "CS"}), 400)
    assert any("title" in v for v in body["violations"])


def test_an_unknown_code_system_is_404(client: FlaskClient) -> None:
    assert "NOPE" in error(client.get("/codesystems/NOPE"), 404)["message"]


# --- versions ------------------------------------------------------------------------------


def test_a_version_has_its_fields(client: FlaskClient) -> None:
    codesystem(client, "CS")
    client.post(
        "/codesystems/CS/versions",
        json={"version": "v1", "effectiveTime": "20210131", "description": "First"},
    )
    data = ok(client.get("/codesystems/CS/versions/v1"))
    assert data["version"] == "v1"
    assert data["effectiveTime"] == "20210131"
    assert data["description"] == "First"
    assert data["branchPath"] == "MAIN/CS/v1"
    assert data["codeSystem"] == "CS"
    assert ISO.fullmatch(data["createdAt"])


def test_versions_are_listed_oldest_first(client: FlaskClient) -> None:
    codesystem(client, "CS")
    version(client, "CS", "2020-01-31", "20200131")
    version(client, "CS", "2021-01-31", "2021-01-31")
    data = ok(client.get("/codesystems/CS/versions"))
    assert [v["version"] for v in data["items"]] == ["2020-01-31", "2021-01-31"]
    assert [v["effectiveTime"] for v in data["items"]] == ["20200131", "20210131"]


@pytest.mark.parametrize("effective", ["20210131", "20200101", "2021-01-31"])
def test_effective_times_must_increase(client: FlaskClient, effective: str) -> None:
    codesystem(client, "CS")
    version(client, "CS", "v1", "20210131")
    body = {"version": "v2", "effectiveTime": effective}
    assert "20210131" in error(client.post("/codesystems/CS/versions", json=body), 400)["message"]


@pytest.mark.parametrize(
    "effective", ["2021-02-30", "20211301", "2021", "210131", "2021/01/31", "abc", "20210131x"]
)
def test_an_invalid_effective_time_is_400(client: FlaskClient, effective: str) -> None:
    codesystem(client, "CS")
    body = {"version": "v1", "effectiveTime": effective}
    error(client.post("/codesystems/CS/versions", json=body), 400)


def test_a_duplicate_version_is_409(client: FlaskClient) -> None:
    codesystem(client, "CS")
    version(client, "CS", "v1", "20200101")
    body = {"version": "v1", "effectiveTime": "20210101"}
    error(client.post("/codesystems/CS/versions", json=body), 409)


@pytest.mark.parametrize("name", ["HEAD", "LATEST", "a b", "a/b", ""])
def test_a_version_name_that_cannot_be_a_branch_is_400(client: FlaskClient, name: str) -> None:
    codesystem(client, "CS")
    body = {"version": name, "effectiveTime": "20210101"}
    error(client.post("/codesystems/CS/versions", json=body), 400)


def test_a_version_of_an_unknown_code_system_is_404(client: FlaskClient) -> None:
    error(client.get("/codesystems/NOPE/versions/v1"), 404)
    error(client.get("/codesystems/CS/versions"), 404)


def test_a_version_is_a_frozen_snapshot(client: FlaskClient) -> None:
    codesystem(client, "CS")
    concept(client, "100", path="CS", conceptClass="A")
    version(client, "CS", "v1", "20210101")
    update(client, "/CS/concepts/100", conceptClass="B")
    concept(client, "200", path="CS")
    assert ok(client.get("/CS/v1/concepts/100"))["conceptClass"] == "A"
    assert ids(client.get("/CS/v1/concepts")) == ["100"]
    assert ids(client.get("/MAIN/CS/v1/concepts")) == ["100"]


def test_a_version_is_read_only(client: FlaskClient) -> None:
    codesystem(client, "CS")
    concept(client, "100", path="CS")
    version(client, "CS", "v1", "20210101")
    for response in (
        client.post("/CS/v1/concepts", json={"id": "200"}),
        client.put("/CS/v1/concepts/100", json={"active": False}),
        client.delete("/CS/v1/concepts/100"),
        client.post("/MAIN/CS/v1/concepts", json={"id": "200"}),
    ):
        assert "version" in error(response, 400)["message"]
    assert ok(client.get("/CS/v1/concepts/100"))["active"] is True


def test_latest_is_the_newest_version(client: FlaskClient) -> None:
    codesystem(client, "CS")
    concept(client, "100", path="CS")
    version(client, "CS", "v1", "20200101")
    concept(client, "200", path="CS")
    version(client, "CS", "v2", "20210101")
    concept(client, "300", path="CS")
    assert ids(client.get("/CS/LATEST/concepts")) == ["100", "200"]


def test_released_content_carries_the_first_version_that_includes_it(
    client: FlaskClient,
) -> None:
    codesystem(client, "CS")
    concept(client, "100", path="CS")
    version(client, "CS", "v1", "20200101")
    concept(client, "200", path="CS")
    version(client, "CS", "v2", "20210101")
    by_id = {c["id"]: c for c in ok(client.get("/CS/v2/concepts"))["items"]}
    assert (by_id["100"]["released"], by_id["100"]["effectiveTime"]) == (True, "20200101")
    assert (by_id["200"]["released"], by_id["200"]["effectiveTime"]) == (True, "20210101")


# --- extensions and upgrades ---------------------------------------------------------------


@pytest.fixture
def extension(client: FlaskClient) -> FlaskClient:
    """BASE v1 (b1) and v2 (b1 changed, b2); EXT on BASE/v1 with e1."""
    codesystem(client, "BASE")
    concept(client, "b1", path="BASE", conceptClass="A")
    version(client, "BASE", "v1", "20200101")
    update(client, "/BASE/concepts/b1", conceptClass="B")
    concept(client, "b2", path="BASE")
    version(client, "BASE", "v2", "20210101")
    codesystem(client, "EXT", extensionOf="BASE/v1")
    concept(client, "e1", path="EXT", parents=["b1"])
    return client


def _upgrade(client: FlaskClient, to: str, **extra: object) -> dict:
    response = client.post("/codesystems/EXT/upgrade", json={"extensionOf": to, **extra})
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_data() == b""
    return wait_for(client, response.headers["Location"])


def test_an_extension_lives_below_its_base_version(extension: FlaskClient) -> None:
    data = ok(extension.get("/codesystems/EXT"))
    assert data["branchPath"] == "MAIN/BASE/v1/EXT"
    assert data["extensionOf"] == "BASE/v1"
    assert ids(extension.get("/EXT/concepts")) == ["b1", "e1"]
    assert ok(extension.get("/EXT/concepts/b1"))["conceptClass"] == "A"


def test_an_extension_of_an_unknown_version_is_404_or_400(client: FlaskClient) -> None:
    codesystem(client, "BASE")
    response = client.post("/codesystems", json={"id": "X", "title": "x", "extensionOf": "BASE/v9"})
    assert response.status_code in (400, 404)
    error(response, response.status_code)


def test_an_upgrade_moves_the_extension_to_the_newer_version(extension: FlaskClient) -> None:
    job = _upgrade(extension, "BASE/v2")
    assert job["state"] == "COMPLETED"
    assert ISO.fullmatch(job["finishedAt"])
    data = ok(extension.get("/codesystems/EXT"))
    assert data["branchPath"] == "MAIN/BASE/v2/EXT"
    assert data["extensionOf"] == "BASE/v2"
    assert ids(extension.get("/EXT/concepts")) == ["b1", "b2", "e1"]
    assert ok(extension.get("/EXT/concepts/b1"))["conceptClass"] == "B"
    assert ok(extension.get("/EXT/concepts/e1"))["parents"] == ["b1"]


def test_an_upgrade_conflict_is_reported_and_resolved(extension: FlaskClient) -> None:
    update(extension, "/EXT/concepts/b1", conceptClass="X")
    job = _upgrade(extension, "BASE/v2")
    assert job["state"] == "CONFLICTS"
    (conflict,) = job["result"]["conflicts"]
    assert conflict["componentId"] == "b1"
    assert conflict["type"] == "CONFLICTING_CHANGE"
    assert conflict["conflictingAttributes"] == [
        {"property": "conceptClass", "oldValue": "A", "sourceValue": "B", "targetValue": "X"}
    ]
    assert ok(extension.get("/codesystems/EXT"))["extensionOf"] == "BASE/v1"
    resolutions = [{"componentType": "concept", "componentId": "b1", "resolution": "TARGET"}]
    assert _upgrade(extension, "BASE/v2", resolutions=resolutions)["state"] == "COMPLETED"
    assert ok(extension.get("/EXT/concepts/b1"))["conceptClass"] == "X"


def _refused(client: FlaskClient, cs_id: str, to: str) -> None:
    response = client.post(f"/codesystems/{cs_id}/upgrade", json={"extensionOf": to})
    if response.status_code == 202:
        job = wait_for(client, response.headers["Location"])
        assert job["state"] == "FAILED"
        assert job["error"]
    else:
        assert response.status_code in (400, 404)
        error(response, response.status_code)


def test_an_upgrade_to_an_older_or_the_same_version_is_refused(extension: FlaskClient) -> None:
    _refused(extension, "EXT", "BASE/v1")
    assert ok(extension.get("/codesystems/EXT"))["branchPath"] == "MAIN/BASE/v1/EXT"


def test_an_upgrade_of_a_code_system_that_extends_nothing_is_refused(
    extension: FlaskClient,
) -> None:
    _refused(extension, "BASE", "BASE/v2")


def test_an_upgrade_to_an_unknown_version_is_refused(extension: FlaskClient) -> None:
    _refused(extension, "EXT", "BASE/v9")


def test_an_upgrade_of_an_unknown_code_system_is_404(client: FlaskClient) -> None:
    error(client.post("/codesystems/NOPE/upgrade", json={"extensionOf": "B/v1"}), 404)


def test_an_upgrade_needs_extension_of(extension: FlaskClient) -> None:
    body = error(extension.post("/codesystems/EXT/upgrade", json={}), 400)
    assert any("extensionOf" in v for v in body["violations"])
