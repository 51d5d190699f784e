"""RF2 import benchmark (issue 20): the SNOMED-sized synthetic RF2 Snapshot, from files to
searchable, through the importer ``snowpath import rf2 FOLDER --codesystem SNOMEDCT`` runs.

:mod:`bench.rf2` writes :mod:`bench.data`'s set as an RF2 Snapshot package (at scale 1.0:
350,000 concepts, 1,000,000 descriptions, ~500,000 relationships, a language and an
association refset; not timed). On a new database (PostgreSQL ``snowpath_bench_rf2``,
dropped before and after; or SQLite's file under ``var/bench/``) the clock then runs from
creating the code system to the version cut: the package read (``importers.formats.read``)
and applied (``importers.apply.apply_releases``) to ``MAIN/SNOMEDCT``, a child of an empty
MAIN, in one commit whose search tables are derived before the import returns, then the
version (the release's effectiveTime). A term search checks that the import is searchable.
On PostgreSQL the same rows (the components the import created, as the loader writes them)
are then copied with ``COPY`` alone into indexed tables like the store's, in the same run:
the import's time over that is the ratio the issue asks for (``bench.writes.copy_alone``,
the store benchmark's yardstick, for every type).

    .venv/bin/python -m bench.rf2_import [--scale 1.0] [--backend postgres|sqlite|both]
        [--server-url postgresql+psycopg://…]

Target (issue 20): at most 60 s on PostgreSQL. SQLite has none: its row is information.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench import databases, rf2
from bench.data import Terminology
from bench.report import Row, Run, log, publish
from bench.writes import copy_alone
from importers import formats
from importers.apply import TYPE_ORDER, apply_releases
from importers.release import Release
from revisions import ReadPoint, RevisionStore, upgrade
from revisions.components import component_type

DATABASE = "snowpath_bench_rf2"
CODESYSTEM = "SNOMEDCT"
TARGET_S = 60.0
TARGET_NAME = "RF2 Snapshot, files to searchable, PostgreSQL"


class _Phases:
    """An import's :class:`importers.apply.Progress` that notes when each phase began."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}

    def phase(self, release: Release, name: str, total: int | None) -> None:
        self.started[name] = time.perf_counter()

    def advance(self, rows: int) -> None:
        pass


def import_package(store: RevisionStore, root: Path) -> tuple[float, str]:
    """What ``snowpath import rf2 ROOT --codesystem SNOMEDCT`` does on a new code system:
    the seconds it took, and what it did (counts, the phases, the client's CPU)."""
    phases = _Phases()
    started, cpu = time.perf_counter(), time.process_time()
    found = store.codesystems.create(CODESYSTEM, "SNOMED CT")
    releases = formats.read("rf2", root, store=store, branch=found.branch_path)
    summary = apply_releases(store, CODESYSTEM, releases, author="bench", progress=phases)
    ended = time.perf_counter()
    counts = summary.total
    read = phases.started["write"] - phases.started["read"]
    return ended - started, (
        f"{counts.created:,} created on {found.branch_path}; reading and comparing "
        f"{read:.1f} s, writing, deriving and the version {ended - phases.started['write']:.1f} s; "
        f"client CPU {time.process_time() - cpu:.1f} s"
    )


def check_searchable(store: RevisionStore, data: Terminology) -> None:
    """The first concept's first term finds it on the code system's branch."""
    cid, fields = next(iter(data.descriptions()))
    term = fields["term"]
    branch = store.codesystems.get(CODESYSTEM).branch_path
    found, _, _ = store.search_concepts(ReadPoint(branch), term)
    if fields["concept_id"] not in {c.id for c in found}:
        raise SystemExit(f"The import is not searchable: {term!r} did not find {cid}'s concept.")


def copy_same_rows(store: RevisionStore, root: Path) -> tuple[int, float]:
    """``COPY`` alone of the rows the import created (read from the package again, not
    timed), type by type: how many rows, and the seconds the copies took."""
    [release] = formats.read("rf2", root)
    grouped: dict[str, list] = {name: [] for name in TYPE_ORDER}
    for type_name, cid, fields in release.components:
        grouped[type_name].append((cid, fields))
    count, seconds = 0, 0.0
    for type_name, items in grouped.items():
        copied, took = copy_alone(store.engine, component_type(type_name), items)
        count, seconds = count + copied, seconds + took
        grouped[type_name] = []  # what the next type's copy need not keep
    return count, seconds


def run_backend(backend: str, scale: float, server_url: str, root: Path, data: Terminology) -> Run:
    """Import the package at ``root`` on a new database of ``backend``; the run's rows."""
    if backend == "postgres":
        engine, server = databases.fresh_postgres(server_url, DATABASE)
    else:
        engine, server = databases.fresh_sqlite()
    run = Run(backend, scale, server=server)
    try:
        upgrade(engine)
        store = RevisionStore(engine)
        store.initialize()
        log(f"{backend}: importing {root.name}")
        seconds, what = import_package(store, root)
        check_searchable(store, data)
        rate = f"{data.sizes.total / seconds:,.0f} components/s"
        if backend != "postgres":
            measured = f"{seconds:.1f} s ({rate}; {what})"
            run.rows.append(Row("RF2 Snapshot, files to searchable, SQLite", "", measured))
            return run
        count, copied = copy_same_rows(store, root)
        measured = (
            f"{seconds:.1f} s, {seconds / copied:.1f}x `COPY` alone of the same rows "
            f"({count:,} in {copied:.1f} s); {rate}; {what}"
        )
        target = Row(TARGET_NAME, f"≤ {TARGET_S:.0f} s", measured, seconds <= TARGET_S)
        run.rows.append(target)
        run.targets.append(target)
    finally:
        engine.dispose()
        if backend == "postgres":
            databases.drop_postgres(server_url, DATABASE)
        else:
            databases.remove_sqlite()
        for row in run.rows:
            log(f"{backend}: {row.name}: {row.measured}")
    return run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.rf2_import", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--backend", choices=("postgres", "sqlite", "both"), default="postgres")
    parser.add_argument("--server-url", default=databases.DEFAULT_SERVER)
    args = parser.parse_args(argv)
    backends = ["postgres", "sqlite"] if args.backend == "both" else [args.backend]
    data = Terminology(args.scale)
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        log(f"writing an RF2 Snapshot of {data.sizes}")
        started = time.perf_counter()
        root = rf2.write(data, Path(scratch))
        log(f"written in {time.perf_counter() - started:.1f} s (not timed)")
        for backend in backends:
            runs.append(run_backend(backend, args.scale, args.server_url, root, data))
    publish(runs, "bench.rf2_import", argv)


if __name__ == "__main__":
    main()
