"""OCL API fixtures: an organisation ``WHO`` (a row, see ``owners``) and its source ``ICD``
with one concept, on SQLite and PostgreSQL (the ``client`` fixture's store)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from revisions import RevisionStore
from tests.api.ocl.owners import org

SOURCE = "/orgs/WHO/sources/ICD/"


def concept_body(cid: str = "A1", **fields: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "concept_class": "Diagnosis",
        "datatype": "N/A",
        "names": [{"name": f"Name of {cid}", "locale": "en", "locale_preferred": True}],
        **fields,
    }


@pytest.fixture
def who(store: RevisionStore) -> str:
    return org(store, "WHO")


@pytest.fixture
def source(client: FlaskClient, who: str) -> str:
    response = client.post("/orgs/WHO/sources/", json={"id": "ICD", "name": "ICD-10"})
    assert response.status_code == 201, response.get_json()
    assert client.post(f"{SOURCE}concepts/", json=concept_body()).status_code == 201
    return SOURCE
