"""A collection's members in the API: a collection or collection version GET with
``includeConcepts``/``includeMappings`` streams them (:func:`respond`). Which references are
live, where each reads and which members a caller sees: :mod:`exporter.ocl_members`, which
streams them (exports use it too).
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
        return lambda chosen: (
            data for _, data in stream(engine_store, collection, at, kind, chosen, may_view)
        )

    return repo_content.serve(head, {"concepts": rows("concepts"), "mappings": rows("mappings")})
