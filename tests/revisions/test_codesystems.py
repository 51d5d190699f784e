"""Code systems, versions (tags, effective times, released content) and upgrades."""

from __future__ import annotations

import pytest

from revisions import CommitKind, ManualClock, ReadPoint, Resolution, RevisionStore
from revisions.errors import (
    BranchReadOnly,
    CodeSystemExists,
    CodeSystemNotFound,
    Conflict,
    InvalidBranchName,
    InvalidRequest,
    MergeConflicts,
    VersionExists,
    VersionNotFound,
)
from tests.revisions.helpers import change, concept, delete, description, field, ids


@pytest.fixture
def icd(store: RevisionStore) -> RevisionStore:
    store.codesystems.create("ICD10", "ICD-10", metadata={"url": "http://hl7.org/fhir/sid/icd-10"})
    return store


def test_create_makes_the_working_branch(icd: RevisionStore) -> None:
    cs = icd.codesystems.get("ICD10")
    assert (cs.id, cs.title, cs.branch_path, cs.extension_of) == (
        "ICD10",
        "ICD-10",
        "MAIN/ICD10",
        None,
    )
    assert cs.metadata == {"url": "http://hl7.org/fhir/sid/icd-10"}
    assert icd.get_branch("MAIN/ICD10").parent_path == "MAIN"


def test_create_on_an_existing_branch_uses_it(store: RevisionStore) -> None:
    store.codesystems.create("SNOMEDCT", "SNOMED CT", branch_path="MAIN")
    assert store.codesystems.get("SNOMEDCT").branch_path == "MAIN"


def test_duplicate_id_is_a_conflict(icd: RevisionStore) -> None:
    with pytest.raises(CodeSystemExists):
        icd.codesystems.create("ICD10", "again")


# Ids reserved for the API's own URL segments ("branches", "orgs") are refused by the API
# (tests/api/test_codesystems_api.py): the store knows no URLs.
@pytest.mark.parametrize("bad", ["MAIN", "HEAD", "a/b", "", "x" * 101])
def test_reserved_or_invalid_ids_are_refused(store: RevisionStore, bad: str) -> None:
    with pytest.raises((InvalidRequest, InvalidBranchName)):
        store.codesystems.create(bad, "title")


def test_a_title_longer_than_its_column_is_refused(icd: RevisionStore) -> None:
    # 501 characters reached the database's varchar(500): a 500 on PostgreSQL
    with pytest.raises(InvalidRequest, match="'title' must be at most 500 characters"):
        icd.codesystems.create("LONG", "t" * 501)
    with pytest.raises(InvalidRequest, match="'title' must be at most 500 characters"):
        icd.codesystems.update("ICD10", title="t" * 501)
    icd.codesystems.update("ICD10", title="t" * 500)
    assert icd.codesystems.get("ICD10").title == "t" * 500


def test_title_is_required(store: RevisionStore) -> None:
    with pytest.raises(InvalidRequest, match="title"):
        store.codesystems.create("X", " ")


def test_list_update_and_unknown(icd: RevisionStore) -> None:
    icd.codesystems.create("HPO", "HPO")
    assert [c.id for c in icd.codesystems.list()] == ["HPO", "ICD10"]
    updated = icd.codesystems.update("ICD10", title="ICD-10 (WHO)", metadata={"language": "en"})
    assert (updated.title, updated.metadata) == ("ICD-10 (WHO)", {"language": "en"})
    assert updated.updated_ts > updated.created_ts
    with pytest.raises(CodeSystemNotFound):
        icd.codesystems.get("NOPE")


def test_delete_marks_branches_deleted_and_frees_the_id(icd: RevisionStore) -> None:
    icd.commit("MAIN/ICD10", "u", "c", [concept("A00")])
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    icd.codesystems.delete("ICD10")
    assert icd.get_branch("MAIN/ICD10").deleted
    assert icd.get_branch("MAIN/ICD10/v1").deleted
    with pytest.raises(CodeSystemNotFound):
        icd.codesystems.get("ICD10")
    icd.codesystems.create("ICD10", "again")
    assert ids(icd, "MAIN/ICD10") == []


