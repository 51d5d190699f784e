"""The rows of the OCL route table (:mod:`api.ocl.routes`): :func:`row` makes an
:class:`api.openapi.Route` of an OCL URL, its parameters described and typed once from
:mod:`api.ocl.shapes`; who may call it is said once (:data:`READ`, :data:`EDIT`,
:data:`ADMIN`); the owners every repository URL exists under (:data:`OWNERS`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from api.ocl import shapes
from api.openapi import Route

OWNERS = (("orgs", "/orgs/<owner>"), ("users", "/users/<owner>"), ("user", "/user"))
TAGS = ("ocl",)
# Segment converter for ids in OCL URLs: one segment.
SOURCE = "<source>"


_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
# Who may do what (docs/access.md), said once for every row that reads or writes.
READ = " Anyone who may see the repository (a private one is 404 to others)."
EDIT = " Needs a token (401) and the edit right on the repository (403)."
ADMIN = " Needs a token (401) and the repository owner's admin right (403)."
PAGED = ("limit", "page")
# A repository (or version) GET with its content (api.ocl.repo_content, api.ocl.members).
CONTENT = (
    "includeConcepts",
    "includeMappings",
    "includeRetired",
    "limit",
    "offset",
    "updatedSince",
)
_CONTENT_WORDS = (
    " With includeConcepts and/or includeMappings the answer also holds concepts and "
    "mappings (full OCL objects, retired ones with includeRetired, those edited at or after "
    "updatedSince), limit of each after offset (limit=0: all), streamed; Compress: true "
    "sends the same JSON zipped (application/zip, entry export.json)."
)
_LIST_WORDS = (
    " In OCL's list shape: a bare JSON array, limit per page (default 25) and page (from 1), "
    "counted in the headers num_found, num_returned, pages and page_number."
)


def route(
    prefix: str,
    rule: str,
    name: str,
    view: Callable[..., Any],
    method: str,
    summary: str,
    **kw: Any,
) -> Route:
    return row(f"{rule}/", f"ocl_{prefix}_{name}", view, method, summary, **kw)


def row(
    rule: str,
    endpoint: str,
    view: Callable[..., Any],
    method: str,
    summary: str,
    *,
    words: dict[str, str] | None = None,
    lists: bool = False,
    content: bool = False,
    versions_only: bool = False,
    **kw: Any,
) -> Route:
    """An OCL row: its parameters described and typed from :mod:`api.ocl.shapes` (``words``:
    this row's own), a list answering OCL's bare array, ``content`` a repository GET with
    the content parameters, ``versions_only`` a row whose version may not be HEAD (as for
    every write)."""
    if lists:
        kw.setdefault("query", PAGED)
        kw.setdefault("response", shapes.LIST)
        kw["description"] = kw.get("description", "") + _LIST_WORDS
    if content:
        kw.update(query=CONTENT, headers=("Compress",), media=("application/zip",))
        kw["description"] = kw.get("description", "") + _CONTENT_WORDS
    if method == "GET":
        kw.setdefault("response", shapes.OBJECT)
    names = [*_PARAM.findall(rule), *kw.get("query", ()), *kw.get("headers", ())]
    said = {**shapes.WORDS, **(shapes.CONTENT_WORDS if content else {}), **(words or {})}
    typed = shapes.CONTENT_SCHEMAS if content else shapes.SCHEMAS
    if method != "GET" or versions_only:
        typed = shapes.WRITTEN
    return Route(
        rule,
        endpoint,
        view,
        method,
        summary,
        tags=TAGS,
        etags=False,
        parameters=tuple((n, said[n]) for n in names if n in said),
        schemas=tuple((n, typed[n]) for n in names if n in typed),
        **kw,
    )


# Writes a collection's or source version's items refuse (405) rather than fall through.
ITEM_WRITES = ("PUT", "PATCH", "DELETE")
