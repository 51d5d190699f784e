"""The ``snowpath`` command: one entry point for operators.

- ``snowpath db upgrade``: migrate the configured database to the newest schema.
- ``snowpath status``: what the store holds (branches, heads, component counts).
- ``snowpath serve``: prepare the embedded store and start Snowpath. Until the HTTP API
  lands it prepares the store and prints its status.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from sqlalchemy.engine import make_url

from api.settings import Settings, load
from revisions import ReadPoint, RevisionStore, make_engine, upgrade


def _store(settings: Settings) -> RevisionStore:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return RevisionStore(make_engine(settings.database_url))


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.group()
def main() -> None:
    """Snowpath, a revision-based branching terminology server."""


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema and make sure MAIN exists."""
    store = _store(load())
    upgrade(store.engine)
    store.initialize()
    click.echo(f"Database at {store.engine.url.render_as_string()} is up to date.")


@main.command()
def status() -> None:
    """Print the branches and how many components each shows."""
    _print_status(_store(load()))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Start Snowpath on the configured store (embedded SQLite by default)."""
    settings = load()
    store = _store(settings)
    upgrade(store.engine)
    store.initialize()
    mode = "embedded (SQLite, in-process jobs)" if settings.embedded else "production"
    click.echo(f"Snowpath store ready: {store.engine.url.render_as_string()} [{mode}]")
    _print_status(store)
    click.echo(
        f"The HTTP API (http://{host}:{port}) is not built yet: this release is the "
        "revision store only."
    )


def _print_status(store: RevisionStore) -> None:
    live = [b for b in store.list_branches() if not b.deleted]
    click.echo(f"{'branch':40} {'state':11} {'head':20} concepts descriptions mappings")
    for branch in live:
        point = ReadPoint(branch.path)
        counts = [store.count(point, t) for t in ("concept", "description", "mapping")]
        click.echo(
            f"{branch.path:40} {branch.state.value:11} {_iso(branch.head_ts):20} "
            f"{counts[0]:8} {counts[1]:12} {counts[2]:8}"
        )


if __name__ == "__main__":
    sys.exit(main())
