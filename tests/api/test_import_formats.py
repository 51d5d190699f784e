"""Import formats over HTTP: an OCL export as the export's own ``.json`` file, as it does
zipped; an ICD-10-CM wheel and an HPO ``hp.obo`` (form field ``format``) through the same
registry as ``snowpath import``, the jobs reporting progress and counts; an RF2 package with
the form fields ``package`` and ``version`` (``snowpath import``'s options), checked before
the upload is kept."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from revisions import RevisionStore
from tests.api.conftest import wait_for
from tests.api.test_import import EXAMPLE, upload
from tests.importers.test_hpo import FIRST
from tests.importers.test_rf2 import GADGET, RF2, SPROCKET, T1, T2, T3, WIDGET
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


def test_an_hpo_obo_file_imports_as_the_version_its_header_names(
    client: FlaskClient, store: RevisionStore
) -> None:
    store.codesystems.create("HPO", "HPO")
    response = upload_as(client, "MAIN/HPO", FIRST.read_bytes(), "hp.obo", "hpo")
    assert response.status_code == 202
    job = wait_for(client, response.headers["Location"])
    assert job["state"] == "COMPLETED", job
    assert job["result"]["created"] == 25
    assert [v.version for v in store.codesystems.versions("HPO")] == ["2024-06-01"]
    concept = client.get("/MAIN/HPO/2024-06-01/concepts/HP:0001250").get_json()
    assert concept["parents"] == ["HP:0000152", "HP:0000707"]
    obsolete = client.get("/MAIN/HPO/concepts/HP:0000002").get_json()
    assert obsolete["active"] is False


def test_an_unknown_import_format_is_refused_before_the_upload(client: FlaskClient) -> None:
    response = upload_as(client, "MAIN", b"{}", "x.json", "nope")
    assert response.status_code == 400
    assert "Unknown import format 'nope'" in response.get_data(as_text=True)


def _zipped(folder: Path) -> bytes:
    """The RF2 fixture's folders in one zip, as a release package is published."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*.txt")):
            archive.write(path, str(path.relative_to(folder)))
    return buffer.getvalue()


def upload_with(client: FlaskClient, path: str, content: bytes, **form: str):
    return client.post(
        f"/{path}/import",
        data={"file": (io.BytesIO(content), "package.zip"), **form},
        content_type="multipart/form-data",
    )


def test_an_rf2_package_takes_the_package_field_as_snowpath_import_does(
    client: FlaskClient, store: RevisionStore
) -> None:
    store.codesystems.create("SCT", "SNOMED CT (invented)")
    package = _zipped(RF2)
    response = upload_with(client, "MAIN/SCT", package, format="rf2", package="full")
    job = wait_for(client, response.headers["Location"])
    assert job["state"] == "COMPLETED", job
    assert [v.version for v in store.codesystems.versions("SCT")] == [T1, T2, T3]
    assert client.get(f"/MAIN/SCT/{T1}/concepts/{SPROCKET}").get_json()["parents"] == [WIDGET]
    assert client.get(f"/MAIN/SCT/{T2}/concepts/{SPROCKET}").get_json()["parents"] == [GADGET]


def test_an_rf2_package_of_several_types_without_the_field_fails_its_job_writing_nothing(
    client: FlaskClient, store: RevisionStore
) -> None:
    store.codesystems.create("SCT", "SNOMED CT (invented)")
    response = upload_with(client, "MAIN/SCT", _zipped(RF2), format="rf2")
    job = wait_for(client, response.headers["Location"])
    assert job["state"] == "FAILED"
    assert "choose snapshot, delta or full" in job["error"]
    assert client.get("/MAIN/SCT/concepts?limit=1").get_json()["total"] == 0


def test_a_version_field_names_the_single_release(
    client: FlaskClient, store: RevisionStore
) -> None:
    store.codesystems.create("SCT", "SNOMED CT (invented)")
    package = _zipped(RF2 / "Snapshot")
    response = upload_with(client, "MAIN/SCT", package, format="rf2", version="v-test")
    job = wait_for(client, response.headers["Location"])
    assert job["state"] == "COMPLETED", job
    assert [v.version for v in store.codesystems.versions("SCT")] == ["v-test"]
    assert client.get(f"/MAIN/SCT/v-test/concepts/{SPROCKET}").status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("package", "weekly", "'package' must be one of snapshot, delta, full"),
        ("version", "bad name!", "Invalid branch name 'bad name!'"),
        ("version", "HEAD", "'HEAD' is a reserved name"),
    ],
)
def test_a_bad_form_option_is_refused_before_the_upload(
    client: FlaskClient, store: RevisionStore, field: str, value: str, said: str
) -> None:
    uploads = Path(client.application.extensions["snowpath"].settings.upload_dir)
    store.codesystems.create("SCT", "SNOMED CT (invented)")
    response = upload_with(client, "MAIN/SCT", _zipped(RF2), format="rf2", **{field: value})
    assert response.status_code == 400
    assert said in response.get_data(as_text=True)
    assert not uploads.exists() or list(uploads.iterdir()) == []
    assert client.get("/MAIN/SCT/concepts?limit=1").get_json()["total"] == 0
