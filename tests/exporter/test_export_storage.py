"""Export storage (exporter.storage) and the builder's output (exporter.exports): files are
whole or absent, a full disk is a clear failure with nothing left, keys cannot leave the
folder, export.json is streamed in order whatever feeds it (a collection's references too).
"""

from __future__ import annotations

import io
import json
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from exporter import exports, jobs
from exporter.exports import Content, Section, Written
from exporter.storage import TEMP_SUFFIX, FileStorage, StorageFull, key_of
from revisions import RevisionStore


def chunks(count: int, size: int = 1 << 16) -> Iterator[bytes]:
    for i in range(count):
        yield bytes([i % 256]) * size


def test_write_is_renamed_into_place_with_size_and_digest(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    written = storage.write("a/b.zip", [b"hello ", b"world"])
    assert (tmp_path / "a" / "b.zip").read_bytes() == b"hello world"
    assert written.size == 11
    assert written.sha256 == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b.zip"]


def test_a_failing_source_leaves_no_file(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)

    def broken() -> Iterator[bytes]:
        yield b"part"
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        storage.write("x/y.zip", broken())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_open_and_delete(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    assert storage.open("x.zip") is None
    assert storage.delete("x.zip") is False
    storage.write("x.zip", [b"1"])
    opened = storage.open("x.zip")
    assert opened is not None
    with opened:
        assert opened.read() == b"1"
    assert storage.delete("x.zip") is True
    assert storage.open("x.zip") is None


@pytest.mark.parametrize("key", ["../x.zip", "a/../../x", "", "a//b", "./a"])
def test_keys_cannot_leave_the_folder(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="Not a storage key"):
        FileStorage(tmp_path).path(key)


@pytest.mark.parametrize(
    ("segments", "expected"),
    [
        (("source", "ICD", "v1"), "source/ICD/v1"),
        (("source", "..", "."), "source/%2E%2E/%2E"),
        (("source", "a/b", "1.0"), "source/a%2Fb/1%2E0"),
    ],
)
def test_key_of_encodes_every_segment(segments: tuple[str, ...], expected: str) -> None:
    assert key_of(*segments) == expected


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: a disk that really fills up (needs the right to mount)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_full_disk_is_storage_full_and_leaves_nothing(small_disk: Path) -> None:
    storage = FileStorage(small_disk)
    with pytest.raises(StorageFull, match="The export storage is full: No space left"):
        storage.write("source/ICD/v1/t.zip", chunks(64))  # 4 MiB into 1 MiB
    assert [p for p in small_disk.rglob("*") if p.is_file()] == []
    storage.write("after.zip", [b"room again"])  # the space was given back
    assert (small_disk / "after.zip").read_bytes() == b"room again"


# --- export.json ----------------------------------------------------------------------------


def content(**sections: list[tuple[int | None, dict]]) -> Content:
    return Content(
        {"type": "Collection Version", "id": "v1", "collection": {"id": "C"}},
        tuple(Section(name, len(rows), iter(rows)) for name, rows in sections.items()),
        created_ts=1_000,
    )


def decode(parts: Iterator[bytes]) -> dict:
    return json.loads(b"".join(parts))


def test_export_json_keys_in_order_with_references() -> None:
    given = content(
        concepts=[(5_000, {"id": "A"}), (7_000, {"id": "B"})],
        references=[(None, {"expression": "/orgs/O/sources/S/concepts/A/"})],
        mappings=[(6_000, {"id": "M"})],
    )
    written = Written()
    data = decode(exports.export_json(given, written, 1_600_000_000_000))
    assert list(data) == [
        "type",
        "id",
        "collection",
        "concepts",
        "references",
        "mappings",
        "export_time",
    ]
    assert data["export_time"] == "2020-09-13T12:26:40Z"
    assert written.done == 4
    assert written.last_updated_ts == 7_000


def test_export_json_of_an_empty_version() -> None:
    written = Written()
    data = decode(exports.export_json(content(concepts=[], mappings=[]), written, 0))
    assert (data["concepts"], data["mappings"]) == ([], [])
    assert written.last_updated_ts is None


def test_export_json_comes_in_bounded_chunks() -> None:
    rows = [(i, {"id": f"{i:06}", "text": "x" * 1000}) for i in range(2_000)]
    parts = list(exports.export_json(content(concepts=rows), Written(), 0))
    assert len(parts) > 5
    assert max(len(p) for p in parts) < exports.CHUNK + 2_000
    assert [c["id"] for c in json.loads(b"".join(parts))["concepts"]] == [r[1]["id"] for r in rows]


def test_progress_is_reported_while_writing() -> None:
    seen: list[int] = []
    rows = [(i, {"id": str(i), "text": "y" * 2000}) for i in range(1_000)]
    written = Written(on_progress=seen.append)
    list(exports.export_json(content(concepts=rows), written, 0))
    assert seen == sorted(seen)
    assert len(seen) > 1
    assert seen[-1] == 1_000


def test_zipped_is_one_deflated_entry() -> None:
    body = b"".join(exports.zipped(iter([b'{"a":', b"1}"])))
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        [info] = archive.infolist()
        assert info.filename == "export.json"
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert archive.read("export.json") == b'{"a":1}'


@pytest.mark.parametrize(
    ("version", "name"),
    [
        ("1.0", "WHO_ICD_v1.0.20200913122640.zip"),
        ("v2", "WHO_ICD_v2.20200913122640.zip"),
        ("V3", "WHO_ICD_V3.20200913122640.zip"),
        ("2016-08-22", "WHO_ICD_v2016-08-22.20200913122640.zip"),
    ],
)
def test_file_name_without_doubled_v(version: str, name: str) -> None:
    assert exports.file_name("WHO", "ICD", version, 1_600_000_000_000) == name


def test_sweep_deletes_temp_files_of_finished_builds_only(
    tmp_path: Path, store: RevisionStore
) -> None:
    live_token = uuid.uuid4().hex
    jobs.create(store, exports.JOB_KIND, {"token": live_token})
    folder = tmp_path / "exports" / "source" / "S" / "v1"
    folder.mkdir(parents=True)
    live = folder / f"{live_token}.zip.abc{TEMP_SUFFIX}"
    dead = folder / f"{uuid.uuid4().hex}.zip.def{TEMP_SUFFIX}"
    done = folder / f"{uuid.uuid4().hex}.zip"
    for path in (live, dead, done):
        path.write_bytes(b"x")
    assert exports.sweep(store, tmp_path / "exports") == [dead.name]
    assert sorted(p.name for p in folder.iterdir()) == sorted([live.name, done.name])
