"""The ``snowpath`` command: one entry point for operators.

- ``snowpath db upgrade``: migrate the configured database to the newest schema.
- ``snowpath status``: where the data lives (data folder, database URL without its
  password) and what the store holds (branches, heads, component counts). A missing or
  unmigrated database is one line on stderr naming the command to run, exit code 1; the
  command never creates a database.
- ``snowpath serve``: serve the HTTP API (gunicorn processes running waitress, see
  :mod:`api.server`); the embedded default migrates itself and loads the demo content on
  first start (``DEMO``, and ICD-10-CM from ``--demo-data``: :mod:`api.demo_icd10cm`). The
  banner (URLs) is printed once the port listens; a port in use is one line
  on stderr and exit code 1 at once.
- ``snowpath worker``: run background jobs from Redis (production mode).
- ``snowpath import FORMAT SOURCE --codesystem ID [--version V] [--branch PATH]``: apply the
  releases a file holds (:mod:`importers.formats`), each as one commit and, with a version,
  a code system version; a progress bar while it runs and a summary at the end
  (docs/imports.md). The code system is created if missing.
- ``snowpath users create --username U --password P [--email E] [--admin]`` makes a user and
  prints a token for it; ``snowpath users token --username U`` prints a new token. On the
  first start (no user at all) ``serve`` makes the administrator ``admin`` with a random
  password and prints both and a token once, in its banner (docs/access.md).
"""

from __future__ import annotations

import errno
import secrets
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from accounts.errors import AccountsError
from accounts.store import Accounts
from api import demo_icd10cm, server
from api.demo import load_demo
from api.import_cli import TerminalProgress, print_summary
from api.settings import Settings, load
from exporter import exports, uploads
from exporter.jobs import RqRunner
from exporter.worker import work
from importers import formats
from importers.apply import apply_releases
from importers.rf2_files import PACKAGES
from revisions import ReadPoint, RevisionStore, make_engine, upgrade
from revisions.db import schema_is_current
from revisions.epoch import open_epoch
from revisions.errors import CodeSystemNotFound, StoreError


def _store(settings: Settings) -> RevisionStore:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return RevisionStore(
        make_engine(settings.database_url),
        read_wait_ms=settings.read_wait_ms,
        write_wait_ms=settings.write_wait_ms,
        epoch=open_epoch(settings.redis_url, settings.data_dir),
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
    """Print where the data lives, the branches and how many components each shows."""
    settings = load()
    url = make_url(settings.database_url)
    shown = url.render_as_string(hide_password=True)
    click.echo(f"Data folder: {settings.data_dir}")
    click.echo(f"Database:    {shown}")
    upgrade_hint = "run 'snowpath db upgrade'"
    file = url.database if url.get_backend_name() == "sqlite" else None
    # Checked before connecting: SQLite creates a missing file on connect.
    if file not in (None, "", ":memory:") and not Path(file).is_file():
        _fail(f"No database at {file}: {upgrade_hint} to create it.")
    store = RevisionStore(make_engine(settings.database_url))
    try:
        try:
            current = schema_is_current(store.engine)
        except OperationalError as error:
            _fail(f"Cannot open the database {shown}: {str(error.orig).strip().splitlines()[0]}")
        if not current:
            _fail(f"The database {shown} is not migrated to the newest schema: {upgrade_hint}.")
        _print_status(store)
    finally:
        store.engine.dispose()


def _fail(message: str) -> NoReturn:
    """One line on stderr and exit code 1: what went wrong and what to do."""
    click.echo(message, err=True)
    sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Processes."
)
@click.option(
    "--threads",
    default=server.THREADS,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Request threads of each process.",
)
@click.option(
    "--read-timeout",
    default=server.READ_TIMEOUT_S,
    show_default=True,
    type=click.IntRange(1, 3600),
    help="Seconds a connection may stay silent before it is closed.",
)
@click.option(
    "--demo-data",
    type=click.Path(path_type=Path),
    default=None,
    help="A folder of simple-icd-10-cm wheels (bin/fetch-data): on first start the embedded "
    "default loads the two latest as the code system ICD10CM, exports built.",
)
def serve(
    host: str, port: int, workers: int, threads: int, read_timeout: int, demo_data: Path | None
) -> None:
    """Serve the API (gunicorn processes running waitress). The embedded default migrates its
    database and loads the demo content on first start; production databases need
    'snowpath db upgrade'."""
    settings = load()
    _check_port(host, port)
    store = _store(settings)
    if settings.embedded:
        upgrade(store.engine)
    elif not schema_is_current(store.engine):
        raise click.ClickException("The database schema is not current: run 'snowpath db upgrade'.")
    store.initialize()
    _sweep(store, settings)
    first_admin = _first_admin(store)
    if settings.embedded:
        _load_demos(store, settings, demo_data)
    examples = EXAMPLES + (ICD10CM_EXAMPLES if demo_icd10cm.loaded(store) else ())
    store.engine.dispose()
    base = f"http://{host}:{port}"
    # The store's kind shows in its URL; without Redis the jobs run in-process, on SQLite or
    # PostgreSQL alike (the banner said SQLite on either)
    mode = "embedded (in-process jobs)" if settings.embedded else "production (rq jobs)"
    banner = [f"Snowpath on {base} [{mode}], store {store.engine.url.render_as_string()}"]
    banner += [f"  {base}{example}" for example in examples]
    banner += first_admin

    def listening() -> None:
        click.echo("\n".join(banner))

    server.Server(
        settings, f"{host}:{port}", workers, threads, read_timeout, on_listening=listening
    ).run()


