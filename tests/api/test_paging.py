"""Lists (DESIGN.md §4): the envelope ``{items, offset?, limit, total, searchAfter?}``, the
default limit of 50, the 10,000 limits, ``searchAfter`` paging without overlap or gap, and
exact totals."""

from __future__ import annotations

import base64

import pytest
from flask.testing import FlaskClient

from revisions import Create, RevisionStore
from tests.api.helpers import branch, codesystem, concept, error, ids, ok, version

COUNT = 57  # more than one default page


@pytest.fixture
def many(client: FlaskClient, store: RevisionStore) -> FlaskClient:
    """MAIN with COUNT concepts c00..c56, each with one description, in one commit."""
    changes = [Create("concept", f"c{i:02}", {}) for i in range(COUNT)]
    changes += [
        Create("description", f"d{i:02}", {"concept_id": f"c{i:02}", "term": f"heart {i:02}"})
        for i in range(COUNT)
    ]
    store.commit("MAIN", "seed", "seed", changes)
    return client


ALL = [f"c{i:02}" for i in range(COUNT)]


def _all_pages(client: FlaskClient, url: str, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    token = None
    while True:
        suffix = f"&searchAfter={token}" if token else ""
        data = ok(client.get(f"{url}{'&' if '?' in url else '?'}limit={limit}{suffix}"))
        pages.append([item["id"] for item in data["items"]])
        token = data.get("searchAfter")
        if token is None:
            return pages
        assert len(pages) <= COUNT + 1, "searchAfter never ends"


# --- the envelope --------------------------------------------------------------------------


def test_a_list_is_the_envelope(many: FlaskClient) -> None:
    data = ok(many.get("/MAIN/concepts?limit=10"))
    assert set(data) == {"items", "offset", "limit", "total", "searchAfter"}
    assert data["offset"] == 0
    assert data["limit"] == 10
    assert data["total"] == COUNT
    assert [item["id"] for item in data["items"]] == ALL[:10]
    assert isinstance(data["searchAfter"], str)


def test_the_default_limit_is_50(many: FlaskClient) -> None:
    data = ok(many.get("/MAIN/concepts"))
    assert data["limit"] == 50
    assert len(data["items"]) == 50
    assert data["total"] == COUNT


def test_the_last_page_has_no_search_after(many: FlaskClient) -> None:
    data = ok(many.get("/MAIN/concepts?limit=100"))
    assert len(data["items"]) == COUNT
    assert "searchAfter" not in data


def test_an_exactly_full_last_page_has_no_search_after(many: FlaskClient) -> None:
    data = ok(many.get(f"/MAIN/concepts?limit={COUNT}"))
    assert len(data["items"]) == COUNT
    assert "searchAfter" not in data


def test_an_empty_list_is_an_envelope_with_total_0(client: FlaskClient) -> None:
    data = ok(client.get("/MAIN/concepts"))
    assert data == {"items": [], "offset": 0, "limit": 50, "total": 0}


def test_limit_0_gives_only_the_total(many: FlaskClient) -> None:
    data = ok(many.get("/MAIN/concepts?limit=0"))
    assert data["items"] == []
    assert data["total"] == COUNT
    assert "searchAfter" not in data


def test_the_total_is_exact_whatever_the_page(many: FlaskClient) -> None:
    for query in ("limit=1", "limit=5&offset=50", "limit=10000", "active=true&limit=3"):
        assert ok(many.get(f"/MAIN/concepts?{query}"))["total"] == COUNT, query


def test_the_total_counts_only_matches(many: FlaskClient) -> None:
    data = ok(many.get("/MAIN/concepts?id=c01&id=c02&id=zz&limit=1"))
    assert data["total"] == 2
    assert [item["id"] for item in data["items"]] == ["c01"]


def test_offset_skips_items(many: FlaskClient) -> None:
    data = ok(many.get("/MAIN/concepts?offset=50&limit=5"))
    assert data["offset"] == 50
    assert [item["id"] for item in data["items"]] == ALL[50:55]


def test_an_offset_past_the_end_is_an_empty_page(many: FlaskClient) -> None:
    data = ok(many.get("/MAIN/concepts?offset=100&limit=5"))
    assert data["items"] == []
    assert data["total"] == COUNT


# --- limits --------------------------------------------------------------------------------


def test_limit_10000_is_allowed(many: FlaskClient) -> None:
    assert len(ok(many.get("/MAIN/concepts?limit=10000"))["items"]) == COUNT


def test_limit_above_10000_is_400(many: FlaskClient) -> None:
    assert "limit" in error(many.get("/MAIN/concepts?limit=10001"), 400)["message"]


def test_offset_plus_limit_above_10000_is_400(many: FlaskClient) -> None:
    body = error(many.get("/MAIN/concepts?offset=9951&limit=50"), 400)
    assert "searchAfter" in body["message"]


def test_offset_plus_limit_of_exactly_10000_is_allowed(many: FlaskClient) -> None:
    assert ok(many.get("/MAIN/concepts?offset=9950&limit=50"))["items"] == []


@pytest.mark.parametrize("name", ["limit", "offset"])
@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "1e2", " 5", "0x10", "²"])
def test_a_negative_or_non_numeric_limit_or_offset_is_400(
    many: FlaskClient, name: str, value: str
) -> None:
    assert name in error(many.get(f"/MAIN/concepts?{name}={value}"), 400)["message"]


