"""importers.rf2's releases as the import engine writes them: applied in order on SQLite and
PostgreSQL, a Full package shows at each time what that release's Snapshot holds, and a
Delta applied on the earlier release gives the later one."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from exporter.ocl import Component
from importers import rf2
from importers.apply import apply_releases
from importers.release import Release
from revisions import ReadPoint, RevisionStore
from tests.importers.test_rf2 import RF2, T1, T2, T3, snapshot_at


def commit(store: RevisionStore, components: Iterable[Component]) -> None:
    """The components as one delta release on MAIN, through the import engine."""
    release = Release(None, None, "delta", list(components), None)
    apply_releases(store, None, [release], author="importer", branch="MAIN")


def snapshot_components(folder: Path) -> list[Component]:
    (release,) = rf2.releases(folder)
    return list(release.components)


def assert_store_holds(store: RevisionStore, expected: list[Component]) -> None:
    """Every expected component is on MAIN with these fields (the store adds defaults)."""
    for type_name in ("concept", "description", "mapping"):
        wanted = {cid: fields for t, cid, fields in expected if t == type_name}
        found = store.get_many(ReadPoint("MAIN"), type_name, list(wanted))
        shown: dict[str, dict[str, Any]] = {
            cid: {k: found[cid].fields.get(k) for k in fields}
            for cid, fields in wanted.items()
            if cid in found
        }
        assert shown == wanted, type_name


def test_full_releases_commit_in_order_as_each_snapshot(
    store: RevisionStore, tmp_path: Path
) -> None:
    for release in rf2.releases(RF2, package="full"):
        commit(store, release.components)
        assert release.version is not None
        expected = snapshot_components(
            snapshot_at(RF2 / "Full", release.version, tmp_path / release.version)
        )
        assert_store_holds(store, expected)
    assert [r.version for r in rf2.releases(RF2, package="full")] == [T1, T2, T3]


def test_delta_on_the_earlier_release_gives_the_later_one(
    store: RevisionStore, tmp_path: Path
) -> None:
    commit(store, snapshot_components(snapshot_at(RF2 / "Full", T2, tmp_path)))

    def parents_of(ids: Iterable[str]) -> dict[str, list[str]]:
        found = store.get_many(ReadPoint("MAIN"), "concept", ids)
        return {cid: c.fields["parents"] for cid, c in found.items()}

    (delta,) = rf2.releases(RF2, package="delta", parents_of=parents_of)
    commit(store, delta.components)
    assert_store_holds(store, snapshot_components(RF2 / "Snapshot"))
