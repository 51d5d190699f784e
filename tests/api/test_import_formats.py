"""An OCL export imports over HTTP as the export's own ``.json`` file, as it does zipped."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.api.conftest import wait_for
from tests.api.test_import import EXAMPLE, upload


def test_the_repositorys_example_imports_as_a_plain_json_file(client: FlaskClient) -> None:
    response = upload(client, "MAIN", EXAMPLE.read_bytes(), "ocl_full_example.json")
    assert response.status_code == 202
    job = wait_for(client, response.headers["Location"])
    assert job["state"] == "COMPLETED", job
    assert client.get("/MAIN/concepts/A15.1").get_json()["conceptClass"] == "Diagnosis"
    mapping = client.get("/MAIN/mappings/8jf8j-39fnnkdked").get_json()
    assert (mapping["targetCodeSystem"], mapping["targetCode"]) == ("SNOMED", "154283005")
