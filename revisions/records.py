"""Plain values the store hands out and takes: branches, read points, commits, components.

Nothing here touches the database; these are the store's vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from snowpath import BranchPath, PathError, parse


class BranchState(StrEnum):
    UP_TO_DATE = "UP_TO_DATE"
    FORWARD = "FORWARD"
    BEHIND = "BEHIND"
    DIVERGED = "DIVERGED"


class CommitKind(StrEnum):
    CONTENT = "CONTENT"
    REBASE = "REBASE"  # on the child: the parent's changes came in (source = parent)
    PROMOTION = "PROMOTION"  # on the parent: a child's changes came in (source = child)
    PROMOTED = "PROMOTED"  # on the child: its changes went up; it now sees the parent again
    CREATE = "CREATE"  # on a new branch: its creation
    VERSION = "VERSION"  # on a working branch: a version (tag branch) was cut at this point
    UPGRADE = "UPGRADE"  # on a new working branch: created by an upgrade (source = new base)


@dataclass(frozen=True, slots=True)
class Branch:
    id: int
    path: str
    name: str
    parent_path: str | None
    created_ts: int
    base_ts: int | None
    head_ts: int
    deleted: bool
    read_only: bool
    metadata: dict[str, Any]
    state: BranchState


@dataclass(frozen=True, slots=True)
class ReadPoint:
    """A branch at its head, at a past ``timestamp`` (epoch ms), or at its ``base`` point.

    ``path`` is the parsed branch path (``snowpath.BranchPath``) and the store reads its
    segments as they are. For callers that hold a branch path as text (the command line,
    jobs, tests), a ``str`` is accepted and parsed here, once.
    """

    path: BranchPath
    timestamp: int | None = None
    base: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.path, str):
            object.__setattr__(self, "path", branch_path_of(self.path))


def branch_path_of(text: str) -> BranchPath:
    """The branch path ``text`` names (``PathError`` if it is not a plain path)."""
    parsed = parse(text)
    if not isinstance(parsed, BranchPath):
        raise PathError(f"'{text}' is not a branch path (no '@', '^' or '...')", 0)
    return parsed


@dataclass(frozen=True, slots=True)
class ReadRange:
    """Components visible at ``right`` whose revision was written after what ``left`` sees."""

    left: ReadPoint
    right: ReadPoint


@dataclass(frozen=True, slots=True)
class Commit:
    branch: str
    timestamp: int
    kind: CommitKind
    author: str
    comment: str
    changes: int
    source: str | None = None
    source_timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class Component:
    """One component as visible in a view: its content and which revision it came from."""

    type: str
    id: str
    fields: dict[str, Any]
    branch: str
    timestamp: int  # commit timestamp of the revision
    revision: int  # the revision row's id: changes on every edit
    released: bool = False  # a version of its branch includes this revision
    effective_time: str | None = None  # yyyyMMdd of the first version that includes it


class Stored(NamedTuple):
    """A component as a whole-view scan reads it for writers of its content (the exports):
    what a :class:`Component` says but its branch and release, which cost a conversion per
    row that such a reader never looks at."""

    id: str
    fields: dict[str, Any]
    timestamp: int  # commit timestamp of the revision
    revision: int  # the revision row's id


@dataclass(frozen=True, slots=True)
class Revision:
    """One entry of a component's history."""

    type: str
    id: str
    branch: str
    timestamp: int
    end_timestamp: int | None
    deleted: bool
    fields: dict[str, Any] | None
    author: str | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class Order:
    """Sort a page by one content field (a text, number or boolean one), then by id; blank
    values last in either direction."""

    field: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Component]
    total: int
    # Give back as ``after`` for the next page (None: no more): the last id in id order, or
    # (the order field's value, id) with an :class:`Order`.
    next_after: str | tuple[Any, str] | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """Ids per component type that are new, changed or deleted from ``base`` to ``compare``."""

    new: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    deleted: dict[str, list[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(v) for part in (self.new, self.changed, self.deleted) for v in part.values())


# Writes: a commit is a list of these.
@dataclass(frozen=True, slots=True)
class Create:
    type: str
    id: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Update:
    """Set the given fields; the others keep their current values."""

    type: str
    id: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Delete:
    type: str
    id: str


Change = Create | Update | Delete
