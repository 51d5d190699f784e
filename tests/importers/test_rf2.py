"""importers.rf2 against the hand-written package in tests/data/rf2 (invented content, no
SNOMED CT), against broken packages, and round trip through bench.rf2's synthetic package."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench import data as bench_data
from bench import rf2 as bench_rf2
from exporter.ocl import Component
from importers import rf2
from importers.rf2_files import InvalidRF2
from revisions.errors import InvalidRequest

RF2 = Path(__file__).parent.parent / "data" / "rf2"
T1, T2, T3 = "20230101", "20230701", "20240101"
# The fixture's concepts: item number, namespace 9990009, partition 10, check digit.
ROOT, WIDGET, GADGET, SPROCKET, COG, BOTH, RETIRED, GIZMO, ERRONEOUS, LEFT_GIZMO = (
    "19990009101",
    "29990009107",
    "39990009109",
    "49990009100",
    "59990009102",
    "69990009104",
    "79990009106",
    "89990009108",
    "99990009105",
    "109990009106",
)
ATTRIBUTE, SIMPLE_REFSET = "119990009108", "129990009102"

_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 7, 6, 8, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_valid(number: str) -> bool:
    check = 0
    for i, digit in enumerate(reversed(number)):
        check = _D[check][_P[i % 8][int(digit)]]
    return check == 0


def read(source: Path, package: str | None = None, **options: Any) -> list[rf2.Release]:
    return [
        rf2.Release(r.version, r.effective, r.kind, list(r.components), r.total)
        for r in rf2.releases(source, package=package, **options)  # type: ignore[arg-type]
    ]


def by_id(components: Iterable[Component]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(t, cid): fields for t, cid, fields in components}


def concept(components: Iterable[Component], cid: str) -> dict[str, Any]:
    return by_id(components)[("concept", cid)]


def description(components: Iterable[Component], term: str) -> dict[str, Any]:
    found = [f for t, _, f in components if t == "description" and f.get("term") == term]
    assert len(found) == 1, term
    return found[0]


@pytest.fixture(scope="module")
def snapshot() -> list[Component]:
    (release,) = read(RF2, "snapshot")
    return list(release.components)


@pytest.fixture(scope="module")
def full() -> list[rf2.Release]:
    return read(RF2, "full")


# -- the fixture itself ------------------------------------------------------------------------


def test_fixture_ids_are_verhoeff_valid_with_snomed_partitions() -> None:
    for path in RF2.rglob("sct2_*.txt"):
        lines = path.read_text().splitlines()[1:]
        partition = {"Concept": "10", "Relationship": "12"}.get(path.name.split("_")[1], "11")
        for line in lines:
            sctid = line.split("\t")[0]
            assert verhoeff_valid(sctid), (path.name, sctid)
            assert sctid[-3:-1] == partition, (path.name, sctid)


# -- Snapshot -----------------------------------------------------------------------------------


def test_snapshot_is_one_release_named_by_the_file_date() -> None:
    (release,) = read(RF2 / "Snapshot")
    assert (release.version, release.effective, release.kind) == (T3, "2024-01-01", "snapshot")
    assert release.total == 43  # the rows of the concept, description and refset files
    assert len(release.components) == 42  # one refset row names a description: skipped


def test_concepts_come_first_then_descriptions_then_mappings(snapshot: list[Component]) -> None:
    types = [t for t, _, _ in snapshot]
    assert types == sorted(types, key=("concept", "description", "mapping").index)


def test_concept_active_comes_from_its_row(snapshot: list[Component]) -> None:
    assert concept(snapshot, ERRONEOUS)["active"] is False
    assert concept(snapshot, RETIRED)["active"] is False
    assert concept(snapshot, GIZMO)["active"] is True


def test_parents_are_the_active_is_a_destinations(snapshot: list[Component]) -> None:
    assert concept(snapshot, SPROCKET)["parents"] == [GADGET]  # re-parented from WIDGET
    assert concept(snapshot, BOTH)["parents"] == [WIDGET, GADGET]  # sorted
    assert concept(snapshot, RETIRED)["parents"] == []  # its IS-A was inactivated
    assert concept(snapshot, ROOT)["parents"] == []


def test_an_attribute_relationship_is_not_a_parent(snapshot: list[Component]) -> None:
    # SPROCKET has an active relationship of type ATTRIBUTE to BOTH.
    assert BOTH not in concept(snapshot, SPROCKET)["parents"]


def test_concept_keeps_module_and_rf2_values(snapshot: list[Component]) -> None:
    fields = concept(snapshot, GIZMO)
    assert fields["module_id"] == "1009990009106"
    assert fields["extras"] == {"definitionStatusId": "900000000000074008", "effectiveTime": T2}


def test_description_types_by_type_id(snapshot: list[Component]) -> None:
    assert description(snapshot, "Widget disorder (disorder)")["type"] == "FSN"
    assert description(snapshot, "Widget disorder")["type"] == "SYNONYM"
    definition = description(snapshot, "A disorder of widgets, invented for tests.")
    assert definition["type"] == "DEFINITION"  # from the sct2_TextDefinition file
    assert definition["concept_id"] == WIDGET


def test_description_fields(snapshot: list[Component]) -> None:
    fields = description(snapshot, "Cog finding (changed)")  # its term changed at T2
    assert fields == {
        "concept_id": COG,
        "term": "Cog finding (changed)",
        "language_code": "en",
        "type": "SYNONYM",
        "active": True,
        "preferred": True,
        "extras": {
            "moduleId": "1009990009106",
            "caseSignificanceId": "900000000000448009",
            "effectiveTime": T2,
        },
    }


def test_preferred_comes_from_the_language_refset(snapshot: list[Component]) -> None:
    assert description(snapshot, "Widget disorder (disorder)")["preferred"] is True
    assert description(snapshot, "Widget illness")["preferred"] is False  # acceptable
    assert description(snapshot, "Gadget disorder")["preferred"] is False  # acceptable at T3
    assert description(snapshot, "Gadget illness")["preferred"] is True  # new at T3


def test_description_without_language_row_is_not_preferred(snapshot: list[Component]) -> None:
    assert description(snapshot, "A disorder of widgets, invented for tests.")["preferred"] is False


def test_association_row_is_a_mapping_typed_by_its_association(
    snapshot: list[Component],
) -> None:
    (mapping,) = [f for t, _, f in snapshot if t == "mapping" and f["map_type"] != SIMPLE_REFSET]
    assert mapping == {
        "source_id": RETIRED,
        "map_type": "REPLACED-BY",
        "target_id": GIZMO,
        "active": True,
        "extras": {
            "refsetId": "900000000000526001",
            "moduleId": "1009990009106",
            "effectiveTime": T3,
        },
    }


def test_simple_refset_rows_are_mappings_typed_by_the_refset(snapshot: list[Component]) -> None:
    members = {
        f["source_id"]: (f["active"], f["target_id"])
        for t, _, f in snapshot
        if t == "mapping" and f["map_type"] == SIMPLE_REFSET
    }
    # COG left the refset at T3; a mapping's target is the refset's concept.
    assert members == {SPROCKET: (True, SIMPLE_REFSET), COG: (False, SIMPLE_REFSET)}


def test_refset_row_naming_a_description_is_skipped(snapshot: list[Component]) -> None:
    sources = {f["source_id"] for t, _, f in snapshot if t == "mapping"}
    assert all(source[-3:-1] == "10" for source in sources)


def test_zip_reads_as_the_folder(tmp_path: Path, snapshot: list[Component]) -> None:
    target = tmp_path / "package.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in (RF2 / "Snapshot").rglob("*.txt"):
            archive.write(path, f"SnomedCT_Invented/{path.relative_to(RF2)}")
    (release,) = read(target)
    assert release.components == snapshot


# -- Delta ---------------------------------------------------------------------------------------


def test_delta_is_one_delta_release() -> None:
    (release,) = read(RF2, "delta")
    assert (release.version, release.kind) == (T3, "delta")


def test_delta_carries_only_changed_components() -> None:
    (release,) = read(RF2, "delta")
    assert {cid for t, cid, _ in release.components if t == "concept"} == {RETIRED, LEFT_GIZMO}
    assert concept(release.components, LEFT_GIZMO)["parents"] == [GIZMO]


def test_delta_parents_start_from_the_branch_parents() -> None:
    asked: list[list[str]] = []

    def parents_of(ids: list[str]) -> dict[str, list[str]]:
        asked.append(list(ids))
        return {RETIRED: [ROOT, WIDGET]}

    (release,) = read(RF2, "delta", parents_of=parents_of)
    assert asked == [[LEFT_GIZMO, RETIRED]]
    assert concept(release.components, RETIRED)["parents"] == [WIDGET]  # ROOT's IS-A went


def test_delta_language_change_alone_is_a_partial_description() -> None:
    (release,) = read(RF2, "delta")
    changed = by_id(release.components)
    gadget_synonym = "69990009115"
    assert changed[("description", gadget_synonym)] == {"preferred": False}


def test_delta_description_without_language_rows_leaves_preferred_out(tmp_path: Path) -> None:
    package = copy(RF2 / "Delta", tmp_path)
    language = next(package.rglob("der2_cRefset_Language*"))
    language.write_text(language.read_text().splitlines()[0] + "\n")
    (release,) = read(package)
    assert "preferred" not in description(release.components, "Gadget illness")


def test_delta_relationship_alone_is_a_partial_concept(tmp_path: Path) -> None:
    package = copy(RF2 / "Delta", tmp_path)
    concepts = next(package.rglob("sct2_Concept_*"))
    concepts.write_text(concepts.read_text().splitlines()[0] + "\n")
    (release,) = read(package)
    assert concept(release.components, RETIRED) == {"parents": []}


# -- Full ----------------------------------------------------------------------------------------


def test_full_is_one_delta_release_per_effective_time(full: list[rf2.Release]) -> None:
    assert [(r.version, r.effective, r.kind) for r in full] == [
        (T1, "2023-01-01", "delta"),
        (T2, "2023-07-01", "delta"),
        (T3, "2024-01-01", "delta"),
    ]
    # The rows of each time in the concept, description and refset files; the components
    # differ by the skipped refset row and the changes made by other files alone.
    assert [r.total for r in full] == [35, 4, 7]
    assert [len(r.components) for r in full] == [34, 5, 8]


def test_full_reparenting_across_two_times(full: list[rf2.Release]) -> None:
    first, second, third = (by_id(r.components) for r in full)
    assert first[("concept", SPROCKET)]["parents"] == [WIDGET]
    assert second[("concept", SPROCKET)] == {"parents": [GADGET]}  # its row did not change
    assert ("concept", SPROCKET) not in third


def test_full_release_holds_what_changed_at_its_time(full: list[rf2.Release]) -> None:
    second = by_id(full[1].components)
    assert set(second) == {
        ("concept", SPROCKET),
        ("concept", GIZMO),
        ("description", "109990009110"),  # COG's synonym, new term
        ("description", "159990009111"),
        ("description", "169990009114"),
    }
    assert second[("description", "109990009110")]["term"] == "Cog finding (changed)"


def test_full_inactivation_and_new_preferred_term(full: list[rf2.Release]) -> None:
    third = full[2].components
    assert concept(third, RETIRED)["active"] is False
    assert concept(third, RETIRED)["parents"] == []
    gadget_synonym = "69990009115"  # its language refset row changed, not its row
    assert by_id(third)[("description", gadget_synonym)] == {"preferred": False}
    assert description(third, "Gadget illness")["preferred"] is True


def test_full_release_not_read_through_still_changes_the_state() -> None:
    releases = rf2.releases(RF2, package="full")
    next(releases)  # its components are not read
    second = by_id(next(releases).components)
    assert second[("concept", SPROCKET)] == {"parents": [GADGET]}


def test_full_rows_wait_on_disk_not_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Full rows are sorted into a scratch folder that is gone once the releases are."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    releases = rf2.releases(RF2, package="full")
    next(releases)
    (scratch,) = tmp_path.glob("rf2-full-*")
    assert sorted(p.name for p in scratch.iterdir()) == [T1, T2, T3]
    list(releases)
    assert not scratch.exists()


def test_full_is_a_restated_with_the_same_parent_is_no_change(tmp_path: Path) -> None:
    package = copy(RF2 / "Full", tmp_path)
    path = next(package.rglob("sct2_Relationship_*"))
    lines = path.read_text().splitlines()
    widget_is_a = next(ln for ln in lines if ln.split("\t")[4] == WIDGET)
    columns = widget_is_a.split("\t")
    columns[1], columns[3] = T3, "1119990009104"  # moved to another module at T3
    path.write_text("\n".join([*lines, "\t".join(columns)]) + "\n")
    third = by_id(read(package)[2].components)
    assert ("concept", WIDGET) not in third


def test_full_language_row_restated_with_the_same_value_is_no_change(tmp_path: Path) -> None:
    package = copy(RF2 / "Full", tmp_path)
    path = next(package.rglob("der2_cRefset_Language*"))
    lines = path.read_text().splitlines()
    columns = lines[1].split("\t")
    columns[1], columns[3] = T3, "1119990009104"  # moved to another module at T3
    path.write_text("\n".join([*lines, "\t".join(columns)]) + "\n")
    third = by_id(read(package)[2].components)
    assert ("description", columns[5]) not in third


@pytest.mark.parametrize("time", [T1, T2, T3])
def test_full_read_at_each_version_equals_that_releases_snapshot(
    full: list[rf2.Release], time: str, tmp_path: Path
) -> None:
    state: dict[tuple[str, str], dict[str, Any]] = {}
    for release in full:
        if release.version is not None and release.version <= time:
            for key, fields in by_id(release.components).items():
                state[key] = {**state.get(key, {}), **fields}
    (snapshot,) = read(snapshot_at(RF2 / "Full", time, tmp_path))
    assert state == by_id(snapshot.components)


def snapshot_at(full: Path, time: str, folder: Path) -> Path:
    """A Snapshot of the release at ``time`` made from the Full files: each id's last row."""
    for path in full.rglob("*.txt"):
        header, *lines = path.read_text().splitlines()
        latest: dict[str, str] = {}
        for line in sorted(lines, key=lambda ln: ln.split("\t")[1]):
            if line.split("\t")[1] <= time:
                latest[line.split("\t")[0]] = line
        target = folder / str(path.relative_to(full)).replace("Full", "Snapshot")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join([header, *sorted(latest.values())]) + "\n")
    return folder


