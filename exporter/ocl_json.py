"""The store -> OCL JSON (the export direction; ``exporter.ocl`` is the import direction).

A source is a code system (:class:`Place` says where it lives in OCL's URLs); its OCL
fields live in the code system's metadata (:data:`SOURCE_METADATA`; ``default_locale`` is
the code system's ``language``, ``canonical_url`` its ``url``). A concept is a concept plus
its descriptions: those of type ``DEFINITION`` are OCL descriptions, the others names. A
mapping is a mapping; a target in another code system is ``target_code_system`` (the OCL
source URL it was given) and ``target_code``.

A concept's OCL ``version`` is the commit timestamp of the last edit to it or to one of its
descriptions: stable, and new on every edit (the caller gives the edit times:
``exporter.ocl_stream``, which also streams a view's concepts and mappings). Used by the
OCL API and, later, the exports.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from revisions.records import Component, Stored
from revisions.registry import CodeSystem, Version

# A component as read one at a time (the API) or by the whole-view scans (the exports).
Item = Component | Stored

DEFINITION = "DEFINITION"
OWNER_KINDS = {"orgs": "Organization", "users": "User"}
# OCL source fields kept in the code system's metadata under their OCL names.
SOURCE_METADATA = (
    "full_name",
    "description",
    "source_type",
    "supported_locales",
    "website",
    "external_id",
    "extras",
    "custom_validation_schema",
    "created_by",
    "updated_by",
)
# OCL name -> native metadata name, where the native API has the field too.
RENAMED = {"default_locale": "language", "canonical_url": "url"}


# Cached: an export writes three per object, and most objects of a version share a few
# commit times (strftime was a sixth of a build's time).
@functools.lru_cache(maxsize=4096)
def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Place:
    """Where a source lives in OCL's URLs (its URLs worked out once: every object of an
    export repeats them)."""

    owner_type: str  # orgs | users
    owner: str
    repo_id: str
    codesystem_id: str

    @functools.cached_property
    def owner_url(self) -> str:
        return f"/{self.owner_type}/{self.owner}/"

    @functools.cached_property
    def url(self) -> str:
        return f"{self.owner_url}sources/{self.repo_id}/"

    @functools.cached_property
    def owner_kind(self) -> str:
        return OWNER_KINDS[self.owner_type]

    @functools.cached_property
    def _owner_fields(self) -> tuple[tuple[str, Any], ...]:
        return (
            ("owner", self.owner),
            ("owner_type", self.owner_kind),
            ("owner_url", self.owner_url),
        )

    def owner_fields(self) -> dict[str, Any]:
        return dict(self._owner_fields)


# --- sources and versions -----------------------------------------------------------------


def source_json(
    place: Place,
    codesystem: CodeSystem,
    public_access: str,
    *,
    version: str = "HEAD",
    counts: dict[str, int] | None = None,
) -> dict[str, Any]:
    """OCL's Source (detail) for a code system."""
    meta = codesystem.metadata
    locale = meta.get("language") or "en"
    data: dict[str, Any] = {
        "type": "Source",
        "uuid": codesystem.id,
        "id": place.repo_id,
        "short_code": codesystem.id,
        "name": codesystem.title,
        "full_name": meta.get("full_name") or codesystem.title,
        "description": meta.get("description"),
        "source_type": meta.get("source_type"),
        "custom_validation_schema": meta.get("custom_validation_schema"),
        "public_access": public_access,
        "default_locale": locale,
        "supported_locales": meta.get("supported_locales") or [locale],
        "website": meta.get("website"),
        "url": place.url,
        **place.owner_fields(),
        "external_id": meta.get("external_id"),
        "extras": meta.get("extras") or {},
        "canonical_url": meta.get("url"),
        "version": version,
        "versions_url": f"{place.url}versions/",
        "concepts_url": f"{place.url}concepts/",
        "mappings_url": f"{place.url}mappings/",
        "created_on": iso(codesystem.created_ts),
        "created_by": meta.get("created_by"),
        "updated_on": iso(codesystem.updated_ts),
        "updated_by": meta.get("updated_by"),
    }
    if counts is not None:
        data.update(counts)
    return data


