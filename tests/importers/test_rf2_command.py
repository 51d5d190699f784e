"""``snowpath import rf2`` on the hand-written fixture (tests/data/rf2, invented content), on
the embedded store: a Snapshot into a branch, a Full package as one version per
effectiveTime, a Delta applied on top keeping what it does not name, and the package type
asked for when a package holds several."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import main
from revisions import ReadPoint, RevisionStore, make_engine
from tests.importers.test_rf2 import BOTH, GADGET, GIZMO, RETIRED, RF2, SPROCKET, T1, T2, T3, WIDGET


def _run(data: Path, *args: str) -> Result:
    env = {"SNOWPATH_DATA_DIR": str(data), "SNOWPATH_DATABASE_URL": ""}
    return CliRunner(env=env).invoke(main, ["import", "rf2", *args, "--quiet"])


def _parents(data: Path, path: str, cid: str) -> list[str]:
    store = RevisionStore(make_engine(f"sqlite:///{data / 'snowpath.db'}"))
    try:
        return list(store.get(ReadPoint(path), "concept", cid).fields["parents"])
    finally:
        store.engine.dispose()


def test_a_snapshot_is_one_release_with_the_hierarchy(tmp_path: Path) -> None:
    done = _run(tmp_path, str(RF2 / "Snapshot"), "--codesystem", "SCT")
    assert done.exit_code == 0, done.output
    assert f"{T3} [snapshot]:" in done.output
    assert _parents(tmp_path, "MAIN/SCT", SPROCKET) == [GADGET]
    assert _parents(tmp_path, "MAIN/SCT", BOTH) == [WIDGET, GADGET]


def test_a_full_package_is_a_version_per_effective_time(tmp_path: Path) -> None:
    done = _run(tmp_path, str(RF2 / "Full"), "--codesystem", "SCT")
    assert done.exit_code == 0, done.output
    for effective in (T1, T2, T3):
        assert f"{effective} [delta]:" in done.output
    assert _parents(tmp_path, f"MAIN/SCT/{T1}", SPROCKET) == [WIDGET]
    assert _parents(tmp_path, f"MAIN/SCT/{T2}", SPROCKET) == [GADGET]
    assert _parents(tmp_path, f"MAIN/SCT/{T2}", RETIRED) != []
    assert _parents(tmp_path, f"MAIN/SCT/{T3}", RETIRED) == []


def test_a_delta_on_the_snapshot_it_came_from_changes_nothing(tmp_path: Path) -> None:
    assert _run(tmp_path, str(RF2 / "Snapshot"), "--codesystem", "SCT").exit_code == 0
    again = _run(tmp_path, str(RF2 / "Delta"), "--codesystem", "SCT", "--branch", "MAIN/SCT")
    assert again.exit_code == 0, again.output
    assert " 0 created, 0 changed, 0 retired" in again.output
    assert _parents(tmp_path, "MAIN/SCT", SPROCKET) == [GADGET]
    assert _parents(tmp_path, "MAIN/SCT", GIZMO) != []


def test_a_package_of_several_types_needs_package(tmp_path: Path) -> None:
    both = tmp_path / "both"
    shutil.copytree(RF2 / "Snapshot", both / "Snapshot")
    shutil.copytree(RF2 / "Full", both / "Full")
    refused = _run(tmp_path / "data", str(both), "--codesystem", "SCT")
    assert refused.exit_code == 1
    assert "choose snapshot, delta or full" in refused.output
    done = _run(tmp_path / "data", str(both), "--codesystem", "SCT", "--package", "snapshot")
    assert done.exit_code == 0, done.output


@pytest.mark.parametrize("package", ["delta"])
def test_a_package_without_that_type_is_refused(tmp_path: Path, package: str) -> None:
    refused = _run(tmp_path, str(RF2 / "Snapshot"), "--codesystem", "SCT", "--package", package)
    assert refused.exit_code == 1
    assert "no sct2_Concept_ Delta file" in refused.output
