"""What the benchmarks print: progress lines, number formats, the machine, the result tables.

A benchmark records each measurement as a :class:`Row` (name, goal, what was measured, and
whether it met the goal, or ``None`` for information only) in the :class:`Run` of one
backend. :func:`report` turns the runs into Markdown: the date, command and machine, one
table with the backends side by side, then a short table of the targets alone, named as in
BENCHMARKS.md's first table so a run's figures can be copied into it, then each run's notes
(SQL profiles, plans). Progress goes to standard error (:func:`log`), results to standard
output. Nothing here times anything.

:func:`emit_targets` also writes a benchmark's target rows as JSON lines to the file the
environment variable ``SNOWPATH_BENCH_TARGETS`` names, when it is set: how
``bench/run_all.py`` collects them from the benchmarks it runs, each in a process of its own.
A row's name is then its target's name in BENCHMARKS.md's first table, the remarks in
brackets left out (:func:`table_targets` names a run's targets so).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import sqlalchemy


@dataclass
class Row:
    name: str
    goal: str
    measured: str
    ok: bool | None = None  # None: information only


@dataclass
class Run:
    """One backend's results: every row, the targets among them, and notes for the end."""

    backend: str
    scale: float
    rows: list[Row] = field(default_factory=list)
    targets: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    server: str = ""


def log(message: str) -> None:
    """A progress line on standard error, with the time of day."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.2f} ms"


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def spread(values: Sequence[float]) -> str:
    """The median and the 95th percentile of ``values`` seconds."""
    return f"{ms(statistics.median(values))} (p95 {ms(p95(values))})"


def machine() -> list[str]:
    """CPU, memory and software of this machine, and its load average now."""
    cpu = "unknown CPU"
    memory = "?"
    with open("/proc/cpuinfo") as info:
        cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), cpu)
    with open("/proc/meminfo") as info:
        kib = next((int(ln.split()[1]) for ln in info if ln.startswith("MemTotal")), 0)
        memory = f"{kib / 2**20:.0f} GiB"
    return [
        f"{cpu}, {os.cpu_count()} CPUs, {memory} RAM, {platform.platform()}",
        f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}",
        "load average (1, 5, 15 min) at the end: "
        + ", ".join(f"{v:.1f}" for v in os.getloadavg())
        + " (other processes share the machine)",
    ]


def report(runs: list[Run], command: str) -> str:
    """The Markdown of a whole run: facts, the side-by-side table, the targets, the notes."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"- Date: {now}", f"- Command: `{command}`"]
    lines += [f"- Machine: {fact}" for fact in machine()]
    lines += [f"- {run.backend}: {run.server}, scale {run.scale}" for run in runs]
    lines += ["", *_table(("Measurement", "Target"), [run.rows for run in runs], runs)]
    lines += ["", "Targets, named as in BENCHMARKS.md:", ""]
    lines += _table(("Target", "Goal"), [run.targets for run in runs], runs)
    for run in runs:
        lines += ["", *run.notes]
    return "\n".join(lines)


def _table(titles: tuple[str, str], columns: list[list[Row]], runs: list[Run]) -> list[str]:
    """Rows named by the first run, each run's figure and mark beside them."""
    head = f"| {titles[0]} | {titles[1]} |" + "".join(
        f" {r.server.split()[0]} (scale {r.scale}) | |" for r in runs
    )
    lines = [head, "|---|---|" + "---|---|" * len(runs)]
    for i, row in enumerate(columns[0]):
        cells = ""
        for rows in columns:
            other = rows[i] if i < len(rows) else Row("", "", "")
            cells += f" {other.measured} | {mark(other.ok)} |"
        lines.append(f"| {row.name} | {row.goal} |{cells}")
    return lines


def mark(ok: bool | None) -> str:
    """A table's verdict cell: pass, **MISS**, or nothing for information only."""
    return "" if ok is None else ("pass" if ok else "**MISS**")


TARGETS_FILE = "SNOWPATH_BENCH_TARGETS"


def emit_targets(rows: Iterable[Row]) -> None:
    """Append ``rows`` as JSON lines to the file ``$SNOWPATH_BENCH_TARGETS`` names; nothing
    when it is not set (see the module docstring)."""
    path = os.environ.get(TARGETS_FILE)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")


def publish(runs: list[Run], module: str, argv: list[str] | None) -> None:
    """Print the :func:`report` of ``runs`` of ``python -m module`` with arguments ``argv``
    (None: this process's), and emit each run's targets (:func:`emit_targets`)."""
    command = f"python -m {module} " + " ".join(sys.argv[1:] if argv is None else argv)
    print(report(runs, command.strip()))
    for run in runs:
        emit_targets(table_targets(run))


def table_targets(run: Run) -> list[Row]:
    """``run``'s targets named as in BENCHMARKS.md: PostgreSQL's as they are (the table's
    targets are for PostgreSQL), SQLite's after ``SQLite: ``."""
    if run.backend == "postgres":
        return list(run.targets)
    return [Row(f"SQLite: {row.name}", row.goal, row.measured, row.ok) for row in run.targets]
