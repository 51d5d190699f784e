"""Who may do what in the OCL API: every OCL view asks here, and only here.

Until the accounts work is merged these are open: anyone may read and write, and the commit
author is :func:`api.auth.current_author`. After the merge they delegate to ``api.auth``'s
rights (``check_repository(codesystem_id, action)`` with ``view``, ``edit`` or ``admin``,
``check_owner(owner_type, owner, action)``, ``current_user()``), which answer 404 (a private
repository to an outsider), 401 (no token) or 403 (no right).
"""

from __future__ import annotations

from werkzeug.exceptions import Unauthorized

from api.auth import current_author


def view(codesystem_id: str) -> None:
    """Raise unless the caller may read the repository ``codesystem_id``."""


def edit(codesystem_id: str) -> None:
    """Raise unless the caller may change the repository's content and metadata."""


def admin(codesystem_id: str) -> None:
    """Raise unless the caller may delete the repository or its versions."""


def create_under(owner_type: str, owner: str) -> None:
    """Raise unless the caller may create a repository owned by ``owner``."""


def author() -> str:
    """The name recorded as the author of this request's commits."""
    return current_author()


def caller() -> str:
    """The caller's username, for ``/user/…`` URLs; 401 for an anonymous caller (every
    caller, until the accounts work brings tokens)."""
    raise Unauthorized("/user/ URLs name the caller: send a token.")


# --- collections (a collection is no code system: asked by owner and public_access) -------


def view_repo(owner_type: str, owner: str, public_access: str) -> None:
    """Raise unless the caller may read a repository of ``owner`` with ``public_access``."""


def edit_repo(owner_type: str, owner: str, public_access: str) -> None:
    """Raise unless the caller may change that repository's content and metadata."""


def admin_repo(owner_type: str, owner: str, public_access: str) -> None:
    """Raise unless the caller may delete that repository or its versions."""
