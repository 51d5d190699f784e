"""Extra layers: a branch seeing another branch's own content up to a time, without copies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from revisions import ReadPoint, ReadRange, RevisionStore, schema
from revisions.errors import InvalidMerge
from tests.revisions.helpers import change, concept, field, ids


@pytest.fixture
def upgraded(store: RevisionStore) -> dict[str, int]:
    """A base edition on MAIN versioned twice, and an extension moved from v1 to v2."""
    store.commit("MAIN", "u", "c", [concept("base1", module_id="v1")])
    store.create_branch("MAIN", "v1", read_only=True)
    store.create_branch("MAIN/v1", "EXT")
    store.commit("MAIN/v1/EXT", "u", "c", [concept("ext1"), change("base1", concept_class="ext")])
    store.create_branch("MAIN/v1/EXT", "e1", read_only=True)
    store.commit("MAIN/v1/EXT", "u", "c", [concept("ext2")])
    store.commit("MAIN", "u", "c", [change("base1", module_id="v2"), concept("base2")])
    store.create_branch("MAIN", "v2", read_only=True)
    upto = store.get_branch("MAIN/v1/EXT").head_ts
    store.create_branch("MAIN/v2", "EXT", layers=[("MAIN/v1/EXT", upto)])
    return {"upto": upto}


def test_layer_shows_the_extension_over_the_new_base(store: RevisionStore, upgraded: dict) -> None:
    assert ids(store, "MAIN/v2/EXT") == ["base1", "base2", "ext1", "ext2"]
    # The extension's own revision of base1 wins over the base edition's newer one.
    base1 = store.get(ReadPoint("MAIN/v2/EXT"), "concept", "base1")
    assert (base1.fields["concept_class"], base1.fields["module_id"]) == ("ext", "v1")


def test_layer_copies_no_rows(store: RevisionStore, upgraded: dict) -> None:
    branch_id = store.get_branch("MAIN/v2/EXT").id
    with store.engine.connect() as connection:
        count = connection.execute(
            select(func.count())
            .select_from(schema.concepts)
            .where(schema.concepts.c.branch_id == branch_id)
        ).scalar()
    assert count == 0


def test_layer_stops_at_its_time(store: RevisionStore, upgraded: dict) -> None:
    store.commit("MAIN/v1/EXT", "u", "late", [concept("ext3")])
    assert "ext3" not in ids(store, "MAIN/v2/EXT")


def test_range_from_old_extension_version_to_upgraded_branch(
    store: RevisionStore, upgraded: dict
) -> None:
    in_range = ReadRange(ReadPoint("MAIN/v1/EXT/e1"), ReadPoint("MAIN/v2/EXT"))
    # ext2: the extension's change since e1; base2: the base's change between v1 and v2.
    assert ids(store, in_range) == ["base2", "ext2"]


def test_writes_on_the_upgraded_branch_shadow_the_layer(
    store: RevisionStore, upgraded: dict
) -> None:
    store.commit("MAIN/v2/EXT", "u", "c", [change("ext1", module_id="new")])
    assert field(store, "MAIN/v2/EXT", "ext1", "module_id") == "new"
    assert field(store, "MAIN/v1/EXT", "ext1", "module_id") is None


def test_a_branch_with_layers_cannot_be_promoted(store: RevisionStore, upgraded: dict) -> None:
    store.create_branch("MAIN", "layered", layers=[("MAIN/v1/EXT", upgraded["upto"])])
    store.commit("MAIN/layered", "u", "c", [concept("x")])
    with pytest.raises(InvalidMerge, match="cannot be promoted"):
        store.promote("MAIN/layered", "u", "p")
