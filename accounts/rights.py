"""The access rule, in one place: who may do what, as a role-by-action table.

A caller has a *role* toward a thing (a repository, or an owner: an organisation or a user):

- ``anonymous``: no token;
- ``outsider``: a user with no tie to the thing;
- ``member``: a member of the organisation that owns it;
- ``admin``: an admin of that organisation, or the user who owns it (a user is the admin of
  their own account and repositories);
- ``staff``: a server administrator (``is_staff``), everywhere.

Actions: ``view`` (read it), ``edit`` (its content: concepts, descriptions, mappings, branches
below it, references), ``admin`` (administer: versions, settings, delete; for an owner, its
profile and retirement), ``create`` (create a repository under an owner), ``members`` (manage an
organisation's members), ``users`` (create, retire and reactivate users).

:data:`TABLE` says, for each role and action, whether the role may do it always, never, or
depending on the thing's ``public_access`` (``View``, ``Edit`` or ``None``). :func:`check` turns a
refusal into the error the API answers: a caller who may not even *view* the thing is told it
does not exist (:class:`~accounts.errors.Invisible`, 404), an anonymous caller otherwise that it
must authenticate (401), a known caller that it may not (403).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from accounts.errors import Forbidden, Invisible, NotAuthenticated


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    OUTSIDER = "outsider"
    MEMBER = "member"
    ADMIN = "admin"
    STAFF = "staff"


class Action(StrEnum):
    VIEW = "view"
    EDIT = "edit"
    ADMIN = "admin"
    CREATE = "create"
    MEMBERS = "members"
    USERS = "users"


class Grant(StrEnum):
    YES = "yes"
    NO = "no"
    PUBLIC = "if public"  # public_access View or Edit
    EDITABLE = "if Edit"  # public_access Edit


PUBLIC_ACCESS = ("View", "Edit", "None")
ROLES = tuple(Role)
ACTIONS = tuple(Action)

_Y, _N, _P, _E = Grant.YES, Grant.NO, Grant.PUBLIC, Grant.EDITABLE

# Rows: actions; columns: anonymous, outsider, member, admin, staff (docs/access.md).
TABLE: Mapping[Action, Mapping[Role, Grant]] = {
    action: dict(zip(ROLES, grants, strict=True))
    for action, grants in {
        Action.VIEW: (_P, _P, _Y, _Y, _Y),
        Action.EDIT: (_N, _E, _Y, _Y, _Y),
        Action.ADMIN: (_N, _N, _N, _Y, _Y),
        Action.CREATE: (_N, _N, _Y, _Y, _Y),
        Action.MEMBERS: (_N, _N, _N, _Y, _Y),
        Action.USERS: (_N, _N, _N, _N, _Y),
    }.items()
}


def allows(role: Role, action: Action | str, public_access: str = "View") -> bool:
    """Whether ``role`` may do ``action`` on a thing with ``public_access``."""
    grant = TABLE[Action(action)][role]
    if grant is Grant.PUBLIC:
        return public_access in ("View", "Edit")
    if grant is Grant.EDITABLE:
        return public_access == "Edit"
    return grant is Grant.YES


def role_of(
    username: str | None,
    is_staff: bool,
    owner_type: str | None,
    owner: str | None,
    org_role: str | None,
) -> Role:
    """The caller's role toward a thing owned by ``owner`` (None: owned by the server).

    ``org_role`` is the caller's membership role (``member``/``admin``) in the owning
    organisation, if it is one and the caller is in it.
    """
    if username is None:
        return Role.ANONYMOUS
    if is_staff:
        return Role.STAFF
    if owner_type == "users" and owner == username:
        return Role.ADMIN
    if owner_type == "orgs" and org_role is not None:
        return Role.ADMIN if org_role == "admin" else Role.MEMBER
    return Role.OUTSIDER


def check(role: Role, action: Action | str, public_access: str, what: str) -> None:
    """Raise unless ``role`` may do ``action``; ``what`` names the thing in the message."""
    if allows(role, action, public_access):
        return
    if not allows(role, Action.VIEW, public_access):
        raise Invisible(f"{what} does not exist.", {"detail": "Not found."})
    if role is Role.ANONYMOUS:
        raise NotAuthenticated(
            "Authentication credentials were not provided.",
            {"detail": "Authentication credentials were not provided."},
        )
    raise Forbidden(
        f"You may not {_VERBS[Action(action)]} {what}.",
        {"detail": "You do not have permission to perform this action."},
    )


_VERBS = {
    Action.VIEW: "see",
    Action.EDIT: "edit the content of",
    Action.ADMIN: "administer",
    Action.CREATE: "create repositories under",
    Action.MEMBERS: "manage the members of",
    Action.USERS: "manage the users of",
}
