"""Run every benchmark and rewrite the current-results table of BENCHMARKS.md.

    .venv/bin/python -m bench.run_all [--only NAME[,NAME]] [--scale 1.0] [--dry-run]

Runs each benchmark of :data:`BENCHMARKS` once per backend it supports, each in a process
of its own (``python -m bench.<module>``), its standard output kept in
``var/bench/run_all/`` and its progress passed through; each writes its target rows as JSON
lines (:func:`bench.report.emit_targets`). Then the rows of BENCHMARKS.md's first table that
a benchmark measured get its figure, its verdict, the command, the date (UTC, with the load
average before and after) and the machine; every other row stays as it was, in the same
order and with the same name. A row is matched by its target's name with the remarks in
brackets left out (:func:`key`), or a beginning of it no other row shares. A benchmark that
fails leaves its rows as they were; the output says, row by row, what was updated and what
was kept and why, and names the measured rows the table has no place for. ``--only`` runs
the named benchmarks; ``--dry-run`` prints the new table and writes nothing; ``--scale``
goes to the benchmarks that take one, and their figures then say the scale.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.report import TARGETS_FILE, Row, log, mark

ROOT = Path(__file__).resolve().parent.parent
TABLE_FILE = ROOT / "BENCHMARKS.md"
LOGS = ROOT / "var" / "bench" / "run_all"
# The columns of the table a run rewrites, after Target and Goal.
VALUE, VERDICT, COMMAND, DATE, MACHINE = 2, 3, 4, 5, 6
ABOVE = "as above"  # a command cell naming the row above's command


@dataclass(frozen=True)
class Benchmark:
    """A benchmark module, the backends it runs on (``--backend`` given when it takes
    one), and whether it takes ``--scale``."""

    name: str
    module: str
    backends: tuple[str, ...] = ("postgres",)
    backend_option: bool = False
    scaled: bool = False

    def runs(self, scale: float) -> list[tuple[str, list[str]]]:
        """(backend, arguments after ``python``) of each of its runs."""
        found = []
        for backend in self.backends:
            args = ["-m", self.module]
            if self.backend_option:
                args += ["--backend", backend]
            if self.scaled:
                args += ["--scale", f"{scale:g}"]
            found.append((backend, args))
        return found


BENCHMARKS = (
    Benchmark("store", "bench.store", ("postgres", "sqlite"), True, True),
    Benchmark("paths", "bench.paths", ("none",)),
    Benchmark("http", "bench.http", scaled=True),
    Benchmark("expand", "bench.expand", scaled=True),
    Benchmark("auth", "bench.auth", ("postgres", "sqlite"), True),
    Benchmark("ocl", "bench.ocl", scaled=True),
    Benchmark("export", "bench.export", scaled=True),
    Benchmark("imports", "bench.imports", ("postgres", "sqlite"), True),
    # RF2's target is PostgreSQL's; its SQLite run (--backend sqlite) has none.
    Benchmark("rf2", "bench.rf2_import", scaled=True),
)


@dataclass(frozen=True)
class Measured:
    """A target row a benchmark measured, and where and when."""

    row: Row
    command: str
    date: str
    machine: str


def key(name: str) -> str:
    """A target's name without its remarks in brackets, spaces folded."""
    previous = None
    while previous != name:
        previous, name = name, re.sub(r"\s*\([^()]*\)", "", name)
    return " ".join(name.split())


def cells(line: str) -> list[str]:
    """The cells of a Markdown table line (``\\|`` is a pipe inside a cell)."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def first_table(lines: Sequence[str]) -> tuple[int, int]:
    """The indexes of the first table's first body line and of the line after its last."""
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return start + 2, end  # after the header and its separator


def find(keys: list[str], name: str) -> int | None:
    """The index of the row whose key is ``name``'s, or else the one row whose key begins
    with it; None when there is none or several."""
    wanted = key(name)
    exact = [i for i, k in enumerate(keys) if k == wanted]
    found = exact or [i for i, k in enumerate(keys) if k.startswith(wanted)]
    return found[0] if len(found) == 1 else None


