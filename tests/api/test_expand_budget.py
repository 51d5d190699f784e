"""The expansion budget (docs/api.md, "Expansion budget") and checks made before reading:
a request over the budget, or with a malformed option, is a 400 in the error shape whether
or not the page has items; within the budget, a page's nested expansions are computed once
for the page and give what each concept's own request gives."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from api import expansions
from api.expand import parse_expand
from revisions import Create, RevisionStore
from tests.api.helpers import error, ok


@pytest.fixture
def family(client: FlaskClient, store: RevisionStore) -> FlaskClient:
    """root <- a, b; a <- c; b <- c (two parents), each with a preferred synonym."""
    concepts = {"root": [], "a": ["root"], "b": ["root"], "c": ["a", "b"]}
    changes = [Create("concept", cid, {"parents": parents}) for cid, parents in concepts.items()]
    changes += [
        Create(
            "description",
            f"d-{cid}",
            {"concept_id": cid, "term": cid.upper(), "type": "SYNONYM", "preferred": True},
        )
        for cid in concepts
    ]
    store.commit("MAIN", "seed", "family", changes)
    return client


def test_the_budget_refuses_nested_expansions_on_a_large_page(family: FlaskClient) -> None:
    expand = "fsn(),pt(),children(expand(pt()))"
    body = error(family.get(f"/MAIN/concepts?limit=10000&expand={expand}"), 400)
    assert body["message"] == (
        "The expansions cost 53 units per concept, 530,000 on a page of 10,000; the budget is "
        "10,000 units a request: ask for at most 188 concepts per page with these expansions."
    )


def test_the_largest_page_the_budget_names_is_allowed(family: FlaskClient) -> None:
    expand = "fsn(),pt(),children(expand(pt()))"
    most = expansions.largest_page(parse_expand(expand))
    assert most == 188
    data = ok(family.get(f"/MAIN/concepts?limit={most}&expand={expand}"))
    assert [item["pt"]["term"] for item in data["items"]] == ["A", "B", "C", "ROOT"]
    error(family.get(f"/MAIN/concepts?limit={most + 1}&expand={expand}"), 400)


def test_a_smaller_nested_limit_lowers_the_cost(family: FlaskClient) -> None:
    ok(family.get("/MAIN/concepts?limit=1428&expand=children(limit:5,expand(pt()))"))
    error(family.get("/MAIN/concepts?limit=1429&expand=children(limit:5,expand(pt()))"), 400)


def test_one_kind_of_expansion_fits_the_largest_page(family: FlaskClient) -> None:
    data = ok(family.get("/MAIN/concepts?limit=10000&expand=fsn(),pt(),descriptions()"))
    assert data["items"][0]["descriptions"]["total"] == 1


def test_two_kinds_of_expansion_fit_half_the_largest_page(family: FlaskClient) -> None:
    ok(family.get("/MAIN/concepts?limit=5000&expand=descriptions(),mappings()"))
    body = error(family.get("/MAIN/concepts?limit=5001&expand=descriptions(),mappings()"), 400)
    assert body["message"].endswith(
        "ask for at most 5,000 concepts per page with these expansions."
    )


def test_the_budget_applies_to_post_searches(family: FlaskClient) -> None:
    body = {"limit": 10_000, "expand": "descendants()"}
    message = error(family.post("/MAIN/concepts/search", json=body), 400)["message"]
    assert message.startswith("The expansions cost 10 units per concept, 100,000 on a page ")
    assert "the budget is 10,000 units a request: ask for at most 1,000 concepts" in message


def test_a_walk_past_its_bound_is_refused_naming_the_filter(
    family: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(expansions, "MAX_RELATED", 3)
    body = error(family.get("/MAIN/concepts?expand=ancestors()"), 400)  # 0 + 1 + 1 + 3
    assert body["message"] == (
        "ancestors() of this page lists more than 3 concepts in all, more than can be "
        "answered in bounded time: ask for fewer concepts per page, or page through them "
        "with the 'descendant' filter."
    )
    assert ok(family.get("/MAIN/concepts/root?expand=descendants()"))["descendants"]["total"] == 3
    assert ok(family.get("/MAIN/concepts/c?expand=ancestors()"))["ancestors"]["total"] == 3


def test_a_malformed_option_is_400_on_an_empty_page(family: FlaskClient) -> None:
    response = family.get("/MAIN/concepts?module=none&expand=descriptions(limit:x)")
    body = error(response, 400)
    assert body["message"] == (
        "Invalid expand: option 'limit' must be a whole number from 0 to 10000 (at position 0)."
    )


def test_a_malformed_nested_option_is_400_on_an_empty_page(family: FlaskClient) -> None:
    response = family.get("/MAIN/concepts?module=none&expand=children(expand(mappings(limit:-1)))")
    assert "option 'limit'" in error(response, 400)["message"]


def test_the_same_expansion_on_an_empty_page_is_fine(family: FlaskClient) -> None:
    data = ok(family.get("/MAIN/concepts?module=none&expand=descriptions(limit:1)"))
    assert data["items"] == []


def test_nested_expansions_of_a_page_equal_each_concepts_own(family: FlaskClient) -> None:
    expand = "children(expand(pt(),parents())),descendants(limit:1),ancestors()"
    page = ok(family.get(f"/MAIN/concepts?expand={expand}"))["items"]
    for item in page:
        alone = ok(family.get(f"/MAIN/concepts/{item['id']}?expand={expand}"))
        assert item == alone
    c = next(item for item in page if item["id"] == "c")
    assert c["ancestors"]["total"] == 3
    root = next(item for item in page if item["id"] == "root")
    assert [child["pt"]["term"] for child in root["children"]["items"]] == ["A", "B"]
    assert [d["id"] for d in root["descendants"]["items"]] == ["a"]
    assert (root["descendants"]["limit"], root["descendants"]["total"]) == (1, 3)


def test_the_budget_applies_to_one_concept_with_nested_walks(family: FlaskClient) -> None:
    expand = "descendants(limit:10000,expand(descendants()))"
    body = error(family.get(f"/MAIN/concepts/root?expand={expand}"), 400)
    assert body["message"] == (
        "The expansions cost 100,010 units per concept, 100,010 on a page of 1; the budget "
        "is 10,000 units a request: lower the nested limits."
    )
