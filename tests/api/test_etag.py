"""ETags (DESIGN.md §4): reads carry an ``ETag`` that changes with every commit visible to
that path and only then; ``If-None-Match`` with the current one answers 304 with no body."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import wait_for
from tests.api.helpers import branch, concept, description, mapping, ok

READS = [
    "/MAIN/a/concepts?expand=fsn()",
    "/MAIN/a/concepts/100",
    "/MAIN/a/concepts/100/history",
    "/MAIN/a/descriptions/d1",
    "/MAIN/a/mappings",
]


@pytest.fixture
def world(client: FlaskClient) -> FlaskClient:
    """MAIN/a with a concept, a description and a mapping; MAIN/b beside it."""
    concept(client, "100")
    concept(client, "200")
    description(client, "d1", "100", "Heart")
    mapping(client, "m1", "100", "200")
    branch(client, "MAIN", "a")
    branch(client, "MAIN", "b")
    return client


def _etag(client: FlaskClient, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    etag = response.headers.get("ETag")
    assert etag, f"{url} has no ETag"
    return etag


@pytest.mark.parametrize("url", READS)
def test_a_read_carries_a_stable_etag(world: FlaskClient, url: str) -> None:
    assert _etag(world, url) == _etag(world, url)


@pytest.mark.parametrize("url", READS)
def test_the_etag_changes_after_a_commit_on_the_path(world: FlaskClient, url: str) -> None:
    before = _etag(world, url)
    world.put("/MAIN/a/descriptions/d1", json={"term": "Heart (changed)"})
    assert _etag(world, url) != before


@pytest.mark.parametrize("url", READS)
def test_the_etag_stays_after_a_commit_on_an_unrelated_branch(world: FlaskClient, url: str) -> None:
    before = _etag(world, url)
    world.put("/MAIN/b/descriptions/d1", json={"term": "Heart on b"})
    concept(world, "300", path="MAIN/b")
    assert _etag(world, url) == before


def test_the_etag_stays_after_a_parent_commit_the_branch_does_not_see(
    world: FlaskClient,
) -> None:
    before = _etag(world, "/MAIN/a/concepts")
    concept(world, "300")  # on MAIN, after MAIN/a's base
    assert _etag(world, "/MAIN/a/concepts") == before
    assert "300" not in [c["id"] for c in ok(world.get("/MAIN/a/concepts"))["items"]]


def test_the_etag_changes_when_a_rebase_makes_parent_commits_visible(
    world: FlaskClient,
) -> None:
    concept(world, "300")
    before = _etag(world, "/MAIN/a/concepts")
    response = world.post("/merges", json={"source": "MAIN", "target": "MAIN/a"})
    assert wait_for(world, response.headers["Location"])["status"] == "COMPLETED"
    assert _etag(world, "/MAIN/a/concepts") != before


def test_the_etag_of_a_pinned_path_never_changes(world: FlaskClient) -> None:
    head = ok(world.get("/branches/MAIN/a"))["headTimestamp"]
    url = f"/MAIN/a@{head}/concepts"
    before = _etag(world, url)
    concept(world, "300", path="MAIN/a")
    assert _etag(world, url) == before


def test_different_queries_have_different_etags(world: FlaskClient) -> None:
    assert _etag(world, "/MAIN/a/concepts?limit=1") != _etag(world, "/MAIN/a/concepts?limit=2")


def test_different_media_types_have_different_etags(world: FlaskClient) -> None:
    json_tag = _etag(world, "/MAIN/a/concepts")
    csv_tag = _etag(world, "/MAIN/a/concepts", Accept="text/csv")
    assert json_tag != csv_tag


@pytest.mark.parametrize("url", READS)
def test_if_none_match_with_the_current_etag_is_304_without_a_body(
    world: FlaskClient, url: str
) -> None:
    etag = _etag(world, url)
    response = world.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag


def test_if_none_match_with_a_stale_etag_is_200(world: FlaskClient) -> None:
    etag = _etag(world, "/MAIN/a/concepts/100")
    world.put("/MAIN/a/concepts/100", json={"conceptClass": "X"})
    response = world.get("/MAIN/a/concepts/100", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.get_json()["conceptClass"] == "X"


def test_if_none_match_with_one_of_several_etags_is_304(world: FlaskClient) -> None:
    etag = _etag(world, "/MAIN/a/concepts")
    response = world.get("/MAIN/a/concepts", headers={"If-None-Match": f'"other", {etag}'})
    assert response.status_code == 304


def test_a_csv_etag_does_not_answer_304_for_json(world: FlaskClient) -> None:
    csv_tag = _etag(world, "/MAIN/a/concepts", Accept="text/csv")
    response = world.get("/MAIN/a/concepts", headers={"If-None-Match": csv_tag})
    assert response.status_code == 200
