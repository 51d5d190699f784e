"""Revision rows into the records reads return: :class:`~revisions.records.Component` (with
its branch's path and release) and :class:`~revisions.records.Stored`.

Rows come as mappings (:func:`to_component`, SQLAlchemy's) or as tuples of known columns
(the makers, which work out the positions once: a scan converts millions of rows, and a
lookup by name costs several times more). Pure: no database access.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from revisions.components import ComponentType
from revisions.records import Component, Stored
from revisions.visibility import View, is_excluded


def to_component(ctype: ComponentType, view: View, row: Mapping[str, Any]) -> Component:
    """The component a revision row given as a mapping holds, as ``view`` shows it."""
    return _component(
        ctype,
        view,
        row["component_id"],
        {name: row[name] for name in ctype.field_names},
        row["branch_id"],
        row["start_ts"],
        row["rev_id"],
        row["released"],
    )


def component_maker(
    ctype: ComponentType, view: View, columns: Sequence[str]
) -> Callable[[Sequence[Any]], Component]:
    """:func:`to_component` for rows given as tuples of ``columns``: the positions are
    worked out once (a scan converts millions; a lookup by name costs several times more)."""
    content = _content_maker(ctype, columns)
    names = ("component_id", "branch_id", "start_ts", "rev_id", "released")
    cid, branch, start, rev, released = (columns.index(name) for name in names)

    def make(row: Sequence[Any]) -> Component:
        return _component(
            ctype, view, row[cid], content(row), row[branch], row[start], row[rev], row[released]
        )

    return make


def stored_maker(ctype: ComponentType, columns: Sequence[str]) -> Callable[[Sequence[Any]], Stored]:
    """:func:`component_maker`'s :class:`Stored` twin (no branch, no release: half the
    time per row)."""
    content = _content_maker(ctype, columns)
    cid, start, rev = (columns.index(name) for name in ("component_id", "start_ts", "rev_id"))

    def make(row: Sequence[Any]) -> Stored:
        return Stored(row[cid], content(row), row[start], row[rev])

    return make


def _content_maker(
    ctype: ComponentType, columns: Sequence[str]
) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """A row's content (its fields by name) from tuples of ``columns``."""
    at = {name: i for i, name in enumerate(columns)}
    names = ctype.field_names
    first = at[names[0]]
    if [at[name] for name in names] == list(range(first, first + len(names))):
        last = first + len(names)  # the fields side by side (the tables' order): one slice

        def content(row: Sequence[Any]) -> dict[str, Any]:
            return dict(zip(names, row[first:last], strict=False))  # slice: same length

        return content
    fields = tuple((name, at[name]) for name in names)

    def by_name(row: Sequence[Any]) -> dict[str, Any]:
        return {name: row[i] for name, i in fields}

    return by_name


def _component(
    ctype: ComponentType,
    view: View,
    component_id: str,
    fields: dict[str, Any],
    branch_id: int,
    start_ts: int,
    rev_id: int,
    released: bool,
) -> Component:
    effective = view.release_of(branch_id, start_ts)
    # Positional: keywords cost a frozen dataclass twice the time (pages build 50 of these).
    return Component(
        ctype.name,
        component_id,
        fields,
        view.paths.get(branch_id) or str(branch_id),
        start_ts,
        rev_id,
        released or effective is not None,
        effective,
    )


def shows(view: View, row: Mapping[str, Any]) -> bool:
    """Whether ``view`` shows the revision row ``row`` (not a tombstone, not left out)."""
    return not row["deleted"] and not is_excluded(view, row["branch_id"], row["start_ts"])
