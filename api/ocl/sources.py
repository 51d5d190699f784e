"""Sources: ``…/sources/`` (list per owner, create), ``/sources/`` (list of all), and
``…/sources/:source/`` (get, update with PUT or PATCH, both partial; delete).

A source is a code system whose id is the source's ``short_code`` (default: its id) plus a
repository record (``accounts.repositories``). Ids are checked before anything is written:
an id the owner already has is a 400 naming ``id``, a code system id taken anywhere (or
one of the API's own first URL segments) a 400 naming ``short_code``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from accounts import repositories
from accounts.repositories import Repository, RepositoryExists
from api import http
from api.errors import Invalid
from api.ocl import access, bodies, export_hooks, places, repo_content
from api.ocl.paging import page_request, respond, window
from api.services import create_owned, services, store
from exporter.ocl_json import source_json
from revisions.errors import CodeSystemNotFound, InvalidRequest
from revisions.registry import check_id


def _json(found: places.Source) -> dict[str, Any]:
    return source_json(found.place, found.codesystem, found.repository.public_access)


def _listed(found: list[Repository]) -> Response:
    wanted = page_request()
    visible = []
    for repository in found:
        try:
            access.view_source(repository)
        except Exception:
            continue
        visible.append(repository)
    page = [_json(places.of(r)) for r in window(visible, wanted)]
    return respond(page, len(visible), wanted)


def list_owned(owner_type: str, owner: str | None = None) -> Response:
    owner_type, owner = places.owner(owner_type, owner)
    return _listed(list(repositories.list_for(store().engine, owner_type, owner)))


def list_all() -> Response:
    return _listed(list(repositories.list_for(store().engine)))


def _check_ids(owner_type: str, owner: str, source_id: str, short_code: str) -> None:
    try:
        check_id(source_id)
    except InvalidRequest as error:
        raise Invalid([f"'id': {error}"]) from None
    if repositories.exists(store().engine, owner_type, owner, source_id):
        raise Invalid([f"'id': Source with id '{source_id}' already exists for '{owner}'."])
    try:
        check_id(short_code)
    except InvalidRequest as error:
        raise Invalid([f"'short_code': {error}"]) from None
    if short_code.lower() in services().reserved_ids:
        raise Invalid([f"'short_code': '{short_code}' is reserved by this server."])
    try:
        store().codesystems.get(short_code)
    except CodeSystemNotFound:
        return
    raise Invalid(
        [f"'short_code': Code system '{short_code}' already exists; choose another short_code."]
    )


def create(owner_type: str, owner: str | None = None) -> Response:
    owner_type, owner = places.owner(owner_type, owner)
    access.create_under(owner_type, owner)
    data = bodies.body()
    source_id = bodies.text(data, "id", required=True)
    name = bodies.text(data, "name", required=True)
    assert source_id is not None
    assert name is not None
    short_code = bodies.text(data, "short_code") or source_id
    public = bodies.public_access(data) or "View"
    metadata = bodies.source_metadata(data)
    metadata["created_by"] = metadata["updated_by"] = access.author()
    _check_ids(owner_type, owner, source_id, short_code)
    try:
        create_owned(
            lambda: store().codesystems.create(short_code, name, metadata=metadata),
            Repository(short_code, owner_type, owner, source_id, public_access=public),
        )
    except RepositoryExists:  # created meanwhile by another request
        raise Invalid(
            [f"'id': Source with id '{source_id}' already exists for '{owner}'."]
        ) from None
    found = places.source(owner_type, owner, source_id)
    response = http.json(_json(found), status=201)
    response.headers["Location"] = request.host_url.rstrip("/") + found.place.url
    return response


def get(owner_type: str, source: str, owner: str | None = None) -> Response:
    found = places.source(owner_type, owner, source)
    return repo_content.respond(found, _json(found), None)


def update(owner_type: str, source: str, owner: str | None = None) -> Response:
    found = places.source(owner_type, owner, source)
    access.admin(found.id)
    data = bodies.body()
    name = bodies.text(data, "name") if "name" in data else None
    public = bodies.public_access(data, None)
    metadata = bodies.source_metadata(data, found.codesystem.metadata)
    metadata["updated_by"] = access.author()
    store().codesystems.update(found.id, title=name, metadata=metadata)
    if public is not None and public != found.repository.public_access:
        access.admin(found.id)
        repositories.update(store().engine, found.id, public_access=public)
    return http.json(_json(places.source(owner_type, owner, source)))


def delete(owner_type: str, source: str, owner: str | None = None) -> Response:
    found = places.source(owner_type, owner, source)
    access.admin(found.id)
    engine = store().engine
    repositories.remove(engine, found.id)
    try:
        store().codesystems.delete(found.id)
    except Exception:
        repositories.add(engine, found.repository)  # the source stays as it was
        raise
    export_hooks.source_deleted(found.id)
    return http.no_content()
