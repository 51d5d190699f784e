"""A collection's members at a time: its live references resolved to concepts and mappings,
as full OCL objects (``exporter.ocl_json``, with their source's URLs).

At ``HEAD`` (``at`` None) the references live now, unversioned ones read at the source's
working branch head. Under a version taken at ``T`` the references live at ``T``, unversioned
ones read at ``<working branch>@T``: the source exactly as committed up to ``T`` (the
version's time is a store commit time, see ``accounts.collections``), so a version never
changes. Pinned references read where their pin says, at any time: a concept or mapping
version (an edit time ``V``) at ``<working branch>@V``, a source version at its tag branch.

A reference whose source, source version or item is gone (deleted since), or whose source
the caller may not view (``may_view``, decided by ``api.ocl.access``), has no member;
retired items are left out unless ``includeRetired``; ``updatedSince`` keeps those edited
at or after it. Members come in reference order, streamed a batch of references at a time
(memory bounded by the batch), so the rows need no request: they run while a response is
sent, or in an export's build. In ``"component"`` order (an export: sorted by id) they come
by the referenced item's id, then its source, then the reference.

No Flask: the API's collection views (``api.ocl.members``) and the exports' builds
(``exporter.exports``) both stream through here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

from accounts import collections as records
from accounts import repositories
from accounts.collections import Collection, Reference
from accounts.repositories import Repository
from exporter import ocl_stream
from exporter.ocl_json import Place
from exporter.ocl_stream import Selection
from revisions import ReadPoint, RevisionStore
from revisions.errors import InvalidRequest, NotFound

BATCH = 500
KINDS = {"concepts": "concept", "mappings": "mapping"}


class _Sources:
    """The sources a stream meets, each looked up once: (place, locale, working branch)."""

    def __init__(
        self, engine_store: RevisionStore, may_view: Callable[[Repository | None], bool]
    ) -> None:
        self.store = engine_store
        self.may_view = may_view
        self.known: dict[str, tuple[Place, str, str] | None] = {}

    def of(self, codesystem_id: str) -> tuple[Place, str, str] | None:
        if codesystem_id not in self.known:
            self.known[codesystem_id] = self._find(codesystem_id)
        return self.known[codesystem_id]

    def _find(self, codesystem_id: str) -> tuple[Place, str, str] | None:
        repository = repositories.by_codesystem(self.store.engine, codesystem_id)
        if repository is None or not self.may_view(repository):
            return None
        try:
            codesystem = self.store.codesystems.get(codesystem_id)
        except NotFound:
            return None
        place = Place(repository.owner_type, repository.owner, repository.repo_id, codesystem_id)
        return place, codesystem.metadata.get("language") or "en", codesystem.branch_path


def point_of(engine_store: RevisionStore, reference: Reference, branch: str, at: int | None):
    """Where a reference reads (see the module docstring); None when its pin is gone."""
    target = reference.target
    if target.component_version is not None:
        return ReadPoint(branch, target.component_version)
    if target.source_version is not None:
        try:
            version = engine_store.codesystems.get_version(
                target.codesystem_id, target.source_version
            )
        except NotFound:
            return None
        return ReadPoint(version.branch_path)
    return ReadPoint(branch, at)


def _batch(
    engine_store: RevisionStore, sources: _Sources, refs: list[Reference], at: int | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(edit time, JSON) of each reference's member, in reference order."""
    groups: dict[tuple[str, Any, str], list[Reference]] = {}
    for ref in refs:
        found = sources.of(ref.target.codesystem_id)
        if found is None:
            continue
        point = point_of(engine_store, ref, found[2], at)
        if point is None:
            continue
        key = (ref.target.codesystem_id, point, ref.target.reference_type)
        groups.setdefault(key, []).append(ref)
    made: dict[int, tuple[int, dict[str, Any]]] = {}
    for (codesystem_id, point, kind), group in groups.items():
        place, locale, _ = sources.of(codesystem_id)  # type: ignore[misc]
        try:
            view = engine_store.view(point)
        except (NotFound, InvalidRequest):  # the branch was deleted, or not there at that time
            continue
        type_name = KINDS[kind]
        found = engine_store.get_many(view, type_name, [r.target.component_id for r in group])
        items = [found[r.target.component_id] for r in group if r.target.component_id in found]
        batch = ocl_stream.concept_batch if type_name == "concept" else ocl_stream.mapping_batch
        by_id = {
            data["id"]: (edited, data)
            for edited, data in batch(engine_store, view, place, items, locale=locale)
        }
        for ref in group:
            if ref.target.component_id in by_id:
                made[ref.id] = by_id[ref.target.component_id]
    for ref in refs:
        if ref.id in made:
            yield made[ref.id]


def stream(
    engine_store: RevisionStore,
    collection: Collection,
    at: int | None,
    kind: str,
    chosen: Selection,
    may_view: Callable[[Repository | None], bool],
    component_id: str | None = None,
    order: Literal["reference", "component"] = "reference",
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(edit time, OCL JSON) of the members of ``kind`` (``concepts`` or ``mappings``) live at
    ``at``, from the sources ``may_view`` allows, in ``order``."""
    sources = _Sources(engine_store, may_view)
    after: Any = None
    skipped, sent = 0, 0
    while True:
        refs = records.references(
            engine_store.engine,
            collection,
            at,
            reference_type=kind,
            component_id=component_id,
            after=after,
            limit=BATCH,
            by_component=order == "component",
        )
        if not refs:
            return
        for edited, data in _batch(engine_store, sources, refs, at):
            if data["retired"] and not chosen.include_retired:
                continue
            if chosen.since is not None and edited < chosen.since:
                continue
            if skipped < chosen.offset:
                skipped += 1
                continue
            yield edited, data
            sent += 1
            if chosen.limit is not None and sent >= chosen.limit:
                return
        last = refs[-1]
        after = records.reference_key(last) if order == "component" else last.id