# -- choosing the package ------------------------------------------------------------------------


def test_several_release_types_need_a_choice() -> None:
    with pytest.raises(InvalidRF2, match=r"choose snapshot, delta or full \(found delta, full"):
        read(RF2)


def test_the_package_is_checked_when_releases_is_called() -> None:
    with pytest.raises(InvalidRF2, match="choose snapshot"):
        rf2.releases(RF2)


def test_a_missing_release_type_is_refused() -> None:
    with pytest.raises(InvalidRF2, match="no sct2_Concept_ Delta file"):
        read(RF2 / "Snapshot", "delta")


# -- bad input -----------------------------------------------------------------------------------


def copy(package: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(package, tmp_path / package.name))


def broken(tmp_path: Path, prefix: str, line: int, change: Any) -> Path:
    """The Snapshot with line ``line`` of the file starting ``prefix`` changed."""
    package = copy(RF2 / "Snapshot", tmp_path)
    path = next(package.rglob(f"{prefix}*"))
    lines = path.read_text().splitlines()
    lines[line - 1] = change(lines[line - 1])
    path.write_text("\n".join(lines) + "\n")
    return package


def test_a_byte_order_mark_is_no_part_of_the_header(tmp_path: Path) -> None:
    package = copy(RF2 / "Snapshot", tmp_path)
    path = next(package.rglob("sct2_Concept_*"))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    (release,) = read(package)
    assert len(release.components) == 42


