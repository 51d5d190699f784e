"""OCL's own command line, ``ocl`` (PyPI ``openconceptlab``, pinned in the test extra),
pointed at a live server (``snowpath serve`` and ``snowpath worker`` on PostgreSQL and
Redis): it reads a repository, lists its versions and its concepts at HEAD and at a
version, reads a concept, is refused a private repository without a token as OCL's
clients expect (their exit code 1, a 404 named), and checks, deletes, creates and downloads
a version's export (the worker builds it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import deployment

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
SOURCE = "/orgs/CIEL/sources/CIEL/"
CONCEPTS = ("concept", "list", "--owner", "CIEL", "--repo", "CIEL")


def _concept(cid: str) -> dict[str, Any]:
    return {
        "id": cid,
        "concept_class": "Diagnosis",
        "datatype": "N/A",
        "names": [{"name": f"Concept {cid}", "locale": "en", "locale_preferred": True}],
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A live server holding the organisation CIEL with a public source CIEL (concepts 1-3
    in the released version v1, concept 4 after it in v2, not released) and a private
    source Secret; its base URL and the administrator's token."""
    with deployment("oclcli", tmp_path_factory.mktemp("oclcli")) as (base, token):
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Token {token}"}, timeout=30
        ) as http:
            steps = [
                ("/orgs/", {"id": "CIEL", "name": "Columbia International eHealth Lab"}),
                ("/orgs/CIEL/sources/", {"id": "CIEL", "name": "CIEL", "public_access": "View"}),
                ("/orgs/CIEL/sources/", {"id": "Secret", "name": "S", "public_access": "None"}),
                *((f"{SOURCE}concepts/", _concept(cid)) for cid in ("1", "2", "3")),
                (f"{SOURCE}versions/", {"id": "v1", "released": True}),
                (f"{SOURCE}concepts/", _concept("4")),
                (f"{SOURCE}versions/", {"id": "v2"}),
            ]
            for url, body in steps:
                made = http.post(url, json=body)
                assert made.status_code == 201, made.text
        yield base, token


def ocl(
    server: tuple[str, str], home: Path, *args: str, token: bool = True
) -> subprocess.CompletedProcess[str]:
    """``ocl --server <base> [--token <t>] --json <args>`` with its config in ``home``."""
    base, admin_token = server
    options = ["--server", base, *(["--token", admin_token] if token else []), "--json"]
    env = {**os.environ, "HOME": str(home)}
    env.pop("OCL_API_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "ocl_cli", *options, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ocl_json(server: tuple[str, str], home: Path, *args: str, token: bool = True) -> Any:
    done = ocl(server, home, *args, token=token)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_ocl_reads_a_repository(server: tuple[str, str], tmp_path: Path) -> None:
    source = ocl_json(server, tmp_path, "repo", "get", "CIEL", "CIEL")
    assert source["id"] == "CIEL"
    assert source["type"] == "Source"
    assert source["owner"] == "CIEL"
    assert source["url"] == SOURCE


def test_ocl_lists_versions_head_first_then_newest(server: tuple[str, str], tmp_path: Path) -> None:
    listed = ocl_json(server, tmp_path, "repo", "versions", "CIEL", "CIEL")
    assert [version["id"] for version in listed["results"]] == ["HEAD", "v2", "v1"]
    assert listed["count"] == 3


def test_ocl_lists_released_versions(server: tuple[str, str], tmp_path: Path) -> None:
    listed = ocl_json(server, tmp_path, "repo", "versions", "CIEL", "CIEL", "--released", "true")
    assert [version["id"] for version in listed["results"]] == ["v1"]


def test_ocl_reads_the_latest_released_version(server: tuple[str, str], tmp_path: Path) -> None:
    latest = ocl_json(server, tmp_path, "repo", "get", "CIEL", "CIEL", "--repo-version", "latest")
    assert latest["id"] == "v1"
    assert latest["released"] is True


def test_ocl_lists_concepts_at_head_and_at_a_version(
    server: tuple[str, str], tmp_path: Path
) -> None:
    head = ocl_json(server, tmp_path, *CONCEPTS)
    assert sorted(concept["id"] for concept in head["results"]) == ["1", "2", "3", "4"]
    assert head["count"] == 4
    v1 = ocl_json(server, tmp_path, *CONCEPTS, "--repo-version", "v1")
    assert sorted(concept["id"] for concept in v1["results"]) == ["1", "2", "3"]


def test_ocl_pages_concepts(server: tuple[str, str], tmp_path: Path) -> None:
    pages = [
        ocl_json(server, tmp_path, *CONCEPTS, "--limit", "3", "--page", page) for page in ("1", "2")
    ]
    assert [len(page["results"]) for page in pages] == [3, 1]
    assert pages[0]["count"] == 4  # from the num_found header
    seen = [concept["id"] for page in pages for concept in page["results"]]
    assert sorted(seen) == ["1", "2", "3", "4"]


def test_ocl_reads_a_concept(server: tuple[str, str], tmp_path: Path) -> None:
    concept = ocl_json(server, tmp_path, "concept", "get", "CIEL", "CIEL", "2")
    assert concept["id"] == "2"
    assert concept["concept_class"] == "Diagnosis"
    assert [name["name"] for name in concept["names"]] == ["Concept 2"]


def test_ocl_without_a_token_is_refused_a_private_repository(
    server: tuple[str, str], tmp_path: Path
) -> None:
    refused = ocl(server, tmp_path, "repo", "get", "CIEL", "Secret", token=False)
    assert refused.returncode == 1  # OCL's client: a 4xx other than 401/403
    assert "404" in refused.stderr or "not found" in refused.stderr.lower()
    assert ocl_json(server, tmp_path, "repo", "get", "CIEL", "Secret")["id"] == "Secret"


def test_ocl_whoami_names_the_tokens_user(server: tuple[str, str], tmp_path: Path) -> None:
    me = ocl_json(server, tmp_path, "whoami")
    assert me["username"] == "admin"


def _export_status(server: tuple[str, str], home: Path) -> dict[str, Any]:
    """``ocl export status`` of v1, once the build under way (if any) is over."""
    deadline = time.monotonic() + 60
    while True:
        status = ocl_json(
            server, home, "repo", "export", "status", "CIEL", "CIEL", "v1", "--type", "source"
        )
        if status["status"] != "processing":
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.2)


def test_ocl_deletes_creates_and_downloads_an_export(
    server: tuple[str, str], tmp_path: Path
) -> None:
    args = ("CIEL", "CIEL", "v1", "--type", "source")
    ready = _export_status(server, tmp_path)  # the build creating v1 queued
    assert ready["status"] == "ready"
    assert ready["filename"].startswith("CIEL_CIEL_v1.")
    deleted = ocl(server, tmp_path, "repo", "export", "delete", *args)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.strip() == "Export deleted."
    assert _export_status(server, tmp_path)["status"] == "not_found"
    assert ocl_json(server, tmp_path, "repo", "export", "create", *args)["status"] == "accepted"
    assert _export_status(server, tmp_path)["status"] == "ready"
    folder = tmp_path / "downloads"
    folder.mkdir()
    done = ocl(server, tmp_path, "repo", "export", "download", *args, "--output", str(folder))
    assert done.returncode == 0, done.stderr
    [saved] = folder.iterdir()
    assert saved.name.startswith("CIEL_CIEL_v1.")
    assert saved.name.endswith(".zip")
    with zipfile.ZipFile(saved) as archive:
        exported = json.loads(archive.read("export.json"))
    assert exported["id"] == "v1"
    assert sorted(concept["id"] for concept in exported["concepts"]) == ["1", "2", "3"]
