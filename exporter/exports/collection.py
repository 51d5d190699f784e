"""The content of a collection version's export (``CONTENTS["collection"]``): OCL's
Collection Version fields with the collection as it was when the version was taken, then
its member concepts sorted by id, its references (by id), its member mappings sorted by id
(DESIGN.md §5).

Members are resolved as the version's GET resolves them (:mod:`exporter.ocl_members`, at
the version's time), retired ones included. One file serves everyone who may view the
collection, so it holds only members whose source each of them may view: a source anyone
may view, or a private source of the collection's own owner when the collection is private
too (the same audience). A member from any other private source is left out, as the GET
leaves it out for a caller who may not view that source. A member sorts by its id, then its
source, then its reference; the sections' totals (for the build's progress) count the
references of each kind, so a member left out makes a build end below its total.
"""

from collections.abc import Callable, Iterator
from typing import Any

from accounts import collections as records
from accounts.collections import Collection
from accounts.repositories import Repository
from exporter import ocl_collections, ocl_members
from exporter.exports.content import Content, Section
from exporter.ocl_stream import Selection
from revisions import RevisionStore

COLLECTION = "collection"
REFERENCES_PER_READ = 2_000


def audience(collection: Collection) -> Callable[[Repository | None], bool]:
    """Whether a member's source may be in the collection's export (see the module)."""

    def may_view(repository: Repository | None) -> bool:
        if repository is None:
            return False
        if repository.public_access != "None":
            return True
        own = (repository.owner_type, repository.owner) == (collection.owner_type, collection.owner)
        return own and collection.public_access == "None"

    return may_view


def collection_content(store: RevisionStore, collection_id: str, version_id: str) -> Content:
    """Collection ``collection_id`` (its row id), version ``version_id``."""
    engine = store.engine
    collection = records.by_id(engine, int(collection_id))
    version = records.get_version(engine, collection, version_id)
    older = [v for v in records.versions(engine, collection) if v.created_ts < version.created_ts]
    head = ocl_collections.version_json(collection, version, max(older, default=None, key=_ts))
    at = version.created_ts
    may_view = audience(collection)
    version_url = head["version_url"]

    def members(kind: str) -> Section:
        rows = ocl_members.stream(
            store, collection, at, kind, Selection(include_retired=True), may_view,
            order="component",
        )  # fmt: skip
        return Section(kind, records.count_references(engine, collection, at, kind), rows)

    def references() -> Iterator[tuple[int | None, dict[str, Any]]]:
        after = 0
        while refs := records.references(
            engine, collection, at, after=after, limit=REFERENCES_PER_READ
        ):
            for ref in refs:
                yield None, ocl_collections.reference_json(collection, ref, version_url)
            after = refs[-1].id

    sections = (
        members("concepts"),
        Section("references", records.count_references(engine, collection, at), references()),
        members("mappings"),
    )
    return Content(head, sections, version.created_ts)


def _ts(version: records.CollectionVersion) -> int:
    return version.created_ts
