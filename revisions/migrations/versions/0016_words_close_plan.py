"""The trigger that closes a description revision's word rows (migration 0006) runs without
Memoize plans on PostgreSQL.

Inside the statement trigger the planner knows nothing of the transition table ``closed``
and chose to memoize the words index probe on the word alone, dropping branch and concept
from the index condition: each common word ("of", "the") then read every row holding it.
Closing 500 HPO definitions took 25.8 s (36 million rows filtered out), 10,152 changed
descriptions of one HPO release 183 s; with ``enable_memoize`` off for this function the
probe uses word, branch and concept, and the same 500 took 0.13 s. The setting holds only
while the function runs.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER FUNCTION description_words_close() SET enable_memoize = off")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER FUNCTION description_words_close() RESET enable_memoize")
