"""The store benchmark's writes: the bulk load and its yardstick, the history, branches, merges.

Each step takes the :class:`bench.session.Session` of one backend and records its rows there.
In the order :mod:`bench.store` runs them: :func:`load` (the whole data set on MAIN, then
``COPY`` alone of its descriptions, the issue's yardstick), :func:`build_history` (19 commits
on MAIN, ``MAIN/proj`` with 1% of the concepts changed, ``MAIN/proj/task`` with 0.1% more,
some deleted; it returns what the reads sample from), :func:`settle` (``VACUUM ANALYZE``),
:func:`branch_creation`, and after the reads :func:`promote` and :func:`rebase` of 10,000
concepts (a quarter of them at small scales).
"""

from __future__ import annotations

import itertools
import re
import statistics
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from bench.data import TASK
from bench.report import log, spread
from bench.session import AUTHOR, Session, updates
from bench.timing import CpuUse, SqlProfile, measure
from revisions import Delete, ReadPoint, Update, View, bulk, derived
from revisions.components import TYPES, ComponentType
from revisions.visibility import Segment

BIG_MERGE = 10_000
# The bulk load's rate over COPY alone's (issue 21; issue 2 asked 0.455).
RATIO_GOAL = 0.8


@dataclass(frozen=True)
class Edits:
    """What the history changed on the branches: the reads sample from it."""

    proj_ids: list[str]
    task_updated: list[str]
    task_deleted: list[str]
    past_ts: int  # the task's deleting commit: the past read point


def _marked(
    items: Iterable[tuple[str, dict]], name: str, marks: list[tuple[str, float]]
) -> Iterator[tuple[str, dict]]:
    """``items``, noting when the consumer asked for the first one and when they ran out."""
    marks.append((f"before the {name}s", time.perf_counter()))
    yield from items
    marks.append((f"{name}s (validated and written)", time.perf_counter()))


def load(s: Session) -> None:
    """The bulk load on MAIN, then the deferred search words, then the ``COPY`` yardstick."""
    # The rows are built before the clock starts: the target is the store's rate, not
    # the synthetic generator's (a real import's parsing is timed by its own job).
    started = time.perf_counter()
    rows = {name: list(items) for name, items in s.data.components().items()}
    generate = time.perf_counter() - started
    total = s.data.sizes.total
    log(f"loading {total:,} components")
    marks: list[tuple[str, float]] = []
    streams = {name: _marked(items, name, marks) for name, items in rows.items()}
    before = _copy_before(s, rows["description"])
    with SqlProfile(s.engine) as profile, CpuUse() as cpu:
        s.store.bulk_load("MAIN", AUTHOR, "initial load", streams, derive=False)
    rate = total / profile.elapsed
    s.add(
        "bulk load on MAIN (components/s)",
        "≥ 100,000/s",
        f"{rate:,.0f}/s ({total:,} in {profile.elapsed:.1f} s)",
        rate >= 100_000,
        target=True,
    )
    s.add("… generating the rows beforehand (not timed above)", "", f"{generate:.1f} s")
    s.add("… the load's CPU", "", cpu.describe(profile.elapsed))
    _derive(s, profile.elapsed, _first_word(rows["description"]))
    copy_reference(s, rows["description"], rate, before)
    s.run.notes.append(profile.report(f"bulk load ({s.run.backend})"))
    steps = [(marks[0][0], marks[0][1] - profile.started)]
    steps += [(b[0], b[1] - a[1]) for a, b in itertools.pairwise(marks)]
    steps.append(("after the last row (checks, commit)", profile.ended - marks[-1][1]))
    s.run.notes.append(
        "bulk load steps: " + "; ".join(f"{name} {sec:.1f} s" for name, sec in steps)
    )


def _first_word(descriptions: list[tuple[str, dict]]) -> str:
    """The first six letters of the first word of the first term: a one-word search."""
    return re.findall(r"[a-z]+", descriptions[0][1]["term"].lower())[0][:6]


