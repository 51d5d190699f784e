"""Media types (DESIGN.md §4): JSON by default as ``application/json;charset=UTF-8``; every
list endpoint also answers ``text/csv`` (with a header row) and, where a plain list makes
sense, ``text/plain`` (one id per line); anything else the client insists on is 406."""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient

from api.routes import ROUTES
from tests.api.helpers import (
    JSON,
    branch,
    codesystem,
    concept,
    description,
    error,
    mapping,
    ok,
    update,
    version,
)

# endpoint -> (method, url) of a list route, over the content of ``world``
LIST_URLS = {
    "branch_list": ("GET", "/branches"),
    "branch_children": ("GET", "/branches/MAIN/children"),
    "commits": ("GET", "/commits?branch=MAIN"),
    "codesystem_list": ("GET", "/codesystems"),
    "version_list": ("GET", "/codesystems/CS/versions"),
    "concept_search": ("GET", "/MAIN/concepts"),
    "concept_search_post": ("POST", "/MAIN/concepts/search"),
    "concept_history": ("GET", "/MAIN/concepts/100/history"),
    "description_search": ("GET", "/MAIN/descriptions"),
    "description_search_post": ("POST", "/MAIN/descriptions/search"),
    "description_history": ("GET", "/MAIN/descriptions/d1/history"),
    "mapping_search": ("GET", "/MAIN/mappings"),
    "mapping_search_post": ("POST", "/MAIN/mappings/search"),
    "mapping_history": ("GET", "/MAIN/mappings/m1/history"),
}


def test_every_list_route_is_covered_here() -> None:
    assert {r.endpoint for r in ROUTES if r.lists} == set(LIST_URLS)


@pytest.fixture
def world(client: FlaskClient) -> FlaskClient:
    codesystem(client, "CS")
    version(client, "CS", "v1", "20210101")
    branch(client, "MAIN", "a")
    concept(client, "100", conceptClass="Finding", extras={"a": 1})
    concept(client, "200", parents=["100"])
    description(client, "d1", "100", 'Heart, "left"')
    mapping(client, "m1", "100", "200")
    update(client, "/MAIN/concepts/100", active=False)
    return client


def _get(client: FlaskClient, endpoint: str, accept: str | None) -> object:
    method, url = LIST_URLS[endpoint]
    headers = {"Accept": accept} if accept else {}
    if method == "POST":
        return client.post(url, json={}, headers=headers)
    return client.get(url, headers=headers)


@pytest.mark.parametrize("endpoint", sorted(LIST_URLS))
def test_a_list_is_json_by_default(world: FlaskClient, endpoint: str) -> None:
    response = _get(world, endpoint, None)
    assert response.headers["Content-Type"] == JSON
    assert response.get_json()["total"] >= 1


