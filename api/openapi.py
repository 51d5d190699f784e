"""The OpenAPI 3 document, generated from a route table (:class:`Route` rows, the table is
``api.routes``) and the marshmallow schemas, and the interactive page (``docs.html``:
self-contained, no external scripts) that reads it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from api.schemas import Error

_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
_ERRORS = {
    "400": "Bad request: malformed path expression, parameters or body",
    "404": "Unknown branch, code system, version or component",
    "409": "Conflict (exists, still referenced, merge conflicts)",
}
# docs/api.md, "Limits and refused input"
_BODY_ERRORS = {
    "413": "Body larger than SNOWPATH_MAX_JSON_BYTES (default 4 MiB) or, for uploads, "
    "SNOWPATH_MAX_UPLOAD_BYTES (default 1 GiB)",
    "415": "Body not application/json (uploads: not multipart/form-data)",
}
_PATH_HELP = (
    "A path expression: MAIN/a/b, CODESYSTEM/task, a...b, path@timestamp or path^ "
    "(slashes are part of the value)."
)


@dataclass(frozen=True)
class Route:
    """One URL and method of the API, and what the OpenAPI document says about it."""

    rule: str
    endpoint: str
    view: Callable[..., Any]
    method: str
    summary: str
    body: type | None = None
    form: bool = False  # the body is multipart/form-data (uploads)
    response: type | None = None
    status: int = 200
    query: tuple[str, ...] = ()
    lists: bool = False  # answers text/csv and text/plain too
    tags: tuple[str, ...] = field(default_factory=tuple)


def _openapi_path(rule: str) -> str:
    return _PARAM.sub(r"{\1}", rule)


def _operation(route: Route) -> dict[str, Any]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "minLength": 1},
            **({"description": _PATH_HELP} if name == "path" else {}),
        }
        for name in _PARAM.findall(route.rule)
    ]
    params += [
        {"name": name, "in": "query", "required": False, "schema": _query_schema(name)}
        for name in route.query
    ]
    operation: dict[str, Any] = {
        "summary": route.summary,
        "operationId": route.endpoint,
        "tags": list(route.tags),
        "parameters": params,
        "responses": _responses(route),
    }
    if route.body is not None:
        media = "multipart/form-data" if route.form else "application/json"
        operation["requestBody"] = {"required": True, "content": {media: {"schema": route.body}}}
    if route.method == "GET" and route.response is not None:
        operation["responses"]["304"] = {"description": "Not modified (If-None-Match)"}
    return operation


def _query_schema(name: str) -> dict[str, Any]:
    if name == "id":
        return {"type": "array", "items": {"type": "string"}}
    if name in ("limit", "offset"):
        return {"type": "integer", "minimum": 0, "maximum": 10000}
    if name in ("active",):
        return {"type": "boolean"}
    return {"type": "string"}


def _responses(route: Route) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "OK"}
    if route.status == 201:
        ok = {"description": "Created; Location names the new resource"}
    elif route.status == 202:
        ok = {"description": "Accepted; Location names the job"}
    elif route.status == 204:
        ok = {"description": "Done"}
    elif route.response is not None:
        content = {"application/json": {"schema": route.response}}
        if route.lists:
            content["text/csv"] = {"schema": {"type": "string"}}
            content["text/plain"] = {"schema": {"type": "string"}}
        ok["content"] = content
    responses: dict[str, Any] = {str(route.status): ok}
    errors = {**_ERRORS, **(_BODY_ERRORS if route.body is not None else {})}
    for status, description in errors.items():
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": Error}},
        }
    return responses


@cache
def document(routes: tuple[Route, ...]) -> dict[str, Any]:
    """The document of ``routes`` (the app's route table, ``api.routes.ROUTES``)."""
    spec = APISpec(
        title="Snowpath native API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Snow Owl-style REST API over Snowpath's revision store."},
    )
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(_openapi_path(route.rule), {})[route.method.lower()] = _operation(route)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def docs_page() -> str:
    return resources.files("api").joinpath("docs.html").read_text(encoding="utf-8")
