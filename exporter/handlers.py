"""What each kind of job does. Handlers take the store and the job's params (plain JSON),
and return a JSON result; store errors become the job's FAILED or CONFLICTS outcome."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from exporter import exports, jobs
from exporter.jobs import handler
from importers import formats
from importers.apply import Summary, apply_releases
from importers.release import Release
from revisions import RevisionStore
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
    """Apply the releases of an uploaded file (``params["format"]``, default ``ocl``) to a
    branch through the import registry (:mod:`importers.formats`, :mod:`importers.apply`):
    the same reading, comparing and counting as ``snowpath import``, with the counts as
    the result and the progress on the job (the upload is deleted when the job ends,
    however it ends: exporter.jobs)."""
    branch = params["branch"]
    releases = formats.read(
        params.get("format") or "ocl",
        Path(params["file"]),
        store=store,
        branch=branch,
        **params.get("options", {}),
    )
    progress = JobProgress(store)
    summary = apply_releases(
        store,
        _codesystem_of(store, branch),
        releases,
        author=params["author"],
        branch=branch,
        comment=params["commitComment"],
        progress=progress,
    )
    progress.finish(summary)
    last = next((r.timestamp for r in reversed(summary.releases) if r.timestamp), None)
    total = summary.total
    return {
        "timestamp": last,
        "changes": total.created + total.changed + total.retired,
        **summary.as_json(),
    }


def _codesystem_of(store: RevisionStore, branch: str) -> str | None:
    """The code system whose working branch ``branch`` is, if any (versions are cut there)."""
    return next((c.id for c in store.codesystems.list() if c.branch_path == branch), None)


class JobProgress:
    """An :class:`importers.apply.Progress` recorded on the running job, at most once per
    :data:`PROGRESS_EVERY_S`: ``{"release", "phase", "done", "total"}``, and at the end
    phase ``done`` with the counts (created, changed, retired, skipped). On SQLite, whose
    one write lock the import's own commit holds, the ``write`` phase is not recorded."""

    def __init__(self, store: RevisionStore) -> None:
        self.store = store
        self.state: dict[str, Any] = {}
        self.last = 0.0

    def phase(self, release: Release, name: str, total: int | None) -> None:
        self.state = {"release": release.version, "phase": name, "done": 0, "total": total}
        self._record(force=True)

    def advance(self, rows: int) -> None:
        self.state["done"] = self.state.get("done", 0) + rows
        self._record()

    def finish(self, summary: Summary) -> None:
        """The last record: phase ``done`` with the counts of the whole import."""
        self.state = {**self.state, "phase": "done", **summary.total.as_json()}
        self._record(force=True)

    def _record(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= PROGRESS_EVERY_S:
            self.last = now
            jobs.record_progress(self.store, dict(self.state))


PROGRESS_EVERY_S = 1.0
