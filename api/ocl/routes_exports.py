"""The Export API's routes (a part of :mod:`api.ocl.routes`' table):
``…/:repo/:version/export/`` for sources and collections under every owner (api.ocl.exports)."""

from __future__ import annotations

from functools import partial

from api.ocl import exports
from api.ocl.route_rows import ADMIN, EDIT, OWNERS, READ, SOURCE, route
from api.openapi import Route

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
        "progress while one is built. A GET never builds." + READ,
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
        "export exists already." + EDIT,
        ((200, "The export exists: GET it"), _NOT_HEAD),
    ),
    (
        "DELETE",
        "delete",
        "Delete {}'s export (admin)",
        204,
        "Deletes the version's export file; 404 when there is none." + ADMIN,
        (_NOT_HEAD,),
    ),
)
_EXPORTED = (  # (URL segment, the repository's id in the rule, views' prefix, what is exported)
    ("sources", SOURCE, "", "a version"),
    ("collections", "<collection>", "collection_", "a collection version"),
)
ROUTES: list[Route] = [
    route(
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
