"""Concept expansions: ``fsn()``, ``pt()``, ``descriptions()``, ``mappings()``, ``parents()``,
``children()``, ``ancestors()``, ``descendants()``; and their cost budget.

Each expansion is computed for a whole page at once: one indexed read per kind and chunk of
ids (:mod:`revisions.referring`, :mod:`revisions.hierarchy`), never one per concept; a
nested ``expand(...)`` is computed once for the union of the concepts every item lists, so
its cost is that of one more page. Collections use the list envelope with a ``limit``
option (default 50); concept collections take a nested ``expand(...)``. ``parents()`` is
returned as ``parentConcepts`` so that the ``parents`` field keeps its meaning (a list of
ids).

**The budget** (docs/api.md, "Expansion budget"): :func:`validate` runs before anything is
read, checks every name and option at every depth, and refuses (:class:`TooCostly`, a 400)
a request whose :func:`cost` exceeds :data:`BUDGET`: per concept of the page, one unit for
the descriptions (``fsn``, ``pt``, ``descriptions`` read them once), one for the mappings,
and per concept collection its :data:`WEIGHTS` plus ``limit`` times the cost of its nested
expansions per listed concept. Walks are bounded while they run as well: ``ancestors()``
and ``descendants()`` refuse a page whose walk reaches more than :data:`MAX_REACHED`
concepts (the size of an answer is known only then).
"""

from __future__ import annotations

from typing import Any

from flask import request

from api import render
from api.expand import ExpandError, Expansion
from api.paging import DEFAULT_LIMIT, MAX_LIMIT
from api.services import store
from revisions import Component, View

FSN_TYPES = frozenset({"FSN", "FULLY_SPECIFIED", "Fully Specified", "FULLY SPECIFIED"})
DEFINITION_TYPES = frozenset({"DEFINITION", "Definition"})
_KEYS = {"parents": "parentConcepts"}
RELATIONS = ("parents", "children", "ancestors", "descendants")
# The options each expansion takes ("expand" = a nested expand(...)).
OPTIONS: dict[str, tuple[str, ...]] = {
    "fsn": (),
    "pt": (),
    "descriptions": ("limit",),
    "mappings": ("limit",),
    **dict.fromkeys(RELATIONS, ("limit", "expand")),
}
# The budget, in units (see the module docstring): a page of 10,000 with one kind of
# expansion, 5,000 with two; set from the benchmark on the SNOMED-sized set (BENCHMARKS.md),
# where twice these pages took up to 2.7 s on the shared 2-core machine.
BUDGET = 10_000
# Units per concept of the page for each concept collection, before its nested expansions:
# children bring their own content (about three concepts per parent); a walk reads as many
# levels as the hierarchy is deep, and a SNOMED-sized concept has some 10-30 ancestors: at
# 20 units a page of 500 lists about 12,500, within MAX_RELATED (at 3, the budget allowed
# 3,333 concepts, whose ancestors the walk bound then always refused).
WEIGHTS = {"parents": 1, "children": 2, "ancestors": 20, "descendants": 10}
# The most concepts ancestors() or descendants() may list for one page, all items together
# (each walk's answers are known only once it has run).
MAX_RELATED = 20_000


class TooCostly(ExpandError):
    """An expansion the budget refuses (a 400, like every malformed ``expand``)."""

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)
        self.message = message
        self.position = 0


def validate(wanted: dict[str, Expansion], page: int) -> None:
    """Before reading: :class:`ExpandError` for unknown names or options, or option values
    out of range, at any depth; :class:`TooCostly` over the budget on a page of ``page``."""
    check(wanted)
    spent = page * cost(wanted)
    if spent > BUDGET:
        most = largest_page(wanted)
        advice = (
            f"ask for at most {most:,} concepts per page with these expansions"
            if most
            else "lower the nested limits"
        )
        raise TooCostly(
            f"The expansions cost {cost(wanted):,} units per concept, {spent:,} on a page of "
            f"{page:,}; the budget is {BUDGET:,} units a request: {advice}."
        )


