"""Apply releases to a code system's branch: each release one commit, then its version.

For each :class:`~importers.release.Release`, in order:

1. If it names a version the code system already has, it was imported before: it is
   skipped whole (so an import of several releases that was interrupted can simply be run
   again).
2. Its components are read and grouped by type (an id listed twice is refused), then, in one
   write (:meth:`revisions.RevisionStore.bulk_changes`, one transaction under the branch
   lock), compared with what the branch shows, read in one pass per type: a new id is
   created (fields left out take their defaults), a listed component whose content
   differs (its fields over the ones it has: a field left out keeps its value) gets a new
   revision (*changed*, or *retired* when it goes from active to inactive), an equal one
   is skipped (``unchanged``). For a snapshot, a component the branch shows and the release
   lacks is retired (``active`` false; a concept also loses its parents: :func:`retired`),
   or skipped when already inactive, if it is in the snapshot's scope
   (:meth:`Release.covers`: a snapshot of ICD-10-CM codes retires no GEM mapping, a GEM
   file no concept). Rows the reader skipped are counted with its reasons. Nothing is ever
   deleted, so history stays readable. Any error rolls the release back whole.
3. With a version, the version is cut at the new head (:meth:`CodeSystems.create_version`),
   on the code system's working branch only.

Counts per release and in total go to a :class:`Summary`; a :class:`Progress` hears how far
reading and writing are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, Protocol

from exporter.ocl import InvalidImport
from importers.memory import paused_gc
from importers.release import KINDS, Release
from revisions import RevisionStore
from revisions.bulk_changes import BulkChanges, Values, content_values
from revisions.components import TYPES, ComponentType, component_type
from revisions.errors import InvalidRequest

TYPE_ORDER = ("concept", "description", "mapping")  # targets before what refers to them
REPORT_EVERY = 5_000  # rows between progress reports


class Progress(Protocol):
    """Told how far an import is: a phase (``read`` the source, ``write`` the changes) of a
    release starts with its total (None: unknown), then advances by a number of rows."""

    def phase(self, release: Release, name: str, total: int | None) -> None: ...

    def advance(self, rows: int) -> None: ...


class _Silent:
    def phase(self, release: Release, name: str, total: int | None) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass


@dataclass
class Counts:
    """What one release (or all, summed) did."""

    created: int = 0
    changed: int = 0
    retired: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.changed += other.changed
        self.retired += other.retired
        self.skipped.update(other.skipped)

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "changed": self.changed,
            "retired": self.retired,
            "skipped": dict(sorted(self.skipped.items())),
        }


@dataclass
class ReleaseResult:
    version: str | None
    kind: str
    counts: Counts
    timestamp: int | None  # the release's commit (None: nothing changed or skipped whole)
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "kind": self.kind,
            "timestamp": self.timestamp,
            **self.counts.as_json(),
            **({"note": self.note} if self.note else {}),
        }


@dataclass
class Summary:
    releases: list[ReleaseResult] = field(default_factory=list)

    @property
    def total(self) -> Counts:
        result = Counts()
        for release in self.releases:
            result.add(release.counts)
        return result

    def as_json(self) -> dict[str, Any]:
        return {**self.total.as_json(), "releases": [r.as_json() for r in self.releases]}


def apply_releases(
    store: RevisionStore,
    codesystem: str | None,
    releases: Iterable[Release],
    *,
    author: str,
    branch: str | None = None,
    comment: str | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Apply ``releases`` in order to ``branch`` (default: the code system's working
    branch); see the module docstring. Without a code system, ``branch`` is required and
    releases cannot name versions."""
    working = None if codesystem is None else store.codesystems.get(codesystem).branch_path
    path = branch or working
    if path is None:
        raise InvalidRequest("An import needs a code system or a branch.")
    summary = Summary()
    with paused_gc():
        for release in releases:
            _check(release, codesystem, path, working)
            result = _apply_one(
                store, codesystem, path, release, author, comment, progress or _Silent()
            )
            summary.releases.append(result)
    return summary


def _check(release: Release, codesystem: str | None, path: str, working: str | None) -> None:
    """Refuse what no release may be, before anything of it is read."""
    if release.kind not in KINDS:
        raise InvalidImport(f"A release is a snapshot or a delta, not {release.kind!r}.")
    if release.version is not None and (codesystem is None or path != working):
        raise InvalidRequest(
            f"Version {release.version} can only be cut on a code system's working "
            f"branch, not on '{path}': import without a version there."
        )


