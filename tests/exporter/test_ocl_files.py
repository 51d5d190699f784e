"""The files an OCL import takes (``exporter.ocl.read``): an export zip, the export's JSON
itself (pretty-printed or on one line), JSON lines of OCL objects, or one object; the same
components from each."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import orjson
import pytest

from exporter.ocl import InvalidImport, read

EXAMPLE = Path(__file__).parent.parent / "data" / "ocl_full_example.json"


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _zipped(content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export.json", content)
    return buffer.getvalue()


@pytest.fixture
def from_zip(tmp_path: Path) -> list:
    return read(_write(tmp_path, "export.zip", _zipped(EXAMPLE.read_bytes())))


def test_the_example_zip_gives_concepts_descriptions_and_mappings(from_zip: list) -> None:
    kinds = {kind for kind, _, _ in from_zip}
    assert kinds == {"concept", "description", "mapping"}
    assert ("concept", "A15.1") in {(kind, cid) for kind, cid, _ in from_zip}


def test_a_pretty_printed_export_json_reads_as_its_zip(tmp_path: Path, from_zip: list) -> None:
    assert read(_write(tmp_path, "export.json", EXAMPLE.read_bytes())) == from_zip


def test_an_export_on_one_line_reads_as_its_zip(tmp_path: Path, from_zip: list) -> None:
    one_line = orjson.dumps(orjson.loads(EXAMPLE.read_bytes()))
    assert read(_write(tmp_path, "export.json", one_line)) == from_zip


def test_json_lines_of_the_exports_objects_read_as_its_zip(tmp_path: Path, from_zip: list) -> None:
    export = orjson.loads(EXAMPLE.read_bytes())
    objects = [{**c, "type": "Concept"} for c in export["concepts"]]
    objects += [
        {**m, "type": "Mapping", "source": export["short_code"]} for m in export["mappings"]
    ]
    lines = b"\n".join(orjson.dumps(o) for o in objects)
    assert read(_write(tmp_path, "export.jsonl", lines)) == from_zip


def test_one_pretty_printed_concept_reads_as_that_concept(tmp_path: Path) -> None:
    concept = {"type": "Concept", "id": "c1", "names": [{"name": "One", "locale": "en"}]}
    got = read(_write(tmp_path, "c.json", orjson.dumps(concept, option=orjson.OPT_INDENT_2)))
    assert [(kind, cid) for kind, cid, _ in got] == [("concept", "c1"), ("description", "c1-n0")]


def test_json_that_is_not_an_export_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidImport, match="no 'concepts' or 'mappings'"):
        read(_write(tmp_path, "x.json", b'{\n  "name": "not an export"\n}'))


def test_a_broken_export_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidImport, match="not a valid OCL export"):
        read(_write(tmp_path, "x.json", b'{\n  "concepts": [\n'))
