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

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from werkzeug.routing import BaseConverter

from api.ocl import (
    collection_content,
    collection_versions,
    collections,
    content,
    exports,
    references,
    repos,
    shapes,
    sources,
    versions,
)
from api.openapi import Route

OWNERS = (("orgs", "/orgs/<owner>"), ("users", "/users/<owner>"), ("user", "/user"))


class VersionConverter(BaseConverter):
    """A version in an OCL URL: one segment, never one of the literal segments of the routes
    beside it (``…/:source/versions/`` is the list, not a version named versions): so a
    method those routes lack is a 405 with their true ``Allow``."""

    regex = rf"(?!(?:{'|'.join(shapes.BESIDE_VERSIONS)})(?:/|$))[^/]+"


class ItemVersionConverter(BaseConverter):
    """A concept's or mapping's version in a URL, never the segments beside it."""

    regex = rf"(?!(?:{'|'.join(shapes.BESIDE_ITEM_VERSIONS)})(?:/|$))[^/]+"


CONVERTERS = {"repoversion": VersionConverter, "itemversion": ItemVersionConverter}
TAGS = ("ocl",)
# Segment converter for ids in OCL URLs: one segment.
SOURCE = "<source>"


_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
# Who may do what (docs/access.md), said once for every row that reads or writes.
_READ = " Anyone who may see the repository (a private one is 404 to others)."
_EDIT = " Needs a token (401) and the edit right on the repository (403)."
_ADMIN = " Needs a token (401) and the repository owner's admin right (403)."
PAGED = ("limit", "page")
# A repository (or version) GET with its content (api.ocl.repo_content, api.ocl.members).
CONTENT = (
    "includeConcepts",
    "includeMappings",
    "includeRetired",
    "limit",
    "offset",
    "updatedSince",
)
_CONTENT_WORDS = (
    " With includeConcepts and/or includeMappings the answer also holds concepts and "
    "mappings (full OCL objects, retired ones with includeRetired, those edited at or after "
    "updatedSince), limit of each after offset (limit=0: all), streamed; Compress: true "
    "sends the same JSON zipped (application/zip, entry export.json)."
)
_LIST_WORDS = (
    " In OCL's list shape: a bare JSON array, limit per page (default 25) and page (from 1), "
    "counted in the headers num_found, num_returned, pages and page_number."
)


def _route(
    prefix: str,
    rule: str,
    name: str,
    view: Callable[..., Any],
    method: str,
    summary: str,
    **kw: Any,
) -> Route:
    return _row(f"{rule}/", f"ocl_{prefix}_{name}", view, method, summary, **kw)


def _row(
    rule: str,
    endpoint: str,
    view: Callable[..., Any],
    method: str,
    summary: str,
    *,
    words: dict[str, str] | None = None,
    lists: bool = False,
    content: bool = False,
    versions_only: bool = False,
    **kw: Any,
) -> Route:
    """An OCL row: its parameters described and typed from :mod:`api.ocl.shapes` (``words``:
    this row's own), a list answering OCL's bare array, ``content`` a repository GET with
    the content parameters, ``versions_only`` a row whose version may not be HEAD (as for
    every write)."""
    if lists:
        kw.setdefault("query", PAGED)
        kw.setdefault("response", shapes.LIST)
        kw["description"] = kw.get("description", "") + _LIST_WORDS
    if content:
        kw.update(query=CONTENT, headers=("Compress",), media=("application/zip",))
        kw["description"] = kw.get("description", "") + _CONTENT_WORDS
    if method == "GET":
        kw.setdefault("response", shapes.OBJECT)
    names = [*_PARAM.findall(rule), *kw.get("query", ()), *kw.get("headers", ())]
    said = {**shapes.WORDS, **(shapes.CONTENT_WORDS if content else {}), **(words or {})}
    typed = shapes.CONTENT_SCHEMAS if content else shapes.SCHEMAS
    if method != "GET" or versions_only:
        typed = shapes.WRITTEN
    return Route(
        rule,
        endpoint,
        view,
        method,
        summary,
        tags=TAGS,
        etags=False,
        parameters=tuple((n, said[n]) for n in names if n in said),
        schemas=tuple((n, typed[n]) for n in names if n in typed),
        **kw,
    )


