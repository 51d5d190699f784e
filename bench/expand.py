"""Expansion benchmark: every documented concept expansion at the largest page allowed.

    python -m bench.expand [--scale 1.0] [--reuse] [--code DIR] [--revision R]
                           [--no-budget] [--label L] [--rounds 3] [--timeout 60] [--only S]

Builds (or with ``--reuse`` keeps) a PostgreSQL database ``snowpath_bench_expand`` holding
the data set of :func:`bench.http.build` (scale 1.0: SNOMED-sized, 350,000 concepts; MAIN,
``MAIN/proj`` with 1% changed, ``MAIN/proj/task`` with 0.1% more), migrates it to
``--revision`` (default the newest; down as well as up, so that older code can be measured
on the same data), starts ``snowpath serve`` (one worker) from the source tree ``--code``
(default: this one; an exported older tree measures the code before a change), and times
``GET /MAIN/proj/task/concepts?limit=N&expand=E`` over real HTTP for each expansion ``E``
the API documents, ``N`` the largest page the expansion budget of :mod:`api.expansions`
allows for it (10,000 with ``--no-budget``, the code before the budget). The first page in
id order is the top of the hierarchy, whose descendants are every concept (the worst page
there is); ``ancestors()`` and ``descendants()`` are also timed on a page from the middle
of the id order; then ``expand=children()`` on a page of 1,000.

Each request is timed ``--rounds`` times after one warm-up, on a fresh server (a request
slower than ``--timeout`` seconds is reported as such, once; one slower than half of it is
timed once); a refusal by the budget is reported with its time and message. The medians are
compared with the targets: <= 2 s per expansion, <= 200 ms for ``children()`` at 1,000.
Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import httpx
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from api.paging import encode_token
from bench import databases, http
from bench.data import TASK
from bench.report import Row, emit_targets, log, machine, ms
from revisions import make_engine
from revisions.db import alembic_config

DATABASE = "snowpath_bench_expand"
# Every expansion docs/api.md documents for concepts, alone, and the combinations.
EXPANSIONS = (
    "fsn()",
    "pt()",
    "descriptions()",
    "mappings()",
    "parents()",
    "children()",
    "ancestors()",
    "descendants()",
    "descriptions(),mappings()",
    "fsn(),pt(),children(expand(pt()))",
)
TARGET = 2.0
CHILDREN_TARGET = 0.2
# A concept in the middle of the id order (index 175,000 of 350,000 at scale 1.0): the
# walks' second page starts after it.
MIDDLE = "275000000"


def largest_page(expand: str, budget: bool) -> int:
    """The largest ``limit`` the expansion budget allows for ``expand`` (10,000 without)."""
    if not budget:
        return 10_000
    from api.expand import parse_expand
    from api.expansions import largest_page as allowed

    return allowed(parse_expand(expand))


def timed(base: str, path: str, rounds: int, timeout: float) -> tuple[str, float | None]:
    """The median time of ``rounds`` requests after a warm-up, as text and seconds (None:
    an answer other than 200, or slower than ``timeout``)."""
    times = []
    for i in range(rounds + 1):
        started = time.perf_counter()
        try:
            response = httpx.get(base + path, timeout=timeout)
        except httpx.TimeoutException:
            return f"> {timeout:.0f} s (timed out)", None
        elapsed = time.perf_counter() - started
        if response.status_code == 400:
            return f"refused (400) in {ms(elapsed)}: {response.json()['message'][:90]}…", elapsed
        if response.status_code != 200:
            return f"{response.status_code} {response.text[:120]}", None
        if i:
            times.append(elapsed)
        elif elapsed > timeout / 2:
            return f"{ms(elapsed)} (once)", elapsed
    return ms(statistics.median(times)), statistics.median(times)


def cases(budget: bool) -> list[tuple[str, str, int, float]]:
    """(name, query, limit, target seconds) of every measurement: each expansion on the
    first page (the top of the hierarchy), the walks also on a page from the middle of the
    id order (concepts a few levels down, as most are), then ``children()`` at 1,000."""
    middle = encode_token([MIDDLE])
    found = []
    for expand in EXPANSIONS:
        limit = largest_page(expand, budget)
        found.append((f"expand={expand}", f"expand={expand}", limit, TARGET))
    for expand in ("ancestors()", "descendants()"):
        limit = largest_page(expand, budget)
        query = f"expand={expand}&searchAfter={middle}"
        found.append((f"expand={expand}, a middle page", query, limit, TARGET))
    found.append(("expand=children()", "expand=children()", 1000, CHILDREN_TARGET))
    return found


def measure(
    url: str, code: Path, budget: bool, rounds: int, timeout: float, only: str | None
) -> list[Row]:
    """One row per case; a server of its own for each (a request that timed out would keep
    the worker busy for the next)."""
    rows = []
    for name, query, limit, target in cases(budget):
        if only and only not in name:
            continue
        process, base = http.serve(url, 1, code)
        try:
            shown, seconds = timed(base, f"/{TASK}/concepts?limit={limit}&{query}", rounds, timeout)
        finally:
            http.stop(process)
        log(f"{name} at {limit}: {shown}")
        ok = seconds is not None and seconds <= target
        rows.append(Row(f"{name}, limit={limit:,}", f"<= {ms(target)}", shown, ok))
    return rows


def targets(rows: list[Row]) -> list[Row]:
    """BENCHMARKS.md's two rows from every case's: every expansion within its goal, and
    ``children()`` on a page of 1,000 (the last case)."""
    *pages, children = rows
    shown = "; ".join(f"{row.name.removeprefix('expand=')}: {row.measured}" for row in pages)
    return [
        Row(
            "every documented expansion at the largest page the budget allows",
            f"<= {ms(TARGET)} each",
            shown,
            all(row.ok for row in pages),
        ),
        Row(
            "`expand=children()` on a page of 1,000", children.goal, children.measured, children.ok
        ),
    ]


def prepare(server: str, scale: float, reuse: bool, revision: str) -> str:
    """The benchmark database's URL, built unless reused, migrated to ``revision`` (up
    or down: the code measured may be older than this tree)."""
    with databases.server(server) as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DATABASE}
        ).first()
        if exists and not reuse:
            databases.drop(connection, DATABASE)
        if not exists or not reuse:
            databases.create(connection, DATABASE)
    url = databases.database_url(server, DATABASE)
    if not (exists and reuse):
        http.build(url, scale)
    engine = make_engine(url)
    started = time.perf_counter()
    migrate(engine, revision)
    log(f"migrated to {revision} in {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return url


def migrate(engine: Engine, revision: str) -> None:
    """Bring the database to ``revision``, upgrading or downgrading."""
    with engine.begin() as connection:
        config = alembic_config(connection)
        current = MigrationContext.configure(connection).get_current_heads()
        script = ScriptDirectory.from_config(config)
        ahead = revision != "head" and any(
            script.get_revision(revision) in script.iterate_revisions(head, "base")
            and head != revision
            for head in current
        )
        if ahead:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--server-url", default=databases.DEFAULT_SERVER)
    parser.add_argument("--reuse", action="store_true", help="keep an existing data set")
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--label", default="this code")
    parser.add_argument("--revision", default="head", help="migrate the data set to this")
    parser.add_argument("--no-budget", dest="budget", action="store_false")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--only", help="measure only the cases whose name contains this")
    args = parser.parse_args(argv)
    url = prepare(args.server_url, args.scale, args.reuse, args.revision)
    code = args.code.resolve()
    rows = measure(url, code, args.budget, args.rounds, args.timeout, args.only)
    print(f"\nExpansion benchmark, {args.label}, scale {args.scale}, one gunicorn worker")
    print(*(f"- {fact}" for fact in machine()), sep="\n")
    print("| measure | target | measured | pass |\n|---|---|---|---|")
    for row in rows:
        print(f"| {row.name} | {row.goal} | {row.measured} | {'yes' if row.ok else 'NO'} |")
    if not args.only:
        emit_targets(targets(rows))


if __name__ == "__main__":
    main()