def _derive(s: Session, loading: float, word: str) -> None:
    """The content is committed and readable; the search tables follow (revisions.derived):
    from the load's start until they are built is the time to searchable (issue 21). Also
    noted: when every search is served from an index again (the term index built, the
    words table still to come), with a one-word search for ``word`` timed at that moment."""
    started = time.perf_counter()
    watch = _IndexWatch(s, derived.TERM_INDEX, word)
    with CpuUse() as cpu:
        built = s.store.derive()
    derive = time.perf_counter() - started
    searchable = loading + derive
    indexed = watch.result()
    if indexed is not None:
        at, search_ms = indexed
        s.add(
            "… every search served from an index (the term index built), from the load's start",
            "",
            f"{loading + at - started:.1f} s; a one-word search ('{word}') then took "
            f"{search_ms:.0f} ms, the words table still being built",
        )
    s.add(
        "… then the search tables derived (not in the rate above)",
        "",
        f"{derive:.1f} s ({', '.join(built)})" if built else "nothing deferred",
    )
    s.add("… the derivation's CPU", "", cpu.describe(derive))
    s.add(
        "bulk load: start to searchable",
        "≤ 12 s (issue 21)",
        f"{searchable:.1f} s ({s.data.sizes.total / searchable:,.0f} components/s)",
        searchable <= 12,
        target=True,
    )


class _IndexWatch:
    """A thread asking every 20 ms whether ``index`` is still pending, if it is when made;
    once it is not, the thread times one search for ``word`` on MAIN and stops (or stops
    unseen at :meth:`result`)."""

    def __init__(self, s: Session, index: str, word: str) -> None:
        self._s, self._index, self._word = s, index, word
        self._done = threading.Event()
        self._seen: tuple[float, float] | None = None
        self._thread = threading.Thread(target=self._watch, daemon=True)
        if self._pending():
            self._thread.start()

    def _pending(self) -> bool:
        with self._s.engine.connect() as connection:
            return derived.is_pending(connection, self._index)

    def _watch(self) -> None:
        while self._pending():
            if self._done.wait(0.02):
                return
        at = time.perf_counter()
        self._s.store.search_concepts(ReadPoint("MAIN"), self._word, limit=50)
        self._seen = at, (time.perf_counter() - at) * 1000

    def result(self) -> tuple[float, float] | None:
        """(when the index was seen built, by ``time.perf_counter``; the search's ms), or
        None unless it was pending when watched and seen built."""
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        return self._seen


def _copy_before(
    s: Session, descriptions: list[tuple[str, dict[str, Any]]]
) -> tuple[int, float] | None:
    """The yardstick's first measure, right before the load (PostgreSQL; else None)."""
    if s.engine.dialect.name != "postgresql":
        return None
    return copy_alone(s.engine, TYPES["description"], descriptions)


def copy_reference(
    s: Session,
    descriptions: list[tuple[str, dict[str, Any]]],
    rate: float,
    before: tuple[int, float] | None,
) -> None:
    """The issue's yardstick for the load, measured on this machine: ``COPY`` alone of the
    descriptions' rows, as the loader writes them, into a plain table with the
    revision columns, a primary key and one unique index, maintained row by row
    (PostgreSQL only). Issue 2's 100,000/s was 45.5% of the 220,000/s it measured so;
    issue 21 asks :data:`RATIO_GOAL`. The ratio makes runs on faster or slower VMs
    comparable. Measured twice, ``before`` the load and after its derivation, and the two
    pooled: this VM's speed drifts within a minute (one measure after the load moved the
    ratio of the same code between 0.52 and 0.90, 2026-12-07)."""
    alone = "… COPY alone, the descriptions into an indexed table (220,000/s in the issue)"
    ratio = "bulk load / COPY alone"
    goal = "≥ 0.8 (issue 21; issue 2: 0.455, 100,000 / 220,000)"
    if before is None:
        s.add(alone, "", "PostgreSQL only")
        s.add(ratio, goal, "PostgreSQL only", target=True)
        return
    count, elapsed = copy_alone(s.engine, TYPES["description"], descriptions)
    reference = (before[0] + count) / (before[1] + elapsed)
    sides = f"before the load {before[0] / before[1]:,.0f}/s, after it {count / elapsed:,.0f}/s"
    s.add(alone, "", f"{reference:,.0f}/s ({count:,} twice: {sides})")
    s.add(ratio, goal, f"{rate / reference:.3f}", rate / reference >= RATIO_GOAL, target=True)


