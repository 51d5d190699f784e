"""Leftover uploads: files of the upload folder that no unfinished job owns.

An import's upload is owned by its job (``params["file"]``, see :mod:`exporter.jobs`) and
deleted when the job ends. A process killed at the wrong moment can still leave one behind
(a server killed while it wrote the file, a worker killed before it deleted it), so every
server and worker start calls :func:`sweep`: after reporting dead jobs FAILED
(``jobs.sweep``), it deletes each file of the folder that no ``SCHEDULED`` or
``IN_PROGRESS`` job names. The folder is listed *before* the jobs are read: a job row is
written before its file, so a file that appears meanwhile (another server's upload) is not
in the listing, and every listed file whose job was running is in the jobs read. Files are
matched by name, so hosts that mount the shared folder at different paths agree.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select

from exporter import jobs
from revisions import RevisionStore

log = logging.getLogger(__name__)


def sweep(store: RevisionStore, folder: Path) -> list[str]:
    """Delete the files of ``folder`` that no unfinished job owns; their names."""
    if not folder.is_dir():
        return []
    listed = [path for path in folder.iterdir() if path.is_file()]
    J = jobs.J
    with store.engine.connect() as connection:
        rows = connection.execute(select(J.c.params).where(J.c.state.in_(jobs.UNFINISHED)))
        owned = {Path(params["file"]).name for params in rows.scalars() if params.get("file")}
    removed = []
    for path in listed:
        if path.name in owned:
            continue
        try:
            path.unlink(missing_ok=True)
        except OSError as failure:
            log.warning("Could not delete the leftover upload %s: %s", path, failure)
            continue
        removed.append(path.name)
    if removed:
        log.warning("Deleted %d leftover upload(s) in %s", len(removed), folder)
    return removed


def sweep_all(store: RevisionStore, runner: jobs.Runner | None, folder: Path) -> None:
    """What a server or worker does at start: dead and lost jobs FAILED, then leftovers
    deleted."""
    jobs.sweep(store, runner)
    sweep(store, folder)
