"""Branch writes: the store's first branch, creating, re-labelling and deleting branches.

:func:`initialize` runs its own writes; the others run inside the caller's
:func:`revisions.transaction.write`. The rows themselves are written by
:mod:`revisions.branches`. A new branch is based on its parent's head and gets a ``CREATE``
commit at its creation time, which is also its head.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, select

from revisions import branches, registry, schema, values
from revisions.branches import BranchRow, Layer
from revisions.clock import Clock
from revisions.errors import Changed, Conflict, InvalidRequest
from revisions.records import Branch, CommitKind
from revisions.transaction import Transaction, write


def initialize(engine: Engine, clock: Clock) -> None:
    """Create the clock row and ``MAIN`` if missing (after migrations; idempotent)."""
    # The clock row comes first and on its own: every write begins by moving it.
    with engine.begin() as connection:
        exists = connection.execute(select(schema.store_clock.c.id)).first()
        if exists is None:
            connection.execute(schema.store_clock.insert().values(id=1, last_ts=0))
    with write(engine, clock) as tx:
        B = schema.branches
        if tx.connection.execute(select(B.c.id).where(B.c.path == branches.ROOT)).first() is None:
            create(tx, None, branches.ROOT)


def create(
    tx: Transaction,
    parent: BranchRow | None,
    name: str,
    metadata: Mapping[str, Any] | None = None,
    *,
    read_only: bool = False,
    layer_list: tuple[Layer, ...] = (),
) -> BranchRow:
    """Insert branch ``name`` under ``parent`` at ``tx.ts`` with its ``CREATE`` commit."""
    values.check_json("metadata", dict(metadata or {}))
    row = branches.insert(
        tx.connection,
        parent,
        name,
        tx.ts,
        dict(metadata or {}),
        read_only=read_only,
        layer_list=layer_list,
    )
    tx.record(row, CommitKind.CREATE)
    return row


def create_branch(
    tx: Transaction,
    parent: str,
    name: str,
    metadata: Mapping[str, Any] | None = None,
    *,
    read_only: bool = False,
    layers: Sequence[tuple[str, int]] = (),
) -> Branch:
    """Branch ``name`` under ``parent``, seeing ``layers`` (branch path, timestamp) between
    itself and its parent; its record."""
    branches.check_name(name)
    parent_row = branches.load_live(tx.connection, parent)
    layer_list = tuple(
        Layer(branches.load_live(tx.connection, path).id, upto) for path, upto in layers
    )
    row = create(tx, parent_row, name, metadata, read_only=read_only, layer_list=layer_list)
    return branches.to_branch(tx.connection, row, new=parent_row)


def update_metadata(
    tx: Transaction, path: str, metadata: Mapping[str, Any], expected: Branch | None = None
) -> Branch:
    """Replace the branch's metadata (if the branch is ``expected``, when given)."""
    if not isinstance(metadata, Mapping):
        raise InvalidRequest("Branch metadata must be an object.")
    values.check_json("metadata", dict(metadata))
    row = tx.lock(path)[-1]
    _check_expected(tx, row, expected)
    branches.set_metadata(tx.connection, row.id, dict(metadata))
    return branches.to_branch(tx.connection, branches.load_by_id(tx.connection, row.id))


def delete_branch(tx: Transaction, path: str, expected: Branch | None = None) -> None:
    """Soft-delete the branch and everything below it; ``MAIN`` cannot be deleted, nor a
    branch a code system or a version stands on (:func:`revisions.registry.held_below`)."""
    if path == branches.ROOT:
        raise InvalidRequest("MAIN cannot be deleted.")
    row = tx.lock(path)[-1]
    _check_expected(tx, row, expected)
    if held := registry.held_below(tx.connection, row):
        raise Conflict(
            f"Branch '{path}' holds {', '.join(held)}: delete "
            f"{'them' if len(held) > 1 else 'it'} through the code systems instead."
        )
    branches.mark_deleted(tx.connection, row, tx.ts)


def _check_expected(tx: Transaction, row: BranchRow, expected: Branch | None) -> None:
    """The caller's precondition, against the record of the branch as locked."""
    if expected is not None and branches.to_branch(tx.connection, row) != expected:
        raise Changed(f"Branch '{row.path}' has changed since it was read.")
