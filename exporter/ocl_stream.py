"""Concepts and mappings of a view as OCL JSON (``exporter.ocl_json``), streamed in batches:
memory is bounded by the batch, whatever the repository's size, and one view (resolved once
by the caller) makes a stream one consistent snapshot.

A concept's OCL ``version`` is the commit timestamp of the last edit to it or to one of its
descriptions; its versions are those timestamps (:func:`concept_times`, over
:func:`revisions.history.edit_times`). Used by the OCL API (pages and windows, batch by
batch) and the exports (:func:`view_concepts`, :func:`view_mappings`: a whole view, read
by a few streamed statements merged in id order, the same JSON).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from exporter.ocl_json import Place, concept_json, display, mapping_json
from revisions import RevisionStore
from revisions.components import TYPES
from revisions.filters import Filter
from revisions.records import Component, Stored
from revisions.visibility import View

BATCH = 500
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Selection:
    """Which concepts or mappings a stream yields: retired ones too or not, only those
    edited at or after ``since`` (epoch ms), skipping ``offset``, at most ``limit``
    (None: all)."""

    include_retired: bool = False
    since: int | None = None
    offset: int = 0
    limit: int | None = None

    def filter(self) -> Filter:
        return Filter() if self.include_retired else Filter.of(active=True)

    @property
    def whole(self) -> bool:
        """Every one (no window, no ``since``): the whole-view streams can serve it."""
        return self.offset == 0 and self.limit is None and self.since is None


CONCEPT_PARTS = ((TYPES["concept"], "component_id"), (TYPES["description"], "concept_id"))
MAPPING_PARTS = ((TYPES["mapping"], "component_id"),)


def concept_times(store: RevisionStore, view: View, ids: list[str]) -> dict[str, list[int]]:
    """Per concept id, the edit times of the concept and its descriptions, ascending."""
    return store.edit_times(view, CONCEPT_PARTS, ids)


def mapping_times(store: RevisionStore, view: View, ids: list[str]) -> dict[str, list[int]]:
    return store.edit_times(view, MAPPING_PARTS, ids)


def descriptions_of(store: RevisionStore, view: View, ids: list[str]) -> dict[str, list[Component]]:
    return store.referring(view, "description", "concept_id", ids)


def concept_batch(
    store: RevisionStore, view: View, place: Place, concepts: list[Component], **options: Any
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(version time, OCL JSON) of each concept of a batch, in order."""
    ids = [c.id for c in concepts]
    descriptions = descriptions_of(store, view, ids)
    times = concept_times(store, view, ids)
    for concept in concepts:
        ctimes = times.get(concept.id) or [concept.timestamp]
        data = concept_json(place, concept, descriptions.get(concept.id, []), ctimes, **options)
        yield ctimes[-1], data


def mapping_batch(
    store: RevisionStore, view: View, place: Place, mappings: list[Component], **options: Any
) -> Iterator[tuple[int, dict[str, Any]]]:
    ids = [m.id for m in mappings]
    times = mapping_times(store, view, ids)
    sources = sorted({m.fields["source_id"] for m in mappings})
    names = descriptions_of(store, view, sources)
    locale = options.pop("locale", "en")
    for mapping in mappings:
        mtimes = times.get(mapping.id) or [mapping.timestamp]
        from_name, _ = display(names.get(mapping.fields["source_id"], []), locale)
        yield mtimes[-1], mapping_json(place, mapping, mtimes, from_name=from_name, **options)


def _stream(
    store: RevisionStore,
    view: View,
    place: Place,
    type_name: str,
    selection: Selection,
    **options: Any,
) -> Iterator[dict[str, Any]]:
    """Pages of the view in id order, each turned into OCL JSON as one batch. Without
    ``since`` the window (offset, limit) is cut from the components, so skipped ones cost
    no JSON; with it, only the JSON's edit time says which ones count."""
    batch_of = concept_batch if type_name == "concept" else mapping_batch
    after: Any = None
    skip, left = selection.offset, selection.limit
    while left is None or left > 0:
        page = store.page(view, type_name, selection.filter(), after=after, limit=BATCH)
        items = page.items
        if selection.since is None:
            cut = min(skip, len(items))
            skip, items = skip - cut, items[cut:]
            items = items if left is None else items[:left]
        for edited, data in batch_of(store, view, place, items, **options):
            if selection.since is not None and edited < selection.since:
                continue
            if selection.since is not None and skip:
                skip -= 1
                continue
            yield data
            if left is not None:
                left -= 1
                if left == 0:
                    return
        if page.next_after is None or not page.items:
            return
        after = page.next_after


