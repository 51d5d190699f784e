"""Writing merges: rebase, promotion and a code system's upgrade, through one pipeline.

Each runs inside the caller's :func:`revisions.transaction.write` and takes the same steps:

1. lock the branches (a parent before its child);
2. :func:`resolve_sides`: what changed on each side since their common base, the resolutions
   applied, resolved content checked for references (:mod:`revisions.merge` decides the
   conflicts; any left raise and nothing is written);
3. :func:`land`: :func:`settle` the result on the branch that receives it and record the
   commit.

They differ in the views they compare. A rebase brings the parent's head into the child,
compared at the child's current base, and moves that base. A promotion writes the child's
changes on the parent, then closes the child's own revisions (the parent shows them now)
and rebases it on the new parent head. An upgrade creates a new working branch under a
newer version that sees the old working branch as a layer, and compares the two versions
with the extension's changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from sqlalchemy import Connection, update

from revisions import branches, commit, merge
from revisions.branches import BranchRow, Layer
from revisions.components import TYPES
from revisions.errors import InvalidMerge
from revisions.merge import Content, Key, Resolution, Sides, content_of
from revisions.read import visible_rows
from revisions.records import Commit, CommitKind
from revisions.transaction import Transaction
from revisions.visibility import View, base_view, head_view

MergeStep = Callable[[Transaction, str, Sequence[Resolution]], Commit | None]


def merge_step(source: str, target: str) -> tuple[MergeStep, str]:
    """What merging ``source`` into ``target`` is: a rebase of target (source is its parent)
    or a promotion of source (target is its parent); the step and the branch it takes."""
    if source == target:
        raise InvalidMerge(f"Cannot merge branch '{source}' onto itself.")
    if target.rpartition("/")[0] == source:
        return rebase, target
    if source.rpartition("/")[0] == target:
        return promote, source
    raise InvalidMerge(
        f"Cannot merge source '{source}' into target '{target}': "
        "one must be the direct parent of the other."
    )


def rebase(tx: Transaction, path: str, resolutions: Sequence[Resolution]) -> Commit | None:
    """Bring the parent's newer changes into branch ``path``; None if there were none."""
    chain = _lock_pair(tx, path)
    child, parent = chain[-1], chain[-2]
    commit.check_writable(child)
    if parent.head_ts == child.base_ts:
        tx.discard()
        return None
    connection = tx.connection
    now = head_view(connection, chain)
    old_base = base_view(connection, chain, child.base_ts)  # type: ignore[arg-type]
    _, final = resolve_sides(
        connection, old_base, head_view(connection, chain[:-1]), now, resolutions
    )
    branches.record_base(connection, child.id, tx.ts, parent.head_ts)
    # The row as that left it (its head moves with the commit record): no re-reading.
    moved = replace(child, base_ts=parent.head_ts, base_since_ts=tx.ts, head_ts=tx.ts)
    after = head_view(connection, [*chain[:-1], moved])
    return land(tx, child, now, after, final, CommitKind.REBASE, parent, parent.head_ts)


def promote(tx: Transaction, path: str, resolutions: Sequence[Resolution]) -> Commit | None:
    """Apply branch ``path``'s changes to its parent in one commit; None if it had none."""
    chain = _lock_pair(tx, path)
    child, parent = chain[-1], chain[-2]
    commit.check_writable(parent)
    if child.has_layers:
        raise InvalidMerge(f"Branch '{path}' sees other branches' content and cannot be promoted.")
    connection = tx.connection
    if not branches.has_own_content(connection, child.id):
        tx.discard()
        return None
    parent_now = head_view(connection, chain[:-1])
    old_base = base_view(connection, chain, child.base_ts)  # type: ignore[arg-type]
    source = head_view(connection, chain)
    sides, final = resolve_sides(connection, old_base, source, parent_now, resolutions)
    resolved = {(r.component_type, r.component_id) for r in resolutions}
    wanted = {k: c for k, c in final.items() if k in sides.source_changed or k in resolved}
    done = land(
        tx,
        parent,
        parent_now,
        parent_now,
        wanted,
        CommitKind.PROMOTION,
        child,
        child.head_ts,
        origin=source,
    )
    close_all_own(connection, child.id, tx.ts)
    branches.record_base(connection, child.id, tx.ts, tx.ts)
    tx.record(child, CommitKind.PROMOTED, done.changes, source=parent, source_ts=tx.ts)
    return done


