"""What each kind of job does. Handlers take the store and the job's params (plain JSON),
and return a JSON result; store errors become the job's FAILED or CONFLICTS outcome."""

from __future__ import annotations

from typing import Any

from exporter.jobs import handler
from revisions import RevisionStore
from revisions.merge import Resolution


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
