"""The revision store: clock, branches, their bases and layers, commits, and one revision table per component type.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 04:38:48.016778
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "branches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("path", sa.String(length=2000), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_ts", sa.BigInteger(), nullable=False),
        sa.Column("base_ts", sa.BigInteger(), nullable=True),
        sa.Column("base_since_ts", sa.BigInteger(), nullable=True),
        sa.Column("head_ts", sa.BigInteger(), nullable=False),
        sa.Column("deleted_ts", sa.BigInteger(), nullable=True),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("has_layers", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["branches.id"], name=op.f("fk_branches_parent_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
    )
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.create_index("ix_branches_parent_id", ["parent_id"], unique=False)
        batch_op.create_index(
            "uq_branches_live_path",
            ["path"],
            unique=True,
            sqlite_where=sa.text("deleted_ts IS NULL"),
            postgresql_where=sa.text("deleted_ts IS NULL"),
        )

    op.create_table(
        "store_clock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_ts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_clock")),
        comment="One row. Every commit updates it first: it hands out strictly increasing timestamps and serialises writers, on every database.",
    )
    op.create_table(
        "branch_bases",
        sa.Column(
            "branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("since_ts", sa.BigInteger(), nullable=False),
        sa.Column("base_ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_branch_bases_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("branch_id", "since_ts", name=op.f("pk_branch_bases")),
        comment="Every base a branch has had: from since_ts on, it sees its parent at base_ts.",
    )
    op.create_table(
        "branch_layers",
        sa.Column(
            "branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("upto_ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_branch_layers_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["branches.id"], name=op.f("fk_branch_layers_source_id_branches")
        ),
        sa.PrimaryKeyConstraint("branch_id", "position", name=op.f("pk_branch_layers")),
        comment="Extra layers between a branch and its parent: the source branch's own content up to upto_ts. Fixed when the branch is created.",
    )
    op.create_table(
        "commits",
        sa.Column(
            "branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("source_ts", sa.BigInteger(), nullable=True),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_commits_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["branches.id"], name=op.f("fk_commits_source_id_branches")
        ),
        sa.PrimaryKeyConstraint("branch_id", "ts", name=op.f("pk_commits")),
    )
    op.create_table(
        "concepts",
        sa.Column("rev_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("component_id", sa.String(length=100), nullable=False),
        sa.Column(
            "branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("start_ts", sa.BigInteger(), nullable=False),
        sa.Column("end_ts", sa.BigInteger(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("module_id", sa.String(length=100), nullable=True),
        sa.Column("concept_class", sa.String(length=255), nullable=True),
        sa.Column("datatype", sa.String(length=255), nullable=True),
        sa.Column(
            "parents",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("retire_reason", sa.String(length=255), nullable=True),
        sa.Column(
            "extras",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_concepts_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("rev_id", name=op.f("pk_concepts")),
    )
    with op.batch_alter_table("concepts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_concepts_branch_end",
            ["branch_id", "end_ts"],
            unique=False,
            sqlite_where=sa.text("end_ts IS NOT NULL"),
            postgresql_where=sa.text("end_ts IS NOT NULL"),
        )
        batch_op.create_index("ix_concepts_branch_start", ["branch_id", "start_ts"], unique=False)
        batch_op.create_index(
            "uq_concepts_branch_component_open",
            ["branch_id", "component_id"],
            unique=True,
            sqlite_where=sa.text("end_ts IS NULL"),
            postgresql_where=sa.text("end_ts IS NULL"),
        )
        batch_op.create_index(
            "uq_concepts_branch_component_start",
            ["branch_id", "component_id", "start_ts"],
            unique=True,
            postgresql_include=["end_ts", "deleted"],
        )

    op.create_table(
        "descriptions",
        sa.Column("rev_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("component_id", sa.String(length=100), nullable=False),
        sa.Column(
            "branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("start_ts", sa.BigInteger(), nullable=False),
        sa.Column("end_ts", sa.BigInteger(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("concept_id", sa.String(length=100), nullable=True),
        sa.Column("term", sa.Text(), nullable=True),
        sa.Column("language_code", sa.String(length=20), nullable=True),
        sa.Column("type", sa.String(length=255), nullable=True),
        sa.Column("preferred", sa.Boolean(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column(
            "extras",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_descriptions_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("rev_id", name=op.f("pk_descriptions")),
    )
    with op.batch_alter_table("descriptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_descriptions_branch_concept", ["branch_id", "concept_id"], unique=False
        )
        batch_op.create_index(
            "ix_descriptions_branch_end",
            ["branch_id", "end_ts"],
            unique=False,
            sqlite_where=sa.text("end_ts IS NOT NULL"),
            postgresql_where=sa.text("end_ts IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_descriptions_branch_start", ["branch_id", "start_ts"], unique=False
        )
        batch_op.create_index(
            "uq_descriptions_branch_component_open",
            ["branch_id", "component_id"],
            unique=True,
            sqlite_where=sa.text("end_ts IS NULL"),
            postgresql_where=sa.text("end_ts IS NULL"),
        )
        batch_op.create_index(
            "uq_descriptions_branch_component_start",
            ["branch_id", "component_id", "start_ts"],
            unique=True,
            postgresql_include=["end_ts", "deleted"],
        )

    op.create_table(
        "mappings",
        sa.Column("rev_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("component_id", sa.String(length=100), nullable=False),
        sa.Column(
            "branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("start_ts", sa.BigInteger(), nullable=False),
        sa.Column("end_ts", sa.BigInteger(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=True),
        sa.Column("map_type", sa.String(length=255), nullable=True),
        sa.Column("target_id", sa.String(length=100), nullable=True),
        sa.Column("target_code_system", sa.String(length=255), nullable=True),
        sa.Column("target_code", sa.String(length=255), nullable=True),
        sa.Column("target_name", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("sort_weight", sa.Float(), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column(
            "extras",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_mappings_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("rev_id", name=op.f("pk_mappings")),
    )
    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mappings_branch_end",
            ["branch_id", "end_ts"],
            unique=False,
            sqlite_where=sa.text("end_ts IS NOT NULL"),
            postgresql_where=sa.text("end_ts IS NOT NULL"),
        )
        batch_op.create_index("ix_mappings_branch_source", ["branch_id", "source_id"], unique=False)
        batch_op.create_index("ix_mappings_branch_start", ["branch_id", "start_ts"], unique=False)
        batch_op.create_index("ix_mappings_branch_target", ["branch_id", "target_id"], unique=False)
        batch_op.create_index(
            "uq_mappings_branch_component_open",
            ["branch_id", "component_id"],
            unique=True,
            sqlite_where=sa.text("end_ts IS NULL"),
            postgresql_where=sa.text("end_ts IS NULL"),
        )
        batch_op.create_index(
            "uq_mappings_branch_component_start",
            ["branch_id", "component_id", "start_ts"],
            unique=True,
            postgresql_include=["end_ts", "deleted"],
        )


def downgrade() -> None:

    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_mappings_branch_component_start", postgresql_include=["end_ts", "deleted"]
        )
        batch_op.drop_index(
            "uq_mappings_branch_component_open",
            sqlite_where=sa.text("end_ts IS NULL"),
            postgresql_where=sa.text("end_ts IS NULL"),
        )
        batch_op.drop_index("ix_mappings_branch_target")
        batch_op.drop_index("ix_mappings_branch_start")
        batch_op.drop_index("ix_mappings_branch_source")
        batch_op.drop_index(
            "ix_mappings_branch_end",
            sqlite_where=sa.text("end_ts IS NOT NULL"),
            postgresql_where=sa.text("end_ts IS NOT NULL"),
        )

    op.drop_table("mappings")
    with op.batch_alter_table("descriptions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_descriptions_branch_component_start", postgresql_include=["end_ts", "deleted"]
        )
        batch_op.drop_index(
            "uq_descriptions_branch_component_open",
            sqlite_where=sa.text("end_ts IS NULL"),
            postgresql_where=sa.text("end_ts IS NULL"),
        )
        batch_op.drop_index("ix_descriptions_branch_start")
        batch_op.drop_index(
            "ix_descriptions_branch_end",
            sqlite_where=sa.text("end_ts IS NOT NULL"),
            postgresql_where=sa.text("end_ts IS NOT NULL"),
        )
        batch_op.drop_index("ix_descriptions_branch_concept")

    op.drop_table("descriptions")
    with op.batch_alter_table("concepts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_concepts_branch_component_start", postgresql_include=["end_ts", "deleted"]
        )
        batch_op.drop_index(
            "uq_concepts_branch_component_open",
            sqlite_where=sa.text("end_ts IS NULL"),
            postgresql_where=sa.text("end_ts IS NULL"),
        )
        batch_op.drop_index("ix_concepts_branch_start")
        batch_op.drop_index(
            "ix_concepts_branch_end",
            sqlite_where=sa.text("end_ts IS NOT NULL"),
            postgresql_where=sa.text("end_ts IS NOT NULL"),
        )

    op.drop_table("concepts")
    op.drop_table("commits")
    op.drop_table("branch_layers")
    op.drop_table("branch_bases")
    op.drop_table("store_clock")
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_branches_live_path",
            sqlite_where=sa.text("deleted_ts IS NULL"),
            postgresql_where=sa.text("deleted_ts IS NULL"),
        )
        batch_op.drop_index("ix_branches_parent_id")

    op.drop_table("branches")
