"""The one write path: every change to the store runs in a :func:`write` transaction.

``with write(engine, clock, author=..., comment=...) as tx:`` checks the author, begins a
transaction and allocates the commit timestamp ``tx.ts`` first (:func:`revisions.db.next_timestamp`:
strictly increasing, and its row lock serialises writers across processes until the
transaction ends). Inside, the write

- locks the branches it changes with :meth:`Transaction.lock` (or :meth:`~Transaction.lock_id`),
  always top-down (a parent before its child), so no two writers deadlock;
- records each commit with :meth:`Transaction.record`, which moves the branch's head;
- or, when nothing changed, calls :meth:`Transaction.discard`: everything rolls back, the
  clock row included, and the caller returns None.

Leaving the block commits; any error rolls everything back, so a head never moves on
failure. With ``derive``, structures the write left pending (a first bulk load, see
:mod:`revisions.derived`) are built after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from revisions import branches, db, derived, schema, values
from revisions.branches import BranchRow
from revisions.clock import Clock
from revisions.errors import InvalidRequest
from revisions.records import Commit, CommitKind

SYSTEM = "system"  # the author of the store's own commits (branch creation, versions)
log = logging.getLogger(__name__)


class Transaction:
    """One write in progress: its connection, timestamp, author and comment."""

    __slots__ = ("author", "comment", "connection", "discarded", "ts")

    def __init__(self, connection: Connection, ts: int, author: str, comment: str) -> None:
        self.connection = connection
        self.ts = ts
        self.author = author
        self.comment = comment
        self.discarded = False

    def lock(self, path: str, depth: int = 1) -> list[BranchRow]:
        """The live chain of ``path``, root first, its last ``depth`` rows re-read under a row
        lock, top-down (every write locks in this order, so none deadlock)."""
        chain = branches.load_live_chain(self.connection, path)
        for index in range(max(len(chain) - depth, 0), len(chain)):
            chain[index] = branches.lock(self.connection, chain[index].id)
        return chain

    def lock_id(self, branch_id: int) -> BranchRow:
        """One branch row, by id, under a row lock."""
        return branches.lock(self.connection, branch_id)

    def record(
        self,
        branch: BranchRow,
        kind: CommitKind,
        changes: int = 0,
        *,
        source: BranchRow | None = None,
        source_ts: int | None = None,
    ) -> Commit:
        """Record this transaction's commit of ``kind`` on ``branch`` and move its head there
        (a new branch's head is its creation already); the commit as returned to callers."""
        self.connection.execute(
            _INSERT_COMMIT,
            {
                "branch_id": branch.id,
                "ts": self.ts,
                "kind": kind.value,
                "author": self.author,
                "comment": self.comment,
                "changes": changes,
                "source_id": None if source is None else source.id,
                "source_ts": source_ts,
            },
        )
        if kind is not CommitKind.CREATE:
            branches.set_head(self.connection, branch.id, self.ts)
        return Commit(
            branch.path,
            self.ts,
            kind,
            self.author,
            self.comment,
            changes,
            None if source is None else source.path,
            source_ts,
        )

    def discard(self) -> None:
        """Nothing changed: roll everything back, the timestamp included."""
        self.connection.rollback()
        self.discarded = True


@contextmanager
def write(
    engine: Engine,
    clock: Clock,
    *,
    author: str = SYSTEM,
    comment: str = "",
    derive: bool = False,
    wait_ms: int | None = None,
) -> Iterator[Transaction]:
    """A write transaction (see the module docstring); ``derive`` builds what it left pending
    after the commit (a failure there is logged, not raised: the write has committed);
    ``wait_ms`` bounds the wait for a write in flight (:class:`~revisions.errors.StoreBusy`)."""
    check_author(author, comment)
    with engine.begin() as connection:
        ts = db.next_timestamp(connection, clock, wait_ms)
        tx = Transaction(connection, ts, author, comment)
        yield tx
    if derive and not tx.discarded:
        try:
            derived.derive(engine)
        except SQLAlchemyError as error:
            # A retry would meet its own ids: say the write committed. Searches stay exact
            # meanwhile; a later derive builds what is pending.
            log.warning("Write %s committed; its search tables were not built: %s", tx.ts, error)


def check_author(author: Any, comment: Any) -> None:
    if not isinstance(author, str) or not author.strip() or len(author) > 200:
        raise InvalidRequest("A commit needs an author (1 to 200 characters).")
    if not isinstance(comment, str):
        raise InvalidRequest("A commit comment must be text.")
    values.check_text("author", author)
    values.check_text("comment", comment)


# Built once: a statement built per call cost more in Python than its round trip.
_INSERT_COMMIT = schema.commits.insert()
