"""Source versions through the OCL API: create, list, get, update, delete, latest, and the
repository GET with its content (includeConcepts, limit, offset, updatedSince, Compress)."""

from __future__ import annotations

import io
import json
import zipfile

from flask.testing import FlaskClient

from revisions import ManualClock
from tests.api.ocl.conftest import concept_body


def test_create_version_201_location_and_repo_detail(client: FlaskClient, source: str) -> None:
    response = client.post(f"{source}versions/", json={"id": "v1", "description": "first"})
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/orgs/WHO/sources/ICD/v1/")
    data = response.get_json()
    assert data["type"] == "Source"
    assert data["id"] == "ICD"
    assert data["version"] == "v1"


def test_version_is_a_code_system_version(client: FlaskClient, source: str) -> None:
    client.post(f"{source}versions/", json={"id": "v1"})
    assert client.get("/codesystems/ICD/versions/v1").status_code == 200
    assert client.get("/ICD/v1/concepts/A1").status_code == 200


def test_duplicate_version_is_409(client: FlaskClient, source: str) -> None:
    client.post(f"{source}versions/", json={"id": "v1"})
    assert client.post(f"{source}versions/", json={"id": "v1"}).status_code == 409


def test_a_version_after_the_last_day_there_is_is_400(client: FlaskClient, source: str) -> None:
    # the next day after 9999-12-31 overflowed the date: a 500 on every later OCL version
    last = {"version": "v9999", "effectiveTime": "99991231"}
    assert client.post("/codesystems/ICD/versions", json=last).status_code == 201
    response = client.post(f"{source}versions/", json={"id": "rv"})
    assert response.status_code == 400, response.get_json()
    assert "after the latest version" in " ".join(response.get_json()["violations"])
    assert client.get(f"{source}rv/").status_code == 404


def test_version_without_id_is_400(client: FlaskClient, source: str) -> None:
    response = client.post(f"{source}versions/", json={"id": None})
    assert response.status_code == 400
    assert "'id'" in response.get_json()["violations"][0]


def test_version_id_naming_a_url_is_400(client: FlaskClient, source: str) -> None:
    assert client.post(f"{source}versions/", json={"id": "latest"}).status_code == 400


def test_released_must_be_a_boolean(client: FlaskClient, source: str) -> None:
    response = client.post(f"{source}versions/", json={"id": "v1", "released": "maybe"})
    assert response.status_code == 400
    assert response.get_json()["violations"] == ["'released': Must be a valid boolean."]


def test_versions_list_newest_first_with_head(client: FlaskClient, source: str) -> None:
    client.post(f"{source}versions/", json={"id": "v1"})
    client.post(f"{source}versions/", json={"id": "v2", "released": "true"})
    data = client.get(f"{source}versions").get_json()
    assert [v["id"] for v in data] == ["HEAD", "v2", "v1"]
    assert data[1]["released"] is True
    assert data[2]["released"] is False
    assert data[1]["previous_version_url"] == f"{source}v1/"


def test_update_version_fields(client: FlaskClient, source: str) -> None:
    client.post(f"{source}versions/", json={"id": "v1"})
    response = client.patch(
        f"{source}v1/", json={"released": True, "extras": {"a": 1}, "description": "d"}
    )
    data = response.get_json()
    assert response.status_code == 200
    assert data["released"] is True
    assert data["extras"] == {"a": 1}
    assert data["description"] == "d"
    assert client.put(f"{source}v1/", json={"retired": True}).get_json()["retired"] is True
    assert client.get(f"{source}v1/").get_json()["released"] is True


def test_latest_is_the_newest_released(client: FlaskClient, source: str) -> None:
    assert client.get(f"{source}latest/").status_code == 404
    client.post(f"{source}versions/", json={"id": "v1", "released": True})
    client.post(f"{source}versions/", json={"id": "v2"})
    assert client.get(f"{source}latest/").get_json()["id"] == "v1"


def test_delete_version(client: FlaskClient, source: str) -> None:
    client.post(f"{source}versions/", json={"id": "v1"})
    assert client.delete(f"{source}v1/").status_code == 204
    assert client.get(f"{source}v1/").status_code == 404
    assert client.delete(f"{source}HEAD/").status_code == 400


def test_unknown_version_is_404(client: FlaskClient, source: str) -> None:
    assert client.get(f"{source}v9/").status_code == 404
    assert client.get(f"{source}v9/concepts/").status_code == 404


def test_version_content_is_frozen(client: FlaskClient, source: str) -> None:
    client.post(f"{source}versions/", json={"id": "v1", "released": True})
    client.patch(f"{source}concepts/A1/", json={"concept_class": "Finding"})
    assert client.get(f"{source}v1/concepts/A1/").get_json()["concept_class"] == "Diagnosis"
    assert client.get(f"{source}concepts/A1/").get_json()["concept_class"] == "Finding"