def test_delete_of_a_code_system_on_main_deletes_its_versions_only(store: RevisionStore) -> None:
    store.codesystems.create("SNOMEDCT", "SNOMED CT", branch_path="MAIN")
    store.commit("MAIN", "u", "c", [concept("A")])
    store.codesystems.create_version("SNOMEDCT", "v1", "20200101")
    store.codesystems.delete("SNOMEDCT")
    assert store.get_branch("MAIN/v1").deleted
    assert not store.get_branch("MAIN").deleted
    assert ids(store, "MAIN") == ["A"]


def test_delete_is_refused_while_extended(store: RevisionStore) -> None:
    store.codesystems.create("BASE", "base")
    store.codesystems.create_version("BASE", "v1", "20200101")
    store.codesystems.create("EXT", "ext", extension_of="BASE/v1")
    with pytest.raises(Conflict, match="extended by EXT"):
        store.codesystems.delete("BASE")


# A branch a code system or a version stands on is deleted through the code systems: deleted
# by itself, it left the record pointing at a deleted branch and every read of it failing.


def test_a_version_branch_is_not_deleted_as_a_branch(icd: RevisionStore) -> None:
    icd.commit("MAIN/ICD10", "u", "c", [concept("A00")])
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    with pytest.raises(Conflict, match="Branch 'MAIN/ICD10/v1' holds version 'v1' of 'ICD10'"):
        icd.delete_branch("MAIN/ICD10/v1")
    assert not icd.get_branch("MAIN/ICD10/v1").deleted
    assert ids(icd, "MAIN/ICD10/v1") == ["A00"]


def test_a_working_branch_and_what_holds_one_are_not_deleted_as_branches(
    store: RevisionStore,
) -> None:
    store.create_branch("MAIN", "proj")
    store.codesystems.create("CS", "cs", branch_path="MAIN/proj/CS")
    store.codesystems.create_version("CS", "v1", "20200101")
    message = "holds code system 'CS', version 'v1' of 'CS': delete them through the code"
    for path in ("MAIN/proj", "MAIN/proj/CS"):
        with pytest.raises(Conflict, match=message):
            store.delete_branch(path)
        assert not store.get_branch(path).deleted


def test_a_task_of_a_code_system_is_deleted_as_a_branch(icd: RevisionStore) -> None:
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    icd.create_branch("MAIN/ICD10", "task")
    icd.delete_branch("MAIN/ICD10/task")
    assert icd.get_branch("MAIN/ICD10/task").deleted
    assert not icd.get_branch("MAIN/ICD10/v1").deleted


def test_a_code_system_holding_another_on_its_branch_is_not_deleted(icd: RevisionStore) -> None:
    icd.codesystems.create("LOCAL", "local", branch_path="MAIN/ICD10/local")
    with pytest.raises(Conflict, match="The branches of 'ICD10' hold code system 'LOCAL'"):
        icd.codesystems.delete("ICD10")
    assert icd.codesystems.get("LOCAL").branch_path == "MAIN/ICD10/local"
    icd.codesystems.delete("LOCAL")
    icd.codesystems.delete("ICD10")
    assert icd.get_branch("MAIN/ICD10").deleted


def test_version_is_a_read_only_tag_at_the_head(icd: RevisionStore) -> None:
    icd.commit("MAIN/ICD10", "u", "c", [concept("A00")])
    version = icd.codesystems.create_version("ICD10", "2020", "2020-01-31", "first")
    assert (version.branch_path, version.effective_time, version.description) == (
        "MAIN/ICD10/2020",
        "20200131",
        "first",
    )
    icd.commit("MAIN/ICD10", "u", "c", [concept("B00")])
    assert ids(icd, "MAIN/ICD10/2020") == ["A00"]
    with pytest.raises(BranchReadOnly):
        icd.commit("MAIN/ICD10/2020", "u", "c", [concept("C00")])
    assert icd.commits("MAIN/ICD10")[1].kind is CommitKind.VERSION


