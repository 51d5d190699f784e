"""Search structures and read indexes a first bulk load leaves pending
(``revisions.derived``): searches and reads stay exact while they are, ``derive`` builds
exactly what the triggers and the migrations' indexes would have kept, and a failure
anywhere leaves the store as it was.

The deferral exists on PostgreSQL only; SQLite's full-text index is rebuilt in the load.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy
from click.testing import CliRunner
from sqlalchemy import Engine, text

from api.cli import main
from revisions import ManualClock, ReadPoint, RevisionStore, bulk, derived
from revisions.errors import ComponentExists
from revisions.filters import Filter
from revisions.schema import closed_only_index
from tests.revisions.helpers import change, concept, delete, description, words_table_difference

MAIN = ReadPoint("MAIN")
TEXTS = ("fract", "fracture", "chronic", "chr fem", "ulcer", "skin", "of")
# What the load of :func:`load` leaves pending (in name order, :data:`LEFT`): the derived
# tables, the indexes of concepts and descriptions that are not unique, and the checks.
INDEXES = [
    derived.TERM_INDEX,
    "ix_concepts_branch_start",
    "ix_concepts_parents_gin",
    "ix_descriptions_branch_concept",
    "ix_descriptions_branch_start",
]
# The checks of the loaded rows against their branch's foreign key (added back NOT VALID).
CHECKS = ["fk_concepts_branch_id_branches", "fk_descriptions_branch_id_branches"]
LEFT = sorted([derived.EDGES, derived.WORDS, *INDEXES, *CHECKS])


def load(store: RevisionStore, *, derive: bool) -> None:
    store.bulk_load(
        "MAIN",
        "u",
        "load",
        {
            "concept": iter([("a", {}), ("b", {}), ("c", {})]),
            "description": iter(
                [
                    ("d1", {"concept_id": "a", "term": "Chronic fracture of femur"}),
                    ("d2", {"concept_id": "b", "term": "Fracture"}),
                    ("d3", {"concept_id": "c", "term": "Ulcer of skin"}),
                    ("d4", {"concept_id": "c", "term": "Chronic ulcer", "active": False}),
                ]
            ),
        },
        derive=derive,
    )


def results(store: RevisionStore) -> dict[str, list[tuple[str, int]]]:
    """Every text's ranked hits and total."""
    answers = {}
    for text_ in TEXTS:
        items, total = store.search_concepts(MAIN, text_)[:2]
        answers[text_] = [(c.id, total) for c in items]
    return answers


def word_rows(store: RevisionStore) -> int:
    with store.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM description_words")).scalar_one()


def pending(store: RevisionStore) -> bool:
    with store.engine.connect() as connection:
        return derived.is_pending(connection, derived.WORDS)


def pending_names(store: RevisionStore) -> list[str]:
    with store.engine.connect() as connection:
        query = text("SELECT name FROM pending_derivations ORDER BY name")
        return list(connection.execute(query).scalars())


def term_index(store: RevisionStore) -> str | None:
    """The term index's definition and options, None while it does not exist."""
    with store.engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT i.indexdef || ' ' || array_to_string(c.reloptions, ',') "
                "FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
                "WHERE i.indexname = :name AND i.schemaname = current_schema()"
            ),
            {"name": derived.TERM_INDEX},
        ).scalar()


@pytest.mark.postgres
def test_a_first_load_leaves_the_words_pending_and_searches_exact(
    pg_store: RevisionStore, postgres_engine: Engine
) -> None:
    load(pg_store, derive=False)
    assert pending_names(pg_store) == LEFT
    assert word_rows(pg_store) == 0
    assert term_index(pg_store) is None
    meanwhile = results(pg_store)
    assert meanwhile["fract"] == [("b", 2), ("a", 2)]  # the term itself, then the rest
    assert meanwhile["chr fem"] == [("a", 1)]
    assert meanwhile["of"] == [("c", 2), ("a", 2)]  # shorter term first

    assert pg_store.derive() == LEFT
    assert pending_names(pg_store) == []
    assert word_rows(pg_store) == 8  # d1: 4 words, d2: 1, d3: 3 (d4 is inactive)
    assert words_table_difference(pg_store) == []
    assert results(pg_store) == meanwhile


