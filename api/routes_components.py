"""The native API's component routes (a part of :mod:`api.routes`' table): for each kind
(concepts, descriptions, mappings) its list, search, create, read, update, delete and
history rows, with their filters and the OpenAPI links from a create to what follows it."""

from __future__ import annotations

from functools import partial

from api import render
from api import schemas as s
from api.openapi import Route
from api.shapes import camel
from api.views import components

_CREATED_COMPONENT = {"path": "$request.path.path", "component_id": "$request.body#/id"}


def links(
    prefix: str, names: tuple[str, ...], parameters: dict[str, str]
) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """OpenAPI links from a create to what reads, changes and deletes what it created."""
    return tuple((name, f"{prefix}_{name}", tuple(parameters.items())) for name in names)


# A search filter's kind (api.views.components.Param), in words: {plural} the component
# type's plural, {field} the field it filters by (its API name), {term_of} what term matches.
_FILTERS = {
    "ids": "Only {plural} with one of these ids (repeat the parameter for several).",
    "bool": "true: only active {plural}; false: only inactive ones.",
    "term": (
        "Words, each of which must start a word of {term_of}, in any order, "
        "case-insensitive; the best matches come first (sort score)."
    ),
    "eq": "Only {plural} whose {field} is this value.",
    "contains": "Only the direct children of this concept (concepts whose parents hold it).",
    "effective": "Only {plural} whose effectiveTime is this date (yyyyMMdd or yyyy-MM-dd).",
}
_TREE = {
    "ancestor": "Only concepts below this one, at any depth (its descendants).",
    "descendant": "Only concepts above this one, at any depth (its ancestors).",
}
_PATH_WORDS = (
    "The path, the URL's first part, names what is read: a branch (MAIN/DEMO), a code "
    "system (DEMO) or its version (DEMO/v1), at a point in time (MAIN/DEMO@1700000000000) or "
    "as a branch's base (MAIN/DEMO/task^); writes take a branch."
)


def _filter_words(plural: str, kind: components.Kind) -> tuple[tuple[str, str], ...]:
    """Each search filter of ``kind`` in words, from the filter's rule."""
    one = kind.type
    words = []
    for name, param in kind.params.items():
        text = _TREE.get(name) or _FILTERS[param.kind]
        term_of = "an active description" if one == "concept" else "the term"
        words.append((name, text.format(plural=plural, field=camel(param.field), term_of=term_of)))
    return tuple(words)


def component_routes(plural: str, kind: components.Kind) -> list[Route]:
    one = kind.type
    filters = _filter_words(plural, kind)
    cascade = {
        "concept": (
            " A concept takes its descriptions and outgoing mappings with it; 409 while "
            "other concepts' mappings point at it."
        ),
    }.get(one, "")
    inline = (
        " Its descriptions and mappings may come inline (as in Snow Owl): all are made in "
        "one commit, each taking the new concept's id as conceptId/sourceId."
        if kind.create_schema
        else ""
    )
    shape = render.COMPONENTS[one]
    schema_out, schema_list = shape.schema, shape.list_schema
    base = f"/<path:path>/{plural}"
    item = f"{base}/<component:component_id>"
    params = (*kind.params, "limit", "offset", "searchAfter", "expand", "sort")
    tag = (plural,)
    return [
        Route(
            base,
            f"{one}_search",
            partial(components.search, plural=plural),
            "GET",
            f"Search {plural}",
            response=schema_list,
            query=params,
            parameters=filters,
            description=(
                f"A page of the {plural} visible at the path, filtered by the parameters (all "
                "must hold), in the list envelope (items, total, limit, searchAfter; "
                "X-Total-Count repeats total). Page with limit and offset, or deeper with "
                "searchAfter; pin the path with @ for pages stable under commits. Unknown "
                "parameters are 400. Also as text/csv and text/plain (Accept). " + _PATH_WORDS
            ),
            lists=True,
            tags=tag,
            kind=one,
            expansions=kind.expansions,
        ),
        Route(
            f"{base}/search",
            f"{one}_search_post",
            partial(components.search, plural=plural, from_body=True),
            "POST",
            f"Search {plural} (parameters in the body)",
            body=s.search_body(one, tuple(kind.params)),
            response=schema_list,
            parameters=filters,
            description=(
                f"The same search as GET …/{plural}, its parameters as a JSON object (id "
                "may be a list; null is taken as absent), for filters too long for a URL. "
                + _PATH_WORDS
            ),
            lists=True,
            tags=tag,
            kind=one,
            expansions=kind.expansions,
        ),
        Route(
            base,
            f"{one}_create",
            partial(components.create, plural=plural),
            "POST",
            f"Create a {one}"
            + (" (with its descriptions and mappings)" if kind.create_schema else ""),
            body=kind.creates_with,
            status=201,
            description=(
                f"Creates a {one} on the branch in one commit (author: the X-Author header; "
                "comment: commitComment, else generated). The id is optional: a random hex "
                f"id is made. 201 with the new {one}'s Location. Referenced components must "
                "be visible on the branch (400 naming them); an id already there is 409." + inline
            ),
            tags=tag,
            kind=one,
            expansions=kind.expansions,
            links=links(one, ("get", "update", "delete", "history"), _CREATED_COMPONENT),
        ),
        Route(
            item,
            f"{one}_get",
            partial(components.get, plural=plural),
            "GET",
            f"Get a {one}",
            response=schema_out,
            query=("expand",),
            description=(
                f"The {one} as the path sees it, with released and effectiveTime derived "
                "from the code system's versions (Snow Owl's rules), and an ETag for "
                "If-None-Match (304) and If-Match. 404 when it is not visible there. " + _PATH_WORDS
            ),
            tags=tag,
            kind=one,
            expansions=kind.expansions,
        ),
        Route(
            item,
            f"{one}_update",
            partial(components.update, plural=plural),
            "PUT",
            f"Update a {one} (only the given fields)",
            body=kind.schema,
            status=204,
            description=(
                "Changes only the fields the body gives (Snow Owl's update), in one commit; "
                "the others are kept. An id in the body must be the URL's. Editing a released "
                "component keeps released and clears effectiveTime until the next version. "
                "204 when done, If-Match makes it conditional (412)."
            ),
            tags=tag,
            kind=one,
            expansions=kind.expansions,
        ),
        Route(
            item,
            f"{one}_delete",
            partial(components.delete, plural=plural),
            "DELETE",
            f"Delete a {one}",
            status=204,
            query=("commitComment",),
            description=(
                f"Deletes the {one} on the branch in one commit.{cascade} A released "
                "component cannot be deleted (409: inactivate it instead). If-Match makes it "
                "conditional (412)."
            ),
            tags=tag,
            kind=one,
            expansions=kind.expansions,
        ),
        Route(
            f"{item}/history",
            f"{one}_history",
            partial(components.history, plural=plural),
            "GET",
            f"History of a {one}",
            response=render.REVISION.list_schema,
            description=(
                f"Every revision of the {one} visible at the path: what it was after each "
                "commit that changed it, with that commit's timestamp, author and comment. "
                + _PATH_WORDS
            ),
            lists=True,
            tags=tag,
            kind=one,
            expansions=kind.expansions,
        ),
    ]