def _content_routes(owner_type: str, base: str, versioned: bool) -> list[Route]:
    """Concepts and mappings under ``base`` (a source, or a source version)."""
    found: list[Route] = []
    at = "_v" if versioned else ""
    where = "the source version (frozen at its creation)" if versioned else "the source's HEAD"
    for kind in ("concepts", "mappings"):
        one = kind[:-1]
        listing = f"{base}/{kind}"
        item = f"{listing}/<item_id>"
        common = {"owner_type": owner_type, "kind": kind}
        own = {"item_id": f"The {one}'s id, as in its URL."}
        search = ("q",) if kind == "concepts" else ()
        found += [
            _route(
                owner_type,
                listing,
                f"{one}_list{at}",
                partial(content.list_items, **common),
                "GET",
                f"List {kind}",
                lists=True,
                query=(*PAGED, "includeRetired", "updatedSince", *search),
                description=(
                    f"The {kind} of {where}, full OCL objects in id order (retired ones with "
                    "includeRetired; edited at or after updatedSince)"
                    + ("; q searches names, best first." if search else ".")
                    + _READ
                ),
            ),
            _route(
                owner_type,
                item,
                f"{one}_get{at}",
                partial(content.get_item, **common),
                "GET",
                f"Get a {one}",
                words=own,
                description=(
                    f"The {one} in {where}: OCL's fields"
                    + (" (names, descriptions, parent_concept_urls, …)" if one == "concept" else "")
                    + f", its version the time of its last edit. 404 when {where} has none."
                    + _READ
                ),
            ),
            _route(
                owner_type,
                f"{item}/versions",
                f"{one}_versions{at}",
                partial(content.item_versions, **common),
                "GET",
                f"Versions of a {one}",
                lists=True,
                words=own,
                description=(
                    f"Every version of the {one}, newest first: what it was after each edit "
                    "(a commit on the source's working branch), is_latest_version on the newest."
                    + _READ
                ),
            ),
            _route(
                owner_type,
                f"{item}/extras",
                f"{one}_extras{at}",
                partial(content.extras, **common),
                "GET",
                f"The extras of a {one}",
                words=own,
                description=f"The {one}'s extras object ({{}} when it has none)." + _READ,
            ),
            _route(
                owner_type,
                f"{item}/<itemversion:item_version>",
                f"{one}_version{at}",
                partial(content.item_version, **common),
                "GET",
                f"One version of a {one}",
                words=own,
                description=(
                    f"The {one} as it was at one of its versions (the edit time …/versions/ "
                    "lists), read at the working branch at that time; 404 for any other." + _READ
                ),
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
                    query=(*PAGED, "includeRetired"),
                    words=own,
                    description=(
                        f"The mappings from the concept in {where}, in id order (retired ones "
                        "with includeRetired)." + _READ
                    ),
                )
            )
        if versioned:
            frozen = (
                "A source version is read only: its content never changes (405, nothing "
                "written); write to the source's HEAD URL instead."
            )
            writes = [(listing, "POST", "post"), *((item, m, m.lower()) for m in _ITEM_WRITES)]
            writes.append((f"{item}/reactivate", "PUT", "reactivate"))
            for rule, method, name in writes:
                found.append(
                    _route(
                        owner_type,
                        rule,
                        f"{one}_{name}{at}",
                        content.read_only,
                        method,
                        "Read only (405)",
                        status=405,
                        words=own,
                        description=frozen,
                    )
                )
            continue
        body, update = (
            (shapes.ConceptIn, shapes.ConceptUpdate)
            if kind == "concepts"
            else (shapes.MappingIn, shapes.MappingUpdate)
        )
        changes = (
            f"Changes the {one}'s given fields in one commit on the working branch (author: the "
            "caller); the others keep their values"
            + (
                "; a given names or descriptions list replaces the old one"
                if one == "concept"
                else ""
            )
            + f". 200 with the {one}. 400 naming the field for a bad one; 404 for an unknown {one}."
            + _EDIT
        )
        found += [
            _route(
                owner_type,
                listing,
                f"{one}_create",
                partial(content.create, **common),
                "POST",
                f"Create a {one}",
                status=201,
                body=body,
                description=(
                    f"Creates the {one} in one commit on the source's working branch (author: "
                    f"the caller; comment: update_comment). 201 with the {one} and its "
                    "Location. A taken id, a missing or bad field is a 400 naming the field"
                    + (
                        "; the from concept must be of this source, the to concept may be of "
                        "any (to_source_url and to_concept_code)"
                        if one == "mapping"
                        else "; parents must be concepts of this source"
                    )
                    + "."
                    + _EDIT
                ),
            ),
            _route(
                owner_type,
                item,
                f"{one}_put",
                partial(content.update, **common),
                "PUT",
                f"Update a {one} (given fields)",
                body=update,
                words=own,
                description=changes,
            ),
            _route(
                owner_type,
                item,
                f"{one}_patch",
                partial(content.update, **common),
                "PATCH",
                f"Update a {one} (given fields)",
                body=update,
                words=own,
                description=changes,
            ),
            _route(
                owner_type,
                item,
                f"{one}_retire",
                partial(content.retire, **common),
                "DELETE",
                f"Retire a {one}",
                status=204,
                words=own,
                description=(
                    f"Marks the {one} retired (OCL's DELETE: it stays, retired: true) in one "
                    f"commit; an optional JSON body gives retire_reason and update_comment. "
                    f"204; 400 when it is retired already." + _EDIT
                ),
            ),
            _route(
                owner_type,
                f"{item}/reactivate",
                f"{one}_reactivate",
                partial(content.reactivate, **common),
                "PUT",
                f"Reactivate a {one}",
                status=204,
                body=shapes.RetireIn,
                body_required=False,
                words=own,
                description=(
                    f"Un-retires the {one} in one commit. 204; 400 when it is not retired." + _EDIT
                ),
            ),
        ]
    return found


