"""Applying releases (importers.apply): one commit per release, compared with the branch,
created / changed / retired / skipped, versions, and nothing visible after a failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from exporter.ocl import InvalidImport
from importers.apply import apply_releases
from importers.release import Component, Release
from revisions import ReadPoint, RevisionStore
from revisions.errors import InvalidComponent, InvalidRequest, MissingReference

CS = "TOY"
WORKING = "MAIN/TOY"


def concept(cid: str, *parents: str, active: bool = True) -> Component:
    return ("concept", cid, {"parents": list(parents), "active": active})


def title(cid: str, term: str) -> Component:
    return ("description", f"{cid}-T", {"concept_id": cid, "term": term, "type": "FSN"})


def snapshot(*components: Component, version: str | None = None, day: str = "01") -> Release:
    effective = f"2024-01-{day}" if version else None
    return Release(version, effective, "snapshot", list(components), len(components))


def delta(*components: Component) -> Release:
    return Release(None, None, "delta", list(components), len(components))


FIRST = (concept("A"), concept("B", "A"), concept("C", "A"), title("A", "a"), title("B", "b"))


@pytest.fixture
def toy(store: RevisionStore) -> RevisionStore:
    store.codesystems.create(CS, "Toy")
    return store


def fields(store: RevisionStore, type_name: str, cid: str, path: str = WORKING) -> dict:
    return store.get(ReadPoint(path), type_name, cid).fields


def test_a_first_snapshot_creates_everything_in_one_commit_and_its_version(
    toy: RevisionStore,
) -> None:
    before = toy.count_commits(WORKING)
    summary = apply_releases(toy, CS, [snapshot(*FIRST, version="v1")], author="me")
    assert summary.total.as_json() == {"created": 5, "changed": 0, "retired": 0, "skipped": {}}
    assert toy.count_commits(WORKING) == before + 2  # the content, then the version
    assert fields(toy, "concept", "B", f"{WORKING}/v1")["parents"] == ["A"]
    assert toy.get(ReadPoint(f"{WORKING}/v1"), "description", "A-T").released


def test_the_same_snapshot_again_changes_nothing(toy: RevisionStore) -> None:
    apply_releases(toy, CS, [snapshot(*FIRST)], author="me")
    head = toy.get_branch(WORKING).head_ts
    summary = apply_releases(toy, CS, [snapshot(*FIRST)], author="me")
    assert summary.total.as_json()["skipped"] == {"unchanged": 5}
    assert summary.releases[0].timestamp is None
    assert toy.get_branch(WORKING).head_ts == head


def test_a_later_snapshot_changes_retires_creates_and_reparents(toy: RevisionStore) -> None:
    apply_releases(toy, CS, [snapshot(*FIRST, version="v1")], author="me")
    later = snapshot(
        concept("A"), concept("C", "D"), concept("D", "A"), title("A", "a2"), version="v2", day="02"
    )
    counts = apply_releases(toy, CS, [later], author="me").total
    # created D; changed A-T (title) and C (parent); retired B and B-T
    assert (counts.created, counts.changed, counts.retired) == (1, 2, 2)
    assert counts.skipped == {"unchanged": 1}
    assert fields(toy, "description", "A-T")["term"] == "a2"
    assert fields(toy, "concept", "B") == {**fields(toy, "concept", "B"), "active": False}
    assert fields(toy, "concept", "B")["parents"] == []
    assert fields(toy, "description", "B-T")["active"] is False
    assert toy.ancestors(ReadPoint(WORKING), "C") == {"A", "D"}
    # The first version still reads as it was.
    old = f"{WORKING}/v1"
    assert fields(toy, "concept", "B", old) == {**fields(toy, "concept", "B", old), "active": True}
    assert toy.ancestors(ReadPoint(old), "C") == {"A"}


def test_a_retired_component_keeps_its_released_flag(toy: RevisionStore) -> None:
    apply_releases(toy, CS, [snapshot(*FIRST, version="v1")], author="me")
    apply_releases(toy, CS, [snapshot(*FIRST[:2], *FIRST[3:])], author="me")
    retired = toy.get(ReadPoint(WORKING), "concept", "C")
    assert retired.fields["active"] is False
    assert retired.released


def test_a_component_absent_and_already_inactive_is_skipped(toy: RevisionStore) -> None:
    apply_releases(toy, CS, [snapshot(*FIRST)], author="me")
    apply_releases(toy, CS, [snapshot(*FIRST[:2], *FIRST[3:])], author="me")
    counts = apply_releases(toy, CS, [snapshot(*FIRST[:2], *FIRST[3:])], author="me").total
    assert counts.skipped == {"unchanged": 4, "absent, already inactive": 1}


def test_a_code_back_in_a_later_snapshot_is_active_again(toy: RevisionStore) -> None:
    apply_releases(toy, CS, [snapshot(*FIRST)], author="me")
    apply_releases(toy, CS, [snapshot(*FIRST[:2], *FIRST[3:])], author="me")
    counts = apply_releases(toy, CS, [snapshot(*FIRST)], author="me").total
    assert (counts.created, counts.changed, counts.retired) == (0, 1, 0)
    assert fields(toy, "concept", "C")["parents"] == ["A"]


def test_a_delta_touches_only_what_it_lists(toy: RevisionStore) -> None:
    apply_releases(toy, CS, [snapshot(*FIRST)], author="me")
    listed = delta(title("B", "b2"), concept("E", "C"), concept("C", "A", active=False))
    counts = apply_releases(toy, CS, [listed], author="me").total
    assert (counts.created, counts.changed, counts.retired) == (1, 1, 1)
    assert fields(toy, "concept", "A")["active"] is True
    assert fields(toy, "description", "A-T")["term"] == "a"


def test_a_delta_keeps_the_fields_it_does_not_give(toy: RevisionStore) -> None:
    apply_releases(toy, CS, [snapshot(*FIRST)], author="me")
    apply_releases(toy, CS, [delta(("concept", "B", {"concept_class": "x"}))], author="me")
    assert fields(toy, "concept", "B")["parents"] == ["A"]
    assert fields(toy, "concept", "B")["concept_class"] == "x"


def _broken() -> Iterator[Component]:
    yield concept("X")
    yield concept("Y", "X")
    raise OSError("the source file went away")


def test_an_import_interrupted_while_reading_leaves_nothing(toy: RevisionStore) -> None:
    head = toy.get_branch(WORKING).head_ts
    release = Release("v1", "2024-01-01", "snapshot", _broken(), None)
    with pytest.raises(OSError):
        apply_releases(toy, CS, [release], author="me")
    assert toy.get_branch(WORKING).head_ts == head
    assert toy.count(ReadPoint(WORKING), "concept") == 0
    assert toy.codesystems.versions(CS) == []


def test_a_failing_write_leaves_nothing_and_cuts_no_version(toy: RevisionStore) -> None:
    apply_releases(toy, CS, [snapshot(*FIRST)], author="me")
    head = toy.get_branch(WORKING).head_ts
    bad = snapshot(*FIRST, concept("D", "A"), concept("E", "nowhere"), version="v1")
    with pytest.raises(MissingReference):
        apply_releases(toy, CS, [bad], author="me")
    assert toy.get_branch(WORKING).head_ts == head
    assert toy.get_many(ReadPoint(WORKING), "concept", ["D", "E"]) == {}
    assert toy.codesystems.versions(CS) == []


def test_a_changed_parent_that_does_not_exist_is_refused(toy: RevisionStore) -> None:
    apply_releases(toy, CS, [snapshot(*FIRST)], author="me")
    with pytest.raises(MissingReference):
        apply_releases(toy, CS, [delta(concept("B", "nowhere"))], author="me")
    assert fields(toy, "concept", "B")["parents"] == ["A"]


def test_an_unknown_description_type_is_refused(toy: RevisionStore) -> None:
    odd = ("description", "A-X", {"concept_id": "A", "term": "x", "type": "ODD"})
    with pytest.raises(InvalidComponent) as refused:
        apply_releases(toy, CS, [snapshot(*FIRST, odd)], author="me")
    assert "not 'ODD'" in refused.value.violations[0]
    assert toy.count(ReadPoint(WORKING), "concept") == 0


def test_a_component_listed_twice_is_refused(toy: RevisionStore) -> None:
    with pytest.raises(InvalidImport, match="lists concept 'A' twice"):
        apply_releases(toy, CS, [snapshot(*FIRST, concept("A"))], author="me")


def test_a_release_whose_version_exists_is_skipped_whole(toy: RevisionStore) -> None:
    apply_releases(toy, CS, [snapshot(*FIRST, version="v1")], author="me")
    summary = apply_releases(toy, CS, [snapshot(concept("Z"), version="v1")], author="me")
    assert summary.releases[0].note == "imported before"
    assert summary.total.skipped == {"version v1 exists": 1}
    assert toy.get_many(ReadPoint(WORKING), "concept", ["Z"]) == {}


def test_successive_releases_become_successive_versions(toy: RevisionStore) -> None:
    releases = [snapshot(*FIRST, version="v1"), snapshot(*FIRST[:3], version="v2", day="02")]
    summary = apply_releases(toy, CS, releases, author="me")
    assert [v.version for v in toy.codesystems.versions(CS)] == ["v1", "v2"]
    assert summary.total.retired == 2
    assert toy.count(ReadPoint(f"{WORKING}/v2"), "description") == 2


def test_a_version_off_the_working_branch_is_refused(toy: RevisionStore) -> None:
    toy.create_branch(WORKING, "review")
    with pytest.raises(InvalidRequest, match="working branch"):
        apply_releases(
            toy, CS, [snapshot(*FIRST, version="v1")], author="me", branch=f"{WORKING}/review"
        )


def test_an_import_onto_a_child_branch_sees_the_parents_content(toy: RevisionStore) -> None:
    apply_releases(toy, CS, [snapshot(*FIRST)], author="me")
    toy.create_branch(WORKING, "review")
    review = f"{WORKING}/review"
    counts = apply_releases(
        toy, CS, [snapshot(*FIRST[:2], *FIRST[3:])], author="me", branch=review
    ).total
    assert (counts.created, counts.retired) == (0, 1)
    assert fields(toy, "concept", "C", review)["active"] is False
    assert fields(toy, "concept", "C")["active"] is True
