"""Concepts, descriptions and mappings under a path expression: search, create, read,
update, delete, history. One set of views serves the three kinds (see :data:`KINDS`)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, request
from marshmallow import Schema

from api import http, readcache, render
from api.auth import current_author, require_user
from api.errors import Invalid
from api.expand import Expansion, parse_expand
from api.expansions import by_language, expand_concepts
from api.expansions import validate as check_expansions
from api.paging import PagingError, decode_typed, encode_token, window
from api.schemas import (
    ConceptCreateIn,
    ConceptIn,
    DescriptionIn,
    MappingIn,
)
from api.services import read_point, services, store, viewed_point, write_branch
from api.shapes import camel
from api.sorting import SCORE, decode_key, encode_key, parse_sort
from revisions import Create, Delete, Filter, Order, Update
from revisions.components import TYPES
from revisions.errors import InvalidComponent
from revisions.registry import normalize_effective_time
from revisions.values import dumps, text_problem
from revisions.visibility import View


@dataclass(frozen=True)
class Param:
    """A search parameter: how to read it and which part of the filter it sets."""

    kind: str  # "eq" | "bool" | "ids" | "contains" | "effective" | "term" | "tree"
    field: str = ""


@dataclass(frozen=True)
class Kind:
    type: str
    schema: Callable[[], Schema]
    params: dict[str, Param]
    expansions: tuple[str, ...] = ()
    create_schema: Callable[[], Schema] | None = None  # when a create takes more (inline)

    @property
    def creates_with(self) -> Callable[[], Schema]:
        return self.create_schema or self.schema


COMMON = {"id": Param("ids"), "active": Param("bool", "active")}
KINDS = {
    "concepts": Kind(
        "concept",
        ConceptIn,
        {
            **COMMON,
            "term": Param("term"),
            "conceptClass": Param("eq", "concept_class"),
            "module": Param("eq", "module_id"),
            "parent": Param("contains", "parents"),
            "ancestor": Param("tree", "descendants"),
            "descendant": Param("tree", "ancestors"),
            "effectiveTime": Param("effective"),
        },
        (
            "fsn",
            "pt",
            "descriptions",
            "mappings",
            "parents",
            "children",
            "ancestors",
            "descendants",
        ),
        ConceptCreateIn,
    ),
    "descriptions": Kind(
        "description",
        DescriptionIn,
        {
            **COMMON,
            "term": Param("term"),
            "conceptId": Param("eq", "concept_id"),
            "languageCode": Param("eq", "language_code"),
            "type": Param("eq", "type"),
            "effectiveTime": Param("effective"),
        },
    ),
    "mappings": Kind(
        "mapping",
        MappingIn,
        {
            **COMMON,
            "sourceId": Param("eq", "source_id"),
            "targetId": Param("eq", "target_id"),
            "mapType": Param("eq", "map_type"),
            "targetCodeSystem": Param("eq", "target_code_system"),
            "targetCode": Param("eq", "target_code"),
            "effectiveTime": Param("effective"),
        },
    ),
}
PAGING = ("limit", "offset", "searchAfter", "expand", "sort")


def _args(kind: Kind, from_body: bool) -> dict[str, Any]:
    """Search parameters from the query string (GET) or the JSON body (POST …/search)."""
    allowed = set(kind.params) | set(PAGING)
    if from_body:
        raw = http.body()
        unknown = sorted(set(raw) - allowed)
        values = {k: raw[k] for k in raw if k in allowed}
    else:
        unknown = sorted(set(request.args) - allowed)
        values = {
            k: request.args.getlist(k) if k == "id" else request.args.get(k) for k in request.args
        }
    if unknown:
        raise Invalid([f"Unknown search parameter '{name}'." for name in unknown])
    return values


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise Invalid([f"'{name}' must be true or false."])


def _text(name: str, value: Any, identifier: bool = False) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid([f"'{name}' must be a non-empty string."])
    if problem := text_problem(value, identifier=identifier):
        raise Invalid([f"'{name}' {problem}."])
    return value


def _names_ids(kind: Kind, param: Param) -> bool:
    """Whether the parameter's values are component ids (the identifier rule applies)."""
    if param.kind in ("ids", "contains", "tree"):
        return True
    fields = {f.name: f for f in TYPES[kind.type].fields}
    return param.kind == "eq" and fields[param.field].identifier