_ITEM_WRITES = ("PUT", "PATCH", "DELETE")


def _owner_routes(owner_type: str, prefix: str) -> list[Route]:
    o = owner_type
    listing = f"{prefix}/sources"
    source = f"{listing}/{SOURCE}"
    version = f"{source}/<repoversion:version>"
    fields = (
        " OCL's source fields: id, short_code, name, full_name, source_type, locales, "
        "public_access, website, extras, the URLs of its versions, concepts and mappings."
    )
    version_changes = (
        "Changes the version's given fields (description, released, retired, external_id, "
        "extras); its content never changes. 200 with the version; 400 for HEAD (update the "
        "source)." + _ADMIN
    )
    return [
        _route(
            o,
            listing,
            "source_list",
            partial(sources.list_owned, owner_type=o),
            "GET",
            "List the owner's sources",
            lists=True,
            description="The owner's sources the caller may see; 404 for an unknown owner.",
        ),
        _route(
            o,
            listing,
            "source_create",
            partial(sources.create, owner_type=o),
            "POST",
            "Create a source",
            status=201,
            body=shapes.SourceIn,
            description=(
                "Creates the source and the code system behind it (id short_code, default "
                "id; its working branch takes the edits). 201 with the source and its "
                "Location. A taken id or short_code, or a missing name, is a 400 naming the "
                "field. Needs a token (401) and the right to create under the owner: the user "
                "itself, the organisation's members, staff (403)."
            ),
        ),
        _route(
            o,
            source,
            "source_get",
            partial(sources.get, owner_type=o),
            "GET",
            "Get a source (with includeConcepts, includeMappings, …)",
            content=True,
            description="The source in OCL's fields." + fields + _READ,
        ),
        *(
            _route(
                o,
                source,
                f"source_{method.lower()}",
                partial(sources.update, owner_type=o),
                method,
                "Update a source (given fields)",
                body=shapes.SourceUpdate,
                description=(
                    "Changes the source's given fields; the others keep their values (PUT and "
                    "PATCH alike). 200 with the source." + _ADMIN
                ),
            )
            for method in ("PUT", "PATCH")
        ),
        _route(
            o,
            source,
            "source_delete",
            partial(sources.delete, owner_type=o),
            "DELETE",
            "Delete a source",
            status=204,
            description=(
                "Deletes the source, its versions and the code system behind it (the "
                "revisions stay in the store). 204." + _ADMIN
            ),
        ),
        _route(
            o,
            f"{source}/versions",
            "version_list",
            partial(versions.list_all, owner_type=o),
            "GET",
            "List versions, newest first, with HEAD",
            lists=True,
            query=(*PAGED, "released"),
            description=(
                "The source's versions, newest first, after HEAD (the working state); with "
                "released, only the released (or unreleased) versions, without HEAD." + _READ
            ),
        ),
        _route(
            o,
            f"{source}/versions",
            "version_create",
            partial(versions.create, owner_type=o),
            "POST",
            "Create a version",
            status=201,
            body=shapes.VersionIn,
            description=(
                "Versions the source's HEAD as it is now: a code system version, its content "
                "frozen (…/:version/concepts/ reads it), its export queued. 201 with the "
                "version and its Location; a taken or reserved id is a 400 naming id." + _ADMIN
            ),
        ),
        _route(
            o,
            f"{source}/latest",
            "version_latest",
            partial(versions.latest, owner_type=o),
            "GET",
            "The newest released version",
            content=True,
            description=(
                "The newest released version (by creation), as GET …/:version/; 404 when none "
                "is released." + _READ
            ),
        ),
        _route(
            o,
            f"{source}/latest",
            "version_latest_put",
            partial(versions.update_latest, owner_type=o),
            "PUT",
            "Update the newest released version",
            body=shapes.VersionUpdate,
            description=version_changes + " 404 when none is released.",
        ),
        _route(
            o,
            version,
            "version_get",
            partial(versions.get, owner_type=o),
            "GET",
            "Get a version (with includeConcepts, …)",
            content=True,
            description=(
                "The version in OCL's fields (id, released, retired, description, the source's "
                "fields when it was made, previous_version_url); HEAD is the source's working "
                "state. 404 for an unknown version." + _READ
            ),
        ),
        *(
            _route(
                o,
                version,
                f"version_{method.lower()}",
                partial(versions.update, owner_type=o),
                method,
                "Update a version",
                body=shapes.VersionUpdate,
                description=version_changes,
            )
            for method in ("PUT", "PATCH")
        ),
        _route(
            o,
            version,
            "version_delete",
            partial(versions.delete, owner_type=o),
            "DELETE",
            "Delete a version",
            status=204,
            description=(
                "Deletes the version (its tag branch); HEAD cannot be deleted (400). 204." + _ADMIN
            ),
        ),
        *_content_routes(o, source, versioned=False),
        *_content_routes(o, version, versioned=True),
    ]


