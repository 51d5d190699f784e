"""Code systems, their versions, and upgrades of extensions to newer base versions.

A code system is an id (usable as the first segment of a relative path) plus a working
branch: ``MAIN/<id>`` by default, or ``<base version tag>/<id>`` when it extends a version
of another code system. A version is a read-only tag branch ``<working branch>/<name>`` cut
at the working branch's head by a ``VERSION`` commit: creating one copies nothing. Content
written on the working branch up to a version is shown as released with that version's
effective time (derived when reading, see ``revisions.visibility``).

An upgrade moves an extension onto a newer version of its base: a new working branch under
the new version's tag that sees the old working branch's revisions as a layer (no copying);
conflicts between the extension's changes and the base's changes between the two versions
are found as in a rebase and resolved the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, Engine, delete, select

from revisions import branches, branching, db, merging, schema
from revisions.branches import BranchRow
from revisions.clock import Clock
from revisions.errors import (
    BranchDeleted,
    BranchExists,
    Changed,
    CodeSystemExists,
    Conflict,
    InvalidRequest,
    NotFound,
    VersionExists,
)
from revisions.merge import Resolution
from revisions.records import CommitKind
from revisions.registry import (
    CodeSystem,
    Version,
    check_id,
    held_below,
    latest_version_row,
    load_row,
    load_version_row,
    normalize_effective_time,
    parse_extension_of,
    to_codesystem,
    to_version,
)
from revisions.transaction import Transaction, write
from revisions.values import check_json, check_text

CS, CV = schema.codesystems, schema.codesystem_versions


class CodeSystems:
    """Code systems on the store's engine and clock (``RevisionStore.codesystems``)."""

    def __init__(self, engine: Engine, clock: Clock, write_wait_ms: int | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.write_wait_ms = write_wait_ms
        self._reader = db.reading_engine(engine)

    def _write(self, **options: Any) -> AbstractContextManager[Transaction]:
        """A write transaction on the store's engine and clock, its wait bounded as the
        store's (see :class:`revisions.RevisionStore`)."""
        return write(self.engine, self.clock, wait_ms=self.write_wait_ms, **options)

    def _reading(self) -> Connection:
        return self._reader.connect()

    def create(
        self,
        codesystem_id: str,
        title: str,
        *,
        branch_path: str | None = None,
        extension_of: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> CodeSystem:
        """Create a code system and (unless it exists) its working branch."""
        check_id(codesystem_id)
        _check_title(title)
        check_json("metadata", dict(metadata or {}))
        with self._write() as tx:
            connection = tx.connection
            if connection.execute(select(CS.c.id).where(CS.c.id == codesystem_id)).first():
                raise CodeSystemExists(f"Code system '{codesystem_id}' already exists.")
            base = None
            if extension_of is not None:
                base_id, base_version = parse_extension_of(extension_of)
                load_row(connection, base_id)
                base = load_version_row(connection, base_id, base_version)
                parent = branches.load_by_id(connection, base["branch_id"])
                default_path = f"{parent.path}/{codesystem_id}"
            else:
                default_path = f"{branches.ROOT}/{codesystem_id}"
            path = branch_path or default_path
            if extension_of is not None and path != default_path:
                raise InvalidRequest(
                    f"An extension's working branch must be '{default_path}', not '{path}'."
                )
            working = self._working_branch(tx, path)
            connection.execute(
                CS.insert().values(
                    id=codesystem_id,
                    title=title,
                    branch_id=working.id,
                    extension_of=None if base is None else base["codesystem_id"],
                    extension_of_version=None if base is None else base["version"],
                    metadata=dict(metadata or {}),
                    created_ts=tx.ts,
                    updated_ts=tx.ts,
                )
            )
            return to_codesystem(connection, load_row(connection, codesystem_id))

    def _working_branch(self, tx: Transaction, path: str) -> BranchRow:
        """The live branch at ``path``, created under its parent if it does not exist yet."""
        try:
            return branches.load_live(tx.connection, path)
        except (NotFound, BranchDeleted):
            pass
        parent_path, _, name = path.rpartition("/")
        if not parent_path:
            raise InvalidRequest(f"A working branch must be below MAIN, not '{path}'.")
        branches.check_name(name)
        return branching.create(tx, tx.lock(parent_path)[-1], name)

    def get(self, codesystem_id: str) -> CodeSystem:
        with self._reading() as connection:
            return to_codesystem(connection, load_row(connection, codesystem_id))

    def list(self) -> list[CodeSystem]:
        with self._reading() as connection:
            rows = connection.execute(select(CS).order_by(CS.c.id)).mappings().all()
            return [to_codesystem(connection, row) for row in rows]

    def update(
        self,
        codesystem_id: str,
        *,
        title: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        expected: CodeSystem | None = None,
    ) -> CodeSystem:
        """Change the title and/or replace the metadata; with ``expected``, only if the
        code system, read inside the write, is that one (else ``Changed``)."""
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = _check_title(title)
        if metadata is not None:
            check_json("metadata", dict(metadata))
            values["metadata"] = dict(metadata)
        with self._write() as tx:
            connection = tx.connection
            load_row(connection, codesystem_id)
            _check_expected(connection, codesystem_id, expected)
            connection.execute(
                CS.update().where(CS.c.id == codesystem_id).values(updated_ts=tx.ts, **values)
            )
            return to_codesystem(connection, load_row(connection, codesystem_id))

    def delete(self, codesystem_id: str, *, expected: CodeSystem | None = None) -> None:
        """Remove the code system and its versions; its branches are marked deleted.

        Refused while other code systems extend one of its versions. The revisions stay.
        ``expected`` as for :meth:`update`.
        """
        with self._write() as tx:
            connection, ts = tx.connection, tx.ts
            row = load_row(connection, codesystem_id)
            _check_expected(connection, codesystem_id, expected)
            dependants = (
                connection.execute(select(CS.c.id).where(CS.c.extension_of == codesystem_id))
                .scalars()
                .all()
            )
            if dependants:
                raise Conflict(
                    f"Code system '{codesystem_id}' is extended by {', '.join(dependants)}."
                )
            working = branches.load_by_id(connection, row["branch_id"])
            if working.path != branches.ROOT and working.deleted_ts is None:
                doomed = [working]
            else:
                tags = select(CV.c.branch_id).where(CV.c.codesystem_id == codesystem_id)
                doomed = [
                    branches.load_by_id(connection, b) for b in connection.execute(tags).scalars()
                ]
            _check_unheld(connection, doomed, codesystem_id)
            for branch in doomed:
                branches.mark_deleted(connection, branch, ts)
            connection.execute(delete(CV).where(CV.c.codesystem_id == codesystem_id))
            connection.execute(delete(CS).where(CS.c.id == codesystem_id))

    # --- versions --------------------------------------------------------------------------

    def create_version(
        self,
        codesystem_id: str,
        version: str,
        effective_time: str,
        description: str = "",
        *,
        metadata: Mapping[str, Any] | None = None,
        author: str | None = None,
    ) -> Version:
        """Cut a version at the working branch's head: a read-only tag branch, O(1).
        ``metadata``: what else the caller keeps about the version (an object)."""
        branches.check_name(version)
        effective = normalize_effective_time(effective_time)
        if not isinstance(description, str):
            raise InvalidRequest("A version description must be text.")
        check_text("description", description)
        check_json("metadata", dict(metadata or {}))
        options: dict[str, Any] = {"comment": f"Version {version} ({effective})"}
        if author is not None:
            options["author"] = author
        with self._write(**options) as tx:
            connection, ts = tx.connection, tx.ts
            row = load_row(connection, codesystem_id)
            working = tx.lock_id(row["branch_id"])
            existing = connection.execute(
                select(CV.c.version).where(
                    CV.c.codesystem_id == codesystem_id, CV.c.version == version
                )
            ).first()
            if existing:
                raise VersionExists(
                    f"Code system '{codesystem_id}' already has version '{version}'."
                )
            latest = latest_version_row(connection, codesystem_id)
            if latest is not None and effective <= latest["effective_time"]:
                raise InvalidRequest(
                    f"Effective time {effective} must be after the latest version's "
                    f"({latest['version']}: {latest['effective_time']})."
                )
            tx.record(working, CommitKind.VERSION)
            working = branches.load_by_id(connection, working.id)
            try:
                tag_id = branches.insert(
                    connection, working, version, ts, {}, read_only=True, effective_time=effective
                ).id
            except BranchExists:
                raise VersionExists(
                    f"Branch '{working.path}/{version}' already exists: choose another name."
                ) from None
            connection.execute(
                CV.insert().values(
                    codesystem_id=codesystem_id,
                    version=version,
                    effective_time=effective,
                    description=description,
                    branch_id=tag_id,
                    created_ts=ts,
                    metadata=dict(metadata or {}),
                )
            )
            return to_version(connection, load_version_row(connection, codesystem_id, version))

    def update_version(
        self,
        codesystem_id: str,
        version: str,
        *,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Version:
        """Change a version's description and/or replace its metadata (never its content:
        the tag branch stays where it was cut)."""
        values: dict[str, Any] = {}
        if description is not None:
            if not isinstance(description, str):
                raise InvalidRequest("A version description must be text.")
            check_text("description", description)
            values["description"] = description
        if metadata is not None:
            check_json("metadata", dict(metadata))
            values["metadata"] = dict(metadata)
        with self._write() as tx:
            connection = tx.connection
            load_version_row(connection, codesystem_id, version)
            if values:
                connection.execute(
                    CV.update()
                    .where(CV.c.codesystem_id == codesystem_id, CV.c.version == version)
                    .values(**values)
                )
            return to_version(connection, load_version_row(connection, codesystem_id, version))

    def delete_version(self, codesystem_id: str, version: str) -> None:
        """Remove a version: its record goes, its tag branch is marked deleted (the
        revisions stay). Refused while a code system extends it."""
        with self._write() as tx:
            connection = tx.connection
            row = load_version_row(connection, codesystem_id, version)
            dependants = (
                connection.execute(
                    select(CS.c.id).where(
                        CS.c.extension_of == codesystem_id,
                        CS.c.extension_of_version == version,
                    )
                )
                .scalars()
                .all()
            )
            if dependants:
                raise Conflict(
                    f"Version '{version}' of '{codesystem_id}' is extended by "
                    f"{', '.join(dependants)}."
                )
            tag = branches.load_by_id(connection, row["branch_id"])
            if tag.deleted_ts is None:
                _check_unheld(connection, [tag], codesystem_id)
                branches.mark_deleted(connection, tag, tx.ts)
            connection.execute(
                delete(CV).where(CV.c.codesystem_id == codesystem_id, CV.c.version == version)
            )

    def versions(self, codesystem_id: str) -> list[Version]:
        """The code system's versions, oldest first."""
        with self._reading() as connection:
            load_row(connection, codesystem_id)
            rows = (
                connection.execute(
                    select(CV)
                    .where(CV.c.codesystem_id == codesystem_id)
                    .order_by(CV.c.effective_time)
                )
                .mappings()
                .all()
            )
            return [to_version(connection, row) for row in rows]

    def get_version(self, codesystem_id: str, version: str) -> Version:
        with self._reading() as connection:
            load_row(connection, codesystem_id)
            return to_version(connection, load_version_row(connection, codesystem_id, version))

    # --- upgrades --------------------------------------------------------------------------

    def upgrade(
        self,
        codesystem_id: str,
        extension_of: str,
        author: str,
        comment: str,
        resolutions: Sequence[Resolution] = (),
    ) -> CodeSystem:
        """Move an extension onto a newer version of its base (see the module docstring)."""
        with self._write(author=author, comment=comment) as tx:
            connection = tx.connection
            row = load_row(connection, codesystem_id)
            old_tag, new_tag = self._upgrade_tags(connection, row, extension_of)
            old_working = tx.lock_id(row["branch_id"])
            new_id = merging.upgrade(
                tx, old_working, old_tag, new_tag, codesystem_id, resolutions
            ).id
            base_id, base_version = parse_extension_of(extension_of)
            connection.execute(
                CS.update()
                .where(CS.c.id == codesystem_id)
                .values(
                    branch_id=new_id,
                    extension_of=base_id,
                    extension_of_version=base_version,
                    updated_ts=tx.ts,
                )
            )
            return to_codesystem(connection, load_row(connection, codesystem_id))

    def _upgrade_tags(
        self, connection: Connection, row: Mapping[str, Any], extension_of: str
    ) -> tuple[BranchRow, BranchRow]:
        if row["extension_of"] is None:
            raise InvalidRequest(
                f"Code system '{row['id']}' extends nothing and cannot be upgraded."
            )
        base_id, base_version = parse_extension_of(extension_of)
        if base_id != row["extension_of"]:
            raise InvalidRequest(
                f"Code system '{row['id']}' extends '{row['extension_of']}', not '{base_id}'."
            )
        old = load_version_row(connection, base_id, row["extension_of_version"])
        new = load_version_row(connection, base_id, base_version)
        if new["effective_time"] <= old["effective_time"]:
            raise InvalidRequest(
                f"Version '{base_version}' is not newer than '{old['version']}': "
                "an upgrade moves to a newer version."
            )
        return (
            branches.load_by_id(connection, old["branch_id"]),
            branches.load_by_id(connection, new["branch_id"]),
        )


def _check_expected(
    connection: Connection, codesystem_id: str, expected: CodeSystem | None
) -> None:
    """A caller's precondition, checked inside the write against the row under a row lock
    (PostgreSQL; SQLite's writer lock is global), so against the state the write replaces."""
    if expected is None:
        return
    row = connection.execute(select(CS).where(CS.c.id == codesystem_id).with_for_update())
    if to_codesystem(connection, row.mappings().one()) != expected:
        raise Changed(f"Code system '{codesystem_id}' has changed since it was read.")


def _check_unheld(connection: Connection, doomed: list[BranchRow], codesystem_id: str) -> None:
    """Refuse deleting ``doomed`` branches (and those below them) of ``codesystem_id`` where
    another code system or its version stands on one (:func:`registry.held_below`)."""
    held = [name for b in doomed for name in held_below(connection, b, own=codesystem_id)]
    if held:
        raise Conflict(
            f"The branches of '{codesystem_id}' hold {', '.join(held)}: delete "
            f"{'them' if len(held) > 1 else 'it'} first."
        )


def _check_title(title: Any) -> str:
    """``title`` if a code system may have it: text, not blank, storable, at most
    :data:`revisions.schema.TITLE_LENGTH` characters (the column's width: a longer one was
    a 500); else :class:`InvalidRequest`."""
    if not isinstance(title, str) or not title.strip():
        raise InvalidRequest("A code system needs a title.")
    check_text("title", title)
    if len(title) > schema.TITLE_LENGTH:
        raise InvalidRequest(f"'title' must be at most {schema.TITLE_LENGTH} characters.")
    return title
