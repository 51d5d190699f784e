"""OCL's account calls (docs/access.md) on SQLite and PostgreSQL: login, users, the caller,
organisations and members, with OCL's field names and each refusal's status."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.api.helpers import error
from tests.clients import STAFF, accounts_of, client_as


def field_error(response: TestResponse, status: int) -> dict[str, Any]:
    """An error in the one shape plus OCL's field dict (a field's name -> its messages)."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["status"], type(body["message"])) == (str(status), str)
    fields = set(body) - {"status", "message", "developerMessage"}
    assert fields
    assert all(isinstance(body[name], list | str) for name in fields)
    return body


@pytest.fixture
def ada(app: Flask) -> FlaskClient:
    """A user who is not staff."""
    return client_as(app, "ada", staff=False)


def test_login_answers_a_token_that_works(app: Flask, anonymous: FlaskClient) -> None:
    accounts_of(app).create_user("ann", "pass-word")
    response = anonymous.post("/users/login/", json={"username": "ann", "password": "pass-word"})
    assert response.status_code == 200
    token = response.get_json()["token"]
    assert len(token) == 40
    me = anonymous.get("/user/", headers={"Authorization": f"Token {token}"})
    assert me.get_json()["username"] == "ann"


def test_login_works_without_the_trailing_slash(app: Flask, anonymous: FlaskClient) -> None:
    accounts_of(app).create_user("ann", "pw")
    assert anonymous.post("/users/login", json={"username": "ann", "password": "pw"}).json


def test_bad_credentials_are_400_as_ocl(app: Flask, anonymous: FlaskClient) -> None:
    accounts_of(app).create_user("ann", "pw")
    body = error(anonymous.post("/users/login/", json={"username": "ann", "password": "x"}), 400)
    assert body["non_field_errors"] == ["Unable to log in with provided credentials."]
    missing = field_error(anonymous.post("/users/login/", json={"username": "ann"}), 400)
    assert missing["password"] == ["Missing data for required field."]


def test_a_retired_user_cannot_log_in(app: Flask, anonymous: FlaskClient) -> None:
    accounts_of(app).create_user("ann", "pw")
    accounts_of(app).retire_user("ann")
    body = error(anonymous.post("/users/login/", json={"username": "ann", "password": "pw"}), 401)
    assert "deactivated" in body["detail"]


def test_staff_create_users_with_a_token_shown_once(client: FlaskClient, app: Flask) -> None:
    body = {"username": "bob", "password": "pw", "email": "bob@example.org", "company": "X"}
    response = client.post("/users/", json=body)
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/users/bob/")
    created = response.get_json()
    assert (created["username"], created["company"], created["type"]) == ("bob", "X", "User")
    token = created["token"]
    assert (
        client_as(app, None)
        .get("/user/", headers={"Authorization": f"Token {token}"})
        .json["username"]
        == "bob"
    )
    assert "token" not in client.get("/users/bob/").get_json()


def test_a_duplicate_user_is_400_naming_the_field(client: FlaskClient) -> None:
    client.post("/users/", json={"username": "bob", "password": "pw"})
    body = field_error(client.post("/users/", json={"username": "bob", "password": "pw"}), 400)
    assert body["username"] == ["A user with this username already exists"]


def test_only_staff_create_users(ada: FlaskClient, anonymous: FlaskClient) -> None:
    error(anonymous.post("/users/", json={"username": "bob"}), 401)
    error(ada.post("/users/", json={"username": "bob"}), 403)


def test_users_list_and_detail(client: FlaskClient, ada: FlaskClient) -> None:
    response = client.get("/users/")
    names = [u["username"] for u in response.get_json()]
    assert names == ["ada", STAFF]
    assert response.headers["num_found"] == "2"
    detail = client.get("/users/ada").get_json()
    assert detail["url"] == "/users/ada/"
    assert detail["organizations_url"] == "/users/ada/orgs/"


def test_email_is_shown_to_the_user_and_staff_only(app: Flask, client: FlaskClient) -> None:
    accounts_of(app).create_user("ann", email="ann@example.org")
    ann = client_as(app, "ann", staff=False)
    assert ann.get("/users/ann/").get_json()["email"] == "ann@example.org"
    assert client.get("/users/ann/").get_json()["email"] == "ann@example.org"
    assert client_as(app, None).get("/users/ann/").get_json()["email"] is None


def test_the_caller_needs_a_token(anonymous: FlaskClient) -> None:
    assert error(anonymous.get("/user/"), 401)


def test_a_user_updates_itself_and_not_others(app: Flask, ada: FlaskClient) -> None:
    accounts_of(app).create_user("bob")
    assert ada.put("/users/ada/", json={"company": "ACME"}).get_json()["company"] == "ACME"
    error(ada.put("/users/bob/", json={"company": "ACME"}), 403)


def test_a_password_change_takes_effect(app: Flask, ada: FlaskClient) -> None:
    ada.put("/users/ada/", json={"password": "new-one"})
    assert accounts_of(app).login("ada", "new-one").username == "ada"


def test_staff_retire_and_reactivate(app: Flask, client: FlaskClient, ada: FlaskClient) -> None:
    assert ada.get("/user/").status_code == 200
    assert client.delete("/users/ada/").status_code == 204
    assert error(ada.get("/user/"), 401)  # its tokens went with it
    error(client.get("/users/ada/"), 404)
    assert client.put("/users/ada/reactivate/").status_code == 204
    error(client.put("/users/ada/reactivate/"), 404)  # not retired any more
    assert client.get("/users/ada/").status_code == 200


