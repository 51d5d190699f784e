"""Commits and promotions of many rows: PostgreSQL takes them by ``COPY`` (from
``commit._COPY_FROM`` rows on), every database must store exactly what a small commit
stores. Each test writes the same content once in one large commit and once in commits
too small for ``COPY``, and compares what the two branches show."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from revisions import ReadPoint, RevisionStore
from revisions.commit import _COPY_FROM
from revisions.records import Change
from tests.revisions.helpers import (
    change,
    concept,
    delete,
    description,
    mapping,
    words_table_difference,
)

COUNT = 250
assert COUNT > _COPY_FROM
# Values COPY's text format must escape, and JSON that must stay JSON.
AWKWARD = ("tab\there", "line\nbreak", "back\\slash", "\\N", "carriage\rreturn", "Ünïcödé ✓", "")


def fields(k: int) -> dict[str, Any]:
    awkward = AWKWARD[k % len(AWKWARD)]
    return {
        "module_id": f"m{k % 3}" if k % 4 else None,
        "external_id": awkward or None,
        "extras": {"note": awkward, "n": k, "nested": [1, None, {"q": '"quoted"'}]}
        if k % 2
        else None,
        "active": k % 5 != 0,
    }


def content(k: int) -> list[Change]:
    cid = f"c{k:04d}"
    term = f"Term {k} {AWKWARD[k % len(AWKWARD)] or 'plain'}"
    return [
        concept(cid, parents=[] if k == 0 else ["c0000"], **fields(k)),
        description(f"d{k:04d}", cid, term, preferred=k % 2 == 0, extras=fields(k)["extras"]),
        mapping(f"m{k:04d}", cid, "c0000", sort_weight=k / 7, target_name=term),
    ]


def shown(store: RevisionStore, path: str) -> dict[str, dict]:
    point = ReadPoint(path)
    found = {}
    for type_name, prefix in (("concept", "c"), ("description", "d"), ("mapping", "m")):
        ids = [f"{prefix}{k:04d}" for k in range(COUNT)]
        for cid, component in store.get_many(point, type_name, ids).items():
            found[f"{type_name}:{cid}"] = component.fields
    return found


def in_small_commits(store: RevisionStore, path: str, changes: list[Change]) -> None:
    for start in range(0, len(changes), _COPY_FROM - 1):
        store.commit(path, "u", "small", changes[start : start + _COPY_FROM - 1])


@pytest.fixture
def both(store: RevisionStore) -> RevisionStore:
    """``MAIN/large`` and ``MAIN/small`` with the same content, written each way."""
    changes = [c for k in range(COUNT) for c in content(k)]
    store.create_branch("MAIN", "large")
    store.create_branch("MAIN", "small")
    assert store.commit("MAIN/large", "u", "large", changes).changes == len(changes)
    in_small_commits(store, "MAIN/small", changes)
    return store


def test_a_large_commit_stores_what_small_commits_store(both: RevisionStore) -> None:
    large = shown(both, "MAIN/large")
    assert len(large) == 3 * COUNT
    assert large == shown(both, "MAIN/small")
    assert large["concept:c0000"]["external_id"] == "tab\there"
    assert large["concept:c0001"]["extras"] == {
        "note": "line\nbreak",
        "n": 1,
        "nested": [1, None, {"q": '"quoted"'}],
    }
    assert large["concept:c0003"]["external_id"] == "\\N"  # a string, not SQL's NULL
    assert large["concept:c0006"]["external_id"] is None
    assert large["mapping:m0003"]["sort_weight"] == 3 / 7
    assert large["description:d0002"]["term"] == "Term 2 back\\slash"


def test_a_large_commit_of_updates_and_deletions_matches_small_ones(
    both: RevisionStore,
) -> None:
    changes: list[Change] = [
        change(f"c{k:04d}", external_id=f"new\t{k}") for k in range(1, COUNT, 2)
    ]
    changes += [delete(f"m{k:04d}", "mapping") for k in range(0, COUNT, 2)]
    both.commit("MAIN/large", "u", "large", changes)
    in_small_commits(both, "MAIN/small", changes)
    large = shown(both, "MAIN/large")
    assert large == shown(both, "MAIN/small")
    assert large["concept:c0001"]["external_id"] == "new\t1"
    assert "mapping:m0000" not in large
    assert "mapping:m0001" in large


def test_a_large_deletion_on_a_child_writes_tombstones(both: RevisionStore) -> None:
    both.promote("MAIN/large", "u", "to main")
    both.create_branch("MAIN", "child")
    gone = [delete(f"m{k:04d}", "mapping") for k in range(COUNT)]
    both.commit("MAIN/child", "u", "delete all", gone)
    assert not any(key.startswith("mapping:") for key in shown(both, "MAIN/child"))
    assert sum(key.startswith("mapping:") for key in shown(both, "MAIN")) == COUNT


def test_a_large_promotion_shows_the_branch_on_its_parent(both: RevisionStore) -> None:
    expected = shown(both, "MAIN/large")
    result = both.promote("MAIN/large", "u", "promote")
    assert result is not None
    assert result.changes == 3 * COUNT
    assert shown(both, "MAIN") == expected
    assert shown(both, "MAIN/large") == expected


@pytest.mark.postgres
def test_a_large_commit_on_postgresql_inserts_by_copy(pg_store: RevisionStore) -> None:
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(pg_store.engine, "before_cursor_execute", note)
    try:
        pg_store.commit("MAIN", "u", "large", [c for k in range(COUNT) for c in content(k)])
        pg_store.commit("MAIN", "u", "small", [concept("one-more")])
    finally:
        event.remove(pg_store.engine, "before_cursor_execute", note)
    inserts = [s for s in statements if s.startswith("INSERT INTO concepts")]
    assert len(inserts) == 1  # the small commit's; the large one went by COPY
    assert shown(pg_store, "MAIN")["concept:c0001"]["external_id"] == "line\nbreak"


@pytest.mark.postgres
def test_large_commits_keep_the_words_table(pg_store: RevisionStore) -> None:
    changes = [c for k in range(COUNT) for c in content(k)]
    pg_store.commit("MAIN", "u", "large", changes)
    pg_store.commit(
        "MAIN",
        "u",
        "rename",
        [change(f"d{k:04d}", "description", term=f"Renamed {k}") for k in range(COUNT)],
    )
    assert words_table_difference(pg_store) == []
    found, total, _ = pg_store.search_concepts(ReadPoint("MAIN"), "renamed 12")
    assert total == 11  # words are prefixes: "12" and "120" to "129"
    assert found[0].id == "c0012"  # the term that is the text comes first
