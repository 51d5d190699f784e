"""Every example path of spec/snowowl-rest-api.txt returns exactly what the document says.

Paths go through the real parser (``snowpath.parse``) and the store's resolver, as an HTTP
request would. See ``tests/revisions/spec_world.py`` for the timeline.
"""

from __future__ import annotations

import pytest

from revisions import ManualClock, ReadPoint, RevisionStore
from revisions.errors import BranchNotFound, CodeSystemNotFound, InvalidRequest, VersionNotFound
from revisions.expressions import is_absolute, read_point
from snowpath import parse
from tests.revisions import spec_world


@pytest.fixture
def world(store: RevisionStore, clock: ManualClock) -> RevisionStore:
    spec_world.build(store, clock)
    return store


def concepts(store: RevisionStore, text: str) -> dict[str, str | None]:
    """``{id: module_id}`` of the concepts the path expression shows."""
    page = store.page(store.read_point(parse(text)), "concept", limit=10_000)
    assert page.total == len(page.items)
    return {c.id: c.fields["module_id"] for c in page.items}


UPGRADED = {
    "A1": "int2",
    "A2": "int",
    "A3": None,
    "U1": "uk2",
    "U2": "uk",
    "U3": None,
    "U4": None,
    "U5": None,
}


def test_absolute_path_sees_the_branch_and_its_ancestors(world: RevisionStore) -> None:
    assert concepts(world, "MAIN/2021-01-31/SNOMEDCT-UK-CL") == UPGRADED


def test_relative_task_path_tracks_the_working_branch(world: RevisionStore) -> None:
    expected = {**UPGRADED, "T100": None}
    assert concepts(world, "SNOMEDCT-UK-CL/100") == expected
    assert concepts(world, "MAIN/2021-01-31/SNOMEDCT-UK-CL/100") == expected


def test_range_returns_extension_and_base_changes_between_versions(world: RevisionStore) -> None:
    text = "MAIN/2019-07-31/SNOMEDCT-UK-CL/2020-08-05...MAIN/2021-01-31/SNOMEDCT-UK-CL"
    assert concepts(world, text) == {
        "U1": "uk2",
        "U3": None,
        "U4": None,
        "U5": None,
        "A1": "int2",
        "A3": None,
    }


def test_timestamp_excludes_the_import_made_at_that_time(world: RevisionStore) -> None:
    assert concepts(world, "MAIN@1630504199999") == {"A1": "int2", "A2": "int", "A3": None}
    assert concepts(world, "MAIN@1630504200000") == {
        "A1": "int2",
        "A2": "int3",
        "A3": None,
        "A4": None,
    }
    assert concepts(world, "MAIN@2021-09-01T13:49:59.999Z") == concepts(world, "MAIN@1630504199999")


def test_base_point_shows_the_working_branch_where_the_task_started(world: RevisionStore) -> None:
    assert concepts(world, "MAIN/2019-07-31/SNOMEDCT-UK-CL/101^") == {
        "A1": "int",
        "A2": "int",
        "U1": "uk2",
        "U2": "uk",
        "U3": None,
    }


def test_versions_and_relative_forms(world: RevisionStore) -> None:
    old_version = {"A1": "int", "A2": "int", "U1": "uk", "U2": "uk"}
    assert concepts(world, "SNOMEDCT-UK-CL/2020-08-05") == old_version
    assert concepts(world, "SNOMEDCT-UK-CL/LATEST") == old_version
    assert concepts(world, "SNOMEDCT-UK-CL") == UPGRADED
    assert concepts(world, "SNOMEDCT-UK-CL/HEAD") == UPGRADED
    assert concepts(world, "SNOMEDCT/2019-07-31") == {"A1": "int", "A2": "int"}
    assert concepts(world, "SNOMEDCT/LATEST") == {"A1": "int2", "A2": "int", "A3": None}
    assert set(concepts(world, "SNOMEDCT")) == {"A1", "A2", "A3", "A4"}


def test_relative_path_with_timestamp_and_base(world: RevisionStore) -> None:
    before_upgrade = spec_world.at("2021-02-01T00:00:00")
    # The relative path names today's working branch, which did not exist then.
    with pytest.raises(InvalidRequest, match="did not exist"):
        concepts(world, f"SNOMEDCT-UK-CL@{before_upgrade}")
    assert concepts(world, "SNOMEDCT-UK-CL/100^") == UPGRADED


def test_released_flags_follow_each_code_systems_versions(world: RevisionStore) -> None:
    page = world.page(world.read_point(parse("SNOMEDCT-UK-CL")), "concept")
    stamps = {c.id: c.effective_time for c in page.items}
    assert stamps == {
        "A1": "20210131",
        "A2": "20190731",
        "A3": "20210131",
        "U1": None,
        "U2": "20200805",
        "U3": None,
        "U4": None,
        "U5": None,
    }


def test_a_version_name_wins_over_a_task_of_the_same_name(world: RevisionStore) -> None:
    world.create_branch("MAIN/2021-01-31/SNOMEDCT-UK-CL", "2020-08-05x")
    assert str(world.read_point(parse("SNOMEDCT-UK-CL/2020-08-05")).path) == (
        "MAIN/2019-07-31/SNOMEDCT-UK-CL/2020-08-05"
    )
    assert str(world.read_point(parse("SNOMEDCT-UK-CL/2020-08-05x")).path) == (
        "MAIN/2021-01-31/SNOMEDCT-UK-CL/2020-08-05x"
    )


def test_unknown_code_system_version_and_branch_are_not_found(world: RevisionStore) -> None:
    with pytest.raises(CodeSystemNotFound):
        world.read_point(parse("NOPE/1"))
    with pytest.raises(BranchNotFound):
        concepts(world, "SNOMEDCT-UK-CL/999")
    world.codesystems.create("EMPTY", "no versions")
    with pytest.raises(VersionNotFound, match="LATEST"):
        world.read_point(parse("EMPTY/LATEST"))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("MAIN@1630504199999", "point in time"),
        ("MAIN/2019-07-31/SNOMEDCT-UK-CL/101^", "base point"),
        ("MAIN...MAIN/2021-01-31", "range"),
        ("SNOMEDCT-UK-CL/2020-08-05", "read-only"),
        ("SNOMEDCT/LATEST", "read-only"),
    ],
)
def test_writes_only_go_to_plain_writable_branches(
    world: RevisionStore, text: str, reason: str
) -> None:
    with pytest.raises(InvalidRequest, match=reason):
        world.writable_path(parse(text))


def test_writable_relative_path_resolves_to_the_task(world: RevisionStore) -> None:
    assert world.writable_path(parse("SNOMEDCT-UK-CL/100")) == "MAIN/2021-01-31/SNOMEDCT-UK-CL/100"


@pytest.mark.parametrize(
    ("text", "absolute"),
    [
        ("MAIN/a", True),
        ("MAIN/a@1000", True),
        ("MAIN/a^", True),
        ("MAIN/a...MAIN/b", True),
        ("SNOMEDCT", False),
        ("SNOMEDCT/x@1000", False),
        ("SNOMEDCT/x^", False),
    ],
)
def test_only_relative_paths_need_a_lookup(text: str, absolute: bool) -> None:
    assert is_absolute(parse(text)) is absolute


def test_absolute_read_points_resolve_without_the_database() -> None:
    assert read_point(None, parse("MAIN/a@1000")) == ReadPoint("MAIN/a", timestamp=1000)
    with pytest.raises(ValueError, match="relative path"):
        read_point(None, parse("SNOMEDCT/x"))