def _filter(kind: Kind, values: dict[str, Any], point: Any) -> tuple[Filter, str | None]:
    """The store filter for the parameters, and the term (searched separately for concepts)."""
    equals: dict[str, Any] = {}
    contains: dict[str, list[str]] = {}
    ids: set[str] | None = None
    effective = term = None
    for name, param in kind.params.items():
        if name not in values or values[name] is None:
            continue
        value = values[name]
        identifier = _names_ids(kind, param)
        if param.kind == "bool":
            equals[param.field] = _bool(name, value)
        elif param.kind == "eq":
            equals[param.field] = _text(name, value, identifier)
        elif param.kind == "ids":
            if not isinstance(value, list):  # a search body's id is a list, as documented
                raise Invalid([f"'{name}' must be a list of ids."])
            listed = value
            wanted = {_text(name, v, identifier) for v in listed}
            ids = wanted if ids is None else ids & wanted
        elif param.kind == "contains":
            contains[param.field] = [_text(name, value, identifier)]
        elif param.kind == "effective":
            effective = normalize_effective_time(_text(name, value))
        elif param.kind == "term":
            term = _text(name, value)
        elif param.kind == "tree":
            relatives = getattr(store(), param.field)(point, _text(name, value, identifier))
            ids = relatives if ids is None else ids & relatives
    filter_term = term if kind.type == "description" else None
    built = Filter.of(
        ids=ids, contains=contains, effective_time=effective, term=filter_term, **equals
    )
    return built, (term if kind.type == "concept" else None)


def _expansions(kind: Kind, values: dict[str, Any], page: int = 1) -> dict[str, Expansion]:
    """The expansions asked for, checked against the budget for a page of ``page`` before
    anything is read (so a bad one is refused even when the page is empty)."""
    raw = values.get("expand")
    if raw is None:
        return {}
    if not isinstance(raw, str):
        raise Invalid(["'expand' must be a string."])
    expansions = parse_expand(raw)
    unknown = sorted(set(expansions) - set(kind.expansions))
    if unknown:
        raise Invalid([f"Unknown expansion '{name}()' for {kind.type}s." for name in unknown])
    check_expansions(expansions, page)
    return expansions


def search(path: str, plural: str, from_body: bool = False) -> Response:
    kind = KINDS[plural]
    values = _args(kind, from_body)
    limit, offset = window(values.get("limit"), values.get("offset"))
    sort = parse_sort(kind.type, values.get("sort"))
    expansions = _expansions(kind, values, limit)
    view = store().current_view(read_point(path))
    etag = http.etag_for(view.key)
    if (cached := http.not_modified(etag)) is not None:
        return cached
    filter_, term = _filter(kind, values, view)
    token = values.get("searchAfter")
    if token is not None and offset:
        raise PagingError("Use either offset or searchAfter, not both.")
    if term is not None and sort in (None, SCORE):
        after = decode_typed(token, int, str)  # (score, id)
        items, total, last = store().search_concepts(
            view, term, filter_, after=after, offset=offset, limit=limit
        )
        next_token = encode_token(list(last)) if last else None
    else:
        order = sort if isinstance(sort, Order) else None
        items, total, next_token = _listed(kind, view, filter_, term, order, token, offset, limit)
    rendered = [render.component(item) for item in items]
    if expansions:
        expand_concepts(view, items, rendered, expansions)
    return http.envelope(
        rendered,
        total,
        limit,
        offset=offset,
        search_after=next_token,
        etag=etag,
        columns=render.COMPONENTS[kind.type].columns,
    )


def _listed(
    kind: Kind,
    view: Any,
    filter_: Filter,
    term: str | None,
    order: Order | None,
    token: Any,
    offset: int,
    limit: int,
) -> tuple[list, int, str | None]:
    """A page in id order, or in a field's (``order``); with a term, of its matches."""
    if order is None:
        key = decode_typed(token, str)
        after: Any = None if key is None else key[0]
    else:
        after = decode_key(kind.type, order, token)
    if term is not None:
        hits = store().search_concepts(view, term, filter_, limit=10_000)[0]
        matched = sorted(item.id for item in hits)
        filter_ = Filter.of(ids=matched) if matched else Filter.of(ids=[])
    page = store().page(view, kind.type, filter_, after=after, limit=offset + limit, order=order)
    items = page.items[offset:]
    if not items or page.next_after is None:
        return items, page.total, None
    last = items[-1]
    if order is None:
        return items, page.total, encode_token([last.id])
    return items, page.total, encode_key((last.fields[order.field], last.id))


def create(path: str, plural: str) -> Response:
    """A new component; a concept with its ``descriptions`` and ``mappings`` inline, all in
    one commit, so no reader sees the concept without its names."""
    require_user()
    kind = KINDS[plural]
    data = http.load(kind.creates_with())
    comment = data.pop("commit_comment", None)
    component_id = new_id(data.pop("id", None))
    inline = [
        Create("description", new_id(d.pop("id", None)), {**d, "concept_id": component_id})
        for d in data.pop("descriptions", ())
        if _owned(d, "concept_id", component_id, "descriptions")
    ] + [
        Create("mapping", new_id(m.pop("id", None)), {**m, "source_id": component_id})
        for m in data.pop("mappings", ())
        if _owned(m, "source_id", component_id, "mappings")
    ]
    branch = write_branch(path)
    try:
        store().commit(
            branch,
            current_author(),
            comment or f"Create {kind.type} {component_id}",
            [Create(kind.type, component_id, data), *inline],
        )
    except InvalidComponent as error:
        raise _named_inline(error, inline) from None
    return http.created(f"{kind.type}_get", path=path, component_id=component_id)


