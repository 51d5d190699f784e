"""The revision store: branches, commits, visibility, merges. Knows nothing of HTTP.

Start with :class:`RevisionStore`; the values it takes and returns are in
:mod:`revisions.records`, its errors in :mod:`revisions.errors`. Every write goes through
:func:`revisions.transaction.write`.
"""

from revisions.clock import Clock, ManualClock, SystemClock
from revisions.db import make_engine, upgrade
from revisions.filters import Filter
from revisions.merge import ConflictingAttribute, MergeConflict, Resolution
from revisions.records import (
    Branch,
    BranchState,
    Change,
    Commit,
    CommitKind,
    Comparison,
    Component,
    Create,
    Delete,
    Order,
    Page,
    ReadPoint,
    ReadRange,
    Revision,
    Update,
)
from revisions.registry import CodeSystem, Version
from revisions.store import RevisionStore
from revisions.visibility import View

__all__ = [
    "Branch",
    "BranchState",
    "Change",
    "Clock",
    "CodeSystem",
    "Commit",
    "CommitKind",
    "Comparison",
    "Component",
    "ConflictingAttribute",
    "Create",
    "Delete",
    "Filter",
    "ManualClock",
    "MergeConflict",
    "Order",
    "Page",
    "ReadPoint",
    "ReadRange",
    "Resolution",
    "Revision",
    "RevisionStore",
    "SystemClock",
    "Update",
    "Version",
    "View",
    "make_engine",
    "upgrade",
]