FIRST_ADMIN = "admin"


def _load_demos(store: RevisionStore, settings: Settings, demo_data: Path | None) -> None:
    """On first start (no code system yet): the demo code system DEMO, then ICD-10-CM from
    ``demo_data`` when it holds the wheels (:mod:`api.demo_icd10cm`), with a progress bar."""
    if not load_demo(store):
        return
    click.echo("Loaded the demo code system DEMO.")
    wheels = demo_icd10cm.available(demo_data)
    admins = [user.username for user in Accounts(store.engine).list_users() if user.is_staff]
    if not wheels or not admins:
        if demo_data is not None:
            click.echo(f"No ICD-10-CM wheels in {demo_data} (bin/fetch-data): no ICD10CM demo.")
        return
    started = time.monotonic()
    progress = TerminalProgress()
    try:
        summary, failed = demo_icd10cm.load(store, wheels, settings.export_dir, admins[0], progress)
    except (StoreError, AccountsError) as error:  # a broken wheel: InvalidImport
        click.echo(f"The ICD-10-CM demo was not loaded: {error}", err=True)
        return
    finally:
        progress.close()
    versions = " and ".join(release.version or "?" for release in summary.releases)
    built = f"no export of {', '.join(failed)} (POST builds it)" if failed else "exports built"
    click.echo(
        f"Loaded ICD-10-CM {versions} as the code system ICD10CM (organisation "
        f"'{demo_icd10cm.ORG}'), {built}, in {time.monotonic() - started:.0f} s."
    )


def _first_admin(store: RevisionStore) -> list[str]:
    """On the first start (no user at all): the administrator ``admin`` with a random
    password, and the banner lines that show its password and a token, once."""
    accounts = Accounts(store.engine)
    if accounts.any_user():
        return []
    password = secrets.token_urlsafe(12)
    accounts.create_user(FIRST_ADMIN, password, is_staff=True)
    token = accounts.make_token(FIRST_ADMIN)
    return [
        f"Created the administrator '{FIRST_ADMIN}' (password {password}); its API token, "
        "shown this once:",
        f"  Authorization: Token {token}",
        "More users and tokens: 'snowpath users create --username U --password P [--admin]', "
        "'snowpath users token --username U'.",
    ]


@main.command("import")
@click.argument("format_name", metavar="FORMAT")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--codesystem", required=True, help="The code system (created if missing).")
@click.option("--version", default=None, help="Name the (single) release's version so.")
@click.option("--branch", default=None, help="Import there (default: the working branch).")
@click.option(
    "--package",
    type=click.Choice(PACKAGES),
    default=None,
    help="RF2: which of the package's release types to import (needed when it has several).",
)
@click.option("--title", default=None, help="The title of a code system created here.")
@click.option("--author", default="import", show_default=True, help="The commits' author.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def import_(
    format_name: str,
    source: Path,
    codesystem: str,
    version: str | None,
    branch: str | None,
    package: str | None,
    title: str | None,
    author: str,
    quiet: bool,
) -> None:
    """Import SOURCE in FORMAT (ocl, icd10cm, icd9cm, gems-10-9, gems-9-10, hpo, rf2) into a
    code system: each release one commit, unchanged components skipped, what a snapshot lacks
    retired."""
    settings = load()
    store = _migrated(settings)
    progress = TerminalProgress(enabled=not quiet)
    try:
        try:
            found = store.codesystems.get(codesystem)
        except CodeSystemNotFound:
            found = store.codesystems.create(codesystem, title or codesystem)
        releases = formats.read(
            format_name,
            source,
            store=store,
            branch=branch or found.branch_path,
            version=version,
            package=package,
        )
        summary = apply_releases(
            store, codesystem, releases, author=author, branch=branch, progress=progress
        )
    except StoreError as error:
        violations = getattr(error, "violations", None) or []
        raise click.ClickException(" ".join([error.message, *violations[:5]])) from None
    finally:
        progress.close()
        store.engine.dispose()
    print_summary(summary)