def test_invalid_rf2_is_an_invalid_request() -> None:
    assert issubclass(InvalidRF2, InvalidRequest)


def test_missing_column_names_file_and_line(tmp_path: Path) -> None:
    package = broken(tmp_path, "sct2_Description_", 3, lambda ln: ln.rsplit("\t", 1)[0])
    with pytest.raises(
        InvalidRF2, match=r"sct2_Description_Snapshot-en_INV_20240101.txt, line 3: 8 columns, not 9"
    ):
        read(package)


def test_wrong_header_names_file_and_line_1(tmp_path: Path) -> None:
    package = broken(tmp_path, "sct2_Concept_", 1, lambda ln: ln.replace("active", "status"))
    with pytest.raises(
        InvalidRF2, match=r"sct2_Concept_Snapshot_INV_20240101.txt, line 1: expected the columns"
    ):
        read(package)


@pytest.mark.parametrize("value", ["20231301", "2023-01-01", "", "2023011"])
def test_bad_effective_time_names_file_and_line(tmp_path: Path, value: str) -> None:
    def change(line: str) -> str:
        columns = line.split("\t")
        return "\t".join([columns[0], value, *columns[2:]])

    package = broken(tmp_path, "der2_cRefset_Language", 4, change)
    with pytest.raises(
        InvalidRF2, match=rf"LanguageSnapshot-en_INV_20240101.txt, line 4: effectiveTime '{value}'"
    ):
        read(package)


