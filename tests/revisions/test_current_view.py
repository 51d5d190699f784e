"""``current_view`` (a read point's view, kept while the epoch, or without one the store
clock, stands still) and ``is_final`` (whether what a read point shows can never change but
by a deletion)."""

from __future__ import annotations

import pytest

from revisions import ManualClock, ReadPoint, RevisionStore
from revisions.errors import BranchDeleted
from tests.revisions.helpers import change, concept


@pytest.fixture
def seeded(store: RevisionStore, clock: ManualClock) -> int:
    """MAIN with a concept, MAIN/a below it, code system CS with version v1; a past time."""
    store.commit("MAIN", "u", "c", [concept("1")])
    store.create_branch("MAIN", "a")
    store.codesystems.create("CS", "cs")
    store.codesystems.create_version("CS", "v1", "20240101")
    clock.set(store.clock.now_ms() + 1_000)
    return clock.now_ms() - 1


def test_a_view_is_kept_until_another_store_moves_the_clock(
    store: RevisionStore, seeded: int, monotonic: list[float]
) -> None:
    head = ReadPoint("MAIN")
    first = store.current_view(head)
    assert store.current_view(head) is first
    other = RevisionStore(store.engine, ManualClock(store.clock.now_ms()))
    other.commit("MAIN", "u", "c", [change("1", module_id="m")])
    moved = store.current_view(head)
    assert moved != first
    assert moved == store.view(head)


def test_a_branch_deleted_by_another_store_is_not_resolved_from_the_kept_view(
    store: RevisionStore, seeded: int
) -> None:
    point = ReadPoint("MAIN/a", timestamp=seeded)
    store.current_view(point)
    RevisionStore(store.engine, ManualClock(store.clock.now_ms())).delete_branch("MAIN/a")
    with pytest.raises(BranchDeleted):
        store.current_view(point)


def test_final_points(store: RevisionStore, clock: ManualClock, seeded: int) -> None:
    def final(point: ReadPoint) -> bool:
        return store.is_final(point, store.current_view(point))

    assert final(ReadPoint("MAIN", timestamp=seeded))
    assert final(ReadPoint("MAIN/CS/v1"))
    assert not final(ReadPoint("MAIN"))
    assert not final(ReadPoint("MAIN/CS"))
    assert not final(ReadPoint("MAIN/a", base=True))
    assert not final(ReadPoint("MAIN", timestamp=clock.now_ms()))  # not yet past
    assert not final(ReadPoint("MAIN", timestamp=clock.now_ms() + 10_000))


def test_without_an_epoch_a_view_is_kept_until_the_clock_moves(
    store: RevisionStore, seeded: int
) -> None:
    reader = RevisionStore(store.engine, ManualClock(store.clock.now_ms()))  # no epoch
    assert reader.epoch is None
    head = ReadPoint("MAIN")
    first = reader.current_view(head)
    assert reader.current_view(head) is first
    RevisionStore(store.engine, ManualClock(store.clock.now_ms())).commit(
        "MAIN", "u", "c", [change("1", module_id="m")]
    )
    moved = reader.current_view(head)
    assert moved != first
    assert moved == reader.view(head)
