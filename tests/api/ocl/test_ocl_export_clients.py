"""A real OCL client against a live server with a real worker: ``ocldev``'s export loader
(PyPI ``ocldev``; it POSTs on 204, polls while 208, downloads on 200) against
``snowpath serve`` and ``snowpath worker`` on PostgreSQL and Redis, over HTTP, plus the
Export API's ranged download as a resuming client does it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.export import owner_row
from revisions import RevisionStore, make_engine
from tests.live import deployment

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
SOURCE = "/orgs/CIEL/sources/CIEL/"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A serve and a worker process on PostgreSQL and Redis, the organisation CIEL made
    before the first start; their base URL and the administrator's token."""

    def prepare(url: str) -> None:
        store = RevisionStore(make_engine(url))
        owner_row(store, "CIEL")
        store.engine.dispose()

    with deployment("ocldev", tmp_path / "var", prepare=prepare) as served:
        yield served


def test_ocldev_loads_an_export_posting_on_204_and_polling_208(server: tuple[str, str]) -> None:
    from ocldev.oclexport import OclExportFactory

    base, token = server
    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        assert (
            http.post("/orgs/CIEL/sources/", json={"id": "CIEL", "name": "CIEL"}).status_code == 201
        )
        for cid in ("1", "2", "3"):
            body = {
                "id": cid,
                "concept_class": "Diagnosis",
                "names": [{"name": f"Concept {cid}", "locale": "en", "locale_preferred": True}],
            }
            assert http.post(f"{SOURCE}concepts/", json=body).status_code == 201
        assert http.post(f"{SOURCE}versions/", json={"id": "v2016-08-22"}).status_code == 201
        export_url = f"{SOURCE}v2016-08-22/export/"
        deadline = time.monotonic() + 60
        while http.head(export_url).status_code == 208:  # the build the version queued
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert http.delete(export_url).status_code == 204  # so ocldev meets a 204 first
        assert http.get(export_url).status_code == 204
    export = OclExportFactory.load_export(
        repo_version_url=f"{base}{SOURCE}v2016-08-22/",
        oclapitoken=token,
        do_wait_for_export=True,
        delay_seconds=0.2,
        max_wait_seconds=60,
    )
    full = export.get_full_export()
    assert full["type"] == "Source Version"
    assert full["id"] == "v2016-08-22"
    assert [c["id"] for c in full["concepts"]] == ["1", "2", "3"]
    assert len(export) == 3


def test_a_broken_download_resumes_with_a_range(server: tuple[str, str]) -> None:
    base, token = server
    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        assert (
            http.post("/orgs/CIEL/sources/", json={"id": "CIEL", "name": "CIEL"}).status_code == 201
        )
        assert http.post(f"{SOURCE}versions/", json={"id": "1.0"}).status_code == 201
        export_url = f"{SOURCE}1.0/export/"
        deadline = time.monotonic() + 60
        while (whole := http.get(export_url)).status_code == 208:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert whole.status_code == 200
        assert whole.headers["Content-Disposition"].startswith(
            "attachment; filename=CIEL_CIEL_v1.0."
        )
        half = len(whole.content) // 2
        headers = {"Range": f"bytes={half}-", "If-Range": whole.headers["ETag"]}
        rest = http.get(export_url, headers=headers)
        assert rest.status_code == 206
        assert whole.content[:half] + rest.content == whole.content