def indexes(store: RevisionStore) -> dict[str, str]:
    """Every index of the component tables: its definition and options."""
    with store.engine.connect() as connection:
        return dict(
            connection.execute(
                text(
                    "SELECT i.indexname, i.indexdef || ' ' || "
                    "coalesce(array_to_string(c.reloptions, ','), '') "
                    "FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
                    "WHERE i.schemaname = current_schema() "
                    "AND i.tablename IN ('concepts', 'descriptions', 'mappings')"
                )
            ).all()
        )


def load_with_mappings(store: RevisionStore) -> None:
    """A first load of all three types: a hierarchy, descriptions and mappings."""
    store.bulk_load(
        "MAIN",
        "u",
        "load",
        {
            "concept": iter([("a", {}), ("b", {"parents": ["a"]}), ("c", {"parents": ["a"]})]),
            "description": iter(
                [
                    ("d1", {"concept_id": "a", "term": "Femur"}),
                    ("d2", {"concept_id": "b", "term": "Fracture"}),
                    ("d3", {"concept_id": "b", "term": "Broken bone"}),
                ]
            ),
            "mapping": iter(
                [
                    ("m1", {"source_id": "b", "target_id": "a", "map_type": "SAME-AS"}),
                    ("m2", {"source_id": "c", "target_id": "a", "map_type": "SAME-AS"}),
                    ("m3", {"source_id": "b", "target_id": "c", "map_type": "NARROWER-THAN"}),
                ]
            ),
        },
        derive=False,
    )


@pytest.mark.postgres
def test_a_first_load_builds_the_unique_indexes_and_leaves_the_others_pending(
    pg_store: RevisionStore,
) -> None:
    migrated = indexes(pg_store)
    load_with_mappings(pg_store)
    kept = indexes(pg_store)
    # The unique ones, and those of closed revisions, which a load never drops (it adds none).
    closed = {closed_only_index(t) for t in ("concepts", "descriptions", "mappings")}
    assert kept == {n: d for n, d in migrated.items() if "UNIQUE" in d or n in closed}
    left = sorted(set(migrated) - set(kept))
    assert "ix_mappings_branch_source" in left
    assert "ix_concepts_parents_gin" in left
    checks = [f"fk_{t}_branch_id_branches" for t in ("concepts", "descriptions", "mappings")]
    assert pending_names(pg_store) == sorted([derived.EDGES, derived.WORDS, *left, *checks])
    with pg_store.engine.connect() as connection:
        sources = dict(
            connection.execute(text("SELECT name, source FROM pending_derivations")).all()
        )
    assert sources[derived.WORDS] == "descriptions"
    assert sources["ix_mappings_branch_target"] == "mappings"


@pytest.mark.postgres
def test_derive_builds_every_index_a_load_left_as_the_migrations_define_it(
    pg_store: RevisionStore,
) -> None:
    migrated = indexes(pg_store)
    keys = foreign_keys(pg_store)
    load_with_mappings(pg_store)
    left = indexes(pg_store)
    built = pg_store.derive()
    assert built == sorted([derived.EDGES, derived.WORDS, *set(migrated) - set(left), *keys])
    assert indexes(pg_store) == migrated
    assert foreign_keys(pg_store) == keys
    assert pending_names(pg_store) == []


