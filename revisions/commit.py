"""Commits: one atomic write on one branch, with author, comment and one timestamp.

:mod:`revisions.authoring` runs it inside a :func:`revisions.transaction.write`. It replays the
changes against the branch's current content in memory, checks every rule (existence,
field validity, references, cascades), and only then writes: it closes the branch's own
current rows of what changed and inserts the new revisions. Any error raises before the
first write, and the caller's rollback discards everything, so the head never moves on
failure.

Deleting a component closes the branch's own revision; a tombstone row is written only when
a deeper segment (an ancestor or layer) would otherwise still show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, update

from revisions import branches, bulk
from revisions.components import (
    CONCEPT,
    TYPES,
    ComponentType,
    Reference,
    component_type,
    references_of,
    stored_as_json,
    validate,
)
from revisions.errors import (
    BranchReadOnly,
    Changed,
    ComponentExists,
    ComponentNotFound,
    InvalidComponent,
    MissingReference,
    ReleasedComponent,
    StillReferenced,
)
from revisions.hierarchy import children_of, edges_built
from revisions.read import CHUNK, visible_rows
from revisions.records import Change, Create, Delete, Update
from revisions.referring import rows_referring
from revisions.registry import type_key
from revisions.values import dumps
from revisions.visibility import View, beneath_own

Key = tuple[str, str]  # (component type, id)


def check_writable(branch: branches.BranchRow) -> None:
    if branch.read_only:
        raise BranchReadOnly(
            f"Branch '{branch.path}' is read-only (a version) and cannot be changed."
        )


class Plan:
    """The in-memory result of replaying changes over a view; nothing is written yet."""

    def __init__(self, connection: Connection, view: View) -> None:
        self.connection = connection
        self.view = view
        self.original: dict[Key, RowMapping | None] = {}
        self.state: dict[Key, dict | None] = {}

    def load(self, keys: Iterable[Key]) -> None:
        missing: dict[str, list[str]] = {}
        for key in keys:
            if key not in self.state:
                missing.setdefault(key[0], []).append(key[1])
        for type_name, ids in missing.items():
            rows = visible_rows(self.connection, TYPES[type_name], self.view, ids)
            for cid in ids:
                row = rows.get(cid)
                self.original[(type_name, cid)] = row
                content = None
                if row is not None and not row["deleted"]:
                    content = {name: row[name] for name in TYPES[type_name].field_names}
                self.state[(type_name, cid)] = content

    def current(self, key: Key) -> dict | None:
        self.load([key])
        return self.state[key]

    def put(self, key: Key, content: dict | None) -> None:
        self.load([key])
        self.state[key] = content

    def changed(self) -> list[Key]:
        result = []
        for key, content in self.state.items():
            row = self.original.get(key)
            before = None
            if row is not None and not row["deleted"]:
                before = {name: row[name] for name in TYPES[key[0]].field_names}
            if before != content:
                result.append(key)
        return result


def check_expected(plan: Plan, expected: Mapping[Key, int]) -> None:
    """Each (type, id) still shows the revision ``expected`` names (a caller's precondition,
    checked under the branch lock, so against exactly the state this commit replaces)."""
    plan.load(expected)
    for key, revision in expected.items():
        row = plan.original[key]
        if row is None or row["deleted"] or row["rev_id"] != revision:
            raise Changed(f"{key[0].capitalize()} '{key[1]}' has changed since it was read.")


def replay(plan: Plan, changes: Sequence[Change]) -> None:
    """Apply ``changes`` in order to ``plan``, checking existence and field rules.

    A single change raises its own error (:class:`ComponentExists`, :class:`ComponentNotFound`
    or :class:`InvalidComponent`). Several are all tried, each against the state the earlier
    valid ones left, and every failure is reported at once: :class:`InvalidComponent` with
    one violation per failing change, ``changes[i] (type 'id'): why``.
    """
    plan.load((c.type, c.id) for c in changes if c.type in TYPES)
    violations: list[str] = []
    for index, change in enumerate(changes):
        try:
            _apply(plan, change)
        except (ComponentExists, ComponentNotFound, InvalidComponent) as error:
            if len(changes) == 1:
                raise
            reasons = getattr(error, "violations", None) or [error.message]
            violations += [f"changes[{index}] ({change.type} '{change.id}'): {r}" for r in reasons]
    if violations:
        failing = len({v.split(" ", 1)[0] for v in violations})
        raise InvalidComponent(
            f"{failing} of {len(changes)} changes cannot be made; nothing was written.",
            violations=violations,
        )


def _apply(plan: Plan, change: Change) -> None:
    ctype = component_type(change.type)
    key = (ctype.name, change.id)
    current = plan.current(key)
    if isinstance(change, Create):
        if current is not None:
            raise ComponentExists(f"{ctype.name.capitalize()} '{change.id}' already exists.")
        plan.put(key, validate(ctype, change.id, change.fields))
    elif isinstance(change, Update):
        if current is None:
            raise _not_found(ctype, change.id)
        plan.put(key, validate(ctype, change.id, {**current, **change.fields}))
    elif isinstance(change, Delete):
        if current is None:
            raise _not_found(ctype, change.id)
        _delete_with_dependents(plan, ctype, [change.id])


def _not_found(ctype: ComponentType, cid: str) -> ComponentNotFound:
    return ComponentNotFound(f"{ctype.name.capitalize()} '{cid}' does not exist on this branch.")


def dependents(ctype: ComponentType) -> list[tuple[ComponentType, Reference]]:
    """(type, reference) for every reference that points at ``ctype``."""
    return [
        (other, ref)
        for other in TYPES.values()
        for ref in other.references
        if ref.target == ctype.name
    ]


def referring_ids(
    plan: Plan, ctype: ComponentType, ref: Reference, targets: list[str]
) -> list[str]:
    """Ids of ``ctype`` components that point at ``targets`` through ``ref`` (after the plan)."""
    found = _holders_in_view(plan, ctype, ref, targets)
    plan.load((ctype.name, cid) for cid in found)
    targets_set = set(targets)
    return sorted(
        cid
        for (type_name, cid), content in plan.state.items()
        if type_name == ctype.name
        and content is not None
        and targets_set.intersection(ref.ids(content))
    )


def _holders_in_view(
    plan: Plan, ctype: ComponentType, ref: Reference, targets: list[str]
) -> set[str]:
    """Ids of ``ctype`` components the plan's view (before the commit) shows pointing at
    ``targets`` through ``ref``, found through an index: ``concept_edges`` for ``parents``
    (:func:`revisions.hierarchy.children_of`), the reference column's index otherwise
    (:func:`revisions.referring.rows_referring`). A page filtered on the reference tested
    every revision of the branch chain instead: on SQLite, where no index serves a JSON
    membership test, deleting 50 concepts took 5 s."""
    if ref.many:
        if (ctype.name, ref.field) != (CONCEPT.name, "parents"):
            raise NotImplementedError(f"No index serves {ctype.name}s' '{ref.field}'.")
        edges = edges_built(plan.connection)
        listed = children_of(plan.connection, plan.view, targets, edges=edges)
        return {cid for children in listed.values() for cid in children}
    rows = rows_referring(plan.connection, ctype.table, ref.field, plan.view, targets, ctype.table)
    return {row["component_id"] for row in rows}


def _delete_with_dependents(plan: Plan, ctype: ComponentType, ids: list[str]) -> None:
    for cid in ids:
        plan.put((ctype.name, cid), None)
    for other, ref in dependents(ctype):
        if ref.cascade:
            hit = referring_ids(plan, other, ref, ids)
            if hit:
                _delete_with_dependents(plan, other, hit)


def check_references(plan: Plan, keys: list[Key]) -> None:
    """Every changed component's references must be visible after the commit, and no visible
    component may point at one this commit deletes."""
    wanted: set[Key] = set()
    deleted: dict[str, list[str]] = {}
    for key in keys:
        content = plan.state[key]
        if content is None:
            deleted.setdefault(key[0], []).append(key[1])
        else:
            wanted.update(references_of(TYPES[key[0]], content))
    plan.load(wanted)
    missing = sorted(f"{t} '{cid}'" for t, cid in wanted if plan.state[(t, cid)] is None)
    if missing:
        raise MissingReference(
            "Referenced components are not visible on this branch: " + ", ".join(missing) + "."
        )
    for type_name, ids in deleted.items():
        for other, ref in dependents(TYPES[type_name]):
            if not ref.cascade:
                holders = referring_ids(plan, other, ref, ids)
                if holders:
                    content = plan.state[(other.name, holders[0])] or {}
                    target = sorted(set(ids).intersection(ref.ids(content)))[0]
                    raise StillReferenced(
                        f"Cannot delete {type_name} '{target}': "
                        f"{other.name}s {', '.join(holders[:10])} still point at it "
                        f"(through '{ref.field}')."
                    )


def was_released(view: View, row: RowMapping | None) -> bool:
    """Whether the component ``row`` shows (its visible revision in ``view``) is released:
    a version includes that revision, or the component was released before it was written.
    A tombstone or nothing is not."""
    if row is None or row["deleted"]:
        return False
    return bool(row["released"]) or view.release_of(row["branch_id"], row["start_ts"]) is not None


def check_released_kept(plan: Plan, keys: list[Key]) -> None:
    """Released components are inactivated, not deleted (Snow Owl's rule): a commit that
    deletes one, itself or by cascade, is refused."""
    for key in keys:
        if plan.state[key] is None and was_released(plan.view, plan.original.get(key)):
            type_name, cid = key
            raise ReleasedComponent(
                f"{type_name.capitalize()} '{cid}' is released and cannot be deleted: "
                "inactivate it instead (set 'active' to false)."
            )


def check_description_types(plan: Plan, keys: list[Key], allowed: list[str]) -> None:
    """Every written description's ``type`` is one the branch's code system takes
    (:func:`revisions.registry.description_types`; compared by ``type_key``)."""
    known = {type_key(t) for t in allowed}
    for key in keys:
        content = plan.state[key]
        described = key[0] == "description" and content is not None
        if described and type_key(content["type"] or "") not in known:
            raise InvalidComponent(
                f"Invalid description '{key[1]}'.",
                violations=[
                    f"'type' must be one of {', '.join(allowed)} on this code system, "
                    f"not {content['type']!r}."
                ],
            )


def write(plan: Plan, branch_id: int, ts: int, keys: list[Key]) -> int:
    """Write the planned state of ``keys`` as revisions at ``ts``; returns how many."""
    by_type: dict[str, list[str]] = {}
    for type_name, cid in keys:
        by_type.setdefault(type_name, []).append(cid)
    for type_name, ids in by_type.items():
        write_type(plan, TYPES[type_name], branch_id, ts, ids)
    return len(keys)


def write_type(plan: Plan, ctype: ComponentType, branch_id: int, ts: int, ids: list[str]) -> None:
    table = ctype.table
    own = [cid for cid in ids if _is_own(plan.original.get((ctype.name, cid)), branch_id)]
    close_own(plan.connection, table, branch_id, ts, own)
    deeper = _shown_below(
        plan, ctype, [cid for cid in own if plan.state[(ctype.name, cid)] is None]
    )
    rows = []
    for cid in ids:
        content = plan.state[(ctype.name, cid)]
        original = plan.original.get((ctype.name, cid))
        if content is not None:
            released = was_released(plan.view, original)
            rows.append(
                {**_blank(ctype), **content, "component_id": cid, "deleted": False}
                | {"released": released}
            )
        elif cid in deeper or not _is_own(original, branch_id):
            rows.append({**_blank(ctype), "component_id": cid, "deleted": True, "released": False})
    insert_rows(plan.connection, table, branch_id, ts, rows)


def _blank(ctype: ComponentType) -> dict[str, Any]:
    return dict.fromkeys(ctype.field_names)


def _is_own(row: RowMapping | None, branch_id: int) -> bool:
    return row is not None and row["branch_id"] == branch_id


def _shown_below(plan: Plan, ctype: ComponentType, ids: list[str]) -> set[str]:
    """Ids that a segment deeper than the branch's own would show if its row were closed."""
    if not ids or len(plan.view.segments) == 1:
        return set()
    below = beneath_own(plan.view)
    rows = visible_rows(plan.connection, ctype, below, ids)
    return {cid for cid, row in rows.items() if not row["deleted"]}


def close_own(connection: Connection, table: Any, branch_id: int, ts: int, ids: list[str]) -> None:
    for start in range(0, len(ids), CHUNK):
        connection.execute(
            update(table)
            .where(
                table.c.branch_id == branch_id,
                table.c.end_ts.is_(None),
                table.c.component_id.in_(ids[start : start + CHUNK]),
            )
            .values(end_ts=ts)
        )


def insert_rows(
    connection: Connection, table: Any, branch_id: int, ts: int, rows: list[dict]
) -> None:
    """Write new revisions (``rows``: component_id, deleted and the fields) at ``ts``."""
    if len(rows) >= _COPY_FROM and connection.dialect.name == "postgresql":
        _copy_rows(connection, table, branch_id, ts, rows)
        return
    if rows:
        for row in rows:
            row["branch_id"] = branch_id
            row["start_ts"] = ts
            row["end_ts"] = None
        connection.execute(insert(table), rows)


# From this many rows on, PostgreSQL takes them by COPY: a multi-row INSERT binding every
# value as a parameter cost 2.7 s for 10,000 concepts in a promotion, COPY a fraction.
_COPY_FROM = 200


def _copy_rows(
    connection: Connection, table: Any, branch_id: int, ts: int, rows: list[dict]
) -> None:
    """``insert_rows`` through :func:`revisions.bulk.copy_rows` (PostgreSQL)."""
    ctype = next(t for t in TYPES.values() if t.table is table)
    json_names = {f.name for f in ctype.fields if stored_as_json(f)}

    def encoded(row: dict) -> list[Any]:
        values = [row["component_id"], branch_id, ts, row["deleted"]]
        for name in ctype.field_names:
            value = row.get(name)
            if value is not None and name in json_names:
                value = dumps(value).decode()  # also what orjson refuses, stored earlier
            values.append(value)
        values.append(row["released"])
        return values

    bulk.copy_rows(connection, ctype, map(encoded, rows), [*bulk.columns(ctype), "released"])
