"""Repositories of every kind: ``/orgs/:org/repos/``, ``/users/:user/repos/``,
``/user/repos/`` and ``/repos/``: the sources and the collections the caller may see
(sources first, each by owner and id), ``repoType=Source`` or ``Collection`` to keep one
kind; paged like every OCL list. The ``openconceptlab`` client lists repositories this way."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from accounts import collections as records
from accounts import repositories
from api.errors import Invalid
from api.ocl import access, places
from api.ocl.collections import visible
from api.ocl.paging import page_request, respond, window
from api.services import store
from exporter.ocl_collections import collection_json
from exporter.ocl_json import source_json

TYPES = ("Source", "Collection")


def _sources(owner_type: str | None, owner: str | None) -> list[Any]:
    shown = []
    for repository in repositories.list_for(store().engine, owner_type, owner):
        try:
            access.view_source(repository)
        except Exception:
            continue
        shown.append(repository)
    return shown


def _json(item: Any) -> dict[str, Any]:
    if isinstance(item, repositories.Repository):
        found = places.of(item)
        return source_json(found.place, found.codesystem, item.public_access)
    return collection_json(item)


def _listed(owner_type: str | None, owner: str | None) -> Response:
    kind = request.args.get("repoType")
    if kind is not None and kind not in TYPES:
        raise Invalid([f"'repoType': Must be one of {', '.join(TYPES)}."])
    wanted = page_request()
    every: list[Any] = []
    if kind in (None, "Source"):
        every += _sources(owner_type, owner)
    if kind in (None, "Collection"):
        every += visible(records.list_for(store().engine, owner_type, owner))
    return respond([_json(item) for item in window(every, wanted)], len(every), wanted)


def list_owned(owner_type: str, owner: str | None = None) -> Response:
    owner_type, name = places.owner(owner_type, owner)
    return _listed(owner_type, name)


def list_all() -> Response:
    return _listed(None, None)
