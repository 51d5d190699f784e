"""Collection versions: ``…/:collection/versions/`` (create, list newest first with
``HEAD``), ``…/:collection/:version/`` (get, with ``includeConcepts`` and the rest; update
``released``/``retired``/``description``/``external_id``/``extras``; delete) and
``…/:collection/latest/`` (the newest released).

A version is taken at a store time ``T`` and is frozen there: its members are the
references live at ``T``, resolved against the sources as they were at ``T``
(:mod:`api.ocl.members`). Its metadata keeps a snapshot of the collection's fields.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from accounts import collections as records
from accounts.collections import Collection, CollectionVersion, CollectionVersionNotFound
from api import http
from api.errors import Invalid
from api.ocl import access, bodies, export_hooks, members
from api.ocl.collections import find
from api.ocl.paging import page_request, respond, window
from api.services import store
from exporter.ocl_collections import HEAD, collection_json, url, version_json
from revisions.errors import InvalidRequest
from revisions.registry import check_id

# Version ids that would read as another URL of the collection.
RESERVED = frozenset(
    {"head", "latest", "versions", "concepts", "mappings", "references", "extras", "export"}
)


def chosen(found: Collection, version_id: str | None) -> CollectionVersion | None:
    """The version ``version_id`` names (None for ``HEAD`` or none); 404 when unknown."""
    if version_id is None or version_id == HEAD:
        return None
    return records.get_version(store().engine, found, version_id)


def version_url(found: Collection, version: CollectionVersion | None) -> str:
    return url(found) if version is None else f"{url(found)}{version.version}/"


def latest_released(found: Collection) -> CollectionVersion:
    for version in records.versions(store().engine, found):  # newest first
        if version.metadata.get("released"):
            return version
    raise CollectionVersionNotFound(f"Collection '{found.repo_id}' has no released version.")


def _json(found: Collection, version: CollectionVersion | None) -> dict[str, Any]:
    previous = None
    if version is not None:
        older = [
            v for v in records.versions(store().engine, found) if v.created_ts < version.created_ts
        ]
        previous = older[0] if older else None
    return version_json(found, version, previous)


def _metadata(data: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    metadata = bodies.version_metadata(data, current)
    if "description" in data:
        metadata["description"] = bodies.text(data, "description")
    return metadata


def create(owner_type: str, collection: str, owner: str | None = None) -> Response:
    found = find(owner_type, owner, collection)
    access.admin_repo(found.owner_type, found.owner, found.public_access)
    data = http.body()
    version_id = bodies.text(data, "id", required=True)
    assert version_id is not None
    if version_id.lower() in RESERVED:
        raise Invalid([f"'id': '{version_id}' names another URL of the collection."])
    try:
        check_id(version_id)
    except InvalidRequest as error:
        raise Invalid([f"'id': {error}"]) from None
    metadata = _metadata(data, {"released": False, "retired": False})
    metadata["created_by"] = access.author()
    metadata["collection"] = collection_json(found)
    made = records.create_version(store().engine, store().clock, found, version_id, metadata)
    export_hooks.collection_version_created(found, made.version)
    response = http.json(version_json(found, made), status=201)
    response.headers["Location"] = request.host_url.rstrip("/") + version_url(found, made)
    return response


def list_all(owner_type: str, collection: str, owner: str | None = None) -> Response:
    found = find(owner_type, owner, collection)
    wanted = page_request()
    every: list[CollectionVersion | None] = [None, *records.versions(store().engine, found)]
    return respond([_json(found, v) for v in window(every, wanted)], len(every), wanted)


def get(owner_type: str, collection: str, version: str, owner: str | None = None) -> Response:
    found = find(owner_type, owner, collection)
    picked = chosen(found, version)
    return members.respond(found, _json(found, picked), picked)


def latest(owner_type: str, collection: str, owner: str | None = None) -> Response:
    found = find(owner_type, owner, collection)
    picked = latest_released(found)
    return members.respond(found, _json(found, picked), picked)


def _update(found: Collection, picked: CollectionVersion | None) -> Response:
    access.admin_repo(found.owner_type, found.owner, found.public_access)
    if picked is None:
        raise Invalid(["'id': HEAD is the collection itself: update it at the collection's URL."])
    metadata = _metadata(http.body(), picked.metadata)
    metadata["updated_by"] = access.author()
    metadata["updated_ts"] = store().clock.now_ms()
    updated = records.update_version(store().engine, found, picked.version, metadata)
    return http.json(_json(found, updated))


def update(owner_type: str, collection: str, version: str, owner: str | None = None) -> Response:
    found = find(owner_type, owner, collection)
    return _update(found, chosen(found, version))


def update_latest(owner_type: str, collection: str, owner: str | None = None) -> Response:
    found = find(owner_type, owner, collection)
    return _update(found, latest_released(found))


def delete(owner_type: str, collection: str, version: str, owner: str | None = None) -> Response:
    found = find(owner_type, owner, collection)
    access.admin_repo(found.owner_type, found.owner, found.public_access)
    picked = chosen(found, version)
    if picked is None:
        raise Invalid(["'id': HEAD cannot be deleted; delete the collection instead."])
    records.delete_version(store().engine, found, picked.version)
    export_hooks.collection_deleted(found, picked.version)
    return http.no_content()
