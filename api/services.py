"""What views reach through the app: the store, the job runner, the route table, and parsed
input.

Path expressions from URLs and bodies are parsed here, once, at the edge; a new code system's
id is checked here against the ids the route table reserves, before the store is called.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from api.openapi import Route
from api.settings import Settings
from exporter.jobs import Runner
from revisions import ReadPoint, ReadRange, RevisionStore
from revisions.errors import InvalidRequest
from snowpath import BranchPath, parse


@dataclass(frozen=True)
class Services:
    store: RevisionStore
    runner: Runner
    settings: Settings
    routes: tuple[Route, ...]
    reserved_ids: frozenset[str]  # lower case; see api.routes.RESERVED_IDS


def services() -> Services:
    return current_app.extensions["snowpath"]


def store() -> RevisionStore:
    return services().store


def new_codesystem_id(codesystem_id: str) -> str:
    """``codesystem_id``, unless it is one of the API's own first URL segments (400)."""
    if codesystem_id.lower() in services().reserved_ids:
        raise InvalidRequest(f"'{codesystem_id}' is reserved and cannot name a code system.")
    return codesystem_id


def read_point(text: str) -> ReadPoint | ReadRange:
    """Any path expression, as a read point (relative paths resolved)."""
    return store().read_point(parse(text))


def write_branch(text: str) -> str:
    """The branch a write to ``text`` goes to; 400 for anything but a writable branch."""
    return store().writable_path(parse(text))


def branch_path(text: str) -> str:
    """A plain path (absolute or relative) naming a branch, resolved to its absolute path."""
    expression = parse(text)
    if not isinstance(expression, BranchPath):
        raise InvalidRequest(f"'{text}' must name a branch (no '@', '^' or '...').")
    point = store().read_point(expression)
    assert isinstance(point, ReadPoint)
    return str(point.path)
