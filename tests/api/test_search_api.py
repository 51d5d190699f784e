"""Search filters (DESIGN.md §4): concept ``term`` (case-insensitive word prefixes in any
order, best match first), ``active``, ``conceptClass``, ``id``, ``parent``, ``ancestor``,
``descendant``, ``effectiveTime``, ``module``; description and mapping filters; unknown
parameters; and the ``POST …/search`` twins."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from api.paging import encode_token
from revisions import Create, RevisionStore
from tests.api.helpers import codesystem, concept, description, error, ids, ok, version


@pytest.fixture
def world(client: FlaskClient, store: RevisionStore) -> FlaskClient:
    """A small hierarchy with terms, written in one commit:

    c1 Clinical finding (Finding, core)
    ├── c2 Heart attack (Finding, core)          also "Myocardial infarction"
    │   ├── c4 Heart attack of the left side (Finding, ext)
    │   └── c5 Attack of heart (Procedure, ext)
    └── c3 Heartburn (Finding, core, inactive)
    c6 Heart (Body part, core); c7 with only an inactive "Heart failure"
    Mappings m1 c2->c6, m2 c2->c1, m3 c4->c6.
    """
    concepts = [
        ("c1", {"concept_class": "Finding", "module_id": "core"}),
        ("c2", {"concept_class": "Finding", "module_id": "core", "parents": ["c1"]}),
        ("c3", {"concept_class": "Finding", "module_id": "core", "parents": ["c1"]}),
        ("c4", {"concept_class": "Finding", "module_id": "ext", "parents": ["c2"]}),
        ("c5", {"concept_class": "Procedure", "module_id": "ext", "parents": ["c2"]}),
        ("c6", {"concept_class": "Body part", "module_id": "core"}),
        ("c7", {}),
    ]
    changes = [Create("concept", cid, fields) for cid, fields in concepts]
    changes[2] = Create("concept", "c3", {**concepts[2][1], "active": False})
    for did, cid, term in [
        ("d1", "c1", "Clinical finding"),
        ("d2", "c2", "Heart attack"),
        ("d2b", "c2", "Myocardial infarction"),
        ("d3", "c3", "Heartburn"),
        ("d4", "c4", "Heart attack of the left side"),
        ("d5", "c5", "Attack of heart"),
        ("d6", "c6", "Heart"),
    ]:
        changes.append(Create("description", did, {"concept_id": cid, "term": term}))
    changes.append(
        Create("description", "d7", {"concept_id": "c7", "term": "Heart failure", "active": False})
    )
    for mid, source, target, map_type in [
        ("m1", "c2", "c6", "SAME-AS"),
        ("m2", "c2", "c1", "BROADER-THAN"),
        ("m3", "c4", "c6", "SAME-AS"),
    ]:
        fields = {"source_id": source, "target_id": target, "map_type": map_type}
        changes.append(Create("mapping", mid, fields))
    store.commit("MAIN", "seed", "search world", changes)
    return client


def _ids(client: FlaskClient, query: str, plural: str = "concepts") -> list[str]:
    return ids(client.get(f"/MAIN/{plural}?{query}"))


# --- term ----------------------------------------------------------------------------------


def test_term_is_case_insensitive(world: FlaskClient) -> None:
    assert set(_ids(world, "term=HEART ATTACK")) == {"c2", "c4", "c5"}
    assert _ids(world, "term=heart attack") == _ids(world, "term=HeArT aTtAcK")


def test_term_words_are_prefixes(world: FlaskClient) -> None:
    assert set(_ids(world, "term=hea att")) == {"c2", "c4", "c5"}
    assert set(_ids(world, "term=myo inf")) == {"c2"}


def test_term_words_match_in_any_order(world: FlaskClient) -> None:
    assert set(_ids(world, "term=attack heart")) == {"c2", "c4", "c5"}


def test_term_needs_every_word(world: FlaskClient) -> None:
    assert _ids(world, "term=heart left") == ["c4"]
    assert _ids(world, "term=heart nothing") == []


def test_term_matches_word_starts_only(world: FlaskClient) -> None:
    assert _ids(world, "term=eart") == []
    assert _ids(world, "term=burn") == []


def test_term_ignores_inactive_descriptions(world: FlaskClient) -> None:
    assert "c7" not in _ids(world, "term=heart")


def test_term_orders_by_match_quality_then_id(world: FlaskClient) -> None:
    found = _ids(world, "term=heart")
    assert found[0] == "c6"  # the whole term equals the text
    assert set(found) == {"c2", "c3", "c4", "c5", "c6"}
    assert found.index("c2") < found.index("c4")  # shorter term, same tier
    assert found.index("c2") < found.index("c5")  # starts with the text


def test_term_ties_are_ordered_by_id(client: FlaskClient) -> None:
    for cid in ("z", "b", "m"):
        concept(client, cid)
        description(client, f"d{cid}", cid, "Same term")
    assert _ids(client, "term=same term") == ["b", "m", "z"]


def test_term_search_total_is_exact(world: FlaskClient) -> None:
    data = ok(world.get("/MAIN/concepts?term=heart&limit=2"))
    assert data["total"] == 5
    assert len(data["items"]) == 2


def test_term_search_pages_with_search_after(world: FlaskClient) -> None:
    everything = _ids(world, "term=heart")
    first = ok(world.get("/MAIN/concepts?term=heart&limit=2"))
    second = ok(world.get(f"/MAIN/concepts?term=heart&limit=2&searchAfter={first['searchAfter']}"))
    third = ok(world.get(f"/MAIN/concepts?term=heart&limit=2&searchAfter={second['searchAfter']}"))
    paged = [c["id"] for page in (first, second, third) for c in page["items"]]
    assert paged == everything
    assert "searchAfter" not in third


def test_term_search_with_offset(world: FlaskClient) -> None:
    everything = _ids(world, "term=heart")
    assert _ids(world, "term=heart&offset=2&limit=2") == everything[2:4]


def test_term_search_sorted_by_id(world: FlaskClient) -> None:
    assert _ids(world, "term=heart&sort=id") == ["c2", "c3", "c4", "c5", "c6"]


def test_term_combines_with_other_filters(world: FlaskClient) -> None:
    assert set(_ids(world, "term=heart&active=true&conceptClass=Finding")) == {"c2", "c4"}


def test_an_empty_term_is_400(world: FlaskClient) -> None:
    error(world.get("/MAIN/concepts?term="), 400)


def test_a_term_of_punctuation_only_does_not_fail(world: FlaskClient) -> None:
    response = world.get("/MAIN/concepts?term=%28%29%2A%25")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.get_json()["items"] == []


def test_a_term_with_sql_wildcards_matches_literally(world: FlaskClient) -> None:
    assert _ids(world, "term=h_art") == []
    assert _ids(world, "term=h%25rt") == []


# --- other concept filters -----------------------------------------------------------------


def test_active_filters_both_ways(world: FlaskClient) -> None:
    assert _ids(world, "active=false") == ["c3"]
    assert "c3" not in _ids(world, "active=true")
    assert len(_ids(world, "active=true")) == 6


def test_active_must_be_true_or_false(world: FlaskClient) -> None:
    body = error(world.get("/MAIN/concepts?active=1"), 400)
    assert "active" in str(body)


def test_concept_class(world: FlaskClient) -> None:
    assert _ids(world, "conceptClass=Procedure") == ["c5"]
    assert _ids(world, "conceptClass=Body part") == ["c6"]
    assert _ids(world, "conceptClass=finding") == []


def test_module(world: FlaskClient) -> None:
    assert _ids(world, "module=ext") == ["c4", "c5"]


def test_id_is_repeatable(world: FlaskClient) -> None:
    assert _ids(world, "id=c5&id=c1&id=nope") == ["c1", "c5"]


def test_a_single_id(world: FlaskClient) -> None:
    assert _ids(world, "id=c3") == ["c3"]


def test_parent_gives_direct_children(world: FlaskClient) -> None:
    assert _ids(world, "parent=c2") == ["c4", "c5"]
    assert _ids(world, "parent=c1") == ["c2", "c3"]


def test_ancestor_gives_every_concept_below(world: FlaskClient) -> None:
    assert _ids(world, "ancestor=c1") == ["c2", "c3", "c4", "c5"]
    assert _ids(world, "ancestor=c4") == []


def test_descendant_gives_every_concept_above(world: FlaskClient) -> None:
    assert _ids(world, "descendant=c4") == ["c1", "c2"]
    assert _ids(world, "descendant=c1") == []


def test_ancestor_combines_with_other_filters(world: FlaskClient) -> None:
    assert _ids(world, "ancestor=c1&module=ext&conceptClass=Finding") == ["c4"]
    assert _ids(world, "ancestor=c1&id=c4&id=c6") == ["c4"]


def test_hierarchy_filters_follow_the_path(world: FlaskClient) -> None:
    world.post("/branches", json={"parent": "MAIN", "name": "a"})
    world.put("/MAIN/a/concepts/c6", json={"parents": ["c4"]})
    assert _ids(world, "ancestor=c1") == ["c2", "c3", "c4", "c5"]
    assert ids(world.get("/MAIN/a/concepts?ancestor=c1")) == ["c2", "c3", "c4", "c5", "c6"]


def test_an_unknown_hierarchy_anchor_gives_nothing_or_404(world: FlaskClient) -> None:
    response = world.get("/MAIN/concepts?ancestor=nope")
    if response.status_code == 200:
        assert response.get_json()["items"] == []
    else:
        error(response, 404)


def test_effective_time(client: FlaskClient) -> None:
    codesystem(client, "CS")
    concept(client, "old", path="CS")
    version(client, "CS", "v1", "20200101")
    concept(client, "mid", path="CS")
    version(client, "CS", "v2", "20210101")
    concept(client, "new", path="CS")
    assert ids(client.get("/CS/concepts?effectiveTime=20200101")) == ["old"]
    assert ids(client.get("/CS/concepts?effectiveTime=2021-01-01")) == ["mid"]
    assert ids(client.get("/CS/concepts?effectiveTime=20190101")) == []


def test_an_invalid_effective_time_is_400(world: FlaskClient) -> None:
    for value in ("2021", "20211301", "yesterday"):
        error(world.get(f"/MAIN/concepts?effectiveTime={value}"), 400)


# --- descriptions and mappings -------------------------------------------------------------


def test_descriptions_by_concept(world: FlaskClient) -> None:
    assert _ids(world, "conceptId=c2", "descriptions") == ["d2", "d2b"]


def test_descriptions_by_term(world: FlaskClient) -> None:
    assert set(_ids(world, "term=attack", "descriptions")) == {"d2", "d4", "d5"}
    assert _ids(world, "term=INFARC", "descriptions") == ["d2b"]


def test_descriptions_by_concept_and_term(world: FlaskClient) -> None:
    assert _ids(world, "conceptId=c2&term=heart", "descriptions") == ["d2"]


def test_descriptions_by_active(world: FlaskClient) -> None:
    assert _ids(world, "active=false", "descriptions") == ["d7"]


def test_mappings_by_source(world: FlaskClient) -> None:
    assert _ids(world, "sourceId=c2", "mappings") == ["m1", "m2"]


def test_mappings_by_target(world: FlaskClient) -> None:
    assert _ids(world, "targetId=c6", "mappings") == ["m1", "m3"]


def test_mappings_by_source_and_target(world: FlaskClient) -> None:
    assert _ids(world, "sourceId=c2&targetId=c6", "mappings") == ["m1"]


def test_mappings_by_map_type(world: FlaskClient) -> None:
    assert _ids(world, "mapType=BROADER-THAN", "mappings") == ["m2"]


# --- unknown parameters and sort -----------------------------------------------------------


@pytest.mark.parametrize(
    ("plural", "param"),
    [
        ("concepts", "colour=red"),
        ("concepts", "conceptId=c1"),
        ("concepts", "Term=heart"),
        ("descriptions", "parent=c1"),
        ("mappings", "term=heart"),
    ],
)
def test_an_unknown_parameter_is_400_naming_it(world: FlaskClient, plural: str, param: str) -> None:
    body = error(world.get(f"/MAIN/{plural}?{param}"), 400)
    assert param.split("=")[0] in " ".join(body["violations"])


def test_an_unknown_parameter_in_a_post_search_is_400(world: FlaskClient) -> None:
    body = error(world.post("/MAIN/concepts/search", json={"colour": "red"}), 400)
    assert "colour" in " ".join(body["violations"])


def test_sort_must_be_whitelisted(world: FlaskClient) -> None:
    body = error(world.get("/MAIN/concepts?sort=term"), 400)
    assert "moduleId[:asc|:desc]" in body["violations"][0]  # the message lists the choices
    error(world.get("/MAIN/concepts?sort=id;drop table concepts"), 400)
    error(world.get("/MAIN/concepts?sort=parents"), 400)  # a list: not sortable
    error(world.get("/MAIN/concepts?sort=moduleId:sideways"), 400)
    error(world.get("/MAIN/concepts?sort=module_id"), 400)  # API names only
    assert _ids(world, "sort=id") == sorted(_ids(world, ""))


def test_sort_by_a_field_puts_blanks_last_then_ties_by_id(world: FlaskClient) -> None:
    assert _ids(world, "sort=moduleId") == ["c1", "c2", "c3", "c6", "c4", "c5", "c7"]
    assert _ids(world, "sort=moduleId:desc") == ["c4", "c5", "c1", "c2", "c3", "c6", "c7"]
    assert _ids(world, "sort=term", "descriptions")[:3] == ["d5", "d1", "d6"]
    assert _ids(world, "sort=mapType:desc", "mappings") == ["m1", "m3", "m2"]


def test_sort_by_a_field_pages_with_search_after(world: FlaskClient) -> None:
    seen, token = [], None
    while True:
        query = "sort=conceptClass:desc&limit=2" + (f"&searchAfter={token}" if token else "")
        body = ok(world.get(f"/MAIN/concepts?{query}"))
        assert body["total"] == 7
        seen += [item["id"] for item in body["items"]]
        token = body.get("searchAfter")
        if token is None:
            break
    assert (
        seen == _ids(world, "sort=conceptClass:desc") == ["c5", "c1", "c2", "c3", "c4", "c6", "c7"]
    )


def test_sort_by_a_field_applies_to_term_matches(world: FlaskClient) -> None:
    # "Heartburn" (c3) matches too: its concept is inactive, its description is not.
    assert _ids(world, "term=heart&sort=moduleId:desc") == ["c4", "c5", "c2", "c3", "c6"]


def test_sort_token_of_another_order_is_400(world: FlaskClient) -> None:
    token = ok(world.get("/MAIN/concepts?limit=1"))["searchAfter"]  # an id-order key
    error(world.get(f"/MAIN/concepts?sort=moduleId&searchAfter={token}"), 400)
    token = ok(world.get("/MAIN/concepts?limit=1&sort=moduleId"))["searchAfter"]
    error(world.get(f"/MAIN/concepts?sort=active&searchAfter={token}"), 400)  # text for a bool


FORGED_SCORE_KEYS = [["x", "c1"], [2**63, "c1"], [1e19, "c1"], [1.5, "c1"], [5, 6], ["c1"]]


@pytest.mark.parametrize("key", FORGED_SCORE_KEYS)
def test_a_forged_key_on_a_term_search_is_400(world: FlaskClient, key: list[Any]) -> None:
    # (score, id): a score that is not a whole number of 64 bits was a 500
    token = encode_token(key)
    error(world.get(f"/MAIN/concepts?term=heart&searchAfter={token}"), 400)
    error(world.post("/MAIN/concepts/search", json={"term": "heart", "searchAfter": token}), 400)


def test_a_search_word_longer_than_an_index_holds_is_400(world: FlaskClient) -> None:
    body = error(world.get(f"/MAIN/concepts?term={'x' * 2048}"), 400)
    assert "longer than 2,047 bytes" in body["message"]
    error(world.get(f"/MAIN/descriptions?term=heart%20{'y' * 2048}"), 400)


def test_a_search_by_70000_ids_is_answered(world: FlaskClient) -> None:
    many = [f"x{i}" for i in range(70_000)] + ["c1"]
    found = ok(world.post("/MAIN/concepts/search", json={"id": many}))
    assert ([c["id"] for c in found["items"]], found["total"]) == (["c1"], 1)


def test_a_number_as_an_id_order_key_is_400(world: FlaskClient) -> None:
    error(world.get(f"/MAIN/concepts?searchAfter={encode_token([5])}"), 400)


# --- POST …/search twins -------------------------------------------------------------------

TWINS = [
    ("concepts", "term=heart", {"term": "heart"}),
    ("concepts", "term=heart&limit=2", {"term": "heart", "limit": 2}),
    ("concepts", "active=false", {"active": False}),
    ("concepts", "active=true&module=core", {"active": True, "module": "core"}),
    ("concepts", "id=c1&id=c5", {"id": ["c1", "c5"]}),
    ("concepts", "id=c1", {"id": ["c1"]}),  # a body's id is a list (docs/api.md)
    ("concepts", "ancestor=c1&limit=2&offset=1", {"ancestor": "c1", "limit": 2, "offset": 1}),
    ("concepts", "descendant=c4", {"descendant": "c4"}),
    ("concepts", "parent=c2&expand=fsn()", {"parent": "c2", "expand": "fsn()"}),
    ("concepts", "conceptClass=Finding", {"conceptClass": "Finding"}),
    ("descriptions", "conceptId=c2", {"conceptId": "c2"}),
    ("descriptions", "term=heart", {"term": "heart"}),
    ("mappings", "sourceId=c2", {"sourceId": "c2"}),
    ("mappings", "targetId=c6", {"targetId": "c6"}),
]


@pytest.mark.parametrize(("plural", "query", "body"), TWINS)
def test_post_search_gives_the_same_results_as_get(
    world: FlaskClient, plural: str, query: str, body: dict
) -> None:
    by_get = ok(world.get(f"/MAIN/{plural}?{query}"))
    by_post = ok(world.post(f"/MAIN/{plural}/search", json=body))
    assert by_post == by_get


def test_post_search_pages_with_search_after_like_get(world: FlaskClient) -> None:
    first = ok(world.post("/MAIN/concepts/search", json={"limit": 2}))
    second = ok(
        world.post("/MAIN/concepts/search", json={"limit": 2, "searchAfter": first["searchAfter"]})
    )
    by_get = ok(world.get(f"/MAIN/concepts?limit=2&searchAfter={first['searchAfter']}"))
    assert second == by_get


def test_post_search_with_an_empty_body_lists_everything(world: FlaskClient) -> None:
    assert ok(world.post("/MAIN/concepts/search", json={})) == ok(world.get("/MAIN/concepts"))


def test_post_search_checks_limits_like_get(world: FlaskClient) -> None:
    error(world.post("/MAIN/concepts/search", json={"limit": 10001}), 400)
    error(world.post("/MAIN/concepts/search", json={"limit": 5000, "offset": 5001}), 400)
    error(world.post("/MAIN/concepts/search", json={"searchAfter": "garbage!!"}), 400)


def test_post_search_takes_csv_too(world: FlaskClient) -> None:
    response = world.post(
        "/MAIN/concepts/search", json={"id": ["c1"]}, headers={"Accept": "text/csv"}
    )
    assert response.headers["Content-Type"] == "text/csv;charset=UTF-8"
    assert response.get_data(as_text=True).splitlines()[1].startswith("c1,")
