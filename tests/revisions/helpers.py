"""Small builders for store tests: concepts, descriptions and mappings with few words."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

from sqlalchemy import text

from revisions import Create, Delete, ReadPoint, RevisionStore, Update
from revisions.filters import Filter
from revisions.records import Order


def concept(cid: str, **fields: Any) -> Create:
    return Create("concept", cid, fields)


def description(did: str, concept_id: str, term: str = "term", **fields: Any) -> Create:
    return Create("description", did, {"concept_id": concept_id, "term": term, **fields})


def mapping(mid: str, source_id: str, target_id: str, **fields: Any) -> Create:
    return Create(
        "mapping",
        mid,
        {"source_id": source_id, "target_id": target_id, "map_type": "SAME-AS", **fields},
    )


def change(cid: str, type_: str = "concept", **fields: Any) -> Update:
    return Update(type_, cid, fields)


def delete(cid: str, type_: str = "concept") -> Delete:
    return Delete(type_, cid)


def ids(
    store: RevisionStore, path: str | ReadPoint, type_: str = "concept", **kw: Any
) -> list[str]:
    point = ReadPoint(path) if isinstance(path, str) else path
    return [c.id for c in store.page(point, type_, limit=10_000, **kw).items]


def field(
    store: RevisionStore, path: str | ReadPoint, cid: str, name: str, type_: str = "concept"
) -> Any:
    point = ReadPoint(path) if isinstance(path, str) else path
    return store.get(point, type_, cid).fields[name]


def commit_femur_terms(store: RevisionStore) -> None:
    """Concepts a-d on MAIN whose terms hold words that start other words ("femur",
    "femurs", "fracture", "fractured"): a prefix's words beyond the first."""
    terms = ("Femur fracture", "Femurs fractured", "Femoral fracture", "Femur")
    store.commit(
        "MAIN",
        "u",
        "c",
        [
            *(concept(cid) for cid in "abcd"),
            *(description(f"d{cid}", cid, term) for cid, term in zip("abcd", terms, strict=True)),
        ],
    )


# PostgreSQL: the words table (migrations 0006 and 0020) against a fresh derivation from
# descriptions.
_DERIVED = (
    "SELECT w.lexeme::text || E'\\x01' || d.concept_id, d.branch_id, d.start_ts, d.end_ts, "
    "d.component_id, d.concept_id, "
    "least(octet_length(d.term), 999) + CASE WHEN lower(d.term) = w.lexeme THEN 0 "
    "WHEN starts_with(lower(d.term), w.lexeme) THEN 1000 ELSE 2000 END "
    "FROM descriptions d, unnest(to_tsvector('simple'::regconfig, d.term)) AS w "
    "WHERE d.active AND NOT d.deleted"
)
_STORED = (
    "SELECT word_key, branch_id, start_ts, end_ts, component_id, concept_id, rank "
    "FROM description_words"
)


def words_table_difference(store: RevisionStore) -> list[tuple]:
    with store.engine.connect() as connection:
        missing = connection.execute(text(f"{_DERIVED} EXCEPT ALL {_STORED}")).all()
        extra = connection.execute(text(f"{_STORED} EXCEPT ALL {_DERIVED}")).all()
    return [("missing", *row) for row in missing] + [("extra", *row) for row in extra]


# The revision rows themselves, read from the tables (not through a view): what a write left
# open or closed, whatever the store's code and indexes say.
_TABLES = {"concept": "concepts", "description": "descriptions", "mapping": "mappings"}
_ALL_ROWS = " UNION ALL ".join(
    f"SELECT '{type_}' AS type, r.branch_id, b.path, b.deleted_ts, r.component_id, "
    f"r.start_ts, r.end_ts FROM {table} r JOIN branches b ON b.id = r.branch_id"
    for type_, table in _TABLES.items()
)


