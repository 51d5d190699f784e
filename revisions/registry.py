"""The code system registry, read-only: code system and version records, the rules for
their ids and effective times, and the row lookups that relative paths
(:mod:`revisions.expressions`) and :class:`revisions.codesystems.CodeSystems` share.

Functions take an open connection; nothing here writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from revisions import branches, schema
from revisions.errors import CodeSystemNotFound, InvalidRequest, VersionNotFound

CS, CV = schema.codesystems, schema.codesystem_versions
_EFFECTIVE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


@dataclass(frozen=True, slots=True)
class CodeSystem:
    id: str
    title: str
    branch_path: str
    extension_of: str | None  # "<code system>/<version>"
    metadata: dict[str, Any]
    created_ts: int
    updated_ts: int


@dataclass(frozen=True, slots=True)
class Version:
    codesystem_id: str
    version: str
    effective_time: str  # yyyyMMdd
    description: str
    branch_path: str
    created_ts: int
    metadata: dict[str, Any] = field(default_factory=dict)


def normalize_effective_time(value: Any) -> str:
    """``yyyyMMdd`` from ``yyyyMMdd`` or ``yyyy-MM-dd`` text of a real date."""
    match = _EFFECTIVE.fullmatch(value) if isinstance(value, str) else None
    try:
        if match is None:
            raise ValueError
        parsed = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise InvalidRequest(
            f"Invalid effective time '{value}': use yyyyMMdd or yyyy-MM-dd."
        ) from None
    return parsed.strftime("%Y%m%d")


def check_id(codesystem_id: Any) -> str:
    branches.check_name(codesystem_id)
    return codesystem_id


def parse_extension_of(value: str) -> tuple[str, str]:
    """``"SNOMEDCT/2021-01-31"`` -> ``("SNOMEDCT", "2021-01-31")``."""
    if not isinstance(value, str) or value.count("/") != 1 or "" in value.split("/"):
        raise InvalidRequest(f"extensionOf must be '<code system>/<version>', not '{value}'.")
    cs_id, version = value.split("/")
    return cs_id, version


def load_row(connection: Connection, codesystem_id: str) -> RowMapping:
    row = connection.execute(select(CS).where(CS.c.id == codesystem_id)).mappings().first()
    if row is None:
        raise CodeSystemNotFound(f"Code system '{codesystem_id}' does not exist.")
    return row


def load_version_row(connection: Connection, codesystem_id: str, version: str) -> RowMapping:
    row = (
        connection.execute(
            select(CV).where(CV.c.codesystem_id == codesystem_id, CV.c.version == version)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise VersionNotFound(f"Code system '{codesystem_id}' has no version '{version}'.")
    return row


def latest_version_row(connection: Connection, codesystem_id: str) -> RowMapping | None:
    return (
        connection.execute(
            select(CV)
            .where(CV.c.codesystem_id == codesystem_id)
            .order_by(CV.c.effective_time.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )


def held_below(
    connection: Connection, branch: branches.BranchRow, own: str | None = None
) -> list[str]:
    """What the registry keeps on ``branch`` or a live branch below it, in path order, each
    named as a refusal names it ("code system 'X'", "version 'v1' of 'X'"); those of code
    system ``own`` left out. Deleting such a branch by itself would leave the record
    pointing at a deleted branch, every read of it failing: the record must go first."""
    B = schema.branches
    below = (B.c.id == branch.id) | B.c.path.startswith(branch.path + "/", autoescape=True)
    live = select(B.c.id, B.c.path).where(below, B.c.deleted_ts.is_(None)).subquery()
    systems = select(live.c.path, CS.c.id, CS.c.id.label("of")).join(
        CS, CS.c.branch_id == live.c.id
    )
    versions = select(live.c.path, CV.c.version, CV.c.codesystem_id).join(
        CV, CV.c.branch_id == live.c.id
    )
    held = [(path, f"code system '{cid}'", of) for path, cid, of in connection.execute(systems)]
    held += [
        (path, f"version '{version}' of '{of}'", of)
        for path, version, of in connection.execute(versions)
    ]
    return [name for _, name, of in sorted(held) if of != own]


# The description types a code system takes unless its metadata lists its own
# (``descriptionTypes``): Snow Owl's three and OCL's name types. Compared by
# :func:`type_key`, so "Fully Specified" is FULLY_SPECIFIED.
DESCRIPTION_TYPES = ("FSN", "SYNONYM", "DEFINITION", "FULLY_SPECIFIED", "SHORT", "INDEX_TERM")


def type_key(name: str) -> str:
    """A description type as compared: upper case, spaces as underscores."""
    return name.strip().upper().replace(" ", "_")


def description_types(connection: Connection, chain: list[branches.BranchRow]) -> list[str]:
    """The description types allowed on the branch ``chain[-1]`` (root first): those of
    the deepest code system whose working branch is on the chain (its metadata's
    ``descriptionTypes``), else :data:`DESCRIPTION_TYPES`."""
    depth = {row.id: i for i, row in enumerate(chain)}
    rows = connection.execute(
        select(CS.c.branch_id, CS.c.metadata).where(CS.c.branch_id.in_(list(depth)))
    ).all()
    for _, metadata in sorted(rows, key=lambda r: depth[r.branch_id], reverse=True):
        listed = (metadata or {}).get("descriptionTypes")
        if isinstance(listed, list) and listed and all(isinstance(t, str) for t in listed):
            return listed
    return list(DESCRIPTION_TYPES)


def branch_path(connection: Connection, branch_id: int) -> str:
    return branches.load_by_id(connection, branch_id).path


def to_codesystem(connection: Connection, row: Mapping[str, Any]) -> CodeSystem:
    return codesystem_of(row, branch_path(connection, row["branch_id"]))


def codesystem_of(row: Mapping[str, Any], working_path: str) -> CodeSystem:
    """The code system of a ``codesystems`` row whose working branch is ``working_path``."""
    extension = None
    if row["extension_of"] is not None:
        extension = f"{row['extension_of']}/{row['extension_of_version']}"
    return CodeSystem(
        id=row["id"],
        title=row["title"],
        branch_path=working_path,
        extension_of=extension,
        metadata=dict(row["metadata"] or {}),
        created_ts=row["created_ts"],
        updated_ts=row["updated_ts"],
    )


def to_version(connection: Connection, row: Mapping[str, Any]) -> Version:
    return Version(
        codesystem_id=row["codesystem_id"],
        version=row["version"],
        effective_time=row["effective_time"],
        description=row["description"],
        branch_path=branch_path(connection, row["branch_id"]),
        created_ts=row["created_ts"],
        metadata=dict(row["metadata"] or {}),
    )