def concepts(
    store: RevisionStore, view: View, place: Place, selection: Selection, **options: Any
) -> Iterator[dict[str, Any]]:
    """The view's concepts as OCL JSON, in id order, streamed in batches."""
    return _stream(store, view, place, "concept", selection, **options)


def mappings(
    store: RevisionStore, view: View, place: Place, selection: Selection, **options: Any
) -> Iterator[dict[str, Any]]:
    """The view's mappings as OCL JSON, in id order, streamed in batches."""
    return _stream(store, view, place, "mapping", selection, **options)


# --- whole views (the exports) ------------------------------------------------------------
# A whole version is read by a few streamed statements (revisions.RevisionStore.scan), each
# in id order, merged here: no statement per batch, no probe per component.


def _lookup_in_order(pairs: Iterator[tuple[str, V]]) -> Callable[[str], V | None]:
    """Look up keys, asked for in ascending order, in ``pairs`` (ascending keys): each pair
    is read once; keys in ``pairs`` never asked for are skipped."""
    current = next(pairs, None)

    def at(key: str) -> V | None:
        nonlocal current
        while current is not None and current[0] < key:
            current = next(pairs, None)
        return current[1] if current is not None and current[0] == key else None

    return at


def _grouped(components: Iterator[Stored], field: str) -> Iterator[tuple[str, list[Stored]]]:
    """Runs of ``components`` with the same ``field``, as (that value, the run)."""
    for key, run in itertools.groupby(components, key=lambda c: c.fields[field]):
        yield key, list(run)


def view_concepts(
    store: RevisionStore, view: View, place: Place, **options: Any
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(version time, OCL JSON) of every concept the view shows, retired ones included, in
    id order: what :func:`concept_batch` gives, from three streams (the concepts, their
    descriptions by concept, the edit times) merged by id."""
    by_concept = store.scan_stored(view, "description", ("concept_id",))
    descriptions = _lookup_in_order(_grouped(by_concept, "concept_id"))
    times = _lookup_in_order(store.scan_edit_times(view, CONCEPT_PARTS))
    for concept in store.scan_stored(view, "concept"):
        ctimes = times(concept.id) or [concept.timestamp]
        data = concept_json(place, concept, descriptions(concept.id) or [], ctimes, **options)
        yield ctimes[-1], data


def view_mappings(
    store: RevisionStore, view: View, place: Place, names: Mapping[str, str | None]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(version time, OCL JSON) of every mapping the view shows, retired ones included, in
    id order, from two streams (the mappings, their edit times); ``from_concept_name`` is
    looked up in ``names`` (concept id -> display name)."""
    times = _lookup_in_order(store.scan_edit_times(view, MAPPING_PARTS))
    for mapping in store.scan_stored(view, "mapping"):
        mtimes = times(mapping.id) or [mapping.timestamp]
        from_name = names.get(mapping.fields["source_id"])
        yield mtimes[-1], mapping_json(place, mapping, mtimes, from_name=from_name)


def whole_concepts(
    store: RevisionStore,
    view: View,
    place: Place,
    selection: Selection,
    names: dict[str, str | None],
    **options: Any,
) -> Iterator[dict[str, Any]]:
    """:func:`concepts` for a :attr:`Selection.whole` selection, from the whole-view streams
    (:func:`view_concepts`); every concept's display name is kept in ``names`` (retired ones
    too), for :func:`whole_mappings`."""
    for _, data in view_concepts(store, view, place, **options):
        names[data["id"]] = data["display_name"]
        if selection.include_retired or not data["retired"]:
            yield data


def whole_mappings(
    store: RevisionStore,
    view: View,
    place: Place,
    selection: Selection,
    names: Mapping[str, str | None],
) -> Iterator[dict[str, Any]]:
    """:func:`mappings` for a :attr:`Selection.whole` selection, once :func:`whole_concepts`
    filled ``names`` with every concept of the view."""
    for _, data in view_mappings(store, view, place, names):
        if selection.include_retired or not data["retired"]:
            yield data
