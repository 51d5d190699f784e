"""Random branch histories of concepts, descriptions and mappings that point at each other.

:class:`Content` drives one store: commits on random branches create concepts under random
parents, re-parent and delete them, attach descriptions and mappings to concepts and move
them; branches are created (some with layers), rebased and promoted. Refused commits and
merges are skipped (nothing was written). Tests then read every branch at its head, at past
times, at its base point and over ranges (:meth:`Content.points`), where shallower segments
shadow, re-parent and delete what deeper ones show.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from revisions import ManualClock, ReadPoint, ReadRange, RevisionStore
from revisions.errors import MergeConflicts, StoreError
from revisions.merge import Resolution
from revisions.records import Change, Create, Delete, Update

CONCEPTS = [f"c{n:02d}" for n in range(16)]
DESCRIPTIONS = [f"d{n:02d}" for n in range(12)]
MAPPINGS = [f"m{n:02d}" for n in range(10)]


class Content:
    """A random history of one store: every :meth:`step` is a commit, a branch or a merge."""

    def __init__(self, store: RevisionStore, clock: ManualClock, rng: random.Random) -> None:
        self.store = store
        self.clock = clock
        self.rng = rng
        self.paths = ["MAIN"]
        self.times: list[tuple[str, int]] = []

    @classmethod
    def grown(cls, store: RevisionStore, clock: ManualClock, seed: int, steps: int = 40) -> Content:
        """A history of ``steps`` random steps from ``seed``."""
        content = cls(store, clock, random.Random(seed))
        for _ in range(steps):
            content.step()
        return content

    def shown(self, path: str, type_name: str) -> list[str]:
        page = self.store.page(ReadPoint(path), type_name, limit=10_000)
        return [c.id for c in page.items]

    def step(self) -> None:
        self.clock.advance(self.rng.randint(1, 5))
        path = self.rng.choice(self.paths)
        roll = self.rng.random()
        try:
            if roll < 0.6:
                self.commit(path)
            elif roll < 0.75 and path.count("/") < 3:
                self.branch(path)
            elif roll < 0.88 and path != "MAIN":
                self.merge(self.store.rebase, path)
            elif path != "MAIN":
                self.merge(self.store.promote, path)
        except StoreError:
            pass  # refused: nothing written, the history goes on
        self.times.append((path, self.store.get_branch(path).head_ts))

    def merge(self, step: Callable[..., object], path: str) -> None:
        """A rebase or promotion; conflicts resolved each way at random."""
        try:
            step(path, "u", "merge")
        except MergeConflicts as error:
            choice = [
                Resolution(c.component_type, c.component_id, self.rng.choice(["SOURCE", "TARGET"]))
                for c in error.conflicts
            ]
            step(path, "u", "merge", choice)

    def commit(self, path: str) -> None:
        concepts = self.shown(path, "concept")
        changes: dict[tuple[str, str], Change] = {}
        for _ in range(self.rng.randint(1, 4)):
            kind = self.rng.choice(["concept", "concept", "description", "mapping"])
            change = self._change(path, kind, concepts)
            if change is not None:
                changes.setdefault((change.type, change.id), change)
        if changes:
            self.store.commit(path, "u", "edit", list(changes.values()))

    def _change(self, path: str, kind: str, concepts: list[str]) -> Change | None:
        rng = self.rng
        if kind == "concept":
            cid = rng.choice(CONCEPTS)
            picked = rng.sample(concepts, min(len(concepts), rng.randint(0, 3)))
            parents = [p for p in picked if p != cid]
            if cid not in concepts:
                return Create("concept", cid, {"parents": parents})
            if rng.random() < 0.3:
                return Delete("concept", cid)
            return Update("concept", cid, {"parents": parents})
        if not concepts:
            return None
        pool, shown = (
            (DESCRIPTIONS, self.shown(path, "description"))
            if kind == "description"
            else (MAPPINGS, self.shown(path, "mapping"))
        )
        cid = rng.choice(pool)
        if cid in shown and rng.random() < 0.3:
            return Delete(kind, cid)
        if kind == "description":
            fields = {"concept_id": rng.choice(concepts), "term": "t"}
        else:
            fields = {
                "source_id": rng.choice(concepts),
                "target_id": rng.choice(concepts),
                "map_type": "SAME-AS",
            }
        return Update(kind, cid, fields) if cid in shown else Create(kind, cid, fields)

    def branch(self, path: str) -> None:
        name = f"b{len(self.paths)}"
        layers = []
        if self.times and self.rng.random() < 0.3:
            source, upto = self.rng.choice(self.times)
            if source != path and not path.startswith(source + "/"):
                layers = [(source, upto)]
        self.store.create_branch(path, name, layers=layers)
        self.paths.append(f"{path}/{name}")

    def points(self) -> list[ReadPoint | ReadRange]:
        """Every branch at its head, at up to two past times, at its base point, and the
        range from its base point to its head."""
        points: list[ReadPoint | ReadRange] = []
        for path in self.paths:
            branch = self.store.get_branch(path)
            points.append(ReadPoint(path))
            times = [ts for p, ts in self.times if p == path and ts >= branch.created_ts]
            sampled = self.rng.sample(times, min(2, len(times)))
            points += [ReadPoint(path, timestamp=ts) for ts in sampled]
            if path != "MAIN":
                points.append(ReadPoint(path, base=True))
                points.append(ReadRange(ReadPoint(path, base=True), ReadPoint(path)))
        return points
