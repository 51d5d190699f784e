"""Who is asking, and may they: the one place authentication plugs in.

:func:`authenticate` runs before every request: ``Authorization: Token <t>`` or ``Bearer <t>``
names the caller; a header that is malformed or names an unknown or revoked token is a 401
on every route, public reads too (as OCL: credentials sent are checked, never ignored). No
header: an anonymous caller. The token is looked up by its digest, one indexed query, with
no process-local cache (a token revoked by any process is refused at once everywhere).

The rights themselves are :mod:`accounts.rights`' table; here they are applied to what a
request touches: a repository (a code system), an owner (organisation or user), or a branch
(through the deepest code system whose working branch is that branch or an ancestor of it;
none: the server's, which staff write and everyone reads). ``X-Author`` is not trusted: the
author of a commit is the token's user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app, g, request

from accounts import repositories
from accounts.errors import InvalidToken, NotAuthenticated, NotFound
from accounts.records import User
from accounts.repositories import Governing, Repository
from accounts.rights import Action, Role, allows, check, role_of
from accounts.store import Accounts

ANONYMOUS = "anonymous"
SCHEMES = ("token", "bearer")
_INVALID = {"detail": "Invalid token."}


def accounts() -> Accounts:
    return current_app.extensions["snowpath"].accounts


def authenticate() -> None:
    """Set the caller from the ``Authorization`` header (before every request)."""
    g.user = None
    header = request.headers.get("Authorization")
    if header is None:
        return
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() not in SCHEMES:
        raise InvalidToken(
            "The Authorization header must be 'Token <token>' or 'Bearer <token>'.",
            {"detail": "Invalid token header."},
        )
    user = accounts().resolve_token(parts[1])
    if user is None:
        raise InvalidToken("The token is unknown or has been revoked.", _INVALID)
    g.user = user


def current_user() -> User | None:
    """The caller (None: anonymous)."""
    return g.get("user")


def current_author() -> str:
    """The author recorded on commits made by this request: the token's username."""
    user = current_user()
    return ANONYMOUS if user is None else user.username


def require_user() -> User:
    """The caller; 401 without a token."""
    user = current_user()
    if user is None:
        raise NotAuthenticated(
            "Authentication credentials were not provided: send 'Authorization: Token <token>'.",
            {"detail": "Authentication credentials were not provided."},
        )
    return user


def _role(owner_type: str | None, owner: str | None) -> Role:
    return _role_of(current_user(), accounts(), owner_type, owner)


def _role_of(
    user: User | None, accounts_store: Accounts, owner_type: str | None, owner: str | None
) -> Role:
    org_role = None
    if user is not None and not user.is_staff and owner_type == "orgs" and owner is not None:
        org_role = accounts_store.role_in(owner, user.id)
    username = None if user is None else user.username
    return role_of(username, user is not None and user.is_staff, owner_type, owner, org_role)


def viewer() -> Callable[[Repository | None], bool]:
    """Whether this request's caller may view a repository (None: the server's), as a function
    that needs no request: for bodies streamed after the view returned (a collection's members
    come from many sources, each with its own rights)."""
    user, accounts_store = current_user(), accounts()

    def may_view(repository: Repository | None) -> bool:
        if repository is None:
            return allows(_role_of(user, accounts_store, None, None), Action.VIEW)
        role = _role_of(user, accounts_store, repository.owner_type, repository.owner)
        return allows(role, Action.VIEW, repository.public_access)

    return may_view


def _check(repository: Repository | None, action: str, what: str) -> None:
    if repository is None:  # owned by the server
        check(_role(None, None), action, "View", what)
    else:
        check_owned(repository.owner_type, repository.owner, repository.public_access, action, what)


def check_owned(owner_type: str, owner: str, public_access: str, action: str, what: str) -> None:
    """Raise unless the caller may do ``action`` on something ``owner`` holds with
    ``public_access`` (a repository that is no code system: an OCL collection)."""
    check(_role(owner_type, owner), action, public_access, what)


def check_repository(codesystem_id: str, action: str) -> None:
    """Raise unless the caller may do ``action`` (view, edit, admin) on the code system."""
    repository = repositories.by_codesystem(accounts().engine, codesystem_id)
    _check(repository, action, f"Code system '{codesystem_id}'")


def check_read_repository(repository: Repository, action: str) -> None:
    """:func:`check_repository` for a repository record already read."""
    _check(repository, action, f"Code system '{repository.codesystem_id}'")


def check_owner(owner_type: str, owner: str, action: str) -> None:
    """Raise unless the caller may do ``action`` (view, admin, create, members) on an owner:
    an organisation (404 if unknown or retired) or a user (404 if unknown or retired)."""
    if owner_type == "orgs":
        org = accounts().get_org(owner)
        check(_role("orgs", owner), action, org.public_access, f"Organization '{owner}'")
    elif owner_type == "users":
        accounts().get_user(owner, include_inactive=False)
        check(_role("users", owner), action, "View", f"User '{owner}'")
    else:
        raise NotFound(f"'{owner_type}' is not an owner type.")


def check_branch(path: str, action: str) -> bool:
    """Raise unless the caller may do ``action`` on the branch ``path`` (absolute); whether
    anyone, anonymous too, may view it (what a shared cache may keep: ``api.readcache``).

    ``delete`` is ``admin`` on a code system's working branch itself, ``edit`` below it.
    """
    governing = accounts().governing(path)
    if action == "delete":
        working = governing is not None and governing.working_path == path
        action = Action.ADMIN if working else Action.EDIT
    repository = None if governing is None else governing.repository
    _check(repository, action, f"Branch '{path}'")
    if repository is None:
        return allows(_role_of(None, accounts(), None, None), Action.VIEW)
    anonymous = _role_of(None, accounts(), repository.owner_type, repository.owner)
    return allows(anonymous, Action.VIEW, repository.public_access)


def visible_paths(paths: Iterable[str]) -> set[str]:
    """The branch paths among ``paths`` the caller may view (one query for all)."""
    owners = repositories.all_governing(accounts().engine)
    user = current_user()
    if user is not None and user.is_staff:
        return set(paths)
    cache: dict[str, bool] = {}
    visible = set()
    for path in paths:
        governing = _deepest(owners, path)
        key = "" if governing is None else governing.codesystem_id
        if key not in cache:
            cache[key] = _may_view(None if governing is None else governing.repository)
        if cache[key]:
            visible.add(path)
    return visible


def visible_codesystems(ids: Iterable[str]) -> set[str]:
    """The code system ids among ``ids`` the caller may view."""
    owned = {g.codesystem_id: g.repository for g in repositories.all_governing(accounts().engine)}
    return {cs for cs in ids if _may_view(owned.get(cs))}


def _may_view(repository: Repository | None) -> bool:
    try:
        _check(repository, Action.VIEW, "it")
    except NotFound:
        return False
    return True


def _deepest(owners: list[Governing], path: str) -> Governing | None:
    best: Governing | None = None
    for governing in owners:
        working = governing.working_path
        if (path == working or path.startswith(working + "/")) and (
            best is None or len(working) > len(best.working_path)
        ):
            best = governing
    return best
