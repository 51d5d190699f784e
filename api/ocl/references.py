"""Collection references: ``PUT …/collections/:c/references/`` adds expressions,
``DELETE`` removes them, ``GET …/:c/[:ver/]references/[:id/]`` lists them (paged) or shows
one. Only ``HEAD`` is edited: writes under a version are 405.

An expression is the URL of a concept or mapping of a source on this server, with or without
the host: ``/orgs/O/sources/S/[:sourceVersion/](concepts|mappings)/:id/[:itemVersion/]``. It
is stored normalised (``/…/``, no host). A body names them under ``data.expressions``,
``data.concepts`` or ``data.mappings`` (the latter two only of their kind); anything that
is not such a URL is a 400 naming it, before anything is written. A well-formed expression
that names nothing here (no such owner, source, version or item, or a source the caller
may not see) is answered ``added: false`` with a message; so is one naming an item the
collection already holds (OCL's "reference name must be unique" error). The rest are added
in one write, at one store time.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from flask import Response, request
from werkzeug.exceptions import MethodNotAllowed

from accounts import collections as records
from accounts import repositories
from accounts.collection_schema import EXPRESSION_LENGTH
from accounts.collections import Collection, Target
from api import http
from api.errors import Invalid
from api.ocl import access, collection_versions
from api.ocl.collections import find
from api.ocl.paging import page_request, respond
from api.services import store
from exporter import ocl_stream
from exporter.ocl_collections import reference_json, url
from exporter.ocl_json import OWNER_KINDS
from revisions import ReadPoint, View
from revisions.errors import NotFound
from revisions.values import storable_id

KINDS = {"concepts": "concept", "mappings": "mapping"}
CASCADES = ("sourcemappings", "sourcetoconcepts")
TRANSFORMS = ("resourceversions", "extensional")
UNIQUE = "Concept or Mapping reference name must be unique in a collection."
ANY = "expressions"
MAX_ID = 2**63 - 1  # row ids and times are 64-bit integers
_NUMBER = re.compile(r"[0-9]{1,18}")


def number(text: str) -> bool:
    """Whether ``text`` is a whole number that fits the 64-bit columns (ASCII digits only)."""
    return _NUMBER.fullmatch(text) is not None


def read_only(**_: Any) -> Response:
    raise MethodNotAllowed(["GET", "HEAD"], "A collection version is frozen: edit HEAD.")


# --- expressions --------------------------------------------------------------------------


def normalise(expression: str) -> str:
    """The expression's path, ``/``-delimited (a full URL loses its scheme and host)."""
    path = urlsplit(expression).path if "://" in expression else expression
    return "/" + "/".join(p for p in path.split("/") if p) + "/"


def parse(expression: Any, kind: str) -> tuple[str, str, str, str | None, str, str, str | None]:
    """(owner_type, owner, source, source version, kind, id, item version) of an
    expression; ValueError when it is not a concept or mapping URL (of ``kind``, unless
    ``kind`` is :data:`ANY`)."""
    if not isinstance(expression, str) or not expression.strip():
        raise ValueError("must be a concept or mapping URL")
    if len(expression) > EXPRESSION_LENGTH:
        raise ValueError(f"is longer than {EXPRESSION_LENGTH} characters")
    parts = [p for p in normalise(expression).split("/") if p]
    if len(parts) < 6 or parts[0] not in OWNER_KINDS or parts[2] != "sources":
        raise ValueError("is not a URL /orgs|users/:owner/sources/:source/…/concepts|mappings/:id/")
    head, rest = parts[:4], parts[4:]
    source_version = None
    if rest[0] not in KINDS:
        source_version, rest = rest[0], rest[1:]
    if not rest or rest[0] not in KINDS or len(rest) not in (2, 3):
        raise ValueError("is not a URL /orgs|users/:owner/sources/:source/…/concepts|mappings/:id/")
    if kind != ANY and rest[0] != kind:
        raise ValueError(f"is not a URL of {kind}")
    if source_version == "HEAD":
        source_version = None
    item_version = rest[2] if len(rest) == 3 else None
    return head[0], head[1], head[3], source_version, rest[0], rest[1], item_version