def test_version_creation_copies_nothing(icd: RevisionStore) -> None:
    from sqlalchemy import func, select

    from revisions import schema

    icd.commit("MAIN/ICD10", "u", "c", [concept(str(i)) for i in range(20)])
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    with icd.engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(schema.concepts)).scalar()
    assert rows == 20


def test_effective_times_must_increase(icd: RevisionStore) -> None:
    icd.codesystems.create_version("ICD10", "v2", "20200601")
    with pytest.raises(InvalidRequest, match="must be after"):
        icd.codesystems.create_version("ICD10", "v1", "20200101")
    with pytest.raises(InvalidRequest, match="must be after"):
        icd.codesystems.create_version("ICD10", "v3", "20200601")


@pytest.mark.parametrize("name", ["HEAD", "LATEST", "NEXT", "MAIN", "latest"])
def test_reserved_version_names_are_refused(icd: RevisionStore, name: str) -> None:
    with pytest.raises(InvalidBranchName, match="reserved"):
        icd.codesystems.create_version("ICD10", name, "20200101")


def test_duplicate_version_is_a_conflict(icd: RevisionStore) -> None:
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    with pytest.raises(VersionExists):
        icd.codesystems.create_version("ICD10", "v1", "20210101")


@pytest.mark.parametrize("value", ["2020-13-01", "20200230", "2020", "yesterday", 20200101])
def test_invalid_effective_time_is_refused(icd: RevisionStore, value: object) -> None:
    with pytest.raises(InvalidRequest, match="effective time"):
        icd.codesystems.create_version("ICD10", "v1", value)  # type: ignore[arg-type]


def test_versions_list_oldest_first_and_unknown_version(icd: RevisionStore) -> None:
    icd.codesystems.create_version("ICD10", "a", "20200101")
    icd.codesystems.create_version("ICD10", "b", "20210101")
    assert [v.version for v in icd.codesystems.versions("ICD10")] == ["a", "b"]
    with pytest.raises(VersionNotFound):
        icd.codesystems.get_version("ICD10", "c")


def test_released_and_effective_time_are_derived_per_version(icd: RevisionStore) -> None:
    icd.commit("MAIN/ICD10", "u", "c", [concept("A"), concept("B")])
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    icd.commit("MAIN/ICD10", "u", "c", [change("B", module_id="m"), concept("C")])
    icd.codesystems.create_version("ICD10", "v2", "20210101")
    icd.commit("MAIN/ICD10", "u", "c", [concept("D")])
    head = {
        c.id: (c.released, c.effective_time)
        for c in icd.page(ReadPoint("MAIN/ICD10"), "concept").items
    }
    assert head == {
        "A": (True, "20200101"),
        "B": (True, "20210101"),
        "C": (True, "20210101"),
        "D": (False, None),
    }
    at_v1 = {c.id: c.effective_time for c in icd.page(ReadPoint("MAIN/ICD10/v1"), "concept").items}
    assert at_v1 == {"A": "20200101", "B": "20200101"}


def test_released_is_as_of_the_read_time(icd: RevisionStore) -> None:
    first = icd.commit("MAIN/ICD10", "u", "c", [concept("A")])
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    before = icd.get(ReadPoint("MAIN/ICD10", timestamp=first.timestamp), "concept", "A")
    assert (before.released, before.effective_time) == (False, None)


