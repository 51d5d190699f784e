"""``POST /compare`` (new, changed and deleted ids between two paths) and
``GET /commits?branch=`` (the commit log), DESIGN.md §4."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.helpers import ISO, branch, concept, description, error, merge, ok, update
from tests.clients import auth

# --- compare -------------------------------------------------------------------------------


@pytest.fixture
def diverged(client: FlaskClient) -> FlaskClient:
    """On MAIN/a: 300 and d3 new, 100 changed, 200 deleted (with its description d2)."""
    concept(client, "100")
    concept(client, "200")
    description(client, "d2", "200", "Two")
    branch(client, "MAIN", "a")
    concept(client, "300", path="MAIN/a")
    description(client, "d3", "300", "Three", path="MAIN/a")
    update(client, "/MAIN/a/concepts/100", conceptClass="X")
    client.delete("/MAIN/a/concepts/200")
    return client


def test_compare_lists_new_changed_and_deleted_ids(diverged: FlaskClient) -> None:
    data = ok(diverged.post("/compare", json={"base": "MAIN", "compare": "MAIN/a"}))
    assert data["base"] == "MAIN"
    assert data["compare"] == "MAIN/a"
    assert data["newComponents"] == {"concept": ["300"], "description": ["d3"]}
    assert data["changedComponents"] == {"concept": ["100"]}
    assert data["deletedComponents"] == {"concept": ["200"], "description": ["d2"]}
    assert (data["totalNew"], data["totalChanged"], data["totalDeleted"]) == (2, 1, 2)


def test_compare_the_other_way_round(diverged: FlaskClient) -> None:
    data = ok(diverged.post("/compare", json={"base": "MAIN/a", "compare": "MAIN"}))
    assert data["newComponents"] == {"concept": ["200"], "description": ["d2"]}
    assert data["deletedComponents"] == {"concept": ["300"], "description": ["d3"]}


def test_compare_of_a_path_with_itself_is_empty(diverged: FlaskClient) -> None:
    data = ok(diverged.post("/compare", json={"base": "MAIN/a", "compare": "MAIN/a"}))
    assert (data["totalNew"], data["totalChanged"], data["totalDeleted"]) == (0, 0, 0)


def test_compare_a_reverted_change_is_no_difference(client: FlaskClient) -> None:
    concept(client, "100", conceptClass="A")
    branch(client, "MAIN", "a")
    update(client, "/MAIN/a/concepts/100", conceptClass="B")
    update(client, "/MAIN/a/concepts/100", conceptClass="A")
    data = ok(client.post("/compare", json={"base": "MAIN", "compare": "MAIN/a"}))
    assert data["totalChanged"] == 0


def test_compare_takes_path_expressions(diverged: FlaskClient) -> None:
    data = ok(diverged.post("/compare", json={"base": "MAIN/a^", "compare": "MAIN/a"}))
    assert data["totalNew"] == 2
    head = ok(diverged.get("/branches/MAIN"))["headTimestamp"]
    concept(diverged, "400")
    data = ok(diverged.post("/compare", json={"base": f"MAIN@{head}", "compare": "MAIN"}))
    assert data["newComponents"] == {"concept": ["400"]}


def test_compare_needs_both_sides(client: FlaskClient) -> None:
    body = error(client.post("/compare", json={"base": "MAIN"}), 400)
    assert any("compare" in v for v in body["violations"])


def test_compare_with_a_malformed_path_is_400(client: FlaskClient) -> None:
    body = error(client.post("/compare", json={"base": "MAIN//a", "compare": "MAIN"}), 400)
    assert "position" in body["message"]


def test_compare_with_an_unknown_branch_is_404(client: FlaskClient) -> None:
    error(client.post("/compare", json={"base": "MAIN", "compare": "MAIN/nope"}), 404)


# --- commits -------------------------------------------------------------------------------


def test_the_commit_log_is_newest_first_with_author_and_comment(
    client: FlaskClient, app: Flask
) -> None:
    client.post(
        "/MAIN/concepts",
        json={"id": "100", "commitComment": "one"},
        headers=auth(app, "ann"),
    )
    client.put(
        "/MAIN/concepts/100",
        json={"active": False, "commitComment": "two"},
        headers=auth(app, "bob"),
    )
    data = ok(client.get("/commits?branch=MAIN"))
    newest, older = data["items"][:2]
    assert (newest["author"], newest["comment"], newest["changes"]) == ("bob", "two", 1)
    assert (older["author"], older["comment"]) == ("ann", "one")
    assert newest["timestamp"] > older["timestamp"]
    assert newest["branch"] == "MAIN"
    assert newest["kind"] == "CONTENT"
    assert ISO.fullmatch(newest["createdAt"])


def test_the_commit_log_has_one_entry_per_commit_on_that_branch_only(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    concept(client, "100", path="MAIN/a")
    concept(client, "200")
    on_a = ok(client.get("/commits?branch=MAIN/a"))["items"]
    assert {c["branch"] for c in on_a} == {"MAIN/a"}
    assert [c["comment"] for c in on_a if c["kind"] == "CONTENT"] == ["Create concept 100"]


def test_the_commit_log_shows_promotions(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    concept(client, "100", path="MAIN/a")
    merge(client, "MAIN/a", "MAIN")
    promotion = ok(client.get("/commits?branch=MAIN"))["items"][0]
    assert promotion["kind"] == "PROMOTION"
    assert promotion["source"] == "MAIN/a"
    assert isinstance(promotion["sourceTimestamp"], int)


def test_the_commit_log_takes_relative_paths(client: FlaskClient) -> None:
    client.post("/codesystems", json={"id": "CS", "title": "t"})
    concept(client, "100", path="CS")
    assert ok(client.get("/commits?branch=CS")) == ok(client.get("/commits?branch=MAIN/CS"))


def test_the_commit_log_needs_a_branch(client: FlaskClient) -> None:
    body = error(client.get("/commits"), 400)
    assert "branch" in " ".join(body["violations"])


def test_the_commit_log_refuses_unknown_parameters(client: FlaskClient) -> None:
    error(client.get("/commits?branch=MAIN&author=ann"), 400)


def test_the_commit_log_of_an_unknown_branch_is_404(client: FlaskClient) -> None:
    error(client.get("/commits?branch=MAIN/nope"), 404)


def test_the_commit_log_limit_is_checked(client: FlaskClient) -> None:
    error(client.get("/commits?branch=MAIN&limit=10001"), 400)
    error(client.get("/commits?branch=MAIN&limit=-1"), 400)
    assert ok(client.get("/commits?branch=MAIN"))["limit"] == 50
