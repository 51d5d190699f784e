"""Alembic environment: migrates the connection handed over by ``revisions.db.upgrade``, or
the URL in ``sqlalchemy.url`` / ``SNOWPATH_DATABASE_URL`` when run from the alembic CLI.

The one place ``revisions`` reaches up to ``accounts``: one database has one migration
history, and its target is the whole schema (``accounts.schema.metadata``: the store's
tables and the accounts tables on one ``MetaData``)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from accounts.schema import metadata  # the whole schema: the store's tables and the accounts'
from revisions.db import make_engine
from revisions.schema import UNMODELLED_PREFIXES

config = context.config


def include_name(name: str | None, type_: str, _parents: dict) -> bool:
    """Leave the per-dialect search objects (see schema.UNMODELLED_PREFIXES) alone."""
    return not (name or "").startswith(UNMODELLED_PREFIXES)


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("SNOWPATH_DATABASE_URL")
    if not url:
        raise RuntimeError("Set sqlalchemy.url or SNOWPATH_DATABASE_URL.")
    engine = make_engine(url)
    with engine.begin() as conn:
        run(conn)


main()
