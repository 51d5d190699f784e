"""Concepts and mappings of a source (``HEAD``: read and write) or of a source version
(read only: writes there are 405, nothing written): list, create, get, update (PUT and
PATCH both partial; a given ``names`` or ``descriptions`` list replaces the old one, an
absent one stays), retire (DELETE), ``reactivate/``, ``versions/`` and one version.

Every write is one commit on the source's working branch, authored by the caller. A
concept's versions are the commit timestamps of its edits (``exporter.ocl_stream``): the
version ``T`` reads ``HEAD@T``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from flask import Response, request
from werkzeug.exceptions import MethodNotAllowed

from api import http
from api.errors import Invalid
from api.ocl import access, bodies, places
from api.ocl.paging import page_request, respond
from api.ocl.repo_content import since, truthy
from api.services import services, store
from exporter import ocl, ocl_json, ocl_stream
from exporter.ocl_stream import Selection
from revisions import ReadPoint
from revisions.errors import Changed, ComponentExists, ComponentNotFound, Conflict
from revisions.records import Change, Component, Create, Delete, Update
from revisions.values import dumps
from revisions.visibility import View

KINDS = {"concepts": "concept", "mappings": "mapping"}


def read_only(**_: Any) -> Response:
    """Writes under a source version: its content is frozen."""
    raise MethodNotAllowed(["GET", "HEAD"], "A source version is read only: write to HEAD.")


def _item(found: places.Source, view: View, component: Component) -> dict[str, Any]:
    batch = ocl_stream.concept_batch if component.type == "concept" else ocl_stream.mapping_batch
    return next(batch(store(), view, found.place, [component], locale=found.locale))[1]


def _lookup(
    found: places.Source, kind: str, item_id: str, version: str | None = None
) -> tuple[View, Component]:
    """The view of ``HEAD`` (or the version) and the concept or mapping in it (404 if none)."""
    return store().lookup(places.read_point(found, version), KINDS[kind], item_id)


# --- reads --------------------------------------------------------------------------------


def list_items(
    owner_type: str, source: str, kind: str, version: str | None = None, owner: str | None = None
) -> Response:
    found = places.source(owner_type, owner, source)
    wanted = page_request()
    view = store().current_view(places.read_point(found, version))
    type_name = KINDS[kind]
    chosen = Selection(
        include_retired=truthy("includeRetired"),
        since=since(),
        offset=wanted.offset,
        limit=wanted.limit,
    )
    query = (request.args.get("q") or "").strip()
    if query and type_name == "concept":
        if chosen.since is not None:
            raise Invalid(["'updatedSince': Cannot be combined with 'q'."])
        hits, total, _ = store().search_concepts(
            view, query, chosen.filter(), offset=wanted.offset, limit=wanted.limit
        )
        batch = ocl_stream.concept_batch(store(), view, found.place, hits, locale=found.locale)
        return respond([data for _, data in batch], total, wanted)
    stream = ocl_stream.concepts if type_name == "concept" else ocl_stream.mappings
    if chosen.since is None:
        items = list(stream(store(), view, found.place, chosen, locale=found.locale))
        return respond(items, store().count(view, type_name, chosen.filter()), wanted)
    # Edited since: counted by reading every one (docs/ocl.md, "updatedSince"), in one pass
    # that keeps only the page.
    every = Selection(chosen.include_retired, chosen.since)
    items, total = [], 0
    for data in stream(store(), view, found.place, every, locale=found.locale):
        if wanted.offset <= total < wanted.offset + wanted.limit:
            items.append(data)
        total += 1
    return respond(items, total, wanted)


def get_item(
    owner_type: str,
    source: str,
    kind: str,
    item_id: str,
    version: str | None = None,
    owner: str | None = None,
) -> Response:
    found = places.source(owner_type, owner, source)
    # As a native read (api.views.components): under a view the item's JSON never changes,
    # so it is kept in the shared read cache (api.readcache) by view, place and locale.
    view = store().current_view(places.read_point(found, version))
    place = found.place
    representation = (
        f"ocl/{place.owner_type}/{place.owner}/{place.repo_id}/{kind}/{item_id}?{found.locale}"
    )

    def rendered() -> bytes:
        return dumps(_item(found, view, store().get(view, KINDS[kind], item_id)))

    return http.json_body(services().reads.body(view, representation, rendered), {})


def concept_mappings(
    owner_type: str,
    source: str,
    item_id: str,
    version: str | None = None,
    owner: str | None = None,
) -> Response:
    """``…/concepts/:c/mappings/``: the mappings from the concept (paged, id order;
    retired ones with ``includeRetired``)."""
    found = places.source(owner_type, owner, source)
    view, _ = _lookup(found, "concepts", item_id, version)
    wanted = page_request()
    mappings = store().referring(view, "mapping", "source_id", [item_id]).get(item_id, [])
    if not truthy("includeRetired"):
        mappings = [m for m in mappings if m.fields.get("active", True)]
    page = mappings[wanted.offset : wanted.offset + wanted.limit]
    batch = ocl_stream.mapping_batch(store(), view, found.place, page, locale=found.locale)
    return respond([data for _, data in batch], len(mappings), wanted)


def extras(
    owner_type: str,
    source: str,
    kind: str,
    item_id: str,
    version: str | None = None,
    owner: str | None = None,
) -> Response:
    """``…/:id/extras/``: the concept's or mapping's extras object."""
    found = places.source(owner_type, owner, source)
    _, component = _lookup(found, kind, item_id, version)
    return http.json(component.fields.get("extras") or {})


def _times(found: places.Source, view: View, component: Component) -> list[int]:
    times = (
        ocl_stream.concept_times(store(), view, [component.id])
        if component.type == "concept"
        else ocl_stream.mapping_times(store(), view, [component.id])
    )
    return times.get(component.id) or [component.timestamp]


def item_versions(
    owner_type: str,
    source: str,
    kind: str,
    item_id: str,
    version: str | None = None,
    owner: str | None = None,
) -> Response:
    """Every version of a concept or mapping, newest first (paged)."""
    found = places.source(owner_type, owner, source)
    view, component = _lookup(found, kind, item_id, version)
    times = sorted(_times(found, view, component), reverse=True)
    wanted = page_request()
    page = times[wanted.offset : wanted.offset + wanted.limit]
    items = [_at(found, view, kind, item_id, t, latest=(t == times[0])) for t in page]
    return respond([i for i in items if i is not None], len(times), wanted)


def _at(
    found: places.Source, view: View, kind: str, item_id: str, ts: int, *, latest: bool
) -> dict[str, Any] | None:
    """The item as it was at ``ts`` on the branch ``view`` reads (None: deleted then)."""
    # The working branch at ``ts``: a version's content was written there (before its cut);
    # an edit from before the branch was made is read where it was made, up its chain.
    point = ReadPoint(_made_by(found.working_branch, ts), ts)
    try:
        past, component = store().lookup(point, KINDS[kind], item_id)
    except ComponentNotFound:
        return None
    data = _item(found, past, component)
    data["is_latest_version"] = latest
    return data


def _made_by(path: str, ts: int) -> str:
    """The deepest branch of ``path``'s chain that existed at ``ts``. An item a source
    inherits (its branch made under content, an extension's under a version) has versions
    from before the source's branch existed, which a read of that branch at their time
    refused (400); its parent then showed what the source's branch started from."""
    branch = store().get_branch(path)
    while branch.created_ts > ts and branch.parent_path is not None:
        branch = store().get_branch(branch.parent_path)
    return branch.path


def item_version(
    owner_type: str,
    source: str,
    kind: str,
    item_id: str,
    item_version: str,
    version: str | None = None,
    owner: str | None = None,
) -> Response:
    found = places.source(owner_type, owner, source)
    view, component = _lookup(found, kind, item_id, version)
    times = _times(found, view, component)
    if not (item_version.isascii() and item_version.isdigit()) or int(item_version) not in times:
        raise ComponentNotFound(
            f"{KINDS[kind].capitalize()} '{item_id}' has no version '{item_version}'."
        )
    data = _at(found, view, kind, item_id, int(item_version), latest=int(item_version) == times[-1])
    if data is None:
        raise ComponentNotFound(
            f"{KINDS[kind].capitalize()} '{item_id}' was deleted at '{item_version}'."
        )
    return http.json(data)


# --- writes -------------------------------------------------------------------------------


def _commit(
    found: places.Source,
    comment: str,
    changes: list[Change],
    read: Iterable[Component] = (),
) -> None:
    """Commit ``changes``; with ``read`` (the names a replacement was computed from), only
    if the branch still shows them as they were read, else 409: a concurrent replacement
    of the same names made it fail as a 400 or 404 ("does not exist on this branch"; a helper's
    probe, 2026-12-08)."""
    if not changes:
        return
    expected = {(c.type, c.id): c.revision for c in read} or None
    try:
        store().commit(found.working_branch, access.author(), comment, changes, expected=expected)
    except Changed:
        raise Conflict(
            "The item changed while this request was replacing it: read it again and retry."
        ) from None


def _created(found: places.Source, kind: str, item_id: str) -> Response:
    view, component = _lookup(found, kind, item_id)
    response = http.json(_item(found, view, component), status=201)
    response.headers["Location"] = (
        request.host_url.rstrip("/") + f"{found.place.url}{kind}/{item_id}/"
    )
    return response


def create(owner_type: str, source: str, kind: str, owner: str | None = None) -> Response:
    found = places.source(owner_type, owner, source)
    access.edit(found.id)
    data = bodies.body()
    comment = bodies.text(data, "update_comment") or "Created by the OCL API"
    if kind == "concepts":
        item_id = bodies.text(data, "id", required=True)
        assert item_id is not None
        changes: list[Change] = [
            Create(t, i, f) for t, i, f in bodies.concept_parts(found.place, data, item_id)
        ]
        message = "Concept ID must be unique within a source."
    else:
        # No id: the uuid a client kept from an export (as the import reads it), or new.
        item_id = bodies.text(data, "id") or bodies.text(data, "uuid") or uuid.uuid4().hex
        fields = bodies.mapping_fields(found.place, data, partial=False)
        changes = [Create("mapping", item_id, fields)]
        message = "Mapping ID must be unique within a source."
    try:
        _lookup(found, kind, item_id)
    except ComponentNotFound:
        pass
    else:
        raise Invalid([f"'id': {message}"])
    try:
        _commit(found, comment, changes)
    except ComponentExists:  # created meanwhile by another request
        raise Invalid([f"'id': {message}"]) from None
    return _created(found, kind, item_id)


def _description_changes(
    found: places.Source, view: View, concept_id: str, data: dict[str, Any]
) -> tuple[list[Change], list[Component]]:
    """Replace the names (and/or descriptions) the body lists: the given ones created or
    updated (matched by ``uuid``, else by position), the old ones not given deleted; with
    the descriptions read to decide it."""
    if "names" not in data and "descriptions" not in data:
        return [], []
    current = store().referring(view, "description", "concept_id", [concept_id]).get(concept_id, [])
    parts = ocl.concept(
        {"id": concept_id, **{k: data[k] for k in ("names", "descriptions") if k in data}}
    )
    wanted = {i: f for t, i, f in parts if t == "description"}
    replaced = [
        d
        for d in current
        if ("names" in data and not ocl_json.is_definition(d))
        or ("descriptions" in data and ocl_json.is_definition(d))
    ]
    old = {d.id: d for d in current}
    changes: list[Change] = [Delete("description", d.id) for d in replaced if d.id not in wanted]
    for did, fields in wanted.items():
        if did in old:
            changes.append(Update("description", did, fields))
        else:
            changes.append(Create("description", did, fields))
    return changes, current


def update(
    owner_type: str, source: str, kind: str, item_id: str, owner: str | None = None
) -> Response:
    found = places.source(owner_type, owner, source)
    access.edit(found.id)
    data = bodies.body()
    view, component = _lookup(found, kind, item_id)
    comment = (
        bodies.text(data, "update_comment")
        or bodies.text(data, "comment")
        or "Updated by the OCL API"
    )
    if kind == "concepts":
        bodies.check_lists(data, required=False)
        fields = bodies.concept_fields(found.place, data)
        changes: list[Change] = [Update("concept", item_id, fields)] if fields else []
        described, read = _description_changes(found, view, item_id, data)
        changes += described
    else:
        fields = bodies.mapping_fields(found.place, data, partial=True)
        changes = [Update("mapping", item_id, fields)] if fields else []
        read = []
    _commit(found, comment, changes, read)
    view, component = _lookup(found, kind, item_id)
    return http.json(_item(found, view, component))


def _set_retired(
    owner_type: str, source: str, kind: str, item_id: str, owner: str | None, retired: bool
) -> Response:
    found = places.source(owner_type, owner, source)
    access.edit(found.id)
    _, component = _lookup(found, kind, item_id)
    name = KINDS[kind].capitalize()
    if component.fields.get("active", True) is not retired:
        state = "already retired" if retired else "not retired"
        raise Invalid([f"'retired': {name} is {state}."])
    data = bodies.body(optional=True)
    fields: dict[str, Any] = {"active": not retired}
    if kind == "concepts":
        fields["retire_reason"] = bodies.text(data, "retire_reason") if retired else None
    default = f"{name} was retired" if retired else f"{name} was un-retired"
    comment = bodies.text(data, "update_comment") or bodies.text(data, "comment") or default
    _commit(found, comment, [Update(KINDS[kind], item_id, fields)])
    return http.no_content()


def retire(
    owner_type: str, source: str, kind: str, item_id: str, owner: str | None = None
) -> Response:
    return _set_retired(owner_type, source, kind, item_id, owner, True)


def reactivate(
    owner_type: str, source: str, kind: str, item_id: str, owner: str | None = None
) -> Response:
    return _set_retired(owner_type, source, kind, item_id, owner, False)
