"""Code systems and their versions; version tags carry an effective time on the branch row.

Branches get `has_versions` so reads of branches without versions skip the release lookup.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:48:27.761634
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "codesystems",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column(
            "branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("extension_of", sa.String(length=100), nullable=True),
        sa.Column("extension_of_version", sa.String(length=100), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_ts", sa.BigInteger(), nullable=False),
        sa.Column("updated_ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_codesystems_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codesystems")),
        comment="A code system: an id usable as the first segment of a relative path, and its working branch (branch_id).",
    )
    op.create_table(
        "codesystem_versions",
        sa.Column("codesystem_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("effective_time", sa.String(length=8), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_codesystem_versions_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["codesystem_id"],
            ["codesystems.id"],
            name=op.f("fk_codesystem_versions_codesystem_id_codesystems"),
        ),
        sa.PrimaryKeyConstraint("codesystem_id", "version", name=op.f("pk_codesystem_versions")),
        comment="A version: a read-only tag branch (branch_id) at the working branch's head.",
    )
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_time", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("has_versions", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:

    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.drop_column("has_versions")
        batch_op.drop_column("effective_time")

    op.drop_table("codesystem_versions")
    op.drop_table("codesystems")