def version_json(
    place: Place,
    codesystem: CodeSystem,
    public_access: str,
    version: Version | None,
    previous: Version | None = None,
) -> dict[str, Any]:
    """OCL's Source Version for a code system version (None: ``HEAD``)."""
    meta = codesystem.metadata
    locale = meta.get("language") or "en"
    vmeta = version.metadata if version is not None else {}
    version_id = "HEAD" if version is None else version.version
    version_url = place.url if version is None else f"{place.url}{version_id}/"
    data: dict[str, Any] = {
        "type": "Source Version",
        "uuid": f"{codesystem.id}/{version_id}",
        "id": version_id,
        "short_code": codesystem.id,
        "name": codesystem.title,
        "full_name": meta.get("full_name") or codesystem.title,
        "description": version.description if version is not None else meta.get("description"),
        "source_type": meta.get("source_type"),
        "custom_validation_schema": meta.get("custom_validation_schema"),
        "public_access": public_access,
        "default_locale": locale,
        "supported_locales": meta.get("supported_locales") or [locale],
        "website": meta.get("website"),
        "url": place.url,
        **place.owner_fields(),
        "retired": bool(vmeta.get("retired", False)),
        "version_url": version_url,
        "previous_version_url": (None if previous is None else f"{place.url}{previous.version}/"),
        "created_on": iso(codesystem.created_ts if version is None else version.created_ts),
        "created_by": vmeta.get("created_by") or meta.get("created_by"),
        "updated_on": iso(codesystem.updated_ts if version is None else version.created_ts),
        "updated_by": vmeta.get("updated_by") or meta.get("updated_by"),
        "extras": vmeta.get("extras", {}) if version is not None else meta.get("extras") or {},
        "external_id": vmeta.get("external_id") if version is not None else None,
        "version": version_id,
        "concepts_url": f"{version_url}concepts/",
        "mappings_url": f"{version_url}mappings/",
        "is_processing": False,
        "released": bool(vmeta.get("released", False)),
        "canonical_url": meta.get("url"),
    }
    if version is not None and isinstance(vmeta.get("source"), dict):
        data["source"] = vmeta["source"]
    return data


# --- concepts -----------------------------------------------------------------------------


def _name(description: Item) -> dict[str, Any]:
    fields = description.fields
    extras = fields.get("extras") or {}
    return {
        "type": "ConceptName",
        "uuid": description.id,
        "external_id": fields.get("external_id"),
        "name": fields["term"],
        "locale": fields.get("language_code"),
        "locale_preferred": bool(fields.get("preferred")),
        "name_type": extras.get("name_type", fields.get("type")),
        "retired": not fields.get("active", True),
    }


def _description(description: Item) -> dict[str, Any]:
    fields = description.fields
    extras = fields.get("extras") or {}
    return {
        "type": "ConceptDescription",
        "uuid": description.id,
        "external_id": fields.get("external_id"),
        "description": fields["term"],
        "locale": fields.get("language_code"),
        "locale_preferred": bool(fields.get("preferred")),
        "description_type": extras.get("description_type", "Definition"),
        "retired": not fields.get("active", True),
    }


def is_definition(description: Item) -> bool:
    return (description.fields.get("type") or "").upper() == DEFINITION


def display(descriptions: Sequence[Item], locale: str) -> tuple[str | None, str | None]:
    """(display_name, display_locale): the preferred name in ``locale``, else any
    preferred name, else the first name."""
    return _display([d for d in descriptions if not is_definition(d)], locale)


def _display(names: Sequence[Item], locale: str) -> tuple[str | None, str | None]:
    """:func:`display` of a concept's names (its descriptions that are not definitions)."""
    active = [d for d in names if d.fields.get("active", True)]
    names = active or names
    if not names:
        return None, None
    best = min(
        names,
        key=lambda d: (d.fields.get("language_code") != locale, not d.fields.get("preferred")),
    )
    return best.fields["term"], best.fields.get("language_code")


