"""What each kind of job does. Handlers take the store and the job's params (plain JSON),
and return a JSON result; store errors become the job's FAILED or CONFLICTS outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from exporter import exports, ocl
from exporter.jobs import handler
from revisions import Change, Create, ReadPoint, RevisionStore, Update
from revisions.merge import Resolution

# The "export" kind is registered by exporter.exports (its builder lives there).
__all__ = ["exports", "import_file", "merge", "upgrade"]


def resolutions_of(params: dict[str, Any]) -> list[Resolution]:
    return [
        Resolution(r["componentType"], r["componentId"], r["resolution"], r.get("content"))
        for r in params.get("resolutions") or []
    ]


@handler("merge")
def merge(store: RevisionStore, params: dict[str, Any]) -> dict[str, Any]:
    commit = store.merge(
        params["source"],
        params["target"],
        params["author"],
        params["commitComment"],
        resolutions_of(params),
    )
    return {
        "timestamp": commit.timestamp if commit else None,
        "changes": commit.changes if commit else 0,
    }


@handler("upgrade")
def upgrade(store: RevisionStore, params: dict[str, Any]) -> dict[str, Any]:
    codesystem = store.codesystems.upgrade(
        params["codesystem"],
        params["extensionOf"],
        params["author"],
        params["commitComment"],
        resolutions_of(params),
    )
    return {"branchPath": codesystem.branch_path, "extensionOf": codesystem.extension_of}


@handler("import")
def import_file(store: RevisionStore, params: dict[str, Any]) -> dict[str, Any]:
    """Create or update every component of an uploaded OCL export on a branch (the upload is
    deleted when the job ends, however it ends: exporter.jobs)."""
    components = ocl.read(Path(params["file"]))
    changes = upserts(store, params["branch"], components)
    commit = store.commit(params["branch"], params["author"], params["commitComment"], changes)
    return {
        "timestamp": commit.timestamp if commit else None,
        "changes": commit.changes if commit else 0,
    }


def upserts(store: RevisionStore, branch: str, components: list[ocl.Component]) -> list[Change]:
    """Create what the branch does not have, update what it has (in file order)."""
    point = ReadPoint(branch)
    existing: dict[str, set[str]] = {}
    for type_name in ("concept", "description", "mapping"):
        wanted = [cid for t, cid, _ in components if t == type_name]
        existing[type_name] = set(store.get_many(point, type_name, wanted))
    changes: list[Change] = []
    for type_name, cid, fields in components:
        if cid in existing[type_name]:
            changes.append(Update(type_name, cid, fields))
        else:
            changes.append(Create(type_name, cid, fields))
            existing[type_name].add(cid)
    return changes
