"""From URL segments to what they name: the owner (``/user/`` is the caller), the source
(its repository record and code system), the read point of ``HEAD`` or a version. Unknown
owners, sources and versions are 404s (``accounts.repositories`` and ``revisions`` errors).
Every lookup of a source asks :mod:`api.ocl.access` whether the caller may see it."""

from __future__ import annotations

from dataclasses import dataclass

from accounts import repositories
from accounts.repositories import Repository
from api.ocl import access
from api.services import accounts, store
from exporter.ocl_json import Place
from revisions import ReadPoint
from revisions.errors import VersionNotFound
from revisions.registry import CodeSystem, Version

HEAD = "HEAD"


@dataclass(frozen=True, slots=True)
class Source:
    repository: Repository
    codesystem: CodeSystem
    place: Place

    @property
    def id(self) -> str:
        return self.codesystem.id

    @property
    def locale(self) -> str:
        return self.codesystem.metadata.get("language") or "en"

    @property
    def working_branch(self) -> str:
        return self.codesystem.branch_path


def owner(owner_type: str, name: str | None, *, check: bool = True) -> tuple[str, str]:
    """(``orgs``|``users``, owner) of a URL; ``/user/`` is the caller (401 if anonymous);
    with ``check``, 404 for an owner that does not exist."""
    if owner_type == "user":
        owner_type, name = "users", access.caller()
    assert name is not None
    if check:
        repositories.check_owner(store().engine, owner_type, name)
    return owner_type, name


def source(owner_type: str, name: str | None, source_id: str) -> Source:
    """The source ``source_id`` of the owner, if the caller may see it (the record's lookup
    tells an unknown owner from an unknown source)."""
    owner_type, name = owner(owner_type, name, check=False)
    repository, codesystem = accounts().with_codesystem(owner_type, name, source_id)
    access.view_source(repository)
    return _source(repository, codesystem)


def of(repository: Repository) -> Source:
    return _source(repository, store().codesystems.get(repository.codesystem_id))


def _source(repository: Repository, codesystem: CodeSystem) -> Source:
    place = Place(
        repository.owner_type, repository.owner, repository.repo_id, repository.codesystem_id
    )
    return Source(repository, codesystem, place)


def version(found: Source, version_id: str | None) -> Version | None:
    """The code system version ``version_id`` names (None for ``HEAD`` or no version)."""
    if version_id is None or version_id == HEAD:
        return None
    return store().codesystems.get_version(found.id, version_id)


def read_point(found: Source, version_id: str | None) -> ReadPoint:
    """``HEAD`` (the working branch at its head) or the version's tag branch."""
    chosen = version(found, version_id)
    return ReadPoint(found.working_branch if chosen is None else chosen.branch_path)


def latest_released(found: Source) -> Version:
    """The newest released version (by creation); 404 when none is released."""
    released = [v for v in store().codesystems.versions(found.id) if v.metadata.get("released")]
    if not released:
        raise VersionNotFound(f"Source '{found.place.repo_id}' has no released version.")
    return max(released, key=lambda v: v.created_ts)