def test_only_staff_retire_and_not_themselves(
    app: Flask, client: FlaskClient, ada: FlaskClient
) -> None:
    accounts_of(app).create_user("bob")
    error(ada.delete("/users/bob/"), 403)
    error(client.delete(f"/users/{STAFF}/"), 409)


def test_an_unknown_user_is_404(client: FlaskClient) -> None:
    error(client.get("/users/nobody/"), 404)
    error(client.put("/users/nobody/", json={}), 404)


def test_an_org_is_created_with_its_creator_as_admin(ada: FlaskClient) -> None:
    response = ada.post("/orgs/", json={"id": "OCL", "name": "Open Concept Lab", "company": "x"})
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/orgs/OCL/")
    org = response.get_json()
    assert (org["id"], org["type"], org["public_access"], org["members"]) == (
        "OCL",
        "Organization",
        "View",
        1,
    )
    assert ada.get("/orgs/OCL/members/ada/").status_code == 204
    assert [o["id"] for o in ada.get("/user/orgs/").get_json()] == ["OCL"]
    assert [o["id"] for o in ada.get("/users/ada/orgs/").get_json()] == ["OCL"]


def test_org_refusals(ada: FlaskClient, anonymous: FlaskClient) -> None:
    error(anonymous.post("/orgs/", json={"id": "X", "name": "x"}), 401)
    body = ada.post("/orgs/", json={"id": "X"}).get_json()
    assert body["name"] == ["Missing data for required field."]
    ada.post("/orgs/", json={"id": "X", "name": "x"})
    duplicate = ada.post("/orgs/", json={"id": "X", "name": "x"})
    assert duplicate.status_code == 400
    assert duplicate.get_json()["mnemonic"] == "Organization with mnemonic X already exists."
    assert ada.post("/orgs/", json={"id": "a b", "name": "x"}).status_code == 400
    assert ada.post("/orgs/", json={"id": "Y", "name": "y", "public_access": "x"}).status_code == (
        400
    )


def test_a_private_org_is_not_found_to_outsiders(app: Flask, ada: FlaskClient) -> None:
    ada.post("/orgs/", json={"id": "P", "name": "p", "public_access": "None"})
    bob = client_as(app, "bob", staff=False)
    error(bob.get("/orgs/P/"), 404)
    error(bob.get("/orgs/P/members/"), 404)
    assert "P" not in [o["id"] for o in bob.get("/orgs/").get_json()]
    assert "P" in [o["id"] for o in ada.get("/orgs/").get_json()]
    assert "P" in [o["id"] for o in client_as(app).get("/orgs/").get_json()]


def test_members_are_managed_by_org_admins(app: Flask, ada: FlaskClient) -> None:
    accounts_of(app).create_user("bob")
    accounts_of(app).create_user("cy")
    ada.post("/orgs/", json={"id": "OCL", "name": "x"})
    bob = client_as(app, "bob", staff=False)
    error(bob.put("/orgs/OCL/members/cy/"), 403)
    assert ada.put("/orgs/OCL/members/bob/").status_code == 204
    error(bob.put("/orgs/OCL/members/cy/"), 403)  # a member, not an admin
    error(bob.put("/orgs/OCL/", json={"name": "mine"}), 403)
    assert ada.put("/orgs/OCL/members/bob/", json={"role": "admin"}).status_code == 204
    assert bob.put("/orgs/OCL/members/cy/").status_code == 204
    assert [u["username"] for u in ada.get("/orgs/OCL/members/").get_json()] == [
        "ada",
        "bob",
        "cy",
    ]
    assert bob.delete("/orgs/OCL/members/cy/").status_code == 204
    error(ada.get("/orgs/OCL/members/cy/"), 404)
    error(ada.put("/orgs/OCL/members/nobody/"), 404)
    refused = field_error(ada.put("/orgs/OCL/members/bob/", json={"role": "owner"}), 400)
    assert refused["role"] == ["Must be one of: member, admin."]


def test_members_get_reports_the_named_user_not_the_caller(app: Flask, ada: FlaskClient) -> None:
    accounts_of(app).create_user("bob")
    ada.post("/orgs/", json={"id": "OCL", "name": "x"})
    assert ada.get("/orgs/OCL/members/ada/").status_code == 204
    error(ada.get("/orgs/OCL/members/bob/"), 404)


def test_org_admins_update_and_retire_their_org(app: Flask, ada: FlaskClient) -> None:
    ada.post("/orgs/", json={"id": "OCL", "name": "x", "website": "https://a.example"})
    updated = ada.put("/orgs/OCL/", json={"name": "New", "public_access": "Edit"}).get_json()
    assert (updated["name"], updated["public_access"], updated["website"]) == (
        "New",
        "Edit",
        "https://a.example",  # kept: not overwritten as OCL does
    )
    assert ada.delete("/orgs/OCL/").status_code == 204
    error(ada.get("/orgs/OCL/"), 404)


def test_the_accounts_segments_cannot_name_code_systems(client: FlaskClient) -> None:
    for reserved in ("orgs", "users", "user", "sources", "collections"):
        assert error(client.post("/codesystems", json={"id": reserved, "title": "x"}), 400)
