"""Writers in separate processes: the database serialises them, nothing is lost or doubled."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import Engine

from revisions import ReadPoint, RevisionStore
from tests.revisions import workers
from tests.revisions.helpers import change, concept, field, ids


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _run(fn, argsets: list[tuple]) -> list:
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(len(argsets))
    with ProcessPoolExecutor(len(argsets), mp_context=context) as pool:
        futures = [pool.submit(fn, *args, barrier) for args in argsets]
        return [f.result(timeout=120) for f in futures]


def test_concurrent_commits_on_one_branch_from_two_processes(
    store: RevisionStore, engine: Engine
) -> None:
    store.create_branch("MAIN", "a")
    url = _url(engine)
    first, second = _run(workers.commit_many, [(url, "MAIN/a", "x", 15), (url, "MAIN/a", "y", 15)])
    assert len(set(first) | set(second)) == 30
    assert ids(store, "MAIN/a") == sorted(
        [f"x{i:03}" for i in range(15)] + [f"y{i:03}" for i in range(15)]
    )
    log = [c.timestamp for c in store.commits("MAIN/a", limit=100) if c.author in ("x", "y")]
    assert sorted(log) == sorted(first + second)
    assert store.get_branch("MAIN/a").head_ts == max(first + second)


def test_two_concurrent_promotions_into_one_branch_one_wins(
    store: RevisionStore, engine: Engine
) -> None:
    store.commit("MAIN", "u", "c", [concept("1", module_id="m0")])
    store.create_branch("MAIN", "a")
    store.create_branch("MAIN", "b")
    store.commit("MAIN/a", "u", "c", [change("1", module_id="from-a")])
    store.commit("MAIN/b", "u", "c", [change("1", module_id="from-b")])
    url = _url(engine)
    outcomes = _run(workers.promote, [(url, "MAIN/a"), (url, "MAIN/b")])
    assert sorted(outcomes) == ["conflicts:1", "promoted"]
    winner = "MAIN/a" if outcomes[0] == "promoted" else "MAIN/b"
    assert field(store, "MAIN", "1", "module_id") == f"from-{winner[-1]}"
    assert len([c for c in store.commits("MAIN") if c.kind == "PROMOTION"]) == 1
    assert store.get(ReadPoint(winner), "concept", "1").fields["module_id"] == f"from-{winner[-1]}"
