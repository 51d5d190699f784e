"""The GEMs over HTTP: ICD-10-CM codes, then the ICD-10-CM -> ICD-9-CM GEM uploaded with
``format=gems-10-9``; the job sees the branch, so a row whose source code is not there is
skipped and counted in its result, as ``snowpath import`` does."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from revisions import RevisionStore
from tests.api.conftest import wait_for
from tests.api.test_import_formats import upload_as
from tests.importers import tiny_gems, tiny_icd


def test_a_gem_file_imports_through_the_endpoint_skipping_unknown_sources(
    client: FlaskClient, store: RevisionStore, tmp_path: Path
) -> None:
    store.codesystems.create("ICD10CM", "ICD-10-CM")
    for name, wheel in [
        ("icd10cm", tiny_icd.write_wheel(tmp_path / "icd")),
        ("gems-10-9", tiny_gems.write_wheel(tmp_path / "gems")),
    ]:
        response = upload_as(client, "MAIN/ICD10CM", wheel.read_bytes(), wheel.name, name)
        assert response.status_code == 202
        job = wait_for(client, response.headers["Location"])
        assert job["state"] == "COMPLETED", job
    assert job["result"]["created"] == 6
    assert job["result"]["skipped"] == {"source code not in the code system": 1}
    listed = client.get("/MAIN/ICD10CM/mappings?sourceId=A01.1XXA").get_json()["items"]
    assert sorted(m["id"] for m in listed) == [
        "GEM-A01.1XXA-820.00-S1C1",
        "GEM-A01.1XXA-820.00-S2C1",
        "GEM-A01.1XXA-E888.9-S1C2",
    ]
    assert {m["mapType"] for m in listed} == {"COMBINATION"}
