"""Collection records -> OCL JSON: Collection, Collection Version and reference
(``reference/ocl.md`` §2.1, §2.4; ``ocl-accounts-and-collections.md`` §4, §6). The members'
concepts and mappings are ``exporter.ocl_json``'s, with their source's URLs.

A collection's OCL fields live in its record's ``metadata`` under their OCL names
(:data:`COLLECTION_METADATA`); a version's in the version's metadata, with ``collection``,
the collection's fields as they were when the version was taken.
"""

from __future__ import annotations

from typing import Any

from accounts.collections import Collection, CollectionVersion, Reference
from exporter.ocl_json import OWNER_KINDS, iso

HEAD = "HEAD"
# OCL collection fields kept in the record's metadata under their OCL names.
COLLECTION_METADATA = (
    "full_name",
    "description",
    "collection_type",
    "custom_validation_schema",
    "default_locale",
    "supported_locales",
    "website",
    "canonical_url",
    "external_id",
    "extras",
    "preferred_source",
    "custom_resources_linked_source",
    "publisher",
    "purpose",
    "copyright",
    "text",
    "immutable",
    "locked_date",
    "autoexpand_head",
    "created_by",
    "updated_by",
)


def url(collection: Collection) -> str:
    return f"/{collection.owner_type}/{collection.owner}/collections/{collection.repo_id}/"


def owner_fields(collection: Collection) -> dict[str, Any]:
    return {
        "owner": collection.owner,
        "owner_type": OWNER_KINDS[collection.owner_type],
        "owner_url": f"/{collection.owner_type}/{collection.owner}/",
    }


def _common(collection: Collection, version_url: str) -> dict[str, Any]:
    meta = collection.metadata
    locale = meta.get("default_locale") or "en"
    return {
        "short_code": collection.repo_id,
        "name": collection.name,
        "full_name": meta.get("full_name") or collection.name,
        "description": meta.get("description"),
        "collection_type": meta.get("collection_type"),
        "custom_validation_schema": meta.get("custom_validation_schema"),
        "public_access": collection.public_access,
        "default_locale": locale,
        "supported_locales": meta.get("supported_locales") or [locale],
        "website": meta.get("website"),
        "url": url(collection),
        **owner_fields(collection),
        "canonical_url": meta.get("canonical_url"),
        "publisher": meta.get("publisher"),
        "purpose": meta.get("purpose"),
        "copyright": meta.get("copyright"),
        "text": meta.get("text"),
        "preferred_source": meta.get("preferred_source"),
        "custom_resources_linked_source": meta.get("custom_resources_linked_source"),
        "immutable": meta.get("immutable"),
        "locked_date": meta.get("locked_date"),
        "concepts_url": f"{version_url}concepts/",
        "mappings_url": f"{version_url}mappings/",
        "references_url": f"{version_url}references/",
        "expansions_url": f"{version_url}expansions/",
        "expansion_url": None,
    }


def collection_json(collection: Collection) -> dict[str, Any]:
    """OCL's Collection (detail)."""
    meta = collection.metadata
    base = url(collection)
    return {
        "type": "Collection",
        "uuid": str(collection.id),
        "id": collection.repo_id,
        **_common(collection, base),
        "external_id": meta.get("external_id"),
        "extras": meta.get("extras") or {},
        "version": HEAD,
        "versions_url": f"{base}versions/",
        "logo_url": None,
        "autoexpand_head": meta.get("autoexpand_head", True),
        "created_on": iso(collection.created_ts),
        "created_by": meta.get("created_by"),
        "updated_on": iso(collection.updated_ts),
        "updated_by": meta.get("updated_by"),
    }


def version_json(
    collection: Collection,
    version: CollectionVersion | None,
    previous: CollectionVersion | None = None,
) -> dict[str, Any]:
    """OCL's Collection Version (None: ``HEAD``, the collection as it is)."""
    meta = collection.metadata
    vmeta = version.metadata if version is not None else {}
    version_id = HEAD if version is None else version.version
    base = url(collection)
    version_url = base if version is None else f"{base}{version_id}/"
    data: dict[str, Any] = {
        "type": "Collection Version",
        "uuid": f"{collection.id}/{version_id}",
        "id": version_id,
        **_common(collection, version_url),
        "description": vmeta.get("description") if version is not None else meta.get("description"),
        "retired": bool(vmeta.get("retired", False)),
        "version_url": version_url,
        "previous_version_url": None if previous is None else f"{base}{previous.version}/",
        "created_on": iso(collection.created_ts if version is None else version.created_ts),
        "created_by": vmeta.get("created_by") or meta.get("created_by"),
        "updated_on": iso(
            collection.updated_ts
            if version is None
            else vmeta.get("updated_ts", version.created_ts)
        ),
        "updated_by": vmeta.get("updated_by") or meta.get("updated_by"),
        "extras": vmeta.get("extras", {}) if version is not None else meta.get("extras") or {},
        "external_id": vmeta.get("external_id") if version is not None else meta.get("external_id"),
        "version": version_id,
        "is_processing": False,
        "released": bool(vmeta.get("released", False)),
        "autoexpand": True,
    }
    if version is not None and isinstance(vmeta.get("collection"), dict):
        data["collection"] = vmeta["collection"]
    return data


def reference_json(
    collection: Collection, reference: Reference, version_url: str
) -> dict[str, Any]:
    """OCL's collection reference (``reference/ocl.md`` §2.4, the fields this server has)."""
    target = reference.target
    return {
        "type": "Reference",
        "id": reference.id,
        "uuid": str(reference.id),
        "expression": target.expression,
        "reference_type": target.reference_type,
        "uri": f"{version_url}references/{reference.id}/",
        "include": True,
        "code": target.component_id,
        "resource_version": (
            None if target.component_version is None else str(target.component_version)
        ),
        "version": target.source_version,
        "last_resolved_at": iso(reference.added_ts),
        "created_at": iso(reference.added_ts),
        "created_by": reference.added_by,
        "collection_url": url(collection),
    }
