"""What the repositories' views tell the Export API (docs/exports.md): a new version's
export is queued; a deleted repository's or version's exports go (rows and files). Kept
apart from the export views (:mod:`api.ocl.exports`), which read the repositories' modules,
so that those modules can call these hooks."""

from __future__ import annotations

from accounts.collections import Collection
from api.ocl import places
from api.services import services, store
from exporter import exports
from exporter.exports import Key
from exporter.storage import FileStorage


def storage() -> FileStorage:
    """Where exports are kept (``SNOWPATH_EXPORT_DIR``)."""
    return FileStorage(services().settings.export_dir)


def collection_key(found: Collection, version_id: str) -> Key:
    return Key(exports.COLLECTION, str(found.id), version_id)


def source_deleted(codesystem_id: str, version_id: str | None = None) -> None:
    """A deleted source (or code system), or one deleted version of it: its exports go."""
    exports.forget(store(), storage(), exports.SOURCE, codesystem_id, version_id)


def version_created(found: places.Source, version_id: str) -> None:
    """A new source version: queue its export."""
    _queue(Key(exports.SOURCE, found.id, version_id))


def collection_version_created(found: Collection, version_id: str) -> None:
    """A new collection version: queue its export."""
    _queue(collection_key(found, version_id))


def collection_deleted(found: Collection, version_id: str | None = None) -> None:
    """A deleted collection, or one deleted version of it: its exports go."""
    exports.forget(store(), storage(), exports.COLLECTION, str(found.id), version_id)


def _queue(key: Key) -> None:
    exports.queue_for_new_version(store(), services().runner, services().settings.export_dir, key)
