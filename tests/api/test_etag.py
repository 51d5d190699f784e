"""ETags (DESIGN.md §4): reads carry an ``ETag`` that changes with every commit visible to
that path and only then; ``If-None-Match`` with the current one answers 304 with no body.
One resource's plain GET carries the tag of its representation, which ``If-Match`` takes on
its PUT and DELETE (412 when stale, nothing written)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from api.http import representation_tag
from revisions import Create, ReadPoint, RevisionStore, Update
from revisions.errors import Changed
from tests.api.conftest import wait_for
from tests.api.helpers import (
    branch,
    codesystem,
    concept,
    description,
    mapping,
    merge,
    ok,
    update,
    version,
)

READS = [
    "/MAIN/a/concepts?expand=fsn()",
    "/MAIN/a/concepts/100?expand=descriptions()",
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


# --- If-Match on PUT and DELETE (docs/api.md, "Conditional requests") ------------------------

# (URL of one resource, a PUT body that changes it, the field that shows the change)
EDITS = {
    "concept": ("/MAIN/a/concepts/100", {"conceptClass": "Finding"}, "conceptClass"),
    "description": ("/MAIN/a/descriptions/d1", {"term": "Cardiac"}, "term"),
    "mapping": ("/MAIN/a/mappings/m1", {"mapType": "NARROWER"}, "mapType"),
    "branch": ("/branches/MAIN/a", {"metadata": {"owner": "x"}}, "metadata"),
    "code system": ("/codesystems/CS", {"title": "New title"}, "title"),
}
KINDS = list(EDITS)


@pytest.fixture
def editable(world: FlaskClient) -> FlaskClient:
    codesystem(world, "CS")
    return world


def _changed_elsewhere(client: FlaskClient, kind: str) -> None:
    """Someone else's edit of the resource, after our read."""
    url, _, _ = EDITS[kind]
    other = {
        "concept": {"conceptClass": "Other"},
        "description": {"term": "Other"},
        "mapping": {"mapType": "OTHER"},
        "branch": {"metadata": {"owner": "someone else"}},
        "code system": {"title": "Other title"},
    }[kind]
    update(client, url, **other)


