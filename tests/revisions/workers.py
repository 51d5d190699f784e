"""Functions run in separate processes by the concurrency tests (importable by ``spawn``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from revisions import Create, RevisionStore, make_engine
from revisions.errors import MergeConflicts


def commit_many(url: str, path: str, prefix: str, count: int, barrier: Any) -> list[int]:
    """Commit ``count`` concepts one commit each, after all workers reach the barrier."""
    engine = make_engine(url)
    store = RevisionStore(engine)
    barrier.wait(timeout=60)
    stamps = []
    for i in range(count):
        commit = store.commit(
            path, prefix, "concurrent", [Create("concept", f"{prefix}{i:03}", {})]
        )
        assert commit is not None
        stamps.append(commit.timestamp)
    engine.dispose()
    return stamps


def promote(url: str, path: str, barrier: Any) -> str:
    """Promote ``path`` after all workers reach the barrier; the outcome as text."""
    engine = make_engine(url)
    store = RevisionStore(engine)
    barrier.wait(timeout=60)
    try:
        store.promote(path, "u", "promote")
        outcome = "promoted"
    except MergeConflicts as error:
        outcome = "conflicts:" + ",".join(c.component_id for c in error.conflicts)
    engine.dispose()
    return outcome


def hold_a_load(url: str, path: str, count: int, started: Any, release: Any) -> None:
    """Bulk-load ``count`` concepts into ``path`` on the system clock, but before the load's
    transaction ends set ``started`` and wait (at most 60 s) for ``release``: a commit that
    took its timestamp and is not visible yet, like a long import."""

    def concepts() -> Iterator[tuple[str, dict[str, Any]]]:
        for i in range(count):
            yield f"held{i:05}", {}
        started.set()
        release.wait(timeout=60)

    engine = make_engine(url)
    RevisionStore(engine).bulk_load(path, "importer", "held load", {"concept": concepts()})
    engine.dispose()
