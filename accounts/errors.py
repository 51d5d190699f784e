"""Errors raised by accounts. They carry no HTTP status; ``api/errors.py`` maps them.

::

    AccountsError                  .fields: OCL's field dict for the error body (may be empty)
    ├── NotFound                   an unknown (or retired) user, organisation, member
    │   └── Invisible              exists, but the caller may not even see it (answered as unknown)
    ├── NotAuthenticated           the action needs a caller and there is none
    │   └── InvalidToken           a token that is unknown or revoked, or a malformed header
    ├── Forbidden                  a known caller without the right
    ├── InvalidCredentials         login: unknown user or wrong password
    ├── Inactive                   login: the account is retired
    ├── InvalidInput               bad field values (.fields names them)
    │   └── Duplicate              a username, email or organisation id already taken
    └── NotAllowed                 an action the resource never takes (staff retiring itself)
"""

from __future__ import annotations

from typing import Any


class AccountsError(Exception):
    """Base of every error accounts raise on purpose."""

    def __init__(self, message: str, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(AccountsError):
    pass


class Invisible(NotFound):
    pass


class NotAuthenticated(AccountsError):
    pass


class InvalidToken(NotAuthenticated):
    pass


class Forbidden(AccountsError):
    pass


class InvalidCredentials(AccountsError):
    pass


class Inactive(AccountsError):
    pass


class InvalidInput(AccountsError):
    pass


class Duplicate(InvalidInput):
    pass


class NotAllowed(AccountsError):
    pass