def test_an_edited_released_concept_stays_released_without_an_effective_time(
    icd: RevisionStore,
) -> None:
    """As in Snow Owl: released once, released for good; the effective time is cleared until
    the next version includes the change."""
    icd.commit("MAIN/ICD10", "u", "c", [concept("A"), concept("B")])
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    icd.create_branch("MAIN/ICD10", "task")
    icd.commit("MAIN/ICD10/task", "u", "c", [change("A", module_id="x")])
    edited = icd.get(ReadPoint("MAIN/ICD10/task"), "concept", "A")
    assert (edited.released, edited.effective_time) == (True, None)
    assert icd.get(ReadPoint("MAIN/ICD10"), "concept", "A").effective_time == "20200101"
    icd.promote("MAIN/ICD10/task", "u", "p")
    promoted = icd.get(ReadPoint("MAIN/ICD10"), "concept", "A")
    assert (promoted.released, promoted.effective_time) == (True, None)
    icd.codesystems.create_version("ICD10", "v2", "20210101")
    again = icd.get(ReadPoint("MAIN/ICD10"), "concept", "A")
    assert (again.released, again.effective_time) == (True, "20210101")


def test_a_code_system_promoted_into_its_parent_keeps_its_released_content(
    icd: RevisionStore,
) -> None:
    """Released by a version of the child, released on the parent it is promoted into (the
    promotion wrote it unreleased, and it could then be deleted there)."""
    from revisions.errors import ReleasedComponent

    icd.commit("MAIN/ICD10", "u", "c", [concept("A"), description("d", "A")])
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    icd.commit("MAIN/ICD10", "u", "c", [concept("N")])  # after the version: not released
    icd.promote("MAIN/ICD10", "u", "p")
    on_main = {c.id: c.released for c in icd.page(ReadPoint("MAIN"), "concept").items}
    assert on_main == {"A": True, "N": False}
    assert icd.get(ReadPoint("MAIN"), "description", "d").released
    with pytest.raises(ReleasedComponent, match="Concept 'A' is released"):
        icd.commit("MAIN", "u", "c", [delete("A")])
    icd.commit("MAIN", "u", "c", [delete("N")])
    assert ids(icd, "MAIN") == ["A"]


def test_a_task_promoted_brings_no_release_it_did_not_have(icd: RevisionStore) -> None:
    icd.commit("MAIN/ICD10", "u", "c", [concept("A")])
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    icd.create_branch("MAIN/ICD10", "task")
    icd.commit("MAIN/ICD10/task", "u", "c", [concept("T"), change("A", module_id="x")])
    icd.promote("MAIN/ICD10/task", "u", "p")
    shown = {c.id: c.released for c in icd.page(ReadPoint("MAIN/ICD10"), "concept").items}
    assert shown == {"A": True, "T": False}


def test_new_content_is_unreleased_until_versioned(icd: RevisionStore) -> None:
    icd.codesystems.create_version("ICD10", "v0", "20190101")
    icd.commit("MAIN/ICD10", "u", "c", [concept("N")])
    fresh = icd.get(ReadPoint("MAIN/ICD10"), "concept", "N")
    assert (fresh.released, fresh.effective_time) == (False, None)


def test_a_released_component_is_not_deleted(icd: RevisionStore) -> None:
    from revisions.errors import ReleasedComponent

    icd.commit("MAIN/ICD10", "u", "c", [concept("A"), description("d", "A")])
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    before = icd.count_commits("MAIN/ICD10")
    with pytest.raises(ReleasedComponent, match=r"Concept 'A' is released .* inactivate it"):
        icd.commit("MAIN/ICD10", "u", "c", [delete("A")])
    with pytest.raises(ReleasedComponent, match="Description 'd' is released"):
        icd.commit("MAIN/ICD10", "u", "c", [delete("d", "description")])
    assert icd.count_commits("MAIN/ICD10") == before
    assert ids(icd, "MAIN/ICD10", "description") == ["d"]


def test_an_edited_released_component_is_not_deleted_either(icd: RevisionStore) -> None:
    from revisions.errors import ReleasedComponent

    icd.commit("MAIN/ICD10", "u", "c", [concept("A")])
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    icd.commit("MAIN/ICD10", "u", "c", [change("A", active=False)])
    with pytest.raises(ReleasedComponent):
        icd.commit("MAIN/ICD10", "u", "c", [delete("A")])


