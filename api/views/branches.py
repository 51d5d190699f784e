"""``/branches``: create, list, read, update metadata, delete, children."""

from __future__ import annotations

from flask import Response, request

from api import http, render
from api.auth import require_user, visible_paths
from api.errors import Invalid
from api.paging import window
from api.schemas import BranchIn, BranchUpdate
from api.services import branch_path, store
from revisions import Branch
from revisions.errors import BranchNotFound, InvalidRequest


def create() -> Response:
    require_user()
    data = http.load(BranchIn())
    try:
        parent = branch_path(data["parent"], "edit")
        branch = store().create_branch(parent, data["name"], data["metadata"])
    except BranchNotFound as error:
        raise InvalidRequest(f"Cannot create the branch: {error}") from None
    return http.created("branch_get", path=branch.path)


def _listing(branches: list) -> Response:
    limit, offset = window(request.args.get("limit"), request.args.get("offset"))
    extra = sorted(set(request.args) - {"limit", "offset"})
    if extra:
        raise Invalid([f"Unknown parameter '{name}'." for name in extra])
    items = [render.BRANCH.render(b) for b in branches[offset : offset + limit]]
    return http.envelope(items, len(branches), limit, offset=offset, columns=render.BRANCH.columns)


def _visible(found: list[Branch]) -> list[Branch]:
    visible = visible_paths(b.path for b in found)
    return [b for b in found if b.path in visible]


def list_all() -> Response:
    return _listing(_visible(store().list_branches()))


def get(path: str) -> Response:
    return http.json(render.BRANCH.render(store().get_branch(branch_path(path))))


def children(path: str) -> Response:
    return _listing(_visible(store().children(branch_path(path))))


def _expected(target: str) -> Branch | None:
    """The branch an ``If-Match`` write expects to replace (None without the header)."""
    return http.precondition(lambda: store().get_branch(target), render.BRANCH.render)


def update(path: str) -> Response:
    require_user()
    data = http.load(BranchUpdate())
    target = branch_path(path, "edit")
    store().update_metadata(target, data["metadata"], expected=_expected(target))
    return http.no_content()


def delete(path: str) -> Response:
    require_user()
    target = branch_path(path, "delete")
    store().delete_branch(target, expected=_expected(target))
    return http.no_content()
