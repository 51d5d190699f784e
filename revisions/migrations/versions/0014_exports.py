"""Cached repository version exports: one ``exports`` row per exported version (the stored
file's key, size, SHA-256 and lastUpdated, and its latest build job).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("repository", sa.String(100), primary_key=True),
        sa.Column("version", sa.String(100), primary_key=True),
        sa.Column("job_id", sa.String(36), nullable=True),
        sa.Column("storage_key", sa.Text(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("last_updated_ts", sa.BigInteger(), nullable=True),
        sa.Column("built_ts", sa.BigInteger(), nullable=True),
        comment="Cached repository version exports (exporter.exports): the file and its build job.",
    )


def downgrade() -> None:
    op.drop_table("exports")