@pytest.mark.parametrize(
    "token",
    [
        "garbage!!",
        "e30",  # {}
        "WzEsMl0",  # [1,2]: wrong length for id order
        "W251bGxd",  # [null]
        base64.urlsafe_b64encode(b"[[1]]").decode(),
        "x" * 5000,
        "%FF",
    ],
)
def test_a_search_after_that_is_not_a_token_is_400(many: FlaskClient, token: str) -> None:
    body = error(many.get(f"/MAIN/concepts?searchAfter={token}"), 400)
    assert "searchAfter" in body["message"]


def test_offset_and_search_after_together_are_400(many: FlaskClient) -> None:
    token = ok(many.get("/MAIN/concepts?limit=5"))["searchAfter"]
    error(many.get(f"/MAIN/concepts?offset=5&searchAfter={token}"), 400)


# --- searchAfter ---------------------------------------------------------------------------


def test_search_after_pages_through_without_overlap_or_gap(many: FlaskClient) -> None:
    pages = _all_pages(many, "/MAIN/concepts", 10)
    assert [len(p) for p in pages] == [10, 10, 10, 10, 10, 7]
    assert [i for page in pages for i in page] == ALL


def test_search_after_pages_through_a_filtered_list(many: FlaskClient) -> None:
    wanted = [f"c{i:02}" for i in range(0, COUNT, 3)]
    query = "&".join(f"id={i}" for i in wanted)
    pages = _all_pages(many, f"/MAIN/concepts?{query}", 4)
    assert [i for page in pages for i in page] == wanted


def test_search_after_pages_through_a_term_search(many: FlaskClient) -> None:
    everything = ids(many.get("/MAIN/concepts?term=heart&limit=100"))
    assert sorted(everything) == ALL
    pages = _all_pages(many, "/MAIN/concepts?term=heart", 7)
    assert [i for page in pages for i in page] == everything


def test_search_after_pages_through_descriptions(many: FlaskClient) -> None:
    pages = _all_pages(many, "/MAIN/descriptions", 20)
    assert [i for page in pages for i in page] == [f"d{i:02}" for i in range(COUNT)]


def test_search_after_pages_through_mappings(many: FlaskClient, store: RevisionStore) -> None:
    store.commit(
        "MAIN",
        "seed",
        "maps",
        [
            Create("mapping", f"m{i}", {"source_id": "c00", "target_id": "c01", "map_type": "X"})
            for i in range(5)
        ],
    )
    pages = _all_pages(many, "/MAIN/mappings", 2)
    assert pages == [["m0", "m1"], ["m2", "m3"], ["m4"]]


def test_the_page_after_a_token_continues_with_the_same_total(many: FlaskClient) -> None:
    first = ok(many.get("/MAIN/concepts?limit=20"))
    second = ok(many.get(f"/MAIN/concepts?limit=20&searchAfter={first['searchAfter']}"))
    assert second["total"] == COUNT
    assert [item["id"] for item in second["items"]] == ALL[20:40]


