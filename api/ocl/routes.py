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

from api.ocl import (
    collection_content,
    collection_versions,
    collections,
    content,
    exports,
    references,
    repos,
    sources,
    versions,
)
from api.openapi import Route

OWNERS = (("orgs", "/orgs/<owner>"), ("users", "/users/<owner>"), ("user", "/user"))
TAGS = ("ocl",)
# Segment converter for ids in OCL URLs: one segment.
SOURCE = "<source>"


def _route(
    prefix: str,
    rule: str,
    name: str,
    view: Callable[..., Any],
    method: str,
    summary: str,
    **kw: Any,
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
                f"{item}/extras",
                f"{one}_extras{at}",
                partial(content.extras, **common),
                "GET",
                f"The extras of a {one}",
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
        if kind == "concepts":
            found.append(
                _route(
                    owner_type,
                    f"{item}/mappings",
                    f"concept_mappings{at}",
                    partial(content.concept_mappings, owner_type=owner_type),
                    "GET",
                    "Mappings from a concept",
                    lists=True,
                )
            )
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


# --- collections (api/ocl/collections.py and its neighbours) ------------------------------


def _collection_routes(owner_type: str, prefix: str) -> list[Route]:
    """Collections of one owner kind: the collection, its references, versions and members.
    Members and references are never written under a version (405), nor members at all:
    a collection's concepts are its references'."""
    o = owner_type
    listing = f"{prefix}/collections"
    one = f"{listing}/<collection>"
    version = f"{one}/<version>"

    def row(rule: str, name: str, view: Callable[..., Any], method: str, summary: str, **kw):
        return _route(o, rule, f"collection_{name}", view, method, summary, **kw)

    def frozen(rule: str, name: str, methods: tuple[str, ...]) -> list[Route]:
        return [
            row(rule, f"{name}_{m.lower()}", references.read_only, m, "Read only (405)")
            for m in methods
        ]

    found = [
        row(
            listing,
            "list",
            partial(collections.list_owned, owner_type=o),
            "GET",
            "List the owner's collections",
            lists=True,
        ),
        row(
            listing,
            "create",
            partial(collections.create, owner_type=o),
            "POST",
            "Create a collection",
            status=201,
        ),
        row(
            one,
            "get",
            partial(collections.get, owner_type=o),
            "GET",
            "Get a collection (with includeConcepts, includeMappings, …)",
        ),
        row(
            one,
            "put",
            partial(collections.update, owner_type=o),
            "PUT",
            "Update a collection (given fields)",
        ),
        row(
            one,
            "patch",
            partial(collections.update, owner_type=o),
            "PATCH",
            "Update a collection (given fields)",
        ),
        row(
            one,
            "delete",
            partial(collections.delete, owner_type=o),
            "DELETE",
            "Delete a collection",
            status=204,
        ),
        row(
            f"{one}/references",
            "references_put",
            partial(references.add, owner_type=o),
            "PUT",
            "Add references (concept or mapping URLs)",
        ),
        row(
            f"{one}/references",
            "references_delete",
            partial(references.remove, owner_type=o),
            "DELETE",
            "Remove references",
            status=204,
        ),
        row(
            f"{one}/versions",
            "version_list",
            partial(collection_versions.list_all, owner_type=o),
            "GET",
            "List collection versions, newest first, with HEAD",
            lists=True,
        ),
        row(
            f"{one}/versions",
            "version_create",
            partial(collection_versions.create, owner_type=o),
            "POST",
            "Create a collection version (frozen at its time)",
            status=201,
        ),
        row(
            f"{one}/latest",
            "version_latest",
            partial(collection_versions.latest, owner_type=o),
            "GET",
            "The newest released collection version",
        ),
        row(
            f"{one}/latest",
            "version_latest_put",
            partial(collection_versions.update_latest, owner_type=o),
            "PUT",
            "Update the newest released collection version",
        ),
        row(
            version,
            "version_get",
            partial(collection_versions.get, owner_type=o),
            "GET",
            "Get a collection version (with includeConcepts, …)",
        ),
        row(
            version,
            "version_put",
            partial(collection_versions.update, owner_type=o),
            "PUT",
            "Update a collection version",
        ),
        row(
            version,
            "version_patch",
            partial(collection_versions.update, owner_type=o),
            "PATCH",
            "Update a collection version",
        ),
        row(
            version,
            "version_delete",
            partial(collection_versions.delete, owner_type=o),
            "DELETE",
            "Delete a collection version",
            status=204,
        ),
        *frozen(f"{version}/references", "v_references", ("PUT", "DELETE")),
    ]
    for base, at in ((one, ""), (version, "_v")):
        found += [
            row(
                f"{base}/references",
                f"references_list{at}",
                partial(references.list_all, owner_type=o),
                "GET",
                "List references",
                lists=True,
            ),
            row(
                f"{base}/references/<reference_id>",
                f"reference_get{at}",
                partial(references.get_one, owner_type=o),
                "GET",
                "Get a reference",
            ),
        ]
        for kind in ("concepts", "mappings"):
            common = {"owner_type": o, "kind": kind}
            found += [
                row(
                    f"{base}/{kind}",
                    f"{kind}_list{at}",
                    partial(collection_content.list_items, **common),
                    "GET",
                    f"List the {kind} of the collection",
                    lists=True,
                ),
                row(
                    f"{base}/{kind}/<item_id>",
                    f"{kind}_get{at}",
                    partial(collection_content.get_item, **common),
                    "GET",
                    f"Get one of the collection's {kind}",
                ),
                *frozen(f"{base}/{kind}", f"{kind}{at}", ("POST",)),
                *frozen(f"{base}/{kind}/<item_id>", f"{kind}_item{at}", ("PUT", "PATCH", "DELETE")),
            ]
    return found


def _repo_routes() -> list[Route]:
    found = [
        Route(
            "/collections/",
            "ocl_collection_list_all",
            collections.list_all,
            "GET",
            "List every collection",
            tags=TAGS,
            lists=True,
        ),
        Route(
            "/repos/",
            "ocl_repo_list_all",
            repos.list_all,
            "GET",
            "List every repository (sources and collections; repoType)",
            tags=TAGS,
            lists=True,
        ),
    ]
    for owner_type, prefix in OWNERS:
        found.append(
            _route(
                owner_type,
                f"{prefix}/repos",
                "repo_list",
                partial(repos.list_owned, owner_type=owner_type),
                "GET",
                "List the owner's repositories (repoType=Source|Collection)",
                lists=True,
            )
        )
        found += _collection_routes(owner_type, prefix)
    return found


ROUTES += _repo_routes()

# --- Export API (api.ocl.exports): …/:repo/:version/export/ under every owner ---------------
_EXPORT_METHODS = (
    ("GET", "get", "Download {}'s export (204 none, 208 building)", 200),
    ("POST", "create", "Build {}'s export (202, 409, 200)", 202),
    ("DELETE", "delete", "Delete {}'s export (admin)", 204),
)
_EXPORTED = (  # (URL segment, the repository's id in the rule, views' prefix, what is exported)
    ("sources", SOURCE, "", "a version"),
    ("collections", "<collection>", "collection_", "a collection version"),
)
ROUTES += [
    _route(
        o,
        f"{prefix}/{kind}/{repo}/<version>/export",
        f"{views}export_{verb}",
        partial(getattr(exports, f"{views}{verb}"), owner_type=o),
        method,
        summary.format(what),
        status=status,
    )
    for o, prefix in OWNERS
    for kind, repo, views, what in _EXPORTED
    for method, verb, summary, status in _EXPORT_METHODS
]
