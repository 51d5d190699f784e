"""Content commits: a list of changes (:mod:`revisions.commit`) or a bulk load
(:mod:`revisions.bulk`) on one branch, inside the caller's :func:`revisions.transaction.write`.

Both lock the branch, refuse read-only ones (versions), and record one ``CONTENT`` commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from revisions import bulk, commit, registry
from revisions.components import component_type
from revisions.errors import ComponentExists
from revisions.records import Change, Commit, CommitKind
from revisions.transaction import Transaction
from revisions.visibility import head_view


def commit_changes(
    tx: Transaction,
    path: str,
    changes: Sequence[Change],
    expected: Mapping[tuple[str, str], int] | None = None,
    *,
    force: bool = False,
) -> Commit | None:
    """Apply ``changes`` on branch ``path``; None (the write discarded) if nothing changed.
    ``expected``: the revision each (type, id) must show, checked under the branch lock.
    Released components are not deleted (:class:`~revisions.errors.ReleasedComponent`)
    unless ``force``."""
    chain = tx.lock(path)
    commit.check_writable(chain[-1])
    plan = commit.Plan(tx.connection, head_view(tx.connection, chain))
    if expected:
        commit.check_expected(plan, expected)
    commit.replay(plan, changes)
    keys = plan.changed()
    if not keys:
        tx.discard()
        return None
    if not force:
        commit.check_released_kept(plan, keys)
    if any(key[0] == "description" for key in keys):
        allowed = registry.description_types(tx.connection, chain)
        commit.check_description_types(plan, keys, allowed)
    commit.check_references(plan, keys)
    count = commit.write(plan, chain[-1].id, tx.ts, keys)
    return tx.record(chain[-1], CommitKind.CONTENT, count)


def bulk_load(
    tx: Transaction, path: str, components: Mapping[str, Iterable[tuple[str, Mapping[str, Any]]]]
) -> Commit:
    """Create ``{type: iterable of (id, fields)}`` on branch ``path``, types in that order."""
    chain = tx.lock(path)
    commit.check_writable(chain[-1])
    loader = bulk.Loader(tx.connection, head_view(tx.connection, chain), chain[-1].id, tx.ts)
    total = 0
    try:
        for type_name, items in components.items():
            total += loader.load(component_type(type_name), items)
    except IntegrityError as error:
        raise ComponentExists("The load contains an id twice.") from error
    loader.finish()
    return tx.record(chain[-1], CommitKind.CONTENT, total)