def _migrated(settings: Settings) -> RevisionStore:
    """The configured store, the embedded one migrated if needed; a production one must be
    migrated already."""
    store = _store(settings)
    if settings.embedded:
        upgrade(store.engine)
        store.initialize()
    elif not schema_is_current(store.engine):
        raise click.ClickException("The database schema is not current: run 'snowpath db upgrade'.")
    return store


@main.group()
def users() -> None:
    """User accounts and API tokens."""


def _accounts(settings: Settings) -> Accounts:
    """The accounts of the configured database (the embedded one migrated if needed)."""
    return Accounts(_migrated(settings).engine)


@users.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--email", default=None)
@click.option("--admin", is_flag=True, help="A staff user: every right everywhere.")
def users_create(username: str, password: str, email: str | None, admin: bool) -> None:
    """Make a user and print an API token for it."""
    accounts = _accounts(load())
    try:
        accounts.create_user(username, password, email=email, is_staff=admin)
        click.echo(accounts.make_token(username))
    except AccountsError as error:
        raise click.ClickException(error.message) from None
    finally:
        accounts.engine.dispose()


@users.command("token")
@click.option("--username", required=True)
def users_token(username: str) -> None:
    """Print a new API token for an existing, active user."""
    accounts = _accounts(load())
    try:
        click.echo(accounts.make_token(username))
    except AccountsError as error:
        raise click.ClickException(error.message) from None
    finally:
        accounts.engine.dispose()


def _check_port(host: str, port: int) -> None:
    """A port in use is one line and exit code 1 at once, before the database is touched;
    gunicorn would print its own errors and retry for five seconds. Bound as gunicorn binds
    (SO_REUSEADDR, so a port left in TIME_WAIT is free), then released for it: another
    process taking the port in between meets gunicorn's own retries."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        _fail(f"Cannot listen on {host}: {error.strerror}.")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                _fail(f"Port {port} on {host} is in use: stop what holds it or pass --port.")
            _fail(f"Cannot listen on port {port} of {host}: {error.strerror}.")


def _sweep(store: RevisionStore, settings: Settings) -> None:
    """Jobs of a server that died are reported FAILED, lost rq jobs too, and leftover
    uploads deleted (exporter.uploads)."""
    if settings.redis_url is None:
        uploads.sweep_all(store, None, settings.upload_dir)
    else:
        queue = RqRunner(settings.redis_url, settings.queue)
        try:
            uploads.sweep_all(store, queue, settings.upload_dir)
        finally:
            queue.close()
    exports.sweep(store, settings.export_dir)  # temporary files of builds that died


EXAMPLES = (
    "/DEMO/concepts?term=tuberc&expand=fsn(),descriptions()",
    "/DEMO/concepts/A15?expand=pt(),children(expand(pt()))",
    "/MAIN/DEMO/2024/concepts?limit=5",
    "/docs",
)
ICD10CM_EXAMPLES = (
    "/ICD10CM/concepts?term=asthma&limit=5&expand=fsn()",
    "/MAIN/ICD10CM/2025...MAIN/ICD10CM/2026/concepts?limit=5&expand=fsn()",
    "/orgs/demo/sources/ICD10CM/2026/export/",
)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run background jobs from the Redis queue (production mode)."""
    settings = load()
    if settings.redis_url is None:
        raise click.ClickException(
            "Set SNOWPATH_REDIS_URL: the embedded mode runs jobs in-process."
        )
    work(
        settings.database_url,
        settings.redis_url,
        upload_dir=settings.upload_dir,
        export_dir=settings.export_dir,
        burst=burst,
        queue=settings.queue,
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
