"""OCL's account calls: ``/users/`` (login, create, read, update, retire, reactivate, their
organisations), ``/user/`` (the caller) and ``/orgs/`` (create, read, update, retire,
members). Who may do what is ``accounts.rights``' table, applied by ``api.auth``; lists are
JSON arrays with OCL's ``num_found`` header; docs/access.md has the decisions.
"""

from __future__ import annotations

from flask import Response, url_for

from accounts.errors import NotAllowed, NotFound
from accounts.records import User
from api import accounts_shapes as shapes
from api import http
from api.auth import check_owner, current_user, require_user
from api.services import accounts

_Shown = list[dict]


def _listing(items: _Shown) -> Response:
    return http.json(items, headers={"num_found": str(len(items))})


def _created(body: dict, endpoint: str, **values: str) -> Response:
    location = url_for(endpoint, _external=True, **values)
    return http.json(body, status=201, headers={"Location": location})


def _private(user: User) -> bool:
    """Whether the caller may see ``user``'s private fields (its email): itself or staff."""
    caller = current_user()
    return caller is not None and (caller.is_staff or caller.id == user.id)


def _user_detail(user: User) -> dict:
    orgs = len(accounts().orgs_of(user.username))
    return shapes.user_detail(user, private=_private(user), orgs=orgs)


# --- users ---------------------------------------------------------------------------------


def login() -> Response:
    data = shapes.load(shapes.LoginIn)
    user = accounts().login(data["username"], data["password"])
    return http.json({"token": accounts().make_token(user.username)})


def create_user() -> Response:
    require_user()
    check_owner("users", require_user().username, "users")
    data = shapes.load(shapes.UserIn)
    user = accounts().create_user(
        data["username"],
        data.get("password"),
        email=data.get("email"),
        metadata=shapes.profile(data, shapes.USER_PROFILE),
    )
    body = {**_user_detail(user), "token": accounts().make_token(user.username)}
    return _created(body, "user_get", username=user.username)


def list_users() -> Response:
    return _listing([shapes.user_summary(u) for u in accounts().list_users()])


def get_user(username: str) -> Response:
    check_owner("users", username, "view")
    return http.json(_user_detail(accounts().get_user(username)))


def get_me() -> Response:
    return http.json(_user_detail(require_user()))


def update_user(username: str) -> Response:
    require_user()
    check_owner("users", username, "admin")
    data = shapes.load(shapes.UserUpdate)
    user = accounts().update_user(
        username,
        email=data.get("email"),
        password=data.get("password"),
        metadata=shapes.profile(data, shapes.USER_PROFILE),
    )
    return http.json(_user_detail(user))


def retire_user(username: str) -> Response:
    caller = require_user()
    check_owner("users", username, "users")
    if caller.username == username:
        raise NotAllowed("An administrator cannot retire its own account.")
    accounts().retire_user(username)
    return http.no_content()


def reactivate_user(username: str) -> Response:
    caller = require_user()
    check_owner("users", caller.username, "users")
    accounts().reactivate_user(username)
    return http.no_content()


def _visible_orgs(orgs: list) -> _Shown:
    shown = []
    for org in orgs:
        try:
            check_owner("orgs", org.id, "view")
        except NotFound:
            continue
        shown.append(shapes.org_summary(org))
    return shown


def user_orgs(username: str) -> Response:
    check_owner("users", username, "view")
    return _listing(_visible_orgs(accounts().orgs_of(username)))


def my_orgs() -> Response:
    return _listing(_visible_orgs(accounts().orgs_of(require_user().username)))


# --- organisations -------------------------------------------------------------------------


def create_org() -> Response:
    user = require_user()
    data = shapes.load(shapes.OrgIn)
    org = accounts().create_org(
        data["id"],
        data["name"],
        user.username,
        public_access=data["public_access"],
        metadata=shapes.profile(data, shapes.ORG_PROFILE),
    )
    return _created(shapes.org_detail(org, members=1), "org_get", org_id=org.id)


def list_orgs() -> Response:
    return _listing(_visible_orgs(accounts().list_orgs()))


def _org_detail(org_id: str) -> dict:
    org = accounts().get_org(org_id)
    return shapes.org_detail(org, members=len(accounts().members(org_id)))


def get_org(org_id: str) -> Response:
    check_owner("orgs", org_id, "view")
    return http.json(_org_detail(org_id))


def update_org(org_id: str) -> Response:
    user = require_user()
    check_owner("orgs", org_id, "admin")
    data = shapes.load(shapes.OrgUpdate)
    accounts().update_org(
        org_id,
        user.username,
        name=data.get("name"),
        public_access=data.get("public_access"),
        metadata=shapes.profile(data, shapes.ORG_PROFILE),
    )
    return http.json(_org_detail(org_id))


def retire_org(org_id: str) -> Response:
    user = require_user()
    check_owner("orgs", org_id, "admin")
    accounts().retire_org(org_id, user.username)
    return http.no_content()


def members(org_id: str) -> Response:
    check_owner("orgs", org_id, "view")
    return _listing([shapes.user_summary(m.user) for m in accounts().members(org_id)])


def is_member(org_id: str, username: str) -> Response:
    """204 when ``username`` (not the caller: OCL's bug) is a member; 404 otherwise."""
    check_owner("orgs", org_id, "view")
    if all(m.user.username != username for m in accounts().members(org_id)):
        raise NotFound(f"'{username}' is not a member of '{org_id}'.")
    return http.no_content()


def add_member(org_id: str, username: str) -> Response:
    require_user()
    check_owner("orgs", org_id, "members")
    data = shapes.load(shapes.MemberIn, optional=True)
    accounts().add_member(org_id, username, data["role"])
    return http.no_content()


def remove_member(org_id: str, username: str) -> Response:
    require_user()
    check_owner("orgs", org_id, "members")
    accounts().remove_member(org_id, username)
    return http.no_content()
