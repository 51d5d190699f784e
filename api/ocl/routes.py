"""Every URL of the OCL API, in one table of :class:`api.openapi.Route` rows, registered by
``api.routes`` beside the native table: sources and their content here, collections in
:mod:`api.ocl.routes_collections`, the Export API in :mod:`api.ocl.routes_exports`, every
row made by :mod:`api.ocl.route_rows`.

Each source URL exists under three owners: ``/orgs/<owner>/``, ``/users/<owner>/`` and
``/user/`` (the caller). Trailing slashes are optional (the app does not insist on them).
These rules have more literal segments than the native API's ``/<path:path>/concepts``,
so werkzeug tries them first: an OCL URL never reaches a native view. Writes under a
source version are routed to :func:`api.ocl.content.read_only` (405) for the same reason:
left unrouted, a POST there would fall through to the native catch-all.
"""

from __future__ import annotations

from functools import partial

from werkzeug.routing import BaseConverter

from api.ocl import content, routes_collections, routes_exports, shapes, sources, versions
from api.ocl.route_rows import ADMIN, EDIT, ITEM_WRITES, OWNERS, PAGED, READ, SOURCE, route, row
from api.openapi import Route


class VersionConverter(BaseConverter):
    """A version in an OCL URL: one segment, never one of the literal segments of the routes
    beside it (``…/:source/versions/`` is the list, not a version named versions): so a
    method those routes lack is a 405 with their true ``Allow``."""

    regex = rf"(?!(?:{'|'.join(shapes.BESIDE_VERSIONS)})(?:/|$))[^/]+"


class ItemVersionConverter(BaseConverter):
    """A concept's or mapping's version in a URL, never the segments beside it."""

    regex = rf"(?!(?:{'|'.join(shapes.BESIDE_ITEM_VERSIONS)})(?:/|$))[^/]+"


CONVERTERS = {"repoversion": VersionConverter, "itemversion": ItemVersionConverter}


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
            route(
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
                    + READ
                ),
            ),
            route(
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
                    + READ
                ),
            ),
            route(
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
                    + READ
                ),
            ),
            route(
                owner_type,
                f"{item}/extras",
                f"{one}_extras{at}",
                partial(content.extras, **common),
                "GET",
                f"The extras of a {one}",
                words=own,
                description=f"The {one}'s extras object ({{}} when it has none)." + READ,
            ),
            route(
                owner_type,
                f"{item}/<itemversion:item_version>",
                f"{one}_version{at}",
                partial(content.item_version, **common),
                "GET",
                f"One version of a {one}",
                words=own,
                description=(
                    f"The {one} as it was at one of its versions (the edit time …/versions/ "
                    "lists), read at the working branch at that time; 404 for any other." + READ
                ),
            ),
        ]
        if kind == "concepts":
            found.append(
                route(
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
                        "with includeRetired)." + READ
                    ),
                )
            )
        if versioned:
            frozen = (
                "A source version is read only: its content never changes (405, nothing "
                "written); write to the source's HEAD URL instead."
            )
            writes = [(listing, "POST", "post"), *((item, m, m.lower()) for m in ITEM_WRITES)]
            writes.append((f"{item}/reactivate", "PUT", "reactivate"))
            for rule, method, name in writes:
                found.append(
                    route(
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
            + EDIT
        )
        found += [
            route(
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
                    + EDIT
                ),
            ),
            route(
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
            route(
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
            route(
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
                    f"204; 400 when it is retired already." + EDIT
                ),
            ),
            route(
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
                    f"Un-retires the {one} in one commit. 204; 400 when it is not retired." + EDIT
                ),
            ),
        ]
    return found


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
        "source)." + ADMIN
    )
    return [
        route(
            o,
            listing,
            "source_list",
            partial(sources.list_owned, owner_type=o),
            "GET",
            "List the owner's sources",
            lists=True,
            description="The owner's sources the caller may see; 404 for an unknown owner.",
        ),
        route(
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
        route(
            o,
            source,
            "source_get",
            partial(sources.get, owner_type=o),
            "GET",
            "Get a source (with includeConcepts, includeMappings, …)",
            content=True,
            description="The source in OCL's fields." + fields + READ,
        ),
        *(
            route(
                o,
                source,
                f"source_{method.lower()}",
                partial(sources.update, owner_type=o),
                method,
                "Update a source (given fields)",
                body=shapes.SourceUpdate,
                description=(
                    "Changes the source's given fields; the others keep their values (PUT and "
                    "PATCH alike). 200 with the source." + ADMIN
                ),
            )
            for method in ("PUT", "PATCH")
        ),
        route(
            o,
            source,
            "source_delete",
            partial(sources.delete, owner_type=o),
            "DELETE",
            "Delete a source",
            status=204,
            description=(
                "Deletes the source, its versions and the code system behind it (the "
                "revisions stay in the store). 204." + ADMIN
            ),
        ),
        route(
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
                "released, only the released (or unreleased) versions, without HEAD." + READ
            ),
        ),
        route(
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
                "version and its Location; a taken or reserved id is a 400 naming id." + ADMIN
            ),
        ),
        route(
            o,
            f"{source}/latest",
            "version_latest",
            partial(versions.latest, owner_type=o),
            "GET",
            "The newest released version",
            content=True,
            description=(
                "The newest released version (by creation), as GET …/:version/; 404 when none "
                "is released." + READ
            ),
        ),
        route(
            o,
            f"{source}/latest",
            "version_latest_put",
            partial(versions.update_latest, owner_type=o),
            "PUT",
            "Update the newest released version",
            body=shapes.VersionUpdate,
            description=version_changes + " 404 when none is released.",
        ),
        route(
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
                "state. 404 for an unknown version." + READ
            ),
        ),
        *(
            route(
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
        route(
            o,
            version,
            "version_delete",
            partial(versions.delete, owner_type=o),
            "DELETE",
            "Delete a version",
            status=204,
            description=(
                "Deletes the version (its tag branch); HEAD cannot be deleted (400). 204." + ADMIN
            ),
        ),
        *_content_routes(o, source, versioned=False),
        *_content_routes(o, version, versioned=True),
    ]


ROUTES: list[Route] = [
    row(
        "/sources/",
        "ocl_source_list_all",
        sources.list_all,
        "GET",
        "List every source",
        lists=True,
        description="Every source the caller may see, of every owner.",
    ),
    *(r for owner_type, prefix in OWNERS for r in _owner_routes(owner_type, prefix)),
]

ROUTES += routes_collections.repo_routes()
ROUTES += routes_exports.ROUTES
