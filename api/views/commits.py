"""``POST /{path}/commits``: many creates, updates and deletes of any component types in one
commit, all or none (docs/api.md, "Commits of many changes").

Each change's ``fields`` are loaded with its type's own schema (a create's, or an update's,
which takes any subset), so a change says what a POST or PUT of that one component would;
every failing change is named (``changes[i]…``), first those the schemas refuse, then those
the store does (:func:`revisions.commit.replay`), and nothing is written.
"""

from __future__ import annotations

from typing import Any

from flask import Response

from api import http, render
from api.auth import current_author, require_user
from api.errors import Invalid
from api.schemas import CommitIn
from api.services import store, write_branch
from api.views.components import KINDS, new_id
from revisions import Create, Delete, Update
from revisions.errors import InvalidComponent
from revisions.records import Change

_KIND_OF = {kind.type: kind for kind in KINDS.values()}


def create(path: str) -> Response:
    require_user()
    data = http.load(CommitIn())
    changes: list[Change] = []
    violations: list[str] = []
    for index, item in enumerate(data["changes"]):
        try:
            changes.append(_change(item))
        except Invalid as error:
            violations += [f"changes[{index}]: {v}" for v in error.violations]
    if violations:
        raise Invalid(violations)
    branch = write_branch(path)
    comment = data["commit_comment"] or f"{len(changes)} changes"
    try:
        commit = store().commit(branch, current_author(), comment, changes)
    except InvalidComponent as error:
        if len(changes) == 1:  # the store names the failing change only among several
            only = changes[0]
            prefix = f"changes[0] ({only.type} '{only.id}'): "
            error.violations = [prefix + v for v in error.violations or [error.message]]
        raise
    if commit is None:
        return http.no_content()  # nothing changed: nothing recorded
    return http.json(render.COMMIT.render(commit))


def _change(item: dict[str, Any]) -> Change:
    kind, action = _KIND_OF[item["type"]], item["action"]
    given = item.get("fields")
    if action == "delete":
        if given:
            raise Invalid(["a delete takes no 'fields'."])
        return Delete(kind.type, _existing(item))
    # The id is the change's own; inline lists are POST …/concepts's (here, list them).
    schema = kind.schema(exclude=("commit_comment", "id"))
    fields = http.load(schema, data=given or {}, partial=action == "update")
    if action == "create":
        return Create(kind.type, new_id(item.get("id")), fields)
    return Update(kind.type, _existing(item), fields)


def _existing(item: dict[str, Any]) -> str:
    if not item.get("id"):
        raise Invalid([f"an {item['action']} needs the 'id' of the {item['type']}."])
    return item["id"]
