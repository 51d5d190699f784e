"""Turn a parsed path expression (``snowpath``) into the store's read point or branch path.

Absolute paths are branch paths as they are. A relative path starts with a code system id:
``CS`` and ``CS/HEAD`` are its working branch, ``CS/LATEST`` its newest version (an error
when it has none), ``CS/<version>`` that version's tag branch (a version name wins over a
task of the same name), and any other ``CS/x/y`` is ``<working branch>/x/y``. Unknown code
systems, versions and branches are "not found" errors; parse errors happen before this.
"""

from __future__ import annotations

from sqlalchemy import Connection

from revisions import branches
from revisions.errors import CodeSystemNotFound, InvalidRequest, VersionNotFound
from revisions.records import ReadPoint, ReadRange, branch_path_of
from revisions.registry import latest_version_row, load_row, load_version_row
from snowpath import AtTimestamp, BaseOf, BranchPath, Expression, Range


def branch_path(connection: Connection | None, path: BranchPath) -> BranchPath:
    """The absolute branch path a plain (absolute or relative) path stands for."""
    if path.is_absolute:
        return path
    if connection is None:
        raise ValueError("A relative path needs a connection to resolve.")
    cs_id, rest = path.segments[0], list(path.segments[1:])
    try:
        row = load_row(connection, cs_id)
    except CodeSystemNotFound:
        raise CodeSystemNotFound(
            f"Code system '{cs_id}' does not exist (a relative path starts with a code system)."
        ) from None
    working = _stored_path(connection, row["branch_id"])
    if not rest or rest == ["HEAD"]:
        return working
    if rest == ["LATEST"]:
        latest = latest_version_row(connection, cs_id)
        if latest is None:
            raise VersionNotFound(f"Code system '{cs_id}' has no versions: LATEST is undefined.")
        return _stored_path(connection, latest["branch_id"])
    try:
        version = load_version_row(connection, cs_id, rest[0])
    except VersionNotFound:
        return BranchPath((*working.segments, *rest))
    tag = _stored_path(connection, version["branch_id"])
    return BranchPath((*tag.segments, *rest[1:]))


def _stored_path(connection: Connection, branch_id: int) -> BranchPath:
    """A branch's path as stored (text, the database's key), parsed."""
    return branch_path_of(branches.load_by_id(connection, branch_id).path)


def is_absolute(expression: Expression) -> bool:
    """Whether every path in the expression is absolute (resolving it needs no lookup)."""
    if isinstance(expression, Range):
        return expression.left.is_absolute and expression.right.is_absolute
    if isinstance(expression, AtTimestamp | BaseOf):
        return expression.path.is_absolute
    return isinstance(expression, BranchPath) and expression.is_absolute


def read_point(connection: Connection | None, expression: Expression) -> ReadPoint | ReadRange:
    """The store read point for any parsed expression (``connection`` may be None when
    :func:`is_absolute` holds)."""
    if isinstance(expression, BranchPath):
        return ReadPoint(branch_path(connection, expression))
    if isinstance(expression, AtTimestamp):
        return ReadPoint(branch_path(connection, expression.path), timestamp=expression.timestamp)
    if isinstance(expression, BaseOf):
        return ReadPoint(branch_path(connection, expression.path), base=True)
    if isinstance(expression, Range):
        return ReadRange(
            ReadPoint(branch_path(connection, expression.left)),
            ReadPoint(branch_path(connection, expression.right)),
        )
    raise TypeError(f"Not a path expression: {expression!r}")


def writable_path(connection: Connection, expression: Expression) -> str:
    """The branch a write may go to: only a plain path to a live, writable branch."""
    if not isinstance(expression, BranchPath):
        kind = {AtTimestamp: "a point in time", BaseOf: "a base point", Range: "a range"}
        raise InvalidRequest(
            f"Cannot write to '{expression}': it is {kind[type(expression)]}, not a branch."
        )
    path = branch_path(connection, expression)
    branch = branches.load_live(connection, path)
    if branch.read_only:
        raise InvalidRequest(f"Cannot write to '{expression}': '{path}' is a version (read-only).")
    return branch.path