def rewrite(text: str, measured: Sequence[Measured]) -> tuple[str, list[str]]:
    """``text`` (BENCHMARKS.md) with the first table's rows ``measured`` names rewritten,
    and a line per table row (and per measured row with no place) saying what became of it."""
    lines = text.split("\n")
    start, end = first_table(lines)
    rows = [cells(line) for line in lines[start:end]]
    keys = [key(row[0]) for row in rows]
    commands = []  # each row's command as written, "as above" resolved
    for row in rows:
        above = commands[-1] if commands and row[COMMAND].startswith(ABOVE) else None
        commands.append(row[COMMAND] if above is None else above + row[COMMAND][len(ABOVE) :])
    updated: dict[int, str] = {}
    notes = []
    for item in measured:
        at = find(keys, item.row.name)
        if at is None:
            notes.append(f"no row in the table for: {item.row.name} (measured {item.row.measured})")
            continue
        row = rows[at]
        row[VALUE] = item.row.measured.replace("|", "\\|")
        row[VERDICT] = mark(item.row.ok).replace("MISS", "miss") or row[VERDICT]
        row[COMMAND] = f"`{item.command}`"
        row[DATE] = item.date
        row[MACHINE] = item.machine
        updated[at] = item.command
        lines[start + at] = "| " + " | ".join(row) + " |"
    for i in range(1, len(rows)):  # "as above" under a rewritten row: what it was above
        if i not in updated and i - 1 in updated and rows[i][COMMAND].startswith(ABOVE):
            rows[i][COMMAND] = commands[i - 1] + rows[i][COMMAND][len(ABOVE) :]
            lines[start + i] = "| " + " | ".join(rows[i]) + " |"
    for i, row in enumerate(rows):
        state = f"updated by `{updated[i]}`" if i in updated else "kept (not measured)"
        notes.insert(i, f"{row[0][:70]}: {state}")
    return "\n".join(lines), notes


def machine_kind() -> str:
    """The machine as BENCHMARKS.md's table names it ("AMD EPYC VM", "Intel Xeon VM")."""
    with open("/proc/cpuinfo") as info:
        cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "")
    for kind in ("AMD EPYC", "Intel Xeon"):
        if all(word in cpu for word in kind.split()):
            return f"{kind} VM"
    return cpu or "unknown machine"


def run_one(bench: Benchmark, backend: str, args: list[str], scale: float) -> list[Measured]:
    """Run one benchmark in a process of its own; its target rows (none if it failed)."""
    command = "python " + " ".join(args)
    LOGS.mkdir(parents=True, exist_ok=True)
    output = LOGS / f"{bench.name}-{backend}.md"
    load = os.getloadavg()[0]
    started = datetime.datetime.now(datetime.UTC)
    log(f"running `{command}` (its output: {output.relative_to(ROOT)})")
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as targets, output.open("w") as out:
        env = {**os.environ, TARGETS_FILE: targets.name}
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, stdout=out, check=False)
        if done.returncode:
            log(f"`{command}` failed (exit {done.returncode}): its rows are kept")
            return []
        rows = [Row(**json.loads(line)) for line in targets if line.strip()]
    date = f"{started:%Y-%m-%d %H:%M} (load average {load:.1f}\N{EN DASH}{os.getloadavg()[0]:.1f})"
    at_scale = f" (at scale {scale:g})" if bench.scaled and scale != 1.0 else ""
    return [
        Measured(Row(r.name, r.goal, r.measured + at_scale, r.ok), command, date, machine_kind())
        for r in rows
    ]


def chosen(only: str | None) -> list[Benchmark]:
    if not only:
        return list(BENCHMARKS)
    names = [name.strip() for name in only.split(",") if name.strip()]
    known = {bench.name: bench for bench in BENCHMARKS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"Unknown benchmark {unknown[0]!r}: use one of {', '.join(known)}.")
    return [known[name] for name in names]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__)
    parser.add_argument(
        "--only",
        help="comma-separated benchmark names: " + ", ".join(bench.name for bench in BENCHMARKS),
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--dry-run", action="store_true", help="print the table, write nothing")
    args = parser.parse_args(argv)
    measured: list[Measured] = []
    failed = []
    for bench in chosen(args.only):
        for backend, arguments in bench.runs(args.scale):
            found = run_one(bench, backend, arguments, args.scale)
            if not found:
                failed.append(f"{bench.name} ({backend})")
            measured += found
    text, notes = rewrite(TABLE_FILE.read_text(encoding="utf-8"), measured)
    if args.dry_run:
        lines = text.split("\n")
        start, end = first_table(lines)
        print("\n".join(lines[start - 2 : end]) + "\n")
    else:
        TABLE_FILE.write_text(text, encoding="utf-8")
    print("\n".join(f"- {note}" for note in notes))
    if failed:
        print(f"- failed or measured nothing, rows kept: {', '.join(failed)}")


if __name__ == "__main__":
    main()
