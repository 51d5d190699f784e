"""Import uploads: an OCL export zip or JSON lines, imported by a job into a branch."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.settings import load
from revisions import RevisionStore
from tests.api.conftest import wait_for
from tests.api.helpers import error
from tests.api.test_merges_api import job_count, unreachable_queue
from tests.clients import STAFF

EXAMPLE = Path(__file__).parent.parent / "data" / "ocl_full_example.json"


@pytest.fixture(autouse=True)
def uploads(app: Flask, tmp_path: Path) -> Path:
    """The app's upload folder, the test's own."""
    folder = tmp_path / "uploads"
    settings = load({"SNOWPATH_UPLOAD_DIR": str(folder)})
    app.extensions["snowpath"] = replace(app.extensions["snowpath"], settings=settings)
    return folder


def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def zipped(data: dict, name: str = "export.json") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, orjson.dumps(data))
    return buffer.getvalue()


def upload(client: FlaskClient, path: str, content: bytes, filename: str = "export.zip"):
    return client.post(
        f"/{path}/import",
        data={"file": (io.BytesIO(content), filename), "commitComment": "import"},
        content_type="multipart/form-data",
    )


def test_full_example_zip_imports_concept_names_descriptions_and_mapping(
    client: FlaskClient,
) -> None:
    response = upload(client, "MAIN", zipped(example()))
    assert response.status_code == 202
    assert response.data == b""
    job = wait_for(client, response.headers["Location"])
    assert job["state"] == "COMPLETED", job
    concept = client.get("/MAIN/concepts/A15.1?expand=descriptions()").get_json()
    assert concept["conceptClass"] == "Diagnosis"
    assert concept["externalId"] == "19jf93jf9j39fii399du9393"
    assert concept["extras"] == {"parent": "A15"}
    terms = {(d["term"], d["languageCode"], d["type"]) for d in concept["descriptions"]["items"]}
    assert ("Tuberculosis of lung, confirmed by culture only", "en", "SYNONYM") in terms
    assert ("Tuberculose pulmonaire, confirmée par culture seulement", "fr", "SYNONYM") in terms
    assert any(t == "DEFINITION" for _, _, t in terms)
    mapping = client.get("/MAIN/mappings/8jf8j-39fnnkdked").get_json()
    assert (mapping["sourceId"], mapping["targetCodeSystem"], mapping["targetCode"]) == (
        "A15.1",
        "SNOMED",
        "154283005",
    )
    log = client.get("/commits?branch=MAIN").get_json()["items"][0]
    assert (log["author"], log["comment"]) == (STAFF, "import")


def test_json_lines_import_and_reimport_updates(client: FlaskClient) -> None:
    concept = example()["concepts"][0]
    lines = orjson.dumps(concept) + b"\n\n"
    job = wait_for(client, upload(client, "MAIN", lines, "c.jsonl").headers["Location"])
    assert job["state"] == "COMPLETED"
    concept["concept_class"] = "Finding"
    job = wait_for(
        client, upload(client, "MAIN", orjson.dumps(concept), "c.jsonl").headers["Location"]
    )
    assert job["state"] == "COMPLETED"
    assert client.get("/MAIN/concepts/A15.1").get_json()["conceptClass"] == "Finding"


def test_upload_that_is_neither_zip_nor_json_is_refused(client: FlaskClient) -> None:
    response = upload(client, "MAIN", b"hello, this is text", "x.txt")
    assert response.status_code == 400
    assert "OCL export zip" in response.get_json()["message"]


def test_upload_without_a_file_is_refused(client: FlaskClient) -> None:
    response = client.post("/MAIN/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.get_json()["violations"] == [
        "Send the file as multipart/form-data in the field 'file'."
    ]


def test_broken_zip_fails_the_job_and_writes_nothing(client: FlaskClient) -> None:
    content = zipped(example())[:200]
    job = wait_for(client, upload(client, "MAIN", content).headers["Location"])
    assert job["state"] == "FAILED"
    assert "not a valid OCL export" in job["error"]
    assert client.get("/MAIN/concepts").get_json()["total"] == 0


def test_mapping_to_a_missing_concept_fails_the_whole_import(client: FlaskClient) -> None:
    data = example()
    data["mappings"][0]["from_concept_code"] = "NOT-THERE"
    job = wait_for(client, upload(client, "MAIN", zipped(data)).headers["Location"])
    assert job["state"] == "FAILED"
    assert "NOT-THERE" in job["error"]
    assert client.get("/MAIN/concepts").get_json()["total"] == 0


def test_an_invalid_concept_fails_the_import_naming_its_field(client: FlaskClient) -> None:
    # the job said "Invalid concept '…'." alone, leaving the field to guess
    data = example()
    data["concepts"][0]["concept_class"] = "c" * 300
    job = wait_for(client, upload(client, "MAIN", zipped(data)).headers["Location"])
    assert job["state"] == "FAILED"
    assert "'concept_class' must be at most 255 characters." in job["error"]
    assert client.get("/MAIN/concepts").get_json()["total"] == 0


def test_import_to_a_version_or_timestamp_is_refused(client: FlaskClient) -> None:
    response = upload(client, "MAIN@1600000000000", zipped(example()))
    assert response.status_code == 400
    assert "point in time" in response.get_json()["message"]


# --- the upload is deleted, whatever the outcome ---------------------------------------------


def test_a_completed_import_deletes_its_upload(client: FlaskClient, uploads: Path) -> None:
    job = wait_for(client, upload(client, "MAIN", zipped(example())).headers["Location"])
    assert job["state"] == "COMPLETED"
    assert list(uploads.iterdir()) == []


def test_an_invalid_file_fails_the_job_and_deletes_its_upload(
    client: FlaskClient, uploads: Path
) -> None:
    job = wait_for(client, upload(client, "MAIN", b'{"type": "Concept"}').headers["Location"])
    assert job["state"] == "FAILED"
    assert "id" in job["error"]
    assert list(uploads.iterdir()) == []


def test_an_import_with_the_queue_unreachable_is_503_and_keeps_no_job_and_no_file(
    app: Flask, client: FlaskClient, store: RevisionStore, uploads: Path
) -> None:
    unreachable_queue(app)
    body = error(upload(client, "MAIN", zipped(example())), 503)
    assert "queue cannot be reached" in body["message"]
    assert job_count(store) == 0
    assert list(uploads.iterdir()) == []
