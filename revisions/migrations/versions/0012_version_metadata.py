"""Code system versions get a ``metadata`` object (OCL's released, retired, external_id,
extras and the repository's metadata as of the version live there).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("codesystem_versions") as batch:
        batch.add_column(sa.Column("metadata", JSON, nullable=False, server_default="{}"))
    with op.batch_alter_table("codesystem_versions") as batch:
        batch.alter_column("metadata", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("codesystem_versions") as batch:
        batch.drop_column("metadata")