def _apply_one(
    store: RevisionStore,
    codesystem: str | None,
    path: str,
    release: Release,
    author: str,
    comment: str | None,
    progress: Progress,
) -> ReleaseResult:
    if codesystem is not None and _has_version(store, codesystem, release.version):
        counts = Counts(skipped=Counter({f"version {release.version} exists": 1}))
        return ReleaseResult(release.version, release.kind, counts, None, "imported before")
    listed = _grouped(release, progress)
    label = f"version {release.version}" if release.version else "a release"
    text = comment or f"Import {label} ({release.kind})"
    counts = Counts(skipped=Counter(release.skipped))
    with store.bulk_changes(path, author, text) as changes:
        plans = {
            type_name: _compare(changes, type_name, listed.pop(type_name), release, counts)
            for type_name in TYPE_ORDER
            if listed.get(type_name) or release.covers_type(type_name)
        }
        progress.phase(release, "write", counts.created + counts.changed + counts.retired)
        for type_name, (created, _) in plans.items():
            if created:
                progress.advance(changes.create(type_name, created))
        for type_name, (_, changed) in plans.items():
            if changed:
                progress.advance(changes.change(type_name, changed))
    timestamp = changes.commit.timestamp if changes.commit else None
    if codesystem is not None and release.version is not None:
        store.codesystems.create_version(
            codesystem, release.version, release.effective or _today(), author=author
        )
    return ReleaseResult(release.version, release.kind, counts, timestamp)


class _SameFields:
    """``same(fields, values)``: whether every field given equals the stored value (in
    ``names`` order), by one C-level ``itemgetter`` per set of keys: a Python loop per
    field cost more than reading the branch."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.position = {name: i for i, name in enumerate(names)}
        self.getters: dict[tuple[str, ...], Any] = {}

    def __call__(self, fields: dict[str, Any], values: Values) -> bool:
        keys = tuple(fields)
        getter = self.getters.get(keys)
        if getter is None:
            if not keys or any(key not in self.position for key in keys):
                return False  # validating says what is wrong with an unknown field
            getter = itemgetter(*(self.position[key] for key in keys))
            self.getters[keys] = getter
        shown = getter(values)
        given = tuple(fields.values())
        return (shown,) == given if len(keys) == 1 else shown == given


def retired(ctype: ComponentType, values: Values) -> Values:
    """``values`` inactive; a concept also leaves the hierarchy (no parents), as an inactive
    SNOMED CT concept keeps no active is-a relationship: its place stays readable in the
    versions before."""
    content = dict(zip(ctype.field_names, values, strict=True))
    content["active"] = False
    if "parents" in content:
        content["parents"] = []
    return tuple(content.values())


def _has_version(store: RevisionStore, codesystem: str, version: str | None) -> bool:
    return version is not None and any(
        v.version == version for v in store.codesystems.versions(codesystem)
    )


def _grouped(release: Release, progress: Progress) -> dict[str, dict[str, Any]]:
    """The release's components by type, id -> fields, in the order given."""
    progress.phase(release, "read", release.total)
    listed: dict[str, dict[str, Any]] = {name: {} for name in TYPE_ORDER}
    done = 0
    for type_name, cid, fields in release.components:
        items = listed.get(type_name)
        if items is None:
            raise InvalidImport(f"Unknown component type {type_name!r} (component '{cid}').")
        if cid in items:
            raise InvalidImport(f"The release lists {type_name} '{cid}' twice.")
        items[cid] = fields
        done += 1
        if done % REPORT_EVERY == 0:
            progress.advance(REPORT_EVERY)
    progress.advance(done % REPORT_EVERY)
    return listed


def _compare(
    changes: BulkChanges,
    type_name: str,
    items: dict[str, Any],
    release: Release,
    counts: Counts,
) -> tuple[list[tuple[str, Any]], list[tuple[str, Values]]]:
    """The release's ``items`` of a type sorted into creations (id, fields) and changes
    (id, content values), counted as they go; for a snapshot, what it lacks is retired."""
    ctype = component_type(type_name)
    names = ctype.field_names
    active = names.index("active")
    current = dict(changes.current(type_name))
    created: list[tuple[str, Any]] = []
    changed: list[tuple[str, Values]] = []
    same = _SameFields(names)
    for cid, fields in items.items():
        before = current.get(cid)
        if before is None:
            created.append((cid, fields))
            counts.created += 1
            continue
        if same(fields, before):
            counts.skipped["unchanged"] += 1  # the common case, decided without validating
            continue
        after = content_values(ctype, cid, {**dict(zip(names, before, strict=True)), **fields})
        if after == before:
            counts.skipped["unchanged"] += 1
        else:
            changed.append((cid, after))
            if before[active] and not after[active]:
                counts.retired += 1
            else:
                counts.changed += 1
    if release.covers_type(type_name):
        for cid, before in current.items():
            if cid in items or not release.covers(type_name, cid):
                continue
            if before[active]:
                changed.append((cid, retired(ctype, before)))
                counts.retired += 1
            else:
                counts.skipped["absent, already inactive"] += 1
    return created, changed


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


assert set(TYPE_ORDER) == set(TYPES)  # a new component type must be placed in the order