@pytest.mark.parametrize("endpoint", sorted(LIST_URLS))
def test_a_list_answers_csv_with_a_header_row(world: FlaskClient, endpoint: str) -> None:
    as_json = _get(world, endpoint, None).get_json()
    response = _get(world, endpoint, "text/csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv;charset=UTF-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header, body = rows[0], rows[1:]
    first_keys = list(as_json["items"][0])
    assert set(first_keys) <= set(header)
    assert len(body) == len(as_json["items"])
    assert all(len(row) == len(header) for row in body)


@pytest.mark.parametrize("endpoint", sorted(LIST_URLS))
def test_a_list_answers_text_plain_one_line_per_item_or_406(
    world: FlaskClient, endpoint: str
) -> None:
    as_json = _get(world, endpoint, None).get_json()
    response = _get(world, endpoint, "text/plain")
    if response.status_code == 406:
        error(response, 406)
        return
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain;charset=UTF-8"
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == len(as_json["items"])
    assert all(line.strip() for line in lines), lines


def test_an_empty_csv_list_still_has_its_header_row(client: FlaskClient) -> None:
    response = client.get("/MAIN/concepts", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    header = response.get_data(as_text=True).splitlines()
    assert header
    assert "id" in header[0].split(",")


def test_csv_cells_are_quoted_and_typed_for_spreadsheets(world: FlaskClient) -> None:
    response = world.get("/MAIN/descriptions", headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0]["term"] == 'Heart, "left"'
    assert rows[0]["active"] == "true"
    concepts = world.get("/MAIN/concepts", headers={"Accept": "text/csv"})
    by_id = {r["id"]: r for r in csv.DictReader(io.StringIO(concepts.get_data(as_text=True)))}
    assert by_id["100"]["active"] == "false"
    assert by_id["200"]["parents"] == '["100"]'
    assert by_id["100"]["extras"] == '{"a":1}'
    assert by_id["200"]["conceptClass"] == ""


def test_text_plain_lists_the_component_ids(world: FlaskClient) -> None:
    response = world.get("/MAIN/concepts", headers={"Accept": "text/plain"})
    assert response.get_data(as_text=True) == "100\n200\n"


def test_text_plain_lists_branch_paths(world: FlaskClient) -> None:
    response = world.get("/branches", headers={"Accept": "text/plain"})
    if response.status_code != 406:
        lines = response.get_data(as_text=True).splitlines()
        assert lines == [b["path"] for b in ok(world.get("/branches"))["items"]]


def test_the_full_media_type_with_charset_is_accepted(world: FlaskClient) -> None:
    response = world.get("/MAIN/concepts", headers={"Accept": "text/csv;charset=UTF-8"})
    assert response.headers["Content-Type"] == "text/csv;charset=UTF-8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", JSON),
        ("application/json", JSON),
        ("application/json;charset=UTF-8", JSON),
        ("text/*", "text/csv;charset=UTF-8"),
        ("text/csv;q=0.5, application/json", JSON),
        ("application/json;q=0.1, text/csv", "text/csv;charset=UTF-8"),
        ("application/xml, text/plain;q=0.5", "text/plain;charset=UTF-8"),
    ],
)
def test_accept_negotiation_picks_the_best_supported_type(
    world: FlaskClient, accept: str, expected: str
) -> None:
    response = world.get("/MAIN/concepts", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == expected


@pytest.mark.parametrize("accept", ["application/xml", "image/png", "text/html"])
def test_an_unsupported_accept_on_a_list_is_406(world: FlaskClient, accept: str) -> None:
    body = error(world.get("/MAIN/concepts", headers={"Accept": accept}), 406)
    assert "text/csv" in body["message"]


@pytest.mark.parametrize(
    "url",
    ["/MAIN/concepts/100", "/branches/MAIN", "/codesystems/CS/versions/v1"],
)
def test_an_unsupported_accept_on_a_single_resource_is_406(world: FlaskClient, url: str) -> None:
    error(world.get(url, headers={"Accept": "application/xml"}), 406)


@pytest.mark.parametrize(
    "url",
    ["/MAIN/concepts/100", "/branches/MAIN", "/codesystems/CS", "/codesystems/CS/versions/v1"],
)
def test_a_single_resource_is_json_with_charset(world: FlaskClient, url: str) -> None:
    assert world.get(url).headers["Content-Type"] == JSON


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/MAIN/concepts/nope"),
        ("POST", "/MAIN/concepts"),
        ("DELETE", "/branches"),
    ],
)
def test_errors_are_json_with_charset(client: FlaskClient, method: str, url: str) -> None:
    response = client.open(url, method=method, data=b"{", content_type="application/json")
    assert response.status_code >= 400
    assert response.headers["Content-Type"] == JSON


def test_a_json_body_with_charset_is_accepted(client: FlaskClient) -> None:
    response = client.post(
        "/MAIN/concepts",
        data='{"id": "100"}',
        content_type="application/json;charset=UTF-8",
    )
    assert response.status_code == 201


def test_the_openapi_document_is_json_and_the_docs_are_html(client: FlaskClient) -> None:
    assert client.get("/openapi.json").headers["Content-Type"] == JSON
    assert client.get("/docs").mimetype == "text/html"


def test_empty_201_202_and_204_replies_carry_no_content_type(client: FlaskClient) -> None:
    created = client.post("/MAIN/concepts", json={"id": "c1"}, headers={"X-Author": "u"})
    assert (created.status_code, created.data) == (201, b"")
    assert "Content-Type" not in created.headers
    assert created.headers["Location"].endswith("/MAIN/concepts/c1")
    merge = client.post("/merges", json={"source": "MAIN", "target": "MAIN/nowhere"})
    assert merge.status_code == 404  # a merge 202 is covered by the merges tests
    client.post("/branches", json={"parent": "MAIN", "name": "a"})
    accepted = client.post("/merges", json={"source": "MAIN/a", "target": "MAIN"})
    assert (accepted.status_code, accepted.data) == (202, b"")
    assert "Content-Type" not in accepted.headers
    deleted = client.delete("/MAIN/concepts/c1", headers={"X-Author": "u"})
    assert (deleted.status_code, deleted.data) == (204, b"")
    assert "Content-Type" not in deleted.headers
