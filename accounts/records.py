"""What the accounts store hands out (frozen records) and the checks of what it is given
(names, ``public_access``, roles). Field names are the store's; ``api/`` maps them to OCL's."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from accounts.errors import InvalidInput
from accounts.rights import PUBLIC_ACCESS

# OCL's NAMESPACE_PATTERN, for usernames and organisation and repository ids.
NAME = re.compile(r"[a-zA-Z0-9\-._@]{1,100}")
# Usernames OCL's routes take for themselves (/users/login/, …).
RESERVED_USERNAMES = frozenset({"login", "logout", "signup", "api-token", "oidc", "password"})
MEMBER_ROLES = ("member", "admin")
OWNER_TYPES = ("users", "orgs")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    email: str | None
    is_staff: bool
    is_active: bool
    metadata: Mapping[str, Any]
    created_ts: int
    updated_ts: int
    last_login_ts: int | None = None
    has_password: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class Org:
    id: str
    name: str
    public_access: str
    is_active: bool
    metadata: Mapping[str, Any]
    created_by: str
    updated_by: str
    created_ts: int
    updated_ts: int


@dataclass(frozen=True, slots=True)
class Member:
    user: User
    role: str


def check_name(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or NAME.fullmatch(value) is None:
        raise InvalidInput(
            f"'{field_name}' must be 1 to 100 letters, digits or - . _ @.",
            {field_name: ["Enter a valid value: letters, digits and - . _ @ only."]},
        )
    return value


def check_username(value: Any) -> str:
    name = check_name(value, "username")
    if name.lower() in RESERVED_USERNAMES:
        raise InvalidInput(
            f"'{name}' is reserved and cannot be a username.",
            {"username": [f"'{name}' is reserved."]},
        )
    return name


MAX_EMAIL = 320  # RFC 3696's longest address, and the column's width


def check_email(value: str | None) -> str | None:
    """``value`` if it fits the stored email (None: none); else :class:`InvalidInput`."""
    if value is not None and len(value) > MAX_EMAIL:
        raise InvalidInput(
            f"'email' must be at most {MAX_EMAIL} characters.",
            {"email": [f"Ensure this field has no more than {MAX_EMAIL} characters."]},
        )
    return value


def check_public_access(value: Any) -> str:
    if value not in PUBLIC_ACCESS:
        raise InvalidInput(
            f"'public_access' must be one of {', '.join(PUBLIC_ACCESS)}.",
            {"public_access": [f'"{value}" is not a valid choice.']},
        )
    return value


def check_role(value: Any) -> str:
    if value not in MEMBER_ROLES:
        raise InvalidInput(
            f"'role' must be one of {', '.join(MEMBER_ROLES)}.",
            {"role": [f'"{value}" is not a valid choice.']},
        )
    return value


def check_owner_type(value: Any) -> str:
    if value not in OWNER_TYPES:
        raise InvalidInput(f"An owner type is 'users' or 'orgs', not '{value}'.")
    return value
