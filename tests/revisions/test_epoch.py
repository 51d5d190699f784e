"""``revisions.epoch``: the mark every commit moves, and the per-process caches it lets a
store and the accounts keep without asking the database (a path's view, who governs it).

Two engines on one database stand for two processes (each its own pool); two
:class:`FileEpoch` objects on one file for two processes mapping the same data folder.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from accounts.repositories import Repository, add, update
from accounts.store import Accounts
from revisions import ManualClock, ReadPoint, RevisionStore, make_engine
from revisions import epoch as epochs
from revisions.epoch import FileEpoch, Kept, RedisEpoch, mark, open_epoch, watch
from tests.revisions.helpers import change, concept
from tests.services import reachable_redis


@pytest.fixture
def engines(engine: Engine) -> Iterator[Callable[[], Engine]]:
    """More engines (more pools: more processes) on the test's database."""
    made: list[Engine] = []

    def another() -> Engine:
        made.append(make_engine(engine.url))
        return made[-1]

    yield another
    for each in made:
        each.dispose()


@pytest.fixture
def twin(engines: Callable[[], Engine]) -> Engine:
    return engines()


def stores(
    engines: Callable[[], Engine], clock: ManualClock, folder: Path
) -> tuple[RevisionStore, RevisionStore]:
    """Two stores on two engines sharing the epoch file of ``folder``."""
    first = RevisionStore(engines(), clock, epoch=FileEpoch(folder / "epoch"))
    first.initialize()
    second = RevisionStore(
        engines(), ManualClock(clock.now_ms()), epoch=FileEpoch(folder / "epoch")
    )
    return first, second


def test_a_move_changes_the_value_another_mapping_reads(tmp_path: Path) -> None:
    one, other = FileEpoch(tmp_path / "epoch"), FileEpoch(tmp_path / "epoch")
    before = other.value()
    one.move()
    assert other.value() != before
    assert other.value() == one.value()


def test_a_move_in_another_process_is_seen_at_once(tmp_path: Path) -> None:
    epoch = FileEpoch(tmp_path / "epoch")
    before = epoch.value()
    code = "import sys; from pathlib import Path; from revisions.epoch import FileEpoch; "
    code += "FileEpoch(Path(sys.argv[1])).move()"
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "epoch")], check=True)
    assert epoch.value() != before


def test_a_mark_is_trusted_for_a_bounded_time(tmp_path: Path, monotonic: list[float]) -> None:
    epoch = FileEpoch(tmp_path / "epoch")
    first = mark(epoch)
    monotonic[0] += epochs.TRUST_S / 2
    assert mark(epoch) == first
    monotonic[0] += epochs.TRUST_S
    assert mark(epoch) != first  # read again, though nothing moved it


def test_a_commit_moves_the_epoch_and_a_read_does_not(
    store: RevisionStore, engines: Callable[[], Engine], tmp_path: Path
) -> None:
    epoch = FileEpoch(tmp_path / "epoch")
    reader = RevisionStore(engines(), store.clock, epoch=epoch)
    before = epoch.value()
    store_with = RevisionStore(engines(), store.clock, epoch=epoch)
    store_with.commit("MAIN", "u", "c", [concept("1")])
    moved = epoch.value()
    assert moved != before
    reader.get(ReadPoint("MAIN"), "concept", "1")
    reader.page(ReadPoint("MAIN"), "concept")
    reader.current_view(ReadPoint("MAIN"))
    reader.get_branch("MAIN")
    assert epoch.value() == moved


def test_a_rolled_back_transaction_does_not_move_it(twin: Engine, tmp_path: Path) -> None:
    epoch = FileEpoch(tmp_path / "epoch")
    watch(twin, epoch)
    before = epoch.value()
    with twin.connect() as connection:
        connection.execute(text("SELECT 1"))
        connection.rollback()
    assert epoch.value() == before
    with twin.begin() as connection:
        connection.execute(text("SELECT 1"))
    assert epoch.value() != before  # any commit: the epoch does not look at what it wrote


def test_another_process_reads_a_commit_as_soon_as_it_returns(
    engines: Callable[[], Engine], clock: ManualClock, tmp_path: Path, monotonic: list[float]
) -> None:
    # The trust window stands still (``monotonic``): the view is kept by the epoch alone,
    # and the commit is seen at once.
    writer, reader = stores(engines, clock, tmp_path)
    writer.commit("MAIN", "u", "c", [concept("1")])
    head = ReadPoint("MAIN")
    first = reader.current_view(head)
    assert reader.current_view(head) is first  # kept: no statement
    clock.advance(10)
    writer.commit("MAIN", "u", "c", [change("1", module_id="m")])
    moved = reader.current_view(head)
    assert moved != first
    assert reader.get(moved, "concept", "1").fields["module_id"] == "m"


def test_a_branch_made_by_another_process_resolves_at_once(
    engines: Callable[[], Engine], clock: ManualClock, tmp_path: Path
) -> None:
    writer, reader = stores(engines, clock, tmp_path)
    point = ReadPoint("MAIN/a")
    with pytest.raises(Exception, match="MAIN/a"):
        reader.current_view(point)
    writer.create_branch("MAIN", "a")
    assert reader.current_view(point) == reader.view(point)
    writer.delete_branch("MAIN/a")
    with pytest.raises(Exception, match="MAIN/a"):
        reader.current_view(point)


