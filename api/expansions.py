"""Concept expansions: ``fsn()``, ``pt()``, ``descriptions()``, ``mappings()``, ``parents()``,
``children()``, ``ancestors()``, ``descendants()``.

Each expansion is computed for a whole page at once (one query per kind, not per concept).
Collections use the list envelope with a ``limit`` option (default 50); concept collections
take a nested ``expand(...)``. ``parents()`` is returned as ``parentConcepts`` so that the
``parents`` field keeps its meaning (a list of ids).
"""

from __future__ import annotations

from typing import Any

from api import render
from api.expand import ExpandError, Expansion
from api.paging import DEFAULT_LIMIT, MAX_LIMIT
from api.services import store
from revisions import Component, Filter, View

FSN_TYPES = frozenset({"FSN", "FULLY_SPECIFIED", "Fully Specified", "FULLY SPECIFIED"})
DEFINITION_TYPES = frozenset({"DEFINITION", "Definition"})
_CHUNK = 500
_KEYS = {"parents": "parentConcepts"}
# The options each expansion takes ("expand" = a nested expand(...)).
OPTIONS: dict[str, tuple[str, ...]] = {
    "fsn": (),
    "pt": (),
    "descriptions": ("limit",),
    "mappings": ("limit",),
    **dict.fromkeys(("parents", "children", "ancestors", "descendants"), ("limit", "expand")),
}


def expand_concepts(
    view: View, items: list[Component], rendered: list[dict[str, Any]], wanted: dict[str, Expansion]
) -> None:
    """Add the wanted expansions to ``rendered`` (the JSON of ``items``, same order)."""
    check(wanted)
    ids = [item.id for item in items]
    if {"fsn", "pt", "descriptions"} & wanted.keys():
        by_concept = _grouped(view, "description", "concept_id", ids)
        for item, data in zip(items, rendered, strict=True):
            found = by_concept.get(item.id, [])
            if "fsn" in wanted and (fsn := _fsn(found)) is not None:
                data["fsn"] = render.component(fsn)
            if "pt" in wanted and (pt := _pt(found)) is not None:
                data["pt"] = render.component(pt)
            if "descriptions" in wanted:
                data["descriptions"] = _envelope(found, wanted["descriptions"])
    if "mappings" in wanted:
        by_source = _grouped(view, "mapping", "source_id", ids)
        for item, data in zip(items, rendered, strict=True):
            data["mappings"] = _envelope(by_source.get(item.id, []), wanted["mappings"])
    for name in ("parents", "children", "ancestors", "descendants"):
        if name in wanted:
            related = _related(view, items, name)
            for item, data in zip(items, rendered, strict=True):
                data[_KEYS.get(name, name)] = _concept_envelope(
                    view, related[item.id], wanted[name]
                )


def check(wanted: dict[str, Expansion]) -> None:
    """:class:`~api.expand.ExpandError` for unknown expansions or options, at any depth."""
    for name, expansion in wanted.items():
        if name not in OPTIONS:
            raise ExpandError(f"unknown expansion '{name}()' for concepts", 0)
        expansion.check_options(name, OPTIONS[name])
        check(expansion.expand)


def _grouped(view: View, type_name: str, field: str, ids: list[str]) -> dict[str, list[Component]]:
    grouped: dict[str, list[Component]] = {}
    for start in range(0, len(ids), _CHUNK):
        wanted = Filter.of(**{field: tuple(ids[start : start + _CHUNK])})
        after = None
        while True:
            page = store().page(view, type_name, wanted, after=after, limit=MAX_LIMIT)
            for component in page.items:
                grouped.setdefault(component.fields[field], []).append(component)
            if (after := page.next_after) is None:
                break
    return grouped


def _fsn(descriptions: list[Component]) -> Component | None:
    found = [d for d in descriptions if d.fields["active"] and d.fields["type"] in FSN_TYPES]
    found.sort(key=lambda d: (not d.fields["preferred"], d.id))
    return found[0] if found else None


def _pt(descriptions: list[Component]) -> Component | None:
    """The preferred name: preferred before not, synonyms before FSNs, then by id."""
    names = [
        d for d in descriptions if d.fields["active"] and d.fields["type"] not in DEFINITION_TYPES
    ]
    names.sort(key=lambda d: (not d.fields["preferred"], d.fields["type"] in FSN_TYPES, d.id))
    return names[0] if names else None


def _envelope(components: list[Component], options: Expansion) -> dict[str, Any]:
    limit = options.int_option("limit", DEFAULT_LIMIT, MAX_LIMIT)
    return {
        "items": [render.component(c) for c in components[:limit]],
        "offset": 0,
        "limit": limit,
        "total": len(components),
    }


def _related(view: View, items: list[Component], name: str) -> dict[str, list[str]]:
    if name == "parents":
        return {item.id: sorted(item.fields["parents"] or []) for item in items}
    if name == "children":
        ids = [item.id for item in items]
        children: dict[str, list[str]] = {item.id: [] for item in items}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            wanted = Filter.of(contains={"parents": chunk})
            after = None
            while True:
                page = store().page(view, "concept", wanted, after=after, limit=MAX_LIMIT)
                for child in page.items:
                    for parent in child.fields["parents"] or []:
                        if parent in children:
                            children[parent].append(child.id)
                if (after := page.next_after) is None:
                    break
        return children
    walk = store().ancestors if name == "ancestors" else store().descendants
    return {item.id: sorted(walk(view, item.id)) for item in items}


def _concept_envelope(view: View, ids: list[str], options: Expansion) -> dict[str, Any]:
    limit = options.int_option("limit", DEFAULT_LIMIT, MAX_LIMIT)
    chosen = ids[:limit]
    found = store().get_many(view, "concept", chosen)
    concepts = [found[cid] for cid in chosen if cid in found]
    rendered = [render.component(c) for c in concepts]
    if options.expand:
        expand_concepts(view, concepts, rendered, options.expand)
    return {"items": rendered, "offset": 0, "limit": limit, "total": len(ids)}
