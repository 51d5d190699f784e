"""Parents and children of concepts within one view: direct, and transitive.

Children are read through ``concept_edges`` (migration 0010: a row per parent of every live
concept revision, kept by triggers), with the visibility rule applied to its rows exactly as
to the concepts' own (:func:`revisions.referring.rows_referring`: a shallower revision of
the child, a tombstone or one with other parents, hides a deeper edge). While a bulk load's
edges are still being derived (:mod:`revisions.derived`), children are found as before the
table existed, by testing the ``parents`` of every revision (:func:`scanned_children`): the
same answers, slower. Which of the two a read takes is its caller's ``edges`` (the store
remembers once the table is built for good: :class:`revisions.derived.Built`;
:func:`edges_built` asks the database). :func:`child_concepts` reads each child's revision
in the statement that finds it (the edge names the revision). Parents come from the
concepts themselves.

The transitive walks take many starting concepts at once: one breadth-first walk over the
union, level by level (one statement per level and chunk of ids, not per concept), then
each start's closure from the edges found, so a page of concepts costs about what its
deepest member does. Given a bound, a walk gives up (None) as soon as its lists would hold
more ids than that in all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping

from sqlalchemy import Connection

from revisions import derived, schema
from revisions.components import CONCEPT
from revisions.filters import Filter
from revisions.read import get_many, page
from revisions.records import Component
from revisions.referring import rows_referring
from revisions.rows import to_component
from revisions.visibility import View

CHUNK = 500
MAX_DEPTH = 100
# Concepts per step of a walk, so that a walk past its bound stops soon.
WALK_CHUNK = 2_000


def edges_built(connection: Connection) -> bool:
    """Whether children can be read through ``concept_edges`` (not pending derivation)."""
    return not derived.is_pending(connection, derived.EDGES)


def children_of(
    connection: Connection, view: View, ids: Iterable[str], *, edges: bool
) -> dict[str, list[str]]:
    """Per id in ``ids``, the concepts the view shows that name it in ``parents`` (id order);
    through ``concept_edges`` if ``edges`` (see :func:`edges_built`), else by a scan."""
    wanted = sorted(set(ids))
    if not edges:
        return scanned_children(connection, view, wanted)
    found: dict[str, set[str]] = {cid: set() for cid in wanted}
    rows = rows_referring(
        connection, schema.concept_edges, "parent_id", view, wanted, schema.concepts, deleted=False
    )
    for row in rows:
        found[row["parent_id"]].add(row["component_id"])
    return {cid: sorted(children) for cid, children in found.items()}


def child_concepts(
    connection: Connection, view: View, ids: Iterable[str], *, edges: bool
) -> dict[str, list[Component]]:
    """Per id in ``ids``, the concepts the view shows that name it in ``parents`` (id
    order): :func:`children_of` with each child's revision read in the same statement."""
    wanted = sorted(set(ids))
    found: dict[str, list[Component]] = {cid: [] for cid in wanted}
    if not edges:
        listed = scanned_children(connection, view, wanted)
        shown = get_many(connection, CONCEPT, view, {c for kids in listed.values() for c in kids})
        return {cid: [shown[c] for c in kids if c in shown] for cid, kids in listed.items()}
    rows = rows_referring(
        connection,
        schema.concept_edges,
        "parent_id",
        view,
        wanted,
        schema.concepts,
        deleted=False,
        revisions=schema.concepts,
    )
    for row in sorted(rows, key=lambda r: r["component_id"]):
        found[row["parent_id"]].append(to_component(CONCEPT, view, row))
    return found


def scanned_children(
    connection: Connection, view: View, ids: Iterable[str]
) -> dict[str, list[str]]:
    """:func:`children_of` without the edges table: a page of every concept whose
    ``parents`` holds one of the ids (no index serves it; the answer when edges are pending,
    and what tests hold the table's answers against)."""
    wanted = sorted(set(ids))
    found: dict[str, set[str]] = {cid: set() for cid in wanted}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        after = None
        while True:
            items, after = page(
                connection, CONCEPT, view, Filter.of(contains={"parents": chunk}), after, 10_000
            )
            for child in items:
                for parent in child.fields["parents"] or []:
                    if parent in found:
                        found[parent].add(child.id)
            if after is None:
                break
    return {cid: sorted(children) for cid, children in found.items()}