def upgrade(
    tx: Transaction,
    old_working: BranchRow,
    old_tag: BranchRow,
    new_tag: BranchRow,
    name: str,
    resolutions: Sequence[Resolution],
) -> BranchRow:
    """A new working branch ``name`` under ``new_tag`` that sees locked ``old_working`` as a layer,
    with the base's changes from ``old_tag`` to ``new_tag`` merged in; its row."""
    connection = tx.connection
    old_chain = branches.load_live_chain(connection, old_working.path)
    new_chain = branches.load_live_chain(connection, new_tag.path)
    _, final = resolve_sides(
        connection,
        head_view(connection, branches.load_live_chain(connection, old_tag.path)),
        head_view(connection, new_chain),
        head_view(connection, old_chain),
        resolutions,
    )
    new_row = branches.insert(
        connection,
        new_tag,
        name,
        tx.ts,
        dict(old_working.metadata or {}),
        layer_list=(Layer(old_working.id, old_working.head_ts),),
    )
    now = head_view(connection, [*new_chain, new_row])
    land(tx, new_row, now, now, final, CommitKind.UPGRADE, new_tag, new_tag.head_ts)
    return new_row


def resolve_sides(
    connection: Connection,
    base: View,
    source: View,
    target: View,
    resolutions: Sequence[Resolution],
) -> tuple[Sides, dict[Key, Content]]:
    """A merge's sides, each compared with ``base``, resolved and checked for references
    into ``target``: (sides, final content of every changed component)."""
    sides = merge.collect_sides(connection, base, source, target)
    final = merge.apply_resolutions(sides, resolutions)
    merge.check_resolved_references(connection, final, resolutions, target)
    return sides, final


def land(
    tx: Transaction,
    branch: BranchRow,
    before: View,
    after: View,
    wanted: Mapping[Key, Content],
    kind: CommitKind,
    source: BranchRow,
    source_ts: int,
    *,
    origin: View | None = None,
) -> Commit:
    """:func:`settle` ``wanted`` (read from view ``origin``, when not from below the branch)
    on ``branch`` and record the merge's commit there."""
    count = settle(tx.connection, branch.id, before, after, wanted, tx.ts, origin)
    return tx.record(branch, kind, count, source=source, source_ts=source_ts)


def settle(
    connection: Connection,
    branch_id: int,
    before: View,
    after: View,
    wanted: Mapping[Key, Content],
    ts: int,
    origin: View | None = None,
) -> int:
    """Make branch ``branch_id`` show ``wanted`` at ``ts``; returns how many ids it wrote.

    ``before`` is the branch's view before the write, ``after`` its view after it (its
    layers and parent at its new base). Where the wanted content is what the branch would
    see without its own row, its own row is closed rather than rewritten, so later changes
    below stay visible: a merge never leaves a stale copy. A written revision is released
    (sticky) if the branch showed the component released, will show it released below, or
    ``origin`` (the view a promotion takes the content from, a child's) showed it released:
    a promoted component released by a version of the child stays released.
    """
    fallback = View(after.segments[1:], (), after.paths, after.releases)
    written = 0
    by_type: dict[str, list[str]] = {}
    for type_name, cid in wanted:
        by_type.setdefault(type_name, []).append(cid)
    for type_name, ids in by_type.items():
        ctype = TYPES[type_name]
        current = visible_rows(connection, ctype, before, ids)
        below = visible_rows(connection, ctype, fallback, ids)
        close, rows = [], []
        unreleased: dict[str, dict] = {}  # written rows not yet known released, by id
        for cid in ids:
            desired = wanted[(type_name, cid)]
            row = current.get(cid)
            own = row is not None and row["branch_id"] == branch_id
            if desired == content_of(ctype, below.get(cid)):
                if own:
                    close.append(cid)
                    written += 1
            elif (
                not own or content_of(ctype, row) != desired or row["deleted"] != (desired is None)
            ):
                if own:
                    close.append(cid)
                blank = dict.fromkeys(ctype.field_names)
                # Released if the branch showed it released, or will show it released below.
                released = desired is not None and (
                    commit.was_released(before, row)
                    or commit.was_released(fallback, below.get(cid))
                )
                rows.append(
                    {**blank, **(desired or {}), "component_id": cid, "deleted": desired is None}
                    | {"released": released}
                )
                if desired is not None and not released:
                    unreleased[cid] = rows[-1]
                written += 1
        if origin is not None and unreleased:
            shown = visible_rows(connection, ctype, origin, list(unreleased))
            for cid, row in unreleased.items():
                row["released"] = commit.was_released(origin, shown.get(cid))
        commit.close_own(connection, ctype.table, branch_id, ts, close)
        commit.insert_rows(connection, ctype.table, branch_id, ts, rows)
    return written


def close_all_own(connection: Connection, branch_id: int, ts: int) -> None:
    """Close every current revision of the branch (after its changes were promoted)."""
    for ctype in TYPES.values():
        table = ctype.table
        connection.execute(
            update(table)
            .where(table.c.branch_id == branch_id, table.c.end_ts.is_(None))
            .values(end_ts=ts)
        )


def _lock_pair(tx: Transaction, path: str) -> list[BranchRow]:
    chain = tx.lock(path, depth=2)
    if len(chain) < 2:
        raise InvalidMerge(f"Branch '{path}' has no parent to merge with.")
    return chain
