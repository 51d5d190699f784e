"""Branch rows: naming rules, loading by path or id, creating, metadata, deletion, state.

A branch row is mutable bookkeeping (head, current base, metadata, deletion), not content:
content lives in the revision tables. Every base a branch has had is also kept in
``branch_bases`` so past reads are exact. Functions take an open connection; the caller
owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, select
from sqlalchemy.exc import IntegrityError

from revisions import schema
from revisions.components import TYPES
from revisions.errors import (
    BranchDeleted,
    BranchExists,
    BranchNotFound,
    InvalidBranchName,
    InvalidRequest,
)
from revisions.records import Branch, BranchState
from snowpath import RESERVED_NAMES, BranchPath, PathError, grammar

ROOT = "MAIN"

_B = schema.branches


@dataclass(frozen=True, slots=True)
class BranchRow:
    id: int
    path: str
    name: str
    parent_id: int | None
    created_ts: int
    base_ts: int | None
    base_since_ts: int | None
    head_ts: int
    deleted_ts: int | None
    read_only: bool
    has_layers: bool
    metadata: dict[str, Any]
    effective_time: str | None
    has_versions: bool


@dataclass(frozen=True, slots=True)
class Layer:
    source_id: int
    upto_ts: int


def check_name(name: Any) -> str:
    """``name`` if it is a valid branch name, else :class:`InvalidBranchName`.

    The path grammar's rule (``snowpath.grammar.check_name``), so every branch the store
    accepts can be named in a path expression.
    """
    if not isinstance(name, str):
        raise InvalidBranchName(f"Invalid branch name {name!r}: it must be text.")
    try:
        grammar.check_name(name, 0)
    except PathError as error:
        raise InvalidBranchName(f"Invalid branch name '{name[:100]}': {error.message}.") from None
    if name.upper() in RESERVED_NAMES:
        raise InvalidBranchName(f"'{name}' is a reserved name and cannot name a branch.")
    return name


def ancestor_paths(path: BranchPath | str) -> list[str]:
    """``MAIN/a/b`` -> ``['MAIN', 'MAIN/a', 'MAIN/a/b']`` (the stored paths of a branch and
    its ancestors), from a parsed path's segments; text is split only for callers that
    hold nothing else."""
    parts = path.segments if isinstance(path, BranchPath) else path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _row(mapping: Any) -> BranchRow:
    return BranchRow(**{name: mapping[name] for name in BranchRow.__slots__})


# Built once: every read resolves its branch chain with this statement.
_LIVE_BY_PATHS = select(_B).where(
    _B.c.path.in_(bindparam("paths", expanding=True)), _B.c.deleted_ts.is_(None)
)


def load_live_chain(connection: Connection, path: BranchPath | str) -> list[BranchRow]:
    """The live branch at ``path`` and its ancestors, root first (one query).

    :raises BranchDeleted: the branch exists but was deleted.
    :raises BranchNotFound: no branch was ever at ``path``.
    """
    named = isinstance(path, BranchPath) or (isinstance(path, str) and path)
    paths = ancestor_paths(path) if named else []
    rows = connection.execute(_LIVE_BY_PATHS, {"paths": paths}).mappings()
    by_path = {r["path"]: _row(r) for r in rows}
    if not paths or paths[-1] not in by_path:
        path = str(path)
        if _was_deleted(connection, path):
            raise BranchDeleted(
                f"Branch '{path}' has been deleted and cannot accept search requests nor "
                "further modifications."
            )
        raise BranchNotFound(f"Branch '{path}' does not exist.")
    return [by_path[p] for p in paths]


def load_live(connection: Connection, path: BranchPath | str) -> BranchRow:
    return load_live_chain(connection, path)[-1]


def _was_deleted(connection: Connection, path: str) -> bool:
    return bool(connection.execute(select(exists().where(_B.c.path == path))).scalar())


def load_by_id(connection: Connection, branch_id: int) -> BranchRow:
    row = connection.execute(select(_B).where(_B.c.id == branch_id)).mappings().one()
    return _row(row)


def load_for_display(connection: Connection, path: str) -> BranchRow:
    """The live branch at ``path``, else the latest deleted one (deleted branches stay readable
    as records), else :class:`BranchNotFound`."""
    row = (
        connection.execute(
            select(_B)
            .where(_B.c.path == path)
            .order_by(_B.c.deleted_ts.is_(None).desc(), _B.c.deleted_ts.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise BranchNotFound(f"Branch '{path}' does not exist.")
    return _row(row)


def lock(connection: Connection, branch_id: int) -> BranchRow:
    """Re-read a branch row under a row lock (PostgreSQL; SQLite's writer lock is global)."""
    row = (
        connection.execute(select(_B).where(_B.c.id == branch_id).with_for_update())
        .mappings()
        .one()
    )
    return _row(row)


def releases(
    connection: Connection, branch_ids: list[int]
) -> dict[int, list[tuple[int, int, str]]]:
    """Version tags below these branches: ``{parent id: [(base_ts, created_ts, effective)]}``."""
    rows = connection.execute(
        select(_B.c.parent_id, _B.c.base_ts, _B.c.created_ts, _B.c.effective_time)
        .where(_B.c.parent_id.in_(branch_ids), _B.c.effective_time.is_not(None))
        .order_by(_B.c.base_ts)
    )
    result: dict[int, list[tuple[int, int, str]]] = {}
    for row in rows:
        result.setdefault(row.parent_id, []).append(
            (row.base_ts, row.created_ts, row.effective_time)
        )
    return result


def layers(connection: Connection, branch_id: int) -> list[Layer]:
    L = schema.branch_layers
    rows = connection.execute(
        select(L.c.source_id, L.c.upto_ts).where(L.c.branch_id == branch_id).order_by(L.c.position)
    )
    return [Layer(r.source_id, r.upto_ts) for r in rows]


def base_at(connection: Connection, branch: BranchRow, ts: int) -> int:
    """The base timestamp ``branch`` had at time ``ts`` (bases only change with its commits)."""
    if branch.base_since_ts is not None and ts >= branch.base_since_ts:
        return branch.base_ts  # type: ignore[return-value]
    BB = schema.branch_bases
    value = connection.execute(
        select(BB.c.base_ts)
        .where(BB.c.branch_id == branch.id, BB.c.since_ts <= ts)
        .order_by(BB.c.since_ts.desc())
        .limit(1)
    ).scalar()
    if value is None:
        raise InvalidRequest(f"Branch '{branch.path}' did not exist at {ts}.")
    return int(value)


# Built once: a statement built per call cost more in Python than its round trip.
_LIVE_PATH_INDEX = "uq_branches_live_path"
_INSERT_BRANCH = _B.insert().returning(*_B.c)
_INSERT_BASE = schema.branch_bases.insert()
_SET_HEAD = _B.update().where(_B.c.id == bindparam("branch_id")).values(head_ts=bindparam("ts"))


def insert(
    connection: Connection,
    parent: BranchRow | None,
    name: str,
    ts: int,
    metadata: dict[str, Any],
    *,
    read_only: bool = False,
    layer_list: tuple[Layer, ...] = (),
    effective_time: str | None = None,
) -> BranchRow:
    """Insert a branch created at ``ts``, based on the parent's head; its row. A path
    longer than :data:`revisions.schema.PATH_LENGTH` (the column's width; 20 levels of
    100-character names pass it) is :class:`InvalidBranchName`."""
    path = name if parent is None else f"{parent.path}/{name}"
    if len(path) > schema.PATH_LENGTH:
        raise InvalidBranchName(
            f"The branch path would be {len(path):,} characters long: at most "
            f"{schema.PATH_LENGTH:,} are kept."
        )
    base = None if parent is None else parent.head_ts
    values = {
        "path": path,
        "name": name,
        "parent_id": None if parent is None else parent.id,
        "created_ts": ts,
        "base_ts": base,
        "base_since_ts": None if parent is None else ts,
        "head_ts": ts,
        "deleted_ts": None,
        "read_only": read_only,
        "has_layers": bool(layer_list),
        "metadata": metadata,
        "effective_time": effective_time,
        "has_versions": False,
    }
    try:
        # The unique index on live paths decides (no look-up first: one round trip less).
        # The error ends the caller's transaction on PostgreSQL: it is raised, never handled.
        row = _row(connection.execute(_INSERT_BRANCH, values).mappings().one())
    except IntegrityError as error:
        if _LIVE_PATH_INDEX in str(error.orig) or "branches.path" in str(error.orig):
            raise BranchExists(f"Branch '{path}' already exists.") from None
        raise
    branch_id = row.id
    if parent is not None:
        # The row holds its base already; the history of bases starts with it.
        connection.execute(_INSERT_BASE, {"branch_id": branch_id, "since_ts": ts, "base_ts": base})
        if effective_time is not None and not parent.has_versions:
            connection.execute(_B.update().where(_B.c.id == parent.id).values(has_versions=True))
    for position, layer in enumerate(layer_list):
        connection.execute(
            schema.branch_layers.insert().values(
                branch_id=branch_id,
                position=position,
                source_id=layer.source_id,
                upto_ts=layer.upto_ts,
            )
        )
    return row


def record_base(connection: Connection, branch_id: int, since_ts: int, base_ts: int) -> None:
    values = {"branch_id": branch_id, "since_ts": since_ts, "base_ts": base_ts}
    connection.execute(_INSERT_BASE, values)
    connection.execute(
        _B.update().where(_B.c.id == branch_id).values(base_ts=base_ts, base_since_ts=since_ts)
    )


def set_head(connection: Connection, branch_id: int, ts: int) -> None:
    connection.execute(_SET_HEAD, {"branch_id": branch_id, "ts": ts})


def set_metadata(connection: Connection, branch_id: int, metadata: dict[str, Any]) -> None:
    connection.execute(_B.update().where(_B.c.id == branch_id).values(metadata=metadata))


def mark_deleted(connection: Connection, branch: BranchRow, ts: int) -> None:
    """Soft-delete ``branch`` and every live branch below it."""
    connection.execute(
        _B.update()
        .where(
            _B.c.deleted_ts.is_(None),
            (_B.c.id == branch.id) | _B.c.path.startswith(branch.path + "/", autoescape=True),
        )
        .values(deleted_ts=ts)
    )


def has_own_content(connection: Connection, branch_id: int) -> bool:
    """Whether the branch has current revisions of its own (changes not yet promoted)."""
    for ctype in TYPES.values():
        t = ctype.table
        found = connection.execute(
            select(exists().where(and_(t.c.branch_id == branch_id, t.c.end_ts.is_(None))))
        ).scalar()
        if found:
            return True
    return False


def state(connection: Connection, branch: BranchRow, parent: BranchRow | None) -> BranchState:
    """The branch's state relative to its parent (``MAIN`` is always UP_TO_DATE)."""
    if parent is None or branch.base_ts is None:
        return BranchState.UP_TO_DATE
    behind = parent.head_ts > branch.base_ts
    forward = has_own_content(connection, branch.id)
    if behind and forward:
        return BranchState.DIVERGED
    if behind:
        return BranchState.BEHIND
    return BranchState.FORWARD if forward else BranchState.UP_TO_DATE


def to_branch(connection: Connection, row: BranchRow, *, new: BranchRow | None = None) -> Branch:
    """The public record of a branch; ``new=parent`` for one just created (UP_TO_DATE by
    construction, so its state needs no queries)."""
    if new is not None:
        return Branch(
            id=row.id,
            path=row.path,
            name=row.name,
            parent_path=new.path,
            created_ts=row.created_ts,
            base_ts=row.base_ts,
            head_ts=row.head_ts,
            deleted=False,
            read_only=row.read_only,
            metadata=dict(row.metadata or {}),
            state=BranchState.UP_TO_DATE,
        )
    parent = load_by_id(connection, row.parent_id) if row.parent_id is not None else None
    return Branch(
        id=row.id,
        path=row.path,
        name=row.name,
        parent_path=parent.path if parent else None,
        created_ts=row.created_ts,
        base_ts=row.base_ts,
        head_ts=row.head_ts,
        deleted=row.deleted_ts is not None,
        read_only=row.read_only,
        metadata=dict(row.metadata or {}),
        state=state(connection, row, parent) if row.deleted_ts is None else BranchState.UP_TO_DATE,
    )