def concept_json(
    place: Place,
    concept: Item,
    descriptions: Sequence[Item],
    times: list[int],
    *,
    locale: str = "en",
    latest: bool = True,
) -> dict[str, Any]:
    """OCL's Concept (export shape, ocl.md §2.2). ``times``: the concept's edit times."""
    fields = concept.fields
    version = str(times[-1]) if times else str(concept.timestamp)
    url = f"{place.url}concepts/{concept.id}/"
    names: list[Item] = []
    definitions: list[Item] = []
    for d in descriptions:
        (definitions if is_definition(d) else names).append(d)
    name, name_locale = _display(names, locale)
    return {
        "type": "Concept",
        "uuid": str(concept.revision),
        "id": concept.id,
        "external_id": fields.get("external_id"),
        "concept_class": fields.get("concept_class"),
        "datatype": fields.get("datatype") or "None",
        "display_name": name,
        "display_locale": name_locale,
        "names": [_name(d) for d in names],
        "descriptions": [_description(d) for d in definitions],
        "extras": fields.get("extras") or {},
        "retired": not fields.get("active", True),
        "retire_reason": fields.get("retire_reason"),
        "source": place.repo_id,
        "source_url": place.url,
        **place.owner_fields(),
        "version": version,
        "url": url,
        "version_url": f"{url}{version}/",
        "versions_url": f"{url}versions/",
        "mappings_url": f"{url}mappings/",
        "extras_url": f"{url}extras/",
        "parent_concept_urls": [f"{place.url}concepts/{p}/" for p in fields.get("parents") or []],
        "versions": len(times),
        "is_latest_version": latest,
        "created_on": iso(times[0] if times else concept.timestamp),
        "updated_on": iso(int(version)),
        "version_created_on": iso(int(version)),
    }


# --- mappings -----------------------------------------------------------------------------


def parse_source_url(url: str) -> tuple[str, str, str] | None:
    """(owner_type, owner, repo_id) of an OCL source URL ``/orgs/O/sources/S[/ver]/``."""
    parts = [p for p in url.split("/") if p]
    if len(parts) >= 4 and parts[0] in OWNER_KINDS and parts[2] == "sources":
        return parts[0], parts[1], parts[3]
    return None


def _target(place: Place, fields: dict[str, Any]) -> dict[str, Any]:
    if fields.get("target_id") is not None:
        code = fields["target_id"]
        return {
            "to_concept_code": code,
            "to_concept_url": f"{place.url}concepts/{code}/",
            "to_concept_name": fields.get("target_name"),
            "to_source_url": place.url,
            "to_source_name": place.repo_id,
            "to_source_owner": place.owner,
            "to_source_owner_type": place.owner_kind,
        }
    system, code = fields.get("target_code_system"), fields.get("target_code")
    parsed = parse_source_url(system or "")
    if parsed is None:
        return {
            "to_concept_code": code,
            "to_concept_url": None,
            "to_concept_name": fields.get("target_name"),
            "to_source_url": system,
            "to_source_name": system,
            "to_source_owner": None,
            "to_source_owner_type": None,
        }
    owner_type, owner, repo = parsed
    source_url = f"/{owner_type}/{owner}/sources/{repo}/"
    return {
        "to_concept_code": code,
        "to_concept_url": f"{source_url}concepts/{code}/",
        "to_concept_name": fields.get("target_name"),
        "to_source_url": source_url,
        "to_source_name": repo,
        "to_source_owner": owner,
        "to_source_owner_type": OWNER_KINDS[owner_type],
    }


def mapping_json(
    place: Place,
    mapping: Item,
    times: list[int],
    *,
    from_name: str | None = None,
    latest: bool = True,
) -> dict[str, Any]:
    """OCL's Mapping (export shape, ocl.md §2.3)."""
    fields = mapping.fields
    version = str(times[-1]) if times else str(mapping.timestamp)
    url = f"{place.url}mappings/{mapping.id}/"
    source_id = fields["source_id"]
    return {
        "type": "Mapping",
        "uuid": str(mapping.revision),
        "id": mapping.id,
        "external_id": fields.get("external_id"),
        "retired": not fields.get("active", True),
        "map_type": fields.get("map_type"),
        "source": place.repo_id,
        **place.owner_fields(),
        "from_concept_code": source_id,
        "from_concept_name": from_name,
        "from_concept_url": f"{place.url}concepts/{source_id}/",
        "from_source_url": place.url,
        "from_source_name": place.repo_id,
        "from_source_owner": place.owner,
        "from_source_owner_type": place.owner_kind,
        **_target(place, fields),
        "sort_weight": fields.get("sort_weight"),
        "extras": fields.get("extras") or {},
        "url": url,
        "version": version,
        "version_url": f"{url}{version}/",
        "versions_url": f"{url}versions/",
        "is_latest_version": latest,
        "created_on": iso(times[0] if times else mapping.timestamp),
        "updated_on": iso(int(version)),
    }
