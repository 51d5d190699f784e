"""Term search, a parents index and persisted jobs.

Term search needs a full-text index per dialect: SQLite gets an FTS5 table over description
terms (external content, keyed by rev_id, filled by an insert trigger: revision rows are never
updated except end_ts, so inserts are all it must follow); PostgreSQL gets a GIN index on the
``simple`` tsvector of the term. PostgreSQL also gets a GIN index for ``parents @> [...]``.
Jobs keep background work's state in the database so every process sees the same.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_ts", sa.BigInteger(), nullable=False),
        sa.Column("started_ts", sa.BigInteger(), nullable=True),
        sa.Column("finished_ts", sa.BigInteger(), nullable=True),
        sa.Column("heartbeat_ts", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        comment="Background work (merges, imports, upgrades, exports) and its state, kept in the database so every process and host sees the same.",
    )
    op.create_index("ix_jobs_kind_state", "jobs", ["kind", "state"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_descriptions_term_tsv ON descriptions "
            "USING gin (to_tsvector('simple'::regconfig, term))"
        )
        op.execute(
            "CREATE INDEX ix_concepts_parents_gin ON concepts USING gin (parents jsonb_path_ops)"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE descriptions_fts USING fts5("
            "term, content='descriptions', content_rowid='rev_id', prefix='2 3 4')"
        )
        op.execute(
            "CREATE TRIGGER descriptions_fts_insert AFTER INSERT ON descriptions "
            "WHEN new.term IS NOT NULL BEGIN "
            "INSERT INTO descriptions_fts(rowid, term) VALUES (new.rev_id, new.term); END"
        )
        op.execute("INSERT INTO descriptions_fts(descriptions_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_concepts_parents_gin")
        op.execute("DROP INDEX ix_descriptions_term_tsv")
    else:
        op.execute("DROP TRIGGER descriptions_fts_insert")
        op.execute("DROP TABLE descriptions_fts")
    op.drop_index("ix_jobs_kind_state", table_name="jobs")
    op.drop_table("jobs")
