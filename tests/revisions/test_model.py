"""The store against a naive model: random branches, commits, rebases, promotions and reads.

A hypothesis state machine drives :class:`revisions.RevisionStore` and the model of
``tests/revisions/model.py`` side by side: concepts (ids from a small pool, plus runs of
filler ids written in bulk) and descriptions pointing at them, on a tree of up to five
branches down to ``MAIN/x/y/z`` that are created, deleted and created again. The model keeps
a full snapshot per branch per commit and works out from DESIGN.md §2 what every operation
must do: the content, the refused commits, the cascades, the conflicts of a merge (keys,
types, clashing fields) round after round of resolutions, which merges are no-ops, the
branches' timestamps, states and commit logs. A rule aims at deletions across a merge (the
parent deletes what the child left alone, the child deletes, both delete, delete against
change; then a rebase or a promotion), which random commits rarely line up. After every step,
every branch's head has one row per id, an exact total, and equals the model, and the
revision tables themselves show every replaced revision closed (not only the unique index:
see ``tests/revisions/helpers.py``); reads at the head, at random past timestamps and at base
points (whole, page by page, filtered, by id) and comparisons are checked against its
snapshots.

Profiles (env ``SNOWPATH_HYPOTHESIS_PROFILE``; docs/testing.md):

- ``ci``, the default: 50 examples of 30 steps per backend, each backend with its own fixed
  seed (:data:`CI_SEEDS`), so every run repeats the same examples; about 31 s on SQLite
  and 45-50 s on PostgreSQL on the shared 2-core machine (docs/testing.md).
- ``long``, for a scheduled or manual CI run: 1,000 examples of 50 steps from a new random
  seed each run, no time limit, a failure printed with its ``@reproduce_failure`` blob;
  about 17 minutes on SQLite and 20 on PostgreSQL (docs/testing.md)::

    SNOWPATH_HYPOTHESIS_PROFILE=long .venv/bin/pytest -p no:cacheprovider -x \
        tests/revisions/test_model.py -k "not postgres"

  (``-k postgres`` for PostgreSQL; ``--hypothesis-seed=N`` repeats a run's seed).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, note, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine

from revisions import (
    BranchState,
    CommitKind,
    Component,
    Create,
    Delete,
    Filter,
    ManualClock,
    ReadPoint,
    Resolution,
    RevisionStore,
    Update,
    View,
    make_engine,
)
from revisions.errors import (
    BranchDeleted,
    BranchExists,
    ComponentExists,
    ComponentNotFound,
    InvalidComponent,
    InvalidReadPoint,
    MergeConflicts,
    MissingReference,
)
from tests.conftest import empty_postgres
from tests.revisions.helpers import (
    broken_revision_chains,
    edges_table_difference,
    open_revisions,
    revision_rows,
    words_table_difference,
)
from tests.revisions.model import (
    CONCEPT,
    DESCRIPTION,
    DESCRIPTION_IDS,
    FILLER,
    IDS,
    MAIN,
    TERMS,
    Change,
    Conflict,
    Content,
    Key,
    Model,
    Outcome,
    Snapshot,
    apply_changes,
    chosen_content,
    invalid_change,
    merge,
    normalise,
    of_type,
)

settings.register_profile(
    "ci",
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=1_000,
    stateful_step_count=50,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = os.environ.get("SNOWPATH_HYPOTHESIS_PROFILE", "ci")
# The ci profile's fixed seed per backend: each database runs its own 50 examples, both the
# same on every run. The long profile draws a new seed each run (``--hypothesis-seed=N``
# repeats one).
CI_SEEDS = {"sqlite": 15, "postgres": 1015}
# A failure spends up to five more minutes shrinking: allow for it (no limit when long).
TIME_LIMIT_S = 0 if PROFILE == "long" else 900

NAMES = ("a", "b", "c")
MAX_BRANCHES = 5  # MAIN and four more
MAX_PAST_ANSWERS = 6  # past reads remembered to be read again
MAX_DEPTH = 3  # MAIN/x/y/z
PAGE = 3
ALL = 10_000
AUTHOR = "model"
ERRORS = {
    "exists": ComponentExists,
    "not found": ComponentNotFound,
    "invalid": InvalidComponent,
    "missing reference": MissingReference,
}

ticks = st.integers(1, 5)
indexes = st.integers(0, 63)
kinds = st.sampled_from(["create", "update", "delete"])
concept_fields = st.fixed_dictionaries(
    {},
    optional={
        "concept_class": st.sampled_from(["A", "B", "C"]),
        "module_id": st.sampled_from(["m1", "m2", None]),
        "active": st.booleans(),
    },
)
description_fields = st.fixed_dictionaries(
    {},
    optional={
        "concept_id": st.sampled_from(IDS),
        "term": st.sampled_from(TERMS),
        "preferred": st.booleans(),
    },
)
operations = st.lists(
    st.one_of(
        st.tuples(kinds, st.sampled_from([(CONCEPT, c) for c in IDS]), concept_fields),
        st.tuples(
            kinds, st.sampled_from([(DESCRIPTION, d) for d in DESCRIPTION_IDS]), description_fields
        ),
    ),
    min_size=1,
    max_size=4,
)
# Where to put an invalid change in a commit, of which kind, on which key.
spoilers = st.tuples(indexes, st.sampled_from(["create", "update", "delete", "reference"]), indexes)
# A deletion across a merge: what the child and what its parent do to one key they share.
deletions = st.sampled_from(
    [
        ("keep", "delete"),
        ("delete", "keep"),
        ("delete", "delete"),
        ("delete", "update"),
        ("update", "delete"),
    ]
)
# The same keys changed on a branch and on its parent, each side its own way.
both_sides = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from([(CONCEPT, c) for c in IDS]),
            st.tuples(kinds, concept_fields),
            st.tuples(kinds, concept_fields),
        ),
        st.tuples(
            st.sampled_from([(DESCRIPTION, d) for d in DESCRIPTION_IDS]),
            st.tuples(kinds, description_fields),
            st.tuples(kinds, description_fields),
        ),
    ),
    min_size=1,
    max_size=3,
)


def _choice(content: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.just(("SOURCE", None)), st.just(("TARGET", None)), st.tuples(st.just("CONTENT"), content)
    )


full_description = st.fixed_dictionaries(
    {"concept_id": st.sampled_from(IDS), "term": st.sampled_from(TERMS)},
    optional={"preferred": st.booleans()},
)
# How to resolve a conflict: a choice per pool key, and one for any other (filler) key.
choices = st.tuples(
    st.fixed_dictionaries(
        {
            **{(CONCEPT, c): _choice(concept_fields) for c in IDS},
            **{(DESCRIPTION, d): _choice(full_description) for d in DESCRIPTION_IDS},
        }
    ),
    _choice(concept_fields),
)


def _has_words(term: str, query: str) -> bool:
    """Every word of ``query`` starts a word of ``term``, ignoring case."""
    found = term.lower().split()
    return all(any(w.startswith(q) for w in found) for q in query.lower().split())


# Named filtered reads: (component type, Filter.of arguments, what the model selects).
FILTERS: dict[str, tuple[str, dict[str, Any], Callable[[Content], bool]]] = {
    "class A": (CONCEPT, {"concept_class": "A"}, lambda c: c["concept_class"] == "A"),
    "class B or C": (
        CONCEPT,
        {"concept_class": ("B", "C")},
        lambda c: c["concept_class"] in ("B", "C"),
    ),
    "inactive": (CONCEPT, {"active": False}, lambda c: c["active"] is False),
    "module m1": (CONCEPT, {"module_id": "m1"}, lambda c: c["module_id"] == "m1"),
    "of concept 1": (DESCRIPTION, {"concept_id": "1"}, lambda c: c["concept_id"] == "1"),
    "preferred": (DESCRIPTION, {"preferred": True}, lambda c: c["preferred"] is True),
    "term 'hea'": (DESCRIPTION, {"term": "hea"}, lambda c: _has_words(c["term"], "hea")),
    "term 'ATT l'": (DESCRIPTION, {"term": "ATT l"}, lambda c: _has_words(c["term"], "ATT l")),
}

Opener = Callable[[], tuple[Engine, Callable[[], None]]]
Row = tuple[str, Content]


# Term searches: one word (the words table on PostgreSQL) and several (the GIN index).
SEARCHES = ("hea", "heart", "ATTACK", "lung", "att l", "of", "heart fail")


def expected_search(snapshot: Snapshot, text: str) -> list[str]:
    """Concept ids matching ``text``, best first: per concept the best active description
    (the term is the text, then starts with it, then the rest; then the size in bytes)."""
    norm = " ".join(text.lower().split())
    best: dict[str, tuple[int, str]] = {}
    for content in of_type(snapshot, DESCRIPTION).values():
        term = content["term"]
        if not content["active"] or not _has_words(term, text):
            continue
        tier = 0 if term.lower() == norm else 1 if term.lower().startswith(norm) else 2
        key = (tier * 1000 + min(len(term.encode()), 999), content["concept_id"])
        best[content["concept_id"]] = min(best.get(content["concept_id"], key), key)
    return [cid for _, cid in sorted(best.values())]


def expected_rows(snapshot: Snapshot, type_name: str) -> list[Row]:
    return sorted(of_type(snapshot, type_name).items())


def rows_of(items: list[Component]) -> list[Row]:
    return [(item.id, item.fields) for item in items]


def to_store(change: Change) -> Create | Update | Delete:
    kind, (type_name, cid), fields = change
    if kind == "create":
        return Create(type_name, cid, fields)
    if kind == "update":
        return Update(type_name, cid, fields)
    return Delete(type_name, cid)


class StoreMachine(RuleBasedStateMachine):
    def __init__(self, open_engine: Opener) -> None:
        super().__init__()
        self.engine, self.close = open_engine()
        self.clock = ManualClock()
        self.store = RevisionStore(self.engine, self.clock)
        self.store.initialize()
        self.model = Model()
        self.model.start(self.clock.value)
        self.rows_checked_at = -1  # the clock when the revision rows were last checked
        # (path, read point, type) -> rows: see past_reads_stay
        self.past_answers: dict[tuple[str, ReadPoint, str], list[Row]] = {}

    def teardown(self) -> None:
        self.close()

    # --- helpers ---------------------------------------------------------------------------

    def tick(self, delta: int = 1) -> int:
        return self.clock.advance(delta)

    def pick(
        self,
        index: int,
        *,
        children_only: bool = False,
        prefer: Callable[[str], bool] | None = None,
    ) -> str:
        """A branch by index, among those that ``prefer`` (if any do)."""
        paths = sorted(p for p in self.model.branches if not (children_only and p == MAIN))
        preferred = [p for p in paths if prefer(p)] if prefer else []
        paths = preferred or paths
        return paths[index % len(paths)]

    def has_changes(self, path: str) -> bool:
        return self.model.branches[path].head != self.model.base_snapshot(path)

    def past(self, path: str, offset: int) -> int:
        """A time between the branch's creation and now."""
        created = self.model.branches[path].created_ts
        return created + offset % (self.clock.value - created + 1)

    def read_all(
        self, point: ReadPoint | View, type_name: str, filter_: Filter | None = None
    ) -> list[Row]:
        """The full list at ``point``: one row per id, an exact total, no next page."""
        page = self.store.page(point, type_name, filter_, limit=ALL)
        ids = [item.id for item in page.items]
        assert len(ids) == len(set(ids)), f"duplicate {type_name} ids at {point}: {ids}"
        assert page.total == len(page.items), f"{type_name} total at {point}"
        assert page.next_after is None
        return rows_of(page.items)

    def read_in_pages(
        self, point: ReadPoint, type_name: str, filter_: Filter | None = None
    ) -> list[Row]:
        """The list at ``point`` read ``PAGE`` items at a time; every page has the same total."""
        rows: list[Row] = []
        totals = set()
        after = None
        while True:
            page = self.store.page(point, type_name, filter_, after=after, limit=PAGE)
            assert len(page.items) <= PAGE
            totals.add(page.total)
            rows += rows_of(page.items)
            if page.next_after is None:
                assert totals == {len(rows)}, f"paged {type_name} totals at {point}"
                return rows
            assert page.items, f"an empty page that promises more at {point}"
            after = page.next_after

    def check_branch_record(self, path: str) -> None:
        """Timestamps and state; FORWARD is exact only where the model knows the answer."""
        branch = self.model.branches[path]
        record = self.store.get_branch(path)
        assert (record.created_ts, record.head_ts, record.base_ts) == (
            branch.created_ts,
            branch.head_ts,
            branch.base_ts,
        ), path
        if branch.parent is None:
            assert record.state == BranchState.UP_TO_DATE
            return
        forward = {False, True}
        if branch.head != self.model.base_snapshot(path):
            forward = {True}
        elif branch.pristine:
            forward = {False}
        allowed = {_state(self.model.is_behind(path), f) for f in forward}
        assert record.state in allowed, f"{path}: {record.state}, expected one of {allowed}"

    # --- branches and commits --------------------------------------------------------------

    @initialize(
        tree=st.lists(st.tuples(ticks, indexes, st.sampled_from(NAMES)), min_size=1, max_size=3)
    )
    def grow_tree(self, tree: list[tuple[int, int, str]]) -> None:
        """Start every example with some branches, so that merges have something to do."""
        for delta, index, name in tree:
            self.create_branch(delta, index, name)

    @precondition(lambda self: len(self.model.branches) < MAX_BRANCHES)
    @rule(delta=ticks, index=indexes, name=st.sampled_from(NAMES))
    def create_branch(self, delta: int, index: int, name: str) -> None:
        parents = sorted(p for p, b in self.model.branches.items() if b.depth < MAX_DEPTH)
        parent = parents[index % len(parents)]
        path = f"{parent}/{name}"
        ts = self.tick(delta)
        if path in self.model.branches:
            with pytest.raises(BranchExists):
                self.store.create_branch(parent, name)
            return
        branch = self.store.create_branch(parent, name)
        assert (branch.path, branch.created_ts, branch.head_ts) == (path, ts, ts)
        assert branch.base_ts == self.model.branches[parent].head_ts
        assert branch.state == BranchState.UP_TO_DATE
        self.model.create_branch(parent, name, ts)
        event(f"branch depth {path.count('/')}")

    @precondition(lambda self: len(self.model.branches) > 1)
    @rule(delta=ticks, index=indexes)
    def delete_branch(self, delta: int, index: int) -> None:
        """Delete a branch (and those below it): gone for reads and writes; its path is free
        to be created again, as a new branch."""
        path = self.pick(index, children_only=True)
        self.tick(delta)
        self.store.delete_branch(path)
        for gone in self.model.delete_branch(path):
            with pytest.raises(BranchDeleted):
                self.store.page(ReadPoint(gone), CONCEPT)
        self.tick()
        with pytest.raises(BranchDeleted):
            self.store.commit(path, AUTHOR, "c", [Create(CONCEPT, IDS[0], {})])

    @rule(delta=ticks, index=indexes, wanted=operations, spoil=st.none() | spoilers)
    def commit(
        self, delta: int, index: int, wanted: list[Change], spoil: tuple[int, str, int] | None
    ) -> None:
        """Valid changes; when ``spoil``, with an invalid change among them: then nothing at
        all is written (unless a later change happens to repair a dangling reference)."""
        path = self.pick(index)
        head = self.model.branches[path].head
        changes = normalise(head, wanted)
        if spoil is not None:
            position, bad, which = spoil
            position %= len(changes) + 1
            state, error = apply_changes(head, changes[:position])
            assert error is None
            changes.insert(position, invalid_change(state, bad, which))
        self.commit_changes(delta, path, changes)

    @precondition(lambda self: len(self.model.branches) > 1)
    @rule(
        delta=ticks,
        index=indexes,
        changes=both_sides,
        then=st.sampled_from([None, "rebase", "promote"]),
        chosen=choices,
    )
    def commit_on_both_sides(
        self, delta: int, index: int, changes: list[tuple], then: str | None, chosen: tuple
    ) -> None:
        """A commit on a branch, one on its parent of the same keys, and maybe a merge of the
        two: where conflicts come from."""
        path = self.pick(index, children_only=True)
        parent = self.model.parent_of(path)
        on_child = [(kind, key, fields) for key, (kind, fields), _ in changes]
        on_parent = [(kind, key, fields) for key, _, (kind, fields) in changes]
        self.commit_changes(delta, path, normalise(self.model.branches[path].head, on_child))
        self.commit_changes(1, parent.path, normalise(parent.head, on_parent))
        if then == "rebase":
            self.rebase_branch(1, path, chosen)
        elif then == "promote":
            self.promote_branch(1, path, chosen)

    @precondition(lambda self: len(self.model.branches) > 1)
    @rule(
        index=indexes,
        which=indexes,
        sides=deletions,
        then=st.sampled_from(["rebase", "promote"]),
        chosen=choices,
    )
    def delete_across_a_merge(
        self, index: int, which: int, sides: tuple[str, str], then: str, chosen: tuple
    ) -> None:
        """A key that a branch and its parent show as at the branch's base, deleted on one
        side or both, or deleted on one and changed on the other; then a rebase or a
        promotion. Random commits rarely line these up, and a merge that drops a deletion
        shows only here."""
        path = self.pick(index, children_only=True)
        key = self.shared_key(path, which, chosen)
        if key is None:
            event("deletion across a merge: no shared key")
            return
        event(f"deletion across a merge: (child, parent) {sides}, then {then}")
        for side, kind in zip((path, self.model.parent_of(path).path), sides, strict=True):
            if kind != "keep":
                content = self.model.branches[side].head[key]
                self.commit_changes(1, side, [(kind, key, _another(key, content, kind))])
        if then == "rebase":
            self.rebase_branch(1, path, chosen)
        else:
            self.promote_branch(1, path, chosen)

    def shared_key(self, path: str, which: int, chosen: tuple) -> Key | None:
        """A pool key the branch, its base and its parent all show alike; if none, a new
        concept of the parent's, rebased into the branch."""
        for attempt in range(2):
            child, parent = self.model.branches[path], self.model.parent_of(path)
            base = self.model.base_snapshot(path)
            shared = [
                key
                for key, content in sorted(base.items())
                if key[1] not in FILLER and child.head.get(key) == parent.head.get(key) == content
            ]
            if shared:
                return shared[which % len(shared)]
            fresh = [c for c in IDS if all((CONCEPT, c) not in b.head for b in (child, parent))]
            if attempt or not fresh:
                return None
            self.commit_changes(1, parent.path, [("create", (CONCEPT, fresh[0]), {})])
            self.rebase_branch(1, path, chosen)
        return None

    @rule(
        delta=ticks,
        index=indexes,
        start=st.integers(0, len(FILLER) - 1),
        count=st.integers(1, 30),
        kind=kinds,
        values=concept_fields,
    )
    def commit_many(
        self, delta: int, index: int, start: int, count: int, kind: str, values: Content
    ) -> None:
        """One commit over a run of FILLER concepts (deleting only those that exist)."""
        path = self.pick(index)
        head = self.model.branches[path].head
        keys = [(CONCEPT, cid) for cid in FILLER[start : start + count]]
        if kind == "delete":
            keys = [key for key in keys if key in head]
        self.commit_changes(delta, path, normalise(head, [(kind, key, values) for key in keys]))

    @rule(
        delta=ticks,
        index=indexes,
        concept_id=st.sampled_from(IDS),
        description_id=st.sampled_from(DESCRIPTION_IDS),
        term=st.sampled_from(TERMS),
        active=st.booleans(),
    )
    def describe(
        self,
        delta: int,
        index: int,
        concept_id: str,
        description_id: str,
        term: str,
        active: bool,
    ) -> None:
        """A concept (created where the branch lacks it) and a description of it: searches
        and the words table need descriptions, which random commits rarely make valid."""
        path = self.pick(index)
        fields = {"concept_id": concept_id, "term": term, "active": active}
        wanted = [
            ("create", (CONCEPT, concept_id), {}),
            ("create", (DESCRIPTION, description_id), fields),
        ]
        self.commit_changes(delta, path, normalise(self.model.branches[path].head, wanted))

    def commit_changes(self, delta: int, path: str, changes: list[Change]) -> None:
        branch = self.model.branches[path]
        note(f"commit on {path}: {changes}")
        after, error = apply_changes(branch.head, changes)
        ts = self.tick(delta)
        if error is not None:
            event(f"commit refused: {error}")
            with pytest.raises(ERRORS[error]):
                self.store.commit(path, AUTHOR, "c", [to_store(c) for c in changes])
            assert self.store.get_branch(path).head_ts == branch.head_ts, "a refused commit"
            return
        result = self.store.commit(path, AUTHOR, "c", [to_store(c) for c in changes])
        if after == branch.head:
            assert result is None, "a commit that changes nothing must return None"
            return
        assert result is not None
        assert (result.branch, result.timestamp, result.kind) == (path, ts, CommitKind.CONTENT)
        branch.record(ts, after, CommitKind.CONTENT)
        branch.pristine = False

    # --- merges ----------------------------------------------------------------------------

    @precondition(lambda self: len(self.model.branches) > 1)
    @rule(delta=ticks, index=indexes, chosen=choices)
    def rebase(self, delta: int, index: int, chosen: tuple) -> None:
        path = self.pick(index, children_only=True, prefer=self.model.is_behind)
        self.rebase_branch(delta, path, chosen)

    def rebase_branch(self, delta: int, path: str, chosen: tuple) -> None:
        child, parent = self.model.branches[path], self.model.parent_of(path)
        self.tick(delta)
        if not self.model.is_behind(path):
            event("rebase: parent has nothing new")
            assert self.store.rebase(path, AUTHOR, "r") is None
            return
        assert child.base_ts is not None
        sides = parent.at(child.base_ts), parent.head, child.head
        outcome, resolutions = self.negotiate(self.store.rebase, path, sides, chosen)
        if outcome is None:
            return
        result = self.store.rebase(path, AUTHOR, "r", resolutions)
        assert result is not None
        ts = self.clock.value
        assert (result.branch, result.timestamp, result.kind) == (path, ts, CommitKind.REBASE)
        assert (result.source, result.source_timestamp) == (parent.path, parent.head_ts)
        child.record(ts, outcome.result, CommitKind.REBASE)
        child.base_ts = parent.head_ts
        self.check_branch_record(path)

    @precondition(lambda self: len(self.model.branches) > 1)
    @rule(delta=ticks, index=indexes, chosen=choices)
    def promote(self, delta: int, index: int, chosen: tuple) -> None:
        path = self.pick(index, children_only=True, prefer=self.has_changes)
        self.promote_branch(delta, path, chosen)

    def promote_branch(self, delta: int, path: str, chosen: tuple) -> None:
        child, parent = self.model.branches[path], self.model.parent_of(path)
        self.tick(delta)
        assert child.base_ts is not None
        sides = parent.at(child.base_ts), child.head, parent.head
        outcome, resolutions = self.negotiate(self.store.promote, path, sides, chosen)
        if outcome is None:
            return
        result = self.store.promote(path, AUTHOR, "p", resolutions)
        if result is None:
            event("promote: nothing of its own")
            # Allowed only if the child shows exactly its base.
            assert sides[1] == sides[0], f"promote of {path} with changes returned None"
            return
        assert not child.pristine, f"promote of {path} without own changes made a commit"
        ts = self.clock.value
        assert (result.branch, result.timestamp) == (parent.path, ts)
        assert (result.kind, result.source, result.source_timestamp) == (
            CommitKind.PROMOTION,
            path,
            child.head_ts,
        )
        event(f"promote: {'behind' if self.model.is_behind(path) else 'up to date'}")
        parent.pristine = parent.pristine and outcome.result == parent.head
        parent.record(ts, outcome.result, CommitKind.PROMOTION)
        child.record(ts, dict(outcome.result), CommitKind.PROMOTED)
        child.base_ts = ts
        child.pristine = True
        self.check_branch_record(path)
        self.check_branch_record(parent.path)

    def negotiate(
        self,
        merge_call: Callable[..., Any],
        path: str,
        sides: tuple[Snapshot, Snapshot, Snapshot],
        chosen: tuple,
    ) -> tuple[Outcome | None, list[Resolution]]:
        """Repeat the merge with resolutions for the conflicts the model predicts, round by
        round, until it predicts none: then the outcome and the resolutions to merge with.
        None if the resolutions would leave a dangling reference (the store must refuse)."""
        ancestor, source, target = sides
        resolved: dict[Key, Content | None] = {}
        resolutions: list[Resolution] = []
        per_key, rest = chosen
        for round_ in itertools.count():
            outcome = merge(ancestor, source, target, resolved)
            if outcome.dangling_resolved:
                event(f"{merge_call.__name__}: resolved into a dangling reference")
                note(f"dangling after resolution: {sorted(outcome.dangling_resolved)}")
                with pytest.raises((MergeConflicts, MissingReference)):
                    merge_call(path, AUTHOR, "m", resolutions)
                return None, resolutions
            if not outcome.conflicts:
                event(f"{merge_call.__name__}: {round_} conflict round(s)")
                self.tick()
                return outcome, resolutions
            self.expect_conflicts(merge_call, path, outcome.conflicts, resolutions)
            for key in sorted(outcome.conflicts):
                choice = per_key.get(key, rest)
                resolved[key] = chosen_content(key, choice, ancestor, source, target)
                resolutions.append(Resolution(key[0], key[1], *choice))
            note(f"resolutions: {resolutions}")
            self.tick()
        raise AssertionError("unreachable")

    def expect_conflicts(
        self,
        merge_call: Callable[..., Any],
        path: str,
        conflicts: dict[Key, Conflict],
        resolutions: list[Resolution],
    ) -> None:
        """The merge must raise exactly the conflicts the model predicts."""
        with pytest.raises(MergeConflicts) as raised:
            merge_call(path, AUTHOR, "m", resolutions)
        self.check_branch_record(path)  # nothing moved
        self.check_branch_record(self.model.parent_of(path).path)
        reported = {(c.component_type, c.component_id): c for c in raised.value.conflicts}
        assert sorted(reported) == sorted(conflicts), f"conflicts of {path}"
        for key, conflict in reported.items():
            assert conflict.type == conflicts[key].kind, f"conflict type of {key}"
            if conflict.type == "CONFLICTING_CHANGE":
                clashing = {a.property for a in conflict.conflicting_attributes}
                assert clashing == conflicts[key].properties, f"clashing fields of {key}"

    # --- reads -----------------------------------------------------------------------------

    @rule(
        index=indexes,
        where=st.sampled_from(["head", "past", "base"]),
        offset=st.integers(0, 10_000),
        filter_by=st.sampled_from(sorted(FILTERS)),
    )
    def read(self, index: int, where: str, offset: int, filter_by: str) -> None:
        """A head, a past point or a base point: whole, page by page, filtered, by id."""
        path, point, snapshot = self.read_point(index, where, offset)
        branch = self.model.branches[path]
        type_name, arguments, selects = FILTERS[filter_by]
        expected = expected_rows(snapshot, type_name)
        assert self.read_all(point, type_name) == expected, point
        assert self.read_in_pages(point, type_name) == expected, f"{point} in pages"
        past = point.timestamp is not None and point.timestamp < self.clock.value
        if past and len(self.past_answers) < MAX_PAST_ANSWERS:
            self.past_answers[(path, point, type_name)] = self.read_all(point, type_name)
        selected = [(cid, row) for cid, row in expected if selects(row)]
        filter_ = Filter.of(**arguments)
        assert self.read_all(point, type_name, filter_) == selected, f"{point} {filter_}"
        assert self.read_in_pages(point, type_name, filter_) == selected, f"{point} {filter_}"
        ids = IDS + FILLER if type_name == CONCEPT else DESCRIPTION_IDS
        found = self.store.get_many(point, type_name, ids)
        assert sorted(rows_of(list(found.values()))) == expected, f"get_many at {point}"
        # One by one as well: head reads reuse a kept view while the store clock stands still.
        shown = dict(expected)
        for cid in IDS if type_name == CONCEPT else DESCRIPTION_IDS:
            try:
                got = rows_of([self.store.get(point, type_name, cid)])
            except ComponentNotFound:
                got = []
            assert got == ([(cid, shown[cid])] if cid in shown else []), f"get {cid} at {point}"
        with pytest.raises(InvalidReadPoint):
            self.store.page(ReadPoint(path, timestamp=branch.created_ts - 1), type_name)

    @precondition(lambda self: self.past_answers)
    @rule()
    def past_reads_stay(self) -> None:
        """A read at a past time answers what it answered when first read, whatever was
        committed, merged or deleted since (the model's snapshots cannot check this: a read
        at a time not yet past may still change)."""
        for (path, point, type_name), rows in self.past_answers.items():
            branch = self.model.branches.get(path)
            if branch is None or branch.created_ts > (point.timestamp or 0):
                continue  # deleted since (and perhaps made anew): that past is not addressable
            assert self.read_all(point, type_name) == rows, f"{type_name} at {point} changed"

    def read_point(self, index: int, where: str, offset: int) -> tuple[str, ReadPoint, Snapshot]:
        """A branch's head, past point (``offset`` picks the time) or base point, with the
        model's snapshot there."""
        base = where == "base" and len(self.model.branches) > 1
        path = self.pick(index, children_only=base)
        branch = self.model.branches[path]
        if base:
            return path, ReadPoint(path, base=True), self.model.base_snapshot(path)
        if where == "head":
            return path, ReadPoint(path), branch.head
        ts = self.past(path, offset)
        return path, ReadPoint(path, timestamp=ts), branch.at(ts)

    @rule(
        index=indexes,
        where=st.sampled_from(["head", "past", "base"]),
        offset=st.integers(0, 10_000),
        text=st.sampled_from(SEARCHES),
    )
    def search(self, index: int, where: str, offset: int, text: str) -> None:
        """A ranked concept search equals the model's ranking, with the exact total."""
        _, point, snapshot = self.read_point(index, where, offset)
        expected = expected_search(snapshot, text)
        items, total, _ = self.store.search_concepts(point, text, limit=ALL)
        assert ([c.id for c in items], total) == (expected, len(expected)), f"{text!r} at {point}"

    @rule(left=indexes, offset=st.integers(0, 10_000), right=indexes, base=st.booleans())
    def compare(self, left: int, offset: int, right: int, base: bool) -> None:
        """Compare a past point of one branch with the head (or base) of another."""
        left_path = self.pick(left)
        ts = self.past(left_path, offset)
        base = base and len(self.model.branches) > 1
        right_path = self.pick(right, children_only=base)
        before = self.model.branches[left_path].at(ts)
        if base:
            after = self.model.base_snapshot(right_path)
        else:
            after = self.model.branches[right_path].head
        result = self.store.compare(
            ReadPoint(left_path, timestamp=ts), ReadPoint(right_path, base=base)
        )
        for type_name in (CONCEPT, DESCRIPTION):
            old, new = of_type(before, type_name), of_type(after, type_name)
            changed = sorted(c for c in new.keys() & old.keys() if new[c] != old[c])
            assert result.new.get(type_name, []) == sorted(new.keys() - old.keys())
            assert result.deleted.get(type_name, []) == sorted(old.keys() - new.keys())
            assert result.changed.get(type_name, []) == changed

    @rule(index=indexes)
    def check_branch(self, index: int) -> None:
        """A branch's timestamps, state and commit log (merges check the timestamps and
        states of the two branches they touch)."""
        path = self.pick(index)
        self.check_branch_record(path)
        log = [(c.timestamp, c.kind) for c in self.store.commits(path, limit=ALL)]
        assert log == self.model.branches[path].log[::-1], f"commit log of {path}"

    @invariant()
    def words_table_equals_its_derivation(self) -> None:
        if self.engine.dialect.name == "postgresql":
            assert words_table_difference(self.store) == []

    @invariant()
    def edges_table_equals_its_derivation(self) -> None:
        """``concept_edges`` (migration 0009) holds exactly the edges of the concept rows,
        on both databases, after every step; the model's concepts have no parents, so any
        edge would be a stray one."""
        assert edges_table_difference(self.store) == []

    @invariant()
    def each_replaced_revision_is_closed(self) -> None:
        """In the tables themselves, not only by the unique index of open rows: per branch
        and id, every row but the newest has its end_ts and at most one is open; a branch
        with nothing of its own (just created, or just promoted) has no open row. Every write
        first moves the clock, so while it stands still there is nothing new to check."""
        if self.clock.value == self.rows_checked_at:
            return
        self.rows_checked_at = self.clock.value
        rows = revision_rows(self.store)
        assert broken_revision_chains(self.store, rows) == [], "revisions left open or overlapping"
        still_open = open_revisions(self.store, rows)
        for path, branch in self.model.branches.items():
            if branch.pristine:
                assert still_open.get(path, []) == [], f"open revisions of {path}"

    @invariant()
    def every_branch_matches_the_model(self) -> None:
        for path, branch in self.model.branches.items():
            view = self.store.view(ReadPoint(path))
            for type_name in (CONCEPT, DESCRIPTION):
                head = self.read_all(view, type_name)
                assert head == expected_rows(branch.head, type_name), f"{type_name}s of {path}"


