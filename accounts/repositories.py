"""Who owns which code system (``repositories``) and which code system's branches a branch
is among: the part of the accounts store the rights need for every request on a branch.
:class:`Repositories` is a base of :class:`accounts.store.Accounts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, RowMapping, delete, func, insert, select, update

from accounts.errors import NotFound
from accounts.records import Repository, check_name, check_owner_type, check_public_access
from accounts.schema import repositories
from revisions.schema import branches, codesystems


@dataclass(frozen=True, slots=True)
class Governing:
    """The code system whose branches include a branch, and who owns it (None: the server)."""

    codesystem_id: str
    working_path: str
    repository: Repository | None


def _repository(row: RowMapping) -> Repository:
    return Repository(**row)


class Repositories:
    """Repository rows over ``engine`` (``_probe``: the generic-plan read pool)."""

    engine: Engine
    _probe: Engine

    def add_repository(
        self,
        codesystem_id: str,
        owner_type: str,
        owner: str,
        repo_id: str,
        *,
        public_access: str = "View",
        kind: str = "source",
    ) -> Repository:
        check_owner_type(owner_type)
        check_public_access(public_access)
        record = Repository(codesystem_id, kind, owner_type, owner, repo_id, public_access)
        with self.engine.begin() as connection:
            connection.execute(
                insert(repositories).values(
                    codesystem_id=codesystem_id,
                    kind=kind,
                    owner_type=owner_type,
                    owner=owner,
                    repo_id=repo_id,
                    public_access=public_access,
                )
            )
        return record

    def repository(self, codesystem_id: str) -> Repository | None:
        """Who owns ``codesystem_id`` (None: no row, the server owns it)."""
        query = select(repositories).where(repositories.c.codesystem_id == codesystem_id)
        with self._probe.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else _repository(row)

    def repository_at(self, owner_type: str, owner: str, kind: str, repo_id: str) -> Repository:
        query = select(repositories).where(
            repositories.c.owner_type == owner_type,
            repositories.c.owner == owner,
            repositories.c.kind == kind,
            repositories.c.repo_id == repo_id,
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            raise NotFound(f"Repository '/{owner_type}/{owner}/{kind}s/{repo_id}' does not exist.")
        return _repository(row)

    def list_repositories(
        self, owner_type: str | None = None, owner: str | None = None, kind: str | None = None
    ) -> list[Repository]:
        query = select(repositories).order_by(
            repositories.c.owner_type, repositories.c.owner, repositories.c.repo_id
        )
        if owner_type is not None:
            query = query.where(repositories.c.owner_type == owner_type)
        if owner is not None:
            query = query.where(repositories.c.owner == owner)
        if kind is not None:
            query = query.where(repositories.c.kind == kind)
        with self.engine.connect() as connection:
            return [_repository(row) for row in connection.execute(query).mappings()]

    def update_repository(
        self, codesystem_id: str, *, public_access: str | None = None, repo_id: str | None = None
    ) -> Repository:
        values: dict[str, Any] = {}
        if public_access is not None:
            values["public_access"] = check_public_access(public_access)
        if repo_id is not None:
            values["repo_id"] = check_name(repo_id, "id")
        with self.engine.begin() as connection:
            if values:
                connection.execute(
                    update(repositories)
                    .where(repositories.c.codesystem_id == codesystem_id)
                    .values(**values)
                )
        found = self.repository(codesystem_id)
        if found is None:
            raise NotFound(f"No repository for code system '{codesystem_id}'.")
        return found

    def delete_repository(self, codesystem_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                delete(repositories).where(repositories.c.codesystem_id == codesystem_id)
            )

    def governing(self, path: str) -> Governing | None:
        """The deepest code system whose working branch is ``path`` or one of its ancestors,
        with its owner; None when no code system's branches include ``path``."""
        segments = path.split("/")
        prefixes = ["/".join(segments[: n + 1]) for n in range(len(segments))]
        query = (
            _GOVERNING.where(branches.c.path.in_(prefixes), branches.c.deleted_ts.is_(None))
            .order_by(func.length(branches.c.path).desc())
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else _governing(row)

    def all_governing(self) -> list[Governing]:
        """Every code system with its working branch and owner (to filter listings)."""
        with self.engine.connect() as connection:
            return [_governing(row) for row in connection.execute(_GOVERNING).mappings()]


_GOVERNING = (
    select(
        codesystems.c.id,
        branches.c.path,
        *(column.label(f"repo_{column.name}") for column in repositories.c),
    )
    .join(branches, branches.c.id == codesystems.c.branch_id)
    .outerjoin(repositories, repositories.c.codesystem_id == codesystems.c.id)
)


def _governing(row: RowMapping) -> Governing:
    repository = None
    if row["repo_owner_type"] is not None:
        repository = Repository(**{c.name: row[f"repo_{c.name}"] for c in repositories.c})
    return Governing(row["id"], row["path"], repository)