def test_search_after_is_stable_under_commits_when_the_path_is_pinned(
    many: FlaskClient,
) -> None:
    head = ok(many.get("/branches/MAIN"))["headTimestamp"]
    pinned = f"/MAIN@{head}/concepts"
    first = ok(many.get(f"{pinned}?limit=30"))
    concept(many, "a-first")  # sorts before every seeded id
    many.delete("/MAIN/concepts/c40")
    rest = ok(many.get(f"{pinned}?limit=30&searchAfter={first['searchAfter']}"))
    assert [i["id"] for i in first["items"] + rest["items"]] == ALL
    assert rest["total"] == COUNT


def test_a_token_from_one_list_is_refused_by_another(many: FlaskClient) -> None:
    # A token holds its own order's key (docs/api.md, sort): a term search's (rank, id) is
    # no place in an id list, so the list refuses it rather than guess where to go on.
    token = ok(many.get("/MAIN/concepts?term=heart&limit=5"))["searchAfter"]
    assert token is not None
    body = error(many.get(f"/MAIN/concepts?limit=5&searchAfter={token}"), 400)
    assert body["message"] == "searchAfter is not a token this server issued."


# --- other lists ---------------------------------------------------------------------------


def test_branch_lists_use_the_envelope_and_the_limits(client: FlaskClient) -> None:
    for name in ("a", "b", "c"):
        branch(client, "MAIN", name)
    data = ok(client.get("/branches?limit=2&offset=1"))
    assert set(data) >= {"items", "limit", "total"}
    assert data["limit"] == 2
    assert data["total"] == 4
    assert [b["path"] for b in data["items"]] == ["MAIN/a", "MAIN/b"]
    error(client.get("/branches?limit=10001"), 400)
    error(client.get("/branches?offset=9999&limit=2"), 400)
    error(client.get("/branches/MAIN/children?limit=-1"), 400)


def test_code_system_and_version_lists_use_the_envelope(client: FlaskClient) -> None:
    codesystem(client, "A")
    codesystem(client, "B")
    version(client, "A", "v1", "20200101")
    version(client, "A", "v2", "20210101")
    systems = ok(client.get("/codesystems?limit=1"))
    assert systems["total"] == 2
    assert [c["id"] for c in systems["items"]] == ["A"]
    versions = ok(client.get("/codesystems/A/versions?offset=1"))
    assert versions["total"] == 2
    assert [v["version"] for v in versions["items"]] == ["v2"]
    assert versions["limit"] == 50
    error(client.get("/codesystems?limit=abc"), 400)


def test_the_commit_log_total_is_exact_while_paging(client: FlaskClient) -> None:
    for i in range(4):
        concept(client, f"c{i}")
    everything = ok(client.get("/commits?branch=MAIN"))
    assert everything["total"] == 5  # MAIN's creation and four commits
    first = ok(client.get("/commits?branch=MAIN&limit=2"))
    assert first["total"] == 5
    assert len(first["items"]) == 2


def test_the_commit_log_pages_with_search_after(client: FlaskClient) -> None:
    for i in range(4):
        concept(client, f"c{i}")
    everything = [c["timestamp"] for c in ok(client.get("/commits?branch=MAIN"))["items"]]
    seen: list[int] = []
    token = None
    while True:
        suffix = f"&searchAfter={token}" if token else ""
        data = ok(client.get(f"/commits?branch=MAIN&limit=2{suffix}"))
        seen += [c["timestamp"] for c in data["items"]]
        if (token := data.get("searchAfter")) is None:
            break
    assert seen == everything
    assert len(everything) == 5


def test_the_total_is_repeated_in_a_header(many: FlaskClient) -> None:
    response = many.get("/MAIN/concepts?limit=3")
    assert response.headers["X-Total-Count"] == str(COUNT)
    csv = many.get("/MAIN/concepts?limit=3", headers={"Accept": "text/csv"})
    assert csv.headers["X-Total-Count"] == str(COUNT)
