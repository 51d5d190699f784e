"""Children through an index: ``concept_edges``, one row per parent of each live concept revision.

Children were found by testing every concept revision's ``parents`` (``@>`` per parent,
OR-ed 500 at a time): no index serves that shape, and ``expand=children()`` on a page of
1,000 took seconds. ``concept_edges`` holds, per live (not deleted) concept revision and per
distinct id in its ``parents``, the revision's branch, child id (``component_id``),
``start_ts`` and ``end_ts``; its unique index ``(parent_id, branch_id, component_id,
start_ts)`` finds a parent's child revisions on a branch, and the visibility rule applies
to its rows as to the revision rows themselves (``revisions.hierarchy``).

Triggers keep it exact on both databases, as ``description_words`` is kept (migration
0006): on insert, the new revisions' edges (a statement trigger with a transition table on
PostgreSQL, ``COPY`` included; a row trigger on SQLite); on update (revision rows are only
ever updated to set ``end_ts``), the closed revision's edges get its ``end_ts``, found
through the index by its parents. A first bulk load into an empty store leaves the table to
``revisions.derived`` (PostgreSQL) or fills it in one statement after the load (SQLite).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_COLUMNS = "parent_id, branch_id, component_id, start_ts, end_ts"
_PG_EDGES = (
    f"INSERT INTO concept_edges ({_COLUMNS}) "
    "SELECT DISTINCT p.parent, c.branch_id, c.component_id, c.start_ts, c.end_ts "
    "FROM {source} c, jsonb_array_elements_text(c.parents) AS p(parent) "
    "WHERE NOT c.deleted AND jsonb_typeof(c.parents) = 'array'"
)
_PG_CLOSE = (
    "UPDATE concept_edges e SET end_ts = c.end_ts "
    "FROM closed c, jsonb_array_elements_text(c.parents) AS p(parent) "
    "WHERE e.parent_id = p.parent AND e.branch_id = c.branch_id "
    "AND e.component_id = c.component_id AND e.start_ts = c.start_ts "
    "AND e.end_ts IS DISTINCT FROM c.end_ts AND NOT c.deleted "
    "AND jsonb_typeof(c.parents) = 'array'"
)
_SQLITE_EDGES = (
    f"INSERT INTO concept_edges ({_COLUMNS}) "
    "SELECT DISTINCT p.value, c.branch_id, c.component_id, c.start_ts, c.end_ts "
    "FROM concepts c, json_each(c.parents) AS p "
    "WHERE NOT c.deleted AND json_type(c.parents) = 'array'"
)


def upgrade() -> None:
    op.create_table(
        "concept_edges",
        sa.Column("parent_id", _id(), nullable=False),
        sa.Column("branch_id", sa.BigInteger(), nullable=False),
        sa.Column("component_id", _id(), nullable=False),
        sa.Column("start_ts", sa.BigInteger(), nullable=False),
        sa.Column("end_ts", sa.BigInteger(), nullable=True),
        comment="Derived from concepts (migration 0010, triggers): one row per parent of every "
        "live concept revision, with the revision's branch, child id (component_id), start_ts "
        "and end_ts. Children are read through its index under the visibility rule.",
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute(_PG_EDGES.format(source="concepts") if postgres else _SQLITE_EDGES)
    op.create_index(
        "uq_concept_edges_parent",
        "concept_edges",
        ["parent_id", "branch_id", "component_id", "start_ts"],
        unique=True,
        postgresql_include=["end_ts"],
    )
    if postgres:
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _id() -> sa.types.TypeEngine:
    return sa.String(length=100).with_variant(sa.String(length=100, collation="C"), "postgresql")


def _postgres_triggers() -> None:
    op.execute(
        "CREATE FUNCTION concept_edges_add() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        + _PG_EDGES.format(source="added")
        + "; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER concept_edges_add AFTER INSERT ON concepts "
        "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
        "EXECUTE FUNCTION concept_edges_add()"
    )
    op.execute(
        "CREATE FUNCTION concept_edges_close() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        + _PG_CLOSE
        + "; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER concept_edges_close AFTER UPDATE ON concepts "
        "REFERENCING NEW TABLE AS closed FOR EACH STATEMENT "
        "EXECUTE FUNCTION concept_edges_close()"
    )


def _sqlite_triggers() -> None:
    op.execute(
        "CREATE TRIGGER concept_edges_add AFTER INSERT ON concepts FOR EACH ROW "
        "WHEN NOT NEW.deleted AND json_type(NEW.parents) = 'array' BEGIN "
        f"INSERT INTO concept_edges ({_COLUMNS}) "
        "SELECT DISTINCT value, NEW.branch_id, NEW.component_id, NEW.start_ts, NEW.end_ts "
        "FROM json_each(NEW.parents); END"
    )
    op.execute(
        "CREATE TRIGGER concept_edges_close AFTER UPDATE OF end_ts ON concepts FOR EACH ROW "
        "WHEN NOT NEW.deleted AND json_type(NEW.parents) = 'array' BEGIN "
        "UPDATE concept_edges SET end_ts = NEW.end_ts "
        "WHERE parent_id IN (SELECT value FROM json_each(NEW.parents)) "
        "AND branch_id = NEW.branch_id AND component_id = NEW.component_id "
        "AND start_ts = NEW.start_ts; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER concept_edges_close ON concepts")
        op.execute("DROP TRIGGER concept_edges_add ON concepts")
        op.execute("DROP FUNCTION concept_edges_close()")
        op.execute("DROP FUNCTION concept_edges_add()")
    else:
        op.execute("DROP TRIGGER concept_edges_close")
        op.execute("DROP TRIGGER concept_edges_add")
    op.drop_index("uq_concept_edges_parent", table_name="concept_edges")
    op.drop_table("concept_edges")
