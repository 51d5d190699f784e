"""``/branches`` (DESIGN.md §4): create, read, list, children, metadata, recursive soft
delete, states, and the errors around them."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.api.helpers import (
    BRANCH_FIELDS,
    ISO,
    branch,
    codesystem,
    concept,
    error,
    ids,
    merge,
    ok,
    version,
)


def test_a_branch_has_the_documented_fields(client: FlaskClient) -> None:
    data = ok(client.get(branch(client, "MAIN", "a", owner="me")))
    assert set(data) == BRANCH_FIELDS
    assert data["name"] == "a"
    assert data["path"] == "MAIN/a"
    assert data["parentPath"] == "MAIN"
    assert data["state"] == "UP_TO_DATE"
    assert data["deleted"] is False
    assert data["metadata"] == {"owner": "me"}
    assert ISO.fullmatch(data["createdAt"])
    assert data["baseTimestamp"] <= data["headTimestamp"]


def test_main_has_no_parent_and_no_base(client: FlaskClient) -> None:
    data = ok(client.get("/branches/MAIN"))
    assert data["path"] == "MAIN"
    assert data["name"] == "MAIN"
    assert "parentPath" not in data
    assert "baseTimestamp" not in data
    assert data["deleted"] is False


def test_a_branch_created_without_metadata_has_empty_metadata(client: FlaskClient) -> None:
    location = client.post("/branches", json={"parent": "MAIN", "name": "a"}).headers["Location"]
    assert ok(client.get(location))["metadata"] == {}


def test_a_nested_branch(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    location = branch(client, "MAIN/a", "b")
    assert location == "http://localhost/branches/MAIN/a/b"
    data = ok(client.get(location))
    assert data["parentPath"] == "MAIN/a"
    assert data["name"] == "b"


def test_a_branch_under_a_relative_parent(client: FlaskClient) -> None:
    codesystem(client, "CS")
    location = branch(client, "CS", "task")
    assert location == "http://localhost/branches/MAIN/CS/task"
    assert ok(client.get("/branches/CS/task"))["path"] == "MAIN/CS/task"


def test_the_timestamps_are_the_values_at_takes(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    concept(client, "100", path="MAIN/a")
    head = ok(client.get("/branches/MAIN/a"))["headTimestamp"]
    concept(client, "200", path="MAIN/a")
    at_head = ok(client.get(f"/MAIN/a@{head}/concepts"))
    assert [c["id"] for c in at_head["items"]] == ["100"]
    before = ok(client.get(f"/MAIN/a@{head - 1}/concepts"))
    assert before["items"] == []


def test_the_head_moves_with_each_commit(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    first = ok(client.get("/branches/MAIN/a"))["headTimestamp"]
    concept(client, "100", path="MAIN/a")
    assert ok(client.get("/branches/MAIN/a"))["headTimestamp"] > first


# --- lists ---------------------------------------------------------------------------------


def test_the_list_holds_every_branch_by_path(client: FlaskClient) -> None:
    branch(client, "MAIN", "b")
    branch(client, "MAIN", "a")
    branch(client, "MAIN/a", "x")
    data = ok(client.get("/branches"))
    assert [b["path"] for b in data["items"]] == ["MAIN", "MAIN/a", "MAIN/a/x", "MAIN/b"]
    assert data["total"] == 4
    assert all(set(b) <= BRANCH_FIELDS for b in data["items"])


def test_children_are_every_branch_below(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    branch(client, "MAIN/a", "x")
    branch(client, "MAIN/a/x", "y")
    branch(client, "MAIN", "b")
    branch(client, "MAIN", "ab")
    data = ok(client.get("/branches/MAIN/a/children"))
    assert [b["path"] for b in data["items"]] == ["MAIN/a/x", "MAIN/a/x/y"]
    assert data["total"] == 2


def test_a_leaf_has_no_children(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    assert ok(client.get("/branches/MAIN/a/children"))["items"] == []


def test_a_list_refuses_unknown_parameters(client: FlaskClient) -> None:
    error(client.get("/branches?colour=red"), 400)


# --- metadata ------------------------------------------------------------------------------


def test_put_replaces_the_metadata(client: FlaskClient) -> None:
    branch(client, "MAIN", "a", owner="me", keep="no")
    response = client.put("/branches/MAIN/a", json={"metadata": {"owner": "you", "n": [1]}})
    assert response.status_code == 204
    assert response.get_data() == b""
    assert ok(client.get("/branches/MAIN/a"))["metadata"] == {"owner": "you", "n": [1]}


def test_put_needs_metadata(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    body = error(client.put("/branches/MAIN/a", json={}), 400)
    assert any("metadata" in v for v in body["violations"])


def test_put_refuses_other_fields(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    error(client.put("/branches/MAIN/a", json={"metadata": {}, "name": "b"}), 400)


def test_metadata_of_main_can_be_set(client: FlaskClient) -> None:
    assert client.put("/branches/MAIN", json={"metadata": {"x": 1}}).status_code == 204
    assert ok(client.get("/branches/MAIN"))["metadata"] == {"x": 1}


def test_metadata_changes_no_content(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    concept(client, "100", path="MAIN/a")
    client.put("/branches/MAIN/a", json={"metadata": {"x": 1}})
    assert ok(client.get("/branches/MAIN/a"))["state"] == "FORWARD"
    assert ok(client.get("/MAIN/a/concepts"))["total"] == 1


# --- delete --------------------------------------------------------------------------------


def test_delete_is_204_and_marks_the_branch_deleted(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    response = client.delete("/branches/MAIN/a")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert ok(client.get("/branches/MAIN/a"))["deleted"] is True


def test_delete_is_recursive(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    branch(client, "MAIN/a", "b")
    branch(client, "MAIN/a/b", "c")
    branch(client, "MAIN", "z")
    client.delete("/branches/MAIN/a")
    for path in ("MAIN/a", "MAIN/a/b", "MAIN/a/b/c"):
        assert ok(client.get(f"/branches/{path}"))["deleted"] is True, path
    assert ok(client.get("/branches/MAIN/z"))["deleted"] is False
    assert ok(client.get("/branches/MAIN"))["deleted"] is False


def test_a_deleted_branch_still_appears_in_the_list(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    client.delete("/branches/MAIN/a")
    listed = {b["path"]: b["deleted"] for b in ok(client.get("/branches"))["items"]}
    assert listed == {"MAIN": False, "MAIN/a": True}


def test_a_deleted_branch_takes_no_writes(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    client.delete("/branches/MAIN/a")
    response = client.post("/MAIN/a/concepts", json={"id": "100"})
    assert response.status_code in (400, 404)
    error(response, response.status_code)


def test_a_deleted_branch_cannot_be_deleted_again(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    client.delete("/branches/MAIN/a")
    response = client.delete("/branches/MAIN/a")
    assert response.status_code in (400, 404)
    error(response, response.status_code)


def test_a_deleted_path_can_be_created_again_empty(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    concept(client, "100", path="MAIN/a")
    client.delete("/branches/MAIN/a")
    branch(client, "MAIN", "a")
    data = ok(client.get("/branches/MAIN/a"))
    assert data["deleted"] is False
    assert ok(client.get("/MAIN/a/concepts"))["total"] == 0


def test_main_cannot_be_deleted(client: FlaskClient) -> None:
    body = error(client.delete("/branches/MAIN"), 400)
    assert "MAIN" in body["message"]
    assert ok(client.get("/branches/MAIN"))["deleted"] is False


def test_deleting_an_unknown_branch_is_404(client: FlaskClient) -> None:
    error(client.delete("/branches/MAIN/nope"), 404)


def test_a_version_branch_is_409_and_stays_readable(client: FlaskClient) -> None:
    codesystem(client, "CS")
    concept(client, "A", "CS")
    version(client, "CS", "v1", "20240101")
    codesystem(client, "EXT", extensionOf="CS/v1")
    body = error(client.delete("/branches/MAIN/CS/v1"), 409)
    assert body["message"] == (
        "Branch 'MAIN/CS/v1' holds version 'v1' of 'CS', code system 'EXT': "
        "delete them through the code systems instead."
    )
    assert ids(client.get("/CS/v1/concepts")) == ["A"]
    assert ok(client.get("/EXT/concepts"))["total"] == 1
    assert ok(client.get("/codesystems/CS/versions/v1"))["version"] == "v1"


# --- create errors -------------------------------------------------------------------------


def test_a_duplicate_branch_is_409(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    body = error(client.post("/branches", json={"parent": "MAIN", "name": "a"}), 409)
    assert "MAIN/a" in body["message"]


def test_a_missing_parent_is_400(client: FlaskClient) -> None:
    body = error(client.post("/branches", json={"parent": "MAIN/nope", "name": "a"}), 400)
    assert "MAIN/nope" in body["message"]


def test_a_missing_code_system_parent_is_400_or_404(client: FlaskClient) -> None:
    response = client.post("/branches", json={"parent": "NOPE", "name": "a"})
    assert response.status_code in (400, 404)
    assert "NOPE" in error(response, response.status_code)["message"]


def test_a_deleted_parent_is_400(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    client.delete("/branches/MAIN/a")
    error(client.post("/branches", json={"parent": "MAIN/a", "name": "b"}), 400)


def test_reserved_and_invalid_names_are_400(client: FlaskClient) -> None:
    for name in ("HEAD", "latest", "Next", "MAIN", "a b", "a/b", "", "x" * 101):
        response = client.post("/branches", json={"parent": "MAIN", "name": name})
        error(response, 400)


def test_names_no_path_expression_can_reach_are_400(client: FlaskClient) -> None:
    # docs/path-expressions.md: a name may not contain '...' and may not end with '.'
    for name in (".", "a.", "a...b"):
        response = client.post("/branches", json={"parent": "MAIN", "name": name})
        error(response, 400)


def test_a_version_can_be_a_parent(client: FlaskClient) -> None:
    # A version tag is read-only, but branches under it are not: an extension's working
    # branch is one (docs/revision-store.md, code systems), and so is a task on a version.
    codesystem(client, "CS")
    concept(client, "100", path="CS")
    client.post("/codesystems/CS/versions", json={"version": "v1", "effectiveTime": "20210101"})
    concept(client, "200", path="CS")
    location = branch(client, "CS/v1", "a")
    assert ok(client.get(location))["path"] == "MAIN/CS/v1/a"
    assert ids(client.get("/MAIN/CS/v1/a/concepts")) == ["100"]
    concept(client, "300", path="MAIN/CS/v1/a")
    assert ids(client.get("/CS/v1/concepts")) == ["100"]


def test_a_parent_with_at_or_caret_is_400(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    for parent in ("MAIN@1600000000000", "MAIN/a^", "MAIN...MAIN/a"):
        body = error(client.post("/branches", json={"parent": parent, "name": "b"}), 400)
        assert parent in body["message"]


# --- states --------------------------------------------------------------------------------


def _state(client: FlaskClient, path: str) -> str:
    return ok(client.get(f"/branches/{path}"))["state"]


def test_states_follow_the_changes_on_both_sides(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    assert _state(client, "MAIN/a") == "UP_TO_DATE"
    concept(client, "100", path="MAIN/a")
    assert _state(client, "MAIN/a") == "FORWARD"
    concept(client, "200")
    assert _state(client, "MAIN/a") == "DIVERGED"
    assert merge(client, "MAIN/a", "MAIN")["status"] == "COMPLETED"
    assert _state(client, "MAIN/a") == "UP_TO_DATE"
    concept(client, "300")
    assert _state(client, "MAIN/a") == "BEHIND"
    assert merge(client, "MAIN", "MAIN/a")["status"] == "COMPLETED"
    assert _state(client, "MAIN/a") == "UP_TO_DATE"
