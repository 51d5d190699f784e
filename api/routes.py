"""Every URL of the native API, in one table: rule, endpoint, view, methods, and what the
OpenAPI document says about it (``api.openapi`` builds the document from this table). The
components' rows come from :mod:`api.routes_components`, the accounts' from
:mod:`api.routes_accounts`, the OCL API's from :mod:`api.ocl.routes`.

The table also decides which code system ids are reserved (:data:`RESERVED_IDS`): a code
system's id starts its paths (``/{id}/concepts``), so it may not be one of the API's own
first URL segments. The app checks new ids against it before the store is called.

:class:`Routes` is the app's URL map: werkzeug's, keeping the matches of the paths read
last (:data:`KEPT_MATCHES`), since matching a path against the table is the same work for
the same path every time.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, MutableMapping
from typing import Any

from flask import Flask
from werkzeug.routing import BaseConverter, Map, PathConverter, Rule, RuleFactory
from werkzeug.routing.matcher import StateMachineMatcher

from api import render
from api import schemas as s
from api.ocl import routes as ocl_routes
from api.openapi import Route
from api.routes_accounts import ACCOUNT_ROUTES
from api.routes_components import component_routes, links
from api.views import branches, codesystems, commits, components, docs, imports, merges

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
        description=(
            "Every branch by path, deleted ones too (deleted: true), with its state, base and "
            "head timestamps and metadata, in the list envelope; also as text/csv and "
            "text/plain (Accept)."
        ),
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
        description=(
            "Creates the branch name below parent, based on the parent's head now (as in Snow "
            "Owl: a task branch sees its parent as it was until it is rebased). 201 with its "
            "Location; 409 if the branch exists, 400 if the parent does not."
        ),
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
        description=(
            "The branches below this one, at any depth, in the list envelope. A branch is "
            "never named children, so …/children is always this list."
        ),
        tags=("branches",),
    ),
    Route(
        "/branches/<branch:path>",
        "branch_get",
        branches.get,
        "GET",
        "Get a branch",
        response=render.BRANCH.schema,
        description=(
            "The branch: its path, base and head timestamps, state against its parent "
            "(UP_TO_DATE, FORWARD, BEHIND, DIVERGED) and metadata, with an ETag for "
            "If-None-Match (304) and If-Match."
        ),
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
        description=(
            "Replaces the branch's metadata with the body's; content is not touched. "
            "If-Match makes it conditional (412)."
        ),
        tags=("branches",),
    ),
    Route(
        "/branches/<branch:path>",
        "branch_delete",
        branches.delete,
        "DELETE",
        "Delete a branch and its children",
        status=204,
        description=(
            "Marks the branch and every branch below it deleted (they stay listed, deleted: "
            "true; their revisions stay). MAIN cannot be deleted; 409 if the branch or one "
            "below it is a code system's working branch or a version's: delete those "
            "through /codesystems. If-Match makes it conditional (412)."
        ),
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
        description=(
            "Merges source into target, a job: source the parent and target its child is a "
            "rebase (the child takes the parent's new commits); source the child and target "
            "its parent is a promotion. Checked before it is queued (400 for a branch into "
            "itself, branches that are not parent and child, or a version; 404 for an unknown "
            "branch). 202 with the Location of the merge, which ends COMPLETED, FAILED or "
            "CONFLICTS; repeat a merge with conflicts with resolutions (SOURCE, TARGET, or "
            "CONTENT with the fields to keep)."
        ),
        tags=("merges",),
    ),
    Route(
        "/merges/<merge_id>",
        "merge_get",
        merges.get_merge,
        "GET",
        "A merge and its conflicts",
        response=render.MERGE.schema,
        description=(
            "The merge's state (SCHEDULED, IN_PROGRESS, COMPLETED, CONFLICTS, FAILED), its "
            "source and target, and its conflicts in Snow Owl's shape (componentId, type, "
            "conflictingAttributes with old, source and target values)."
        ),
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
        description=(
            "What changed from base to compare: per component type, the ids of new, changed "
            "and deleted components, and their totals. Both sides are path expressions (a "
            "branch, a version, a point in time)."
        ),
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
        description=(
            "The commits made on the branch, newest first, each with its timestamp, author, "
            "comment and changes; page with limit and searchAfter."
        ),
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
        description=(
            "An import or upgrade job: its kind, state (SCHEDULED, IN_PROGRESS, COMPLETED, "
            "CONFLICTS, FAILED), times, result or error. A job whose worker died is "
            "reported FAILED."
        ),
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
        description=(
            "Every code system with its working branch, metadata and what it extends, in "
            "the list envelope; also as text/csv and text/plain (Accept)."
        ),
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
        description=(
            "Creates a code system and its working branch (branchPath, by default MAIN/{id}); "
            "an extension (extensionOf CS/version) starts from that version of its base. Its "
            "id then starts paths: {id}/concepts reads its working branch. 409 if it exists."
        ),
        tags=("codesystems",),
        links=links(
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
        description=(
            "The code system: title, working branch, metadata, what it extends and its "
            "description types, with an ETag."
        ),
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
        description=(
            "Changes the given fields of the code system's title and metadata; the others "
            "are kept. If-Match makes it conditional (412)."
        ),
        tags=("codesystems",),
    ),
    Route(
        "/codesystems/<codesystem_id>",
        "codesystem_delete",
        codesystems.delete,
        "DELETE",
        "Delete a code system",
        status=204,
        description=(
            "Removes the code system and its versions and marks its branches deleted (the "
            "revisions stay); 409 while another code system extends one of its versions "
            "or stands on one of its branches. "
            "If-Match makes it conditional (412)."
        ),
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
        description=(
            "The code system's versions, oldest first, each with its effective time and "
            "its read-only branch."
        ),
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
        description=(
            "Versions the code system's working branch as it is now (as Snow Owl does): a "
            "read-only branch that {id}/{version} paths read, and every component it holds "
            "is released, with this effectiveTime where its revision is new. The effective "
            "time must be after the latest version's (400)."
        ),
        tags=("codesystems",),
        links=links(
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
        description=("The version: its name, effective time, description and branch path."),
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
        description=(
            "Moves an extension onto a newer version of its base (extensionOf CS/version), "
            "a job: the base's changes since the old version are merged into the extension's "
            "branch. extensionOf is checked before the job is queued (400, no job). 202 with "
            "the job's Location; conflicts end it CONFLICTS, to repeat with resolutions."
        ),
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
        description=(
            "Uploads a file for a job to import onto the branch in one commit: an OCL export "
            "zip (its export.json), the export's JSON itself, or JSON lines of OCL Concept "
            "and Mapping objects; or, with the form field format, another import format "
            "(docs/imports.md). Components the branch lacks are created, the others "
            "updated; OCL names become descriptions of their name_type, OCL descriptions "
            "DEFINITION descriptions. The file is sniffed (zip or JSON, else 400) before it "
            "is accepted; a broken file fails the job and writes nothing. 202 with the "
            "job's Location."
        ),
        tags=("import",),
    ),
    Route(
        "/openapi.json",
        "openapi",
        docs.openapi,
        "GET",
        "This API's OpenAPI document",
        description=(
            "This document: OpenAPI 3.0, generated from the route table and the schemas, "
            "with the rules the server enforces beyond them."
        ),
        tags=("docs",),
    ),
    Route(
        "/docs",
        "docs",
        docs.page,
        "GET",
        "Interactive API documentation",
        tags=("docs",),
        description=(
            "Swagger UI over this document: every operation with its parameters, body schema "
            "and example, and Try it out against this server (file uploads too)."
        ),
    ),
    Route(
        "/docs/<asset>",
        "docs_asset",
        docs.asset,
        "GET",
        "A file of the interactive documentation",
        tags=("docs",),
        description=(
            "The scripts, styles and icons of Swagger UI, as the flask-swagger-ui package "
            "ships them; 404 for any other name."
        ),
    ),
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
    *(r for plural, kind in components.KINDS.items() for r in component_routes(plural, kind)),
    *ACCOUNT_ROUTES,
]


# First URL segments kept for what is still to come: OCL's search and task URLs (concepts,
# mappings, tasks), exports, health checks, static files and a versioned API prefix.
_KEPT_SEGMENTS = frozenset(
    {
        "concepts",
        "mappings",
        "tasks",
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


# Every route the app serves and /openapi.json documents: the native table, then the OCL
# API's (api/ocl/routes.py).
TABLE: tuple[Route, ...] = (*ROUTES, *ocl_routes.ROUTES)
# Lower case; path keywords (MAIN, HEAD, ...) are refused anyway as branch names.
RESERVED_IDS = _first_segments(list(TABLE)) | _KEPT_SEGMENTS


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
    **ocl_routes.CONVERTERS,
}


# Paths whose matches each process keeps (a few hundred bytes each).
KEPT_MATCHES = 4096


class _KeptMatcher(StateMachineMatcher):
    """werkzeug's matcher, keeping the last :data:`KEPT_MATCHES` matches (rule and converted
    values) by domain, path, method and websocket, which are all a match depends on: the
    table is fixed once the app is made (adding a rule forgets every match), and every
    converter's value is the path's text. A path that matches no rule, or must be
    redirected, raises as werkzeug does, each time (only matches are kept). The state
    machine took 4 levels and 9 pattern matches for ``/MAIN/proj/task/concepts/{id}``: 8%
    of a serve worker's Python time on kept reads by id (2026-12-07)."""

    def __init__(self, merge_slashes: bool) -> None:
        super().__init__(merge_slashes)
        self._kept = functools.lru_cache(maxsize=KEPT_MATCHES)(super().match)

    def add(self, rule: Rule) -> None:
        super().add(rule)
        self._kept.cache_clear()

    def match(
        self, domain: str, path: str, method: str, websocket: bool
    ) -> tuple[Rule, MutableMapping[str, Any]]:
        rule, values = self._kept(domain, path, method, websocket)
        return rule, dict(values)  # the caller's own: Flask hands them to the view


class Routes(Map):
    """The app's URL map (``Flask.url_map_class``): werkzeug's with :class:`_KeptMatcher`."""

    def __init__(self, rules: Iterable[RuleFactory] | None = None, **options: Any) -> None:
        super().__init__(None, **options)
        self._matcher = _KeptMatcher(self._matcher.merge_slashes)
        for rule in rules or ():
            self.add(rule)


def register(app: Flask) -> None:
    app.url_map.converters.update(CONVERTERS)
    for route in TABLE:
        app.add_url_rule(route.rule, route.endpoint, route.view, methods=[route.method])
