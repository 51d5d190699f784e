"""A naive in-memory model of the revision store, for the stateful test in ``test_model``.

It keeps a FULL snapshot of every branch after each of its commits,
``{path: [(ts, {(type, id): content})]}``, and works out what each operation should do from
DESIGN.md §2 alone, without the store's layers, rows or views:

- a commit replays its changes in order on a copy of the head; creating what exists or
  changing what does not is refused; deleting a concept deletes its descriptions; at the end
  every description must point at a visible concept;
- a child branch starts as a copy of its parent's current snapshot; its base is the parent's
  head timestamp; a branch at time ``t`` is its latest snapshot with timestamp ``<= t``; its
  base point is its parent's snapshot at its base;
- a merge compares the two sides with their common ancestor (the parent at the child's base)
  key by key (:func:`merge`); resolutions replace the outcome of the keys they name.

Concepts and descriptions are modelled (no mappings); contents are complete field dicts.
:func:`normalise` and :func:`invalid_change` turn generated changes into valid or invalid
ones against a snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Key = tuple[str, str]  # (component type, id)
Content = dict[str, Any]
Snapshot = dict[Key, Content]
Change = tuple[str, Key, Content]  # ("create" | "update" | "delete", key, fields)

MAIN = "MAIN"
CONCEPT = "concept"
DESCRIPTION = "description"
# The generated world's ids: small pools, so that changes collide and merges conflict.
IDS = ("1", "2", "3", "4", "5", "6")
DESCRIPTION_IDS = ("d1", "d2", "d3", "d4")
# Concept ids written in bulk, interleaved with IDS in id order ("1" < "10" < ... < "2"):
# enough rows per branch that a paged read needs more than one scan round.
FILLER = tuple(str(n) for n in range(10, 50))
NEVER_CREATED = "9"
TERMS = ("Heart attack", "heart failure", "Lung", "attack of the lung")
DEFAULTS: dict[str, Content] = {
    CONCEPT: {
        "active": True,
        "module_id": None,
        "concept_class": None,
        "datatype": None,
        "parents": [],
        "external_id": None,
        "retire_reason": None,
        "extras": None,
    },
    DESCRIPTION: {
        "concept_id": None,
        "term": None,
        "language_code": "en",
        "type": "SYNONYM",
        "preferred": False,
        "active": True,
        "external_id": None,
        "extras": None,
    },
}


def complete(type_name: str, fields: Mapping[str, Any]) -> Content:
    """A new component's content: the given fields over the type's defaults."""
    return {**DEFAULTS[type_name], **fields}


def of_type(snapshot: Snapshot, type_name: str) -> dict[str, Content]:
    return {cid: content for (t, cid), content in snapshot.items() if t == type_name}


@dataclass
class ModelBranch:
    path: str
    parent: str | None
    created_ts: int
    base_ts: int | None
    history: list[tuple[int, Snapshot]]
    log: list[tuple[int, str]]  # (timestamp, commit kind) of every commit on the branch
    # True while the branch is known to hold no revisions of its own (just created or just
    # promoted, and no content commit since): it then cannot be FORWARD.
    pristine: bool = True

    @property
    def head_ts(self) -> int:
        return self.history[-1][0]

    @property
    def head(self) -> Snapshot:
        return self.history[-1][1]

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def at(self, ts: int) -> Snapshot:
        """The snapshot the branch showed at time ``ts`` (``ts >= created_ts``)."""
        found = [snapshot for when, snapshot in self.history if when <= ts]
        assert found, f"{self.path} did not exist at {ts}"
        return found[-1]

    def record(self, ts: int, snapshot: Snapshot, kind: str) -> None:
        assert ts > self.head_ts, "commit timestamps must increase"
        self.history.append((ts, snapshot))
        self.log.append((ts, kind))


@dataclass
class Model:
    branches: dict[str, ModelBranch] = field(default_factory=dict)

    def start(self, ts: int) -> None:
        self.branches[MAIN] = ModelBranch(MAIN, None, ts, None, [(ts, {})], [(ts, "CREATE")])

    def parent_of(self, path: str) -> ModelBranch:
        parent = self.branches[path].parent
        assert parent is not None
        return self.branches[parent]

    def create_branch(self, parent: str, name: str, ts: int) -> None:
        source = self.branches[parent]
        path = f"{parent}/{name}"
        self.branches[path] = ModelBranch(
            path, parent, ts, source.head_ts, [(ts, dict(source.head))], [(ts, "CREATE")]
        )

    def delete_branch(self, path: str) -> list[str]:
        """Forget the branch and every branch below it; their paths."""
        gone = [p for p in self.branches if p == path or p.startswith(path + "/")]
        for p in gone:
            del self.branches[p]
        return gone

    def base_snapshot(self, path: str) -> Snapshot:
        """What ``path^`` shows: the parent at the branch's current base."""
        branch = self.branches[path]
        assert branch.base_ts is not None
        return self.parent_of(path).at(branch.base_ts)

    def is_behind(self, path: str) -> bool:
        branch = self.branches[path]
        return branch.parent is not None and self.parent_of(path).head_ts != branch.base_ts


