"""The typed words' expansions a store keeps (``revisions.search.Expansions``, PostgreSQL).

A search of several words replaces each typed word by the whole words it starts, read from
the words table once and kept with the store's clock. These tests pin when a kept
expansion may serve a view (every segment at or before its clock) and that a word
committed later, on the viewed branch, by another store or on a branch only some views
show, is found as soon as a view shows it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from revisions import ReadPoint, RevisionStore, search
from revisions.clock import ManualClock
from revisions.epoch import FileEpoch
from tests.revisions.helpers import concept, description

pytestmark = pytest.mark.postgres

MAIN = ReadPoint("MAIN")


@pytest.fixture
def terms(pg_store: RevisionStore) -> RevisionStore:
    pg_store.commit(
        "MAIN",
        "u",
        "c",
        [
            concept("valve"),
            concept("mitral"),
            description("d1", "valve", "Heart valve"),
            description("d2", "mitral", "Mitral valve of heart"),
        ],
    )
    return pg_store


@pytest.fixture
def expanded(terms: RevisionStore) -> Iterator[list[list[str]]]:
    """The typed words of every expansion statement ``terms``'s searches send."""
    sent: list[list[str]] = []

    def note(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        if "description_words_query" in statement:
            assert isinstance(params, dict)
            sent.append(list(params["lows"]))

    event.listen(terms._reader, "before_cursor_execute", note)
    yield sent
    event.remove(terms._reader, "before_cursor_execute", note)


HEAVY = [concept("heavy"), description("d3", "heavy", "Heavy valence")]


def found(store: RevisionStore, text: str, point: ReadPoint = MAIN) -> list[str]:
    return [c.id for c in store.search_concepts(point, text)[0]]


def test_typed_words_are_read_once_then_kept(
    terms: RevisionStore, expanded: list[list[str]]
) -> None:
    assert found(terms, "hea val") == ["valve", "mitral"]
    assert found(terms, "val hea") == ["valve", "mitral"]
    assert found(terms, "mitr hea") == ["mitral"]
    assert expanded == [["hea", "val"], ["mitr"]]


def test_a_word_committed_on_the_viewed_branch_is_found_at_once(
    terms: RevisionStore, expanded: list[list[str]]
) -> None:
    assert found(terms, "hea val") == ["valve", "mitral"]
    terms.commit("MAIN", "u", "c", HEAVY)
    assert found(terms, "hea val") == ["valve", "heavy", "mitral"]
    assert expanded == [["hea", "val"], ["hea", "val"]]


def test_a_word_starting_no_word_answers_without_a_search_until_one_is_committed(
    terms: RevisionStore, expanded: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(search, "_ranked_page", None)  # called, it would raise
        assert terms.search_concepts(MAIN, "heart zzq") == ([], 0, None)
        assert terms.search_concepts(MAIN, "zzq heart") == ([], 0, None)
    terms.commit("MAIN", "u", "c", [concept("z"), description("d3", "z", "Zzqx heart")])
    assert found(terms, "heart zzq") == ["z"]
    assert expanded == [["heart", "zzq"], ["heart", "zzq"]]


def test_another_store_s_commit_is_found_through_the_view_it_moves(
    terms: RevisionStore, clock: ManualClock, epoch: FileEpoch
) -> None:
    # Another process: its own memories, the same database.
    other = RevisionStore(terms.engine, clock, epoch=epoch)
    assert found(terms, "hea val") == ["valve", "mitral"]
    other.commit("MAIN", "u", "c", HEAVY)
    assert found(terms, "hea val") == ["valve", "heavy", "mitral"]


def test_a_branch_s_new_word_is_found_on_it_and_not_on_its_parent(
    terms: RevisionStore, expanded: list[list[str]]
) -> None:
    assert found(terms, "hea val") == ["valve", "mitral"]
    terms.create_branch("MAIN", "a")
    terms.commit("MAIN/a", "u", "c", HEAVY)
    assert found(terms, "hea val", ReadPoint("MAIN/a")) == ["valve", "heavy", "mitral"]
    assert found(terms, "hea val") == ["valve", "mitral"]  # kept words, the same answer
    assert expanded == [["hea", "val"], ["hea", "val"]]


def test_a_past_view_is_served_by_words_read_later(
    terms: RevisionStore, expanded: list[list[str]]
) -> None:
    before = terms.commit("MAIN", "u", "c", [concept("x"), description("d3", "x", "Xylem")])
    assert before is not None
    terms.commit("MAIN", "u", "c", [concept("heavy"), description("d4", "heavy", "Heavy valence")])
    assert found(terms, "hea val") == ["valve", "heavy", "mitral"]
    past = ReadPoint("MAIN", timestamp=before.timestamp)
    assert found(terms, "hea val", past) == ["valve", "mitral"]
    assert expanded == [["hea", "val"]]


def test_the_kept_words_are_emptied_past_their_bound(
    terms: RevisionStore, expanded: list[list[str]]
) -> None:
    kept = terms._expansions
    kept.MAX = 2
    assert found(terms, "hea val") == ["valve", "mitral"]
    assert found(terms, "mitr val") == ["mitral"]  # three words: the two kept are dropped
    assert found(terms, "hea val") == ["valve", "mitral"]
    assert expanded == [["hea", "val"], ["mitr"], ["hea", "val"]]


def test_a_prefix_of_too_many_words_is_kept_as_a_prefix(pg_store: RevisionStore) -> None:
    count = search.MAX_EXPANSION + 1
    many = [description(f"d{i}", "c", f"word{i:03d} thing") for i in range(count)]
    pg_store.commit("MAIN", "u", "many", [concept("c"), *many])
    with pg_store.engine.connect() as connection:
        queries = search.Expansions().of(connection, ["word", "thi"], 2**62)
    assert queries == {"word": "'word':*", "thi": "'thing'"}
    assert found(pg_store, "word thi") == ["c"]