def test_bad_active_flag_names_file_and_line(tmp_path: Path) -> None:
    def change(line: str) -> str:
        columns = line.split("\t")
        return "\t".join([*columns[:2], "true", *columns[3:]])

    package = broken(tmp_path, "sct2_Relationship_", 2, change)
    with pytest.raises(
        InvalidRF2, match=r"Relationship_Snapshot_INV_20240101.txt, line 2: active 'true'"
    ):
        read(package)


def test_row_without_id_is_refused(tmp_path: Path) -> None:
    package = broken(tmp_path, "sct2_Concept_", 2, lambda ln: ln[ln.index("\t") :])
    with pytest.raises(
        InvalidRF2, match=r"Concept_Snapshot_INV_20240101.txt, line 2: the row has no id"
    ):
        read(package)


def test_rf2_file_name_without_release_type_is_refused(tmp_path: Path) -> None:
    package = copy(RF2 / "Snapshot", tmp_path)
    (package / "Terminology" / "sct2_Concept_INV_20240101.txt").write_text("id\n")
    with pytest.raises(InvalidRF2, match=r"sct2_Concept_INV_20240101\.txt: unknown RF2 file"):
        read(package)


def test_other_files_of_a_package_are_not_read(tmp_path: Path) -> None:
    package = copy(RF2 / "Snapshot", tmp_path)
    (package / "Readme_en_20240101.txt").write_text("not RF2 rows\n")
    (package / "Terminology" / "sct2_StatedRelationship_Snapshot_INV_20240101.txt").write_text(
        "x\n"
    )
    (release,) = read(package)
    assert len(release.components) == 42