# --- commits ---------------------------------------------------------------------------------


def apply_one(state: Snapshot, change: Change) -> str | None:
    """Apply one change to ``state`` in place; the name of the error that refuses it, if any."""
    kind, key, fields = change
    if kind == "create":
        if key in state:
            return "exists"
        state[key] = complete(key[0], fields)
    elif key not in state:
        return "not found"
    elif kind == "update":
        state[key] = {**state[key], **fields}
    else:
        del state[key]
        if key[0] == CONCEPT:
            for other in [k for k, c in state.items() if _points_at(k, c, key)]:
                del state[other]
    return None


def apply_changes(snapshot: Snapshot, changes: list[Change]) -> tuple[Snapshot, str | None]:
    """The snapshot after a commit of ``changes``, or the error that refuses the commit: a
    lone change's own error; among several, every change is tried (a failing one leaves the
    state as it was) and any failure refuses them all as "invalid" (the store names each);
    then a dangling reference."""
    state = dict(snapshot)
    errors = [error for change in changes if (error := apply_one(state, change))]
    if errors:
        return snapshot, errors[0] if len(changes) == 1 else "invalid"
    if dangling(state):
        return snapshot, "missing reference"
    return state, None


def dangling(state: Snapshot) -> set[Key]:
    """Descriptions whose concept is not in ``state``."""
    return {
        key
        for key, content in state.items()
        if key[0] == DESCRIPTION and (CONCEPT, content["concept_id"]) not in state
    }


def _points_at(key: Key, content: Content, concept: Key) -> bool:
    return key[0] == DESCRIPTION and content["concept_id"] == concept[1]


# --- merges ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    kind: str  # CONFLICTING_CHANGE | DELETED_WHILE_CHANGED | CAUSES_MISSING_REFERENCE
    properties: frozenset[str] = frozenset()  # for CONFLICTING_CHANGE: the clashing fields


@dataclass(frozen=True)
class Outcome:
    result: Snapshot  # what the target shows afterwards (undecided keys left out)
    conflicts: dict[Key, Conflict]
    # Resolved components that would point at a concept the result does not have: a merge
    # with such resolutions must be refused.
    dangling_resolved: set[Key]


def merge(
    ancestor: Snapshot,
    source: Snapshot,
    target: Snapshot,
    resolutions: Mapping[Key, Content | None] | None = None,
) -> Outcome:
    """Merge two snapshots that both started from ``ancestor``.

    Per key: unchanged on one side -> the other side wins; the same on both -> that; deleted
    on one side, changed on the other -> DELETED_WHILE_CHANGED; changed on both -> field by
    field, where a field changed on both sides to different values is CONFLICTING_CHANGE.
    A resolution replaces that reasoning for its key. Then a description that the result
    keeps (not by resolution) whose concept the result deleted is CAUSES_MISSING_REFERENCE;
    a concept still in conflict is undecided, so it does not count as deleted yet.
    """
    resolutions = resolutions or {}
    result: Snapshot = {}
    conflicts: dict[Key, Conflict] = {}
    for key in sorted(ancestor.keys() | source.keys() | target.keys()):
        if key in resolutions:
            outcome: Content | Conflict | None = resolutions[key]
        else:
            outcome = _three_way(ancestor.get(key), source.get(key), target.get(key))
        if isinstance(outcome, Conflict):
            conflicts[key] = outcome
        elif outcome is not None:
            result[key] = outcome
    undecided = set(conflicts)
    missing = {
        key for key in dangling(result) if (CONCEPT, result[key]["concept_id"]) not in undecided
    }
    for key in missing - resolutions.keys():
        conflicts[key] = Conflict("CAUSES_MISSING_REFERENCE")
    return Outcome(result, conflicts, missing & resolutions.keys())


