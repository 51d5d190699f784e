"""Transitive parents and children over the ``parents`` field of concepts, within one view."""

from __future__ import annotations

from sqlalchemy import Connection

from revisions.components import CONCEPT
from revisions.filters import Filter
from revisions.read import get_many, page
from revisions.visibility import View

CHUNK = 500
MAX_DEPTH = 100


def ancestors(connection: Connection, view: View, concept_id: str) -> set[str]:
    """Every concept reachable by following ``parents`` from ``concept_id`` (not itself)."""
    seen: set[str] = set()
    frontier = {concept_id}
    for _ in range(MAX_DEPTH):
        found = get_many(connection, CONCEPT, view, sorted(frontier))
        parents = {p for c in found.values() for p in (c.fields["parents"] or [])}
        frontier = parents - seen - {concept_id}
        if not frontier:
            break
        seen |= frontier
    return seen


def descendants(connection: Connection, view: View, concept_id: str) -> set[str]:
    """Every concept whose ``parents`` lead to ``concept_id`` (not itself)."""
    seen: set[str] = set()
    frontier = {concept_id}
    for _ in range(MAX_DEPTH):
        children = _children_of(connection, view, sorted(frontier))
        frontier = children - seen - {concept_id}
        if not frontier:
            break
        seen |= frontier
    return seen


def _children_of(connection: Connection, view: View, parents: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(parents), CHUNK):
        wanted = Filter.of(contains={"parents": parents[start : start + CHUNK]})
        after = None
        while True:
            items, after = page(connection, CONCEPT, view, wanted, after, 10_000)
            found.update(c.id for c in items)
            if after is None:
                break
    return found
