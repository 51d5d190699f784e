"""``/codesystems``: code systems, their versions, and upgrades (as jobs)."""

from __future__ import annotations

from flask import Response, request

from accounts import repositories
from accounts.repositories import Repository
from api import http, render
from api.auth import (
    check_branch,
    check_repository,
    current_author,
    require_user,
    visible_codesystems,
)
from api.errors import Invalid
from api.ocl.export_hooks import source_deleted
from api.paging import window
from api.render import CODESYSTEM_METADATA
from api.schemas import CodeSystemIn, CodeSystemUpdate, UpgradeIn, VersionIn
from api.services import create_owned, new_codesystem_id, services, store
from api.views.merges import resolutions_json
from exporter import jobs
from revisions.registry import CodeSystem, parse_extension_of


def _paged(items: list[dict], columns: tuple[str, ...]) -> Response:
    extra = sorted(set(request.args) - {"limit", "offset"})
    if extra:
        raise Invalid([f"Unknown parameter '{name}'." for name in extra])
    limit, offset = window(request.args.get("limit"), request.args.get("offset"))
    return http.envelope(
        items[offset : offset + limit], len(items), limit, offset=offset, columns=columns
    )


def create() -> Response:
    """Any user may create a code system, and owns it (a source of theirs, public_access
    View); one placed inside another code system's branches needs the edit right there, and
    an extension the view right on what it extends."""
    user = require_user()
    data = http.load(CodeSystemIn())
    metadata = {k: data[k] for k in (*CODESYSTEM_METADATA, "descriptionTypes") if k in data}
    codesystem_id = new_codesystem_id(data["id"])
    if data.get("branch_path"):
        parent = data["branch_path"].rsplit("/", 1)[0]
        if repositories.governing(store().engine, parent) is not None:
            check_branch(parent, "edit")
    if data.get("extension_of"):
        check_repository(parse_extension_of(data["extension_of"])[0], "view")
    codesystem = create_owned(
        lambda: store().codesystems.create(
            codesystem_id,
            data["title"],
            branch_path=data.get("branch_path"),
            extension_of=data.get("extension_of"),
            metadata=metadata,
        ),
        Repository(codesystem_id, "users", user.username, codesystem_id),
    )
    return http.created("codesystem_get", codesystem_id=codesystem.id)


def list_all() -> Response:
    found = store().codesystems.list()
    visible = visible_codesystems(c.id for c in found)
    codesystems = [render.CODESYSTEM.render(c) for c in found if c.id in visible]
    return _paged(codesystems, render.CODESYSTEM.columns)


def get(codesystem_id: str) -> Response:
    check_repository(codesystem_id, "view")
    return http.json(render.CODESYSTEM.render(store().codesystems.get(codesystem_id)))


def _expected(codesystem_id: str) -> CodeSystem | None:
    """The code system an ``If-Match`` write expects to replace (None without the header)."""
    return http.precondition(
        lambda: store().codesystems.get(codesystem_id), render.CODESYSTEM.render
    )


def update(codesystem_id: str) -> Response:
    require_user()
    check_repository(codesystem_id, "admin")
    data = http.load(CodeSystemUpdate())
    expected = _expected(codesystem_id)
    # The metadata merge reads the record the precondition matched, when there is one.
    current = expected or store().codesystems.get(codesystem_id)
    title = data.pop("title", None)
    metadata = {**current.metadata, **data} if data else None
    store().codesystems.update(codesystem_id, title=title, metadata=metadata, expected=expected)
    return http.no_content()


def delete(codesystem_id: str) -> Response:
    require_user()
    check_repository(codesystem_id, "admin")
    store().codesystems.delete(codesystem_id, expected=_expected(codesystem_id))
    source_deleted(codesystem_id)  # its exports, if it is an OCL source
    return http.no_content()


def create_version(codesystem_id: str) -> Response:
    require_user()
    check_repository(codesystem_id, "admin")
    data = http.load(VersionIn())
    version = store().codesystems.create_version(
        codesystem_id, data["version"], data["effective_time"], data["description"]
    )
    return http.created("version_get", codesystem_id=codesystem_id, version=version.version)


def list_versions(codesystem_id: str) -> Response:
    check_repository(codesystem_id, "view")
    versions = [render.VERSION.render(v) for v in store().codesystems.versions(codesystem_id)]
    return _paged(versions, render.VERSION.columns)


def get_version(codesystem_id: str, version: str) -> Response:
    check_repository(codesystem_id, "view")
    return http.json(render.VERSION.render(store().codesystems.get_version(codesystem_id, version)))


def upgrade(codesystem_id: str) -> Response:
    require_user()
    check_repository(codesystem_id, "admin")
    data = http.load(UpgradeIn())
    store().codesystems.get(codesystem_id)
    # a 400 now, not a failed job later
    check_repository(parse_extension_of(data["extension_of"])[0], "view")
    params = {
        "codesystem": codesystem_id,
        "extensionOf": data["extension_of"],
        "commitComment": data["commit_comment"] or f"Upgrade {codesystem_id}",
        "author": current_author(),
        "resolutions": resolutions_json(data["resolutions"]),
    }
    job = jobs.start(store(), services().runner, "upgrade", params)
    return http.accepted("job_get", job_id=job.id)