def foreign_keys(store: RevisionStore) -> dict[str, tuple[str, bool]]:
    """Every foreign key of the component tables: its definition, and whether it is valid."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid IN "
                "('concepts'::regclass, 'descriptions'::regclass, 'mappings'::regclass)"
            )
        ).all()
    return {name: (definition, valid) for name, definition, valid in rows}


@pytest.mark.postgres
def test_a_first_load_adds_the_branch_keys_back_unchecked_and_derive_checks_them(
    pg_store: RevisionStore,
) -> None:
    migrated = foreign_keys(pg_store)
    assert sorted(migrated) == [
        f"fk_{t}_branch_id_branches" for t in ("concepts", "descriptions", "mappings")
    ]
    assert all(valid for _, valid in migrated.values())
    load_with_mappings(pg_store)
    unchecked = {n: (f"{d} NOT VALID", False) for n, (d, _) in migrated.items()}
    assert foreign_keys(pg_store) == unchecked
    with pg_store.engine.connect() as connection:
        checks = dict(
            connection.execute(
                text("SELECT name, definition FROM pending_derivations WHERE name LIKE 'fk_%'")
            ).all()
        )
    assert checks == {n: f"ALTER TABLE {n[3:-19]} VALIDATE CONSTRAINT {n}" for n in migrated}
    pg_store.derive()
    assert foreign_keys(pg_store) == migrated


@pytest.mark.postgres
def test_an_unchecked_branch_key_still_refuses_a_row_of_no_branch(pg_store: RevisionStore) -> None:
    load_with_mappings(pg_store)
    row = (
        "INSERT INTO concepts (component_id, branch_id, start_ts, deleted, released, active, "
        "parents) VALUES ('z', 999, 1, false, false, true, '[]')"
    )
    refused = pytest.raises(sqlalchemy.exc.IntegrityError, match="fk_concepts_branch_id_branches")
    with refused, pg_store.engine.begin() as connection:
        connection.exec_driver_sql(row)
    assert "z" not in {c.id for c in pg_store.page(MAIN, "concept").items}


def histogram_bounds(store: RevisionStore, table: str, column: str) -> int:
    """How many bounds the planner's histogram of ``table.column`` holds (0: none)."""
    with store.engine.connect() as connection:
        return (
            connection.execute(
                text(
                    "SELECT coalesce(array_length(histogram_bounds::text::text[], 1), 0) "
                    "FROM pg_stats WHERE schemaname = current_schema() "
                    "AND tablename = :table AND attname = :column"
                ),
                {"table": table, "column": column},
            ).scalar()
            or 0
        )


@pytest.mark.postgres
def test_a_large_first_load_samples_its_statistics_and_derive_takes_them_whole(
    pg_store: RevisionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "ANALYZE_FROM", 300)
    concepts = iter([(f"c{i:04d}", {}) for i in range(500)])
    pg_store.bulk_load("MAIN", "u", "load", {"concept": concepts}, derive=False)
    # A sample's histogram (10 buckets) right away, for the commits before the derivation.
    assert histogram_bounds(pg_store, "concepts", "component_id") == bulk.SAMPLE_TARGET + 1
    assert derived.statistics_name("concepts") in pending_names(pg_store)
    assert derived.statistics_name("concepts") in pg_store.derive()
    assert histogram_bounds(pg_store, "concepts", "component_id") == 101  # the default's 100


@pytest.mark.postgres
def test_two_finishing_steps_of_one_table_started_together_both_finish(
    pg_store: RevisionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "ANALYZE_FROM", 1)  # the concepts' full statistics pending too
    load(pg_store, derive=False)
    with pg_store.engine.connect() as connection:
        query = "SELECT name, source, definition FROM pending_derivations WHERE source = :s"
        steps = sorted(connection.execute(text(query), {"s": "concepts"}).all())
    steps = [s for s in steps if derived._finishing(s.definition)]
    assert [s.name for s in steps] == [CHECKS[0], derived.statistics_name("concepts")]
    # Each holds its table lock before either runs its statement, as two workers freed at
    # once would: locks that let both in deadlocked, and the database aborted one.
    both_in = threading.Barrier(2)
    take = derived._lock

    def together(connection: sqlalchemy.Connection, source: str, definition: str | None) -> None:
        take(connection, source, definition)
        # Broken when the other step waits for this one's lock, as it must.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_in.wait(timeout=1)

    monkeypatch.setattr(derived, "_lock", together)
    with ThreadPoolExecutor(2) as pool:
        built = list(pool.map(lambda s: derived._derive_one(pg_store.engine, *s), steps))
    assert built == [s.name for s in steps]
    assert not set(built) & set(pending_names(pg_store))


def reads(store: RevisionStore) -> dict[str, object]:
    """Reads the pending indexes serve: descriptions of a concept, mappings from and to a
    concept, children."""

    def ids(type_name: str, **equals: str) -> list[str]:
        return [c.id for c in store.page(MAIN, type_name, Filter.of(**equals)).items]

    return {
        "descriptions of b": ids("description", concept_id="b"),
        "mappings from b": ids("mapping", source_id="b"),
        "mappings to a": ids("mapping", target_id="a"),
        "children": store.children_of(MAIN, ["a", "b"]),
    }


@pytest.mark.postgres
def test_reads_while_the_indexes_are_pending_equal_them_after(pg_store: RevisionStore) -> None:
    load_with_mappings(pg_store)
    pg_store.commit("MAIN", "u", "c", [delete("m2", "mapping"), change("c", parents=["b"])])
    meanwhile = reads(pg_store)
    assert meanwhile == {
        "descriptions of b": ["d2", "d3"],
        "mappings from b": ["m1", "m3"],
        "mappings to a": ["m1"],
        "children": {"a": ["b"], "b": ["c"]},
    }
    pg_store.derive()
    assert reads(pg_store) == meanwhile


