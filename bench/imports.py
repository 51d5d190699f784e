"""Import benchmark: ICD-10-CM releases from the cached simple-icd-10-cm wheels
(bin/fetch-data) through ``importers`` into a fresh store, on SQLite and PostgreSQL.

Per backend, on a new database: the whole FY2021 release (95,676 codes, 202,968
components) into an empty code system, then April 2025 and April 2026 applied as changes;
then, on another new database, the whole April 2026 release alone. Each time covers the
whole import: reading the wheel, comparing with the branch, the commit (search tables
derived on PostgreSQL, so the codes are searchable when it ends) and the version.

    .venv/bin/python -m bench.imports [--format icd10cm] [--backend sqlite|postgres|both]
        [--server-url postgresql+psycopg://…]

Targets (issue 20): a whole release ≤ 10 s on PostgreSQL and ≤ 20 s on SQLite; each later
release as changes ≤ 5 s.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from bench import databases
from bench.report import Row, emit_targets, log
from importers.apply import apply_releases
from importers.icd10cm import wheel_release
from revisions import RevisionStore, upgrade

DATA = Path(__file__).resolve().parent.parent / ".data" / "icd10cm"
WHEELS = {
    "2021": "simple_icd_10_cm-1.2.0-py3-none-any.whl",
    "2025": "simple_icd_10_cm-1.4.0-py3-none-any.whl",
    "2026": "simple_icd_10_cm-1.5.0-py3-none-any.whl",
}
TARGETS = {("postgres", True): 10.0, ("sqlite", True): 20.0}
CHANGES_TARGET = 5.0
DATABASE = "snowpath_bench_import"


def _store(backend: str, server_url: str) -> tuple[RevisionStore, str]:
    if backend == "postgres":
        engine, name = databases.fresh_postgres(server_url, DATABASE)
    else:
        engine, name = databases.fresh_sqlite()
    upgrade(engine)
    store = RevisionStore(engine)
    store.initialize()
    store.codesystems.create("ICD10CM", "ICD-10-CM")
    return store, name


def _import(store: RevisionStore, release_name: str) -> tuple[float, float, str]:
    """(seconds in all, of which reading the wheel, the counts and this process's CPU
    seconds) of one release."""
    started, cpu = time.perf_counter(), time.process_time()
    release = wheel_release(DATA / WHEELS[release_name])
    read = time.perf_counter() - started
    summary = apply_releases(store, "ICD10CM", [release], author="bench")
    counts = summary.total
    line = (
        f"{counts.created:,} created, {counts.changed:,} changed, {counts.retired:,} retired, "
        f"{sum(counts.skipped.values()):,} unchanged; client CPU "
        f"{time.process_time() - cpu:.2f} s"
    )
    return time.perf_counter() - started, read, line


def _row(store: RevisionStore, backend: str, release: str, whole: bool) -> tuple[str, float]:
    """Import one release; its table row (with the verdict against its goal), and its
    seconds."""
    seconds, read, counts = _import(store, release)
    goal = TARGETS[(backend, True)] if whole else CHANGES_TARGET
    kind = "whole release" if whole else "as changes"
    verdict = "pass" if seconds <= goal else "MISS"
    row = (
        f"| {backend} | {release} {kind} | {seconds:.2f} s (reading the wheel {read:.2f} s) "
        f"| ≤ {goal:.0f} s | {verdict} | {counts} |"
    )
    log(row)
    return row, seconds


def run(backend: str, server_url: str) -> tuple[list[str], list[Row]]:
    """The table rows of one backend's imports, and its two targets."""
    store, name = _store(backend, server_url)
    log(f"{backend}: {name}")
    done = [_row(store, backend, release, i == 0) for i, release in enumerate(WHEELS)]
    store.engine.dispose()
    store, _ = _store(backend, server_url)
    done.append(_row(store, backend, "2026", True))
    store.engine.dispose()
    if backend == "postgres":
        databases.drop_postgres(server_url, DATABASE)
    else:
        databases.remove_sqlite()
    return [row for row, _ in done], targets(backend, [seconds for _, seconds in done])


def targets(backend: str, seconds: list[float]) -> list[Row]:
    """BENCHMARKS.md's two rows of ``backend`` from the four imports' ``seconds`` (FY2021
    whole, 2025 and 2026 as changes, 2026 whole)."""
    whole, later, latest, alone = seconds
    goal = TARGETS[(backend, True)]
    names = {
        "postgres": (
            "ICD-10-CM: a whole release into an empty code system, PostgreSQL",
            "ICD-10-CM: each later release applied as changes, PostgreSQL",
        ),
        "sqlite": (
            "ICD-10-CM: a whole release, SQLite",
            "ICD-10-CM: each later release as changes, SQLite",
        ),
    }[backend]
    return [
        Row(
            names[0],
            f"≤ {goal:.0f} s",
            f"{whole:.1f} s (2026 alone: {alone:.1f} s)",
            max(whole, alone) <= goal,
        ),
        Row(
            names[1],
            f"≤ {CHANGES_TARGET:.0f} s",
            f"{later:.1f} s (2025) and {latest:.1f} s (2026)",
            max(later, latest) <= CHANGES_TARGET,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", default="icd10cm", choices=["icd10cm"])
    parser.add_argument("--backend", default="both", choices=["sqlite", "postgres", "both"])
    parser.add_argument("--server-url", default=databases.DEFAULT_SERVER)
    args = parser.parse_args()
    missing = [name for name in WHEELS.values() if not (DATA / name).is_file()]
    if missing:
        raise SystemExit(f"Missing {', '.join(missing)}: run bin/fetch-data first.")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    rows, found = [], []
    for backend in backends:
        lines, measured = run(backend, args.server_url)
        rows += lines
        found += measured
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"ICD-10-CM import, {time.strftime('%Y-%m-%d %H:%M')} (load average {load})")
    print("| backend | import | time | goal | | counts |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    emit_targets(found)


if __name__ == "__main__":
    main()
