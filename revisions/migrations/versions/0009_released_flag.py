"""A sticky ``released`` flag on every revision (issue 17, released content protected).

A component is released once a version includes one of its revisions. Whether *this*
revision is in a version is derived when reading (``View.release_of``); whether the
component was released before this revision was written could not be, so an edit of a
released concept read back as unreleased. The commit that writes a revision of a released
component now sets ``released``. ``ADD COLUMN`` with a constant default rewrites no rows on
PostgreSQL 11+ or SQLite.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("concepts", "descriptions", "mappings")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table, sa.Column("released", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("released")
