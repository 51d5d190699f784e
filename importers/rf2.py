"""SNOMED CT's release format (RF2) -> releases of store components.

:func:`releases` reads a package (a folder or a .zip; :mod:`importers.rf2_files` finds and
checks its files) and yields :class:`~importers.release.Release` values:

- **Snapshot**: one release, kind ``snapshot``, every component complete.
- **Delta**: one release, kind ``delta``: a component whose own row is in the delta comes
  complete; a concept only some of whose IS-A relationships changed comes as
  ``{"parents": [...]}``, a description only whose language refset rows changed as
  ``{"preferred": ...}`` (an update that keeps the other fields). A delta's relationship
  rows add and remove parents: ``parents_of`` gives the parents the target branch has now.
- **Full**: one release per distinct ``effectiveTime``, oldest first, kind ``delta``,
  version the effectiveTime (YYYYMMDD), holding what changed at that time in the same
  terms as a Delta (with the parents and preferences the earlier releases built, so no
  ``parents_of``). Applied in order, they give at each version that release's Snapshot.
  Read each release's components before the next (one skipped is still applied).

Where each RF2 field goes (docs/imports.md, "rf2"): a concept's ``active``, ``moduleId`` ->
``module_id``, parents = destinations of its active IS-A (116680003) relationships, sorted;
a description's ``conceptId``, ``term``, ``languageCode``, ``typeId`` -> ``type`` (FSN,
SYNONYM, DEFINITION, or the id), ``preferred`` when an active language refset row says
preferred; simple refset rows -> mappings typed by the refset id, to the refset's concept
(the store wants a target); association refset rows -> mappings to ``targetComponentId``
typed by the association's name (SAME-AS, REPLACED-BY… or the refset id when unknown).
Refset rows whose ends are not concepts are skipped (logged). RF2 values the store has no
field for go to ``extras``.

Memory: Snapshot and Delta hold only the IS-A destinations per concept and the preference
per described description (as the ids' text) while the concept and description files
stream. Full first sorts the rows to a scratch folder, one per effectiveTime, and holds the
IS-A and preference state; the scratch folder goes with the releases.
"""

from __future__ import annotations

import logging
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from exporter.ocl import Component
from importers import rf2_files
from importers.formats import register
from importers.release import Release
from importers.rf2_files import ACTIVE, ID, MODULE, TIME, File, InvalidRF2, PackageType, rows

__all__ = ["InvalidRF2", "releases"]

log = logging.getLogger(__name__)

IS_A = "116680003"
PREFERRED = "900000000000548007"
DESCRIPTION_TYPES = {
    "900000000000003001": "FSN",
    "900000000000013009": "SYNONYM",
    "900000000000550004": "DEFINITION",
}
# Historical association refsets -> map types, in OCL's spelling.
ASSOCIATIONS = {
    "900000000000523009": "POSSIBLY-EQUIVALENT-TO",
    "900000000000524003": "MOVED-TO",
    "900000000000525002": "MOVED-FROM",
    "900000000000526001": "REPLACED-BY",
    "900000000000527005": "SAME-AS",
    "900000000000528000": "WAS-A",
    "900000000000529008": "SIMILAR-TO",
    "900000000000530003": "ALTERNATIVE",
    "900000000000531004": "REFERS-TO",
    "1186921001": "POSSIBLY-REPLACED-BY",
    "1186924009": "PARTIALLY-EQUIVALENT-TO",
}
# The files whose rows are components, one each: a release's ``total``.
_COUNTED = ("concept", "description", "simple", "association")
ParentsOf = Callable[[Sequence[str]], Mapping[str, Iterable[str]]]


@register("rf2")
def read_rf2(
    source: Path,
    *,
    package: PackageType | None = None,
    parents_of: ParentsOf | None = None,
    version: str | None = None,
    **_: Any,
) -> Iterator[Release]:
    """The ``rf2`` format of :mod:`importers.formats`: :func:`releases`."""
    return releases(source, package=package, parents_of=parents_of, version=version)


