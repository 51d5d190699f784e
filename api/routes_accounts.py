"""The accounts routes (a part of :mod:`api.routes`' table): OCL's calls for users, the
caller, organisations and members (docs/access.md)."""

from __future__ import annotations

from typing import Any

from api import accounts_shapes
from api.openapi import Route
from api.views import accounts


def _account(
    rule: str, endpoint: str, view: Any, method: str, summary: str, **options: Any
) -> Route:
    return Route(rule, endpoint, view, method, summary, tags=("accounts",), **options)


# --- accounts (OCL's calls; docs/access.md): users, the caller, organisations, members -----
# In the order their examples can run one after the other (tests/api/test_openapi_words.py).
ACCOUNT_ROUTES: list[Route] = [
    _account(
        "/users/",
        "user_create",
        accounts.create_user,
        "POST",
        "Create a user (staff); the answer holds its token, shown once",
        description=(
            "Staff only (401 without a token, 403 otherwise). 201 with Location and the user in "
            "OCL's fields, with its first token, shown this once. A taken username or email is a "
            "400 naming the field."
        ),
        body=accounts_shapes.UserIn,
        status=201,
    ),
    _account(
        "/users/login/",
        "user_login",
        accounts.login,
        "POST",
        "A new API token for a username and password",
        description=(
            'Checks the password (argon2id hash) and answers 200 {"token": …}, a new token each '
            "time (only digests are kept). Bad credentials 400 with non_field_errors, as OCL; a "
            "retired user 401."
        ),
        body=accounts_shapes.LoginIn,
        token=False,
    ),
    _account(
        "/users/",
        "user_list",
        accounts.list_users,
        "GET",
        "List active users",
        description=(
            "Active users in OCL's list shape: a JSON array with the num_found, num_returned, "
            "pages and page_number headers (limit, page). Emails only to the user itself and "
            "staff."
        ),
    ),
    _account(
        "/users/<username:username>/",
        "user_get",
        accounts.get_user,
        "GET",
        "Get a user",
        description=(
            "The user in OCL's detail fields (username, name, company, is_staff, orgs, urls). 404 "
            "for an unknown or retired user; the email only to the user itself and staff."
        ),
    ),
    _account(
        "/users/<username:username>/",
        "user_update",
        accounts.update_user,
        "PUT",
        "Update a user (itself or staff)",
        description=(
            "Changes the given profile fields; password sets a new password; is_staff only by "
            "staff. The user itself or staff (403 otherwise). 200 with the user."
        ),
        body=accounts_shapes.UserUpdate,
    ),
    _account(
        "/users/<username:username>/",
        "user_retire",
        accounts.retire_user,
        "DELETE",
        "Retire a user (staff): its tokens are revoked",
        description=(
            "Staff only. The user is marked retired (is_active false) and every token of theirs is"
            " revoked at once, in every process. Staff cannot retire themselves (409)."
        ),
        status=204,
    ),
    _account(
        "/users/<username:username>/reactivate/",
        "user_reactivate",
        accounts.reactivate_user,
        "PUT",
        "Reactivate a retired user (staff)",
        description=(
            "Staff only. The retired user is active again (new tokens by login or snowpath users "
            "token); 404 for a user who is not retired."
        ),
        status=204,
    ),
    _account(
        "/users/<username:username>/orgs/",
        "user_orgs",
        accounts.user_orgs,
        "GET",
        "The organisations of a user",
        description=(
            "The organisations the user is a member of that the caller may see, in OCL's list "
            "shape."
        ),
    ),
    _account(
        "/user/",
        "me_get",
        accounts.get_me,
        "GET",
        "The caller",
        token=True,
        description=(
            "The user the token names, with its email (401 without a token). OCL clients check a "
            "token this way."
        ),
    ),
    _account(
        "/user/orgs/",
        "me_orgs",
        accounts.my_orgs,
        "GET",
        "The caller's organisations",
        token=True,
        description=(
            "The organisations the caller is a member of, in OCL's list shape (401 without a "
            "token)."
        ),
    ),
    _account(
        "/orgs/",
        "org_create",
        accounts.create_org,
        "POST",
        "Create an organisation; its creator becomes its admin",
        description=(
            "Any user may create one (401 without a token); required id and name, public_access "
            "View (default), Edit or None. 201 with Location; a taken id is a 400 naming it."
        ),
        body=accounts_shapes.OrgIn,
        status=201,
    ),
    _account(
        "/orgs/",
        "org_list",
        accounts.list_orgs,
        "GET",
        "List the organisations one may see",
        description=(
            "Public organisations, and the private ones the caller is a member of (staff: all), in"
            " OCL's list shape."
        ),
    ),
    _account(
        "/orgs/<org_id>/",
        "org_get",
        accounts.get_org,
        "GET",
        "Get an organisation",
        description=(
            "The organisation in OCL's detail fields. A private one answers 404 to anyone who is "
            "not a member (and not staff)."
        ),
    ),
    _account(
        "/orgs/<org_id>/",
        "org_update",
        accounts.update_org,
        "PUT",
        "Update an organisation (its admins, staff)",
        description=(
            "Changes the given fields (name, public_access, company, website, location, "
            "description, extras). The organisation's admins or staff; 403 for members, 404 for "
            "outsiders of a private one."
        ),
        body=accounts_shapes.OrgUpdate,
    ),
    _account(
        "/orgs/<org_id>/",
        "org_retire",
        accounts.retire_org,
        "DELETE",
        "Retire an organisation (its admins, staff)",
        description=(
            "Marks the organisation retired: it and its URLs answer 404 from then on. Its admins "
            "or staff."
        ),
        status=204,
    ),
    _account(
        "/orgs/<org_id>/members/",
        "org_members",
        accounts.members,
        "GET",
        "The members of an organisation",
        description=(
            "The members with their roles (member, admin), in OCL's list shape; a private "
            "organisation's to its members and staff only."
        ),
    ),
    _account(
        "/orgs/<org_id>/members/<username:username>/",
        "org_member_get",
        accounts.is_member,
        "GET",
        "204 if the user is a member, else 404",
        description=(
            "Whether the user named in the URL is a member (OCL answers about the caller instead):"
            " 204 if so, 404 if not."
        ),
        status=204,
    ),
    _account(
        "/orgs/<org_id>/members/<username:username>/",
        "org_member_put",
        accounts.add_member,
        "PUT",
        'Add a member, or change its role (body optional: {"role": "admin"})',
        description=(
            "The organisation's admins or staff add the user (404 if unknown) as a member, or "
            'with {"role": "admin"} as an admin; an existing member\'s role changes. 204.'
        ),
        body=accounts_shapes.MemberIn,
        body_required=False,
        status=204,
    ),
    _account(
        "/orgs/<org_id>/members/<username:username>/",
        "org_member_delete",
        accounts.remove_member,
        "DELETE",
        "Remove a member (the last admin stays)",
        description=(
            "The organisation's admins or staff remove the user (204, also when not a member); "
            "removing the last admin is a 409."
        ),
        status=204,
    ),
]