def own_revisions(
    store: RevisionStore, path: str, cid: str, type_: str = "concept"
) -> list[tuple[int, int | None, bool]]:
    """``(start_ts, end_ts, deleted)`` of the live branch ``path``'s own rows of ``cid``."""
    query = text(
        f"SELECT r.start_ts, r.end_ts, r.deleted FROM {_TABLES[type_]} r "
        "JOIN branches b ON b.id = r.branch_id "
        "WHERE b.path = :path AND b.deleted_ts IS NULL AND r.component_id = :cid "
        "ORDER BY r.start_ts"
    )
    with store.engine.connect() as connection:
        rows = connection.execute(query, {"path": path, "cid": cid}).all()
    return [(start, end, bool(deleted)) for start, end, deleted in rows]


RevisionRow = tuple[str, int, str, int | None, str, int, int | None]


def revision_rows(store: RevisionStore) -> list[RevisionRow]:
    """Every revision row: ``(type, branch_id, path, deleted_ts, id, start_ts, end_ts)``, in
    chain order (per type, branch and id, by start)."""
    query = text(f"{_ALL_ROWS} ORDER BY 1, 2, 5, 6")
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query).all()]  # type: ignore[misc]


def open_revisions(
    store: RevisionStore, rows: list[RevisionRow] | None = None
) -> dict[str, list[tuple[str, str]]]:
    """Per live branch path, ``(type, id)`` of its open (``end_ts`` NULL) own rows."""
    found: dict[str, list[tuple[str, str]]] = {}
    for type_, _, path, deleted_ts, cid, _, end in rows or revision_rows(store):
        if deleted_ts is None and end is None:
            found.setdefault(path, []).append((type_, cid))
    return found


def broken_revision_chains(
    store: RevisionStore, rows: list[RevisionRow] | None = None
) -> list[RevisionRow]:
    """Per branch (live or deleted) and id, rows that break the chain of revisions: one that
    is not the newest but still open, ends before it starts, or ends after the next one
    starts. Empty when every replaced revision got its ``end_ts``."""
    rows = rows or revision_rows(store)
    broken = [row for row in rows if row[6] is not None and row[6] <= row[5]]
    for row, following in itertools.pairwise(rows):
        same_chain = (row[0], row[1], row[4]) == (following[0], following[1], following[4])
        if same_chain and (row[6] is None or row[6] > following[5]):
            broken.append(row)
    return broken


def edges_table_difference(store: RevisionStore) -> list[tuple]:
    """``concept_edges`` (migration 0009) against the edges derived here, in Python, from
    every concept revision row: one per distinct parent of each live revision."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT branch_id, component_id, start_ts, end_ts, deleted, parents FROM concepts")
        ).all()
        stored = connection.execute(
            text("SELECT parent_id, branch_id, component_id, start_ts, end_ts FROM concept_edges")
        ).all()
    derived: list[tuple] = []
    for branch_id, cid, start, end, deleted, parents in rows:
        if isinstance(parents, str):  # SQLite hands JSON back as text here
            parents = json.loads(parents)
        if not deleted and isinstance(parents, list):
            derived += [(p, branch_id, cid, start, end) for p in dict.fromkeys(parents)]
    found = [tuple(row) for row in stored]
    missing = sorted((Counter(derived) - Counter(found)).elements(), key=repr)
    extra = sorted((Counter(found) - Counter(derived)).elements(), key=repr)
    return [("missing", *row) for row in missing] + [("extra", *row) for row in extra]


def paged(
    store: RevisionStore,
    point: object,
    type_name: str,
    limit: int,
    filter_: Filter | None = None,
    order: Order | None = None,
) -> list:
    """Every component at ``point`` (that ``filter_`` matches, in ``order``), read
    ``limit`` at a time."""
    found, after = [], None
    while True:
        page = store.page(point, type_name, filter_, after=after, limit=limit, order=order)  # type: ignore[arg-type]
        assert len(page.items) <= limit
        found += page.items
        if page.next_after is None:
            return found
        assert page.items, "an empty page that promises more"
        after = page.next_after