def _three_way(old: Content | None, ours: Content | None, theirs: Content | None) -> Any:
    if theirs == old or ours == theirs:
        return ours
    if ours == old:
        return theirs
    if ours is None or theirs is None:
        return Conflict("DELETED_WHILE_CHANGED")
    merged: Content = {}
    clashing = set()
    for name in ours:
        before = _ABSENT if old is None else old[name]
        mine, other = ours[name], theirs[name]
        if mine == other or other == before:
            merged[name] = mine
        elif mine == before:
            merged[name] = other
        else:
            clashing.add(name)
    return Conflict("CONFLICTING_CHANGE", frozenset(clashing)) if clashing else merged


_ABSENT = object()  # a field of a component the ancestor did not have: no value matches it


def chosen_content(
    key: Key,
    choice: tuple[str, Content | None],
    ancestor: Snapshot,
    source: Snapshot,
    target: Snapshot,
) -> Content | None:
    """What a resolution makes of ``key``: SOURCE, TARGET, or CONTENT, whose fields go over
    the component as the merge would have it (field by field, the source's value where both
    sides changed a field; the surviving side where one side deleted it), as an update's go
    over the current content."""
    kind, fields = choice
    if kind == "SOURCE":
        return source.get(key)
    if kind == "TARGET":
        return target.get(key)
    assert fields is not None
    old, mine, other = ancestor.get(key), source.get(key), target.get(key)
    if mine is None or other is None:
        under = dict(mine or other or {})
    else:
        unchanged = {name: _ABSENT if old is None else old[name] for name in mine}
        under = {
            name: other[name] if mine[name] == unchanged[name] else mine[name] for name in mine
        }
    return complete(key[0], {**under, **fields})


# --- generated changes -----------------------------------------------------------------------


def normalise(snapshot: Snapshot, wanted: list[Change]) -> list[Change]:
    """Make generated changes valid: create what is missing, change what exists, point
    descriptions at concepts that exist (dropping those that cannot)."""
    state = dict(snapshot)
    changes = []
    for kind, key, fields in wanted:
        if key not in state:
            kind = "create"
        elif kind == "create":
            kind = "update"
        if key[0] == DESCRIPTION and kind != "delete":
            fields = _to_live_concept(state, kind, fields)
            if fields is None:
                continue
        change = (kind, key, fields)
        assert apply_one(state, change) is None
        changes.append(change)
    return changes


def _to_live_concept(state: Snapshot, kind: str, fields: Content) -> Content | None:
    live = sorted(cid for type_name, cid in state if type_name == CONCEPT)
    wanted = fields.get("concept_id")
    if kind == "create":
        fields = {"term": TERMS[0], **fields}
    if (wanted is None and kind == "update") or wanted in live:
        return fields
    if not live:
        return None if kind == "create" else {k: v for k, v in fields.items() if k != "concept_id"}
    position = IDS.index(wanted) if wanted in IDS else 0
    return {**fields, "concept_id": live[position % len(live)]}


def invalid_change(state: Snapshot, bad: str, which: int) -> Change:
    """A change that ``state`` refuses, of kind ``bad`` (create, update, delete or reference)
    where the state allows one."""
    present = sorted(state)
    pool = {(CONCEPT, c) for c in IDS} | {(DESCRIPTION, d) for d in DESCRIPTION_IDS}
    absent = sorted(pool - state.keys())
    if bad == "reference":
        key = (DESCRIPTION, DESCRIPTION_IDS[which % len(DESCRIPTION_IDS)])
        kind = "update" if key in state else "create"
        return (kind, key, {"concept_id": NEVER_CREATED, "term": TERMS[0]})
    if (bad == "create" and present) or not absent:
        return ("create", present[which % len(present)], {})
    kind = "update" if bad == "create" else bad
    return (kind, absent[which % len(absent)], {})