def test_writes_under_a_version_are_405_and_write_nothing(client: FlaskClient, source: str) -> None:
    client.post(f"{source}versions/", json={"id": "v1", "released": True})
    before = client.get("/commits?branch=MAIN/ICD").get_json()["total"]
    assert client.post(f"{source}v1/concepts/", json=concept_body("B")).status_code == 405
    assert client.put(f"{source}v1/concepts/A1/", json={"retired": True}).status_code == 405
    assert client.delete(f"{source}v1/concepts/A1/").status_code == 405
    assert client.post(f"{source}v1/mappings/", json={}).status_code == 405
    assert client.get("/commits?branch=MAIN/ICD").get_json()["total"] == before


def test_repo_get_includes_concepts_and_mappings(client: FlaskClient, source: str) -> None:
    client.post(f"{source}concepts/", json=concept_body("B1", retired=True))
    client.post(
        f"{source}mappings/",
        json={
            "id": "M1",
            "map_type": "SAME-AS",
            "from_concept_url": f"{source}concepts/A1/",
            "to_concept_url": f"{source}concepts/B1/",
        },
    )
    client.post(f"{source}versions/", json={"id": "v1"})
    url = f"{source}v1/?includeConcepts=true&includeMappings=true&limit=0"
    data = client.get(url).get_json()
    assert data["id"] == "v1"
    assert [c["id"] for c in data["concepts"]] == ["A1"]
    assert [m["id"] for m in data["mappings"]] == ["M1"]
    assert data["concepts"][0]["names"][0]["name"] == "Name of A1"
    every = client.get(url + "&includeRetired=true").get_json()
    assert [c["id"] for c in every["concepts"]] == ["A1", "B1"]
    keys = list(every)
    assert keys.index("concepts") < keys.index("mappings")


def test_repo_get_limit_and_offset(client: FlaskClient, source: str) -> None:
    for cid in ("B", "C", "D"):
        client.post(f"{source}concepts/", json=concept_body(cid))
    data = client.get(f"{source}?includeConcepts=true&limit=2&offset=1").get_json()
    assert [c["id"] for c in data["concepts"]] == ["B", "C"]


def test_updated_since_is_inclusive_in_both_forms(
    client: FlaskClient, source: str, clock: ManualClock
) -> None:
    clock.set(1_700_000_000_000)  # 2023-11-14T22:13:20Z
    client.post(f"{source}concepts/", json=concept_body("B"))
    for since in ("2023-11-14T22:13:20Z", "20231114221320", "2023-11-14T23:13:20%2B01:00"):
        data = client.get(f"{source}?includeConcepts=true&updatedSince={since}").get_json()
        assert [c["id"] for c in data["concepts"]] == ["B"], since
    listed = client.get(f"{source}concepts/?updatedSince=2023-11-14T22:13:20Z")
    assert [c["id"] for c in listed.get_json()] == ["B"]
    assert listed.headers["num_found"] == "1"


def test_bad_updated_since_is_400(client: FlaskClient, source: str) -> None:
    assert client.get(f"{source}?includeConcepts=true&updatedSince=yesterday").status_code == 400


def test_compress_answers_the_same_json_zipped(client: FlaskClient, source: str) -> None:
    url = f"{source}?includeConcepts=true&includeMappings=true"
    plain = client.get(url).get_json()
    response = client.get(url, headers={"Compress": "true"})
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert archive.namelist() == ["export.json"]
        assert json.loads(archive.read("export.json")) == plain


def test_versions_filtered_by_released(client: FlaskClient, source: str) -> None:
    client.post(f"{source}versions/", json={"id": "v1", "released": True})
    client.post(f"{source}versions/", json={"id": "v2"})
    released = client.get(f"{source}versions/?released=true").get_json()
    assert [v["id"] for v in released] == ["v1"]
    unreleased = client.get(f"{source}versions/?released=false").get_json()
    assert [v["id"] for v in unreleased] == ["v2"]
    assert client.get(f"{source}versions/?released=maybe").status_code == 400


def test_a_deleted_version_can_be_cut_again(client: FlaskClient, source: str) -> None:
    client.post(f"{source}versions/", json={"id": "v1"})
    client.delete(f"{source}v1/")
    client.patch(f"{source}concepts/A1/", json={"concept_class": "Finding"})
    assert client.post(f"{source}versions/", json={"id": "v1"}).status_code == 201
    assert client.get(f"{source}v1/concepts/A1/").get_json()["concept_class"] == "Finding"
