"""The revision store's public face: reads (:class:`revisions.reading.StoreReads`) and writes.

:class:`RevisionStore` takes an engine and a clock. Every write is one
:func:`revisions.transaction.write` (the commit timestamp first, branches locked top-down,
all or nothing); this class opens it and hands it to the module that does the work:
:mod:`revisions.branching`, :mod:`revisions.authoring` and :mod:`revisions.merging`. Code
systems (:attr:`RevisionStore.codesystems`) write through the same path.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import Engine

from revisions import authoring, branches, branching, derived, merging
from revisions.bulk_changes import BulkChanges
from revisions.clock import Clock, SystemClock
from revisions.codesystems import CodeSystems
from revisions.commit import check_writable
from revisions.epoch import Epoch
from revisions.merge import Resolution
from revisions.reading import READ_WAIT_MS, StoreReads
from revisions.records import Branch, Change, Commit
from revisions.transaction import Transaction, write

PATIENT_WAIT_MS = 3_600_000  # how long a job's write waits for the write in flight


class RevisionStore(StoreReads):
    """The store. ``read_wait_ms`` bounds how long a read at a past time waits for a commit
    in flight (:class:`~revisions.errors.CommitInFlight`); ``write_wait_ms`` how long a write
    waits for the write in flight (:class:`~revisions.errors.StoreBusy`); None leaves it to
    the database (PostgreSQL: no bound; SQLite: its 60 s busy timeout). Background jobs
    write through :meth:`patient`, which waits up to an hour."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock | None = None,
        *,
        read_wait_ms: int = READ_WAIT_MS,
        write_wait_ms: int | None = None,
        epoch: Epoch | None = None,
    ) -> None:
        super().__init__(engine, clock or SystemClock(), read_wait_ms=read_wait_ms, epoch=epoch)
        self.write_wait_ms = write_wait_ms
        self.codesystems = CodeSystems(engine, self.clock, write_wait_ms)

    def _write(self, **options: Any) -> AbstractContextManager[Transaction]:
        """A write transaction (:func:`revisions.transaction.write`) on this store."""
        return write(self.engine, self.clock, wait_ms=self.write_wait_ms, **options)

    def patient(self) -> RevisionStore:
        """This store (same engine, clock and caches) with writes that wait up to an hour
        for the write in flight: for jobs, which no client is waiting on."""
        if self.write_wait_ms == PATIENT_WAIT_MS:
            return self
        twin = copy.copy(self)
        twin.write_wait_ms = PATIENT_WAIT_MS
        twin.codesystems = CodeSystems(self.engine, self.clock, PATIENT_WAIT_MS)
        return twin

    # --- setup -----------------------------------------------------------------------------

    def initialize(self) -> None:
        """Create the clock row and ``MAIN`` if missing (after migrations; idempotent)."""
        branching.initialize(self.engine, self.clock)

    # --- branches --------------------------------------------------------------------------

    def create_branch(
        self,
        parent: str,
        name: str,
        metadata: Mapping[str, Any] | None = None,
        *,
        read_only: bool = False,
        layers: Sequence[tuple[str, int]] = (),
    ) -> Branch:
        """A new branch under ``parent`` based on the parent's head.

        ``layers``: (branch path, timestamp) pairs whose own content the new branch sees
        between itself and its parent, without copying.
        """
        with self._write() as tx:
            return branching.create_branch(
                tx, parent, name, metadata, read_only=read_only, layers=layers
            )

    def update_metadata(
        self, path: str, metadata: Mapping[str, Any], *, expected: Branch | None = None
    ) -> Branch:
        """Replace the branch's metadata; with ``expected``, only if the branch's record,
        read under its lock, is that one (else :class:`~revisions.errors.Changed`)."""
        with self._write() as tx:
            return branching.update_metadata(tx, path, metadata, expected)

    def delete_branch(self, path: str, *, expected: Branch | None = None) -> None:
        """Soft-delete the branch and everything below it; ``MAIN`` cannot be deleted.
        ``expected`` as for :meth:`update_metadata`."""
        with self._write() as tx:
            branching.delete_branch(tx, path, expected)

    # --- writes ----------------------------------------------------------------------------

    def commit(
        self,
        path: str,
        author: str,
        comment: str,
        changes: Sequence[Change],
        *,
        expected: Mapping[tuple[str, str], int] | None = None,
        force: bool = False,
    ) -> Commit | None:
        """Apply ``changes`` atomically on branch ``path``; None if nothing changed.

        ``expected``: ``{(type, id): revision}`` that the branch must show under its lock
        (the ``revision`` of a :class:`~revisions.records.Component` read earlier), else
        :class:`~revisions.errors.Changed` and nothing is written. A released component is
        not deleted unless ``force`` (an administrator's call).
        """
        with self._write(author=author, comment=comment) as tx:
            return authoring.commit_changes(tx, path, changes, expected, force=force)

    def bulk_load(
        self,
        path: str,
        author: str,
        comment: str,
        components: Mapping[str, Iterable[tuple[str, Mapping[str, Any]]]],
        *,
        derive: bool = True,
    ) -> Commit:
        """Create many components in one commit: ``{type: iterable of (id, fields)}``.

        Types load in the given order, so concepts should come before what refers to them.
        A first load into an empty store leaves search tables to be derived after its
        commit (:mod:`revisions.derived`); with ``derive`` (the default) that happens before
        this returns (a failure there is logged, not raised: the load has committed), else
        at the caller's :meth:`derive`. Searches are exact meanwhile.
        """
        with self._write(author=author, comment=comment, derive=derive) as tx:
            return authoring.bulk_load(tx, path, components)

    @contextmanager
    def bulk_changes(self, path: str, author: str, comment: str) -> Iterator[BulkChanges]:
        """One commit of many creations and changes on branch ``path``, for importers
        (:mod:`revisions.bulk_changes`): ``with store.bulk_changes(...) as changes:`` read
        with ``changes.current``, write with ``changes.create``/``changes.change``; leaving
        the block checks and records the commit (``changes.commit``, None if nothing
        changed); an error inside rolls everything back. Search tables a first load left
        pending are built after the commit."""
        with self._write(author=author, comment=comment, derive=True) as tx:
            changes = BulkChanges(tx, path)
            yield changes
            changes.commit = changes.finish()

    def derive(self) -> list[str]:
        """Build the search tables a bulk load left pending (none: nothing to do); the
        names of those built. Safe to call at any time and from any process."""
        return derived.derive(self.engine)

    # --- merges ----------------------------------------------------------------------------

    def merge(
        self,
        source: str,
        target: str,
        author: str,
        comment: str,
        resolutions: Sequence[Resolution] = (),
    ) -> Commit | None:
        """Rebase (source is target's parent) or promote (target is source's parent)."""
        step, path = merging.merge_step(source, target)
        with self._write(author=author, comment=comment) as tx:
            return step(tx, path, resolutions)

    def check_merge(self, source: str, target: str) -> None:
        """Refuse at once what :meth:`merge` would refuse whatever the branches hold: a
        branch onto itself, branches that are not parent and child (:class:`InvalidMerge`),
        an unknown branch (:class:`BranchNotFound`), a deleted one (:class:`BranchDeleted`),
        a version on either side (:class:`BranchReadOnly`: a merge writes both)."""
        merging.merge_step(source, target)
        with self.reading() as connection:
            for path in (source, target):
                check_writable(branches.load_live_chain(connection, path)[-1])

    def rebase(
        self, path: str, author: str, comment: str, resolutions: Sequence[Resolution] = ()
    ) -> Commit | None:
        """Bring the parent's newer changes into branch ``path``; None if there were none."""
        with self._write(author=author, comment=comment) as tx:
            return merging.rebase(tx, path, resolutions)

    def promote(
        self, path: str, author: str, comment: str, resolutions: Sequence[Resolution] = ()
    ) -> Commit | None:
        """Apply branch ``path``'s changes to its parent in one commit; None if it had none."""
        with self._write(author=author, comment=comment) as tx:
            return merging.promote(tx, path, resolutions)
