"""Children and descendants through ``concept_edges`` equal the answers of a scan of every
revision's ``parents`` (the store's way before the table), on randomized branch histories:
concepts created under random parents, parents changed, concepts deleted, branches created
(some with layers), rebased and promoted; read at heads, past points, base points and
ranges. The table itself equals its derivation from the concept rows after every history.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import event

from revisions import (
    Create,
    Delete,
    ManualClock,
    ReadPoint,
    RevisionStore,
    Update,
    derived,
    hierarchy,
    make_engine,
    upgrade,
)
from revisions.visibility import View
from tests.revisions.helpers import change, concept, delete, edges_table_difference
from tests.revisions.random_content import Content

POOL = [f"c{n:02d}" for n in range(24)]


class History(Content):
    """:class:`~tests.revisions.random_content.Content`'s random history, with commits of
    concepts only, from a larger pool: many parents to walk."""

    def commit(self, path: str) -> None:
        shown = self.shown(path, "concept")
        changes: dict[str, Create | Update | Delete] = {}
        for _ in range(self.rng.randint(1, 4)):
            cid = self.rng.choice([c for c in POOL if c not in changes])
            parents = self.rng.sample(shown, min(len(shown), self.rng.randint(0, 3)))
            parents = [p for p in parents if p != cid]
            if cid not in shown:
                changes[cid] = concept(cid, parents=parents)
            elif self.rng.random() < 0.25:
                changes[cid] = delete(cid)
            else:
                changes[cid] = change(cid, parents=parents)
        self.store.commit(path, "u", "edit", list(changes.values()))


def scanned_descendants(store: RevisionStore, view: View, cid: str) -> set[str]:
    """Descendants walked one concept level at a time over the scan (the old algorithm)."""
    with store.reading() as connection:
        seen: set[str] = set()
        frontier = {cid}
        while frontier:
            found = hierarchy.scanned_children(connection, view, sorted(frontier))
            frontier = {c for kids in found.values() for c in kids} - seen - {cid}
            seen |= frontier
    return seen


def old_ancestors(store: RevisionStore, view: View, cid: str) -> set[str]:
    """Ancestors one level at a time by id (the old algorithm)."""
    seen: set[str] = set()
    frontier = {cid}
    while frontier:
        found = store.get_many(view, "concept", sorted(frontier))
        parents = {p for c in found.values() for p in (c.fields["parents"] or [])}
        frontier = parents - seen - {cid}
        seen |= frontier
    return seen


def check_history(store: RevisionStore, history: History) -> None:
    assert edges_table_difference(store) == []
    for point in history.points():
        view = store.view(point)
        with store.reading() as connection:
            through_edges = hierarchy.children_of(connection, view, POOL, edges=True)
            scanned = hierarchy.scanned_children(connection, view, POOL)
        assert through_edges == scanned, point
        assert store.children_of(view, POOL) == scanned, point
        kids = store.child_concepts(view, POOL)
        assert {cid: [c.id for c in listed] for cid, listed in kids.items()} == scanned, point
        read = store.get_many(view, "concept", {c.id for listed in kids.values() for c in listed})
        assert all(c == read[c.id] for listed in kids.values() for c in listed), point
        below = store.descendants_of(view, POOL)
        above = store.ancestors_of(view, POOL)
        assert below is not None
        assert above is not None
        for cid in history.rng.sample(POOL, 6):  # the old walks are slow: a sample
            assert set(below[cid]) == scanned_descendants(store, view, cid), (point, cid)
            assert set(above[cid]) == old_ancestors(store, view, cid), (point, cid)
            assert store.descendants(view, cid) == set(below[cid])


@pytest.mark.parametrize("seed", range(6))
def test_children_through_the_edges_equal_the_scan(
    store: RevisionStore, clock: ManualClock, seed: int
) -> None:
    history = History.grown(store, clock, seed, 30)
    check_history(store, history)


def test_a_first_bulk_load_fills_the_edges(store: RevisionStore, clock: ManualClock) -> None:
    store.bulk_load(
        "MAIN",
        "u",
        "load",
        {"concept": iter([("a", {}), ("b", {"parents": ["a"]}), ("c", {"parents": ["a", "b"]})])},
    )
    assert edges_table_difference(store) == []
    assert store.children_of(ReadPoint("MAIN"), ["a", "b", "c"]) == {
        "a": ["b", "c"],
        "b": ["c"],
        "c": [],
    }
    history = History.grown(store, clock, 99, 15)
    check_history(store, history)


@pytest.mark.postgres
def test_children_while_the_edges_are_pending_equal_them_after(pg_store: RevisionStore) -> None:
    pg_store.bulk_load(
        "MAIN",
        "u",
        "load",
        {"concept": iter([("a", {}), ("b", {"parents": ["a"]}), ("c", {"parents": ["b"]})])},
        derive=False,
    )
    pg_store.commit("MAIN", "u", "move c", [change("c", parents=["a"])])
    with pg_store.engine.connect() as connection:
        assert derived.is_pending(connection, derived.EDGES)
    meanwhile = pg_store.children_of(ReadPoint("MAIN"), ["a", "b", "c"])
    assert meanwhile == {"a": ["b", "c"], "b": [], "c": []}
    kids = pg_store.child_concepts(ReadPoint("MAIN"), ["a"])["a"]
    assert [(c.id, c.fields["parents"]) for c in kids] == [("b", ["a"]), ("c", ["a"])]
    assert derived.EDGES in pg_store.derive()
    assert edges_table_difference(pg_store) == []
    assert pg_store.children_of(ReadPoint("MAIN"), ["a", "b", "c"]) == meanwhile


@pytest.mark.postgres
def test_built_edges_are_remembered_and_pending_ones_asked_each_time(
    pg_store: RevisionStore,
) -> None:
    asked: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        asked.extend(["pending"] if "pending_derivations" in statement else [])

    event.listen(pg_store._reader, "before_cursor_execute", count)
    chain = {"concept": iter([("a", {}), ("b", {"parents": ["a"]})])}
    pg_store.bulk_load("MAIN", "u", "load", chain, derive=False)
    main = ReadPoint("MAIN")
    for _ in range(2):  # pending: asked at every read, and read by the scan
        assert pg_store.children_of(main, ["a"]) == {"a": ["b"]}
    assert len(asked) == 2
    pg_store.derive()
    for _ in range(3):  # built while concepts are stored: asked once, then remembered
        assert pg_store.children_of(main, ["a"]) == {"a": ["b"]}
        assert pg_store.descendants_of(main, ["a"]) == {"a": ["b"]}
    assert len(asked) == 3


def test_a_walk_past_its_bound_gives_none(store: RevisionStore) -> None:
    store.commit(
        "MAIN",
        "u",
        "chain",
        [concept("a"), concept("b", parents=["a"]), concept("c", parents=["b"])],
    )
    main = ReadPoint("MAIN")
    assert store.descendants_of(main, ["a"], most=1) is None
    assert store.descendants_of(main, ["a"], most=2) == {"a": ["b", "c"]}
    assert store.ancestors_of(main, ["c"], most=1) is None
    assert store.ancestors_of(main, ["c"], most=2) == {"c": ["a", "b"]}
    # The bound counts every list of the page: b's one and c's two are three.
    assert store.ancestors_of(main, ["b", "c"], most=2) is None
    assert store.ancestors_of(main, ["b", "c"], most=3) == {"b": ["a"], "c": ["a", "b"]}


def test_children_through_rebase_promotion_deletion_and_layers(
    store: RevisionStore, clock: ManualClock
) -> None:
    history = History(store, clock, random.Random(7))
    history.paths += ["MAIN/a", "MAIN/a/b", "MAIN/x"]
    store.commit(
        "MAIN",
        "u",
        "roots",
        [concept("c00"), concept("c01", parents=["c00"]), concept("c02", parents=["c00"])],
    )
    store.create_branch("MAIN", "a")
    store.create_branch("MAIN/a", "b")
    clock.advance(1)
    moved = [change("c02", parents=["c01"]), concept("c03", parents=["c02"])]
    store.commit("MAIN/a/b", "u", "move", moved)
    store.commit("MAIN", "u", "new", [concept("c04", parents=["c01", "c00"])])
    history.times.append(("MAIN/a/b", store.get_branch("MAIN/a/b").head_ts))
    store.rebase("MAIN/a", "u", "rebase")
    store.rebase("MAIN/a/b", "u", "rebase")
    store.commit("MAIN/a/b", "u", "drop", [delete("c03"), change("c04", parents=["c02"])])
    store.promote("MAIN/a/b", "u", "promote")
    store.commit("MAIN/a", "u", "drop", [change("c02", parents=["c00"]), delete("c01")])
    upto = store.get_branch("MAIN/a/b").head_ts
    store.create_branch("MAIN", "x", layers=[("MAIN/a/b", upto)])
    store.commit("MAIN/x", "u", "again", [change("c02", parents=["c00"])])
    for path in history.paths:
        history.times.append((path, store.get_branch(path).head_ts))
    # The layered branch's own change decides over its layer's and MAIN's.
    assert "c02" in store.children_of(ReadPoint("MAIN/x"), ["c00"])["c00"]
    assert "c02" not in store.children_of(ReadPoint("MAIN/a/b"), ["c00"])["c00"]
    check_history(store, history)


def test_the_migration_derives_the_edges_of_existing_rows(tmp_path: Path) -> None:
    """A store written before migration 0010 gets every edge when it is migrated, then
    keeps them (SQLite: a file of its own, migrated down and up)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0009")
    clock = ManualClock(1_600_000_000_000)
    store = RevisionStore(engine, clock)
    store.initialize()
    store.commit("MAIN", "u", "c", [concept("a"), concept("b", parents=["a"])])
    store.create_branch("MAIN", "t")
    store.commit("MAIN/t", "u", "c", [concept("c", parents=["a", "b"]), change("b", parents=[])])
    upgrade(engine)
    assert edges_table_difference(store) == []
    assert store.children_of(ReadPoint("MAIN/t"), ["a", "b"]) == {"a": ["c"], "b": ["c"]}
    assert store.children_of(ReadPoint("MAIN"), ["a", "b"]) == {"a": ["b"], "b": []}
    store.commit("MAIN/t", "u", "c", [change("c", parents=["b"])])
    assert edges_table_difference(store) == []
    assert store.children_of(ReadPoint("MAIN/t"), ["a", "b"]) == {"a": [], "b": ["c"]}
    engine.dispose()
