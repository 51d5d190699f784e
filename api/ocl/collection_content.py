"""Concepts and mappings of a collection (``HEAD``) or of a collection version: the list
``…/:c/[:ver/]concepts|mappings/`` (paged, ``includeRetired``, ``updatedSince``) and one
member ``…/:c/[:ver/]concepts|mappings/:id/``: full OCL objects, with their source's URLs
(:mod:`api.ocl.members` resolves them). The total of a list is counted by resolving every
member (streamed, not held): a collection's members come from many sources."""

from __future__ import annotations

from flask import Response

from api import http
from api.ocl import access, collection_versions, members
from api.ocl.collections import find
from api.ocl.paging import page_request, respond
from api.ocl.repo_content import since, truthy
from api.services import store
from exporter.ocl_stream import Selection
from revisions.errors import ComponentNotFound


def list_items(
    owner_type: str,
    collection: str,
    kind: str,
    version: str | None = None,
    owner: str | None = None,
) -> Response:
    found = find(owner_type, owner, collection)
    at = members.at_of(collection_versions.chosen(found, version))
    wanted = page_request()
    chosen = Selection(truthy("includeRetired"), since(), wanted.offset, wanted.limit)
    engine_store, may_view = store(), access.sources_seen()
    items = [data for _, data in members.stream(engine_store, found, at, kind, chosen, may_view)]
    counting = Selection(chosen.include_retired, chosen.since)
    total = sum(1 for _ in members.stream(engine_store, found, at, kind, counting, may_view))
    return respond(items, total, wanted)


def get_item(
    owner_type: str,
    collection: str,
    kind: str,
    item_id: str,
    version: str | None = None,
    owner: str | None = None,
) -> Response:
    """The member with that id (retired ones too); 404 when the collection has none."""
    found = find(owner_type, owner, collection)
    at = members.at_of(collection_versions.chosen(found, version))
    chosen = Selection(include_retired=True, limit=1)
    may_view = access.sources_seen()
    for _, data in members.stream(store(), found, at, kind, chosen, may_view, component_id=item_id):
        return http.json(data)
    what = kind[:-1].capitalize()
    raise ComponentNotFound(f"{what} '{item_id}' is not in collection '{found.repo_id}'.")
