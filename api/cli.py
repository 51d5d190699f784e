"""The ``snowpath`` command: one entry point for operators.

- ``snowpath db upgrade``: migrate the configured database to the newest schema.
- ``snowpath status``: what the store holds (branches, heads, component counts).
- ``snowpath serve``: serve the HTTP API (gunicorn); the embedded default migrates itself
  and loads a demo code system on first start.
- ``snowpath worker``: run background jobs from Redis (production mode).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from flask import Flask
from gunicorn.app.base import BaseApplication
from sqlalchemy.engine import make_url

from api import create_app
from api.demo import load_demo
from api.settings import Settings, load
from exporter.worker import work
from revisions import ReadPoint, RevisionStore, make_engine, upgrade
from revisions.db import schema_is_current


def _store(settings: Settings) -> RevisionStore:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return RevisionStore(
        make_engine(settings.database_url),
        read_wait_ms=settings.read_wait_ms,
        write_wait_ms=settings.write_wait_ms,
    )


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
    """Migrate the database to the newest schema, make sure MAIN exists and build what a
    bulk load left pending."""
    store = _store(load())
    try:
        upgrade(store.engine)
        store.initialize()
        for name in store.derive():
            click.echo(f"Built {name}, which a bulk load had left pending.")
    finally:
        store.engine.dispose()
    click.echo(f"Database at {store.engine.url.render_as_string()} is up to date.")


@main.command()
def status() -> None:
    """Print the branches and how many components each shows."""
    _print_status(_store(load()))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API with gunicorn. The embedded default migrates its database and loads a
    demo code system on first start; production databases need 'snowpath db upgrade'."""
    settings = load()
    store = _store(settings)
    if settings.embedded:
        upgrade(store.engine)
    elif not schema_is_current(store.engine):
        raise click.ClickException("The database schema is not current: run 'snowpath db upgrade'.")
    store.initialize()
    if settings.embedded and load_demo(store):
        click.echo("Loaded the demo code system DEMO.")
    store.engine.dispose()
    base = f"http://{host}:{port}"
    mode = "embedded (SQLite, in-process jobs)" if settings.embedded else "production (rq jobs)"
    click.echo(f"Snowpath on {base} [{mode}], store {store.engine.url.render_as_string()}")
    for example in EXAMPLES:
        click.echo(f"  {base}{example}")
    Server(settings, f"{host}:{port}", workers).run()


EXAMPLES = (
    "/DEMO/concepts?term=tuberc&expand=fsn(),descriptions()",
    "/DEMO/concepts/A15?expand=pt(),children(expand(pt()))",
    "/MAIN/DEMO/2024/concepts?limit=5",
    "/docs",
)


class Server(BaseApplication):
    """gunicorn running the app factory in each worker process."""

    def __init__(self, settings: Settings, bind: str, workers: int) -> None:
        self.settings = settings
        self.options = {"bind": bind, "workers": workers, "accesslog": None, "timeout": 120}
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app(self.settings)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run background jobs from the Redis queue (production mode)."""
    settings = load()
    if settings.redis_url is None:
        raise click.ClickException(
            "Set SNOWPATH_REDIS_URL: the embedded mode runs jobs in-process."
        )
    work(settings.database_url, settings.redis_url, burst=burst, queue=settings.queue)


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
