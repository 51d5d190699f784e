"""Every URL of the OCL API, in one table of :class:`api.openapi.Route` rows, registered by
``api.routes`` beside the native table.

Each source URL exists under three owners: ``/orgs/<owner>/``, ``/users/<owner>/`` and
``/user/`` (the caller). Trailing slashes are optional (the app does not insist on them).
These rules have more literal segments than the native API's ``/<path:path>/concepts``,
so werkzeug tries them first: an OCL URL never reaches a native view. Writes under a
source version are routed to :func:`api.ocl.content.read_only` (405) for the same reason:
left unrouted, a POST there would fall through to the native catch-all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from api.ocl import content, exports, sources, versions
from api.openapi import Route

OWNERS = (("orgs", "/orgs/<owner>"), ("users", "/users/<owner>"), ("user", "/user"))
TAGS = ("ocl",)
# Segment converter for ids in OCL URLs: one segment.
SOURCE = "<source>"


def _route(
    prefix: str, rule: str, name: str, view: Callable[..., Any], method: str, summary: str, **kw
) -> Route:
    return Route(f"{rule}/", f"ocl_{prefix}_{name}", view, method, summary, tags=TAGS, **kw)


def _content_routes(owner_type: str, base: str, versioned: bool) -> list[Route]:
    """Concepts and mappings under ``base`` (a source, or a source version)."""
    found: list[Route] = []
    at = "_v" if versioned else ""
    for kind in ("concepts", "mappings"):
        one = kind[:-1]
        listing = f"{base}/{kind}"
        item = f"{listing}/<item_id>"
        common = {"owner_type": owner_type, "kind": kind}
        found += [
            _route(
                owner_type,
                listing,
                f"{one}_list{at}",
                partial(content.list_items, **common),
                "GET",
                f"List {kind}",
                lists=True,
            ),
            _route(
                owner_type,
                item,
                f"{one}_get{at}",
                partial(content.get_item, **common),
                "GET",
                f"Get a {one}",
            ),
            _route(
                owner_type,
                f"{item}/versions",
                f"{one}_versions{at}",
                partial(content.item_versions, **common),
                "GET",
                f"Versions of a {one}",
                lists=True,
            ),
            _route(
                owner_type,
                f"{item}/<item_version>",
                f"{one}_version{at}",
                partial(content.item_version, **common),
                "GET",
                f"One version of a {one}",
            ),
        ]
        if versioned:
            for method in ("POST",):
                found.append(
                    _route(
                        owner_type,
                        listing,
                        f"{one}_{method.lower()}{at}",
                        content.read_only,
                        method,
                        "Read only (405)",
                    )
                )
            for method in ("PUT", "PATCH", "DELETE"):
                found.append(
                    _route(
                        owner_type,
                        item,
                        f"{one}_{method.lower()}{at}",
                        content.read_only,
                        method,
                        "Read only (405)",
                    )
                )
            found.append(
                _route(
                    owner_type,
                    f"{item}/reactivate",
                    f"{one}_reactivate{at}",
                    content.read_only,
                    "PUT",
                    "Read only (405)",
                )
            )
            continue
        found += [
            _route(
                owner_type,
                listing,
                f"{one}_create",
                partial(content.create, **common),
                "POST",
                f"Create a {one}",
                status=201,
            ),
            _route(
                owner_type,
                item,
                f"{one}_put",
                partial(content.update, **common),
                "PUT",
                f"Update a {one} (given fields)",
            ),
            _route(
                owner_type,
                item,
                f"{one}_patch",
                partial(content.update, **common),
                "PATCH",
                f"Update a {one} (given fields)",
            ),
            _route(
                owner_type,
                item,
                f"{one}_retire",
                partial(content.retire, **common),
                "DELETE",
                f"Retire a {one}",
                status=204,
            ),
            _route(
                owner_type,
                f"{item}/reactivate",
                f"{one}_reactivate",
                partial(content.reactivate, **common),
                "PUT",
                f"Reactivate a {one}",
                status=204,
            ),
        ]
    return found


def _owner_routes(owner_type: str, prefix: str) -> list[Route]:
    o = owner_type
    listing = f"{prefix}/sources"
    source = f"{listing}/{SOURCE}"
    version = f"{source}/<version>"
    return [
        _route(
            o,
            listing,
            "source_list",
            partial(sources.list_owned, owner_type=o),
            "GET",
            "List the owner's sources",
            lists=True,
        ),
        _route(
            o,
            listing,
            "source_create",
            partial(sources.create, owner_type=o),
            "POST",
            "Create a source",
            status=201,
        ),
        _route(
            o,
            source,
            "source_get",
            partial(sources.get, owner_type=o),
            "GET",
            "Get a source (with includeConcepts, includeMappings, …)",
        ),
        _route(
            o,
            source,
            "source_put",
            partial(sources.update, owner_type=o),
            "PUT",
            "Update a source (given fields)",
        ),
        _route(
            o,
            source,
            "source_patch",
            partial(sources.update, owner_type=o),
            "PATCH",
            "Update a source (given fields)",
        ),
        _route(
            o,
            source,
            "source_delete",
            partial(sources.delete, owner_type=o),
            "DELETE",
            "Delete a source",
            status=204,
        ),
        _route(
            o,
            f"{source}/versions",
            "version_list",
            partial(versions.list_all, owner_type=o),
            "GET",
            "List versions, newest first, with HEAD",
            lists=True,
        ),
        _route(
            o,
            f"{source}/versions",
            "version_create",
            partial(versions.create, owner_type=o),
            "POST",
            "Create a version",
            status=201,
        ),
        _route(
            o,
            f"{source}/latest",
            "version_latest",
            partial(versions.latest, owner_type=o),
            "GET",
            "The newest released version",
        ),
        _route(
            o,
            f"{source}/latest",
            "version_latest_put",
            partial(versions.update_latest, owner_type=o),
            "PUT",
            "Update the newest released version",
        ),
        _route(
            o,
            version,
            "version_get",
            partial(versions.get, owner_type=o),
            "GET",
            "Get a version (with includeConcepts, …)",
        ),
        _route(
            o,
            version,
            "version_put",
            partial(versions.update, owner_type=o),
            "PUT",
            "Update a version",
        ),
        _route(
            o,
            version,
            "version_patch",
            partial(versions.update, owner_type=o),
            "PATCH",
            "Update a version",
        ),
        _route(
            o,
            version,
            "version_delete",
            partial(versions.delete, owner_type=o),
            "DELETE",
            "Delete a version",
            status=204,
        ),
        *_content_routes(o, source, versioned=False),
        *_content_routes(o, version, versioned=True),
    ]


ROUTES: list[Route] = [
    Route(
        "/sources/",
        "ocl_source_list_all",
        sources.list_all,
        "GET",
        "List every source",
        tags=TAGS,
        lists=True,
    ),
    *(route for owner_type, prefix in OWNERS for route in _owner_routes(owner_type, prefix)),
]

# --- Export API (api.ocl.exports): …/:source/:version/export/ under every owner ---------------
_EXPORT_VIEWS = (
    ("GET", "export_get", exports.get, "Download a version's export (204 none, 208 building)", 200),
    ("POST", "export_create", exports.create, "Build a version's export (202, 409, 200)", 202),
    ("DELETE", "export_delete", exports.delete, "Delete a version's export (admin)", 204),
)
ROUTES += [
    _route(
        o,
        f"{prefix}/sources/{SOURCE}/<version>/export",
        name,
        partial(view, owner_type=o),
        method,
        summary,
        status=status,
    )
    for o, prefix in OWNERS
    for method, name, view, summary, status in _EXPORT_VIEWS
]