@pytest.mark.postgres
def test_searches_use_the_term_index_once_it_is_built(pg_store: RevisionStore) -> None:
    load(pg_store, derive=False)
    plan = (
        "EXPLAIN SELECT 1 FROM descriptions "
        "WHERE to_tsvector('simple'::regconfig, term) @@ 'femur'::tsquery"
    )
    with pg_store.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        assert derived.TERM_INDEX not in "\n".join(connection.exec_driver_sql(plan).scalars())
    pg_store.derive()
    with pg_store.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        assert derived.TERM_INDEX in "\n".join(connection.exec_driver_sql(plan).scalars())


@pytest.mark.postgres
def test_the_default_load_derives_before_it_returns(pg_store: RevisionStore) -> None:
    load(pg_store, derive=True)
    assert pending_names(pg_store) == []
    assert term_index(pg_store) is not None
    assert words_table_difference(pg_store) == []
    assert word_rows(pg_store) == 8


def pages(store: RevisionStore, table: str) -> tuple[int, int]:
    """``table``'s pages and those of them its visibility map marks all-visible (as the last
    vacuum or analyse counted them)."""
    query = text("SELECT relpages, relallvisible FROM pg_class WHERE oid = to_regclass(:t)")
    with store.engine.connect() as connection:
        total, visible = connection.execute(query, {"t": table}).one()
        return total, visible


@pytest.mark.postgres
def test_derive_leaves_the_tables_it_built_from_and_into_all_visible(
    pg_store: RevisionStore,
) -> None:
    load(pg_store, derive=False)
    assert pages(pg_store, "descriptions") == (1, 0)  # analysed by the load, never vacuumed
    pg_store.derive()
    for table in (derived.WORDS, "descriptions", "concepts"):  # no edges: no parents
        assert pages(pg_store, table) == (1, 1), table


@pytest.mark.postgres
def test_a_failed_vacuum_is_logged_and_the_others_still_run(
    pg_store: RevisionStore, caplog: pytest.LogCaptureFixture
) -> None:
    load(pg_store, derive=False)
    derived._vacuum(pg_store.engine, ["no_such_table", "descriptions"])
    assert "VACUUM no_such_table failed, autovacuum will do it later" in caplog.text
    assert pages(pg_store, "descriptions") == (1, 1)


@pytest.mark.postgres
def test_commits_before_the_derivation_end_up_in_the_words(pg_store: RevisionStore) -> None:
    load(pg_store, derive=False)
    pg_store.commit(
        "MAIN",
        "u",
        "c",
        [
            change("d1", "description", term="Open fracture"),
            delete("d3", "description"),
            change("d4", "description", active=True),
            description("d5", "b", "Skin graft"),
        ],
    )
    pg_store.create_branch("MAIN", "t")
    pg_store.commit("MAIN/t", "u", "c", [change("d2", "description", term="Ulcer")])
    meanwhile = results(pg_store)
    assert meanwhile["ulcer"] == [("c", 1)]
    assert meanwhile["skin"] == [("b", 1)]
    assert pg_store.search_concepts(ReadPoint("MAIN/t"), "ulcer")[1] == 2

    pg_store.derive()
    assert words_table_difference(pg_store) == []
    assert results(pg_store) == meanwhile
    assert pg_store.search_concepts(ReadPoint("MAIN/t"), "ulcer")[1] == 2


@pytest.mark.postgres
def test_a_load_into_a_table_with_rows_keeps_the_words_by_trigger(
    pg_store: RevisionStore,
) -> None:
    load(pg_store, derive=True)
    pg_store.bulk_load(
        "MAIN",
        "u",
        "second load",
        {"description": iter([("d9", {"concept_id": "a", "term": "Fracture of rib"})])},
        derive=False,
    )
    assert not pending(pg_store)
    assert words_table_difference(pg_store) == []
    assert [c.id for c in pg_store.search_concepts(MAIN, "rib")[0]] == ["a"]