def test_force_deletes_a_released_component_and_its_descriptions(icd: RevisionStore) -> None:
    icd.commit("MAIN/ICD10", "u", "c", [concept("A"), description("d", "A")])
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    icd.commit("MAIN/ICD10", "admin", "c", [delete("A")], force=True)
    assert ids(icd, "MAIN/ICD10") == []
    assert ids(icd, "MAIN/ICD10", "description") == []


def test_unreleased_content_is_deleted_as_before(icd: RevisionStore) -> None:
    icd.commit("MAIN/ICD10", "u", "c", [concept("A")])
    icd.codesystems.create_version("ICD10", "v1", "20200101")
    icd.commit("MAIN/ICD10", "u", "c", [concept("B"), description("d", "B")])
    icd.commit("MAIN/ICD10", "u", "c", [delete("B")])
    assert ids(icd, "MAIN/ICD10") == ["A"]


def test_extension_working_branch_lives_under_the_base_version(store: RevisionStore) -> None:
    store.codesystems.create("BASE", "base")
    store.commit("MAIN/BASE", "u", "c", [concept("b1")])
    store.codesystems.create_version("BASE", "v1", "20200101")
    ext = store.codesystems.create("EXT", "ext", extension_of="BASE/v1")
    assert (ext.branch_path, ext.extension_of) == ("MAIN/BASE/v1/EXT", "BASE/v1")
    store.commit(ext.branch_path, "u", "c", [concept("e1")])
    assert ids(store, ext.branch_path) == ["b1", "e1"]


def test_extension_of_an_unknown_version_is_not_found(store: RevisionStore) -> None:
    store.codesystems.create("BASE", "base")
    with pytest.raises(VersionNotFound):
        store.codesystems.create("EXT", "ext", extension_of="BASE/v9")
    with pytest.raises(InvalidRequest, match="extensionOf"):
        store.codesystems.create("EXT", "ext", extension_of="BASE")


@pytest.fixture
def extension(store: RevisionStore, clock: ManualClock) -> RevisionStore:
    store.codesystems.create("BASE", "base")
    store.commit("MAIN/BASE", "u", "c", [concept("b1", module_id="base"), concept("b2")])
    store.codesystems.create_version("BASE", "v1", "20200101")
    store.codesystems.create("EXT", "ext", extension_of="BASE/v1")
    store.commit("MAIN/BASE/v1/EXT", "u", "c", [concept("e1"), change("b1", concept_class="ext")])
    store.commit("MAIN/BASE", "u", "c", [change("b2", active=False), concept("b3")])
    store.codesystems.create_version("BASE", "v2", "20210101")
    return store


def test_upgrade_moves_the_working_branch_and_keeps_the_extension(extension: RevisionStore) -> None:
    upgraded = extension.codesystems.upgrade("EXT", "BASE/v2", "u", "upgrade")
    assert (upgraded.branch_path, upgraded.extension_of) == ("MAIN/BASE/v2/EXT", "BASE/v2")
    assert ids(extension, "MAIN/BASE/v2/EXT") == ["b1", "b2", "b3", "e1"]
    assert field(extension, "MAIN/BASE/v2/EXT", "b2", "active") is False
    assert field(extension, "MAIN/BASE/v2/EXT", "b1", "concept_class") == "ext"
    assert extension.commits("MAIN/BASE/v2/EXT")[0].kind is CommitKind.UPGRADE


