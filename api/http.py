"""Request and response plumbing shared by every view: JSON bodies, media types, list
envelopes, ETags, and the 201/202 + Location answers."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

import orjson
from flask import Response, request, url_for
from marshmallow import Schema

from api.errors import Invalid, InvalidJson, NotAcceptable

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
    from marshmallow import ValidationError

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
    return Response(orjson.dumps(data), status=status, headers=headers, content_type=JSON)


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
    """A strong ETag for a view key and this request's representation."""
    material = f"{key}|{request.full_path}|{request.headers.get('Accept', '')}"
    return '"' + hashlib.blake2b(material.encode(), digest_size=12).hexdigest() + '"'


def not_modified(etag: str) -> Response | None:
    """304 when the client already has this representation."""
    if etag in request.if_none_match:
        response = Response(status=304)
        response.headers["ETag"] = etag
        return response
    return None


def media_type(allowed: tuple[str, ...] = _LIST_TYPES) -> str:
    """The best media type the client accepts among ``allowed``; JSON when it does not say."""
    if not request.accept_mimetypes or request.accept_mimetypes.best in (None, "*/*"):
        return allowed[0]
    best = request.accept_mimetypes.best_match(allowed)
    if best is None:
        raise NotAcceptable(f"This resource is available as {', '.join(allowed)}.")
    return best


def envelope(
    items: list[dict[str, Any]],
    total: int,
    limit: int,
    *,
    offset: int | None = None,
    search_after: str | None = None,
    etag: str | None = None,
) -> Response:
    """The list envelope in the negotiated media type (JSON, CSV, or plain ids)."""
    kind = media_type()
    headers = {"ETag": etag} if etag else {}
    headers["X-Total-Count"] = str(total)
    if kind == "text/csv":
        return Response(_csv(items), headers=headers, content_type="text/csv;charset=UTF-8")
    if kind == "text/plain":
        lines = "".join(f"{item.get('id', '')}\n" for item in items)
        return Response(lines, headers=headers, content_type="text/plain;charset=UTF-8")
    data: dict[str, Any] = {"items": items}
    if offset is not None:
        data["offset"] = offset
    data["limit"] = limit
    data["total"] = total
    if search_after:
        data["searchAfter"] = search_after
    return json(data, headers=headers)


def _csv(items: list[dict[str, Any]]) -> str:
    columns: list[str] = []
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
