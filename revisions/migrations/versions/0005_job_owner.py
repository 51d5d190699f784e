"""Who holds a job: ``jobs.owner``.

The process that holds a job (``host:pid:start``) is recorded so a job whose process died
can be told from one that is still running, and reported FAILED instead of staying
``IN_PROGRESS`` (or ``SCHEDULED`` in an in-process queue) forever. NULL for jobs queued on
rq and for jobs from before this revision (their heartbeat age decides).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("owner", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("owner")
