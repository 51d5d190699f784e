"""Small builders for store tests: concepts, descriptions and mappings with few words."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from revisions import Create, Delete, ReadPoint, RevisionStore, Update


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


# PostgreSQL: the words table (migration 0006) against a fresh derivation from descriptions.
_DERIVED = (
    "SELECT w.lexeme::text, d.branch_id, d.start_ts, d.end_ts, d.component_id, "
    "d.concept_id, least(octet_length(d.term), 999) + CASE WHEN lower(d.term) = w.lexeme "
    "THEN 0 WHEN starts_with(lower(d.term), w.lexeme) THEN 1000 ELSE 2000 END "
    "FROM descriptions d, unnest(to_tsvector('simple'::regconfig, d.term)) AS w "
    "WHERE d.active AND NOT d.deleted"
)
_STORED = (
    "SELECT word, branch_id, start_ts, end_ts, component_id, concept_id, rank "
    "FROM description_words"
)


def words_table_difference(store: RevisionStore) -> list[tuple]:
    with store.engine.connect() as connection:
        missing = connection.execute(text(f"{_DERIVED} EXCEPT ALL {_STORED}")).all()
        extra = connection.execute(text(f"{_STORED} EXCEPT ALL {_DERIVED}")).all()
    return [("missing", *row) for row in missing] + [("extra", *row) for row in extra]