ROUTES: list[Route] = [
    _row(
        "/sources/",
        "ocl_source_list_all",
        sources.list_all,
        "GET",
        "List every source",
        lists=True,
        description="Every source the caller may see, of every owner.",
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
    version = f"{one}/<repoversion:version>"
    version_changes = (
        "Changes the version's given fields (description, released, retired, external_id, "
        "extras); its members never change. 200 with the version; 400 for HEAD." + _ADMIN
    )

    def row(rule: str, name: str, view: Callable[..., Any], method: str, summary: str, **kw):
        return _route(o, rule, f"collection_{name}", view, method, summary, **kw)

    def frozen(rule: str, name: str, methods: tuple[str, ...], what: str) -> list[Route]:
        return [
            row(
                rule,
                f"{name}_{m.lower()}",
                references.read_only,
                m,
                "Read only (405)",
                status=405,
                description=what,
            )
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
            description="The owner's collections the caller may see; 404 for an unknown owner.",
        ),
        row(
            listing,
            "create",
            partial(collections.create, owner_type=o),
            "POST",
            "Create a collection",
            status=201,
            body=shapes.CollectionIn,
            description=(
                "Creates an empty collection (references add its members). 201 with the "
                "collection and its Location; a taken id or a missing name is a 400 naming "
                "the field. Needs a token (401) and the right to create under the owner (403)."
            ),
        ),
        row(
            one,
            "get",
            partial(collections.get, owner_type=o),
            "GET",
            "Get a collection (with includeConcepts, includeMappings, …)",
            content=True,
            description=(
                "The collection in OCL's fields; its concepts and mappings are those its "
                "references name, now, of sources the caller may see." + _READ
            ),
        ),
        *(
            row(
                one,
                method.lower(),
                partial(collections.update, owner_type=o),
                method,
                "Update a collection (given fields)",
                body=shapes.CollectionUpdate,
                description=(
                    "Changes the collection's given fields; the others keep their values (PUT "
                    "and PATCH alike). 200 with the collection." + _ADMIN
                ),
            )
            for method in ("PUT", "PATCH")
        ),
        row(
            one,
            "delete",
            partial(collections.delete, owner_type=o),
            "DELETE",
            "Delete a collection",
            status=204,
            description="Deletes the collection, its references and versions. 204." + _ADMIN,
        ),
        row(
            f"{one}/references",
            "references_put",
            partial(references.add, owner_type=o),
            "PUT",
            "Add references (concept or mapping URLs)",
            body=shapes.ReferencesIn,
            response=shapes.REFERENCE_RESULTS,
            description=(
                "Adds the expressions (concept or mapping URLs, versioned or not) in one "
                "write. 200 with one answer per expression: added true, or false with why "
                "(names nothing here, or the collection holds that item already). Anything "
                "that is not such a URL is a 400 naming it, nothing added." + _EDIT
            ),
        ),
        row(
            f"{one}/references",
            "references_delete",
            partial(references.remove, owner_type=o),
            "DELETE",
            "Remove references",
            status=204,
            body=shapes.ReferencesOut,
            description=(
                'Removes the references the JSON body names (references: URLs or "*" for '
                "all; ids). 204, also when none matched; 400 when it names none." + _EDIT
            ),
        ),
        row(
            f"{one}/versions",
            "version_list",
            partial(collection_versions.list_all, owner_type=o),
            "GET",
            "List collection versions, newest first, with HEAD",
            lists=True,
            description="The collection's versions, newest first, after HEAD." + _READ,
        ),
        row(
            f"{one}/versions",
            "version_create",
            partial(collection_versions.create, owner_type=o),
            "POST",
            "Create a collection version (frozen at its time)",
            status=201,
            body=shapes.CollectionVersionIn,
            description=(
                "Takes a version now: its members are the references live now, read from "
                "their sources as they are now, forever. 201 with the version and its "
                "Location; a taken or reserved id is a 400 naming id." + _ADMIN
            ),
        ),
        row(
            f"{one}/latest",
            "version_latest",
            partial(collection_versions.latest, owner_type=o),
            "GET",
            "The newest released collection version",
            content=True,
            description="The newest released version; 404 when none is released." + _READ,
        ),
        row(
            f"{one}/latest",
            "version_latest_put",
            partial(collection_versions.update_latest, owner_type=o),
            "PUT",
            "Update the newest released collection version",
            body=shapes.CollectionVersionUpdate,
            description=version_changes + " 404 when none is released.",
        ),
        row(
            version,
            "version_get",
            partial(collection_versions.get, owner_type=o),
            "GET",
            "Get a collection version (with includeConcepts, …)",
            content=True,
            description=(
                "The version in OCL's fields; its members as they were when it was taken. "
                "HEAD is the collection now; 404 for an unknown version." + _READ
            ),
        ),
        *(
            row(
                version,
                f"version_{method.lower()}",
                partial(collection_versions.update, owner_type=o),
                method,
                "Update a collection version",
                body=shapes.CollectionVersionUpdate,
                description=version_changes,
            )
            for method in ("PUT", "PATCH")
        ),
        row(
            version,
            "version_delete",
            partial(collection_versions.delete, owner_type=o),
            "DELETE",
            "Delete a collection version",
            status=204,
            description="Deletes the version; HEAD cannot be deleted (400). 204." + _ADMIN,
        ),
        *frozen(
            f"{version}/references",
            "v_references",
            ("PUT", "DELETE"),
            "A collection version is frozen: its references never change (405, nothing "
            "written); edit the collection's HEAD URL instead.",
        ),
    ]
    for base, at in ((one, ""), (version, "_v")):
        where = "the collection version" if at else "the collection"
        found += [
            row(
                f"{base}/references",
                f"references_list{at}",
                partial(references.list_all, owner_type=o),
                "GET",
                "List references",
                lists=True,
                description=f"The references of {where}, in the order they were added." + _READ,
            ),
            row(
                f"{base}/references/<reference_id>",
                f"reference_get{at}",
                partial(references.get_one, owner_type=o),
                "GET",
                "Get a reference",
                description=(
                    f"One reference of {where}: its expression, type and id; 404 for any "
                    "other id." + _READ
                ),
            ),
        ]
        for kind in ("concepts", "mappings"):
            common = {"owner_type": o, "kind": kind}
            own = {"item_id": f"The {kind[:-1]}'s id, as in its source."}
            found += [
                row(
                    f"{base}/{kind}",
                    f"{kind}_list{at}",
                    partial(collection_content.list_items, **common),
                    "GET",
                    f"List the {kind} of the collection",
                    lists=True,
                    query=(*PAGED, "includeRetired", "updatedSince"),
                    description=(
                        f"The {kind} {where}'s references name, full OCL objects with their "
                        "source's URLs (retired ones with includeRetired; edited at or after "
                        "updatedSince), of sources the caller may see." + _READ
                    ),
                ),
                row(
                    f"{base}/{kind}/<item_id>",
                    f"{kind}_get{at}",
                    partial(collection_content.get_item, **common),
                    "GET",
                    f"Get one of the collection's {kind}",
                    words=own,
                    description=(
                        f"The member of {where} with that id (retired too); 404 when it has "
                        "none." + _READ
                    ),
                ),
                *frozen(
                    f"{base}/{kind}",
                    f"{kind}{at}",
                    ("POST",),
                    "A collection's members are its references': add a reference instead (405).",
                ),
                *frozen(
                    f"{base}/{kind}/<item_id>",
                    f"{kind}_item{at}",
                    _ITEM_WRITES,
                    "A collection's members are its references': remove the reference (405).",
                ),
            ]
    return found


def _repo_routes() -> list[Route]:
    found = [
        _row(
            "/collections/",
            "ocl_collection_list_all",
            collections.list_all,
            "GET",
            "List every collection",
            lists=True,
            description="Every collection the caller may see, of every owner.",
        ),
        _row(
            "/repos/",
            "ocl_repo_list_all",
            repos.list_all,
            "GET",
            "List every repository (sources and collections; repoType)",
            lists=True,
            query=(*PAGED, "repoType"),
            description=(
                "Every source, then every collection, the caller may see (repoType keeps one "
                "kind); the openconceptlab client lists repositories this way."
            ),
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
                query=(*PAGED, "repoType"),
                description=(
                    "The owner's sources, then collections, that the caller may see "
                    "(repoType keeps one kind); 404 for an unknown owner."
                ),
            )
        )
        found += _collection_routes(owner_type, prefix)
    return found


ROUTES += _repo_routes()

# --- Export API (api.ocl.exports): …/:repo/:version/export/ under every owner ---------------
_NOT_HEAD = (405, "The version HEAD: exports are made of versions (nothing done)")
# (method, view, summary, status, description, other answers); {} is what is exported.
_EXPORT_METHODS = (
    (
        "GET",
        "get",
        "Download {}'s export (204 none, 208 building)",
        200,
        "200 with the zip (Content-Length, Content-Disposition, X-Last-Updated, a strong "
        "ETag; Range gives 206); 204 when there is no export; 208 with the build's job and "
        "progress while one is built. A GET never builds." + _READ,
        (
            (204, "No export of this version (POST builds one)"),
            (206, "The Range asked for"),
            (208, "Being built: JSON with job, state, done and total"),
            _NOT_HEAD,
        ),
    ),
    (
        "POST",
        "create",
        "Build {}'s export (202, 409, 200)",
        202,
        "Starts a build: 202 with the job's Location; 409 while one is built; 200 when the "
        "export exists already." + _EDIT,
        ((200, "The export exists: GET it"), _NOT_HEAD),
    ),
    (
        "DELETE",
        "delete",
        "Delete {}'s export (admin)",
        204,
        "Deletes the version's export file; 404 when there is none." + _ADMIN,
        (_NOT_HEAD,),
    ),
)
_EXPORTED = (  # (URL segment, the repository's id in the rule, views' prefix, what is exported)
    ("sources", SOURCE, "", "a version"),
    ("collections", "<collection>", "collection_", "a collection version"),
)
ROUTES += [
    _route(
        o,
        f"{prefix}/{kind}/{repo}/<repoversion:version>/export",
        f"{views}export_{verb}",
        partial(getattr(exports, f"{views}{verb}"), owner_type=o),
        method,
        summary.format(what),
        status=status,
        description=words,
        answers=answers,
        versions_only=True,
        **({"media": ("application/zip",), "response": None} if method == "GET" else {}),
    )
    for o, prefix in OWNERS
    for kind, repo, views, what in _EXPORTED
    for method, verb, summary, status, words, answers in _EXPORT_METHODS
]
