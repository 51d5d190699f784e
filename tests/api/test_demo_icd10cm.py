"""The first start's real content: ``snowpath serve --demo-data`` (what ``bin/run`` passes)
loads ICD-10-CM's two latest releases as versions of ICD10CM, exports built, before it
listens; the printed URLs answer; a second start loads nothing again.

The end-to-end test needs the cached wheels (bin/fetch-data): skipped without them, failed
in CI. Which wheels the demo takes is tested on empty files of the right names."""

from __future__ import annotations

import io
import json
import subprocess
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from accounts.store import Accounts
from api.cli import _load_demos
from api.demo_icd10cm import available
from api.settings import load
from revisions import RevisionStore, make_engine, upgrade
from tests.api.test_serve import answers, free_port, launch, stop
from tests.importers.oracle import icd10cm_wheels


def _wheels(folder: Path, *versions: str) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = [folder / f"simple_icd_10_cm-{v}-py3-none-any.whl" for v in versions]
    for path in paths:
        path.write_bytes(b"")
    return paths


def test_the_demo_takes_the_two_newest_releases_by_version_number(tmp_path: Path) -> None:
    _wheels(tmp_path, "1.2.0", "1.10.0", "1.5.0", "1.4.0")
    assert [p.name.split("-")[1] for p in available(tmp_path)] == ["1.5.0", "1.10.0"]


def test_no_demo_without_two_wheels(tmp_path: Path) -> None:
    assert available(None) == []
    assert available(tmp_path / "missing") == []
    _wheels(tmp_path, "1.5.0")
    assert available(tmp_path) == []


def _started(port: int, var: Path, demo: Path) -> tuple[subprocess.Popen, list[str]]:
    process, output = launch(port, var, "--demo-data", str(demo))
    output.wait_for("Booting worker", timeout_s=120)  # the lines before it are in output.seen
    answers(f"http://127.0.0.1:{port}", time.monotonic() + 120, output)
    return process, list(output.seen)


@pytest.mark.slow
def test_the_first_start_loads_icd10cm_with_versions_and_exports(tmp_path: Path) -> None:
    demo = next(iter(icd10cm_wheels().values())).parent
    port, var = free_port(), tmp_path / "var"
    base = f"http://127.0.0.1:{port}"
    process, lines = _started(port, var, demo)
    try:
        assert any("Loaded ICD-10-CM 2025 and 2026 as the code system ICD10CM" in x for x in lines)
        urls = [line.strip() for line in lines if line.strip().startswith(base + "/")]
        for url in urls:
            assert httpx.get(url, timeout=30).status_code == 200, url

        asthma = httpx.get(f"{base}/ICD10CM/concepts/J45?expand=fsn()", timeout=10).json()
        assert (asthma["fsn"]["term"], asthma["parents"]) == ("Asthma", ["J40-J4A"])
        versions = httpx.get(f"{base}/codesystems/ICD10CM/versions", timeout=10).json()
        assert [v["version"] for v in versions["items"]] == ["2025", "2026"]

        # The range holds what 2026 changed: C50.A (new in 2026) but not J45 (unchanged).
        changed = f"{base}/MAIN/ICD10CM/2025...MAIN/ICD10CM/2026/concepts"
        assert httpx.get(f"{changed}/C50.A", timeout=10).status_code == 200
        assert httpx.get(f"{changed}/J45", timeout=10).status_code == 404
        assert httpx.get(f"{base}/MAIN/ICD10CM/2025/concepts/C50.A", timeout=10).status_code == 404

        # The 2026 export is ready at once and holds that version's concepts exactly.
        export = httpx.get(f"{base}/orgs/demo/sources/ICD10CM/2026/export/", timeout=60)
        assert export.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
            text = archive.read("export.json")  # 125 MB: counted, not parsed
        head = json.loads(text[: text.index(b',"concepts":')] + b"}")
        concepts = f"{base}/MAIN/ICD10CM/2026/concepts?limit=1"
        every = httpx.get(concepts, timeout=10).json()["total"]
        active = httpx.get(concepts + "&active=true", timeout=10).json()["total"]
        assert (head["type"], head["id"]) == ("Source Version", "2026")
        assert b'"mappings":[]' in text  # ICD-10-CM has none: every object counted is a concept
        assert text.count(b'"type":"Concept"') == every
        # A concept's own "retired" follows its "extras"; its names' follow their name_type.
        assert text.count(b'"extras":{},"retired":true') == every - active > 0
        assert b'"id":"C50.A"' in text
    finally:
        stop(process)

    # A second start finds its content and loads nothing again.
    process, lines = _started(port, var, demo)
    try:
        assert not any("Loaded" in line for line in lines)
        assert any("/orgs/demo/sources/ICD10CM/2026/export/" in line for line in lines)
    finally:
        stop(process)


def test_a_broken_wheel_loads_no_icd10cm_and_the_server_starts_anyway(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in _wheels(tmp_path / "wheels", "1.4.0", "1.5.0"):
        path.write_bytes(b"PK\x03\x04 not a zip")
    store = RevisionStore(make_engine(f"sqlite:///{tmp_path / 'snowpath.db'}"))
    upgrade(store.engine)
    store.initialize()
    Accounts(store.engine).create_user("admin", is_staff=True)
    settings = load({"SNOWPATH_DATA_DIR": str(tmp_path / "data")})
    try:
        _load_demos(store, settings, tmp_path / "wheels")
        assert [found.id for found in store.codesystems.list()] == ["DEMO"]
    finally:
        store.engine.dispose()
    said = capsys.readouterr()
    assert "Loaded the demo code system DEMO." in said.out
    assert "The ICD-10-CM demo was not loaded:" in said.err
