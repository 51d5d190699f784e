"""Derived tables a bulk load left to be built after its commit: ``pending_derivations``.

A row names a trigger-filled table (``description_words``) that does not yet hold what it
is derived from; searches do without it while the row exists, and
``revisions.derived.derive`` builds the table and deletes the row in one transaction.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_derivations",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("since_ts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pending_derivations")),
        comment="Trigger-filled tables a bulk load left to be built after its commit (see "
        "revisions.derived): while a table is named here, nothing reads it.",
    )


def downgrade() -> None:
    op.drop_table("pending_derivations")
