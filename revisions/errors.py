"""Errors raised by the revision store. They carry no HTTP status; ``api/`` maps them.

::

    StoreError
    ├── NotFound
    │   ├── BranchNotFound
    │   ├── ComponentNotFound
    │   ├── CodeSystemNotFound
    │   └── VersionNotFound
    ├── InvalidRequest                  the caller asked for something that cannot be
    │   ├── InvalidBranchName
    │   ├── InvalidComponent            .violations: list of messages
    │   ├── InvalidReadPoint            e.g. the base of MAIN, a time before a branch existed
    │   ├── BranchDeleted
    │   ├── BranchReadOnly
    │   ├── MissingReference            a component points at one not visible in the view
    │   └── InvalidMerge                e.g. unrelated branches, a branch onto itself
    ├── Changed                         not the state the write was told to expect
    └── Conflict
        ├── BranchExists
        ├── ComponentExists
        ├── CodeSystemExists
        ├── VersionExists
        ├── StillReferenced             a deletion would leave dangling references
        ├── ReleasedComponent           a released component is inactivated, not deleted
        └── MergeConflicts              .conflicts: list of revisions.merge.MergeConflict
    Unavailable                         the store cannot answer now; a retry later may
    ├── CommitInFlight                  a read at a past time waited for a write too long
    └── StoreBusy                       a write waited for another write too long
"""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    """Base of every error the store raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(StoreError):
    pass


class BranchNotFound(NotFound):
    pass


class ComponentNotFound(NotFound):
    pass


class InvalidRequest(StoreError):
    pass


class InvalidBranchName(InvalidRequest):
    pass


class InvalidComponent(InvalidRequest):
    def __init__(self, message: str, violations: list[str] | None = None) -> None:
        super().__init__(message)
        self.violations = violations or []


class InvalidReadPoint(InvalidRequest):
    pass


class BranchDeleted(InvalidRequest):
    pass


class BranchReadOnly(InvalidRequest):
    pass


class MissingReference(InvalidRequest):
    pass


class InvalidMerge(InvalidRequest):
    pass


class Changed(StoreError):
    """A write given the state it expects (``expected=``) found another: someone changed
    the resource first. Nothing is written."""


class Conflict(StoreError):
    pass


class BranchExists(Conflict):
    pass


class ComponentExists(Conflict):
    pass


class StillReferenced(Conflict):
    pass


class ReleasedComponent(Conflict):
    pass


class MergeConflicts(Conflict):
    def __init__(self, message: str, conflicts: list[Any]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


class CodeSystemNotFound(NotFound):
    pass


class VersionNotFound(NotFound):
    pass


class CodeSystemExists(Conflict):
    pass


class VersionExists(Conflict):
    pass


class Unavailable(StoreError):
    """Not the caller's fault and not permanent: the same request may succeed later."""


class CommitInFlight(Unavailable):
    pass


class StoreBusy(Unavailable):
    pass
