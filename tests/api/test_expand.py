"""The ``expand`` parameter over HTTP (DESIGN.md §4): every concept expansion, options,
nested expansions, the spec example verbatim, and 400 for malformed or unknown ones."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from revisions import Create, RevisionStore
from tests.api.helpers import error, ok


@pytest.fixture
def tree(client: FlaskClient, store: RevisionStore) -> FlaskClient:
    """root <- mid <- leaf (parents), plus other <- leaf; descriptions and mappings on mid."""

    def described(did: str, term: str, kind: str, **fields: object) -> Create:
        content = {"concept_id": "mid", "term": term, "type": kind, **fields}
        return Create("description", did, content)

    def mapped(mid: str, source: str, target: str, map_type: str = "SAME-AS") -> Create:
        fields = {"source_id": source, "target_id": target, "map_type": map_type}
        return Create("mapping", mid, fields)

    store.commit(
        "MAIN",
        "seed",
        "tree",
        [
            Create("concept", "root", {}),
            Create("concept", "other", {}),
            Create("concept", "mid", {"parents": ["root"]}),
            Create("concept", "leaf", {"parents": ["mid", "other"]}),
            described("d1", "Middle (thing)", "FSN", preferred=True),
            described("d2", "Middle", "SYNONYM", preferred=True),
            described("d3", "Centre", "SYNONYM", preferred=False),
            described("d4", "Old middle", "FSN", active=False),
            described("d5", "A thing in the middle", "DEFINITION"),
            mapped("m1", "mid", "root"),
            mapped("m2", "mid", "other", "NARROWER-THAN"),
            mapped("m3", "leaf", "root"),
        ],
    )
    return client


def _mid(client: FlaskClient, expand: str) -> dict:
    return ok(client.get(f"/MAIN/concepts/mid?expand={expand}"))


def _ids(envelope: dict) -> list[str]:
    return [item["id"] for item in envelope["items"]]


def test_fsn_is_the_active_fully_specified_name(tree: FlaskClient) -> None:
    fsn = _mid(tree, "fsn()")["fsn"]
    assert fsn["id"] == "d1"
    assert fsn["term"] == "Middle (thing)"
    assert fsn["conceptId"] == "mid"


def test_pt_is_the_preferred_synonym(tree: FlaskClient) -> None:
    pt = _mid(tree, "pt()")["pt"]
    assert pt["id"] == "d2"
    assert pt["term"] == "Middle"


def test_a_concept_without_an_fsn_omits_the_field(tree: FlaskClient) -> None:
    data = ok(tree.get("/MAIN/concepts/root?expand=fsn(),pt()"))
    assert "fsn" not in data
    assert "pt" not in data


def test_without_expand_no_expansion_fields_appear(tree: FlaskClient) -> None:
    data = ok(tree.get("/MAIN/concepts/mid"))
    assert set(data) & {"fsn", "pt", "descriptions", "mappings", "parentConcepts"} == set()


def test_descriptions_are_a_list_envelope_of_all_descriptions(tree: FlaskClient) -> None:
    descriptions = _mid(tree, "descriptions()")["descriptions"]
    assert descriptions["total"] == 5
    assert descriptions["limit"] == 50
    assert descriptions["offset"] == 0
    assert sorted(_ids(descriptions)) == ["d1", "d2", "d3", "d4", "d5"]


def test_descriptions_limit_1_gives_one_item_and_the_full_total(tree: FlaskClient) -> None:
    descriptions = _mid(tree, "descriptions(limit:1)")["descriptions"]
    assert len(descriptions["items"]) == 1
    assert descriptions["limit"] == 1
    assert descriptions["total"] == 5


def test_mappings_are_a_list_envelope_of_the_mappings_from_the_concept(
    tree: FlaskClient,
) -> None:
    mappings = _mid(tree, "mappings()")["mappings"]
    assert mappings["total"] == 2
    assert sorted(_ids(mappings)) == ["m1", "m2"]
    assert {m["sourceId"] for m in mappings["items"]} == {"mid"}


def test_parents_are_returned_as_parent_concepts(tree: FlaskClient) -> None:
    data = ok(tree.get("/MAIN/concepts/leaf?expand=parents()"))
    assert data["parents"] == ["mid", "other"]
    assert data["parentConcepts"]["total"] == 2
    assert _ids(data["parentConcepts"]) == ["mid", "other"]
    assert data["parentConcepts"]["items"][0]["parents"] == ["root"]


def test_children_are_the_direct_children(tree: FlaskClient) -> None:
    children = ok(tree.get("/MAIN/concepts/root?expand=children()"))["children"]
    assert _ids(children) == ["mid"]
    assert children["total"] == 1


def test_ancestors_are_transitive(tree: FlaskClient) -> None:
    ancestors = ok(tree.get("/MAIN/concepts/leaf?expand=ancestors()"))["ancestors"]
    assert sorted(_ids(ancestors)) == ["mid", "other", "root"]
    assert ancestors["total"] == 3


def test_descendants_are_transitive(tree: FlaskClient) -> None:
    descendants = ok(tree.get("/MAIN/concepts/root?expand=descendants()"))["descendants"]
    assert sorted(_ids(descendants)) == ["leaf", "mid"]


def test_a_leaf_has_empty_children_envelope(tree: FlaskClient) -> None:
    children = ok(tree.get("/MAIN/concepts/leaf?expand=children()"))["children"]
    assert children == {"items": [], "offset": 0, "limit": 50, "total": 0}


def test_concept_collections_take_a_limit(tree: FlaskClient) -> None:
    ancestors = ok(tree.get("/MAIN/concepts/leaf?expand=ancestors(limit:1)"))["ancestors"]
    assert len(ancestors["items"]) == 1
    assert ancestors["total"] == 3


def test_a_nested_expansion_expands_the_related_concepts(tree: FlaskClient) -> None:
    data = ok(tree.get("/MAIN/concepts/root?expand=children(expand(fsn(),descriptions(limit:1)))"))
    child = data["children"]["items"][0]
    assert child["id"] == "mid"
    assert child["fsn"]["id"] == "d1"
    assert child["descriptions"]["total"] == 5
    assert len(child["descriptions"]["items"]) == 1


def test_nested_expansions_go_several_levels_deep(tree: FlaskClient) -> None:
    url = "/MAIN/concepts/leaf?expand=parents(expand(parents(expand(pt()))))"
    mid = ok(tree.get(url))["parentConcepts"]["items"][0]
    assert mid["id"] == "mid"
    root = mid["parentConcepts"]["items"][0]
    assert root["id"] == "root"
    assert "pt" not in root


def test_several_expansions_at_once(tree: FlaskClient) -> None:
    data = _mid(tree, "fsn(),pt(),descriptions(),mappings(),parents(),children()")
    assert {"fsn", "pt", "descriptions", "mappings", "parentConcepts", "children"} <= set(data)


def test_expansions_apply_to_every_item_of_a_search(tree: FlaskClient) -> None:
    data = ok(tree.get("/MAIN/concepts?expand=mappings(),parents()"))
    by_id = {item["id"]: item for item in data["items"]}
    assert by_id["leaf"]["mappings"]["total"] == 1
    assert by_id["mid"]["mappings"]["total"] == 2
    assert by_id["root"]["mappings"]["total"] == 0
    assert _ids(by_id["leaf"]["parentConcepts"]) == ["mid", "other"]


def test_whitespace_around_expansions_is_ignored(tree: FlaskClient) -> None:
    data = _mid(tree, " fsn( ) , descriptions( limit : 2 ) ")
    assert data["fsn"]["id"] == "d1"
    assert len(data["descriptions"]["items"]) == 2


def test_the_spec_example_works_verbatim(tree: FlaskClient) -> None:
    response = tree.get("/MAIN/concepts?offset=0&limit=50&expand=fsn(),descriptions()")
    data = ok(response)
    assert data["offset"] == 0
    assert data["limit"] == 50
    assert data["total"] == 4
    mid = next(item for item in data["items"] if item["id"] == "mid")
    assert mid["fsn"]["term"] == "Middle (thing)"
    assert mid["descriptions"]["offset"] == 0
    assert mid["descriptions"]["total"] == 5
    assert set(mid["descriptions"]) == {"items", "offset", "limit", "total"}


def test_expand_in_a_post_search_body(tree: FlaskClient) -> None:
    response = tree.post("/MAIN/concepts/search", json={"id": ["mid"], "expand": "fsn()"})
    assert ok(response)["items"][0]["fsn"]["id"] == "d1"


def test_expansions_follow_the_path(tree: FlaskClient) -> None:
    tree.post("/branches", json={"parent": "MAIN", "name": "a"})
    tree.put("/MAIN/a/descriptions/d1", json={"term": "Middle (changed)"})
    assert _mid(tree, "fsn()")["fsn"]["term"] == "Middle (thing)"
    on_a = ok(tree.get("/MAIN/a/concepts/mid?expand=fsn()"))
    assert on_a["fsn"]["term"] == "Middle (changed)"


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expand",
    [
        "fsn(",
        "fsn",
        "fsn()x",
        "fsn(),",
        ",fsn()",
        "fsn()),",
        "(fsn)",
        "1fsn()",
        "fsn(),fsn()",
        "descriptions(limit)",
        "descriptions(limit:)",
        "descriptions(limit:1,limit:2)",
        "descriptions(expand(fsn())",
        "children(expand())",
    ],
)
def test_a_malformed_expand_is_400_naming_the_position(tree: FlaskClient, expand: str) -> None:
    body = error(tree.get(f"/MAIN/concepts/mid?expand={expand}"), 400)
    assert "expand" in body["message"].lower()
    assert "position" in body["message"]


@pytest.mark.parametrize(
    "expand",
    [
        "nope()",
        "fsn(),nope()",
        "parentConcepts()",
        "children(expand(nope()))",
        "descendants(expand(children(expand(nope()))))",
    ],
)
def test_an_unknown_expansion_is_400_naming_it(tree: FlaskClient, expand: str) -> None:
    body = error(tree.get(f"/MAIN/concepts?expand={expand}"), 400)
    assert "nope" in str(body) or "parentConcepts" in str(body)


@pytest.mark.parametrize(
    "expand",
    [
        "descriptions(limit:x)",
        "descriptions(limit:-1)",
        "descriptions(limit:10001)",
        "children(limit:1.5)",
    ],
)
def test_a_bad_expansion_option_is_400(tree: FlaskClient, expand: str) -> None:
    error(tree.get(f"/MAIN/concepts/mid?expand={expand}"), 400)


def test_an_unknown_expansion_option_is_400(tree: FlaskClient) -> None:
    body = error(tree.get("/MAIN/concepts/mid?expand=descriptions(colour:red)"), 400)
    assert "colour" in body["message"] + str(body.get("violations"))


@pytest.mark.parametrize("plural", ["descriptions", "mappings"])
def test_descriptions_and_mappings_have_no_concept_expansions(
    tree: FlaskClient, plural: str
) -> None:
    error(tree.get(f"/MAIN/{plural}?expand=fsn()"), 400)
