"""One-word concept search: the same answers on both backends, and on PostgreSQL the words
table (migration 0006) always equal to what it is derived from.

PostgreSQL answers a one-word text from ``description_words`` and everything else from the
GIN index, SQLite answers everything from FTS5: these tests pin the one-word answers
(matching, ranking, history, branches) that all three must agree on.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from revisions import ReadPoint, RevisionStore
from tests.revisions.helpers import (
    change,
    commit_femur_terms,
    concept,
    delete,
    description,
    words_table_difference,
)

MAIN = ReadPoint("MAIN")


def found(store: RevisionStore, point: ReadPoint | str, text_: str) -> list[str]:
    point = ReadPoint(point) if isinstance(point, str) else point
    return [c.id for c in store.search_concepts(point, text_)[0]]


def test_one_word_search_follows_updates_and_reads_the_past_exactly(store: RevisionStore) -> None:
    first = store.commit("MAIN", "u", "c", [concept("a"), description("d", "a", "Quartz vein")])
    assert first is not None
    before = first.timestamp
    store.commit("MAIN", "u", "c", [change("d", "description", term="Granite vein")])
    assert found(store, MAIN, "quartz") == []
    assert found(store, MAIN, "granit") == ["a"]
    assert found(store, ReadPoint("MAIN", timestamp=before), "quartz") == ["a"]
    assert found(store, ReadPoint("MAIN", timestamp=before), "granit") == []


def test_one_word_search_drops_deactivated_and_deleted_descriptions(store: RevisionStore) -> None:
    store.commit(
        "MAIN",
        "u",
        "c",
        [
            concept("a"),
            concept("b"),
            description("da", "a", "Basalt"),
            description("db", "b", "Basalt"),
        ],
    )
    store.commit(
        "MAIN", "u", "c", [change("da", "description", active=False), delete("db", "description")]
    )
    assert store.search_concepts(MAIN, "basalt") == ([], 0, None)
    store.commit("MAIN", "u", "c", [change("da", "description", active=True)])
    assert found(store, MAIN, "basalt") == ["a"]


def test_one_word_search_on_a_branch_hides_what_the_branch_changed(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("a"), description("d", "a", "Marble floor")])
    store.create_branch("MAIN", "t")
    store.commit("MAIN/t", "u", "c", [change("d", "description", term="Slate floor")])
    assert found(store, "MAIN/t", "marble") == []
    assert found(store, "MAIN/t", "slate") == ["a"]
    assert found(store, "MAIN", "marble") == ["a"]
    store.promote("MAIN/t", "u", "up")
    assert (found(store, "MAIN", "marble"), found(store, "MAIN", "slate")) == ([], ["a"])


def test_one_word_search_ranks_the_term_itself_then_terms_starting_with_it(
    store: RevisionStore,
) -> None:
    store.commit(
        "MAIN",
        "u",
        "c",
        [
            *(concept(cid) for cid in "abcdefgh"),
            description("da", "a", "Wound of the post-operative site"),  # contains it
            description("db", "b", "Post-operative wound"),  # starts with it, hyphenated
            description("dc", "c", "(Post) note"),  # does not start with a letter
            description("dd", "d", "Post"),  # the term itself
            description("de", "e", "Postal code"),  # starts with a longer word
            description("df", "f", "Signpost"),  # no word starts with it
            description("dg", "g", "Postman"),  # one word, longer than the text: starts with it
            description("dh", "h", "Post x"),  # starts with it, one byte shorter than "Postman"
        ],
    )
    items, total, _ = store.search_concepts(MAIN, "POST")
    assert ([c.id for c in items], total) == (["d", "h", "g", "e", "b", "c", "a"], 7)


def test_an_underscore_separates_words_as_the_full_text_parsers_do(
    store: RevisionStore,
) -> None:
    store.commit("MAIN", "u", "c", [concept("a"), description("d", "a", "snake_case name")])
    assert found(store, MAIN, "snake_ca") == ["a"]
    assert found(store, MAIN, "snake") == ["a"]


def test_a_prefix_stands_for_every_word_it_starts_a_word_starting_another_included(
    store: RevisionStore,
) -> None:
    commit_femur_terms(store)
    assert found(store, MAIN, "femur") == ["d", "a", "b"]  # the term itself, then shorter first
    assert sorted(found(store, MAIN, "femur fract")) == ["a", "b"]
    assert sorted(found(store, MAIN, "fem fract")) == ["a", "b", "c"]


def test_one_word_search_counts_concepts_not_descriptions(store: RevisionStore) -> None:
    store.commit(
        "MAIN",
        "u",
        "c",
        [
            concept("a"),
            concept("b"),
            description("d1", "a", "Gneiss"),
            description("d2", "a", "Gneiss rock gneissic"),
            description("d3", "b", "Banded gneiss"),
        ],
    )
    items, total, key = store.search_concepts(MAIN, "gneiss", limit=1)
    assert ([c.id for c in items], total, key is not None) == (["a"], 2, True)
    rest, total, last = store.search_concepts(MAIN, "gneiss", after=key, limit=1)
    assert ([c.id for c in rest], total, last) == (["b"], 2, None)


# PostgreSQL only: the words table against a fresh derivation from the descriptions.


@pytest.mark.postgres
def test_words_table_equals_its_derivation_after_every_kind_of_write(
    pg_store: RevisionStore,
) -> None:
    store = pg_store
    store.bulk_load(
        "MAIN",
        "u",
        "load",
        {
            "concept": iter([("a", {}), ("b", {})]),
            "description": iter(
                [
                    ("d1", {"concept_id": "a", "term": "Chronic fracture of femur"}),
                    ("d2", {"concept_id": "b", "term": "Acute ulcer", "active": False}),
                ]
            ),
        },
    )
    store.commit("MAIN", "u", "c", [change("d1", "description", term="Open fracture")])
    store.create_branch("MAIN", "t")
    store.commit(
        "MAIN/t", "u", "c", [description("d3", "b", "Ulcer of skin"), delete("d1", "description")]
    )
    store.commit("MAIN", "u", "c", [change("d2", "description", active=True)])
    store.rebase("MAIN/t", "u", "rebase")
    store.promote("MAIN/t", "u", "promote")
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*), count(end_ts) FROM description_words"))
        # Words of d1 (4, closed by the edit), d1 edited (2, closed by the promoted delete), d3
        # on the task (3, closed by the promotion), d2 activated (2) and d3 promoted (3).
        assert tuple(rows.one()) == (14, 9)
    assert words_table_difference(store) == []
