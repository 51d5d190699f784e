"""Source versions: ``…/:source/versions/`` (create, list newest first with ``HEAD``),
``…/:source/:version/`` (get, update ``released``/``retired``/``description``/
``external_id``/``extras``, delete) and ``…/:source/latest/`` (the newest released).

A source version is a code system version (a read-only tag branch cut at the working
branch's head); its OCL fields and a snapshot of the source's fields as of its creation are
the version's metadata. OCL versions have no effective time; the store's (strictly
increasing) is the creation day, or the day after the newest version's when that is not
later.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Response, request

from api import http
from api.errors import Invalid
from api.ocl import access, bodies, export_hooks, places, repo_content
from api.ocl.paging import page_request, respond, window
from api.services import store
from exporter.ocl_json import source_json, version_json
from revisions.errors import InvalidRequest
from revisions.registry import Version

# Version ids that would read as another URL of the source.
RESERVED = frozenset({"HEAD", "latest", "versions", "concepts", "mappings", "extras", "export"})


def _effective_time(found: places.Source) -> str:
    """Today, or the day after the newest version's effective time if that is later (they
    strictly increase). None follows 9999-12-31 (a native version may take it): then the
    newest date itself, which the store refuses as not after it (400; a 500 before)."""
    now = datetime.fromtimestamp(store().clock.now_ms() / 1000, UTC).date()
    versions = store().codesystems.versions(found.id)
    if versions:
        newest = datetime.strptime(versions[-1].effective_time, "%Y%m%d").date()
        now = max(now, newest if newest == date.max else newest + timedelta(days=1))
    return date.strftime(now, "%Y%m%d")


def _json(
    found: places.Source, version: Version | None, every: list[Version] | None = None
) -> dict[str, Any]:
    """The version's OCL JSON; ``every``: the source's versions, if already read."""
    previous = None
    if version is not None:
        every = store().codesystems.versions(found.id) if every is None else every
        older = [v for v in every if v.created_ts < version.created_ts]
        previous = max(older, key=lambda v: v.created_ts) if older else None
    return version_json(
        found.place, found.codesystem, found.repository.public_access, version, previous
    )


def create(owner_type: str, source: str, owner: str | None = None) -> Response:
    found = places.source(owner_type, owner, source)
    access.admin(found.id)
    data = bodies.body()
    version_id = bodies.text(data, "id", required=True)
    assert version_id is not None
    if version_id in RESERVED or version_id.lower() in {r.lower() for r in RESERVED}:
        raise Invalid([f"'id': '{version_id}' names another URL of the source."])
    description = bodies.text(data, "description") or ""
    metadata = bodies.version_metadata(data, {"released": False, "retired": False})
    metadata["created_by"] = access.author()
    metadata["source"] = source_json(found.place, found.codesystem, found.repository.public_access)
    try:
        store().codesystems.create_version(
            found.id,
            version_id,
            _effective_time(found),
            description,
            metadata=metadata,
            author=access.author(),
        )
    except InvalidRequest as error:
        raise Invalid([f"'id': {error}"]) from None
    export_hooks.version_created(found, version_id)
    body = source_json(
        found.place, found.codesystem, found.repository.public_access, version=version_id
    )
    response = http.json(body, status=201)
    response.headers["Location"] = request.host_url.rstrip("/") + f"{found.place.url}{version_id}/"
    return response


def list_all(owner_type: str, source: str, owner: str | None = None) -> Response:
    found = places.source(owner_type, owner, source)
    wanted = page_request()
    versions = store().codesystems.versions(found.id)
    released = request.args.get("released")
    if released:  # as ocl-cli asks: only released (or only unreleased) versions, no HEAD
        wanted_flag = bodies.flag({"released": released}, "released")
        chosen = [v for v in versions if bool(v.metadata.get("released")) is wanted_flag]
        ordered = sorted(chosen, key=lambda v: -v.created_ts)
        page = [_json(found, v, versions) for v in window(ordered, wanted)]
        return respond(page, len(ordered), wanted)
    newest_first: list[Version | None] = [None, *sorted(versions, key=lambda v: -v.created_ts)]
    page = [_json(found, v, versions) for v in window(newest_first, wanted)]
    return respond(page, len(newest_first), wanted)


def get(owner_type: str, source: str, version: str, owner: str | None = None) -> Response:
    found = places.source(owner_type, owner, source)
    chosen = places.version(found, version)
    return repo_content.respond(found, _json(found, chosen), chosen)


def latest(owner_type: str, source: str, owner: str | None = None) -> Response:
    found = places.source(owner_type, owner, source)
    chosen = places.latest_released(found)
    return repo_content.respond(found, _json(found, chosen), chosen)


def _update(found: places.Source, chosen: Version | None) -> Response:
    access.admin(found.id)
    if chosen is None:
        raise Invalid(["'id': HEAD is the source itself: update it at the source's URL."])
    data = bodies.body()
    description = bodies.text(data, "description") if "description" in data else None
    metadata = bodies.version_metadata(data, chosen.metadata)
    metadata["updated_by"] = access.author()
    updated = store().codesystems.update_version(
        found.id, chosen.version, description=description, metadata=metadata
    )
    return http.json(_json(found, updated))


def update(owner_type: str, source: str, version: str, owner: str | None = None) -> Response:
    found = places.source(owner_type, owner, source)
    return _update(found, places.version(found, version))


def update_latest(owner_type: str, source: str, owner: str | None = None) -> Response:
    found = places.source(owner_type, owner, source)
    return _update(found, places.latest_released(found))


def delete(owner_type: str, source: str, version: str, owner: str | None = None) -> Response:
    found = places.source(owner_type, owner, source)
    access.admin(found.id)
    chosen = places.version(found, version)
    if chosen is None:
        raise Invalid(["'id': HEAD cannot be deleted; delete the source instead."])
    store().codesystems.delete_version(found.id, chosen.version)
    export_hooks.source_deleted(found.id, chosen.version)
    return http.no_content()