@pytest.mark.postgres
def test_a_failed_first_load_leaves_the_words_trigger_on(pg_store: RevisionStore) -> None:
    with pytest.raises(ComponentExists):
        pg_store.bulk_load(
            "MAIN",
            "u",
            "load",
            {
                "concept": iter([("a", {})]),
                "description": iter(
                    [("d1", {"concept_id": "a", "term": "Femur"})] * 2  # an id twice
                ),
            },
        )
    assert pending_names(pg_store) == []
    assert term_index(pg_store) is not None
    pg_store.commit("MAIN", "u", "c", [concept("a"), description("d1", "a", "Femur")])
    assert word_rows(pg_store) == 1
    assert words_table_difference(pg_store) == []


@pytest.fixture
def impatient(postgres_url: str) -> Iterator[Engine]:
    """An engine on the test database whose statements give up on a lock after 200 ms."""
    engine = sqlalchemy.create_engine(postgres_url, connect_args={"options": "-c lock_timeout=200"})
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_a_failed_derivation_leaves_the_words_pending_and_searches_exact(
    pg_store: RevisionStore, impatient: Engine
) -> None:
    load(pg_store, derive=False)
    meanwhile = results(pg_store)
    # A reader inside the words table holds the lock the rebuild's TRUNCATE needs, so the
    # derivation fails after it has locked the descriptions and the pending row.
    with pg_store.engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM description_words"))
        with pytest.raises(sqlalchemy.exc.OperationalError, match="lock timeout"):
            derived.derive(impatient)
        reader.rollback()
    # The term index, built beside the words on a connection of its own, committed.
    assert pending_names(pg_store) == [derived.WORDS]
    assert term_index(pg_store) is not None
    assert results(pg_store) == meanwhile
    assert pg_store.derive() == [derived.WORDS]
    assert words_table_difference(pg_store) == []


def test_derive_with_nothing_pending_builds_nothing(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("a"), description("d", "a", "Femur")])
    assert store.derive() == []
    assert [c.id for c in store.search_concepts(MAIN, "fem")[0]] == ["a"]


