"""A collection's members at a time: its live references resolved to concepts and mappings,
as full OCL objects (``exporter.ocl_json``, with their source's URLs).

At ``HEAD`` (``at`` None) the references live now, unversioned ones read at the source's
working branch head. Under a version taken at ``T`` the references live at ``T``, unversioned
ones read at ``<working branch>@T``: the source exactly as committed up to ``T`` (the
version's time is a store commit time, see ``accounts.collections``), so a version never
changes. Pinned references read where their pin says, at any time: a concept or mapping
version (an edit time ``V``) at ``<working branch>@V``, a source version at its tag branch.

A reference whose source, source version or item is gone (deleted since), or whose source
the caller may not view (``may_view``, decided by ``api.ocl.access``), has no member;
retired items are left out unless ``includeRetired``; ``updatedSince`` keeps those edited
at or after it. Members come in reference order, streamed a batch of references at a time
(memory bounded by the batch), so the rows need no request: they run while the response is
sent. The streaming itself is :mod:`exporter.ocl_members`'s (exports use it too).
"""

from __future__ import annotations

from typing import Any

from flask import Response

from accounts.collections import Collection, CollectionVersion
from api import http
from api.ocl import access, repo_content
from api.ocl.repo_content import Rows
from api.services import store
from exporter.ocl_members import stream

__all__ = ["at_of", "respond", "stream"]


def at_of(version: CollectionVersion | None) -> int | None:
    return None if version is None else version.created_ts


def respond(
    collection: Collection, head: dict[str, Any], version: CollectionVersion | None
) -> Response:
    """A collection or collection version GET: ``head``, with members when asked."""
    if not repo_content.wants_content():
        return http.json(head)
    engine_store, at, may_view = store(), at_of(version), access.sources_seen()

    def rows(kind: str) -> Rows:
        return lambda chosen: stream(engine_store, collection, at, kind, chosen, may_view)

    return repo_content.serve(head, {"concepts": rows("concepts"), "mappings": rows("mappings")})
