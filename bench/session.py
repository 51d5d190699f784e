"""One backend's run of the store benchmark: what every measuring step shares.

A :class:`Session` holds the engine, the store under test, the data set, the random
generator (one seeded generator for the whole run, so a run draws the same ids every time
when its steps are called in the same order) and the :class:`bench.report.Run` that collects
the rows. Steps record results with :meth:`Session.add`, pick concepts with
:meth:`Session.pick`, and attach SQL profiles and plans to the run's notes with
:meth:`Session.diagnose` and :meth:`Session.explain_if`. The steps themselves are in
:mod:`bench.writes` and :mod:`bench.reads`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterable
from typing import Any

from sqlalchemy import Engine

from bench.data import Terminology
from bench.report import Row, Run, log
from bench.timing import SqlProfile, explain
from revisions import RevisionStore, Update

AUTHOR = "bench"


class Session:
    """The shared state of one backend's run; the steps take it as their first argument."""

    def __init__(
        self, engine: Engine, data: Terminology, run: Run, seed: int, explain_all: bool
    ) -> None:
        self.engine = engine
        self.data = data
        self.run = run
        self.rng = random.Random(seed)
        self.explain_all = explain_all
        self.store = RevisionStore(engine)
        self.ids = data.concept_ids

    def add(
        self, name: str, goal: str, measured: str, ok: bool | None = None, *, target: bool = False
    ) -> None:
        """Record a row; ``target``: the row is also one of BENCHMARKS.md's targets."""
        row = Row(name, goal, measured, ok)
        self.run.rows.append(row)
        if target:
            self.run.targets.append(row)
        log(f"{self.run.backend}: {name}: {measured}" + ("" if ok is None else f" [{ok}]"))

    def target(self, name: str, goal: str, measured: str, ok: bool | None) -> None:
        """Record a target that sums up several rows (e.g. a page at every depth)."""
        self.run.targets.append(Row(name, goal, measured, ok))

    def pick(self, count: int, exclude: Collection[str] = ()) -> list[str]:
        """``count`` random concept ids not in ``exclude`` (all there are, if fewer)."""
        if count * 2 > len(self.ids) - len(exclude):
            pool = [cid for cid in self.ids if cid not in exclude]
            return sorted(self.rng.sample(pool, min(count, len(pool))))
        chosen: set[str] = set()
        while len(chosen) < count:
            cid = self.ids[self.rng.randrange(len(self.ids))]
            if cid not in exclude:
                chosen.add(cid)
        return sorted(chosen)

    def diagnose(self, profile: SqlProfile, title: str, slow: float) -> None:
        """Note the profile; explain its two slowest statements if it took over ``slow`` s."""
        self.run.notes.append(profile.report(f"{title} ({self.run.backend})"))
        if profile.kept and (profile.elapsed > slow or self.explain_all):
            plans = explain(self.engine, profile.slowest(2))
            self.run.notes.append(f"{title}: its two slowest statements, explained:\n{plans}")

    def explain_if(self, missed: bool, title: str, call: Callable[[], Any]) -> None:
        """Note the plans of the statements ``call`` issues, if a target was missed."""
        if not (missed or self.explain_all):
            return
        with SqlProfile(self.engine, keep=True) as profile:
            call()
        plans = explain(self.engine, profile.slowest())
        self.run.notes.append(f"{title} ({self.run.backend}):\n{plans}")


def updates(ids: Iterable[str], **fields: Any) -> list[Update]:
    """One concept update per id, each setting ``fields``."""
    return [Update("concept", cid, dict(fields)) for cid in ids]