def parents_of(connection: Connection, view: View, ids: Iterable[str]) -> dict[str, list[str]]:
    """Per id in ``ids`` that the view shows, the ids in its ``parents``."""
    found = get_many(connection, CONCEPT, view, ids)
    return {cid: list(dict.fromkeys(c.fields["parents"] or [])) for cid, c in found.items()}


def ancestors(connection: Connection, view: View, concept_id: str) -> set[str]:
    """Every concept reachable by following ``parents`` from ``concept_id`` (not itself)."""
    found = ancestors_of(connection, view, [concept_id])
    assert found is not None  # no bound given
    return set(found[concept_id])


def descendants(connection: Connection, view: View, concept_id: str, *, edges: bool) -> set[str]:
    """Every concept whose ``parents`` lead to ``concept_id`` (not itself)."""
    found = descendants_of(connection, view, [concept_id], edges=edges)
    assert found is not None  # no bound given
    return set(found[concept_id])


def ancestors_of(
    connection: Connection, view: View, ids: Iterable[str], most: int | None = None
) -> dict[str, list[str]] | None:
    """Per id, every concept above it through ``parents`` (not itself), in id order; None
    if the lists would hold more than ``most`` ids in all."""
    ids = list(ids)
    edges = _walk(connection, view, ids, parents_of, most)
    return None if edges is None else _closures(ids, edges, most)


def descendants_of(
    connection: Connection,
    view: View,
    ids: Iterable[str],
    most: int | None = None,
    *,
    edges: bool,
) -> dict[str, list[str]] | None:
    """Per id, every concept below it through ``parents`` (not itself), in id order; None
    if the lists would hold more than ``most`` ids in all."""
    ids = list(ids)
    found = _walk(connection, view, ids, functools.partial(children_of, edges=edges), most)
    return None if found is None else _closures(ids, found, most)


Step = Callable[[Connection, View, Iterable[str]], dict[str, list[str]]]


def _walk(
    connection: Connection, view: View, ids: list[str], step: Step, most: int | None
) -> dict[str, list[str]] | None:
    """The edges ``step`` gives for every concept reachable from ``ids`` (up to
    :data:`MAX_DEPTH` levels), one call per level and :data:`WALK_CHUNK` concepts; None as
    soon as more than ``most`` concepts besides ``ids`` are reached (every one of them is
    in some start's list, so the lists would hold more)."""
    edges: dict[str, list[str]] = {}
    frontier = sorted(set(ids))
    reached: set[str] = set(frontier)
    for _ in range(MAX_DEPTH):
        for start in range(0, len(frontier), WALK_CHUNK):
            found = step(connection, view, frontier[start : start + WALK_CHUNK])
            edges.update(found)
            reached.update(n for near in found.values() for n in near)
            if most is not None and len(reached) > most + len(ids):
                return None
        for cid in frontier:
            edges.setdefault(cid, [])
        frontier = sorted(reached - edges.keys())
        if not frontier:
            break
    return edges


def _closures(
    ids: Iterable[str], edges: Mapping[str, list[str]], most: int | None
) -> dict[str, list[str]] | None:
    """Per id, every concept reachable from it over ``edges``, without itself; None past
    ``most`` ids in all."""
    result = {}
    total = 0
    for start in dict.fromkeys(ids):
        seen: set[str] = set()
        stack = list(edges.get(start, ()))
        while stack:
            cid = stack.pop()
            if cid not in seen:
                seen.add(cid)
                stack.extend(edges.get(cid, ()))
        seen.discard(start)
        total += len(seen)
        if most is not None and total > most:
            return None
        result[start] = sorted(seen)
    return result
