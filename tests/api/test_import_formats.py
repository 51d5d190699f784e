"""Import formats over HTTP: an OCL export as the export's own ``.json`` file, as it does
zipped; an ICD-10-CM wheel (form field ``format``) through the same registry as
``snowpath import``, its job reporting progress and counts."""

from __future__ import annotations

import io
from pathlib import Path

from flask.testing import FlaskClient

from revisions import RevisionStore
from tests.api.conftest import wait_for
from tests.api.test_import import EXAMPLE, upload
from tests.importers.tiny_icd import write_wheel


def test_the_repositorys_example_imports_as_a_plain_json_file(client: FlaskClient) -> None:
    response = upload(client, "MAIN", EXAMPLE.read_bytes(), "ocl_full_example.json")
    assert response.status_code == 202
    job = wait_for(client, response.headers["Location"])
    assert job["state"] == "COMPLETED", job
    assert client.get("/MAIN/concepts/A15.1").get_json()["conceptClass"] == "Diagnosis"
    mapping = client.get("/MAIN/mappings/8jf8j-39fnnkdked").get_json()
    assert (mapping["targetCodeSystem"], mapping["targetCode"]) == ("SNOMED", "154283005")


def upload_as(client: FlaskClient, path: str, content: bytes, name: str, format_name: str):
    return client.post(
        f"/{path}/import",
        data={"file": (io.BytesIO(content), name), "format": format_name},
        content_type="multipart/form-data",
    )


def test_an_icd10cm_wheel_imports_through_the_registry_as_a_version(
    client: FlaskClient, store: RevisionStore, tmp_path: Path
) -> None:
    store.codesystems.create("ICD10CM", "ICD-10-CM")
    wheel = write_wheel(tmp_path, year="2026").read_bytes()
    response = upload_as(client, "MAIN/ICD10CM", wheel, "icd.whl", "icd10cm")
    assert response.status_code == 202
    job = wait_for(client, response.headers["Location"])
    assert job["state"] == "COMPLETED", job
    assert job["result"]["created"] == 22
    assert job["result"]["releases"][0]["version"] == "2026"
    assert job["progress"] == {
        "release": "2026",
        "phase": "done",
        "done": 22,
        "total": 22,
        "created": 22,
        "changed": 0,
        "retired": 0,
        "skipped": {},
    }
    assert [v.version for v in store.codesystems.versions("ICD10CM")] == ["2026"]
    concept = client.get("/MAIN/ICD10CM/2026/concepts/A01.1XXA").get_json()
    assert concept["parents"] == ["A01.1"]


def test_an_unknown_import_format_is_refused_before_the_upload(client: FlaskClient) -> None:
    response = upload_as(client, "MAIN", b"{}", "x.json", "nope")
    assert response.status_code == 400
    assert "Unknown import format 'nope'" in response.get_data(as_text=True)
