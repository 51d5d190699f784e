"""Collections end to end, over HTTP against ``snowpath serve`` (gunicorn, the embedded
SQLite store, the system clock): a version taken between two edits of a concept keeps the
first, through the real clock's past reads."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from revisions import make_engine
from tests.api.ocl.owners import org
from tests.api.test_serve import Serve, printed_token, serve, started  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


class _Engine:
    """What ``owners.org`` needs of a store: its engine."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)


def test_a_collection_version_is_frozen_over_http(serve: Serve, tmp_path: Path) -> None:  # noqa: F811
    base, lines = serve()
    holder = _Engine(f"sqlite:///{tmp_path / 'var' / 'snowpath.db'}")
    org(holder, "WHO")  # type: ignore[arg-type]
    holder.engine.dispose()
    source, collection = f"{base}/orgs/WHO/sources/ICD", f"{base}/orgs/WHO/collections/C"
    with httpx.Client(
        headers={"Authorization": f"Token {printed_token(lines)}"}, timeout=30
    ) as http:
        assert (
            http.post(f"{base}/orgs/WHO/sources/", json={"id": "ICD", "name": "ICD"}).status_code
            == 201
        )
        concept = {
            "id": "A1",
            "concept_class": "Diagnosis",
            "datatype": "N/A",
            "names": [{"name": "First", "locale": "en", "locale_preferred": True}],
        }
        assert http.post(f"{source}/concepts/", json=concept).status_code == 201
        assert (
            http.post(f"{base}/orgs/WHO/collections", json={"id": "C", "name": "C"}).status_code
            == 201
        )
        body = {"data": {"expressions": ["/orgs/WHO/sources/ICD/concepts/A1/"]}}
        added = http.put(f"{collection}/references/", json=body).json()
        assert added[0]["added"] is True
        assert http.post(f"{collection}/versions/", json={"id": "v1"}).status_code == 201
        edit = http.patch(f"{source}/concepts/A1/", json={"concept_class": "Symptom"})
        assert edit.status_code == 200
        frozen = http.get(f"{collection}/v1/?includeConcepts=true&limit=0").json()
        head = http.get(f"{collection}/concepts/").json()
    assert [c["concept_class"] for c in frozen["concepts"]] == ["Diagnosis"]
    assert [c["concept_class"] for c in head] == ["Symptom"]
