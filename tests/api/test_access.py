"""Who may do what through the native API (docs/access.md), on SQLite and PostgreSQL: each
role against a code system owned by an organisation with each ``public_access``, and the
rules around it (401 for a bad token on every route, 404 for what one may not see, writes
below no code system for staff only, listings without private content)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from accounts import repositories
from accounts.repositories import Repository
from accounts.store import Accounts
from revisions import Create, RevisionStore
from tests.api.helpers import error
from tests.clients import STAFF, accounts_of, auth, client_as

ROLES = ("anonymous", "outsider", "member", "admin", "staff")
USERS = {"outsider": "olga", "member": "mia", "admin": "ada", "staff": STAFF}
# (public_access, action) -> status for each role in ROLES, written out from docs/access.md
EXPECTED = {
    ("View", "view"): (200, 200, 200, 200, 200),
    ("View", "edit"): (401, 403, 201, 201, 201),
    ("View", "admin"): (401, 403, 403, 201, 201),
    ("Edit", "view"): (200, 200, 200, 200, 200),
    ("Edit", "edit"): (401, 201, 201, 201, 201),
    ("Edit", "admin"): (401, 403, 403, 201, 201),
    ("None", "view"): (404, 404, 200, 200, 200),
    ("None", "edit"): (401, 404, 201, 201, 201),
    ("None", "admin"): (401, 404, 403, 201, 201),
}


def _owned(app: Flask, store: RevisionStore, public_access: str) -> Accounts:
    """CS owned by the organisation ORG (admin ada, member mia); olga is an outsider."""
    accounts = accounts_of(app)
    for name in ("ada", "mia", "olga"):
        accounts.create_user(name)
    accounts.create_org("ORG", "Org", "ada")
    accounts.add_member("ORG", "mia")
    store.codesystems.create("CS", "cs")
    store.commit("MAIN/CS", "u", "seed", [Create("concept", "c1", {})])
    repositories.add(
        store.engine, Repository("CS", "orgs", "ORG", "CS", public_access=public_access)
    )
    return accounts


def _as(app: Flask, role: str) -> FlaskClient:
    if role == "anonymous":
        return client_as(app, None)
    return client_as(app, USERS[role], staff=role == "staff")


def _do(client: FlaskClient, action: str) -> int:
    if action == "view":
        return client.get("/CS/concepts/c1").status_code
    if action == "edit":
        return client.post("/CS/concepts", json={"id": "new"}).status_code
    body = {"version": "v1", "effectiveTime": "20240101"}
    return client.post("/codesystems/CS/versions", json=body).status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("public_access", "action"), list(EXPECTED))
def test_each_role_and_action(
    app: Flask, store: RevisionStore, role: str, public_access: str, action: str
) -> None:
    _owned(app, store, public_access)
    expected = EXPECTED[public_access, action][ROLES.index(role)]
    assert _do(_as(app, role), action) == expected


@pytest.mark.parametrize("role", ["member", "admin"])
def test_a_retired_organisations_members_keep_no_rights(
    app: Flask, store: RevisionStore, role: str
) -> None:
    """Its public content stays readable (an archive); its members are outsiders now."""
    accounts = _owned(app, store, "None")
    accounts.retire_org("ORG", STAFF)
    assert _do(_as(app, role), "view") == 404
    assert _do(_as(app, role), "edit") == 404
    assert _do(_as(app, "staff"), "view") == 200


def test_a_retired_organisations_public_content_is_read_only(
    app: Flask, store: RevisionStore
) -> None:
    accounts = _owned(app, store, "View")
    accounts.retire_org("ORG", STAFF)
    assert _do(_as(app, "anonymous"), "view") == 200
    assert _do(_as(app, "member"), "edit") == 403
    assert _do(_as(app, "admin"), "admin") == 403
    assert _do(_as(app, "staff"), "edit") == 201


def test_a_refusal_is_in_the_error_shape_with_ocls_detail(app: Flask, store: RevisionStore) -> None:
    _owned(app, store, "View")
    anonymous = client_as(app, None).post("/CS/concepts", json={"id": "x"})
    body = error(anonymous, 401)
    assert body["detail"] == "Authentication credentials were not provided."
    assert anonymous.headers["WWW-Authenticate"] == "Token"
    forbidden = error(_as(app, "outsider").post("/CS/concepts", json={"id": "x"}), 403)
    assert forbidden["message"] == "You may not edit the content of Branch 'MAIN/CS'."
    assert store.codesystems.get("CS")  # and nothing was written:
    assert client_as(app).get("/CS/concepts/x").status_code == 404


def test_private_content_is_not_found_everywhere(app: Flask, store: RevisionStore) -> None:
    _owned(app, store, "None")
    store.codesystems.create_version("CS", "v1", "20240101")
    olga = _as(app, "outsider")
    for url in (
        "/codesystems/CS",
        "/codesystems/CS/versions",
        "/codesystems/CS/versions/v1",
        "/CS/v1/concepts",
        "/MAIN/CS/concepts?limit=1",
        "/branches/MAIN/CS",
        "/commits?branch=MAIN/CS",
        f"/MAIN/CS@{store.clock.now_ms()}/concepts",
    ):
        assert olga.get(url).status_code == 404, url
    assert olga.post("/compare", json={"base": "MAIN", "compare": "MAIN/CS"}).status_code == 404
    assert "CS" not in [c["id"] for c in olga.get("/codesystems").get_json()["items"]]
    paths = [b["path"] for b in olga.get("/branches").get_json()["items"]]
    assert paths == ["MAIN"]
    mia = _as(app, "member")
    assert "MAIN/CS/v1" in [b["path"] for b in mia.get("/branches").get_json()["items"]]


@pytest.mark.parametrize(
    "header",
    ["Token 0123456789abcdef0123456789abcdef01234567", "Token nonsense", "Basic abc", "Token"],
)
def test_a_bad_token_or_header_is_401_even_on_a_public_read(app: Flask, header: str) -> None:
    response = client_as(app, None).get("/branches/MAIN", headers={"Authorization": header})
    body = error(response, 401)
    assert response.headers["WWW-Authenticate"] == "Token"
    assert body["detail"] in ("Invalid token.", "Invalid token header.")


def test_a_revoked_token_is_401_at_once(app: Flask) -> None:
    accounts = accounts_of(app)
    accounts.create_user("ann")
    token = accounts.make_token("ann")
    headers = {"Authorization": f"Bearer {token}"}
    anonymous = client_as(app, None)
    assert anonymous.get("/branches/MAIN", headers=headers).status_code == 200
    accounts.revoke_token(token)
    assert error(anonymous.get("/branches/MAIN", headers=headers), 401)["detail"] == (
        "Invalid token."
    )


def test_writes_below_no_code_system_are_for_staff(app: Flask) -> None:
    olga = client_as(app, "olga", staff=False)
    assert error(olga.post("/MAIN/concepts", json={"id": "x"}), 403)
    assert error(olga.post("/branches", json={"parent": "MAIN", "name": "t"}), 403)
    assert client_as(app).post("/MAIN/concepts", json={"id": "x"}).status_code == 201


def test_a_code_system_belongs_to_its_creator(app: Flask, store: RevisionStore) -> None:
    ann = client_as(app, "ann", staff=False)
    assert ann.post("/codesystems", json={"id": "ANN", "title": "Ann's"}).status_code == 201
    repository = repositories.by_codesystem(store.engine, "ANN")
    assert repository is not None
    assert (repository.owner_type, repository.owner, repository.public_access) == (
        "users",
        "ann",
        "View",
    )
    assert ann.post("/ANN/concepts", json={"id": "a"}).status_code == 201
    version = {"version": "v1", "effectiveTime": "20240101"}
    bob = client_as(app, "bob", staff=False)
    assert bob.post("/codesystems/ANN/versions", json=version).status_code == 403
    assert ann.post("/codesystems/ANN/versions", json=version).status_code == 201
    assert bob.get("/ANN/v1/concepts/a").status_code == 200
    assert "ann" in [c.author for c in store.commits("MAIN/ANN")]


def test_task_branches_and_merges_need_edit_on_the_code_system(
    app: Flask, store: RevisionStore
) -> None:
    _owned(app, store, "View")
    mia, olga = _as(app, "member"), _as(app, "outsider")
    assert olga.post("/branches", json={"parent": "MAIN/CS", "name": "t"}).status_code == 403
    assert mia.post("/branches", json={"parent": "MAIN/CS", "name": "t"}).status_code == 201
    assert mia.post("/MAIN/CS/t/concepts", json={"id": "c2"}).status_code == 201
    assert olga.delete("/branches/MAIN/CS/t").status_code == 403
    merge = {"source": "MAIN/CS/t", "target": "MAIN/CS"}
    assert olga.post("/merges", json=merge).status_code == 403
    assert mia.post("/merges", json=merge).status_code == 202
    # the working branch itself is the code system's: deleting it is administering
    assert mia.delete("/branches/MAIN/CS").status_code == 403


def test_the_author_is_the_tokens_user_whatever_x_author_says(
    app: Flask, store: RevisionStore
) -> None:
    _owned(app, store, "View")
    headers = {**auth(app, "mia", staff=False), "X-Author": "someone-else"}
    client = client_as(app, None)
    assert client.post("/CS/concepts", json={"id": "c9"}, headers=headers).status_code == 201
    assert store.commits("MAIN/CS")[0].author == "mia"
