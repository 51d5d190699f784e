"""Edge cases of the OCL API: streams across batches, what makes a new concept version,
parents, media types, HEAD as a version."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from exporter import ocl_stream
from revisions import ManualClock
from tests.api.ocl.conftest import concept_body


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 2, so a handful of concepts spans several (the real size is 500)."""
    monkeypatch.setattr(ocl_stream, "BATCH", 2)


def test_limit_zero_streams_everything_across_batches(
    client: FlaskClient, source: str, small_batches: None
) -> None:
    for cid in ("B", "C", "D", "E"):
        client.post(f"{source}concepts/", json=concept_body(cid))
    response = client.get(f"{source}?includeConcepts=true&limit=0")
    assert response.is_streamed
    ids = [c["id"] for c in response.get_json()["concepts"]]
    assert ids == ["A1", "B", "C", "D", "E"]


def test_offset_and_limit_across_batches(
    client: FlaskClient, source: str, small_batches: None
) -> None:
    for cid in ("B", "C", "D", "E"):
        client.post(f"{source}concepts/", json=concept_body(cid))
    data = client.get(f"{source}?includeConcepts=true&offset=3&limit=2").get_json()
    assert [c["id"] for c in data["concepts"]] == ["D", "E"]
    page = client.get(f"{source}concepts/?limit=2&page=2")
    assert [c["id"] for c in page.get_json()] == ["C", "D"]
    assert page.headers["num_found"] == "5"
    assert page.headers["pages"] == "3"


def test_removing_a_name_is_a_new_version(client: FlaskClient, source: str) -> None:
    names = [{"name": "One", "locale": "en"}, {"name": "Two", "locale": "en"}]
    before = client.put(f"{source}concepts/A1/", json={"names": names}).get_json()
    after = client.put(f"{source}concepts/A1/", json={"names": names[:1]}).get_json()
    assert [n["name"] for n in after["names"]] == ["One"]
    assert after["version"] != before["version"]
    versions = client.get(f"{source}concepts/A1/versions/").get_json()
    assert len(versions) == 3


def test_concept_reads_under_a_version_see_its_versions_only(
    client: FlaskClient, source: str
) -> None:
    client.post(f"{source}versions/", json={"id": "v1"})
    client.patch(f"{source}concepts/A1/", json={"datatype": "Text"})
    assert len(client.get(f"{source}v1/concepts/A1/versions/").get_json()) == 1
    assert len(client.get(f"{source}concepts/A1/versions/").get_json()) == 2


def test_parents_are_concepts_of_the_source(client: FlaskClient, source: str) -> None:
    body = concept_body("B", parent_concept_urls=[f"{source}concepts/A1/"])
    data = client.post(f"{source}concepts/", json=body).get_json()
    assert data["parent_concept_urls"] == [f"{source}concepts/A1/"]
    assert client.get("/ICD/concepts/B").get_json()["parents"] == ["A1"]
    other = concept_body("C", parent_concept_urls=["/orgs/X/sources/Y/concepts/A1/"])
    assert client.post(f"{source}concepts/", json=other).status_code == 400


def test_a_body_that_is_not_json_is_415(client: FlaskClient, source: str) -> None:
    response = client.post(f"{source}concepts/", data="id=B", content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json()["status"] == "415"


def test_a_body_that_is_not_an_object_is_400(client: FlaskClient, source: str) -> None:
    response = client.post(f"{source}concepts/", json=[concept_body("B")])
    assert response.status_code == 400
    assert response.get_json()["message"] == "Invalid JSON representation"


def test_head_is_a_version_too(client: FlaskClient, source: str) -> None:
    data = client.get(f"{source}HEAD/").get_json()
    assert data["type"] == "Source Version"
    assert data["id"] == "HEAD"
    assert [c["id"] for c in client.get(f"{source}HEAD/concepts/").get_json()] == ["A1"]
    assert client.put(f"{source}HEAD/", json={"released": True}).status_code == 400


def test_mapping_id_defaults_to_its_uuid(client: FlaskClient, source: str) -> None:
    body = {
        "uuid": "kept-uuid",
        "map_type": "SAME-AS",
        "from_concept_url": f"{source}concepts/A1/",
        "to_source_url": "/orgs/X/sources/Y/",
        "to_concept_code": "9",
    }
    response = client.post(f"{source}mappings/", json=body)
    assert response.headers["Location"].endswith(f"{source}mappings/kept-uuid/")


def test_version_of_a_concept_reads_head_at_that_time(client: FlaskClient, source: str) -> None:
    first = client.get(f"{source}concepts/A1/").get_json()["version"]
    client.patch(f"{source}concepts/A1/", json={"concept_class": "Finding"})
    native = client.get(f"/MAIN/ICD@{first}/concepts/A1").get_json()
    ocl = client.get(f"{source}concepts/A1/{first}/").get_json()
    assert ocl["concept_class"] == native["conceptClass"] == "Diagnosis"


def test_updated_since_pages_and_counts_across_batches(
    client: FlaskClient, source: str, clock: ManualClock, small_batches: None
) -> None:
    client.post(f"{source}concepts/", json=concept_body("B"))
    clock.set(1_700_000_000_000)
    for cid in ("C", "D", "E"):
        client.post(f"{source}concepts/", json=concept_body(cid))
    client.patch(f"{source}concepts/A1/", json={"datatype": "Text"})  # edited since, too
    page = client.get(f"{source}concepts/?updatedSince=20231114221320&limit=3&page=2")
    assert [c["id"] for c in page.get_json()] == ["E"]
    assert page.headers["num_found"] == "4"
    data = client.get(f"{source}?includeConcepts=true&updatedSince=20231114221320&offset=1")
    assert [c["id"] for c in data.get_json()["concepts"]] == ["C", "D", "E"]


def test_q_with_updated_since_is_400(client: FlaskClient, source: str) -> None:
    response = client.get(f"{source}concepts/?q=name&updatedSince=20231114221320")
    assert response.status_code == 400
    assert response.get_json()["violations"][0].startswith("'updatedSince':")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("concepts/", {"id": "B", "concept_class": "X", "names": [{"name": "n"}], "datatype": {}}),
        ("concepts/", {"id": "B", "concept_class": "X", "names": ["n"]}),
        ("concepts/", {"id": "B", "concept_class": "X", "names": [{"name": "n", "locale": "?"}]}),
        ("concepts/", {"id": "B", "concept_class": 1, "names": [{"name": "n"}]}),
        ("mappings/", {"map_type": "X", "from_concept_url": 5, "to_concept_url": "/x/"}),
        ("mappings/", {"map_type": ["X"]}),
        ("versions/", {"id": "v1", "extras": []}),
        ("versions/", {"id": "v 1"}),
    ],
)
def test_bad_bodies_are_400(client: FlaskClient, source: str, path: str, body: dict) -> None:
    response = client.post(f"{source}{path}", json=body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["status"] == "400"


def test_a_concept_version_that_is_no_number_is_404(client: FlaskClient, source: str) -> None:
    assert client.get(f"{source}concepts/A1/²/").status_code == 404
    assert client.get(f"{source}concepts/A1/99999999999999999999/").status_code == 404
