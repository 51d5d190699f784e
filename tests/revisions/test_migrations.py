"""Migrations: one head, and the migrated schema is exactly the models (no autogenerate diff)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from accounts.schema import metadata  # the whole schema: the store's tables and the accounts'
from revisions import ReadPoint, RevisionStore, make_engine, upgrade
from revisions.db import alembic_config
from revisions.schema import UNMODELLED_PREFIXES
from tests import services
from tests.conftest import fresh_sqlite
from tests.revisions.helpers import change, commit_femur_terms, words_table_difference


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


def test_the_words_table_keeps_fine_statistics_of_its_keys(engine: Engine) -> None:
    # Migrations 0017 and 0020: a one-word search's range of rows is estimated from 1,000
    # buckets of the keys it reads by (the word and the concept's id: no column of words).
    if engine.dialect.name != "postgresql":
        assert "description_words" not in inspect(engine).get_table_names()
        return
    targets = pairs(
        engine,
        "SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = "
        "'description_words'::regclass AND attname IN ('word_key', 'word', 'rank')",
    )
    assert targets == {"word_key": 1000, "rank": -1}  # and no column "word" left


@pytest.fixture
def own_postgres() -> Iterator[Engine]:
    """A database of this test's own, migrated to the head (it is migrated down and up)."""
    name = f"{services.TEST_DATABASE}_own"
    try:
        url = services.fresh_postgres_database(name)
    except Exception as error:  # any failure to reach the server means "not there"
        services.unavailable("PostgreSQL", error)
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    services.drop_postgres_database(name)


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as connection:
        (command.downgrade if down else command.upgrade)(alembic_config(connection), revision)


@pytest.mark.postgres
def test_0019_down_builds_the_indexes_the_code_before_cannot_and_up_names_the_sources(
    own_postgres: Engine,
) -> None:
    store = RevisionStore(own_postgres)
    store.initialize()
    store.bulk_load(
        "MAIN",
        "u",
        "load",
        {
            "concept": iter([("a", {}), ("b", {"parents": ["a"]})]),
            "description": iter([("d", {"concept_id": "a", "term": "Femur"})]),
            "mapping": iter([("m", {"source_id": "b", "target_id": "a", "map_type": "SAME-AS"})]),
        },
        derive=False,
    )
    migrate(own_postgres, "0018", down=True)
    # The code before builds these three alone; every other index is back.
    pending = pairs(own_postgres, "SELECT name, since_ts FROM pending_derivations")
    assert sorted(pending) == ["concept_edges", "description_words", "ix_descriptions_term_tsv"]
    indexes = pairs(own_postgres, "SELECT indexname, tablename FROM pg_indexes")
    assert indexes["ix_mappings_branch_source"] == "mappings"
    assert indexes["ix_concepts_parents_gin"] == "concepts"
    assert "ix_descriptions_term_tsv" not in indexes

    migrate(own_postgres, "head")
    sources = pairs(own_postgres, "SELECT name, source FROM pending_derivations")
    assert sources == {
        "concept_edges": "concepts",
        "description_words": "descriptions",
        "ix_descriptions_term_tsv": "descriptions",
    }
    assert store.derive() == sorted(sources)
    options = pairs(
        own_postgres,
        "SELECT relname, array_to_string(reloptions, ',') FROM pg_class "
        "WHERE relname = 'ix_descriptions_term_tsv'",
    )
    assert options == {"ix_descriptions_term_tsv": "fastupdate=off"}
    assert [c.id for c in store.search_concepts(ReadPoint("MAIN"), "fem")[0]] == ["a"]
    test_migrated_schema_matches_the_models(own_postgres)


def test_0019_goes_down_and_up_again_to_the_models_on_sqlite(
    sqlite_engine: Engine, sqlite_template: Path
) -> None:
    fresh_sqlite(sqlite_engine, sqlite_template)  # a copy of its own: it is migrated down
    migrate(sqlite_engine, "0018", down=True)
    columns = {c["name"] for c in inspect(sqlite_engine).get_columns("pending_derivations")}
    assert columns == {"name", "since_ts"}
    migrate(sqlite_engine, "head")
    test_migrated_schema_matches_the_models(sqlite_engine)


def words_index(engine: Engine) -> str:
    query = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_description_words_word'"
    with engine.connect() as connection:
        return connection.exec_driver_sql(query).scalar_one()


@pytest.mark.postgres
def test_0020_keys_the_words_by_word_and_concept_and_goes_down_and_up_keeping_them(
    own_postgres: Engine,
) -> None:
    store = RevisionStore(own_postgres)
    store.initialize()
    commit_femur_terms(store)
    # The typed prefixes' whole words, stepping past a word that starts another ("femur").
    expand = "SELECT description_words_query(ARRAY['fem', 'fr'], ARRAY['fen', 'fs'], 64)::text"
    expanded = "( 'femoral' | 'femur' | 'femurs' ) & ( 'fracture' | 'fractured' )"
    assert pairs(own_postgres, f"SELECT 1, ({expand})") == {1: expanded}
    assert "(word_key, branch_id) INCLUDE" in words_index(own_postgres)

    migrate(own_postgres, "0019", down=True)
    assert "(word, branch_id, concept_id) INCLUDE" in words_index(own_postgres)
    assert pairs(own_postgres, f"SELECT 1, ({expand})") == {1: expanded}
    store.commit("MAIN", "u", "c", [change("da", "description", term="Femur broken")])
    # Derived again, and closed and added by the triggers of the code before.
    open_words = (
        "SELECT word, count(*) FILTER (WHERE end_ts IS NULL) FROM description_words "
        "WHERE component_id = 'da' GROUP BY word"
    )
    assert pairs(own_postgres, open_words) == {"femur": 1, "fracture": 0, "broken": 1}

    migrate(own_postgres, "head")
    assert pairs(own_postgres, f"SELECT 1, ({expand})") == {1: expanded}
    store.commit("MAIN", "u", "c", [change("db", "description", term="Femurs healed")])
    assert words_table_difference(store) == []
    assert [c.id for c in store.search_concepts(ReadPoint("MAIN"), "femur")[0]] == ["d", "a", "b"]
    assert [c.id for c in store.search_concepts(ReadPoint("MAIN"), "fem he")[0]] == ["b"]
    test_migrated_schema_matches_the_models(own_postgres)