def _named_inline(error: InvalidComponent, inline: list[Create]) -> InvalidComponent:
    """The store names a commit's failing changes ``changes[i] (type 'id')``; a create with
    inline components names them as its body does: ``descriptions[0] (description 'd')``."""
    labels = ["the concept"]
    for name in ("description", "mapping"):
        labels += [f"{name}s[{i}]" for i, _ in enumerate(c for c in inline if c.type == name)]

    def named(violation: str) -> str:
        found = _CHANGE.match(violation)
        return violation if found is None else labels[int(found[1])] + violation[found.end() :]

    error.violations = [named(v) for v in error.violations]
    return error


_CHANGE = re.compile(r"changes\[(\d+)\]")


def new_id(given: str | None) -> str:
    """The id of a component to create: the one given (the store refuses a URL segment of
    the API, ``revisions.components.RESERVED_IDS``), else a random hex id."""
    return given or uuid.uuid4().hex


def _owned(fields: dict, name: str, concept_id: str, where: str) -> bool:
    """An inline component names its concept only as the concept being created."""
    if fields.get(name, concept_id) != concept_id:
        raise Invalid([f"'{where}': '{camel(name)}' must be the new concept's id or left out."])
    return True


def get(path: str, plural: str, component_id: str) -> Response:
    kind = KINDS[plural]
    values = _args(kind, False) if request.query_string else {}
    extra = set(values) - {"expand"}
    if extra:
        raise Invalid([f"Unknown parameter '{name}'." for name in sorted(extra)])
    expansions = _expansions(kind, values)
    point, public = viewed_point(path)
    reads = store()
    view = reads.current_view(point)
    language = by_language(expansions)
    headers = {} if language else readcache.lifetime(reads, point, view, public)
    if expansions:
        # Expanded, the tag is the view's: a 304 saves the expansion reads.
        headers["ETag"] = http.etag_for(view.key)
        if (cached := http.not_modified(headers["ETag"], headers.get("Cache-Control"))) is not None:
            return cached
    if language:
        return http.json_body(_rendered(view, kind, component_id, expansions), headers)
    # Unexpanded, the tag is the body's: it changes only when this component does, and it
    # is the one If-Match takes on a PUT or DELETE (docs/api.md). A view's bodies are kept
    # (api.readcache), so a 304 or a 200 under a view read before reads no component.
    representation = f"{kind.type}/{component_id}?expand={values.get('expand') or ''}"
    body = services().reads.body(
        view, representation, lambda: _rendered(view, kind, component_id, expansions)
    )
    return http.json_body(body, headers)


def _rendered(view: View, kind: Kind, component_id: str, expansions: dict[str, Expansion]) -> bytes:
    """The body of a GET of one component under ``view``, with its expansions."""
    item = store().get(view, kind.type, component_id)
    rendered = [render.component(item)]
    if expansions:
        expand_concepts(view, [item], rendered, expansions)
    return dumps(rendered[0])


def _expected(path: str, kind: Kind, component_id: str) -> dict[tuple[str, str], int] | None:
    """The revision an ``If-Match`` write expects to replace (None without the header)."""
    current = http.precondition(
        lambda: store().get(read_point(path), kind.type, component_id), render.component
    )
    return None if current is None else {(kind.type, component_id): current.revision}


def update(path: str, plural: str, component_id: str) -> Response:
    require_user()
    kind = KINDS[plural]
    data = http.load(kind.schema(), partial=True)
    comment = data.pop("commit_comment", None)
    if data.pop("id", component_id) != component_id:
        raise Invalid(["'id' cannot be changed."])
    branch = write_branch(path)
    store().commit(
        branch,
        current_author(),
        comment or f"Update {kind.type} {component_id}",
        [Update(kind.type, component_id, data)],
        expected=_expected(path, kind, component_id),
    )
    return http.no_content()


def delete(path: str, plural: str, component_id: str) -> Response:
    require_user()
    kind = KINDS[plural]
    branch = write_branch(path)
    comment = request.args.get("commitComment") or f"Delete {kind.type} {component_id}"
    expected = _expected(path, kind, component_id)
    store().commit(
        branch, current_author(), comment, [Delete(kind.type, component_id)], expected=expected
    )
    return http.no_content()


def history(path: str, plural: str, component_id: str) -> Response:
    kind = KINDS[plural]
    view = store().current_view(read_point(path))
    etag = http.etag_for(view.key)
    if (cached := http.not_modified(etag)) is not None:
        return cached
    revisions = store().history(view, kind.type, component_id)
    if not revisions:
        store().get(view, kind.type, component_id)  # raises "not found" for unknown ids
    items = [render.REVISION.render(r) for r in revisions]
    return http.envelope(items, len(items), len(items), etag=etag, columns=render.REVISION.columns)