def copy_alone(
    engine: Engine, ctype: ComponentType, items: Iterable[tuple[str, Mapping[str, Any]]]
) -> tuple[int, float]:
    """``COPY`` alone of ``items``' rows, as the loader writes them, into a plain table like
    ``ctype``'s with the revision columns, a primary key and one unique index, maintained
    row by row (dropped afterwards; PostgreSQL): how many rows, and the seconds it took."""
    columns = ", ".join(bulk.columns(ctype))
    table = ctype.table.name
    with engine.connect() as outer:
        # The loader's own rows (not timed): nothing but the COPY differs from the load.
        loader = bulk.Loader(outer, View((Segment(1, 1),)), 1, 1)
        rows = list(loader.rows(ctype, items))
        connection = outer.connection.driver_connection
        connection.execute(f"CREATE TABLE copy_reference (LIKE {table})")
        # The sticky released flag takes its default, as the load leaves it to the table.
        connection.execute("ALTER TABLE copy_reference ALTER released SET DEFAULT false")
        connection.execute(
            "ALTER TABLE copy_reference ALTER rev_id ADD GENERATED BY DEFAULT AS IDENTITY, "
            "ADD PRIMARY KEY (rev_id)"
        )
        connection.execute(
            "CREATE UNIQUE INDEX ON copy_reference (branch_id, component_id, start_ts)"
        )
        connection.commit()
        started = time.perf_counter()
        statement = f"COPY copy_reference ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
        elapsed = time.perf_counter() - started
        connection.execute("DROP TABLE copy_reference")
        connection.commit()
    return len(rows), elapsed


def build_history(s: Session) -> Edits:
    """19 commits on MAIN, then ``MAIN/proj`` and ``MAIN/proj/task`` with their changes."""
    _history(s)
    s.store.create_branch("MAIN", "proj")
    proj_ids = s.pick(max(5, round(len(s.ids) * 0.01)))
    _project(s, proj_ids)
    return _task(s, proj_ids)


def _history(s: Session) -> None:
    size = max(1, round(len(s.ids) * 0.005))
    profiles = []
    for k in range(1, 20):
        with SqlProfile(s.engine, keep=True) as profile:
            s.store.commit(
                "MAIN", AUTHOR, f"history {k}", updates(s.pick(size), external_id=f"h{k}")
            )
        profiles.append(profile)
    seconds = [p.elapsed for p in profiles]
    slowest = max(range(len(profiles)), key=seconds.__getitem__)
    s.add(
        "commit 0.5% of concepts (updates) on MAIN, 19 times",
        "",
        f"{size:,} each: {spread(seconds)}; the first {seconds[0]:.2f} s",
    )
    s.diagnose(profiles[slowest], f"history commit {slowest + 1} (the slowest)", 1.0)


def _project(s: Session, proj_ids: list[str]) -> None:
    seconds = []
    for k in range(5):
        started = time.perf_counter()
        s.store.commit(
            "MAIN/proj",
            AUTHOR,
            f"proj {k}",
            updates(proj_ids[k::5], concept_class=f"proj-{k}"),
        )
        seconds.append(time.perf_counter() - started)
    s.add(
        "commit 0.2% of concepts (updates) on MAIN/proj, 5 times",
        "",
        f"{len(proj_ids) // 5:,} each: {spread(seconds)}",
    )


