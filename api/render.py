"""Store values -> the native API's JSON (camelCase, blank fields omitted, ISO timestamps)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from exporter.jobs import Job
from revisions import Branch, Commit, Component, Revision
from revisions.codesystems import CodeSystem, Version
from revisions.merge import camel

CODESYSTEM_METADATA = (
    "url",
    "description",
    "language",
    "status",
    "copyright",
    "owner",
    "contact",
    "oid",
)


# CSV columns of each list (a header row is written even for an empty list).
COLUMNS = {
    "concept": (
        "id",
        "active",
        "released",
        "effectiveTime",
        "moduleId",
        "conceptClass",
        "datatype",
        "parents",
        "externalId",
        "retireReason",
        "extras",
    ),
    "description": (
        "id",
        "conceptId",
        "term",
        "languageCode",
        "type",
        "preferred",
        "active",
        "released",
        "effectiveTime",
        "externalId",
        "extras",
    ),
    "mapping": (
        "id",
        "sourceId",
        "mapType",
        "targetId",
        "targetCodeSystem",
        "targetCode",
        "targetName",
        "active",
        "released",
        "effectiveTime",
        "sortWeight",
        "externalId",
        "extras",
    ),
    "branch": (
        "path",
        "name",
        "parentPath",
        "state",
        "baseTimestamp",
        "headTimestamp",
        "createdAt",
        "deleted",
        "metadata",
    ),
    "commit": (
        "timestamp",
        "branch",
        "kind",
        "author",
        "comment",
        "changes",
        "source",
        "sourceTimestamp",
        "createdAt",
    ),
    "revision": (
        "timestamp",
        "branch",
        "endTimestamp",
        "deleted",
        "author",
        "comment",
        "component",
    ),
    "codesystem": ("id", "title", "branchPath", "extensionOf", "createdAt", "updatedAt"),
    "version": (
        "id",
        "version",
        "effectiveTime",
        "description",
        "branchPath",
        "codeSystem",
        "createdAt",
    ),
}


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop blank (None) fields."""
    return {k: v for k, v in data.items() if v is not None}


def component(item: Component) -> dict[str, Any]:
    data: dict[str, Any] = {"id": item.id}
    for name, value in item.fields.items():
        data[camel(name)] = value
    data["released"] = item.released
    data["effectiveTime"] = item.effective_time
    return compact(data)


def fields_in(data: dict[str, Any]) -> dict[str, Any]:
    """API field names -> store field names (for resolution content)."""
    return {_snake(k): v for k, v in data.items()}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def branch(item: Branch) -> dict[str, Any]:
    return compact(
        {
            "name": item.name,
            "path": item.path,
            "parentPath": item.parent_path,
            "state": item.state.value,
            "baseTimestamp": item.base_ts,
            "headTimestamp": item.head_ts,
            "createdAt": iso(item.created_ts),
            "deleted": item.deleted,
            "metadata": item.metadata,
        }
    )


def commit(item: Commit) -> dict[str, Any]:
    return compact(
        {
            "branch": item.branch,
            "timestamp": item.timestamp,
            "createdAt": iso(item.timestamp),
            "kind": item.kind.value,
            "author": item.author,
            "comment": item.comment,
            "changes": item.changes,
            "source": item.source,
            "sourceTimestamp": item.source_timestamp,
        }
    )


def revision(item: Revision) -> dict[str, Any]:
    content = None
    if item.fields is not None:
        content = compact({"id": item.id, **{camel(k): v for k, v in item.fields.items()}})
    return compact(
        {
            "branch": item.branch,
            "timestamp": item.timestamp,
            "endTimestamp": item.end_timestamp,
            "deleted": item.deleted,
            "author": item.author,
            "comment": item.comment,
            "component": content,
        }
    )


def codesystem(item: CodeSystem) -> dict[str, Any]:
    extra = {k: item.metadata.get(k) for k in CODESYSTEM_METADATA}
    return compact(
        {
            "id": item.id,
            "title": item.title,
            "branchPath": item.branch_path,
            "extensionOf": item.extension_of,
            "createdAt": iso(item.created_ts),
            "updatedAt": iso(item.updated_ts),
            **extra,
        }
    )


def version(item: Version) -> dict[str, Any]:
    return compact(
        {
            "id": f"{item.codesystem_id}/{item.version}",
            "version": item.version,
            "effectiveTime": item.effective_time,
            "description": item.description or None,
            "branchPath": item.branch_path,
            "codeSystem": item.codesystem_id,
            "createdAt": iso(item.created_ts),
        }
    )


def job(item: Job) -> dict[str, Any]:
    return compact(
        {
            "id": item.id,
            "kind": item.kind,
            "state": item.state.value,
            "createdAt": iso(item.created_ts),
            "startedAt": iso(item.started_ts),
            "finishedAt": iso(item.finished_ts),
            "result": item.result,
            "error": item.error,
        }
    )


def merge(item: Job) -> dict[str, Any]:
    """A merge job in the shape of Snow Owl's merge resource."""
    data: dict[str, Any] = {
        "id": item.id,
        "source": item.params.get("source"),
        "target": item.params.get("target"),
        "status": item.state.value,
        "scheduledDate": iso(item.created_ts),
        "startDate": iso(item.started_ts),
        "endDate": iso(item.finished_ts),
    }
    if item.result and item.result.get("conflicts"):
        data["conflicts"] = item.result["conflicts"]
    if item.error and item.state.value == "FAILED":
        data["apiError"] = {"status": "400", "message": item.error}
    return compact(data)
