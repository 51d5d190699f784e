"""Revision store benchmark: ``python -m bench.store [--backend B] [--scale S] [--database-url U]
[--database NAME] [--load-only]``.

Builds the synthetic terminology of :mod:`bench.data` in a database of its own (PostgreSQL:
database ``snowpath_bench``, or ``--database NAME`` (starting ``snowpath_``) so that two runs
can share a server, dropped and recreated on the server of ``--database-url``, no other
database touched; SQLite: a file under ``var/bench/``), migrates it, gives it history (20
commits on MAIN, ``MAIN/proj`` with 1% changed, ``MAIN/proj/task`` with 0.1% more, some
deleted) and times the store against its targets (and, not targets, term searches on the
task through a small segment's own rows and through the indexes), printing one Markdown
table with PostgreSQL's and SQLite's figures side by side (``--sqlite-scale`` runs SQLite
at another scale; the column header says which), then the targets alone, named as in
BENCHMARKS.md.
Reads are compared with an unversioned table
(``baseline_concepts``) holding exactly the rows visible on the task branch, read through
the pool the store's reads use (``revisions.db.reading_engine``); the bulk load is
compared with ``COPY`` alone of its descriptions into an indexed table (the issue's
yardstick, measured on the machine of the run, right before the load and after its
derivation). ``--load-only`` stops after that, for A/B runs of the load. Timings are
``time.perf_counter`` medians (p95 in brackets) after warm-up calls; a benchmark is not a
test, so nothing asserts on them. After the table come SQL profiles of the big writes and,
for read targets missed (or all, with ``--explain``), the plans of the statements one call
issued.

PostgreSQL tables are ``VACUUM ANALYZE``d once the data is built (the bench server runs with
autovacuum off; a production server's autovacuum would have done it). SQLite gets the
``ANALYZE`` that every bulk load ends with, as in the embedded mode.

This module is the command and the order of the steps; the steps are in :mod:`bench.writes`
and :mod:`bench.reads`, what they share in :mod:`bench.session`, the instruments in
:mod:`bench.timing`, the tables in :mod:`bench.report`, the databases in
:mod:`bench.databases`.
"""

from __future__ import annotations

import argparse

from bench import databases, writes
from bench.data import Terminology
from bench.reads import Reads
from bench.report import Run, log, publish
from bench.session import Session
from revisions import upgrade

PG_DATABASE = "snowpath_bench"


def run_steps(s: Session, load_only: bool = False) -> None:
    """Every step in order: build and load, history, branches, reads, then the merges
    (``load_only``: the load, its derivation and the ``COPY`` yardstick alone)."""
    upgrade(s.engine)
    s.store.initialize()
    writes.load(s)
    if load_only:
        return
    edits = writes.build_history(s)
    writes.settle(s)
    writes.branch_creation(s)
    reads = Reads(s, edits)
    reads.by_id()
    reads.pages()
    reads.searches()
    reads.past()
    writes.promote(s)
    writes.rebase(s)


def run_backend(backend: str, scale: float, args: argparse.Namespace) -> Run:
    log(f"{backend}: scale {scale}")
    data = Terminology(scale, args.seed)
    if backend == "postgres":
        engine, server = databases.fresh_postgres(args.database_url, args.database)
    else:
        engine, server = databases.fresh_sqlite()
    run = Run(backend, scale, server=server)
    try:
        run_steps(Session(engine, data, run, args.seed, args.explain), args.load_only)
    finally:
        engine.dispose()
        if not args.keep:
            if backend == "postgres":
                databases.drop_postgres(args.database_url, args.database)
            else:
                databases.remove_sqlite()
    return run


def bench_database(name: str) -> str:
    """``--database``: a name starting ``snowpath_``, so that no other database is dropped."""
    if not name.startswith("snowpath_"):
        raise argparse.ArgumentTypeError(f"{name!r} does not start with snowpath_")
    return name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.store", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--backend", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--sqlite-scale", type=float, help="SQLite's scale (default: --scale)")
    parser.add_argument(
        "--database-url",
        default=databases.DEFAULT_SERVER,
        help="a PostgreSQL server URL; only database --database is used",
    )
    parser.add_argument(
        "--database",
        type=bench_database,
        default=PG_DATABASE,
        help=f"the PostgreSQL database to build, then drop (default {PG_DATABASE})",
    )
    parser.add_argument("--seed", type=int, default=20240131)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--explain", action="store_true", help="show every read's query plans")
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="only the bulk load, its derivation and the COPY yardstick (A/B runs of the load)",
    )
    args = parser.parse_args(argv)
    backends = ["postgres", "sqlite"] if args.backend == "both" else [args.backend]
    runs = []
    for backend in backends:
        scale = args.sqlite_scale if backend == "sqlite" and args.sqlite_scale else args.scale
        runs.append(run_backend(backend, scale, args))
    publish(runs, "bench.store", argv)


if __name__ == "__main__":
    main()
