"""Commits and components: create, update, delete, references, paging, filters, atomicity."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from revisions import Create, Filter, ManualClock, ReadPoint, RevisionStore, Update, schema
from revisions.components import CONCEPT, MAX_PARENTS, MAX_TERM, TYPES, fast_check, validate
from revisions.errors import (
    BranchReadOnly,
    ComponentExists,
    ComponentNotFound,
    InvalidComponent,
    InvalidRequest,
    MissingReference,
    StillReferenced,
)
from tests.revisions.helpers import change, concept, delete, description, ids, mapping

MAIN = ReadPoint("MAIN")


def test_commit_timestamps_strictly_increase_even_when_the_clock_stands_still(
    store: RevisionStore, clock: ManualClock
) -> None:
    stamps = [store.commit("MAIN", "u", "c", [concept(str(i))]).timestamp for i in range(5)]
    assert stamps == sorted(set(stamps))
    assert all(b - a == 1 for a, b in itertools.pairwise(stamps))


def test_commit_timestamps_follow_the_clock_when_it_moves(
    store: RevisionStore, clock: ManualClock
) -> None:
    clock.set(1_700_000_000_000)
    assert store.commit("MAIN", "u", "c", [concept("1")]).timestamp == 1_700_000_000_000


def test_commit_timestamps_never_go_back_when_the_clock_does(
    store: RevisionStore, clock: ManualClock
) -> None:
    clock.set(1_700_000_000_000)
    first = store.commit("MAIN", "u", "c", [concept("1")]).timestamp
    clock.set(1_500_000_000_000)
    assert store.commit("MAIN", "u", "c", [concept("2")]).timestamp == first + 1


def test_commit_records_author_comment_and_moves_head(store: RevisionStore) -> None:
    commit = store.commit("MAIN", "ann", "first concepts", [concept("1"), concept("2")])
    assert (commit.author, commit.comment, commit.changes) == ("ann", "first concepts", 2)
    assert store.get_branch("MAIN").head_ts == commit.timestamp
    assert store.commits("MAIN")[0] == commit


def test_created_component_has_defaults_and_revision_info(store: RevisionStore) -> None:
    commit = store.commit(
        "MAIN", "u", "c", [concept("1", concept_class="Finding", extras={"a": 1})]
    )
    component = store.get(MAIN, "concept", "1")
    assert component.fields["active"] is True
    assert component.fields["parents"] == []
    assert component.fields["extras"] == {"a": 1}
    assert (component.branch, component.timestamp) == ("MAIN", commit.timestamp)


def test_update_keeps_unchanged_fields_and_makes_a_new_revision(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1", concept_class="Finding", module_id="m")])
    before = store.get(MAIN, "concept", "1")
    store.commit("MAIN", "u", "c", [change("1", module_id="n")])
    after = store.get(MAIN, "concept", "1")
    assert (after.fields["concept_class"], after.fields["module_id"]) == ("Finding", "n")
    assert after.revision != before.revision


def test_update_to_the_same_values_is_no_commit(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1", module_id="m")])
    head = store.get_branch("MAIN").head_ts
    assert store.commit("MAIN", "u", "c", [change("1", module_id="m")]) is None
    assert store.get_branch("MAIN").head_ts == head


def test_updating_many_times_shows_one_component(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    store.create_branch("MAIN", "a")
    for i in range(12):
        store.commit("MAIN/a", "u", "c", [change("1", module_id=str(i))])
        store.commit("MAIN", "u", "c", [change("1", concept_class=str(i))])
    for path in ("MAIN", "MAIN/a"):
        page = store.page(ReadPoint(path), "concept")
        assert [c.id for c in page.items] == ["1"]
        assert page.total == 1
    assert store.get(ReadPoint("MAIN/a"), "concept", "1").fields["module_id"] == "11"


def test_create_existing_is_a_conflict(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    with pytest.raises(ComponentExists, match="'1' already exists"):
        store.commit("MAIN", "u", "c", [concept("1")])


def test_update_or_delete_unknown_is_not_found(store: RevisionStore) -> None:
    with pytest.raises(ComponentNotFound):
        store.commit("MAIN", "u", "c", [change("9", module_id="m")])
    with pytest.raises(ComponentNotFound):
        store.commit("MAIN", "u", "c", [delete("9")])


def test_get_unknown_is_not_found(store: RevisionStore) -> None:
    with pytest.raises(ComponentNotFound):
        store.get(MAIN, "concept", "nope")


def test_invalid_fields_list_every_violation(store: RevisionStore) -> None:
    with pytest.raises(InvalidComponent) as caught:
        store.commit(
            "MAIN",
            "u",
            "c",
            [Create("concept", "1", {"active": "yes", "bogus": 1, "parents": [3]})],
        )
    assert sorted(caught.value.violations) == sorted(
        [
            "Unknown field 'bogus'.",
            "'active' must be of type bool.",
            "'parents' must be a list of ids.",
        ]
    )


@pytest.mark.parametrize("bad_id", ["", "   ", "x" * 101, "a/b", "a\tb", "search"])
def test_invalid_ids_are_refused(store: RevisionStore, bad_id: str) -> None:
    with pytest.raises(InvalidComponent):
        store.commit("MAIN", "u", "c", [concept(bad_id)])


def test_a_reserved_id_is_refused_by_a_bulk_load_too(store: RevisionStore) -> None:
    # a segment of another route (POST …/concepts/search): never readable by id
    loaded = {"concept": [("a", {}), ("search", {})]}
    with pytest.raises(InvalidComponent) as raised:
        store.bulk_load("MAIN", "u", "c", loaded)
    assert raised.value.violations == ["'id': 'search' is reserved (a URL segment)."]
    assert store.page(ReadPoint("MAIN"), "concept").items == []


def test_a_term_longer_than_the_longest_is_refused(store: RevisionStore) -> None:
    # each word of a term is indexed on every write: 60,000 words held the store for 49 s
    store.commit("MAIN", "u", "c", [concept("a")])
    longest = " ".join(["w"] * (MAX_TERM // 2))  # 32,767 characters
    store.commit("MAIN", "u", "c", [description("d1", "a", longest + "x")])
    assert len(store.get(MAIN, "description", "d1").fields["term"]) == MAX_TERM
    with pytest.raises(InvalidComponent) as raised:
        store.commit("MAIN", "u", "c", [description("d2", "a", longest + "xy")])
    assert raised.value.violations == [f"'term' must be at most {MAX_TERM} characters."]


def test_more_parents_than_the_most_are_refused_by_both_checks() -> None:
    most = [f"p{i}" for i in range(MAX_PARENTS)]
    assert validate(CONCEPT, "a", {"parents": most})["parents"] == most
    assert fast_check(CONCEPT)("a", {"parents": most}) is not None
    with pytest.raises(InvalidComponent) as raised:
        validate(CONCEPT, "a", {"parents": [*most, "one more"]})
    assert raised.value.violations == ["'parents' must hold at most 1,000 ids."]
    assert fast_check(CONCEPT)("a", {"parents": [*most, "one more"]}) is None


def test_unknown_component_type_is_refused(store: RevisionStore) -> None:
    with pytest.raises(InvalidComponent, match="Unknown component type"):
        store.commit("MAIN", "u", "c", [Create("axiom", "1", {})])


def test_commit_needs_an_author(store: RevisionStore) -> None:
    with pytest.raises(InvalidRequest, match="author"):
        store.commit("MAIN", "", "c", [concept("1")])


def test_description_needs_a_visible_concept(store: RevisionStore) -> None:
    with pytest.raises(MissingReference, match="concept 'x'"):
        store.commit("MAIN", "u", "c", [description("d", "x")])


def test_concept_and_its_description_in_one_commit_in_any_order(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [description("d", "1"), concept("1")])
    assert ids(store, "MAIN", "description") == ["d"]


def test_description_of_a_concept_deleted_on_the_child_is_refused_there_only(
    store: RevisionStore,
) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [delete("1")])
    with pytest.raises(MissingReference):
        store.commit("MAIN/a", "u", "c", [description("d", "1")])
    store.commit("MAIN", "u", "c", [description("d", "1")])


def test_deleting_a_concept_deletes_its_descriptions_and_outgoing_mappings(
    store: RevisionStore,
) -> None:
    store.commit(
        "MAIN",
        "u",
        "c",
        [
            concept("1"),
            concept("2"),
            description("d1", "1"),
            description("d2", "2"),
            mapping("m", "1", "2"),
        ],
    )
    commit = store.commit("MAIN", "u", "c", [delete("1")])
    assert commit is not None
    assert commit.changes == 3
    assert ids(store, "MAIN") == ["2"]
    assert ids(store, "MAIN", "description") == ["d2"]
    assert ids(store, "MAIN", "mapping") == []


def test_deleting_a_mapping_target_is_refused_while_mapped(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1"), concept("2"), mapping("m", "1", "2")])
    with pytest.raises(StillReferenced, match="mappings m still point at it"):
        store.commit("MAIN", "u", "c", [delete("2")])
    store.commit("MAIN", "u", "c", [delete("m", "mapping"), delete("2")])
    assert ids(store, "MAIN") == ["1"]


def test_mapping_to_an_external_code_needs_no_target_concept(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    store.commit(
        "MAIN",
        "u",
        "c",
        [
            Create(
                "mapping",
                "m",
                {
                    "source_id": "1",
                    "map_type": "SAME-AS",
                    "target_code_system": "ICD10",
                    "target_code": "A00",
                },
            )
        ],
    )
    assert store.get(MAIN, "mapping", "m").fields["target_code"] == "A00"


def test_mapping_needs_some_target(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    with pytest.raises(InvalidComponent):
        store.commit(
            "MAIN", "u", "c", [Create("mapping", "m", {"source_id": "1", "map_type": "X"})]
        )


def test_failing_commit_leaves_nothing_behind_and_head_unmoved(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1")])
    head = store.get_branch("MAIN").head_ts
    with pytest.raises(MissingReference):
        store.commit(
            "MAIN", "u", "c", [concept("2"), change("1", module_id="m"), description("d", "zzz")]
        )
    assert store.get_branch("MAIN").head_ts == head
    assert ids(store, "MAIN") == ["1"]
    assert store.get(MAIN, "concept", "1").fields["module_id"] is None
    assert len(store.commits("MAIN")) == 2
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(schema.concepts)).scalar() == 1


def test_writes_to_a_read_only_branch_are_refused(store: RevisionStore) -> None:
    store.create_branch("MAIN", "v1", read_only=True)
    with pytest.raises(BranchReadOnly, match="read-only"):
        store.commit("MAIN/v1", "u", "c", [concept("1")])


def test_pages_continue_without_gap_or_overlap(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept(f"{i:03}") for i in range(25)])
    seen, after = [], None
    while True:
        page = store.page(MAIN, "concept", after=after, limit=7)
        assert page.total == 25
        seen += [c.id for c in page.items]
        after = page.next_after
        if after is None:
            break
    assert seen == [f"{i:03}" for i in range(25)]


def test_last_full_page_says_there_is_no_more(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept(str(i)) for i in range(4)])
    page = store.page(MAIN, "concept", limit=4)
    assert (len(page.items), page.next_after) == (4, None)


def test_pages_across_layers_skip_shadowed_and_deleted(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept(f"{i:02}") for i in range(30)])
    store.create_branch("MAIN", "a")
    store.commit(
        "MAIN/a", "u", "c", [delete(f"{i:02}") for i in range(0, 30, 3)] + [concept("05x")]
    )
    store.commit("MAIN/a", "u", "c", [change(f"{i:02}", module_id="a") for i in range(1, 30, 3)])
    expected = sorted([f"{i:02}" for i in range(30) if i % 3] + ["05x"])
    got, after = [], None
    while True:
        page = store.page(ReadPoint("MAIN/a"), "concept", after=after, limit=4)
        assert page.total == len(expected)
        got += [c.id for c in page.items]
        if (after := page.next_after) is None:
            break
    assert got == expected


def test_filters_by_ids_active_concept_and_source(store: RevisionStore) -> None:
    store.commit(
        "MAIN",
        "u",
        "c",
        [
            concept("1"),
            concept("2", active=False),
            concept("3"),
            description("d1", "1"),
            description("d2", "2"),
            description("d3", "1"),
            mapping("m1", "1", "2"),
            mapping("m2", "3", "1"),
        ],
    )
    assert ids(store, "MAIN", filter_=Filter.of(ids=["3", "1", "9"])) == ["1", "3"]
    assert ids(store, "MAIN", filter_=Filter.of(active=False)) == ["2"]
    assert ids(store, "MAIN", "description", filter_=Filter.of(concept_id="1")) == ["d1", "d3"]
    assert ids(store, "MAIN", "mapping", filter_=Filter.of(source_id="3")) == ["m2"]
    assert store.page(MAIN, "description", Filter.of(concept_id="1")).total == 2


def test_filter_uses_the_visible_revision_not_an_ancestors(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1"), concept("2")])
    store.create_branch("MAIN", "a")
    store.commit("MAIN/a", "u", "c", [Update("concept", "1", {"active": False})])
    assert ids(store, "MAIN/a", filter_=Filter.of(active=True)) == ["2"]
    assert store.page(ReadPoint("MAIN/a"), "concept", Filter.of(active=True)).total == 1
    assert ids(store, "MAIN", filter_=Filter.of(active=True)) == ["1", "2"]


def test_filter_on_an_unknown_field_is_refused(store: RevisionStore) -> None:
    with pytest.raises(InvalidRequest, match="Cannot filter concepts by 'colour'"):
        store.page(MAIN, "concept", Filter.of(colour="red"))


@pytest.mark.parametrize("limit", [-1, 10_001])
def test_limit_out_of_range_is_refused(store: RevisionStore, limit: int) -> None:
    with pytest.raises(InvalidRequest, match="limit"):
        store.page(MAIN, "concept", limit=limit)


def test_limit_zero_gives_only_the_total(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("1"), concept("2")])
    page = store.page(MAIN, "concept", limit=0)
    assert (page.items, page.total) == ([], 2)


def test_a_parent_must_be_visible(store: RevisionStore) -> None:
    with pytest.raises(MissingReference, match="concept 'nope'"):
        store.commit("MAIN", "u", "c", [concept("1", parents=["nope"])])


def test_deleting_a_parent_is_refused_while_children_point_at_it(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [concept("p"), concept("c", parents=["p"])])
    with pytest.raises(StillReferenced, match="concepts c still point at it"):
        store.commit("MAIN", "u", "c", [delete("p")])
    store.commit("MAIN", "u", "c", [change("c", parents=[]), delete("p")])
    assert ids(store, "MAIN") == ["c"]


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.sampled_from(["", " ", "x", "a/b", "é", "\x00", "\u00a0", "y" * 101, "z" * 256]),
    st.text(max_size=5),
    st.lists(st.sampled_from(["", "a", "b"]), max_size=3),
    st.tuples(st.sampled_from(["a", "b"])),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


@pytest.mark.parametrize("type_name", sorted(TYPES))
@settings(max_examples=400, deadline=None)
@given(
    component_id=st.one_of(
        st.sampled_from(["a", "", " ", "a/b", "é", "\t", "x" * 100, "x" * 101, "search"]),
        st.text(),
        st.none(),
    ),
    data=st.data(),
)
def test_fast_check_agrees_with_validate(type_name: str, component_id: object, data) -> None:
    ctype = TYPES[type_name]
    names = [*ctype.field_names, "unknown"]
    content = data.draw(st.dictionaries(st.sampled_from(names), _values, max_size=6))
    try:
        expected = validate(ctype, component_id, content)
    except InvalidComponent:
        expected = None
    fast = fast_check(ctype)(component_id, content)
    if fast is None:
        return  # "in doubt": the loader asks validate, whose verdict stands
    assert expected is not None, "the fast check accepted what validate refuses"
    as_lists = [list(v) if isinstance(v, tuple) else v for v in fast]
    assert as_lists == [expected[name] for name in ctype.field_names]


def test_fast_check_accepts_ordinary_rows_without_doubt() -> None:
    ordinary = {
        "concept": {"parents": ["a"], "module_id": "m", "extras": {"k": 1}},
        "description": {"concept_id": "a", "term": "Fever", "preferred": True},
        "mapping": {"source_id": "a", "target_code": "X1", "map_type": "SAME-AS", "sort_weight": 1},
    }
    for type_name, content in ordinary.items():
        ctype = TYPES[type_name]
        expected = validate(ctype, "id-1", content)
        assert fast_check(ctype)("id-1", content) == [expected[n] for n in ctype.field_names]
