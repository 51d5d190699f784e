"""The access rule's table, checked against the table docs/access.md states, written out
here again: a cell changed in one place and not the other fails."""

from __future__ import annotations

import pytest

from accounts.errors import Forbidden, Invisible, NotAuthenticated
from accounts.rights import Action, Role, allows, check, role_of

# role -> actions allowed, for public_access View, Edit and None
EXPECTED = {
    "View": {
        Role.ANONYMOUS: {"view"},
        Role.OUTSIDER: {"view"},
        Role.MEMBER: {"view", "edit", "create"},
        Role.ADMIN: {"view", "edit", "admin", "create", "members"},
        Role.STAFF: {"view", "edit", "admin", "create", "members", "users"},
    },
    "Edit": {
        Role.ANONYMOUS: {"view"},
        Role.OUTSIDER: {"view", "edit"},
        Role.MEMBER: {"view", "edit", "create"},
        Role.ADMIN: {"view", "edit", "admin", "create", "members"},
        Role.STAFF: {"view", "edit", "admin", "create", "members", "users"},
    },
    "None": {
        Role.ANONYMOUS: set(),
        Role.OUTSIDER: set(),
        Role.MEMBER: {"view", "edit", "create"},
        Role.ADMIN: {"view", "edit", "admin", "create", "members"},
        Role.STAFF: {"view", "edit", "admin", "create", "members", "users"},
    },
}
CELLS = [(access, role, action) for access in EXPECTED for role in Role for action in Action]


@pytest.mark.parametrize(("access", "role", "action"), CELLS)
def test_each_cell_of_the_table(access: str, role: Role, action: Action) -> None:
    assert allows(role, action, access) is (action.value in EXPECTED[access][role])


def test_what_one_may_not_see_does_not_exist() -> None:
    with pytest.raises(Invisible):
        check(Role.OUTSIDER, Action.EDIT, "None", "Code system 'X'")
    with pytest.raises(Invisible):
        check(Role.ANONYMOUS, Action.VIEW, "None", "Code system 'X'")


def test_a_visible_thing_refuses_anonymous_with_401_and_users_with_403() -> None:
    with pytest.raises(NotAuthenticated):
        check(Role.ANONYMOUS, Action.EDIT, "View", "Code system 'X'")
    with pytest.raises(Forbidden) as refused:
        check(Role.MEMBER, Action.ADMIN, "None", "Code system 'X'")
    assert refused.value.message == "You may not administer Code system 'X'."


@pytest.mark.parametrize(
    ("username", "staff", "owner_type", "owner", "org_role", "role"),
    [
        (None, False, "users", "ann", None, Role.ANONYMOUS),
        ("ann", True, "users", "bob", None, Role.STAFF),
        ("ann", False, "users", "ann", None, Role.ADMIN),
        ("ann", False, "users", "bob", None, Role.OUTSIDER),
        ("ann", False, "orgs", "OCL", "member", Role.MEMBER),
        ("ann", False, "orgs", "OCL", "admin", Role.ADMIN),
        ("ann", False, "orgs", "OCL", None, Role.OUTSIDER),
        ("ann", False, None, None, None, Role.OUTSIDER),
    ],
)
def test_the_role_of_a_caller(
    username: str | None,
    staff: bool,
    owner_type: str | None,
    owner: str | None,
    org_role: str | None,
    role: Role,
) -> None:
    assert role_of(username, staff, owner_type, owner, org_role) is role
