"""Who may do what in the OCL API: every OCL view asks here, and only here, and this module
asks ``api.auth`` (the rights are ``accounts.rights``' table, docs/access.md): 404 for what
the caller may not see (a private repository to an outsider), 401 without a token, 403
without the right.
"""

from __future__ import annotations

from collections.abc import Callable

from accounts.repositories import Repository
from api.auth import (
    check_owned,
    check_owner,
    check_read_repository,
    check_repository,
    current_author,
    require_user,
    viewer,
)


def view(codesystem_id: str) -> None:
    """Raise unless the caller may read the source whose code system is ``codesystem_id``."""
    check_repository(codesystem_id, "view")


def view_source(repository: Repository) -> None:
    """:func:`view` for a source's record already read."""
    check_read_repository(repository, "view")


def edit(codesystem_id: str) -> None:
    """Raise unless the caller may change the source's content and metadata."""
    check_repository(codesystem_id, "edit")


def admin(codesystem_id: str) -> None:
    """Raise unless the caller may delete the source, or create, change or delete its versions
    and exports."""
    check_repository(codesystem_id, "admin")


def sources_seen() -> Callable[[Repository | None], bool]:
    """Whether the caller may view a source, as a function a streamed body can call after the
    request (a collection's members are shown only from sources the caller may view)."""
    return viewer()


def create_under(owner_type: str, owner: str) -> None:
    """Raise unless the caller may create a repository owned by ``owner``."""
    check_owner(owner_type, owner, "create")


def author() -> str:
    """The name recorded as the author of this request's commits: the token's user."""
    return current_author()


def caller() -> str:
    """The caller's username, for ``/user/…`` URLs; 401 for an anonymous caller."""
    return require_user().username


# --- collections (a collection is no code system: asked by owner and public_access) -------


def view_repo(owner_type: str, owner: str, public_access: str) -> None:
    """Raise unless the caller may read a repository of ``owner`` with ``public_access``."""
    check_owned(owner_type, owner, public_access, "view", f"Collection of '{owner}'")


def edit_repo(owner_type: str, owner: str, public_access: str) -> None:
    """Raise unless the caller may change that repository's content and metadata."""
    check_owned(owner_type, owner, public_access, "edit", f"Collection of '{owner}'")


def admin_repo(owner_type: str, owner: str, public_access: str) -> None:
    """Raise unless the caller may delete that repository or its versions."""
    check_owned(owner_type, owner, public_access, "admin", f"Collection of '{owner}'")
