"""Bulk loads: many components in one commit, with the same rules as a normal commit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from revisions import Delete, ReadPoint, RevisionStore, schema
from revisions.errors import ComponentExists, InvalidComponent, MissingReference
from tests.revisions.helpers import ids


def concepts(*items: tuple[str, list[str]]) -> dict:
    return {"concept": iter([(cid, {"parents": parents}) for cid, parents in items])}


def recorded(store: RevisionStore, call: Callable[[], object]) -> list[str]:
    """Every statement SQLAlchemy sent while ``call`` ran."""
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
    return statements


def contents(store: RevisionStore, path: str) -> dict[str, dict[str, dict]]:
    """Every component ``path`` shows, by type and id: its fields."""
    point = ReadPoint(path)
    return {
        name: {c.id: c.fields for c in store.page(point, name, limit=100).items}
        for name in ("concept", "description", "mapping")
    }


def test_bulk_load_creates_everything_in_one_commit(store: RevisionStore) -> None:
    commit = store.bulk_load(
        "MAIN",
        "loader",
        "load",
        {
            "concept": iter([("a", {}), ("b", {"parents": ["a"]})]),
            "description": iter([("d", {"concept_id": "b", "term": "Bee"})]),
            "mapping": iter([("m", {"source_id": "b", "target_id": "a", "map_type": "IS-A"})]),
        },
    )
    assert (commit.changes, commit.author) == (4, "loader")
    assert ids(store, "MAIN") == ["a", "b"]
    assert store.get(ReadPoint("MAIN"), "description", "d").timestamp == commit.timestamp
    assert store.commits("MAIN")[0].timestamp == commit.timestamp


def test_second_bulk_load_on_a_branch_with_content(store: RevisionStore) -> None:
    store.bulk_load("MAIN", "u", "first", concepts(("a", [])))
    store.bulk_load("MAIN", "u", "second", concepts(("b", ["a"]), ("c", ["b"])))
    assert ids(store, "MAIN") == ["a", "b", "c"]


def test_bulk_load_of_an_existing_id_is_refused(store: RevisionStore) -> None:
    store.bulk_load("MAIN", "u", "first", concepts(("a", [])))
    head = store.get_branch("MAIN").head_ts
    with pytest.raises(ComponentExists, match="'a' already exists"):
        store.bulk_load("MAIN", "u", "again", concepts(("z", []), ("a", [])))
    assert store.get_branch("MAIN").head_ts == head
    assert ids(store, "MAIN") == ["a"]


@pytest.mark.parametrize("branch", ["MAIN", "MAIN/child"])
def test_bulk_load_with_an_id_twice_is_refused(store: RevisionStore, branch: str) -> None:
    if branch != "MAIN":
        store.create_branch("MAIN", "child")
    with pytest.raises(ComponentExists):
        store.bulk_load(branch, "u", "dup", concepts(("a", []), ("a", [])))
    assert ids(store, branch) == []


@pytest.mark.parametrize("branch", ["MAIN", "MAIN/child"])
def test_bulk_load_with_a_missing_reference_writes_nothing(
    store: RevisionStore, branch: str
) -> None:
    store.bulk_load("MAIN", "u", "first", concepts(("a", [])))
    if branch != "MAIN":
        store.create_branch("MAIN", "child")
    with pytest.raises(MissingReference, match="'parents'"):
        store.bulk_load(branch, "u", "bad", concepts(("b", ["a"]), ("c", ["nope"])))
    with pytest.raises(MissingReference, match="'concept_id'"):
        store.bulk_load(
            branch, "u", "bad", {"description": iter([("d", {"concept_id": "x", "term": "t"})])}
        )
    assert ids(store, branch) == ["a"]
    assert ids(store, branch, "description") == []


def test_bulk_load_on_a_child_refers_to_the_parents_content(store: RevisionStore) -> None:
    store.bulk_load("MAIN", "u", "first", concepts(("a", [])))
    store.create_branch("MAIN", "child")
    store.bulk_load("MAIN/child", "u", "second", concepts(("b", ["a"])))
    assert ids(store, "MAIN/child") == ["a", "b"]
    assert ids(store, "MAIN") == ["a"]


def test_bulk_load_on_a_child_refuses_what_the_parent_has(store: RevisionStore) -> None:
    store.bulk_load("MAIN", "u", "first", concepts(("a", [])))
    store.create_branch("MAIN", "child")
    with pytest.raises(ComponentExists, match="'a'"):
        store.bulk_load("MAIN/child", "u", "again", concepts(("a", [])))


def test_bulk_load_on_a_child_ignores_what_the_parent_wrote_after_its_base(
    store: RevisionStore,
) -> None:
    store.create_branch("MAIN", "child")
    store.bulk_load("MAIN", "u", "later", concepts(("a", [])))
    store.bulk_load("MAIN/child", "u", "own", concepts(("a", [])))
    assert ids(store, "MAIN/child") == ids(store, "MAIN") == ["a"]


def test_load_on_a_child_of_an_empty_main_looks_no_id_up(store: RevisionStore) -> None:
    """A new code system's branch under an empty MAIN: no segment has written a row, so no
    id can exist and none is looked up (each lookup was a scan while the indexes of the
    empty tables waited to be rebuilt: 265 s for 1.85 M components). What it shows is
    what the same load shows on MAIN."""
    store.create_branch("MAIN", "child")
    statements = recorded(store, lambda: store.bulk_load("MAIN/child", "u", "load", everything()))
    lookups = [s for s in statements if "component_id = ANY" in s or "component_id IN" in s]
    assert lookups == []
    store.bulk_load("MAIN", "u", "load", everything())
    assert contents(store, "MAIN/child") == contents(store, "MAIN")
    assert len(contents(store, "MAIN")["description"]) == 1
    found, total, _ = store.search_concepts(ReadPoint("MAIN/child"), "yel fev")
    assert ([c.id for c in found], total) == (["b"], 1)


def index_definitions(store: RevisionStore) -> list[tuple[str, str]]:
    """Every index, constraint and trigger of the component tables, with its SQL."""
    with store.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            query = (
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename IN ('concepts', 'descriptions', 'mappings', 'description_words') "
                "UNION ALL SELECT conname, conrelid::regclass || ' ' || pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE conrelid::regclass::text IN "
                "('concepts', 'descriptions', 'mappings') "
                "UNION ALL SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE NOT tgisinternal AND tgrelid::regclass::text IN "
                "('concepts', 'descriptions', 'mappings') ORDER BY 1, 2"
            )
        else:
            query = (
                "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND "
                "tbl_name IN ('concepts', 'descriptions', 'mappings') ORDER BY 1"
            )
        return [tuple(row) for row in connection.exec_driver_sql(query)]


def everything() -> dict:
    return {
        "concept": iter([("a", {}), ("b", {"parents": ["a"]})]),
        "description": iter([("d", {"concept_id": "b", "term": "Yellow fever"})]),
        "mapping": iter([("m", {"source_id": "b", "target_id": "a", "map_type": "IS-A"})]),
    }


def test_load_into_empty_tables_rebuilds_every_index(store: RevisionStore) -> None:
    before = index_definitions(store)
    assert len(before) > 10
    store.bulk_load("MAIN", "u", "first", everything())
    assert index_definitions(store) == before


def test_load_into_empty_tables_leaves_the_closed_revisions_index_alone(
    store: RevisionStore,
) -> None:
    """Loaded rows are current and never enter ``ix_*_branch_end``: it is neither dropped
    nor rebuilt, while the other secondary indexes are."""
    statements = recorded(store, lambda: store.bulk_load("MAIN", "u", "first", everything()))
    touched = "\n".join(s for s in statements if s.startswith(("DROP INDEX", "CREATE")))
    for table in ("concepts", "descriptions", "mappings"):
        assert f"uq_{table}_branch_component_start" in touched
        assert schema.closed_only_index(table) not in touched
    assert len(index_definitions(store)) > 10


def test_failed_load_into_empty_tables_keeps_every_index(store: RevisionStore) -> None:
    before = index_definitions(store)
    with pytest.raises(ComponentExists):
        store.bulk_load("MAIN", "u", "dup", concepts(("a", []), ("b", []), ("a", [])))
    with pytest.raises(MissingReference):
        store.bulk_load("MAIN", "u", "bad", concepts(("a", ["nope"])))
    assert index_definitions(store) == before
    assert ids(store, "MAIN") == []


def test_terms_of_a_load_into_an_empty_table_are_searchable(store: RevisionStore) -> None:
    store.bulk_load("MAIN", "u", "first", everything())
    found, total, _ = store.search_concepts(ReadPoint("MAIN"), "yel fev")
    assert ([c.id for c in found], total) == (["b"], 1)


def test_terms_of_a_load_into_a_table_with_rows_are_searchable(store: RevisionStore) -> None:
    store.bulk_load("MAIN", "u", "first", everything())
    store.bulk_load(
        "MAIN", "u", "more", {"description": iter([("e", {"concept_id": "a", "term": "Fever"})])}
    )
    found, total, _ = store.search_concepts(ReadPoint("MAIN"), "fever")
    assert (sorted(c.id for c in found), total) == (["a", "b"], 2)


def test_a_parent_may_come_later_in_the_same_load(store: RevisionStore) -> None:
    store.bulk_load("MAIN", "u", "load", concepts(("a", ["c"]), ("b", ["a", "c"]), ("c", [])))
    assert store.get(ReadPoint("MAIN"), "concept", "b").fields["parents"] == ["a", "c"]


def test_a_reference_to_a_concept_deleted_on_the_branch_is_missing(
    store: RevisionStore,
) -> None:
    store.bulk_load("MAIN", "u", "first", concepts(("a", []), ("gone", [])))
    store.create_branch("MAIN", "child")
    store.commit("MAIN/child", "u", "drop", [Delete("concept", "gone")])
    with pytest.raises(MissingReference, match="gone"):
        store.bulk_load(
            "MAIN/child",
            "u",
            "bad",
            {"description": iter([("d", {"concept_id": "gone", "term": "t"})])},
        )
    store.bulk_load(
        "MAIN/child", "u", "good", {"description": iter([("d", {"concept_id": "a", "term": "t"})])}
    )
    assert ids(store, "MAIN/child", "description") == ["d"]


def test_bulk_rows_are_validated_like_a_commit(store: RevisionStore) -> None:
    with pytest.raises(InvalidComponent, match="Invalid description 'd'") as raised:
        store.bulk_load(
            "MAIN", "u", "bad", {"description": iter([("d", {"concept_id": "a", "term": " "})])}
        )
    assert raised.value.violations == ["'term' must not be blank."]


def test_bulk_load_keeps_a_tuple_of_parents_as_a_list(store: RevisionStore) -> None:
    store.bulk_load("MAIN", "u", "load", {"concept": iter([("a", {}), ("b", {"parents": ("a",)})])})
    assert store.get(ReadPoint("MAIN"), "concept", "b").fields["parents"] == ["a"]


def test_load_into_empty_tables_still_refuses_an_unknown_branch_id(store: RevisionStore) -> None:
    """The foreign keys dropped for the load are back, and checked."""
    store.bulk_load("MAIN", "u", "first", everything())
    with store.engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(
            schema.concepts.insert().values(
                component_id="x", branch_id=999, start_ts=1, deleted=False
            )
        )