def _error(response: TestResponse, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    data = response.get_json()
    assert data["status"] == str(status)
    assert data["message"]
    assert data["developerMessage"]
    return data


@pytest.mark.parametrize("kind", KINDS)
def test_a_get_of_one_resource_carries_the_etag_of_its_representation(
    editable: FlaskClient, kind: str
) -> None:
    url = EDITS[kind][0]
    response = editable.get(url)
    assert response.headers["ETag"] == f'"{representation_tag(response.get_json())}"'


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("match", ["the current tag", "*"])
def test_a_put_with_the_current_etag_or_star_is_applied(
    editable: FlaskClient, kind: str, match: str
) -> None:
    url, body, field = EDITS[kind]
    tag = "*" if match == "*" else _etag(editable, url)
    response = editable.put(url, json=body, headers={"If-Match": tag})
    assert response.status_code == 204, response.get_data(as_text=True)
    assert ok(editable.get(url))[field] == body[field]


@pytest.mark.parametrize("kind", KINDS)
def test_a_put_with_a_stale_etag_is_412_and_writes_nothing(
    editable: FlaskClient, kind: str
) -> None:
    url, body, field = EDITS[kind]
    stale = _etag(editable, url)
    _changed_elsewhere(editable, kind)
    before = ok(editable.get(url))
    data = _error(editable.put(url, json=body, headers={"If-Match": stale}), 412)
    assert "If-Match" in data["message"]
    assert ok(editable.get(url)) == before
    assert before[field] != body[field]


@pytest.mark.parametrize("kind", KINDS)
def test_a_delete_with_a_stale_etag_is_412_and_deletes_nothing(
    editable: FlaskClient, kind: str
) -> None:
    url, _, _ = EDITS[kind]
    stale = _etag(editable, url)
    _changed_elsewhere(editable, kind)
    _error(editable.delete(url, headers={"If-Match": stale}), 412)
    assert editable.get(url).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_a_delete_with_the_current_etag_deletes(editable: FlaskClient, kind: str) -> None:
    url, _, _ = EDITS[kind]
    if kind == "concept":  # a concept still referred to cannot go; free it first
        editable.delete("/MAIN/a/descriptions/d1")
        editable.delete("/MAIN/a/mappings/m1")
    response = editable.delete(url, headers={"If-Match": _etag(editable, url)})
    assert response.status_code == 204, response.get_data(as_text=True)
    after = editable.get(url)
    if kind == "branch":  # a deleted branch stays readable, marked deleted
        assert ok(after)["deleted"] is True
    else:
        assert after.status_code == 404


def test_a_weak_form_of_the_current_etag_does_not_match(editable: FlaskClient) -> None:
    # If-Match compares strongly (RFC 9110 §13.1.1): W/"x" never matches "x".
    url, body, _ = EDITS["concept"]
    weak = "W/" + _etag(editable, url)
    _error(editable.put(url, json=body, headers={"If-Match": weak}), 412)


def test_one_of_several_listed_etags_matching_is_enough(editable: FlaskClient) -> None:
    url, body, field = EDITS["description"]
    header = f'"stale", {_etag(editable, url)}'
    assert editable.put(url, json=body, headers={"If-Match": header}).status_code == 204
    assert ok(editable.get(url))[field] == body[field]


def test_an_etag_from_a_relative_path_matches_the_same_component(editable: FlaskClient) -> None:
    concept(editable, "500", path="CS")
    tag = _etag(editable, "/CS/concepts/500")
    response = editable.put(
        "/MAIN/CS/concepts/500", json={"conceptClass": "X"}, headers={"If-Match": tag}
    )
    assert response.status_code == 204, response.get_data(as_text=True)


def test_if_match_on_a_missing_component_is_404(editable: FlaskClient) -> None:
    response = editable.put(
        "/MAIN/a/concepts/nope", json={"active": False}, headers={"If-Match": "*"}
    )
    _error(response, 404)


def test_the_etag_of_an_expanded_read_does_not_match_for_a_write(editable: FlaskClient) -> None:
    # Documented: If-Match takes the ETag of the plain GET of the resource.
    tag = _etag(editable, "/MAIN/a/concepts/100?expand=fsn()")
    response = editable.put(
        "/MAIN/a/concepts/100", json={"active": False}, headers={"If-Match": tag}
    )
    _error(response, 412)


def test_a_component_etag_stays_when_another_component_changes(editable: FlaskClient) -> None:
    before = _etag(editable, "/MAIN/a/concepts/100")
    concept(editable, "300", path="MAIN/a")
    assert _etag(editable, "/MAIN/a/concepts/100") == before


def test_a_component_etag_changes_when_a_version_releases_it(editable: FlaskClient) -> None:
    concept(editable, "500", path="CS")
    before = _etag(editable, "/CS/concepts/500")
    version(editable, "CS", "v1", "20240101")
    assert _etag(editable, "/CS/concepts/500") != before


@pytest.mark.parametrize(
    "url",
    ["/branches/MAIN", "/codesystems/CS", "/codesystems/CS/versions/v1", "/MAIN/concepts/100"],
)
def test_every_get_of_one_resource_carries_an_etag_honoured_by_if_none_match(
    editable: FlaskClient, url: str
) -> None:
    version(editable, "CS", "v1", "20240101")
    tag = _etag(editable, url)
    assert editable.get(url, headers={"If-None-Match": tag}).status_code == 304


def test_a_job_and_a_merge_carry_an_etag(editable: FlaskClient) -> None:
    done = merge(editable, "MAIN", "MAIN/a")
    for url in (f"/merges/{done['id']}", f"/jobs/{done['id']}"):
        tag = _etag(editable, url)
        assert editable.get(url, headers={"If-None-Match": tag}).status_code == 304


# --- the store re-checks under its lock: a change between the check and the write ---------


def test_a_commit_expecting_a_replaced_revision_writes_nothing(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [Create("concept", "1", {})])
    read = store.get(ReadPoint("MAIN"), "concept", "1")
    store.commit("MAIN", "u", "other", [Update("concept", "1", {"concept_class": "Y"})])
    with pytest.raises(Changed):
        store.commit(
            "MAIN",
            "u",
            "mine",
            [Update("concept", "1", {"concept_class": "X"})],
            expected={("concept", "1"): read.revision},
        )
    assert store.get(ReadPoint("MAIN"), "concept", "1").fields["concept_class"] == "Y"


def test_a_commit_expecting_the_current_revision_is_written(store: RevisionStore) -> None:
    store.commit("MAIN", "u", "c", [Create("concept", "1", {})])
    read = store.get(ReadPoint("MAIN"), "concept", "1")
    store.commit(
        "MAIN",
        "u",
        "mine",
        [Update("concept", "1", {"concept_class": "X"})],
        expected={("concept", "1"): read.revision},
    )
    assert store.get(ReadPoint("MAIN"), "concept", "1").fields["concept_class"] == "X"


def test_a_branch_write_expecting_a_replaced_record_writes_nothing(store: RevisionStore) -> None:
    store.create_branch("MAIN", "a")
    read = store.get_branch("MAIN/a")
    store.update_metadata("MAIN/a", {"owner": "other"})
    with pytest.raises(Changed):
        store.update_metadata("MAIN/a", {"owner": "me"}, expected=read)
    with pytest.raises(Changed):
        store.delete_branch("MAIN/a", expected=read)
    assert store.get_branch("MAIN/a").metadata == {"owner": "other"}


def test_a_code_system_write_expecting_a_replaced_record_writes_nothing(
    store: RevisionStore,
) -> None:
    store.codesystems.create("CS", "cs")
    read = store.codesystems.get("CS")
    store.codesystems.update("CS", title="other")
    with pytest.raises(Changed):
        store.codesystems.update("CS", title="mine", expected=read)
    with pytest.raises(Changed):
        store.codesystems.delete("CS", expected=read)
    assert store.codesystems.get("CS").title == "other"