def releases(
    source: Path,
    *,
    package: PackageType | None = None,
    parents_of: ParentsOf | None = None,
    version: str | None = None,
) -> Iterator[Release]:
    """The releases in the RF2 package at ``source`` (module docstring). ``package`` picks
    Snapshot, Delta or Full when the package holds more than one; ``parents_of`` (Delta
    only) maps concept ids to their current parents; without it a delta's concepts start
    from no parents; ``version`` renames a Snapshot's or Delta's one release (a Full
    package's versions are its effectiveTimes). The package and its choice are checked at
    once (InvalidRF2); rows as the releases are read."""
    files = rf2_files.package(source)
    present = sorted({f.type for f in files if f.kind == "concept"})
    if package is None:
        if len(present) != 1:
            found = ", ".join(present) or "no sct2_Concept_ file"
            raise InvalidRF2(f"{source.name}: choose snapshot, delta or full (found {found}).")
        package = present[0]
    chosen = [f for f in files if f.type == package]
    if not any(f.kind == "concept" for f in chosen):
        raise InvalidRF2(f"{source.name}: no sct2_Concept_ {package.capitalize()} file.")
    if package == "full":
        if version is not None:
            raise InvalidRF2(f"{source.name}: a Full package's versions are its effectiveTimes.")
        return _full(chosen)
    dates = [f.release_date for f in chosen if f.release_date]
    released = max(dates) if dates else None
    release = Release(
        version=version or released,
        effective=rf2_files.iso(released),
        kind="snapshot" if package == "snapshot" else "delta",
        components=_stream(chosen, delta=package == "delta", parents_of=parents_of),
        total=sum(rf2_files.count(f) for f in chosen if f.kind in _COUNTED),
    )
    return iter([release])


def _of(files: list[File], kind: str) -> Iterator[list[str]]:
    """The rows of every file of ``kind``, checked."""
    for file in files:
        if file.kind == kind:
            yield from rows(file)


def _is_concept(sctid: str) -> bool:
    """Whether an SCTID's partition (its second and third digits from the end) says concept."""
    return sctid[-3:-1] in ("00", "10")


# -- Snapshot and Delta: stream the concept and description files ---------------------------


def _is_a(files: list[File], delta: bool) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per concept, the destinations of its active IS-A rows and (in a delta, where they
    remove a parent) of its inactive ones."""
    added: dict[str, list[str]] = defaultdict(list)
    removed: dict[str, list[str]] = defaultdict(list)
    for row in _of(files, "relationship"):
        if row[7] == IS_A:
            if row[ACTIVE] == "1":
                added[row[4]].append(row[5])
            elif delta:
                removed[row[4]].append(row[5])
    return added, removed


def _preferences(files: list[File], delta: bool) -> dict[str, bool]:
    """Description id -> preferred, for the descriptions the language refsets prefer (and,
    in a delta, those whose rows say they are not preferred)."""
    preferred: dict[str, bool] = {}
    for row in _of(files, "language"):
        if row[ACTIVE] == "1" and row[6] == PREFERRED:
            preferred[row[5]] = True
        elif delta:  # a snapshot's absent ids are not preferred
            preferred.setdefault(row[5], False)
    return preferred


def _stream(files: list[File], *, delta: bool, parents_of: ParentsOf | None) -> Iterator[Component]:
    added, removed = _is_a(files, delta)
    preferred = _preferences(files, delta)
    base: Mapping[str, Iterable[str]] = {}
    if delta and parents_of is not None:
        base = parents_of(sorted(added.keys() | removed.keys()))

    def parents(key: str) -> list[str]:
        now = added.pop(key, [])
        if key in removed or key in base:
            gone = set(removed.pop(key, ()))
            now = [*(p for p in base.get(key, ()) if p not in gone), *now]
        return now if len(now) < 2 else sorted(set(now))

    for row in _of(files, "concept"):
        fields = _concept(row)
        if not delta or row[ID] in added or row[ID] in removed:
            fields["parents"] = parents(row[ID])
        yield "concept", row[ID], fields
    for key in sorted(added.keys() | removed.keys()):
        if delta:
            yield "concept", key, {"parents": parents(key)}
        else:
            log.info("IS-A relationships of %s skipped: the concept has no row", key)
    added.clear()
    removed.clear()
    for row in _of(files, "description"):
        fields = _description(row)
        if not delta or row[ID] in preferred:
            fields["preferred"] = preferred.pop(row[ID], False)
        yield "description", row[ID], fields
    if delta:
        for key, value in sorted(preferred.items()):
            yield "description", key, {"preferred": value}
    preferred.clear()
    yield from _mappings(files)


def _concept(row: list[str]) -> dict[str, Any]:
    return {
        "active": row[ACTIVE] == "1",
        "module_id": row[MODULE],
        "extras": {"definitionStatusId": row[4], "effectiveTime": row[TIME]},
    }


def _description(row: list[str]) -> dict[str, Any]:
    return {
        "concept_id": row[4],
        "term": row[7],
        "language_code": row[5],
        "type": DESCRIPTION_TYPES.get(row[6], row[6]),
        "active": row[ACTIVE] == "1",
        "extras": {
            "moduleId": row[MODULE],
            "caseSignificanceId": row[8],
            "effectiveTime": row[TIME],
        },
    }


def _mappings(files: list[File]) -> Iterator[Component]:
    for kind in ("simple", "association"):
        for row in _of(files, kind):
            if (mapping := _mapping(kind, row)) is not None:
                yield mapping
            else:
                log.info("refset member %s skipped: an end is not a concept", row[ID])


def _mapping(kind: str, row: list[str]) -> Component | None:
    """A refset row as a mapping, or None when an end is not a concept."""
    source, refset = row[5], row[4]
    target = row[6] if kind == "association" else refset
    if not _is_concept(source) or not _is_concept(target):
        return None
    fields = {
        "source_id": source,
        "map_type": ASSOCIATIONS.get(refset, refset) if kind == "association" else refset,
        "target_id": target,
        "active": row[ACTIVE] == "1",
        "extras": {"refsetId": refset, "moduleId": row[MODULE], "effectiveTime": row[TIME]},
    }
    return "mapping", row[ID], fields


# -- Full: every effectiveTime in turn -------------------------------------------------------


def _full(files: list[File]) -> Iterator[Release]:
    """One delta release per effectiveTime, oldest first. The rows are first sorted to disk,
    one folder per effectiveTime, so memory holds only the IS-A and preference state."""
    with tempfile.TemporaryDirectory(prefix="rf2-full-") as scratch:
        folder = Path(scratch)
        counts: dict[str, int] = defaultdict(int)
        for file in files:
            for time in _spill(file, folder):
                counts[time] += file.kind in _COUNTED
        history = _History()
        for time in sorted(counts):
            components = history.release(folder / time)
            yield Release(time, rf2_files.iso(time), "delta", components, counts[time])
            for _ in components:  # a release not read through still changes the state
                pass


def _spill(file: File, folder: Path) -> Iterator[str]:
    """Append each row of ``file`` (IS-A only, of relationships) to ``folder/<time>/<kind>``;
    yield each row's time."""
    handles: dict[str, IO[str]] = {}
    try:
        for row in rows(file):
            if file.kind == "relationship" and row[7] != IS_A:
                continue
            time = row[TIME]
            if (handle := handles.get(time)) is None:
                (folder / time).mkdir(exist_ok=True)
                handle = handles[time] = (folder / time / file.kind).open("a", encoding="utf-8")
            handle.write("\t".join(row) + "\n")
            yield time
    finally:
        for handle in handles.values():
            handle.close()


