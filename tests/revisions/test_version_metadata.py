"""Code system versions keep metadata, can change it and their description, and can be
deleted (the tag branch is marked deleted; an extension's base version cannot go)."""

from __future__ import annotations

import pytest

from revisions import RevisionStore
from revisions.errors import Conflict, VersionNotFound


def test_version_metadata_is_kept_and_replaced(store: RevisionStore) -> None:
    store.codesystems.create("CS", "Code system")
    made = store.codesystems.create_version("CS", "v1", "20240101", metadata={"released": True})
    assert made.metadata == {"released": True}
    changed = store.codesystems.update_version(
        "CS", "v1", description="d", metadata={"released": False}
    )
    assert changed.metadata == {"released": False}
    assert changed.description == "d"
    assert store.codesystems.get_version("CS", "v1") == changed


def test_delete_version(store: RevisionStore) -> None:
    store.codesystems.create("CS", "Code system")
    version = store.codesystems.create_version("CS", "v1", "20240101")
    store.codesystems.delete_version("CS", "v1")
    with pytest.raises(VersionNotFound):
        store.codesystems.get_version("CS", "v1")
    assert store.get_branch(version.branch_path).deleted


def test_a_version_an_extension_stands_on_is_kept(store: RevisionStore) -> None:
    store.codesystems.create("BASE", "Base")
    store.codesystems.create_version("BASE", "v1", "20240101")
    store.codesystems.create("EXT", "Extension", extension_of="BASE/v1")
    with pytest.raises(Conflict):
        store.codesystems.delete_version("BASE", "v1")
    assert store.codesystems.get_version("BASE", "v1").version == "v1"
