"""Instruments of the store benchmark: alternating timings, SQL profiles and query plans,
and CPU use.

:func:`measure` times several functions taking turns on the same items, so that the shared
machine's load affects them alike and their ratios stay fair. :class:`SqlProfile` times
every statement SQLAlchemy sends while it is active (grouped by shape, long ``IN`` lists
folded) and can keep them, so that :func:`explain` shows the plans of the slowest. Timings
are ``time.perf_counter`` seconds; :class:`CpuUse` tells whether a step was bound by the
machine's cores; nothing here prints.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, event

_IN_LIST = re.compile(r"\((\?|%\(\w+\)s)(?:, (?:\?|%\(\w+\)s)){3,}\)")
_EXPLAINABLE = ("SELECT", "WITH", "UPDATE", "INSERT", "DELETE")


def measure(
    fns: Sequence[Callable[[Any], Any]], items: Sequence[Any], warm: Sequence[Any]
) -> list[list[float]]:
    """Seconds per call of each ``fn(item)``, after a warm-up on every ``warm`` item.

    The functions take turns on each item, so a change in the machine's load (it is shared)
    affects all of them alike and their ratios stay fair.
    """
    for item in warm:
        for fn in fns:
            fn(item)
    result: list[list[float]] = [[] for _ in fns]
    for item in items:
        for fn, seconds in zip(fns, result, strict=True):
            started = time.perf_counter()
            fn(item)
            seconds.append(time.perf_counter() - started)
    return result


class CpuUse:
    """While active: the CPU seconds of this process (the client) and the share of the
    machine's cores busy, from Linux's ``/proc/stat`` (None elsewhere). A step whose cores
    are all busy is bound by the machine: only doing less work makes it faster."""

    def __enter__(self) -> CpuUse:
        self.client = time.process_time()
        self._ticks = _ticks()
        return self

    def __exit__(self, *exc: object) -> None:
        self.client = time.process_time() - self.client
        ticks = _ticks()
        self.busy: float | None = None
        if self._ticks is not None and ticks is not None:
            idle, total = (after - before for after, before in zip(ticks, self._ticks, strict=True))
            self.busy = 1 - idle / total if total else None

    def describe(self, seconds: float) -> str:
        """The client's CPU seconds and, where known, the cores' busy share over the step's
        ``seconds``, with the floor it sets: the same work on cores kept busy throughout."""
        text = f"client CPU {self.client:.1f} s"
        if self.busy is None:
            return text
        cores = os.cpu_count() or 1
        return (
            f"{text}, the machine's {cores} cores {self.busy:.0%} busy "
            f"(kept busy throughout: {seconds * self.busy:.1f} s)"
        )


def _ticks() -> tuple[int, int] | None:
    """(idle, total) clock ticks of every core since boot; None without ``/proc/stat``."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return fields[3] + fields[4], sum(fields)  # idle and iowait


class SqlProfile:
    """Time every statement SQLAlchemy sends while active; optionally keep them to EXPLAIN."""

    def __init__(self, engine: Engine, *, keep: bool = False) -> None:
        self.engine = engine
        self.keep = keep
        self.stats: dict[str, list[float]] = {}
        self.kept: list[tuple[str, Any, float]] = []
        self.elapsed = 0.0

    def __enter__(self) -> SqlProfile:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.ended = time.perf_counter()
        self.elapsed = self.ended - self.started
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, _cursor: Any, *_args: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn: Any, _c: Any, statement: str, params: Any, _x: Any, many: bool) -> None:
        seconds = time.perf_counter() - conn.info["bench_started"].pop()
        stat = self.stats.setdefault(_shape(statement), [0, 0.0])
        stat[0] += 1
        stat[1] += seconds
        if self.keep and not many and statement.lstrip().upper().startswith(_EXPLAINABLE):
            self.kept.append((statement, params, seconds))

    def slowest(self, count: int | None = None) -> list[tuple[str, Any]]:
        """The kept statements (the slowest run of each shape, slowest first)."""
        by_shape: dict[str, tuple[str, Any, float]] = {}
        for statement, params, seconds in self.kept:
            shape = _shape(statement)
            if shape not in by_shape or seconds > by_shape[shape][2]:
                by_shape[shape] = (statement, params, seconds)
        ranked = sorted(by_shape.values(), key=lambda kept: -kept[2])
        return [(statement, params) for statement, params, _ in ranked[:count]]

    def report(self, title: str, top: int = 6) -> str:
        sql = sum(s[1] for s in self.stats.values())
        count = sum(int(s[0]) for s in self.stats.values())
        lines = [
            f"{title}: {self.elapsed:.2f} s; {count} statements took {sql:.2f} s, "
            f"{self.elapsed - sql:.2f} s outside them (Python, COPY, commit)"
        ]
        ranked = sorted(self.stats.items(), key=lambda kv: -kv[1][1])[:top]
        lines += [f"  {s[1]:7.3f} s {int(s[0]):6d}x  {key}" for key, s in ranked]
        return "\n".join(lines)


def _shape(statement: str) -> str:
    return _IN_LIST.sub(_in_list, " ".join(statement.split()))[:160]


def _in_list(match: re.Match) -> str:
    return f"({match.group(1)}, … {match.group(0).count(',') + 1} values)"


def explain(engine: Engine, statements: Iterable[tuple[str, Any]]) -> str:
    """The plan of each statement: EXPLAIN ANALYZE on PostgreSQL (rolled back), else the
    query plan."""
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    out = []
    with engine.connect() as connection:  # never committed: explained writes roll back
        for statement, params in statements:
            shown = _IN_LIST.sub(_in_list, " ".join(statement.split()))
            try:
                with connection.begin_nested():
                    rows = connection.exec_driver_sql(prefix + statement, params).all()
            except sqlalchemy.exc.DBAPIError as error:
                # A write run again can conflict with its own first run (a branch's path).
                out.append(f"{shown}\n    not explained: {error.orig}")
                continue
            plan = [r[0] if postgres else f"{'  ' * int(r[1] > 0)}{r[-1]}" for r in rows]
            out.append(shown + "\n" + "\n".join("    " + line for line in plan))
    return "\n\n".join(out)
