"""OCL concept and mapping reads come from the shared read cache as native ones do
(api.readcache): a second read is the same bytes and reads no component; an edit through
either API shows at once (a commit gives the head a new view); a version's item stays as
it was; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.api.ocl.collecting import add_concept, concept_url
from tests.api.ocl.conftest import SOURCE
from tests.api.ocl.exports_helpers import make_version, settle
from tests.api.test_read_cache import _got, kept_twice


@pytest.mark.parametrize("at", ["", "v1/"])
def test_an_ocl_item_read_twice_is_the_same_bytes_and_reads_no_component(
    client: FlaskClient, source: str, at: str
) -> None:
    add_concept(client, "A2")
    make_version(client)
    settle(client, f"{SOURCE}v1/export/")  # the version's export build reads components too
    kept_twice(client, f"{SOURCE}{at}concepts/A2/")


def test_an_edit_through_the_native_api_shows_in_the_next_ocl_read(
    client: FlaskClient, source: str
) -> None:
    add_concept(client, "A2")
    before = _got(client, concept_url("A2")).get_json()
    body = {"id": "A2-syn", "conceptId": "A2", "term": "Another name", "type": "SYNONYM"}
    assert client.post("/ICD/descriptions", json=body).status_code == 201
    after = _got(client, concept_url("A2")).get_json()
    assert after["version"] != before["version"]
    assert "Another name" in {name["name"] for name in after["names"]}


def test_a_versions_item_keeps_its_body_after_head_changes(
    client: FlaskClient, source: str
) -> None:
    add_concept(client, "A2")
    make_version(client)
    kept = _got(client, f"{SOURCE}v1/concepts/A2/").get_data()
    edited = {"extras": {"changed": True}}
    assert client.put(concept_url("A2"), json=edited).status_code == 200
    assert _got(client, f"{SOURCE}v1/concepts/A2/").get_data() == kept
    assert _got(client, concept_url("A2")).get_json()["extras"] == {"changed": True}
