"""Pending derivations name what they are built from and, for an index, how:
``pending_derivations.source`` and ``.definition``.

A first bulk load into an empty table (PostgreSQL) now leaves every index that only speeds
reads (not unique, not a constraint) to :func:`revisions.derived.derive`, as it already
left the terms' full-text index: built after the commit, concurrently with the words
table, they no longer hold the load's transaction (1.5 of 6.6 s for 1.85 M components).
The row keeps the index's own definition as the database gave it when the load dropped it,
so the index comes back exactly as the migrations made it; ``source`` is the table locked
while it is built. Rows already pending get both: the derived tables' sources, and the
full-text index's definition as migrations 0003 and 0004 made it.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_COMMENT = (
    "What a bulk load left to be built after its commit (see revisions.derived): a derived "
    "table (nothing reads it while it is named here) or an index (source: the table it is "
    "built from; definition: the index's, for an index)."
)
_OLD_COMMENT = (
    "Trigger-filled tables a bulk load left to be built after its commit (see "
    "revisions.derived): while a table is named here, nothing reads it."
)
_SOURCES = {
    "description_words": "descriptions",
    "concept_edges": "concepts",
    "ix_descriptions_term_tsv": "descriptions",
}
_TERM_INDEX = (
    "CREATE INDEX ix_descriptions_term_tsv ON descriptions "
    "USING gin (to_tsvector('simple'::regconfig, term)) WITH (fastupdate = off)"
)


def upgrade() -> None:
    with op.batch_alter_table("pending_derivations") as batch:
        batch.add_column(sa.Column("source", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("definition", sa.Text(), nullable=True))
    pending = _pending()
    for name, source in _SOURCES.items():
        op.execute(pending.update().where(pending.c.name == name).values(source=source))
    term_index = pending.c.name == "ix_descriptions_term_tsv"
    op.execute(pending.update().where(term_index).values(definition=_TERM_INDEX))
    with op.batch_alter_table("pending_derivations") as batch:
        batch.alter_column("source", existing_type=sa.String(length=100), nullable=False)
    if op.get_bind().dialect.name == "postgresql":
        op.create_table_comment("pending_derivations", _COMMENT, existing_comment=_OLD_COMMENT)


def downgrade() -> None:
    # The code before builds only the derived tables and the full-text index: every other
    # index left pending is built here.
    bind = op.get_bind()
    pending = _pending()
    others = pending.c.definition.is_not(None) & pending.c.name.not_in(list(_SOURCES))
    for name, definition in bind.execute(
        sa.select(pending.c.name, pending.c.definition).where(others)
    ).all():
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(definition)
        op.execute(pending.delete().where(pending.c.name == name))
    if bind.dialect.name == "postgresql":
        op.create_table_comment("pending_derivations", _OLD_COMMENT, existing_comment=_COMMENT)
    with op.batch_alter_table("pending_derivations") as batch:
        batch.drop_column("definition")
        batch.drop_column("source")


def _pending() -> sa.TableClause:
    return sa.table(
        "pending_derivations", sa.column("name"), sa.column("source"), sa.column("definition")
    )
