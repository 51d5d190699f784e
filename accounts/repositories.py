"""Repository records: which owner (a user or an organisation) holds which code system
under which id, and who may see it (``public_access``). No Flask; every function takes the
store's engine.

A repository row is written after its code system exists (by ``api.ocl``, and by the native
API, owned by the caller, when it creates a code system) and goes with its code system (``ON
DELETE CASCADE``); the owner must exist: an organisation in ``orgs`` or a user in ``users``
(:func:`check_owner`, :class:`OwnerNotFound` otherwise). :func:`governing` finds the code
system, and so the owner, whose branches hold a branch (the rights of a native request).

::

    revisions.errors.NotFound
    ├── OwnerNotFound
    └── RepositoryNotFound
    revisions.errors.Conflict
    └── RepositoryExists
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, Select, bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError

from accounts.schema import orgs, repositories, users
from revisions.errors import Conflict, NotFound
from revisions.registry import CodeSystem, codesystem_of
from revisions.schema import branches, codesystems

R = repositories
OWNER_TYPES = ("orgs", "users")
PUBLIC_ACCESS = ("View", "Edit", "None")
SOURCE = "source"


class OwnerNotFound(NotFound):
    pass


class RepositoryNotFound(NotFound):
    pass


class RepositoryExists(Conflict):
    pass


@dataclass(frozen=True, slots=True)
class Repository:
    codesystem_id: str
    owner_type: str  # orgs | users
    owner: str
    repo_id: str
    public_access: str = "View"
    kind: str = SOURCE


def _repository(row: Row[Any]) -> Repository:
    return Repository(
        codesystem_id=row.codesystem_id,
        owner_type=row.owner_type,
        owner=row.owner,
        repo_id=row.repo_id,
        public_access=row.public_access,
        kind=row.kind,
    )


def owner_exists(connection: Connection, owner_type: str, owner: str) -> bool:
    """Whether an active organisation (``orgs``) or user (``users``) has that id."""
    if owner_type == "orgs":
        stmt = select(orgs.c.id).where(orgs.c.id == owner, orgs.c.is_active.is_(True))
    elif owner_type == "users":
        stmt = select(users.c.id).where(users.c.username == owner, users.c.is_active.is_(True))
    else:
        return False
    return connection.execute(stmt).first() is not None


def check_owner(engine: Engine, owner_type: str, owner: str) -> None:
    """:class:`OwnerNotFound` unless the owner exists."""
    with engine.connect() as connection:
        if not owner_exists(connection, owner_type, owner):
            kind = "Organization" if owner_type == "orgs" else "User"
            raise OwnerNotFound(f"{kind} '{owner}' does not exist.")


def add(engine: Engine, repository: Repository) -> Repository:
    """Record a repository; :class:`RepositoryExists` if the owner has one with that id."""
    try:
        with engine.begin() as connection:
            if not owner_exists(connection, repository.owner_type, repository.owner):
                raise OwnerNotFound(f"Owner '{repository.owner}' does not exist.")
            connection.execute(
                R.insert().values(
                    codesystem_id=repository.codesystem_id,
                    kind=repository.kind,
                    owner_type=repository.owner_type,
                    owner=repository.owner,
                    repo_id=repository.repo_id,
                    public_access=repository.public_access,
                )
            )
    except IntegrityError:
        raise _taken(repository) from None
    return repository


def check_free(engine: Engine, repository: Repository) -> None:
    """:class:`RepositoryExists` if the owner already has a repository of that kind and id."""
    if exists(engine, repository.owner_type, repository.owner, repository.repo_id, repository.kind):
        raise _taken(repository)


def _taken(repository: Repository) -> RepositoryExists:
    return RepositoryExists(
        f"'{repository.owner}' already has a {repository.kind} '{repository.repo_id}'."
    )


def get(
    engine: Engine, owner_type: str, owner: str, repo_id: str, kind: str = SOURCE
) -> Repository:
    """The owner's repository ``repo_id``: :class:`OwnerNotFound` or
    :class:`RepositoryNotFound` when either is missing."""
    with engine.connect() as connection:
        row = connection.execute(
            select(R).where(
                R.c.owner_type == owner_type,
                R.c.owner == owner,
                R.c.kind == kind,
                R.c.repo_id == repo_id,
            )
        ).first()
        if row is not None:
            return _repository(row)
        if not owner_exists(connection, owner_type, owner):
            raise OwnerNotFound(f"Owner '{owner}' does not exist.")
    raise RepositoryNotFound(f"'{owner}' has no {kind} '{repo_id}'.")


# A repository with its code system and working branch, in one indexed lookup (every OCL
# request under a source starts with it).
_WITH_CODESYSTEM = (
    select(R, *(column.label(f"cs_{column.name}") for column in codesystems.c), branches.c.path)
    .join(codesystems, codesystems.c.id == R.c.codesystem_id)
    .join(branches, branches.c.id == codesystems.c.branch_id)
)


# :data:`_WITH_CODESYSTEM` of one repository, its keys bound by name (one text: kept
# prepared by ``accounts.store.Accounts.with_codesystem``).
WITH_CODESYSTEM = _WITH_CODESYSTEM.where(
    R.c.owner_type == bindparam("owner_type"),
    R.c.owner == bindparam("owner"),
    R.c.kind == bindparam("kind"),
    R.c.repo_id == bindparam("repo_id"),
)


def with_codesystem_of(row: Mapping[str, Any]) -> tuple[Repository, CodeSystem]:
    """The repository and code system of a row of :data:`WITH_CODESYSTEM`."""
    repository = Repository(**{column.name: row[column.name] for column in R.c})
    codesystem = {column.name: row[f"cs_{column.name}"] for column in codesystems.c}
    return repository, codesystem_of(codesystem, row["path"])


def raise_missing(engine: Engine, owner_type: str, owner: str, repo_id: str, kind: str) -> None:
    """:class:`OwnerNotFound` or :class:`RepositoryNotFound` for a lookup that found none."""
    get(engine, owner_type, owner, repo_id, kind)  # raises the missing one
    raise RepositoryNotFound(f"'{owner}' has no {kind} '{repo_id}'.")  # deleted meanwhile


def exists(engine: Engine, owner_type: str, owner: str, repo_id: str, kind: str = SOURCE) -> bool:
    try:
        get(engine, owner_type, owner, repo_id, kind)
    except RepositoryNotFound:
        return False
    return True


def by_codesystem(engine: Engine, codesystem_id: str) -> Repository | None:
    """The repository a code system is, or None (a code system owned by the server)."""
    with engine.connect() as connection:
        row = connection.execute(select(R).where(R.c.codesystem_id == codesystem_id)).first()
    return None if row is None else _repository(row)


def list_for(
    engine: Engine, owner_type: str | None = None, owner: str | None = None, kind: str = SOURCE
) -> Iterator[Repository]:
    """The repositories of one owner (both given) or of everyone, by owner and id."""
    stmt = select(R).where(R.c.kind == kind)
    if owner_type is not None:
        stmt = stmt.where(R.c.owner_type == owner_type, R.c.owner == owner)
    stmt = stmt.order_by(R.c.owner_type, R.c.owner, R.c.repo_id)
    with engine.connect() as connection:
        rows = connection.execute(stmt).all()
    return iter([_repository(row) for row in rows])


def update(engine: Engine, codesystem_id: str, *, public_access: str) -> Repository:
    with engine.begin() as connection:
        result = connection.execute(
            R.update().where(R.c.codesystem_id == codesystem_id).values(public_access=public_access)
        )
        if result.rowcount == 0:
            raise RepositoryNotFound(f"No repository is code system '{codesystem_id}'.")
        row = connection.execute(select(R).where(R.c.codesystem_id == codesystem_id)).one()
    return _repository(row)


def remove(engine: Engine, codesystem_id: str) -> None:
    """Forget the repository record (its code system is the caller's to delete)."""
    with engine.begin() as connection:
        connection.execute(delete(R).where(R.c.codesystem_id == codesystem_id))


@dataclass(frozen=True, slots=True)
class Governing:
    """The code system whose branches include a branch, and who owns it (None: the server)."""

    codesystem_id: str
    working_path: str
    repository: Repository | None


_GOVERNING = (
    select(
        codesystems.c.id,
        branches.c.path,
        *(column.label(f"repo_{column.name}") for column in R.c),
    )
    .join(branches, branches.c.id == codesystems.c.branch_id)
    .outerjoin(R, R.c.codesystem_id == codesystems.c.id)
)


def governing_of(row: Mapping[str, Any]) -> Governing:
    """The :class:`Governing` of a row of :func:`governing_query` (or of every code system)."""
    repository = None
    if row["repo_owner_type"] is not None:
        repository = Repository(**{c.name: row[f"repo_{c.name}"] for c in R.c})
    return Governing(row["id"], row["path"], repository)


def governing_query(depth: int) -> Select[Any]:
    """:func:`governing`'s statement for a path of ``depth`` segments, its prefixes bound as
    ``p0`` (the root) to ``p{depth - 1}`` (the path itself; :func:`prefixes`): one text for
    every path of that depth, which the driver can keep prepared
    (``accounts.store.Accounts.governing``)."""
    bound = [bindparam(f"p{n}") for n in range(depth)]
    return (
        _GOVERNING.where(branches.c.path.in_(bound), branches.c.deleted_ts.is_(None))
        .order_by(func.length(branches.c.path).desc())
        .limit(1)
    )


def prefixes(path: str) -> dict[str, str]:
    """The bound values of :func:`governing_query` for ``path``: it and its ancestors."""
    segments = path.split("/")
    return {f"p{n}": "/".join(segments[: n + 1]) for n in range(len(segments))}


def governing(engine: Engine, path: str) -> Governing | None:
    """The deepest code system whose working branch is ``path`` or one of its ancestors,
    with its owner; None when no code system's branches include ``path``."""
    params = prefixes(path)
    with engine.connect() as connection:
        row = connection.execute(governing_query(len(params)), params).mappings().first()
    return None if row is None else governing_of(row)


def all_governing(engine: Engine) -> list[Governing]:
    """Every code system with its working branch and owner (to filter listings)."""
    with engine.connect() as connection:
        return [governing_of(row) for row in connection.execute(_GOVERNING).mappings()]