def _another(key: Key, content: Content, kind: str) -> Content:
    """For an update, a field of ``key`` set to a value other than its ``content``'s."""
    if kind != "update":
        return {}
    name, values = ("concept_class", "ABC") if key[0] == CONCEPT else ("term", TERMS)
    return {name: next(v for v in values if v != content[name])}


def _state(behind: bool, forward: bool) -> BranchState:
    if behind:
        return BranchState.DIVERGED if forward else BranchState.BEHIND
    return BranchState.FORWARD if forward else BranchState.UP_TO_DATE


def _sqlite_opener(template: Path, folder: Path) -> Opener:
    """A fresh copy of the migrated template per example, deleted afterwards."""
    counter = itertools.count()

    def open_engine() -> tuple[Engine, Callable[[], None]]:
        path = folder / f"example-{next(counter)}.db"
        shutil.copy(template, path)
        engine = make_engine(f"sqlite:///{path}")

        def close() -> None:
            engine.dispose()
            for leftover in folder.glob(path.name + "*"):
                leftover.unlink()

        return engine, close

    return open_engine


def _postgres_opener(engine: Engine) -> Opener:
    """The session's database, emptied before each example."""

    def open_engine() -> tuple[Engine, Callable[[], None]]:
        empty_postgres(engine)
        return engine, lambda: None

    return open_engine


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.slow
@pytest.mark.timeout(TIME_LIMIT_S)
@pytest.mark.parametrize("backend", BACKENDS)
def test_store_behaves_like_the_model(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if backend == "sqlite":
        opener = _sqlite_opener(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        opener = _postgres_opener(request.getfixturevalue("postgres_engine"))

    def machine() -> StoreMachine:
        return StoreMachine(opener)

    if PROFILE == "ci":
        machine = seed(CI_SEEDS[backend])(machine)
    run_state_machine_as_test(machine, settings=settings.get_profile(PROFILE))