def test_neither_folder_nor_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "package.txt"
    path.write_text("id\teffectiveTime\n")
    with pytest.raises(InvalidRF2, match=r"package\.txt: not a folder or a \.zip"):
        read(path)


def test_package_without_concepts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidRF2, match="no sct2_Concept_ file"):
        read(tmp_path)


# -- round trip through bench's synthetic package -----------------------------------------------


def _canonical(components: Iterable[Component]) -> set[bytes]:
    return {orjson.dumps(c, option=orjson.OPT_SORT_KEYS) for c in components}


@pytest.mark.parametrize("form", ["folder", "zip", "full"])
def test_bench_package_reads_back_as_bench_wrote_it(tmp_path: Path, form: str) -> None:
    data = bench_data.Terminology(scale=0.005)
    root = bench_rf2.write(data, tmp_path, "Full" if form == "full" else "Snapshot")
    source = bench_rf2.zipped(root, tmp_path / "package.zip") if form == "zip" else root
    (release,) = read(source)
    kind = "delta" if form == "full" else "snapshot"
    assert (release.version, release.kind, release.total) == ("20250131", kind, data.sizes.total)
    assert _canonical(release.components) == _canonical(bench_rf2.expected(data))


def test_bench_expected_is_the_synthetic_set_minus_what_rf2_cannot_hold() -> None:
    data = bench_data.Terminology(scale=0.005)
    expected = by_id(bench_rf2.expected(data))
    generated = data.components()
    assert len(expected) == data.sizes.total
    for cid, fields in generated["concept"]:
        read_back = expected[("concept", cid)]
        assert set(read_back["parents"]) == set(fields["parents"])
        assert read_back["active"] is fields["active"]
        assert read_back["module_id"] == fields["module_id"]
    for did, fields in generated["description"]:
        assert fields.items() <= expected[("description", did)].items()
    names = {v: k for k, v in bench_rf2.MAP_TYPE_REFSETS.items()}
    for mid, fields in generated["mapping"]:
        read_back = expected[("mapping", mid)]
        assert names[read_back["extras"]["refsetId"]] == fields["map_type"]
        assert (read_back["source_id"], read_back["target_id"]) == (
            fields["source_id"],
            fields["target_id"],
        )


def test_bench_package_has_about_half_a_relationship_more_per_concept(tmp_path: Path) -> None:
    data = bench_data.Terminology(scale=0.005)
    root = bench_rf2.write(data, tmp_path)
    relationships = next(root.rglob("sct2_Relationship_*")).read_text().splitlines()[1:]
    is_a = [ln for ln in relationships if ln.split("\t")[7] == rf2.IS_A]
    parents = sum(len(f["parents"]) for _, f in data.concepts())
    assert len(is_a) == parents
    assert 1.3 < len(relationships) / data.sizes.concepts < 1.5  # ~500,000 at scale 1.0
