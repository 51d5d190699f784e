"""Collections: ``…/collections/`` (list per owner, create), ``/collections/`` (list of
all), ``…/collections/:collection/`` (get, with ``includeConcepts`` and the rest as for a
source; update with PUT or PATCH, both partial; delete).

A collection is a record of its own (``accounts.collections``), not a code system: its
OCL fields are the record's metadata, its members its references (:mod:`api.ocl.references`,
:mod:`api.ocl.members`). Its id is checked before anything is written: one the owner
already has is a 400 naming ``id``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from accounts import collections
from accounts.collections import Collection, CollectionExists
from api import http
from api.errors import Invalid
from api.ocl import access, bodies, export_hooks, members, places
from api.ocl.paging import page_request, respond, window
from api.services import store
from exporter.ocl_collections import COLLECTION_METADATA, collection_json, url
from revisions.errors import InvalidRequest
from revisions.registry import check_id

FLAGS = ("immutable", "autoexpand_head")
NAME_LENGTH = 500  # the name column's
OBJECTS = ("extras",)


def find(owner_type: str, owner: str | None, collection_id: str) -> Collection:
    """The owner's collection, if the caller may see it (404 otherwise)."""
    owner_type, name = places.owner(owner_type, owner)
    found = collections.get(store().engine, owner_type, name, collection_id)
    access.view_repo(found.owner_type, found.owner, found.public_access)
    return found


def visible(found: list[Collection]) -> list[Collection]:
    """Those the caller may see."""
    shown = []
    for collection in found:
        try:
            access.view_repo(collection.owner_type, collection.owner, collection.public_access)
        except Exception:
            continue
        shown.append(collection)
    return shown


def metadata(data: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record's metadata after a body; with ``current``, a partial update."""
    result = dict(current or {})
    for name in COLLECTION_METADATA:
        if name not in data or name in ("created_by", "updated_by", "supported_locales"):
            continue
        if name in FLAGS:
            result[name] = bodies.flag(data, name)
        elif name in OBJECTS:
            value = data.get(name)
            if value is not None and not isinstance(value, dict):
                raise Invalid([f"'{name}': Must be an object."])
            result[name] = value or {}
        else:
            result[name] = bodies.text(data, name)
    locale = result.get("default_locale") or "en"
    result["default_locale"] = locale
    if "supported_locales" in data or "default_locale" in data or current is None:
        given = data if "supported_locales" in data else result
        result["supported_locales"] = bodies.locales(given, locale)
    return {k: v for k, v in result.items() if v is not None}


def title_of(data: dict[str, Any], *, required: bool) -> str | None:
    """The body's ``name``: text of at most :data:`NAME_LENGTH` characters, not blank."""
    value = bodies.text(data, "name", required=required)
    if value is not None and not value.strip():
        raise Invalid(["'name': Must not be blank."])
    if value is not None and len(value) > NAME_LENGTH:
        raise Invalid([f"'name': Must be at most {NAME_LENGTH} characters."])
    return value


def _listed(found: list[Collection]) -> Response:
    wanted = page_request()
    shown = visible(found)
    return respond([collection_json(c) for c in window(shown, wanted)], len(shown), wanted)


def list_owned(owner_type: str, owner: str | None = None) -> Response:
    owner_type, name = places.owner(owner_type, owner)
    return _listed(collections.list_for(store().engine, owner_type, name))


def list_all() -> Response:
    return _listed(collections.list_for(store().engine))


def create(owner_type: str, owner: str | None = None) -> Response:
    owner_type, owner_id = places.owner(owner_type, owner)
    access.create_under(owner_type, owner_id)
    data = http.body()
    collection_id = bodies.text(data, "id", required=True)
    title = title_of(data, required=True)
    assert collection_id is not None
    assert title is not None
    try:
        check_id(collection_id)
    except InvalidRequest as error:
        raise Invalid([f"'id': {error}"]) from None
    public = bodies.public_access(data) or "View"
    fields = metadata(data)
    fields["created_by"] = fields["updated_by"] = access.author()
    duplicate = f"'id': Collection with id '{collection_id}' already exists for '{owner_id}'."
    if collections.exists(store().engine, owner_type, owner_id, collection_id):
        raise Invalid([duplicate])
    try:
        made = collections.add(
            store().engine,
            store().clock,
            owner_type,
            owner_id,
            collection_id,
            title,
            public,
            fields,
        )
    except CollectionExists:  # created meanwhile by another request
        raise Invalid([duplicate]) from None
    response = http.json(collection_json(made), status=201)
    response.headers["Location"] = request.host_url.rstrip("/") + url(made)
    return response


def get(owner_type: str, collection: str, owner: str | None = None) -> Response:
    found = find(owner_type, owner, collection)
    return members.respond(found, collection_json(found), None)


def update(owner_type: str, collection: str, owner: str | None = None) -> Response:
    found = find(owner_type, owner, collection)
    access.admin_repo(found.owner_type, found.owner, found.public_access)
    data = http.body()
    title = title_of(data, required=False)
    public = bodies.public_access(data, None)
    fields = metadata(data, found.metadata)
    fields["updated_by"] = access.author()
    if public is not None and public != found.public_access:
        access.admin_repo(found.owner_type, found.owner, found.public_access)
    updated = collections.update(
        store().engine, store().clock, found, name=title, public_access=public, metadata=fields
    )
    return http.json(collection_json(updated))


def delete(owner_type: str, collection: str, owner: str | None = None) -> Response:
    found = find(owner_type, owner, collection)
    access.admin_repo(found.owner_type, found.owner, found.public_access)
    collections.remove(store().engine, found)
    export_hooks.collection_deleted(found)
    return http.no_content()
