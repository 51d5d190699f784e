"""Every URL of the native API, in one table: rule, endpoint, view, methods, and what the
OpenAPI document says about it (``api.openapi`` builds the document from this table).

The table also decides which code system ids are reserved (:data:`RESERVED_IDS`): a code
system's id starts its paths (``/{id}/concepts``), so it may not be one of the API's own
first URL segments. The app checks new ids against it before the store is called.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Flask
from werkzeug.routing import BaseConverter, PathConverter

from api import accounts_shapes, render
from api import schemas as s
from api.openapi import Route
from api.views import accounts, branches, codesystems, commits, components, docs, imports, merges

_CREATED_COMPONENT = {"path": "$request.path.path", "component_id": "$request.body#/id"}


def _links(
    prefix: str, names: tuple[str, ...], parameters: dict[str, str]
) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """OpenAPI links from a create to what reads, changes and deletes what it created."""
    return tuple((name, f"{prefix}_{name}", tuple(parameters.items())) for name in names)


def _component_routes(plural: str, kind: components.Kind) -> list[Route]:
    one = kind.type
    shape = render.COMPONENTS[one]
    schema_out, schema_list = shape.schema, shape.list_schema
    base = f"/<path:path>/{plural}"
    item = f"{base}/<component:component_id>"
    params = (*kind.params, "limit", "offset", "searchAfter", "expand", "sort")
    tag = (plural,)
    return [
        Route(
            base,
            f"{one}_search",
            partial(components.search, plural=plural),
            "GET",
            f"Search {plural}",
            response=schema_list,
            query=params,
            lists=True,
            tags=tag,
            kind=one,
            expansions=kind.expansions,
        ),
        Route(
            f"{base}/search",
            f"{one}_search_post",
            partial(components.search, plural=plural, from_body=True),
            "POST",
            f"Search {plural} (parameters in the body)",
            body=s.search_body(one, tuple(kind.params)),
            response=schema_list,
            lists=True,
            tags=tag,
            kind=one,
            expansions=kind.expansions,
        ),
        Route(
            base,
            f"{one}_create",
            partial(components.create, plural=plural),
            "POST",
            f"Create a {one}"
            + (" (with its descriptions and mappings)" if kind.create_schema else ""),
            body=kind.creates_with,
            status=201,
            tags=tag,
            kind=one,
            expansions=kind.expansions,
            links=_links(one, ("get", "update", "delete", "history"), _CREATED_COMPONENT),
        ),
        Route(
            item,
            f"{one}_get",
            partial(components.get, plural=plural),
            "GET",
            f"Get a {one}",
            response=schema_out,
            query=("expand",),
            tags=tag,
            kind=one,
            expansions=kind.expansions,
        ),
        Route(
            item,
            f"{one}_update",
            partial(components.update, plural=plural),
            "PUT",
            f"Update a {one} (only the given fields)",
            body=kind.schema,
            status=204,
            tags=tag,
            kind=one,
            expansions=kind.expansions,
        ),
        Route(
            item,
            f"{one}_delete",
            partial(components.delete, plural=plural),
            "DELETE",
            f"Delete a {one}",
            status=204,
            query=("commitComment",),
            tags=tag,
            kind=one,
            expansions=kind.expansions,
        ),
        Route(
            f"{item}/history",
            f"{one}_history",
            partial(components.history, plural=plural),
            "GET",
            f"History of a {one}",
            response=render.REVISION.list_schema,
            lists=True,
            tags=tag,
            kind=one,
            expansions=kind.expansions,
        ),
    ]


def _account(
    rule: str, endpoint: str, view: Any, method: str, summary: str, **options: Any
) -> Route:
    return Route(rule, endpoint, view, method, summary, tags=("accounts",), **options)


# --- accounts (OCL's calls; docs/access.md): users, the caller, organisations, members -----
ACCOUNT_ROUTES: list[Route] = [
    _account(
        "/users/login/",
        "user_login",
        accounts.login,
        "POST",
        "A new API token for a username and password",
        body=accounts_shapes.LoginIn,
        token=False,
    ),
    _account(
        "/users/",
        "user_create",
        accounts.create_user,
        "POST",
        "Create a user (staff); the answer holds its token, shown once",
        body=accounts_shapes.UserIn,
        status=201,
    ),
    _account("/users/", "user_list", accounts.list_users, "GET", "List active users"),
    _account("/users/<username:username>/", "user_get", accounts.get_user, "GET", "Get a user"),
    _account(
        "/users/<username:username>/",
        "user_update",
        accounts.update_user,
        "PUT",
        "Update a user (itself or staff)",
        body=accounts_shapes.UserUpdate,
    ),
    _account(
        "/users/<username:username>/",
        "user_retire",
        accounts.retire_user,
        "DELETE",
        "Retire a user (staff): its tokens are revoked",
        status=204,
    ),
    _account(
        "/users/<username:username>/reactivate/",
        "user_reactivate",
        accounts.reactivate_user,
        "PUT",
        "Reactivate a retired user (staff)",
        body=accounts_shapes.NoBody,
        body_required=False,
        status=204,
    ),
    _account(
        "/users/<username:username>/orgs/",
        "user_orgs",
        accounts.user_orgs,
        "GET",
        "The organisations of a user",
    ),
    _account("/user/", "me_get", accounts.get_me, "GET", "The caller", token=True),
    _account(
        "/user/orgs/", "me_orgs", accounts.my_orgs, "GET", "The caller's organisations", token=True
    ),
    _account(
        "/orgs/",
        "org_create",
        accounts.create_org,
        "POST",
        "Create an organisation; its creator becomes its admin",
        body=accounts_shapes.OrgIn,
        status=201,
    ),
    _account("/orgs/", "org_list", accounts.list_orgs, "GET", "List the organisations one may see"),
    _account("/orgs/<org_id>/", "org_get", accounts.get_org, "GET", "Get an organisation"),
    _account(
        "/orgs/<org_id>/",
        "org_update",
        accounts.update_org,
        "PUT",
        "Update an organisation (its admins, staff)",
        body=accounts_shapes.OrgUpdate,
    ),
    _account(
        "/orgs/<org_id>/",
        "org_retire",
        accounts.retire_org,
        "DELETE",
        "Retire an organisation (its admins, staff)",
        status=204,
    ),
    _account(
        "/orgs/<org_id>/members/",
        "org_members",
        accounts.members,
        "GET",
        "The members of an organisation",
    ),
    _account(
        "/orgs/<org_id>/members/<username:username>/",
        "org_member_get",
        accounts.is_member,
        "GET",
        "204 if the user is a member, else 404",
        status=204,
    ),
    _account(
        "/orgs/<org_id>/members/<username:username>/",
        "org_member_put",
        accounts.add_member,
        "PUT",
        'Add a member, or change its role (body optional: {"role": "admin"})',
        body=accounts_shapes.MemberIn,
        body_required=False,
        status=204,
    ),
    _account(
        "/orgs/<org_id>/members/<username:username>/",
        "org_member_delete",
        accounts.remove_member,
        "DELETE",
        "Remove a member (the last admin stays)",
        status=204,
    ),
]


ROUTES: list[Route] = [
    Route(
        "/branches",
        "branch_list",
        branches.list_all,
        "GET",
        "List branches",
        response=render.BRANCH.list_schema,
        query=("limit", "offset"),
        lists=True,
        tags=("branches",),
    ),
    Route(
        "/branches",
        "branch_create",
        branches.create,
        "POST",
        "Create a branch",
        body=s.BranchIn,
        status=201,
        tags=("branches",),
    ),
    Route(
        "/branches/<branch:path>/children",
        "branch_children",
        branches.children,
        "GET",
        "Branches below a branch",
        response=render.BRANCH.list_schema,
        query=("limit", "offset"),
        lists=True,
        tags=("branches",),
    ),
    Route(
        "/branches/<branch:path>",
        "branch_get",
        branches.get,
        "GET",
        "Get a branch",
        response=render.BRANCH.schema,
        tags=("branches",),
    ),
    Route(
        "/branches/<branch:path>",
        "branch_update",
        branches.update,
        "PUT",
        "Replace a branch's metadata",
        body=s.BranchUpdate,
        status=204,
        tags=("branches",),
    ),
    Route(
        "/branches/<branch:path>",
        "branch_delete",
        branches.delete,
        "DELETE",
        "Delete a branch and its children",
        status=204,
        tags=("branches",),
    ),
    Route(
        "/merges",
        "merge_create",
        merges.create_merge,
        "POST",
        "Rebase or promote (a job)",
        body=s.MergeIn,
        status=202,
        tags=("merges",),
    ),
    Route(
        "/merges/<merge_id>",
        "merge_get",
        merges.get_merge,
        "GET",
        "A merge and its conflicts",
        response=render.MERGE.schema,
        tags=("merges",),
    ),
    Route(
        "/compare",
        "compare",
        merges.compare,
        "POST",
        "Compare two paths",
        body=s.CompareIn,
        response=render.COMPARISON.schema,
        tags=("compare",),
    ),
    Route(
        "/commits",
        "commits",
        merges.commits,
        "GET",
        "The commit log of a branch",
        response=render.COMMIT.list_schema,
        query=("branch", "limit", "searchAfter"),
        lists=True,
        tags=("commits",),
    ),
    Route(
        "/<path:path>/commits",
        "commit_create",
        commits.create,
        "POST",
        "Make many changes of any component types in one commit, all or none",
        body=s.CommitIn,
        response=render.COMMIT.schema,
        tags=("commits",),
        description=(
            "Each change: action create, update or delete; type concept, description or "
            "mapping; id (optional for a create: a random one); fields as in that type's "
            "POST (create) or PUT (update, any subset). Applied in order, each seeing the "
            "ones before; if any fails, every failing one is named in violations "
            "(changes[i]) and nothing is written. 200 with the commit; 204 when nothing "
            "changed."
        ),
    ),
    Route(
        "/jobs/<job_id>",
        "job_get",
        merges.get_job,
        "GET",
        "A background job",
        response=render.JOB.schema,
        tags=("jobs",),
    ),
    Route(
        "/codesystems",
        "codesystem_list",
        codesystems.list_all,
        "GET",
        "List code systems",
        response=render.CODESYSTEM.list_schema,
        query=("limit", "offset"),
        lists=True,
        tags=("codesystems",),
    ),
    Route(
        "/codesystems",
        "codesystem_create",
        codesystems.create,
        "POST",
        "Create a code system",
        body=s.CodeSystemIn,
        status=201,
        tags=("codesystems",),
        links=_links(
            "codesystem",
            ("get", "update", "delete"),
            {"codesystem_id": "$request.body#/id"},
        ),
    ),
    Route(
        "/codesystems/<codesystem_id>",
        "codesystem_get",
        codesystems.get,
        "GET",
        "Get a code system",
        response=render.CODESYSTEM.schema,
        tags=("codesystems",),
    ),
    Route(
        "/codesystems/<codesystem_id>",
        "codesystem_update",
        codesystems.update,
        "PUT",
        "Update a code system",
        body=s.CodeSystemUpdate,
        status=204,
        tags=("codesystems",),
    ),
    Route(
        "/codesystems/<codesystem_id>",
        "codesystem_delete",
        codesystems.delete,
        "DELETE",
        "Delete a code system",
        status=204,
        tags=("codesystems",),
    ),
    Route(
        "/codesystems/<codesystem_id>/versions",
        "version_list",
        codesystems.list_versions,
        "GET",
        "List versions",
        response=render.VERSION.list_schema,
        query=("limit", "offset"),
        lists=True,
        tags=("codesystems",),
    ),
    Route(
        "/codesystems/<codesystem_id>/versions",
        "version_create",
        codesystems.create_version,
        "POST",
        "Create a version",
        body=s.VersionIn,
        status=201,
        tags=("codesystems",),
        links=_links(
            "version",
            ("get",),
            {"codesystem_id": "$request.path.codesystem_id", "version": "$request.body#/version"},
        ),
    ),
    Route(
        "/codesystems/<codesystem_id>/versions/<version>",
        "version_get",
        codesystems.get_version,
        "GET",
        "Get a version",
        response=render.VERSION.schema,
        tags=("codesystems",),
    ),
    Route(
        "/codesystems/<codesystem_id>/upgrade",
        "codesystem_upgrade",
        codesystems.upgrade,
        "POST",
        "Upgrade an extension to a newer base version (a job)",
        body=s.UpgradeIn,
        status=202,
        tags=("codesystems",),
    ),
    Route(
        "/<path:path>/import",
        "import_upload",
        imports.upload,
        "POST",
        "Import an OCL export zip or JSON lines (multipart field 'file'; a job)",
        body=s.ImportForm,
        form=True,
        status=202,
        tags=("import",),
    ),
    Route(
        "/openapi.json",
        "openapi",
        docs.openapi,
        "GET",
        "This API's OpenAPI document",
        tags=("docs",),
    ),
    Route("/docs", "docs", docs.page, "GET", "Interactive API documentation", tags=("docs",)),
    Route(
        "/",
        "root",
        docs.root,
        "GET",
        "Where to start: a redirect to /docs",
        status=302,
        tags=("docs",),
        description="Answers 302 Found with Location /docs, the interactive documentation.",
    ),
    *(r for plural, kind in components.KINDS.items() for r in _component_routes(plural, kind)),
    *ACCOUNT_ROUTES,
]


# First URL segments kept for what is still to come: the OCL API (orgs, users, sources,
# collections), exports, health checks, static files and a versioned API prefix.
_KEPT_SEGMENTS = frozenset(
    {
        "orgs",
        "users",
        "user",
        "sources",
        "collections",
        "import",
        "export",
        "health",
        "static",
        "api",
    }
)


def _first_segments(routes: list[Route]) -> frozenset[str]:
    """The literal first segment of each rule (``/branches/<path:path>`` -> ``branches``)."""
    firsts = (route.rule.split("/")[1] for route in routes)
    return frozenset(segment.lower() for segment in firsts if not segment.startswith("<"))


# Lower case; path keywords (MAIN, HEAD, ...) are refused anyway as branch names.
RESERVED_IDS = _first_segments(ROUTES) | _KEPT_SEGMENTS


class BranchPathConverter(PathConverter):
    """A branch's path in ``/branches/…``: never ending in ``/children``, which is the
    collection of the branch above (so ``PUT …/children`` is a 405, not a write to a branch
    named ``children``; ``api.schemas`` refuses that name)."""

    regex = r"[^/](?:(?!/children$).)*?"


class ComponentIdConverter(BaseConverter):
    """A component id in a URL: one segment, never ``search`` (``…/concepts/search`` is the
    search by body, POST only; ``api.schemas`` refuses that id)."""

    regex = r"(?!search$)[^/]+"


class UsernameConverter(BaseConverter):
    """A username in a URL: one segment, never one of the names OCL's ``/users/…`` routes
    take for themselves (``/users/login/`` is the login, POST only)."""

    regex = r"(?!(?:login|logout|signup|api-token|oidc|password)(?:/|$))[^/]+"


CONVERTERS = {
    "branch": BranchPathConverter,
    "component": ComponentIdConverter,
    "username": UsernameConverter,
}


def register(app: Flask) -> None:
    app.url_map.converters.update(CONVERTERS)
    for route in ROUTES:
        app.add_url_rule(route.rule, route.endpoint, route.view, methods=[route.method])
