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
from api.ocl import routes as ocl_routes
from api.openapi import Route
from api.shapes import camel
from api.views import accounts, branches, codesystems, commits, components, docs, imports, merges

_CREATED_COMPONENT = {"path": "$request.path.path", "component_id": "$request.body#/id"}


def _links(
    prefix: str, names: tuple[str, ...], parameters: dict[str, str]
) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """OpenAPI links from a create to what reads, changes and deletes what it created."""
    return tuple((name, f"{prefix}_{name}", tuple(parameters.items())) for name in names)


# A search filter's kind (api.views.components.Param), in words: {plural} the component
# type's plural, {field} the field it filters by (its API name), {term_of} what term matches.
_FILTERS = {
    "ids": "Only {plural} with one of these ids (repeat the parameter for several).",
    "bool": "true: only active {plural}; false: only inactive ones.",
    "term": (
        "Words, each of which must start a word of {term_of}, in any order, "
        "case-insensitive; the best matches come first (sort score)."
    ),
    "eq": "Only {plural} whose {field} is this value.",
    "contains": "Only the direct children of this concept (concepts whose parents hold it).",
    "effective": "Only {plural} whose effectiveTime is this date (yyyyMMdd or yyyy-MM-dd).",
}
_TREE = {
    "ancestor": "Only concepts below this one, at any depth (its descendants).",
    "descendant": "Only concepts above this one, at any depth (its ancestors).",
}
_PATH_WORDS = (
    "The path, the URL's first part, names what is read: a branch (MAIN/DEMO), a code "
    "system (DEMO) or its version (DEMO/v1), at a point in time (MAIN/DEMO@1700000000000) or "
    "as a branch's base (MAIN/DEMO/task^); writes take a branch."
)


def _filter_words(plural: str, kind: components.Kind) -> tuple[tuple[str, str], ...]:
    """Each search filter of ``kind`` in words, from the filter's rule."""
    one = kind.type
    words = []
    for name, param in kind.params.items():
        text = _TREE.get(name) or _FILTERS[param.kind]
        term_of = "an active description" if one == "concept" else "the term"
        words.append((name, text.format(plural=plural, field=camel(param.field), term_of=term_of)))
    return tuple(words)


