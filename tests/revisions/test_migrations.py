"""Migrations: one head, and the migrated schema is exactly the models (no autogenerate diff)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from accounts.schema import metadata  # the whole schema: the store's tables and the accounts'
from revisions.db import alembic_config
from revisions.schema import UNMODELLED_PREFIXES


def include_name(name: str | None, type_: str, parents: dict) -> bool:
    return not (name or "").startswith(UNMODELLED_PREFIXES)


def pairs(engine: Engine, sql: str) -> dict:
    """A catalog query's two columns as a dict."""
    with engine.connect() as connection:
        return dict(connection.exec_driver_sql(sql).all())


def test_there_is_a_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(connection, opts=opts)
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_migrations_create_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_gin_indexes_have_no_pending_list(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        assert "descriptions_fts" in inspect(engine).get_table_names()
        return
    options = pairs(
        engine,
        "SELECT c.relname, array_to_string(c.reloptions, ',') FROM pg_class c "
        "JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin'",
    )
    assert options == {
        "ix_descriptions_term_tsv": "fastupdate=off",
        "ix_concepts_parents_gin": "fastupdate=off",
    }


def test_the_words_table_keeps_fine_statistics_of_its_words(engine: Engine) -> None:
    # Migration 0017: a one-word search's range of rows is estimated from 1,000 common words.
    if engine.dialect.name != "postgresql":
        assert "description_words" not in inspect(engine).get_table_names()
        return
    targets = pairs(
        engine,
        "SELECT attname, attstattarget FROM pg_attribute "
        "WHERE attrelid = 'description_words'::regclass AND attname IN ('word', 'rank')",
    )
    assert targets == {"word": 1000, "rank": -1}
