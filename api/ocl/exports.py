"""The Export API: ``…/:source/:version/export/`` and ``…/:collection/:version/export/``
(GET, HEAD, POST, DELETE), answering exactly as ``DESIGN.md`` §5's table says
(docs/exports.md); sources and collections alike, through one :class:`_Target` each.

GET and HEAD: 200 with the zip (streamed from the open, verified file, in chunks;
``Content-Length``, ``Content-Disposition: attachment; filename=…``, ``X-Last-Updated``,
a strong ETag, ``Range`` → 206), 204 when there is no export, 208 while one is being built
(with its job and progress). POST: 202 (a build started; ``Location`` is its job), 409 (one
is under way), 200 (it exists). DELETE (admin): 204, or 404 when there is no export. The
version ``HEAD`` is 405 for every method; an unknown owner, repository or version is 404. A GET
never builds. Which rows and files these read is :mod:`exporter.exports`'s business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Response, request, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wsgi import wrap_file

from api import http
from api.errors import json_error
from api.ocl import access, collection_versions, collections, places
from api.ocl.export_hooks import collection_key, storage
from api.services import services, store
from exporter import exports
from exporter.exports import Key, Started, State

# Bytes per read of a download (werkzeug's default, 8 KiB, halves loopback throughput).
DOWNLOAD_CHUNK = 256 << 10


@dataclass(frozen=True, slots=True)
class _Target:
    """An exported repository version, and how to check the caller's right on it."""

    key: Key
    owner: str
    repo_id: str
    version: str
    check: Callable[[str], None]  # raises unless the caller may do the action (edit, admin)


def _no_head(version: str) -> None:
    if version == places.HEAD:
        raise MethodNotAllowed(
            [], "Exports are made of versions; HEAD changes: create a version and export it."
        )


def _source(owner_type: str, owner: str | None, source: str, version: str) -> _Target:
    found = places.source(owner_type, owner, source)
    _no_head(version)
    chosen = places.version(found, version)
    assert chosen is not None
    rights = {"edit": access.edit, "admin": access.admin}
    return _Target(
        Key(exports.SOURCE, found.id, chosen.version),
        found.place.owner,
        found.place.repo_id,
        chosen.version,
        lambda action: rights[action](found.id),
    )


def _collection(owner_type: str, owner: str | None, collection: str, version: str) -> _Target:
    found = collections.find(owner_type, owner, collection)
    _no_head(version)
    chosen = collection_versions.chosen(found, version)
    assert chosen is not None
    rights = {"edit": access.edit_repo, "admin": access.admin_repo}
    return _Target(
        collection_key(found, chosen.version),
        found.owner,
        found.repo_id,
        chosen.version,
        lambda action: rights[action](found.owner_type, found.owner, found.public_access),
    )


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _job_json(job: Any) -> dict[str, Any]:
    progress = job.result if job is not None and isinstance(job.result, dict) else {}
    return {
        "job": None if job is None else url_for("job_get", job_id=job.id, _external=True),
        "state": None if job is None else job.state.value,
        "done": progress.get("done"),
        "total": progress.get("total"),
    }


def _get(target: _Target) -> Response:
    state, opened = exports.find(store(), services().runner, storage(), target.key)
    if state.state is State.BUILDING:
        return http.json({"detail": "The export is being built.", **_job_json(state.job)}, 208)
    if opened is None:
        return http.no_content()
    record = state.record
    assert record is not None
    assert record.size is not None
    assert record.last_updated_ts is not None
    name = exports.file_name(target.owner, target.repo_id, target.version, record.last_updated_ts)
    response = Response(
        wrap_file(request.environ, opened, buffer_size=DOWNLOAD_CHUNK),
        mimetype="application/zip",
        direct_passthrough=True,
    )
    response.call_on_close(opened.close)  # also when HEAD or a 304 sends no body
    response.content_length = record.size
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["X-Last-Updated"] = _iso(record.last_updated_ts)
    response.set_etag(str(record.sha256))
    try:
        response.make_conditional(request, accept_ranges=True, complete_length=record.size)
    except HTTPException:  # 416: no response carries the file to close it
        opened.close()
        raise
    return response


def _create(target: _Target) -> Response:
    target.check("edit")
    folder = services().settings.export_dir
    started, job = exports.request_build(store(), services().runner, folder, target.key)
    if started is Started.STARTED:
        assert job is not None
        return http.accepted("job_get", job_id=job.id)
    if started is Started.BUILDING:
        return json_error(409, "The export is being built.", **_job_json(job))
    return http.json({"detail": "The export exists: GET it."}, 200)


def _delete(target: _Target) -> Response:
    target.check("admin")
    if not exports.delete(store(), storage(), target.key):
        return json_error(404, "There is no export of this version.")
    return http.no_content()


# --- the routes' views ----------------------------------------------------------------------


def get(owner_type: str, source: str, version: str, owner: str | None = None) -> Response:
    return _get(_source(owner_type, owner, source, version))


def create(owner_type: str, source: str, version: str, owner: str | None = None) -> Response:
    return _create(_source(owner_type, owner, source, version))


def delete(owner_type: str, source: str, version: str, owner: str | None = None) -> Response:
    return _delete(_source(owner_type, owner, source, version))


def collection_get(
    owner_type: str, collection: str, version: str, owner: str | None = None
) -> Response:
    return _get(_collection(owner_type, owner, collection, version))


def collection_create(
    owner_type: str, collection: str, version: str, owner: str | None = None
) -> Response:
    return _create(_collection(owner_type, owner, collection, version))


def collection_delete(
    owner_type: str, collection: str, version: str, owner: str | None = None
) -> Response:
    return _delete(_collection(owner_type, owner, collection, version))