def _spilled(folder: Path, kind: str) -> Iterator[list[str]]:
    if (folder / kind).exists():
        with (folder / kind).open(encoding="utf-8") as handle:
            for line in handle:
                yield line.rstrip("\n").split("\t")


class _History:
    """What the releases so far made of each concept's parents and each description's
    preference, to tell what a later release changes."""

    def __init__(self) -> None:
        self.is_a: dict[str, dict[str, str]] = {}  # concept -> active IS-A rel id -> parent
        self.preferring: dict[str, str] = {}  # active preferred language member -> description
        self.preferred: dict[str, int] = {}  # description -> its active preferred members

    def release(self, folder: Path) -> Iterator[Component]:
        """The components the rows in ``folder`` (one effectiveTime) change: complete when
        their row is there, else ``parents`` or ``preferred`` alone, when that changed."""
        before: dict[str, list[str]] = {}
        for row in _spilled(folder, "relationship"):
            before.setdefault(row[4], self.parents(row[4]))
            rels = self.is_a.setdefault(row[4], {})
            if row[ACTIVE] == "1":
                rels[row[ID]] = row[5]
            else:
                rels.pop(row[ID], None)
        for row in _spilled(folder, "concept"):
            before.pop(row[ID], None)
            yield "concept", row[ID], {**_concept(row), "parents": self.parents(row[ID])}
        for concept, parents in before.items():
            if (now := self.parents(concept)) != parents:
                yield "concept", concept, {"parents": now}
        was: dict[str, bool] = {}
        for row in _spilled(folder, "language"):
            was.setdefault(row[5], row[5] in self.preferred)
            self._prefer(row[ID], row[5], row[ACTIVE] == "1" and row[6] == PREFERRED)
        for row in _spilled(folder, "description"):
            was.pop(row[ID], None)
            yield (
                "description",
                row[ID],
                {**_description(row), "preferred": row[ID] in self.preferred},
            )
        for description, preferred in was.items():
            if (description in self.preferred) != preferred:
                yield "description", description, {"preferred": not preferred}
        for kind in ("simple", "association"):
            for row in _spilled(folder, kind):
                if (mapping := _mapping(kind, row)) is not None:
                    yield mapping

    def parents(self, concept: str) -> list[str]:
        return sorted(set(self.is_a.get(concept, {}).values()))

    def _prefer(self, member: str, description: str, preferred: bool) -> None:
        if preferred and member not in self.preferring:
            self.preferring[member] = description
            self.preferred[description] = self.preferred.get(description, 0) + 1
        elif not preferred and member in self.preferring:
            description = self.preferring.pop(member)
            if left := self.preferred[description] - 1:
                self.preferred[description] = left
            else:
                del self.preferred[description]