@pytest.mark.postgres
def test_a_load_whose_derivation_fails_still_returns_its_commit(
    pg_store: RevisionStore, impatient: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    store = RevisionStore(impatient, ManualClock(1_700_000_000_000))
    with pg_store.engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM description_words"))
        load(store, derive=True)
        reader.rollback()
    assert "its search tables were not built" in caplog.text
    assert pending(pg_store)
    assert [c.id for c in store.search_concepts(MAIN, "femur")[0]] == ["a"]
    assert store.derive() == [derived.WORDS]
    assert words_table_difference(pg_store) == []


@pytest.mark.postgres
def test_db_upgrade_builds_what_a_load_left_pending(
    pg_store: RevisionStore, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(pg_store, derive=False)
    monkeypatch.setenv("SNOWPATH_DATABASE_URL", postgres_url)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Built description_words, which a bulk load had left pending." in result.output
    assert "Built ix_descriptions_term_tsv, which a bulk load had left pending." in result.output
    assert pending_names(pg_store) == []
    assert words_table_difference(pg_store) == []
    again = CliRunner().invoke(main, ["db", "upgrade"])
    assert "Built" not in again.output


def mark_words_pending(store: RevisionStore) -> None:
    """What a first load's transaction records (the store can only do it on an empty table)."""
    with store.engine.begin() as connection:
        derived.mark_pending(connection, derived.WORDS, "descriptions", 1)


@pytest.mark.postgres
def test_built_remembers_words_seen_built_over_rows(pg_store: RevisionStore) -> None:
    built = derived.Built()
    with pg_store.engine.connect() as connection:
        assert not built.is_pending(connection, derived.WORDS, source_has_rows=True)
    mark_words_pending(pg_store)  # cannot happen now: the source table holds rows
    with pg_store.engine.connect() as connection:
        assert derived.is_pending(connection, derived.WORDS)
        assert not built.is_pending(connection, derived.WORDS, source_has_rows=True)


@pytest.mark.postgres
def test_built_asks_again_while_the_source_is_empty_or_the_words_pending(
    pg_store: RevisionStore,
) -> None:
    built = derived.Built()
    with pg_store.engine.connect() as connection:
        assert not built.is_pending(connection, derived.WORDS, source_has_rows=False)
    mark_words_pending(pg_store)  # a first load into the empty table
    with pg_store.engine.connect() as connection:
        assert built.is_pending(connection, derived.WORDS, source_has_rows=True)
    pg_store.derive()
    with pg_store.engine.connect() as connection:
        assert not built.is_pending(connection, derived.WORDS, source_has_rows=True)


def starts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names :func:`derived.derive` will start, in the order it starts them (one at a
    time: the order taken is the order)."""
    started: list[str] = []
    build = derived._derive_one

    def noted(
        engine: Engine, name: str, source: str, definition: str | None, **options: bool
    ) -> str | None:
        started.append(name)
        return build(engine, name, source, definition, **options)

    monkeypatch.setattr(derived, "_derive_one", noted)
    monkeypatch.setattr(derived, "WORKERS", 1)
    return started


@pytest.mark.postgres
def test_derive_starts_the_words_the_term_index_the_indexes_reads_miss_then_the_edges(
    pg_store: RevisionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = starts(monkeypatch)
    load(pg_store, derive=False)
    assert pg_store.derive() == LEFT
    assert started == [derived.WORDS, *INDEXES, derived.EDGES, *CHECKS]


@pytest.mark.postgres
def test_derive_finishes_the_words_source_last(
    pg_store: RevisionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = starts(monkeypatch)
    monkeypatch.setattr(bulk, "ANALYZE_FROM", 1)  # every table's full statistics pending
    load_with_mappings(pg_store)
    pg_store.derive()
    finishing = started[started.index(derived.EDGES) + 1 :]
    # Those of concepts and mappings run beside the words; those of descriptions wait for them.
    assert finishing == [
        "fk_concepts_branch_id_branches",
        "fk_mappings_branch_id_branches",
        derived.statistics_name("concepts"),
        derived.statistics_name("mappings"),
        "fk_descriptions_branch_id_branches",
        derived.statistics_name("descriptions"),
    ]


def parallel_workers(store: RevisionStore) -> tuple[list[str], dict[str, str], str]:
    """:func:`derived.derive`'s names built, each build's ``max_parallel_maintenance_workers``
    as its own statement saw it in its transaction (the words by their ``INSERT``, indexes
    by name), and the server's own setting."""
    workers: dict[str, str] = {}
    asking = threading.local()

    def note(conn: sqlalchemy.Connection, cursor: object, statement: str, *args: object) -> None:
        if getattr(asking, "now", False):
            return
        words = statement.startswith("INSERT INTO description_words")
        if not (words or statement.startswith(("CREATE INDEX", "CREATE UNIQUE INDEX"))):
            return
        asking.now = True
        try:
            shown = conn.exec_driver_sql("SHOW max_parallel_maintenance_workers").scalar_one()
        finally:
            asking.now = False
        name = derived.WORDS if words else statement.split(" ON ")[0].split()[-1]
        workers.setdefault(name, str(shown))

    sqlalchemy.event.listen(store.engine, "before_cursor_execute", note)
    try:
        built = store.derive()
    finally:
        sqlalchemy.event.remove(store.engine, "before_cursor_execute", note)
    with store.engine.connect() as connection:
        default = connection.exec_driver_sql("SHOW max_parallel_maintenance_workers").scalar_one()
    assert default != "0"  # else the tests below could not tell
    return built, workers, default


@pytest.mark.postgres
def test_beside_the_words_every_other_build_runs_without_parallel_workers(
    pg_store: RevisionStore,
) -> None:
    load_with_mappings(pg_store)
    built, workers, default = parallel_workers(pg_store)
    words_index = "ix_description_words_word"
    others = {
        name: shown for name, shown in workers.items() if name not in (derived.WORDS, words_index)
    }
    assert {name for name in built if name.startswith("ix_")} | {"uq_concept_edges_parent"} <= set(
        others
    )
    assert others == dict.fromkeys(others, "0")
    assert workers[derived.WORDS] == workers[words_index] == default


@pytest.mark.postgres
def test_without_the_words_an_index_builds_with_parallel_workers(pg_store: RevisionStore) -> None:
    load_with_mappings(pg_store)
    pg_store.derive()
    name = "ix_descriptions_branch_concept"
    with pg_store.engine.begin() as connection:
        definition = connection.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": name}
        ).scalar_one()
        connection.exec_driver_sql(f"DROP INDEX {name}")
        derived.mark_pending(connection, name, "descriptions", 1, definition)
    built, workers, default = parallel_workers(pg_store)
    assert built == [name]
    assert workers == {name: default}
