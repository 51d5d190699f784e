"""The Export API: ``…/:source/:version/export/`` (GET, HEAD, POST, DELETE), answering
exactly as ``DESIGN.md`` §5's table says (docs/exports.md).

GET and HEAD: 200 with the zip (streamed from the open, verified file, in chunks;
``Content-Length``, ``Content-Disposition: attachment; filename=…``, ``X-Last-Updated``,
a strong ETag, ``Range`` → 206), 204 when there is no export, 208 while one is being built
(with its job and progress). POST: 202 (a build started; ``Location`` is its job), 409 (one
is under way), 200 (it exists). DELETE (admin): 204, or 404 when there is no export. The
version ``HEAD`` is 405 for every method; an unknown owner, source or version is 404. A GET
never builds. Which rows and files these read is :mod:`exporter.exports`'s business.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, request, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wsgi import wrap_file

from api import http
from api.errors import json_error
from api.ocl import access, places
from api.services import services, store
from exporter import exports
from exporter.exports import Key, Started, State
from exporter.storage import FileStorage
from revisions.registry import Version

# Bytes per read of a download (werkzeug's default, 8 KiB, halves loopback throughput).
DOWNLOAD_CHUNK = 256 << 10


def _target(
    owner_type: str, owner: str | None, source: str, version: str
) -> tuple[places.Source, Version]:
    found = places.source(owner_type, owner, source)
    if version == places.HEAD:
        raise MethodNotAllowed(
            [], "Exports are made of versions; HEAD changes: create a version and export it."
        )
    chosen = places.version(found, version)
    assert chosen is not None
    return found, chosen


def _key(found: places.Source, chosen: Version) -> Key:
    return Key(exports.SOURCE, found.id, chosen.version)


def _storage() -> FileStorage:
    return FileStorage(services().settings.export_dir)


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


def get(owner_type: str, source: str, version: str, owner: str | None = None) -> Response:
    found, chosen = _target(owner_type, owner, source, version)
    state, opened = exports.find(store(), services().runner, _storage(), _key(found, chosen))
    if state.state is State.BUILDING:
        return http.json({"detail": "The export is being built.", **_job_json(state.job)}, 208)
    if opened is None:
        return http.no_content()
    record = state.record
    assert record is not None
    assert record.size is not None
    assert record.last_updated_ts is not None
    name = exports.file_name(
        found.place.owner, found.place.repo_id, chosen.version, record.last_updated_ts
    )
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


def create(owner_type: str, source: str, version: str, owner: str | None = None) -> Response:
    found, chosen = _target(owner_type, owner, source, version)
    access.edit(found.id)
    folder = services().settings.export_dir
    started, job = exports.request_build(store(), services().runner, folder, _key(found, chosen))
    if started is Started.STARTED:
        assert job is not None
        return http.accepted("job_get", job_id=job.id)
    if started is Started.BUILDING:
        return json_error(409, "The export is being built.", **_job_json(job))
    return http.json({"detail": "The export exists: GET it."}, 200)


def delete(owner_type: str, source: str, version: str, owner: str | None = None) -> Response:
    found, chosen = _target(owner_type, owner, source, version)
    access.admin(found.id)
    if not exports.delete(store(), _storage(), _key(found, chosen)):
        return json_error(404, "There is no export of this version.")
    return http.no_content()


def source_deleted(codesystem_id: str, version_id: str | None = None) -> None:
    """Hook for a deleted source (or code system), or one deleted version of it: its exports
    go, rows and files."""
    exports.forget(store(), _storage(), exports.SOURCE, codesystem_id, version_id)


def version_created(found: places.Source, version_id: str) -> None:
    """Hook for a new source version: queue its export."""
    exports.queue_for_new_version(
        store(),
        services().runner,
        services().settings.export_dir,
        Key(exports.SOURCE, found.id, version_id),
    )
