"""What views reach through the app: the store, the job runner, and parsed paths.

Path expressions from URLs and bodies are parsed here, once, at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

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


def services() -> Services:
    return current_app.extensions["snowpath"]


def store() -> RevisionStore:
    return services().store


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
