"""The ICD-10-CM format (importers.icd10cm) on a tiny hand-written tabular list, and the
``snowpath import`` command over it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from exporter.ocl import InvalidImport
from importers.formats import read
from importers.icd10cm import wheel_release
from importers.release import Release
from tests.importers.tiny_icd import write_wheel


def concepts(release: Release) -> dict[str, dict]:
    return {cid: f for t, cid, f in release.components if t == "concept"}


def descriptions(release: Release) -> dict[str, dict]:
    return {cid: f for t, cid, f in release.components if t == "description"}


def test_codes_keep_the_tabular_hierarchy(tmp_path: Path) -> None:
    release = wheel_release(write_wheel(tmp_path))
    parents = {cid: f["parents"] for cid, f in concepts(release).items()}
    assert parents == {
        "1": [],
        "A00-A01": ["1"],
        "A00": ["A00-A01"],
        "A00.0": ["A00"],
        "A00.1": ["A00"],
        "A01": ["A00-A01"],
        "A01.1": ["A01"],
        "A01.1XXA": ["A01.1"],
        "C7A-C7A": ["1"],
        "C7A": ["C7A-C7A"],
    }
    classes = {cid: f["concept_class"] for cid, f in concepts(release).items()}
    assert classes["1"] == "chapter"
    assert classes["A00-A01"] == "block"
    assert classes["A00"] == "category"
    assert classes["A00.0"] == "subcategory"
    assert classes["A01.1XXA"] == "extended subcategory"
    assert release.total == len(release.components)


def test_a_seventh_character_code_takes_its_title_from_the_leaf_and_the_character(
    tmp_path: Path,
) -> None:
    titles = descriptions(wheel_release(write_wheel(tmp_path)))
    assert titles["A01.1XXA-T"]["term"] == "Fracture of x, initial encounter/for closed"
    assert "A01.1XXD-T" not in titles  # the code list does not confirm it


def test_a_block_named_as_its_only_category_gets_a_range_id(tmp_path: Path) -> None:
    release = wheel_release(write_wheel(tmp_path))
    assert descriptions(release)["C7A-C7A-T"]["term"] == "Malignant (C7A)"
    assert descriptions(release)["C7A-T"]["term"] == "Malignant tumors"


def test_titles_are_preferred_fsns_and_inclusion_terms_synonyms(tmp_path: Path) -> None:
    listed = descriptions(wheel_release(write_wheel(tmp_path)))
    assert listed["A00-T"]["type"] == "FSN"
    assert listed["A00-T"]["preferred"] is True
    terms = {f["term"] for f in listed.values() if f["type"] == "SYNONYM"}
    assert terms == {"Cholera morbus", "Asiatic cholera"}


def test_an_inclusion_term_keeps_its_id_when_the_title_changes(tmp_path: Path) -> None:
    first = descriptions(wheel_release(write_wheel(tmp_path / "a")))
    second = descriptions(wheel_release(write_wheel(tmp_path / "b", cholera="Cholera!")))
    synonyms = {cid for cid, f in first.items() if f["type"] == "SYNONYM"}
    assert synonyms == {cid for cid, f in second.items() if f["type"] == "SYNONYM"}


def test_the_2021_order_file_confirms_codes_too(tmp_path: Path) -> None:
    release = wheel_release(write_wheel(tmp_path, year="2021", order_file=True))
    assert (release.version, release.effective) == ("2021", "2020-10-01")
    assert "A01.1XXA" in concepts(release)


def test_an_april_release_is_effective_on_the_first_of_april(tmp_path: Path) -> None:
    release = wheel_release(write_wheel(tmp_path, year="2025"))
    assert (release.version, release.effective, release.kind) == ("2025", "2025-04-01", "snapshot")


def test_a_folder_gives_its_releases_oldest_first(tmp_path: Path) -> None:
    write_wheel(tmp_path, year="2026", version="1.5.0")
    write_wheel(tmp_path, year="2021", order_file=True, version="1.2.0")
    assert [r.version for r in read("icd10cm", tmp_path)] == ["2021", "2026"]
    with pytest.raises(InvalidImport, match="one release"):
        list(read("icd10cm", tmp_path, version="x"))


def test_a_file_that_is_not_a_wheel_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "simple_icd_10_cm-1.0.0-py3-none-any.whl"
    path.write_text("not a zip")
    with pytest.raises(InvalidImport, match="not a simple_icd_10_cm wheel"):
        list(read("icd10cm", path))


def test_an_unknown_format_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(InvalidImport, match=r"use one of .*icd10cm.*ocl"):
        list(read("nope", tmp_path))


def test_the_import_command_creates_the_code_system_and_prints_the_summary(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "wheels"
    write_wheel(folder, year="2021", order_file=True, version="1.2.0")
    write_wheel(folder, year="2026", version="1.5.0", extra="")
    env = {"SNOWPATH_DATA_DIR": str(tmp_path / "data"), "SNOWPATH_DATABASE_URL": ""}
    command = ["import", "icd10cm", str(folder), "--codesystem", "ICD10CM", "--quiet"]
    done = CliRunner(env=env).invoke(main, command)
    assert done.exit_code == 0, done.output
    assert "2021 [snapshot]: 22 created, 0 changed, 0 retired, 0 skipped" in done.output
    # 2026 drops A00.1: it and its title retire; the rest is as it was.
    assert "2026 [snapshot]: 0 created, 0 changed, 2 retired, 20 skipped (20 unchanged)" in (
        done.output
    )
    again = CliRunner(env=env).invoke(main, command)
    assert again.exit_code == 0, again.output
    assert "2026 [snapshot] (imported before)" in again.output


def test_the_import_command_reports_a_bad_source_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "simple_icd_10_cm-1.0.0-py3-none-any.whl"
    path.write_text("not a zip")
    env = {"SNOWPATH_DATA_DIR": str(tmp_path / "data"), "SNOWPATH_DATABASE_URL": ""}
    done = CliRunner(env=env).invoke(main, ["import", "icd10cm", str(path), "--codesystem", "X"])
    assert done.exit_code == 1
    assert "is not a simple_icd_10_cm wheel" in done.output
