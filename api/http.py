"""Request and response plumbing shared by every view: JSON bodies, media types, list
envelopes, ETags, and the 201/202 + Location answers."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from flask import Response, request, url_for
from marshmallow import Schema, ValidationError

from api.errors import Invalid, InvalidJson, NotAcceptable, PreconditionFailed

JSON = "application/json;charset=UTF-8"
_LIST_TYPES = ("application/json", "text/csv", "text/plain")


def body() -> dict[str, Any]:
    """The request's JSON object, or :class:`InvalidJson`."""
    raw = request.get_data(cache=True)
    try:
        data = orjson.loads(raw or b"null")
    except orjson.JSONDecodeError as error:
        raise InvalidJson(f"The body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidJson("The body must be a JSON object.")
    return data


def load(schema: Schema, data: Any = None, *, partial: bool = False) -> dict[str, Any]:
    """Validate input with a marshmallow schema; violations become a 400."""
    try:
        return schema.load(body() if data is None else data, partial=partial)
    except ValidationError as error:
        raise Invalid(_violations(error.messages)) from None


def _violations(messages: Any, prefix: str = "") -> list[str]:
    if isinstance(messages, dict):
        found: list[str] = []
        for key, value in messages.items():
            found += _violations(value, f"{prefix}.{key}" if prefix else str(key))
        return found
    if isinstance(messages, list):
        found = []
        for item in messages:
            found += (
                [f"'{prefix}': {item}" if prefix else item]
                if isinstance(item, str)
                else _violations(item, prefix)
            )
        return found
    return [f"'{prefix}': {messages}"]


def json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response. A GET answers only clients that accept JSON, and carries an ETag
    (the view-derived one in ``headers``, else a hash of the body) honoured by
    If-None-Match."""
    body = orjson.dumps(data)
    if request.method in ("GET", "HEAD") and status == 200:
        media_type(("application/json",))
        return _conditional(body, JSON, headers or {})
    return Response(body, status=status, headers=headers, content_type=JSON)


def _conditional(body: bytes | str, content_type: str, headers: dict[str, str]) -> Response:
    tag = headers.pop("ETag", None) or _body_tag(body)
    if (cached := not_modified(tag)) is not None:
        return cached
    response = Response(body, headers=headers, content_type=content_type)
    response.set_etag(tag)
    return response


def _body_tag(body: bytes | str) -> str:
    data = body.encode() if isinstance(body, str) else body
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def representation_tag(data: Any) -> str:
    """The entity tag a GET of one resource answers for its JSON ``data`` (unquoted)."""
    return _body_tag(orjson.dumps(data))


Record = TypeVar("Record")


def precondition(read: Callable[[], Record], represent: Callable[[Record], Any]) -> Record | None:
    """``If-Match`` on a PUT or DELETE (RFC 9110 §13.1.1): the current record (``read()``;
    its errors, such as 404, stand) when the tag of its representation (``represent``, as
    its GET renders it) is listed by strong comparison or the header is ``*``; else
    :class:`PreconditionFailed`. None without the header. The caller hands the record to
    the store as the state its write expects, so the check holds against the state the
    write replaces (the store compares again under its lock)."""
    if "If-Match" not in request.headers:
        return None
    current = read()
    tags = request.if_match
    if not (tags.star_tag or tags.contains(representation_tag(represent(current)))):
        raise PreconditionFailed(
            "If-Match does not match the current ETag of this resource; read it again."
        )
    return current


def created(endpoint: str, **values: Any) -> Response:
    """201, the absolute Location of the new resource, no body."""
    response = Response(status=201)
    response.headers["Location"] = url_for(endpoint, _external=True, **values)
    return response


def accepted(endpoint: str, **values: Any) -> Response:
    """202 and the absolute Location of the job that does the work."""
    response = Response(status=202)
    response.headers["Location"] = url_for(endpoint, _external=True, **values)
    return response


def no_content() -> Response:
    return Response(status=204)


def etag_for(key: str) -> str:
    """An entity tag for a view key and this request's representation (unquoted)."""
    material = f"{key}|{request.full_path}|{request.headers.get('Accept', '')}"
    return hashlib.blake2b(material.encode(), digest_size=12).hexdigest()


def not_modified(tag: str) -> Response | None:
    """304 when the client already has this representation."""
    if request.if_none_match.contains(tag) or request.if_none_match.star_tag:
        response = Response(status=304)
        response.set_etag(tag)
        return response
    return None


def media_type(allowed: tuple[str, ...] = _LIST_TYPES) -> str:
    """The best of ``allowed`` for the request's Accept header (media type parameters such
    as ``charset`` are ignored); JSON when the client does not say; else 406."""
    header = request.headers.get("Accept", "").strip()
    if not header:
        return allowed[0]
    best, best_quality = None, 0.0
    for value, quality in request.accept_mimetypes:
        kind = value.split(";")[0].strip().lower()
        for candidate in allowed:
            if quality > best_quality and _matches(kind, candidate):
                best, best_quality = candidate, quality
    if best is None:
        raise NotAcceptable(f"This resource is available as {', '.join(allowed)}.")
    return best


def _matches(pattern: str, candidate: str) -> bool:
    if pattern in ("*/*", candidate):
        return True
    major, _, minor = pattern.partition("/")
    return minor == "*" and candidate.startswith(major + "/")


def envelope(
    items: list[dict[str, Any]],
    total: int,
    limit: int,
    *,
    offset: int | None = None,
    search_after: str | None = None,
    etag: str | None = None,
    columns: tuple[str, ...] = (),
) -> Response:
    """The list envelope in the negotiated media type: JSON, CSV (``columns`` first, then
    any others; a header row even when empty), or plain identifiers one per line."""
    kind = media_type()
    headers = {"ETag": etag} if etag else {}
    headers["X-Total-Count"] = str(total)
    if kind == "text/csv":
        return _conditional(_csv(items, columns), "text/csv;charset=UTF-8", headers)
    if kind == "text/plain":
        lines = "".join(f"{_identifier(item)}\n" for item in items)
        return _conditional(lines, "text/plain;charset=UTF-8", headers)
    data: dict[str, Any] = {"items": items}
    if offset is not None:
        data["offset"] = offset
    data["limit"] = limit
    data["total"] = total
    if search_after:
        data["searchAfter"] = search_after
    return json(data, headers=headers)


def _identifier(item: dict[str, Any]) -> str:
    for key in ("id", "path", "timestamp"):
        if key in item:
            return str(item[key])
    return ""


def _csv(items: list[dict[str, Any]], declared: tuple[str, ...] = ()) -> str:
    columns: list[str] = list(declared)
    for item in items:
        columns += [key for key in item if key not in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for item in items:
        writer.writerow([_cell(item.get(c)) for c in columns])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)