def _component_routes(plural: str, kind: components.Kind) -> list[Route]:
    one = kind.type
    filters = _filter_words(plural, kind)
    cascade = {
        "concept": (
            " A concept takes its descriptions and outgoing mappings with it; 409 while "
            "other concepts' mappings point at it."
        ),
    }.get(one, "")
    inline = (
        " Its descriptions and mappings may come inline (as in Snow Owl): all are made in "
        "one commit, each taking the new concept's id as conceptId/sourceId."
        if kind.create_schema
        else ""
    )
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
            parameters=filters,
            description=(
                f"A page of the {plural} visible at the path, filtered by the parameters (all "
                "must hold), in the list envelope (items, total, limit, searchAfter; "
                "X-Total-Count repeats total). Page with limit and offset, or deeper with "
                "searchAfter; pin the path with @ for pages stable under commits. Unknown "
                "parameters are 400. Also as text/csv and text/plain (Accept). " + _PATH_WORDS
            ),
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
            parameters=filters,
            description=(
                f"The same search as GET …/{plural}, its parameters as a JSON object (id "
                "may be a list; null is taken as absent), for filters too long for a URL. "
                + _PATH_WORDS
            ),
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
            description=(
                f"Creates a {one} on the branch in one commit (author: the X-Author header; "
                "comment: commitComment, else generated). The id is optional: a random hex "
                f"id is made. 201 with the new {one}'s Location. Referenced components must "
                "be visible on the branch (400 naming them); an id already there is 409." + inline
            ),
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
            description=(
                f"The {one} as the path sees it, with released and effectiveTime derived "
                "from the code system's versions (Snow Owl's rules), and an ETag for "
                "If-None-Match (304) and If-Match. 404 when it is not visible there. " + _PATH_WORDS
            ),
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
            description=(
                "Changes only the fields the body gives (Snow Owl's update), in one commit; "
                "the others are kept. An id in the body must be the URL's. Editing a released "
                "component keeps released and clears effectiveTime until the next version. "
                "204 when done, If-Match makes it conditional (412)."
            ),
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
            description=(
                f"Deletes the {one} on the branch in one commit.{cascade} A released "
                "component cannot be deleted (409: inactivate it instead). If-Match makes it "
                "conditional (412)."
            ),
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
            description=(
                f"Every revision of the {one} visible at the path: what it was after each "
                "commit that changed it, with that commit's timestamp, author and comment. "
                + _PATH_WORDS
            ),
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
# In the order their examples can run one after the other (tests/api/test_openapi_words.py).
ACCOUNT_ROUTES: list[Route] = [
    _account(
        "/users/",
        "user_create",
        accounts.create_user,
        "POST",
        "Create a user (staff); the answer holds its token, shown once",
        description=(
            "Staff only (401 without a token, 403 otherwise). 201 with Location and the user in "
            "OCL's fields, with its first token, shown this once. A taken username or email is a "
            "400 naming the field."
        ),
        body=accounts_shapes.UserIn,
        status=201,
    ),
    _account(
        "/users/login/",
        "user_login",
        accounts.login,
        "POST",
        "A new API token for a username and password",
        description=(
            'Checks the password (argon2id hash) and answers 200 {"token": …}, a new token each '
            "time (only digests are kept). Bad credentials 400 with non_field_errors, as OCL; a "
            "retired user 401."
        ),
        body=accounts_shapes.LoginIn,
        token=False,
    ),
    _account(
        "/users/",
        "user_list",
        accounts.list_users,
        "GET",
        "List active users",
        description=(
            "Active users in OCL's list shape: a JSON array with the num_found, num_returned, "
            "pages and page_number headers (limit, page). Emails only to the user itself and "
            "staff."
        ),
    ),
    _account(
        "/users/<username:username>/",
        "user_get",
        accounts.get_user,
        "GET",
        "Get a user",
        description=(
            "The user in OCL's detail fields (username, name, company, is_staff, orgs, urls). 404 "
            "for an unknown or retired user; the email only to the user itself and staff."
        ),
    ),
    _account(
        "/users/<username:username>/",
        "user_update",
        accounts.update_user,
        "PUT",
        "Update a user (itself or staff)",
        description=(
            "Changes the given profile fields; password sets a new password; is_staff only by "
            "staff. The user itself or staff (403 otherwise). 200 with the user."
        ),
        body=accounts_shapes.UserUpdate,
    ),
    _account(
        "/users/<username:username>/",
        "user_retire",
        accounts.retire_user,
        "DELETE",
        "Retire a user (staff): its tokens are revoked",
        description=(
            "Staff only. The user is marked retired (is_active false) and every token of theirs is"
            " revoked at once, in every process. Staff cannot retire themselves (409)."
        ),
        status=204,
    ),
    _account(
        "/users/<username:username>/reactivate/",
        "user_reactivate",
        accounts.reactivate_user,
        "PUT",
        "Reactivate a retired user (staff)",
        description=(
            "Staff only. The retired user is active again (new tokens by login or snowpath users "
            "token); 404 for a user who is not retired."
        ),
        status=204,
    ),
    _account(
        "/users/<username:username>/orgs/",
        "user_orgs",
        accounts.user_orgs,
        "GET",
        "The organisations of a user",
        description=(
            "The organisations the user is a member of that the caller may see, in OCL's list "
            "shape."
        ),
    ),
    _account(
        "/user/",
        "me_get",
        accounts.get_me,
        "GET",
        "The caller",
        token=True,
        description=(
            "The user the token names, with its email (401 without a token). OCL clients check a "
            "token this way."
        ),
    ),
    _account(
        "/user/orgs/",
        "me_orgs",
        accounts.my_orgs,
        "GET",
        "The caller's organisations",
        token=True,
        description=(
            "The organisations the caller is a member of, in OCL's list shape (401 without a "
            "token)."
        ),
    ),
    _account(
        "/orgs/",
        "org_create",
        accounts.create_org,
        "POST",
        "Create an organisation; its creator becomes its admin",
        description=(
            "Any user may create one (401 without a token); required id and name, public_access "
            "View (default), Edit or None. 201 with Location; a taken id is a 400 naming it."
        ),
        body=accounts_shapes.OrgIn,
        status=201,
    ),
    _account(
        "/orgs/",
        "org_list",
        accounts.list_orgs,
        "GET",
        "List the organisations one may see",
        description=(
            "Public organisations, and the private ones the caller is a member of (staff: all), in"
            " OCL's list shape."
        ),
    ),
    _account(
        "/orgs/<org_id>/",
        "org_get",
        accounts.get_org,
        "GET",
        "Get an organisation",
        description=(
            "The organisation in OCL's detail fields. A private one answers 404 to anyone who is "
            "not a member (and not staff)."
        ),
    ),
    _account(
        "/orgs/<org_id>/",
        "org_update",
        accounts.update_org,
        "PUT",
        "Update an organisation (its admins, staff)",
        description=(
            "Changes the given fields (name, public_access, company, website, location, "
            "description, extras). The organisation's admins or staff; 403 for members, 404 for "
            "outsiders of a private one."
        ),
        body=accounts_shapes.OrgUpdate,
    ),
    _account(
        "/orgs/<org_id>/",
        "org_retire",
        accounts.retire_org,
        "DELETE",
        "Retire an organisation (its admins, staff)",
        description=(
            "Marks the organisation retired: it and its URLs answer 404 from then on. Its admins "
            "or staff."
        ),
        status=204,
    ),
    _account(
        "/orgs/<org_id>/members/",
        "org_members",
        accounts.members,
        "GET",
        "The members of an organisation",
        description=(
            "The members with their roles (member, admin), in OCL's list shape; a private "
            "organisation's to its members and staff only."
        ),
    ),
    _account(
        "/orgs/<org_id>/members/<username:username>/",
        "org_member_get",
        accounts.is_member,
        "GET",
        "204 if the user is a member, else 404",
        description=(
            "Whether the user named in the URL is a member (OCL answers about the caller instead):"
            " 204 if so, 404 if not."
        ),
        status=204,
    ),
    _account(
        "/orgs/<org_id>/members/<username:username>/",
        "org_member_put",
        accounts.add_member,
        "PUT",
        'Add a member, or change its role (body optional: {"role": "admin"})',
        description=(
            "The organisation's admins or staff add the user (404 if unknown) as a member, or "
            'with {"role": "admin"} as an admin; an existing member\'s role changes. 204.'
        ),
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
        description=(
            "The organisation's admins or staff remove the user (204, also when not a member); "
            "removing the last admin is a 409."
        ),
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
            "true; their revisions stay). MAIN cannot be deleted. If-Match makes it "
            "conditional (412)."
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
            "revisions stay); 409 while another code system extends one of its versions. "
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
    *(r for plural, kind in components.KINDS.items() for r in _component_routes(plural, kind)),
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


def register(app: Flask) -> None:
    app.url_map.converters.update(CONVERTERS)
    for route in TABLE:
        app.add_url_rule(route.rule, route.endpoint, route.view, methods=[route.method])
