"""OCL collections (issue 18): collections, their references kept with time, and their
versions. Their models are ``accounts.collection_schema``.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "collections",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("owner_type", sa.String(length=10), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("repo_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("public_access", sa.String(length=10), nullable=False),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("created_ts", sa.BigInteger(), nullable=False),
        sa.Column("updated_ts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        comment="OCL collections: owner (owner_type users or orgs), repo_id unique per owner, "
        "public_access View, Edit or None, the other OCL fields in metadata.",
    )
    op.create_index(
        "uq_collections_owner", "collections", ["owner_type", "owner", "repo_id"], unique=True
    )
    op.create_table(
        "collection_references",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("collection_id", ROW_ID, nullable=False),
        sa.Column("expression", sa.String(length=1000), nullable=False),
        sa.Column("reference_type", sa.String(length=10), nullable=False),
        sa.Column("codesystem_id", sa.String(length=100), nullable=False),
        sa.Column("component_id", sa.String(length=100), nullable=False),
        sa.Column("source_version", sa.String(length=100), nullable=True),
        sa.Column("component_version", sa.BigInteger(), nullable=True),
        sa.Column("added_ts", sa.BigInteger(), nullable=False),
        sa.Column("removed_ts", sa.BigInteger(), nullable=True),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_collection_references_collection_id_collections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_references")),
        comment="References of collections with time: live at T when added_ts <= T and "
        "(removed_ts is null or T < removed_ts); times are store commit timestamps.",
    )
    op.create_index(
        "ix_collection_references_collection",
        "collection_references",
        ["collection_id", "added_ts"],
    )
    op.create_table(
        "collection_versions",
        sa.Column("collection_id", ROW_ID, nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("created_ts", sa.BigInteger(), nullable=False),
        sa.Column("metadata", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_collection_versions_collection_id_collections"),
        ),
        sa.PrimaryKeyConstraint("collection_id", "version", name=op.f("pk_collection_versions")),
        comment="Collection versions: frozen at created_ts (a store commit timestamp).",
    )


def downgrade() -> None:
    op.drop_table("collection_versions")
    op.drop_table("collection_references")
    op.drop_table("collections")
