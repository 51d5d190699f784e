"""What views reach through the app: the store, the accounts, the job runner, the route
table, and parsed input.

Path expressions from URLs and bodies are parsed here, once, at the edge, and the caller's
right on the branches they name is checked here too (``api.auth``): a read point needs the
view right, a write branch the edit right. A new code system's id is checked here against
the ids the route table reserves, before the store is called, and :func:`create_owned`
is the one way a request creates a code system: with its owner's record, or not at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app

from accounts import repositories
from accounts.repositories import OwnerNotFound, Repository, RepositoryExists
from accounts.store import Accounts
from api import auth
from api.openapi import Route
from api.readcache import ReadCache
from api.settings import Settings
from exporter.jobs import Runner
from revisions import ReadPoint, ReadRange, RevisionStore
from revisions.epoch import Kept
from revisions.errors import InvalidRequest
from revisions.registry import CodeSystem
from snowpath import BranchPath, parse


@dataclass(frozen=True)
class Services:
    store: RevisionStore
    accounts: Accounts
    runner: Runner
    settings: Settings
    routes: tuple[Route, ...]
    reserved_ids: frozenset[str]  # lower case; see api.routes.RESERVED_IDS
    reads: ReadCache
    # What a path resolves to, and whether anyone may view it, by path and caller: viewed_point
    viewed: Kept[tuple[str, int | None], tuple[ReadPoint | ReadRange, bool]] = field(
        default_factory=Kept, compare=False, repr=False
    )

    def route(self, endpoint: str | None) -> Route | None:
        """The route of a Flask endpoint (None: not one of the table's)."""
        return self._by_endpoint.get(endpoint or "")

    @functools.cached_property
    def _by_endpoint(self) -> dict[str, Route]:
        # Built once per app: a tuple hashes all its items at every lookup (0.1 ms).
        return {route.endpoint: route for route in self.routes}


def services() -> Services:
    return current_app.extensions["snowpath"]


def store() -> RevisionStore:
    return services().store


def accounts() -> Accounts:
    return services().accounts


def new_codesystem_id(codesystem_id: str) -> str:
    """``codesystem_id``, unless it is one of the API's own first URL segments (400)."""
    if codesystem_id.lower() in services().reserved_ids:
        raise InvalidRequest(f"'{codesystem_id}' is reserved and cannot name a code system.")
    return codesystem_id


def create_owned(create: Callable[[], CodeSystem], repository: Repository) -> CodeSystem:
    """The code system ``create`` makes, recorded as ``repository`` (its owner and id there).
    Refused (409) before anything is made when the owner already holds a repository of that
    id; when the record still cannot be written (one made meanwhile, or the owner gone), the
    code system is deleted again and the error raised: no code system is left without its
    owner."""
    repositories.check_free(store().engine, repository)
    codesystem = create()
    try:
        repositories.add(store().engine, repository)
    except (RepositoryExists, OwnerNotFound):
        store().codesystems.delete(codesystem.id)
        raise
    return codesystem


def read_point(text: str) -> ReadPoint | ReadRange:
    """Any path expression, as a read point (relative paths resolved) the caller may view."""
    return viewed_point(text)[0]


def viewed_point(text: str) -> tuple[ReadPoint | ReadRange, bool]:
    """:func:`read_point`, and whether anyone (anonymous too) may view it. With the store's
    epoch (``revisions.epoch``), both are kept per path and caller while it stands still."""
    present = services()
    user = auth.current_user()
    key = (text, None if user is None else user.id)
    point, public = present.viewed.through(key, present.store.epoch, lambda: _viewed_point(text))
    present.store.settle(point)  # a time not past when it was kept may be past now
    return point, public


def _viewed_point(text: str) -> tuple[ReadPoint | ReadRange, bool]:
    point = store().read_point(parse(text))
    store().settle(point)  # a commit in flight at its time: 503 first, as reads without rights
    sides = (point.left, point.right) if isinstance(point, ReadRange) else (point,)
    public = [auth.check_branch(str(side.path), "view") for side in sides]
    return point, all(public)


def write_branch(text: str) -> str:
    """The branch a write to ``text`` goes to; 400 for anything but a writable branch, and
    the caller needs the edit right on it."""
    path = store().writable_path(parse(text))
    auth.check_branch(path, "edit")
    return path


def branch_path(text: str, action: str = "view") -> str:
    """A plain path (absolute or relative) naming a branch, resolved to its absolute path,
    on which the caller may do ``action`` (``api.auth.check_branch``)."""
    expression = parse(text)
    if not isinstance(expression, BranchPath):
        raise InvalidRequest(f"'{text}' must name a branch (no '@', '^' or '...').")
    point = store().read_point(expression)
    assert isinstance(point, ReadPoint)
    path = str(point.path)
    auth.check_branch(path, action)
    return path
