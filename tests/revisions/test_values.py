"""The store's rule for text and nesting (``revisions.values``), met by every caller: commits,
bulk loads and filters refuse what SQLite or PostgreSQL could not hold alike, naming the
field, and write nothing; :func:`dumps` writes any value stored before the limits."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from revisions import Filter, ReadPoint, RevisionStore
from revisions.db import _json_loads
from revisions.errors import InvalidComponent, InvalidRequest
from revisions.values import MAX_DEPTH, dumps, json_problems, text_problem
from tests.revisions.helpers import concept, description, ids, mapping

MAIN = ReadPoint("MAIN")


def nested(levels: int) -> Any:
    value: Any = []
    for _ in range(levels - 1):
        value = [value]
    return value


def refused(store: RevisionStore, change: Any) -> list[str]:
    """The violations of a commit of ``change``, which must write nothing."""
    before = store.count_commits("MAIN")
    with pytest.raises(InvalidComponent) as caught:
        store.commit("MAIN", "u", "c", [change])
    assert store.count_commits("MAIN") == before
    return caught.value.violations


# --- the rule itself ---------------------------------------------------------------------------


def test_nul_is_refused_in_free_text_but_tab_and_newline_are_not() -> None:
    assert text_problem("a\x00b") == "must not contain the NUL character (U+0000)"
    assert text_problem("tab\tand\nnewline\x1b") is None


@pytest.mark.parametrize("character", ["\x00", "\x06", "\t", "\n", "\x1f", "\x7f"])
def test_identifiers_refuse_every_control_character(character: str) -> None:
    problem = text_problem(f"a{character}b", identifier=True)
    assert problem == "must not contain control characters (U+0000-U+001F, U+007F)"


def test_json_problems_name_the_place() -> None:
    value = {"ok": ["x", {"bad\x01key": 1, "nul": ["\x00"]}]}
    assert sorted(json_problems(value, "extras")) == [
        "'extras.ok[1].bad\x01key' is a key that must not contain control characters "
        "(U+0000-U+001F, U+007F).",
        "'extras.ok[1].nul[0]' must not contain the NUL character (U+0000).",
    ]


def test_json_problems_count_levels_from_the_value_itself() -> None:
    assert json_problems(nested(MAX_DEPTH)) == []
    assert json_problems(nested(MAX_DEPTH + 1)) == [
        f"'{'[0]' * MAX_DEPTH}' nests deeper than {MAX_DEPTH} levels of objects and arrays."
    ]


def test_json_problems_walk_any_depth_without_recursion() -> None:
    assert len(json_problems(nested(100_000))) == 1


# --- writing out what was stored before the limits ---------------------------------------------


@pytest.mark.parametrize(
    "value",
    [nested(300), {"a": nested(600)}, {"big": 2**70, "list": [1, 2.5, None, True, "é\n"]}],
    ids=["300-levels", "600-levels", "beyond-64-bit-integers"],
)
def test_dumps_writes_what_orjson_refuses(value: Any) -> None:
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(value)
    assert _json_loads(dumps(value)) == value  # as the store reads its JSON columns


def test_dumps_is_orjson_for_everything_else() -> None:
    value = {"a": [1, {"b": "c"}], "d": None}
    assert dumps(value) == orjson.dumps(value)


# --- commits -----------------------------------------------------------------------------------


def test_a_commit_refuses_nul_in_a_term(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("c")])
    violations = refused(store, description("d", "c", term="fe\x00ver"))
    assert violations == ["'term' must not contain the NUL character (U+0000)."]
    assert ids(store, "MAIN", "description") == []


def test_a_commit_refuses_control_characters_in_reference_ids(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("c")])
    assert refused(store, mapping("m", "c", "x\x06y")) == [
        "'target_id' must not contain control characters (U+0000-U+001F, U+007F)."
    ]
    assert refused(store, concept("d", parents=["c\x06"])) == [
        "'parents' ids must not contain control characters (U+0000-U+001F, U+007F)."
    ]


def test_a_commit_refuses_nul_in_extras_keys_and_values(store: RevisionStore) -> None:
    [violation] = refused(store, concept("c", extras={"k\x00": 1, "v": "\x00"}))
    assert "'extras.k\x00' is a key that must not contain control characters" in violation
    assert "'extras.v' must not contain the NUL character" in violation
    assert ids(store, "MAIN") == []


def test_a_commit_refuses_extras_nested_deeper_than_the_limit(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("ok", extras={"a": nested(MAX_DEPTH - 1)})])
    [violation] = refused(store, concept("deep", extras={"a": nested(MAX_DEPTH)}))
    assert violation.endswith(f"nests deeper than {MAX_DEPTH} levels of objects and arrays.")
    assert ids(store, "MAIN") == ["ok"]


def test_free_text_keeps_tabs_newlines_and_other_controls(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("c", extras={"note": "a\tb\nc\x1b"})])
    store.commit("MAIN", "u", "c", [description("d", "c", term="two\tcolumns\nlines")])
    assert store.get(MAIN, "description", "d").fields["term"] == "two\tcolumns\nlines"
    assert store.get(MAIN, "concept", "c").fields["extras"] == {"note": "a\tb\nc\x1b"}


def test_a_bulk_load_refuses_nul_like_a_commit(store: RevisionStore) -> None:
    rows = [("c1", {}), ("c2", {"concept_class": "Find\x00ing"})]
    with pytest.raises(InvalidComponent) as caught:
        store.bulk_load("MAIN", "u", "load", {"concept": rows})
    assert caught.value.violations == [
        "'concept_class' must not contain the NUL character (U+0000)."
    ]
    assert ids(store, "MAIN") == []


# --- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"ids": ["a\x00"]}, "id"),
        ({"module_id": "m\x00"}, "module_id"),
        ({"contains": {"parents": ["p\x00"]}}, "parents"),
        ({"term": "fe\x00ver"}, "term"),
    ],
)
def test_a_filter_refuses_nul_naming_the_field(arguments: dict[str, Any], name: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        Filter.of(**arguments)
    assert str(caught.value) == f"The filter '{name}' must not contain the NUL character (U+0000)."


@pytest.mark.parametrize("parent", ['q"uote', "back\\slash", 'both\\"'])
def test_a_parent_filter_matches_ids_with_quotes_and_backslashes(
    store: RevisionStore, parent: str
) -> None:
    store.commit("MAIN", "u", "c", [concept(parent), concept("child", parents=[parent])])
    store.commit("MAIN", "u", "c", [concept("other", parents=["child"])])
    assert ids(store, "MAIN", filter_=Filter.of(contains={"parents": [parent]})) == ["child"]
    assert store.descendants(MAIN, parent) == {"child", "other"}


def test_a_parent_filter_with_a_control_character_matches_nothing(store: RevisionStore) -> None:
    # No id holds one, and the encoder escapes it: an empty answer, not a database error.
    store.commit("MAIN", "u", "c", [concept("a"), concept("b", parents=["a"])])
    assert ids(store, "MAIN", filter_=Filter.of(contains={"parents": ["a\x06b"]})) == []
    assert store.descendants(MAIN, "a\x06b") == set()


def test_a_long_key_is_shortened_in_the_violation() -> None:
    key = "k" * 100_000 + "\x00"
    [violation] = json_problems({key: 1}, "extras")
    assert violation.startswith(f"'extras.{'k' * 64}…' is a key that must not contain")
    assert len(violation) < 200


# --- the store's own text, and reads asking for what cannot be stored ----------------------------


def test_a_commit_refuses_nul_in_its_author_or_comment(store: RevisionStore) -> None:
    before = store.count_commits("MAIN")
    with pytest.raises(InvalidRequest, match="'author' must not contain the NUL"):
        store.commit("MAIN", "a\x00b", "c", [concept("1")])
    with pytest.raises(InvalidRequest, match="'comment' must not contain the NUL"):
        store.commit("MAIN", "u", "c\x00", [concept("1")])
    assert store.count_commits("MAIN") == before


def test_branch_metadata_refuses_nul_and_control_keys(store: RevisionStore) -> None:
    with pytest.raises(InvalidRequest, match=r"'metadata\.k' must not contain the NUL"):
        store.create_branch("MAIN", "a", {"k": "x\x00"})
    store.create_branch("MAIN", "b", {"k": "tab\tok"})
    with pytest.raises(InvalidRequest, match="is a key that must not contain control"):
        store.update_metadata("MAIN/b", {"a\x06b": 1})
    assert [b.path for b in store.list_branches()] == ["MAIN", "MAIN/b"]
    assert store.get_branch("MAIN/b").metadata == {"k": "tab\tok"}


def test_code_system_text_refuses_nul(store: RevisionStore) -> None:
    with pytest.raises(InvalidRequest, match="'title' must not contain the NUL"):
        store.codesystems.create("CS", "a\x00")
    store.codesystems.create("CS", "fine")
    with pytest.raises(InvalidRequest, match=r"'metadata\.x' must not contain the NUL"):
        store.codesystems.update("CS", metadata={"x": "\x00"})
    with pytest.raises(InvalidRequest, match="'description' must not contain the NUL"):
        store.codesystems.create_version("CS", "v1", "20240101", "d\x00")
    assert store.codesystems.get("CS").title == "fine"
    assert store.codesystems.versions("CS") == []


def test_reading_an_id_that_could_not_be_stored_finds_nothing(store: RevisionStore) -> None:
    from revisions.errors import ComponentNotFound

    store.commit("MAIN", "u", "c", [concept("a")])
    with pytest.raises(ComponentNotFound):
        store.get(MAIN, "concept", "a\x00b")
    assert set(store.get_many(MAIN, "concept", ["a", "a\x00", "\x01"])) == {"a"}


def test_a_search_for_text_with_nul_is_refused(store: RevisionStore) -> None:
    with pytest.raises(InvalidRequest, match="'term' must not contain the NUL"):
        store.search_concepts(MAIN, "heart\x00")
