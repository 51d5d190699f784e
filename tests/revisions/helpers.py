"""Small builders for store tests: concepts, descriptions and mappings with few words."""

from __future__ import annotations

from typing import Any

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