def _task(s: Session, proj_ids: list[str]) -> Edits:
    """0.1% more on MAIN/proj/task: updates, then deletions (the past read point), updates."""
    s.store.create_branch("MAIN/proj", "task")
    size = max(3, round(len(s.ids) * 0.001))
    removable = set(s.ids) - s.data.referenced() - set(proj_ids) - {s.ids[0]}
    deleted = sorted(s.rng.sample(sorted(removable), max(1, size // 7)))
    updated = s.pick(size - len(deleted), set(proj_ids) | set(deleted))
    half = len(updated) // 2
    s.store.commit(TASK, AUTHOR, "task 1", updates(updated[:half], active=False))
    with SqlProfile(s.engine, keep=True) as profile:
        past = s.store.commit(TASK, AUTHOR, "task 2", [Delete("concept", cid) for cid in deleted])
    s.store.commit(TASK, AUTHOR, "task 3", updates(updated[half:], active=False))
    s.add(
        "commit deleting concepts on the task (cascading)",
        "≤ 0.5 s",
        f"{len(deleted)} concepts: {profile.elapsed:.2f} s",
        profile.elapsed <= 0.5,
        target=True,
    )
    s.diagnose(profile, "the deleting commit", 1.0)
    return Edits(proj_ids, updated, deleted, past.timestamp)  # type: ignore[union-attr]


def settle(s: Session) -> None:
    """``VACUUM ANALYZE`` on PostgreSQL, as autovacuum would have done by the time of reads."""
    if s.engine.dialect.name != "postgresql":
        s.add("VACUUM ANALYZE after building (not a target)", "", "none (embedded mode)")
        return
    started = time.perf_counter()
    with s.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))
    s.add(
        "VACUUM ANALYZE after building (not a target)",
        "",
        f"{time.perf_counter() - started:.1f} s",
    )


def branch_creation(s: Session) -> None:
    names = [f"bench-{k}" for k in range(25)]
    with SqlProfile(s.engine, keep=True) as profile:
        [seconds] = measure(
            [lambda name: s.store.create_branch("MAIN/proj", name)], names[3:], names[:3]
        )
    median = statistics.median(seconds)
    s.add(
        "create a branch under MAIN/proj",
        "≤ 10 ms",
        spread(seconds),
        median <= 0.010,
        target=True,
    )
    s.diagnose(profile, "25 branch creations", 0.25 if median > 0.010 else 1e9)


def big(s: Session) -> int:
    """The size of a merge: 10,000 concepts, or a quarter of them at small scales."""
    return min(BIG_MERGE, len(s.ids) // 4)


def promote(s: Session) -> None:
    s.store.create_branch("MAIN", "promo")
    changed = updates(s.pick(big(s)), external_id="promo")
    _timed_commit(s, "commit the changes to promote (one commit)", "MAIN/promo", "many", changed)
    seconds, changes = _timed_merge(s, "promote", "MAIN/promo")
    s.add(
        "promote 10,000 changed concepts",
        "≤ 5 s",
        f"{seconds:.2f} s ({changes:,} changes)",
        seconds <= 5,
        target=True,
    )


def rebase(s: Session) -> None:
    size = big(s)
    s.store.create_branch("MAIN", "rebased")
    chosen = s.pick(2 * size)
    s.rng.shuffle(chosen)
    mine, theirs = sorted(chosen[:size]), sorted(chosen[size:])
    overlap = sorted(s.rng.sample(mine, size // 20))
    s.store.commit("MAIN/rebased", AUTHOR, "branch side", updates(mine, external_id="B"))
    parent = updates(theirs, external_id="M") + updates(overlap, concept_class="M")
    name = "commit the parent's side of the rebase (one commit)"
    _timed_commit(s, name, "MAIN", "parent side", parent)
    seconds, changes = _timed_merge(s, "rebase", "MAIN/rebased")
    s.add(
        "rebase checking 10,000 changes on each side",
        "≤ 10 s",
        f"{seconds:.2f} s ({size:,} each side, {len(overlap)} merged per field, "
        f"{changes:,} written)",
        seconds <= 10,
        target=True,
    )


def _timed_commit(s: Session, name: str, path: str, comment: str, changes: list[Update]) -> None:
    """One commit of ``changes`` on ``path``, recorded as an information row."""
    started = time.perf_counter()
    s.store.commit(path, AUTHOR, comment, changes)
    s.add(name, "", f"{len(changes):,} updates: {time.perf_counter() - started:.2f} s")


def _timed_merge(s: Session, kind: str, path: str) -> tuple[float, int]:
    """Promote or rebase ``path``, its SQL profile noted; the seconds and the changes written."""
    merge = s.store.promote if kind == "promote" else s.store.rebase
    with SqlProfile(s.engine) as profile:
        result = merge(path, AUTHOR, kind)
    s.run.notes.append(profile.report(f"{kind} ({s.run.backend})"))
    return profile.elapsed, result.changes if result else 0
