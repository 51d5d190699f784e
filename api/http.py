"""Request and response plumbing shared by every view: JSON bodies, media types, list
envelopes, ETags, and the 201/202 + Location answers.

:func:`guard` runs before every view and refuses, before anything is read or written, what
docs/api.md lists under "Limits and refused input": a body over the route's size limit
(413, enforced while reading too), a body of another media type than the route takes (415),
and NUL in the URL, its query, the ``X-Author`` header or an upload's form fields (400).
:func:`body` refuses JSON nested deeper than ``revisions.values.MAX_DEPTH`` or holding what
the store cannot hold.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from flask import Flask, Response, request, url_for
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from api.errors import (
    Invalid,
    InvalidJson,
    NotAcceptable,
    PreconditionFailed,
    UnsupportedMediaType,
    too_large,
)
from api.services import Services, services
from revisions.values import dumps, json_problems, text_problem, too_deep

JSON = "application/json;charset=UTF-8"
_LIST_TYPES = ("application/json", "text/csv", "text/plain")


def guard() -> None:
    """Before every view (see the module docstring): limit, media type, NUL in the URL."""
    route = services().route(request.endpoint)
    upload = route is not None and route.form
    environ = request.environ
    length = environ.get("CONTENT_LENGTH")
    if (length and length != "0") or "HTTP_TRANSFER_ENCODING" in environ:  # a body
        limit = body_limit(services(), request.endpoint)
        request.max_content_length = limit  # werkzeug stops reading there (413), chunked too
        if (request.content_length or 0) > limit:
            raise too_large(limit)
    problem = text_problem(request.path)
    problems = [f"The URL path {problem}."] if problem else []
    if environ.get("QUERY_STRING"):
        problems += _text_problems(request.args)
    if author := environ.get("HTTP_X_AUTHOR"):
        problems += _text_problems({"X-Author": author})
    if route is not None and route.body is not None and request.method in ("POST", "PUT"):
        _media_type(upload)
        if upload:
            problems += _text_problems(request.form)
            files = request.files.items(multi=True)
            problems += _text_problems({f"{key}.filename": f.filename or "" for key, f in files})
    if problems:
        raise Invalid(problems)


def body_limit(services: Services, endpoint: str | None) -> int:
    """The most bytes a request body to ``endpoint`` may hold: uploads (form routes)
    ``SNOWPATH_MAX_UPLOAD_BYTES``, anything else ``SNOWPATH_MAX_JSON_BYTES``."""
    route = services.route(endpoint)
    upload = route is not None and route.form
    settings = services.settings
    return settings.max_upload_bytes if upload else settings.max_json_bytes


def body_limit_of(app: Flask, method: str, path: str) -> int:
    """:func:`body_limit` for a request not yet handed to ``app`` (the server reads bodies
    before Flask sees them: ``api.server``); an unknown route gets the JSON limit."""
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path, method=method)
    except HTTPException:
        endpoint = None
    return body_limit(app.extensions["snowpath"], endpoint)


def _text_problems(values: Any) -> list[str]:
    """NUL in the keys or values of a (multi-)dict, as violations naming the key."""
    items = values.items(multi=True) if hasattr(values, "getlist") else values.items()
    return [
        f"'{key}' {problem}."
        for key, value in items
        if (problem := text_problem(key) or text_problem(value))
    ]


def _media_type(upload: bool) -> None:
    """415 unless the body is JSON (``application/json``, ``*/*+json``), or for an upload
    ``multipart/form-data``. A bodiless request without a type passes: the view says what
    is missing. Refusing form and text types closes writes from other sites' pages, which a
    browser may send cross-site without asking."""
    kind = request.mimetype
    if upload:
        if kind != "multipart/form-data":
            raise UnsupportedMediaType(
                "Upload the file as multipart/form-data in the field 'file'"
                f"{f', not {kind}' if kind else ''}."
            )
        return
    if kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json")):
        return
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if kind or request.content_length or chunked:
        raise UnsupportedMediaType(
            f"Send the body as application/json{f', not {kind}' if kind else ''}."
        )


def _cut_at_the_limit(raw: bytes) -> bool:
    """Whether a body without Content-Length went on past the limit: werkzeug stops reading
    there without saying whether more was coming; one more byte from the server says it."""
    limit = request.max_content_length
    if request.content_length is not None or limit is None or len(raw) < limit:
        return False
    return bool(request.environ["wsgi.input"].read(1))


def body() -> dict[str, Any]:
    """The request's JSON object, or :class:`InvalidJson` / :class:`Invalid` (nested too
    deep, or holding text the store refuses: see ``revisions.values``)."""
    raw = request.get_data(cache=True)
    if _cut_at_the_limit(raw):
        raise too_large(request.max_content_length)
    try:
        data = orjson.loads(raw or b"null")
    except orjson.JSONDecodeError as error:
        if "depth" in str(error):  # orjson's own limit, far beyond ours
            raise Invalid([too_deep("$")]) from None
        raise InvalidJson(f"The body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidJson("The body must be a JSON object.")
    if problems := json_problems(data):
        raise Invalid(problems)
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
    body = dumps(data)
    if request.method in ("GET", "HEAD") and status == 200:
        return json_body(body, headers or {})
    return Response(body, status=status, headers=headers, content_type=JSON)


def json_body(body: bytes, headers: dict[str, str]) -> Response:
    """:func:`json` of a GET whose body is already rendered (``api.readcache``)."""
    media_type(("application/json",))
    return _conditional(body, JSON, headers)


def _conditional(body: bytes | str, content_type: str, headers: dict[str, str]) -> Response:
    tag = headers.pop("ETag", None) or _body_tag(body)
    if (cached := not_modified(tag, headers.get("Cache-Control"))) is not None:
        return cached
    response = Response(body, headers=headers, content_type=content_type)
    response.set_etag(tag)
    return response


def _body_tag(body: bytes | str) -> str:
    data = body.encode() if isinstance(body, str) else body
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def representation_tag(data: Any) -> str:
    """The entity tag a GET of one resource answers for its JSON ``data`` (unquoted)."""
    return _body_tag(dumps(data))  # the bytes json() sends


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
    return _empty(201, url_for(endpoint, _external=True, **values))


def accepted(endpoint: str, **values: Any) -> Response:
    """202 and the absolute Location of the job that does the work."""
    return _empty(202, url_for(endpoint, _external=True, **values))


def no_content() -> Response:
    return _empty(204)


def _empty(status: int, location: str | None = None) -> Response:
    """A reply without a body, and so without a ``Content-Type`` (werkzeug would say
    ``text/html`` of nothing)."""
    response = Response(status=status)
    del response.headers["Content-Type"]
    if location is not None:
        response.headers["Location"] = location
    return response


def etag_for(key: str) -> str:
    """An entity tag for a view key and this request's representation (unquoted): its URL,
    and the headers that choose it, ``Accept`` and ``Accept-Language`` (``pt()`` and
    ``fsn()`` pick by the latter)."""
    headers = request.headers
    material = (
        f"{key}|{request.full_path}|{headers.get('Accept', '')}|"
        f"{headers.get('Accept-Language', '')}"
    )
    return hashlib.blake2b(material.encode(), digest_size=12).hexdigest()


def not_modified(tag: str, cache_control: str | None = None) -> Response | None:
    """304 when the client already has this representation; with the ``Cache-Control``
    its 200 would carry (RFC 9111 §4.3.4)."""
    if "HTTP_IF_NONE_MATCH" not in request.environ:
        return None  # most requests: no header to parse
    asked = request.if_none_match
    if asked.contains(tag) or asked.star_tag:
        response = Response(status=304)
        response.set_etag(tag)
        if cache_control is not None:
            response.headers["Cache-Control"] = cache_control
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
        return dumps(value).decode()
    return str(value)