def test_a_writer_sharing_no_epoch_is_seen_once_the_mark_is_no_longer_trusted(
    engines: Callable[[], Engine], clock: ManualClock, tmp_path: Path, monotonic: list[float]
) -> None:
    writer = RevisionStore(engines(), clock)  # no epoch: moves none
    writer.initialize()
    reader = RevisionStore(engines(), clock, epoch=FileEpoch(tmp_path / "epoch"))
    head = ReadPoint("MAIN")
    first = reader.current_view(head)
    writer.commit("MAIN", "u", "c", [concept("1")])
    assert reader.current_view(head) is first  # trusted within TRUST_S: the documented bound
    monotonic[0] += epochs.TRUST_S
    assert reader.current_view(head) != first
    assert reader.current_view(head) == reader.view(head)


def test_who_governs_a_branch_follows_another_process(
    engines: Callable[[], Engine], clock: ManualClock, tmp_path: Path
) -> None:
    writer, reader = stores(engines, clock, tmp_path)
    accounts = Accounts(reader.engine, reader.clock, reader.epoch)
    assert accounts.governing("MAIN/CS/task") is None
    assert accounts.governing("MAIN/CS/task") is None  # kept
    writer.codesystems.create("CS", "cs")
    governing = accounts.governing("MAIN/CS/task")
    assert governing is not None
    assert governing.codesystem_id == "CS"


def test_kept_is_bounded_least_recently_used_out() -> None:
    kept: Kept[str, int] = Kept()
    kept.MAX = 2
    kept.put("a", 1, 10)
    kept.put("b", 1, 20)
    assert kept.get("a") == (1, 10)  # a is now the most recent
    kept.put("c", 1, 30)
    assert kept.get("b") is None
    assert kept.get("a") == (1, 10)
    assert kept.get("c") == (1, 30)


def test_open_epoch_picks_redis_then_the_data_folder(tmp_path: Path) -> None:
    assert isinstance(open_epoch("redis://127.0.0.1:1/0", tmp_path), RedisEpoch)
    found = open_epoch(None, tmp_path)
    assert isinstance(found, FileEpoch)
    assert found.path == tmp_path / "epoch"
    assert open_epoch(None, None) is None


@pytest.mark.redis
def test_the_redis_epoch_moves_for_every_client() -> None:
    # The key is not reset: a count that went back could repeat a value another worker's
    # live server has seen, which would then trust a view it should read again.
    url = reachable_redis()
    one, other = RedisEpoch(url), RedisEpoch(url)
    before = other.value()
    one.move()
    assert other.value() != before


def test_an_unreachable_redis_epoch_never_repeats_a_value() -> None:
    epoch = RedisEpoch("redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert epoch.value() != epoch.value()
    epoch.move()  # logged, not raised


def test_a_repository_and_its_code_system_follow_another_process(
    engines: Callable[[], Engine], clock: ManualClock, tmp_path: Path, monotonic: list[float]
) -> None:
    # The trust window stands still (``monotonic``): the identity check below failed when
    # the two reads straddled a window's edge (a clean-clone CI run, 2026-12-07).
    writer, reader = stores(engines, clock, tmp_path)
    writer_accounts = Accounts(writer.engine, writer.clock, writer.epoch)
    accounts = Accounts(reader.engine, reader.clock, reader.epoch)
    writer_accounts.create_user("mia")
    writer_accounts.create_org("ORG", "Org", "mia")
    writer.codesystems.create("CS", "cs")
    add(writer.engine, Repository("CS", "orgs", "ORG", "CS"))
    repository, codesystem = accounts.with_codesystem("orgs", "ORG", "CS")
    assert accounts.with_codesystem("orgs", "ORG", "CS")[1] is codesystem  # kept
    writer.codesystems.update("CS", title="renamed")
    assert accounts.with_codesystem("orgs", "ORG", "CS")[1].title == "renamed"
    update(writer.engine, "CS", public_access="None")
    assert accounts.with_codesystem("orgs", "ORG", "CS")[0].public_access == "None"
    assert repository.public_access != "None"


def test_through_reads_once_per_mark_never_keeps_a_failure_and_always_reads_without_an_epoch(
    tmp_path: Path, monotonic: list[float]
) -> None:
    epoch = FileEpoch(tmp_path / "epoch")
    kept: Kept[str, int] = Kept()
    calls: list[int] = []

    def read() -> int:
        calls.append(1)
        return len(calls)

    assert kept.through("a", epoch, read) == 1
    assert kept.through("a", epoch, read) == 1  # kept
    epoch.move()
    assert kept.through("a", epoch, read) == 2  # read again once the epoch moved

    def failing() -> int:
        raise LookupError("missing")

    for _ in range(2):
        with pytest.raises(LookupError):
            kept.through("b", epoch, failing)
    assert kept.get("b") is None
    assert [kept.through("c", None, read) for _ in range(2)] == [3, 4]
