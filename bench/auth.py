"""Token check benchmark: what ``Authorization: Token <t>`` adds to a request (issue 18:
at most 0.2 ms).

    python -m bench.auth [--backend postgres|sqlite] [--users 10000] [--calls 5000]

Makes a fresh database (PostgreSQL ``snowpath_bench_auth`` on ``--server``, or the store
benchmark's SQLite file), ``--users`` users with a token each, then times, taking turns
(``bench.timing.measure``) on the same app:

- ``api.auth.authenticate`` alone, in a request context with a random user's token, and
  with the same text in another header: the difference is the token check (one indexed
  lookup by digest);
- a whole request through the WSGI app (Flask's test client, no network), ``GET
  /branches/MAIN`` the same two ways: the difference is what a client sees.

Prints one table; the database is dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys

from flask import Flask
from sqlalchemy import insert

from accounts import tokens as token_shape
from accounts.schema import tokens, users
from api import auth, create_app
from api.settings import load
from bench import databases
from bench.report import Row, Run, emit_targets, log, machine, ms, p95, table_targets
from bench.timing import measure
from exporter.jobs import ThreadRunner
from revisions import RevisionStore, upgrade

DATABASE = "snowpath_bench_auth"
TARGET_S = 0.0002
TARGET_NAME = "token check: what `Authorization: Token` adds to a request"


def _populate(store: RevisionStore, count: int) -> list[str]:
    """``count`` users with one token each; the tokens."""
    made = [token_shape.new_token() for _ in range(count)]
    with store.engine.begin() as connection:
        connection.execute(
            insert(users),
            [
                {
                    "id": i + 1,
                    "username": f"user{i}",
                    "is_staff": False,
                    "is_active": True,
                    "metadata": {},
                    "created_ts": 0,
                    "updated_ts": 0,
                }
                for i in range(count)
            ],
        )
        connection.execute(
            insert(tokens),
            [
                {"digest": token_shape.digest(t), "user_id": i + 1, "created_ts": 0}
                for i, t in enumerate(made)
            ],
        )
    return made


def _timings(app: Flask, made: list[str], calls: int) -> dict[str, list[float]]:
    def check_with(token: str) -> None:
        with app.test_request_context(headers={"Authorization": f"Token {token}"}):
            auth.authenticate()

    # The same header work without the lookup: a request carrying another header as long.
    def check_without(token: str) -> None:
        with app.test_request_context(headers={"X-Not-Authorization": f"Token {token}"}):
            auth.authenticate()

    client = app.test_client()

    def get_with(token: str) -> None:
        client.get("/branches/MAIN", headers={"Authorization": f"Token {token}"})

    def get_without(token: str) -> None:
        client.get("/branches/MAIN", headers={"X-Not-Authorization": f"Token {token}"})

    items = [random.choice(made) for _ in range(calls)]
    warm = items[:200]
    alone = measure([check_with, check_without], items, warm)
    whole = measure([get_with, get_without], items, warm)
    return {
        "authenticate, token": alone[0],
        "authenticate, other header": alone[1],
        "GET /branches/MAIN, token": whole[0],
        "GET /branches/MAIN, other header": whole[1],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--server", default=databases.DEFAULT_SERVER)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=5_000)
    args = parser.parse_args(argv)
    if args.backend == "postgres":
        engine, version = databases.fresh_postgres(args.server, DATABASE)
    else:
        engine, version = databases.fresh_sqlite()
    try:
        upgrade(engine)
        store = RevisionStore(engine)
        store.initialize()
        log(f"{version}: {args.users} users with a token each")
        made = _populate(store, args.users)
        app = create_app(load({}), store=store, runner=ThreadRunner(store, workers=1))
        timings = _timings(app, made, args.calls)
    finally:
        engine.dispose()
        if args.backend == "postgres":
            databases.drop_postgres(args.server, DATABASE)
        else:
            databases.remove_sqlite()
    print(f"Token check, {version}, {args.users} users, {args.calls} calls each")
    print(*machine(), sep="\n")
    print("\n| measure | median | p95 |\n|---|---|---|")
    for name, values in timings.items():
        print(f"| {name} | {ms(statistics.median(values))} | {ms(p95(values))} |")
    alone = statistics.median(timings["authenticate, token"]) - statistics.median(
        timings["authenticate, other header"]
    )
    whole = statistics.median(timings["GET /branches/MAIN, token"]) - statistics.median(
        timings["GET /branches/MAIN, other header"]
    )
    verdict = "pass" if whole <= TARGET_S else "miss"
    print(f"\ntoken check alone: +{ms(alone)}; whole request: +{ms(whole)} (≤ 0.2 ms: {verdict})")
    medians = {name: ms(statistics.median(values)) for name, values in timings.items()}
    measured = (
        f"+{ms(alone)} alone ({medians['authenticate, token']} against "
        f"{medians['authenticate, other header']}), +{ms(whole)} on a whole "
        f"`GET /branches/MAIN` ({medians['GET /branches/MAIN, token']} / "
        f"{medians['GET /branches/MAIN, other header']})"
    )
    row = Row(TARGET_NAME, f"≤ {ms(TARGET_S)}", measured, whole <= TARGET_S)
    emit_targets(table_targets(Run(args.backend, 1.0, targets=[row])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
