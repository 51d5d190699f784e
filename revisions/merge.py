"""Compare two views, and merge with three-way conflict detection (rebase and promotion).

``diff(a, b)`` finds the components whose content differs between two views. Only ids with a
revision that starts or ends between the two views' times on some branch (or on a branch
only one view sees) can differ, so those are the candidates; their content is then compared.

A merge compares the source and the target with their common ancestor (the parent at the
child's current base). Per component: a change on one side is taken; identical changes are
no conflict; changes to different fields merge; the same field changed differently is a
``CONFLICTING_CHANGE``; changed against deleted is ``DELETED_WHILE_CHANGED``; a component
whose reference the other side deleted is ``CAUSES_MISSING_REFERENCE``. Resolutions
(``SOURCE``, ``TARGET`` or explicit ``CONTENT``) settle conflicts; any left raise
:class:`MergeConflicts` and nothing is written.
:mod:`revisions.merging` writes the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from revisions.components import TYPES, ComponentType, references_of, validate
from revisions.errors import InvalidComponent, MergeConflicts, MissingReference
from revisions.read import CHUNK, visible_rows
from revisions.visibility import View, changed_between

Key = tuple[str, str]
Content = dict[str, Any] | None
_MISSING = object()


@dataclass(frozen=True, slots=True)
class ConflictingAttribute:
    property: str
    old_value: Any = None
    source_value: Any = None
    target_value: Any = None


@dataclass(frozen=True, slots=True)
class MergeConflict:
    component_id: str
    component_type: str
    type: str  # CONFLICTING_CHANGE | DELETED_WHILE_CHANGED | CAUSES_MISSING_REFERENCE
    conflicting_attributes: tuple[ConflictingAttribute, ...]
    message: str


@dataclass(frozen=True, slots=True)
class Resolution:
    component_type: str
    component_id: str
    resolution: str  # SOURCE | TARGET | CONTENT
    content: dict[str, Any] | None = None


@dataclass(slots=True)
class Sides:
    """Contents of the changed components on the base, source and target views."""

    base: dict[Key, Content] = field(default_factory=dict)
    source: dict[Key, Content] = field(default_factory=dict)
    target: dict[Key, Content] = field(default_factory=dict)
    source_changed: set[Key] = field(default_factory=set)
    target_changed: set[Key] = field(default_factory=set)


def content_of(ctype: ComponentType, row: Mapping[str, Any] | None) -> Content:
    if row is None or row["deleted"]:
        return None
    return {name: row[name] for name in ctype.field_names}


def candidate_ids(connection: Connection, ctype: ComponentType, a: View, b: View) -> set[str]:
    """Ids whose visible revision may differ between ``a`` and ``b``."""
    table = ctype.table
    ids: set[str] = set()
    for clause in changed_between(table, a, b):
        ids.update(connection.execute(select(table.c.component_id).where(clause)).scalars())
    return ids


def diff(
    connection: Connection, ctype: ComponentType, a: View, b: View
) -> dict[str, tuple[Content, Content]]:
    """``{id: (content in a, content in b)}`` for every component whose content differs."""
    ids = sorted(candidate_ids(connection, ctype, a, b))
    result: dict[str, tuple[Content, Content]] = {}
    for start in range(0, len(ids), CHUNK * 4):
        chunk = ids[start : start + CHUNK * 4]
        rows_a = visible_rows(connection, ctype, a, chunk)
        rows_b = visible_rows(connection, ctype, b, chunk)
        for cid in chunk:
            ca, cb = content_of(ctype, rows_a.get(cid)), content_of(ctype, rows_b.get(cid))
            if ca != cb:
                result[cid] = (ca, cb)
    return result


def collect_sides(connection: Connection, base: View, source: View, target: View) -> Sides:
    """The three-way inputs: what changed from ``base`` on each side, with all three contents."""
    sides = Sides()
    for ctype in TYPES.values():
        changed_s = diff(connection, ctype, base, source)
        changed_t = diff(connection, ctype, base, target)
        for cid, (old, new) in changed_s.items():
            sides.base[(ctype.name, cid)] = old
            sides.source[(ctype.name, cid)] = new
            sides.source_changed.add((ctype.name, cid))
        for cid, (old, new) in changed_t.items():
            sides.base[(ctype.name, cid)] = old
            sides.target[(ctype.name, cid)] = new
            sides.target_changed.add((ctype.name, cid))
        _fill(connection, ctype, source, sides.source, changed_t.keys() - changed_s.keys())
        _fill(connection, ctype, target, sides.target, changed_s.keys() - changed_t.keys())
    return sides


def _fill(
    connection: Connection, ctype: ComponentType, view: View, into: dict, ids: Iterable[str]
) -> None:
    ids = list(ids)
    rows = visible_rows(connection, ctype, view, ids)
    for cid in ids:
        into[(ctype.name, cid)] = content_of(ctype, rows.get(cid))


def three_way(key: Key, old: Content, source: Content, target: Content) -> Content | MergeConflict:
    """The merged content of one component changed on both sides, or its conflict."""
    if source == target:
        return source
    if source is None or target is None:
        changed = target if source is None else source
        attrs = tuple(
            ConflictingAttribute(
                name,
                None if old is None else old.get(name),
                None if source is None else source.get(name),
                None if target is None else target.get(name),
            )
            for name in sorted(changed)
            if old is None or changed.get(name) != old.get(name)
        )
        return _conflict(key, "DELETED_WHILE_CHANGED", attrs)
    merged: dict[str, Any] = {}
    attrs_list = []
    for name in source:
        before = _MISSING if old is None else old.get(name)
        s, t = source[name], target[name]
        if s == t or t == before:
            merged[name] = s
        elif s == before:
            merged[name] = t
        else:
            attrs_list.append(
                ConflictingAttribute(name, None if before is _MISSING else before, s, t)
            )
    if attrs_list:
        return _conflict(key, "CONFLICTING_CHANGE", tuple(attrs_list))
    return merged


def _conflict(key: Key, kind: str, attrs: tuple[ConflictingAttribute, ...]) -> MergeConflict:
    type_name, cid = key
    return MergeConflict(
        component_id=cid,
        component_type=type_name,
        type=kind,
        conflicting_attributes=attrs,
        message=f"{type_name.capitalize()} with ID '{cid}' has a conflict of type '{kind}'.",
    )


def apply_resolutions(sides: Sides, resolutions: Iterable[Resolution]) -> dict[Key, Content]:
    """Final content of every changed component, or :class:`MergeConflicts`."""
    chosen = {(r.component_type, r.component_id): r for r in resolutions}
    final: dict[Key, Content] = {}
    conflicts: list[MergeConflict] = []
    for key in sorted(sides.source_changed | sides.target_changed):
        source, target = sides.source.get(key), sides.target.get(key)
        if key in chosen:
            final[key] = _apply_resolution(chosen[key], sides.base.get(key), source, target)
            continue
        if key not in sides.target_changed:
            final[key] = source
        elif key not in sides.source_changed:
            final[key] = target
        else:
            outcome = three_way(key, sides.base.get(key), source, target)
            if isinstance(outcome, MergeConflict):
                conflicts.append(outcome)
            else:
                final[key] = outcome
    conflicts += _missing_references(sides, final, chosen)
    if conflicts:
        raise MergeConflicts(f"The merge has {len(conflicts)} conflict(s).", conflicts)
    return final


def check_resolved_references(
    connection: Connection,
    final: Mapping[Key, Content],
    resolutions: Iterable[Resolution],
    target: View,
) -> None:
    """Resolved content may only point at components the merge result has.

    A reference to something the merge touches is judged by its final content; anything
    else is unchanged on both sides, so ``target`` shows it as the result will.
    """
    chosen = {(r.component_type, r.component_id) for r in resolutions}
    missing: list[str] = []
    lookups: dict[str, set[str]] = {}
    for key in sorted(chosen & final.keys()):
        content = final[key]
        if content is None:
            continue
        for ref_key in references_of(TYPES[key[0]], content):
            if ref_key in final:
                if final[ref_key] is None:
                    missing.append(f"{ref_key[0]} '{ref_key[1]}'")
            else:
                lookups.setdefault(ref_key[0], set()).add(ref_key[1])
    for type_name, ids in lookups.items():
        rows = visible_rows(connection, TYPES[type_name], target, ids)
        missing += [
            f"{type_name} '{i}'" for i in sorted(ids) if i not in rows or rows[i]["deleted"]
        ]
    if missing:
        raise MissingReference(
            "A resolution refers to components the merge result does not have: "
            + ", ".join(sorted(set(missing)))
            + "."
        )


def _apply_resolution(
    resolution: Resolution, old: Content, source: Content, target: Content
) -> Content:
    kind = resolution.resolution
    if kind == "SOURCE":
        return source
    if kind == "TARGET":
        return target
    if kind == "CONTENT" and isinstance(resolution.content, Mapping):
        ctype = TYPES.get(resolution.component_type)
        if ctype is None:
            raise InvalidComponent(f"Unknown component type '{resolution.component_type}'.")
        given = {**resolved_base(old, source, target), **resolution.content}
        try:
            return validate(ctype, resolution.component_id, given)
        except InvalidComponent as error:
            raise InvalidComponent(
                f"Invalid CONTENT resolution for {ctype.name} '{resolution.component_id}': "
                + " ".join(error.violations),
                violations=error.violations,
            ) from None
    raise InvalidComponent(
        f"Invalid resolution '{kind}' for {resolution.component_type} "
        f"'{resolution.component_id}': use SOURCE, TARGET or CONTENT with content."
    )


def resolved_base(old: Content, source: Content, target: Content) -> dict[str, Any]:
    """What a ``CONTENT`` resolution's fields are merged over, as an update's fields are
    merged over the current content: the side that still has the component when the other
    deleted it; else every field as the three-way merge would take it, and for a field
    changed on both sides differently, the source's value (the side being merged in)."""
    if source is None or target is None:
        return dict(source or target or {})
    merged: dict[str, Any] = {}
    for name in source:
        before = _MISSING if old is None else old.get(name, _MISSING)
        s, t = source[name], target.get(name, _MISSING)
        merged[name] = t if s == before and t is not _MISSING else s
    return merged


def _missing_references(
    sides: Sides, final: dict[Key, Content], chosen: Mapping[Key, Resolution]
) -> list[MergeConflict]:
    conflicts = []
    for key, content in final.items():
        if content is None or key in chosen:
            continue
        for ref_key in references_of(TYPES[key[0]], content):
            if ref_key in final and final[ref_key] is None:
                ref = next(r for r in TYPES[key[0]].references if ref_key[1] in r.ids(content))
                attr = ConflictingAttribute(
                    ref.field,
                    _get(sides.base.get(key), ref.field),
                    _get(sides.source.get(key), ref.field),
                    _get(sides.target.get(key), ref.field),
                )
                conflicts.append(_conflict(key, "CAUSES_MISSING_REFERENCE", (attr,)))
                break
    return conflicts


def _get(content: Content, name: str) -> Any:
    return None if content is None else content.get(name)
