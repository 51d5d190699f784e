"""Bulk changes: one commit that creates, changes and inactivates many components at once,
for importers that hold the whole new state of a code system (or a large part of it).

:meth:`revisions.RevisionStore.bulk_changes` opens a write on a branch and hands out a
:class:`BulkChanges`. Inside that one transaction, under the branch lock, the caller

1. reads what the branch shows of a type in one pass (:meth:`BulkChanges.current`: every
   visible component's content in ``field_names`` order, read as one stream of the head
   view's rows, not by id);
2. creates what is new (:meth:`BulkChanges.create`, through :class:`revisions.bulk.Loader`:
   ``COPY`` on PostgreSQL, batched inserts elsewhere, indexes rebuilt once when a table was
   empty) and writes new revisions of what changed (:meth:`BulkChanges.change`: the
   branch's own current rows closed in chunks, the new revisions inserted in batches, the
   sticky ``released`` flag kept as a normal commit keeps it);
3. and :meth:`BulkChanges.finish` checks the references of the changed components in memory
   (against what the branch showed plus what this commit created), the references of the
   created ones through the loader, and the description types, then records one
   ``CONTENT`` commit, or discards the write when nothing changed.

Nothing is deleted: an importer inactivates (``active`` false) through a change. Any error
rolls the whole write back, so an interrupted import leaves nothing visible.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from revisions import bulk, commit, registry
from revisions.components import TYPES, ComponentType, component_type, fast_check, validate
from revisions.errors import ComponentExists, ComponentNotFound, InvalidComponent, MissingReference
from revisions.records import Commit, CommitKind
from revisions.registry import type_key
from revisions.streams import all_visible
from revisions.transaction import Transaction
from revisions.visibility import head_view

Values = tuple[Any, ...]  # a component's content in its type's ``field_names`` order


def content_values(ctype: ComponentType, component_id: str, fields: Mapping[str, Any]) -> Values:
    """Complete, checked content of ``fields`` (defaults filled in) in ``field_names`` order,
    lists as lists: what :meth:`BulkChanges.current` gives for a stored component, so the
    two compare with ``==``; :class:`InvalidComponent` for what a commit would refuse."""
    values = _checks(ctype)(component_id, fields)
    if values is None:
        content = validate(ctype, component_id, fields)
        return tuple(content[name] for name in ctype.field_names)
    return tuple(list(v) if isinstance(v, tuple) else v for v in values)


_FAST: dict[str, Any] = {}


def _checks(ctype: ComponentType) -> Any:
    if ctype.name not in _FAST:
        _FAST[ctype.name] = fast_check(ctype)
    return _FAST[ctype.name]


class BulkChanges:
    """One bulk commit on a locked branch (see the module docstring)."""

    def __init__(self, tx: Transaction, path: str) -> None:
        self.tx = tx
        chain = tx.lock(path)
        commit.check_writable(chain[-1])
        self.chain = chain
        self.branch = chain[-1]
        self.view = head_view(tx.connection, chain)
        self.loader = bulk.Loader(tx.connection, self.view, self.branch.id, tx.ts)
        # Per type read: id -> the visible revision's row, a tuple in the table's order.
        self._origin: dict[str, dict[str, Any]] = {}
        self._created: dict[str, set[str]] = {}
        self._changed: dict[str, list[tuple[str, Values]]] = {}
        self.count = 0
        self.commit: Commit | None = None  # set when the write has been recorded

    def current(self, type_name: str) -> Iterator[tuple[str, Values]]:
        """(id, content values) of every component of the type the branch shows, in id
        order; remembered so :meth:`change` knows each one's revision."""
        ctype = component_type(type_name)
        origin = self._origin.setdefault(ctype.name, {})
        columns = [column.name for column in ctype.table.columns]
        cid = columns.index("component_id")
        first = columns.index(ctype.field_names[0])
        last = first + len(ctype.field_names)
        assert tuple(columns[first:last]) == ctype.field_names  # the table's own order
        for row in all_visible(self.tx.connection, ctype, self.view):
            origin[row[cid]] = row
            yield row[cid], row[first:last]

    def create(self, type_name: str, items: Iterable[tuple[str, Mapping[str, Any]]]) -> int:
        """Create new components (none may be visible yet: after :meth:`current` of the
        type, only ids it did not list); types something refers to first (concepts before
        descriptions). Returns how many."""
        ctype = component_type(type_name)
        created = self._created.setdefault(ctype.name, set())

        def noted() -> Iterator[tuple[str, Mapping[str, Any]]]:
            for cid, fields in items:
                created.add(cid)
                yield cid, fields

        # Every id the view shows was read (:meth:`current`): none need looking up.
        absent = ctype.name in self._origin
        try:
            count = self.loader.load(ctype, noted(), absent=absent)
        except IntegrityError as error:
            raise ComponentExists("The load contains an id twice.") from error
        self.count += count
        return count

    def change(self, type_name: str, items: Sequence[tuple[str, Values]]) -> int:
        """New revisions of components :meth:`current` read, with the given content values
        (from :func:`content_values`). Returns how many."""
        ctype = component_type(type_name)
        origin = self._origin.get(ctype.name, {})
        unknown = [cid for cid, _ in items if cid not in origin]
        if unknown:
            raise ComponentNotFound(
                f"{ctype.name.capitalize()} '{unknown[0]}' is not on this branch."
            )
        columns = [column.name for column in ctype.table.columns]
        rows_of = {cid: dict(zip(columns, origin[cid], strict=True)) for cid, _ in items}
        own = [cid for cid, _ in items if rows_of[cid]["branch_id"] == self.branch.id]
        commit.close_own(self.tx.connection, ctype.table, self.branch.id, self.tx.ts, own)
        rows = [
            {
                **dict(zip(ctype.field_names, values, strict=True)),
                "component_id": cid,
                "deleted": False,
                "released": commit.was_released(self.view, rows_of[cid]),
            }
            for cid, values in items
        ]
        commit.insert_rows(self.tx.connection, ctype.table, self.branch.id, self.tx.ts, rows)
        self._changed.setdefault(ctype.name, []).extend(items)
        self.count += len(items)
        return len(items)

    def finish(self) -> Commit | None:
        """Check references and description types, then record the commit (None and the
        write discarded when nothing was created or changed)."""
        if not self.count:
            self.tx.discard()
            return None
        self._check_changed_references()
        self.loader.finish()
        self._check_description_types()
        return self.tx.record(self.branch, CommitKind.CONTENT, self.count)

    def _check_changed_references(self) -> None:
        for type_name, items in self._changed.items():
            ctype = TYPES[type_name]
            for ref in ctype.references:
                index = ctype.field_names.index(ref.field)
                known = self._origin.get(ref.target)
                if known is None:
                    continue  # the target type was not read: the loader's view check below
                created = self._created.get(ref.target, set())
                for cid, values in items:
                    targets = values[index] if ref.many else [values[index]]
                    for target in targets or ():
                        if target is not None and target not in known and target not in created:
                            raise MissingReference(
                                f"{type_name.capitalize()} '{cid}' refers to {ref.target} "
                                f"'{target}' (through '{ref.field}'), which is not visible."
                            )

    def _check_description_types(self) -> None:
        written = [values for _, values in self._changed.get("description", [])]
        if not written and "description" not in self._created:
            return
        allowed = registry.description_types(self.tx.connection, self.chain)
        known = {type_key(t) for t in allowed}
        index = TYPES["description"].field_names.index("type")
        kinds = {values[index] for values in written}
        if "description" in self._created:
            kinds |= _created_types(self.tx, self.branch.id)
        bad = sorted(k for k in kinds if type_key(k or "") not in known)
        if bad:
            raise InvalidComponent(
                "Invalid descriptions.",
                violations=[
                    f"'type' must be one of {', '.join(allowed)} on this code system, "
                    f"not {bad[0]!r}."
                ],
            )


def _created_types(tx: Transaction, branch_id: int) -> set[str]:
    """The description types of the rows this commit wrote on the branch."""
    table = TYPES["description"].table
    rows = tx.connection.execute(
        table.select()
        .with_only_columns(table.c.type)
        .where(table.c.branch_id == branch_id, table.c.start_ts == tx.ts)
        .distinct()
    )
    return {row[0] for row in rows}