def test_upgrade_reports_conflicts_and_takes_resolutions(extension: RevisionStore) -> None:
    extension.commit("MAIN/BASE/v1/EXT", "u", "c", [change("b2", module_id="ext")])
    extension.commit("MAIN/BASE", "u", "c", [change("b2", module_id="base")])
    extension.codesystems.create_version("BASE", "v3", "20220101")
    with pytest.raises(MergeConflicts) as caught:
        extension.codesystems.upgrade("EXT", "BASE/v3", "u", "upgrade")
    assert [(c.component_id, c.type) for c in caught.value.conflicts] == [
        ("b2", "CONFLICTING_CHANGE")
    ]
    assert extension.codesystems.get("EXT").branch_path == "MAIN/BASE/v1/EXT"
    extension.codesystems.upgrade(
        "EXT", "BASE/v3", "u", "upgrade", [Resolution("concept", "b2", "TARGET")]
    )
    # TARGET keeps the extension's whole component, including the base's old "active".
    assert field(extension, "MAIN/BASE/v3/EXT", "b2", "module_id") == "ext"
    assert field(extension, "MAIN/BASE/v3/EXT", "b2", "active") is True


def test_upgrade_resolution_by_content_combines_both_sides(extension: RevisionStore) -> None:
    extension.commit("MAIN/BASE/v1/EXT", "u", "c", [change("b2", module_id="ext")])
    extension.commit("MAIN/BASE", "u", "c", [change("b2", module_id="base")])
    extension.codesystems.create_version("BASE", "v3", "20220101")
    content = {"module_id": "ext", "active": False}
    extension.codesystems.upgrade(
        "EXT", "BASE/v3", "u", "upgrade", [Resolution("concept", "b2", "CONTENT", content)]
    )
    b2 = extension.get(ReadPoint("MAIN/BASE/v3/EXT"), "concept", "b2").fields
    assert (b2["module_id"], b2["active"]) == ("ext", False)


def test_upgrade_must_move_forward_within_the_same_base(extension: RevisionStore) -> None:
    extension.codesystems.create("OTHER", "other")
    extension.codesystems.create_version("OTHER", "v1", "20230101")
    with pytest.raises(InvalidRequest, match="not 'OTHER'"):
        extension.codesystems.upgrade("EXT", "OTHER/v1", "u", "c")
    with pytest.raises(InvalidRequest, match="not newer"):
        extension.codesystems.upgrade("EXT", "BASE/v1", "u", "c")
    with pytest.raises(InvalidRequest, match="extends nothing"):
        extension.codesystems.upgrade("BASE", "BASE/v2", "u", "c")


def test_a_code_system_lists_the_description_types_it_takes(store: RevisionStore) -> None:
    from revisions.errors import InvalidComponent

    store.codesystems.create("SCT", "snomed", metadata={"descriptionTypes": ["900000000000003001"]})
    store.create_branch("MAIN/SCT", "task")
    store.commit("MAIN/SCT/task", "u", "c", [concept("A")])
    fsn = description("d1", "A", type="900000000000003001")
    store.commit("MAIN/SCT/task", "u", "c", [fsn])
    with pytest.raises(InvalidComponent) as raised:
        store.commit("MAIN/SCT/task", "u", "c", [description("d2", "A", type="SYNONYM")])
    assert raised.value.violations == [
        "'type' must be one of 900000000000003001 on this code system, not 'SYNONYM'."
    ]
    store.commit("MAIN", "u", "c", [concept("B"), description("d3", "B", type="SYNONYM")])
    assert ids(store, "MAIN", "description") == ["d3"]


def test_a_language_code_must_be_a_language_tag(store: RevisionStore) -> None:
    from revisions.errors import InvalidComponent

    store.commit("MAIN", "u", "c", [concept("A")])
    with pytest.raises(InvalidComponent, match="Invalid description 'd'"):
        store.commit("MAIN", "u", "c", [description("d", "A", language_code="en_GB")])
    store.commit("MAIN", "u", "c", [description("d", "A", language_code="zh-Hant-TW")])
    with pytest.raises(InvalidComponent):
        store.bulk_load(
            "MAIN",
            "u",
            "c",
            {"description": [("e", {"concept_id": "A", "term": "t", "language_code": "1"})]},
        )