def _expressions(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """(kind wanted, expression) for each expression of the body; 400 for a bad shape."""
    if not isinstance(data.get("data"), dict):
        raise Invalid(["'data': Must be an object with expressions, concepts or mappings."])
    given = data["data"]
    found: list[tuple[str, Any]] = []
    violations = []
    for key, kind in ((ANY, ANY), ("concepts", "concepts"), ("mappings", "mappings")):
        if key not in given:
            continue
        if not isinstance(given[key], list):
            violations.append(f"'data.{key}': Must be a list of URLs.")
            continue
        found += [(kind, e) for e in given[key]]
    if violations:
        raise Invalid(violations)
    if not found:
        raise Invalid(["'data': Give at least one expression (expressions, concepts or mappings)."])
    return found


def _check(found: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The parsed expressions; 400 naming every one that is not an expression."""
    parsed, violations = [], []
    for i, (kind, expression) in enumerate(found):
        try:
            parts = parse(expression, kind)
            parsed.append((normalise(expression), parts))
        except ValueError as error:
            violations.append(f"'data.{kind}[{i}]': '{expression}' {error}.")
    if violations:
        raise Invalid(violations)
    return parsed


Sources = dict[tuple, tuple[str, View] | str]  # a request's sources, as _source gives them


def resolve(expression: str, parts: tuple, sources: Sources | None = None) -> Target | str:
    """The target an expression names, or why it names nothing. ``sources``: the sources
    this request has resolved (filled here), so that expressions of one source check its
    access and resolve its view once: 2.0 ms an expression on PostgreSQL before, each
    looking its source up anew (2026-12-08)."""
    owner_type, owner, source_id, source_version, kind, item_id, item_version = parts
    what = KINDS[kind]
    engine_store = store()
    key = (owner_type, owner, source_id, source_version)
    known = {} if sources is None else sources
    if key not in known:
        known[key] = _source(key)
    source = known[key]
    if isinstance(source, str):
        return source
    codesystem_id, view = source
    try:
        if not storable_id(item_id):
            raise NotFound(f"No {what} '{item_id}'.")
        engine_store.lookup(view, what, item_id)
    except NotFound as error:
        return f"The expression names nothing on this server: {error}"
    pinned = None
    if item_version is not None:
        times_of = ocl_stream.concept_times if what == "concept" else ocl_stream.mapping_times
        times = times_of(engine_store, view, [item_id]).get(item_id, [])
        if not number(item_version) or int(item_version) not in times:
            return f"The {what} '{item_id}' has no version '{item_version}'."
        pinned = int(item_version)
    return Target(expression, kind, codesystem_id, item_id, source_version, pinned)


def _source(key: tuple) -> tuple[str, View] | str:
    """(code system id, resolved view) of the source (at the version) an expression names,
    if the caller may see it; else why it names nothing."""
    owner_type, owner, source_id, source_version = key
    engine_store = store()
    try:
        repository = repositories.get(engine_store.engine, owner_type, owner, source_id)
        access.view_source(repository)
        codesystem = engine_store.codesystems.get(repository.codesystem_id)
        point = ReadPoint(codesystem.branch_path)
        if source_version is not None:
            version = engine_store.codesystems.get_version(codesystem.id, source_version)
            point = ReadPoint(version.branch_path)
        return codesystem.id, engine_store.view(point)
    except NotFound as error:
        return f"The expression names nothing on this server: {error}"
    except Exception as error:  # access refused: the source is not there for this caller
        if getattr(error, "code", None) in (401, 403, 404):
            return f"The expression names nothing on this server: no source '{source_id}'."
        raise


def _message(collection: Collection, target: Target) -> str:
    what = KINDS[target.reference_type]
    if target.component_version is not None or target.source_version is not None:
        return (
            f"Added the {what} version to the collection. "
            "Future updates will not be added automatically."
        )
    return f"The {what} {target.component_id} is successfully added to collection {collection.name}"


def _failure(expression: str, description: str, conflicting: list[str] | None = None) -> dict:
    error: dict[str, Any] = {"description": description}
    if conflicting is not None:
        error["conflicting_references"] = conflicting
    return {"added": False, "expression": expression, "message": {expression: {"errors": [error]}}}


# --- views --------------------------------------------------------------------------------


def _option(data: dict[str, Any], name: str, known: tuple[str, ...]) -> str | None:
    """``name`` from the query string, else from ``data`` (OCL reads both), lower case;
    400 for a value not in ``known``."""
    value = request.args.get(name) or data.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value.lower() not in known:
        raise Invalid([f"'{name}': Must be one of {', '.join(known)}, not {value!r}."])
    return value.lower()


def _cascaded(target: Target, parts: tuple, how: str) -> list[tuple[str, tuple]]:
    """The expressions a concept's cascade adds (OCL's ``cascade``): the mappings from it in
    its source (``sourcemappings``), and with ``sourcetoconcepts`` the concepts of that
    source those mappings point to; at the target's source version, unversioned."""
    if target.reference_type != "concepts":
        return []
    owner_type, owner, source_id, source_version, *_ = parts
    engine_store = store()
    point = ReadPoint(engine_store.codesystems.get(target.codesystem_id).branch_path)
    if source_version is not None:
        version = engine_store.codesystems.get_version(target.codesystem_id, source_version)
        point = ReadPoint(version.branch_path)
    found = engine_store.referring(point, "mapping", "source_id", [target.component_id])
    base = f"/{owner_type}/{owner}/sources/{source_id}/" + (
        f"{source_version}/" if source_version is not None else ""
    )
    added = []
    for mapping in found.get(target.component_id, []):
        added.append((f"{base}mappings/{mapping.id}/", "mappings", mapping.id))
        to = mapping.fields.get("target_id")
        if how == "sourcetoconcepts" and to is not None:
            added.append((f"{base}concepts/{to}/", "concepts", to))
    return [
        (expression, (owner_type, owner, source_id, source_version, kind, item, None))
        for expression, kind, item in added
    ]


def _cascaded_expressions(expressions: list[str], how: str) -> list[str]:
    """What ``cascade`` adds to the concept expressions among ``expressions`` (removals
    cascade as additions do); expressions that name nothing cascade to nothing."""
    found: list[str] = []
    sources: Sources = {}
    for expression in expressions:
        try:
            parts = parse(expression, "concepts")
        except ValueError:
            continue
        target = resolve(expression, parts, sources)
        if not isinstance(target, str):
            found += [e for e, _ in _cascaded(target, parts, how) if e not in expressions]
    return found


def _pinned(target: Target) -> Target:
    """``target`` pinned to its item's current version (``transformReferences``)."""
    if target.component_version is not None:
        return target
    engine_store = store()
    point = ReadPoint(engine_store.codesystems.get(target.codesystem_id).branch_path)
    if target.source_version is not None:
        version = engine_store.codesystems.get_version(target.codesystem_id, target.source_version)
        point = ReadPoint(version.branch_path)
    what = KINDS[target.reference_type]
    times_of = ocl_stream.concept_times if what == "concept" else ocl_stream.mapping_times
    view = engine_store.view(point)
    times = times_of(engine_store, view, [target.component_id]).get(target.component_id)
    if not times:
        return target
    latest = times[-1]
    expression = f"{target.expression}{latest}/"
    return replace(target, expression=expression, component_version=latest)


def add(owner_type: str, collection: str, owner: str | None = None) -> Response:
    """Add the body's expressions; ``cascade`` (query or ``data``) adds what a concept's
    mappings reach in its source, ``transformReferences`` pins each to its item's current
    version (``resourceversions``; ``extensional`` keeps explicit expressions as they are)."""
    found = find(owner_type, owner, collection)
    access.edit_repo(found.owner_type, found.owner, found.public_access)
    body = http.body()
    parsed = _check(_expressions(body))
    cascade = _option(body["data"], "cascade", CASCADES)
    transform = _option(body["data"], "transformReferences", TRANSFORMS)
    answers: list[dict[str, Any] | None] = []
    targets: list[Target] = []
    queue = [(expression, parts, True) for expression, parts in parsed]
    seen = {expression for expression, _ in parsed}
    sources: Sources = {}
    while queue:
        expression, parts, given = queue.pop(0)
        resolved = resolve(expression, parts, sources)
        if isinstance(resolved, str):
            answers.append(_failure(expression, resolved))
            continue
        if cascade is not None and given:  # one level, as OCL's default
            more = [c for c in _cascaded(resolved, parts, cascade) if c[0] not in seen]
            seen.update(c[0] for c in more)
            queue[0:0] = [(e, p, False) for e, p in more]  # answered right after it
        answers.append(None)
        targets.append(_pinned(resolved) if transform == "resourceversions" else resolved)
    outcomes = iter(
        records.add_references(store().engine, store().clock, found, targets, access.author())
    )
    base = url(found)
    result = []
    for answer in answers:
        if answer is not None:
            result.append(answer)
            continue
        outcome = next(outcomes)
        if outcome.added is None:
            assert outcome.conflict is not None
            uri = f"{base}references/{outcome.conflict.id}/"
            result.append(_failure(outcome.target.expression, UNIQUE, [uri]))
        else:
            message = _message(found, outcome.target)
            result.append(
                {"added": True, "expression": outcome.target.expression, "message": message}
            )
    return http.json(result)


def remove(owner_type: str, collection: str, owner: str | None = None) -> Response:
    """Remove the references given by ``references`` or ``expressions`` (URLs, or ``"*"``
    for all) and/or ``ids``, with ``cascade`` also what the concepts' cascade names; 204
    even when none matched, 400 when nothing is given."""
    found = find(owner_type, owner, collection)
    access.edit_repo(found.owner_type, found.owner, found.public_access)
    data = http.body()
    given = data.get("references", data.get("expressions"))
    ids = data.get("ids", [])
    if given is None and not ids:
        raise Invalid(["'references': Give references (or expressions) or ids to remove."])
    every = given == "*"
    if (
        given is not None
        and not every
        and (
            not isinstance(given, list) or not all(isinstance(e, str) and e.strip() for e in given)
        )
    ):
        raise Invalid(["'references': Must be a list of URLs, or \"*\"."])
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in ids
    ):
        raise Invalid(["'ids': Must be a list of reference ids."])
    expressions = [] if every or given is None else [normalise(e) for e in given]
    cascade = _option(data, "cascade", CASCADES)
    if cascade is not None:
        expressions += _cascaded_expressions(expressions, cascade)
    records.remove_references(store().engine, store().clock, found, expressions, ids, every=every)
    return http.no_content()


def list_all(
    owner_type: str, collection: str, version: str | None = None, owner: str | None = None
) -> Response:
    found = find(owner_type, owner, collection)
    chosen = collection_versions.chosen(found, version)
    at = None if chosen is None else chosen.created_ts
    wanted = page_request()
    version_url = collection_versions.version_url(found, chosen)
    engine = store().engine
    page = records.references(engine, found, at, offset=wanted.offset, limit=wanted.limit)
    total = records.count_references(engine, found, at)
    return respond([reference_json(found, r, version_url) for r in page], total, wanted)


def get_one(
    owner_type: str,
    collection: str,
    reference_id: str,
    version: str | None = None,
    owner: str | None = None,
) -> Response:
    found = find(owner_type, owner, collection)
    chosen = collection_versions.chosen(found, version)
    at = None if chosen is None else chosen.created_ts
    if not number(reference_id):
        raise records.ReferenceNotFound(
            f"Collection '{found.repo_id}' has no reference '{reference_id}'."
        )
    ref = records.reference(store().engine, found, int(reference_id), at)
    return http.json(reference_json(found, ref, collection_versions.version_url(found, chosen)))