def check(wanted: dict[str, Expansion]) -> None:
    """:class:`ExpandError` for unknown expansions, options or option values, at any depth."""
    for name, expansion in wanted.items():
        if name not in OPTIONS:
            raise ExpandError(f"unknown expansion '{name}()' for concepts", 0)
        expansion.check_options(name, OPTIONS[name])
        _limit(expansion)
        check(expansion.expand)


def cost(wanted: dict[str, Expansion]) -> int:
    """The budget units one concept of a page costs with ``wanted`` (checked)."""
    units = int(bool({"fsn", "pt", "descriptions"} & wanted.keys())) + int("mappings" in wanted)
    for name in RELATIONS:
        if name in wanted:
            units += WEIGHTS[name] + _limit(wanted[name]) * cost(wanted[name].expand)
    return units


def largest_page(wanted: dict[str, Expansion]) -> int:
    """The largest page the budget allows with ``wanted`` (0: none)."""
    units = cost(wanted)
    return MAX_LIMIT if units == 0 else min(MAX_LIMIT, BUDGET // units)


def by_language(wanted: dict[str, Expansion]) -> bool:
    """Whether the expansions depend on more than the view: ``fsn()`` and ``pt()`` pick by
    the request's languages and the code system's default one (which an edit of its
    metadata changes), so such a read is not kept (``api.readcache``)."""
    return bool({"fsn", "pt"} & wanted.keys())


def expand_concepts(
    view: View, items: list[Component], rendered: list[dict[str, Any]], wanted: dict[str, Expansion]
) -> None:
    """Add the wanted expansions to ``rendered`` (the JSON of ``items``, same order)."""
    check(wanted)
    ids = [item.id for item in items]
    if {"fsn", "pt", "descriptions"} & wanted.keys():
        by_concept = store().referring(view, "description", "concept_id", ids)
        languages = wanted_languages(view) if by_language(wanted) else []
        for item, data in zip(items, rendered, strict=True):
            found = by_concept.get(item.id, [])
            if "fsn" in wanted and (fsn := _fsn(found, languages)) is not None:
                data["fsn"] = render.component(fsn)
            if "pt" in wanted and (pt := _pt(found, languages)) is not None:
                data["pt"] = render.component(pt)
            if "descriptions" in wanted:
                data["descriptions"] = _envelope(found, wanted["descriptions"])
    if "mappings" in wanted:
        by_source = store().referring(view, "mapping", "source_id", ids)
        for item, data in zip(items, rendered, strict=True):
            data["mappings"] = _envelope(by_source.get(item.id, []), wanted["mappings"])
    for name in RELATIONS:
        if name in wanted:
            related, known = _related(view, items, name)
            envelopes = _concept_envelopes(view, related, known, wanted[name])
            for item, data in zip(items, rendered, strict=True):
                data[_KEYS.get(name, name)] = envelopes[item.id]


def _limit(expansion: Expansion) -> int:
    return expansion.int_option("limit", DEFAULT_LIMIT, MAX_LIMIT)


def _fsn(descriptions: list[Component], languages: list[str]) -> Component | None:
    """The fully specified name in the best language: then preferred first, then by id."""
    found = [d for d in descriptions if d.fields["active"] and d.fields["type"] in FSN_TYPES]
    found.sort(
        key=lambda d: (
            language_rank(d.fields["language_code"], languages),
            not d.fields["preferred"],
            d.id,
        )
    )
    return found[0] if found else None


def _pt(descriptions: list[Component], languages: list[str]) -> Component | None:
    """The preferred term in the best language: a synonym (any name but an FSN) before an
    FSN, then preferred before not, then by id."""
    names = [
        d for d in descriptions if d.fields["active"] and d.fields["type"] not in DEFINITION_TYPES
    ]
    names.sort(
        key=lambda d: (
            language_rank(d.fields["language_code"], languages),
            d.fields["type"] in FSN_TYPES,
            not d.fields["preferred"],
            d.id,
        )
    )
    return names[0] if names else None


def wanted_languages(view: View) -> list[str]:
    """The languages ``pt()`` and ``fsn()`` look for, best first: the request's
    ``Accept-Language`` by q-value (``*`` and q=0 left out), then the default locale of the
    code system the path belongs to (its metadata's ``language``), then ``en``."""
    asked = [tag for tag, quality in request.accept_languages if quality > 0 and tag != "*"]
    return [*asked, codesystem_language(view), "en"]


def codesystem_language(view: View) -> str:
    """The ``language`` of the deepest code system whose working branch holds the view's
    branch ("en" when none says)."""
    path = view.paths.get(view.segments[0].branch_id, "") if view.segments else ""
    best, depth = "en", -1
    for codesystem in store().codesystems.list():
        home = codesystem.branch_path
        if (path == home or path.startswith(home + "/")) and home.count("/") > depth:
            language = codesystem.metadata.get("language")
            best = language if isinstance(language, str) and language else "en"
            depth = home.count("/")
    return best


def language_rank(code: str | None, languages: list[str]) -> int:
    """Where a description's language comes in ``languages`` (lower is better): the same
    tag ranks first, then the same primary language (``fr-CA`` for ``fr``, ``fr`` for
    ``fr-CA``); a language not listed ranks last."""
    tag = (code or "").lower()
    primary = tag.split("-", 1)[0]
    for index, listed in enumerate(language.lower() for language in languages):
        if tag == listed:
            return 2 * index
        if primary == listed.split("-", 1)[0]:
            return 2 * index + 1
    return 2 * len(languages)


def _envelope(components: list[Component], options: Expansion) -> dict[str, Any]:
    limit = _limit(options)
    return {
        "items": [render.component(c) for c in components[:limit]],
        "offset": 0,
        "limit": limit,
        "total": len(components),
    }


def _related(
    view: View, items: list[Component], name: str
) -> tuple[dict[str, list[str]], dict[str, Component]]:
    """Per item, the ids of its concepts of relation ``name``, in id order; and those of
    the concepts already read (children come with their content)."""
    ids = [item.id for item in items]
    if name == "parents":
        return {item.id: sorted(item.fields["parents"] or []) for item in items}, {}
    if name == "children":
        children = store().child_concepts(view, ids)
        known = {c.id: c for listed in children.values() for c in listed}
        return {cid: [c.id for c in listed] for cid, listed in children.items()}, known
    walk = store().ancestors_of if name == "ancestors" else store().descendants_of
    found = walk(view, ids, most=MAX_RELATED)
    if found is None:
        raise TooCostly(
            f"{name}() of this page lists more than {MAX_RELATED:,} concepts in all, more "
            f"than can be answered in bounded time: ask for fewer concepts per page, or page "
            f"through them with the '{'descendant' if name == 'ancestors' else 'ancestor'}' "
            "filter."
        )
    return found, {}


def _concept_envelopes(
    view: View, related: dict[str, list[str]], known: dict[str, Component], options: Expansion
) -> dict[str, dict[str, Any]]:
    """Per item, the envelope of its related concepts: the first ``limit`` of each read
    (unless ``known``) and expanded together, once per distinct concept."""
    limit = _limit(options)
    chosen = {cid: ids[:limit] for cid, ids in related.items()}
    distinct = sorted({cid for ids in chosen.values() for cid in ids})
    unknown = [cid for cid in distinct if cid not in known]
    found = {**known, **(store().get_many(view, "concept", unknown) if unknown else {})}
    concepts = [found[cid] for cid in distinct if cid in found]
    shown = [render.component(c) for c in concepts]
    if options.expand and concepts:
        expand_concepts(view, concepts, shown, options.expand)
    by_id = dict(zip((c.id for c in concepts), shown, strict=True))
    return {
        cid: {
            "items": [by_id[i] for i in ids if i in by_id],
            "offset": 0,
            "limit": limit,
            "total": len(related[cid]),
        }
        for cid, ids in chosen.items()
    }
