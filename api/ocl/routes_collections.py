"""The OCL collection routes (a part of :mod:`api.ocl.routes`' table): a collection, its
references, versions and members under every owner, and the listings of every collection
and repository."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from api.ocl import (
    collection_content,
    collection_versions,
    collections,
    references,
    repos,
    shapes,
)
from api.ocl.route_rows import ADMIN, EDIT, ITEM_WRITES, OWNERS, PAGED, READ, route, row
from api.openapi import Route


def collection_routes(owner_type: str, prefix: str) -> list[Route]:
    """Collections of one owner kind: the collection, its references, versions and members.
    Members and references are never written under a version (405), nor members at all:
    a collection's concepts are its references'."""
    o = owner_type
    listing = f"{prefix}/collections"
    one = f"{listing}/<collection>"
    version = f"{one}/<repoversion:version>"
    version_changes = (
        "Changes the version's given fields (description, released, retired, external_id, "
        "extras); its members never change. 200 with the version; 400 for HEAD." + ADMIN
    )

    def collection_row(
        rule: str, name: str, view: Callable[..., Any], method: str, summary: str, **kw
    ):
        return route(o, rule, f"collection_{name}", view, method, summary, **kw)

    def frozen(rule: str, name: str, methods: tuple[str, ...], what: str) -> list[Route]:
        return [
            collection_row(
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
        collection_row(
            listing,
            "list",
            partial(collections.list_owned, owner_type=o),
            "GET",
            "List the owner's collections",
            lists=True,
            description="The owner's collections the caller may see; 404 for an unknown owner.",
        ),
        collection_row(
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
        collection_row(
            one,
            "get",
            partial(collections.get, owner_type=o),
            "GET",
            "Get a collection (with includeConcepts, includeMappings, …)",
            content=True,
            description=(
                "The collection in OCL's fields; its concepts and mappings are those its "
                "references name, now, of sources the caller may see." + READ
            ),
        ),
        *(
            collection_row(
                one,
                method.lower(),
                partial(collections.update, owner_type=o),
                method,
                "Update a collection (given fields)",
                body=shapes.CollectionUpdate,
                description=(
                    "Changes the collection's given fields; the others keep their values (PUT "
                    "and PATCH alike). 200 with the collection." + ADMIN
                ),
            )
            for method in ("PUT", "PATCH")
        ),
        collection_row(
            one,
            "delete",
            partial(collections.delete, owner_type=o),
            "DELETE",
            "Delete a collection",
            status=204,
            description="Deletes the collection, its references and versions. 204." + ADMIN,
        ),
        collection_row(
            f"{one}/references",
            "references_put",
            partial(references.add, owner_type=o),
            "PUT",
            "Add references (concept or mapping URLs)",
            body=shapes.ReferencesIn,
            response=shapes.REFERENCE_RESULTS,
            query=("cascade", "transformReferences"),
            description=(
                "Adds the expressions (concept or mapping URLs, versioned or not) in one "
                "write. 200 with one answer per expression: added true, or false with why "
                "(names nothing here, or the collection holds that item already); cascade "
                "adds what a concept's mappings reach, after it. Anything that is not such a "
                "URL, or an unknown cascade or transformReferences, is a 400 naming it, "
                "nothing added." + EDIT
            ),
        ),
        collection_row(
            f"{one}/references",
            "references_delete",
            partial(references.remove, owner_type=o),
            "DELETE",
            "Remove references",
            status=204,
            body=shapes.ReferencesOut,
            query=("cascade",),
            description=(
                'Removes the references the JSON body names (references: URLs or "*" for '
                "all; ids), with cascade also what the named concepts' cascade reaches. 204, "
                "also when none matched; 400 when it names none." + EDIT
            ),
        ),
        collection_row(
            f"{one}/versions",
            "version_list",
            partial(collection_versions.list_all, owner_type=o),
            "GET",
            "List collection versions, newest first, with HEAD",
            lists=True,
            description="The collection's versions, newest first, after HEAD." + READ,
        ),
        collection_row(
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
                "Location; a taken or reserved id is a 400 naming id." + ADMIN
            ),
        ),
        collection_row(
            f"{one}/latest",
            "version_latest",
            partial(collection_versions.latest, owner_type=o),
            "GET",
            "The newest released collection version",
            content=True,
            description="The newest released version; 404 when none is released." + READ,
        ),
        collection_row(
            f"{one}/latest",
            "version_latest_put",
            partial(collection_versions.update_latest, owner_type=o),
            "PUT",
            "Update the newest released collection version",
            body=shapes.CollectionVersionUpdate,
            description=version_changes + " 404 when none is released.",
        ),
        collection_row(
            version,
            "version_get",
            partial(collection_versions.get, owner_type=o),
            "GET",
            "Get a collection version (with includeConcepts, …)",
            content=True,
            description=(
                "The version in OCL's fields; its members as they were when it was taken. "
                "HEAD is the collection now; 404 for an unknown version." + READ
            ),
        ),
        *(
            collection_row(
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
        collection_row(
            version,
            "version_delete",
            partial(collection_versions.delete, owner_type=o),
            "DELETE",
            "Delete a collection version",
            status=204,
            description="Deletes the version; HEAD cannot be deleted (400). 204." + ADMIN,
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
            collection_row(
                f"{base}/references",
                f"references_list{at}",
                partial(references.list_all, owner_type=o),
                "GET",
                "List references",
                lists=True,
                description=f"The references of {where}, in the order they were added." + READ,
            ),
            collection_row(
                f"{base}/references/<reference_id>",
                f"reference_get{at}",
                partial(references.get_one, owner_type=o),
                "GET",
                "Get a reference",
                description=(
                    f"One reference of {where}: its expression, type and id; 404 for any "
                    "other id." + READ
                ),
            ),
        ]
        for kind in ("concepts", "mappings"):
            common = {"owner_type": o, "kind": kind}
            own = {"item_id": f"The {kind[:-1]}'s id, as in its source."}
            found += [
                collection_row(
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
                        "updatedSince), of sources the caller may see." + READ
                    ),
                ),
                collection_row(
                    f"{base}/{kind}/<item_id>",
                    f"{kind}_get{at}",
                    partial(collection_content.get_item, **common),
                    "GET",
                    f"Get one of the collection's {kind}",
                    words=own,
                    description=(
                        f"The member of {where} with that id (retired too); 404 when it has "
                        "none." + READ
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
                    ITEM_WRITES,
                    "A collection's members are its references': remove the reference (405).",
                ),
            ]
    return found


def repo_routes() -> list[Route]:
    found = [
        row(
            "/collections/",
            "ocl_collection_list_all",
            collections.list_all,
            "GET",
            "List every collection",
            lists=True,
            description="Every collection the caller may see, of every owner.",
        ),
        row(
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
            route(
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
        found += collection_routes(owner_type, prefix)
    return found
