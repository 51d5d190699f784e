"""The OpenAPI 3 document, generated from a route table (:class:`Route` rows, the table is
``api.routes``) and the marshmallow schemas, with the rules the server enforces beyond them
(``api.contract``: patterns, lengths, required fields, If-Match and its 412), and the
interactive page that reads it (``docs.html``: the Swagger UI that the flask-swagger-ui
wheel ships, served from this app, so the page makes no request elsewhere).

Every operation is described (the route's ``description``), every parameter (the route's
``parameters``, else :data:`_PARAMETERS`, else its rule's description in ``api.contract``),
every request body with its schema's ``Meta.about`` and ``Meta.example`` and every body
field with its ``description`` metadata (``api.schemas``); ``tests/api/test_openapi_words.py``
fails on any that is missing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from api import contract
from api.schemas import Error

_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
_ERRORS = {
    "400": "Bad request: malformed path expression, parameters or body",
    "401": "The token is unknown or revoked, or the Authorization header is malformed "
    "(on every route); or no token on a route that needs one",
    "404": "Unknown branch, code system, version or component, or one the caller may not "
    "see (private)",
    "409": "Conflict (exists, still referenced, merge conflicts)",
}
# docs/api.md, "Limits and refused input"
_BODY_ERRORS = {
    "413": "Body larger than SNOWPATH_MAX_JSON_BYTES (default 4 MiB) or, for uploads, "
    "SNOWPATH_MAX_UPLOAD_BYTES (default 1 GiB)",
    "415": "Body not application/json (uploads: not multipart/form-data)",
}


# The rules every request meets, in words where JSON Schema 3.0 cannot state them for every
# string at once (docs/api.md, "Limits and refused input"; revisions/values.py).
_INFO = (
    "Snow Owl-style REST API over Snowpath's revision store, and beside it the OCL API "
    "(tag ocl: sources, collections, versions, concepts, mappings and references under "
    "/orgs/{owner}/, /users/{owner}/ and /user/, in OCL's fields; docs/ocl.md).\n\n"
    "Every request: no string may hold NUL (U+0000); ids, the ids a component points at "
    "(parents, moduleId, conceptId, sourceId, targetId, the id query parameters) and object "
    "keys hold no control character (U+0001-U+001F, U+007F); JSON bodies nest at most 32 "
    "levels and hold at most SNOWPATH_MAX_JSON_BYTES (default 4 MiB; uploads "
    "SNOWPATH_MAX_UPLOAD_BYTES, default 1 GiB); JSON endpoints take application/json, "
    "uploads multipart/form-data. A read at a past time waits for a commit still in flight "
    "at or before it, then answers 503 with Retry-After."
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
    body_required: bool = True  # False: the body may be left out (OCL's optional bodies)
    form: bool = False  # the body is multipart/form-data (uploads)
    # the success body's schema: a marshmallow schema, or JSON Schema (the OCL API's shapes)
    response: type | dict[str, Any] | None = field(default=None, compare=False)
    status: int = 200
    query: tuple[str, ...] = ()
    lists: bool = False  # answers text/csv and text/plain too
    tags: tuple[str, ...] = field(default_factory=tuple)
    kind: str = ""  # the component type of a component route (its sort and expand rules)
    expansions: tuple[str, ...] = ()  # what its expand takes
    description: str = ""  # what it does, and the rules JSON Schema cannot state, in words
    # descriptions of this route's own parameters (search filters): ((name, words), …)
    parameters: tuple[tuple[str, str], ...] = ()
    # OpenAPI links of the success response: (name, operationId, ((parameter, expression), …))
    links: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = ()
    # Needs a token (401 without): None means every method but GET, except searches by body.
    token: bool | None = None
    # this route's own parameter schemas, before the shared ones: ((name, JSON Schema), …)
    schemas: tuple[tuple[str, dict[str, Any]], ...] = field(default=(), compare=False)
    headers: tuple[str, ...] = ()  # request headers it reads (words in parameters)
    media: tuple[str, ...] = ()  # media types the success may answer besides JSON
    answers: tuple[tuple[int, str], ...] = ()  # other statuses it answers: ((status, words), …)
    # ETags: a GET answers 304 to If-None-Match, a PUT or DELETE answering 204 takes If-Match
    # (412). False: it does neither (the OCL API).
    etags: bool = True

    @property
    def conditional(self) -> bool:
        return self.etags and self.method in ("PUT", "DELETE") and self.status == 204

    @property
    def needs_token(self) -> bool:
        if self.token is not None:
            return self.token
        reads = self.endpoint.endswith("_search_post") or self.endpoint == "compare"
        return self.method != "GET" and not reads


def _openapi_path(rule: str) -> str:
    return _PARAM.sub(r"{\1}", rule)


# Parameters many routes share, in words (a route's own ``parameters`` come first; a path
# expression's rule is described in api.contract, beside its pattern).
_PARAMETERS = {
    "component_id": "The component's id (any id but 'search', which names the search by body).",
    "codesystem_id": "The code system's id, e.g. DEMO.",
    "version": "The version's name, e.g. v1 (GET …/versions lists a code system's versions).",
    "merge_id": "The merge's id: the last segment of the Location that POST /merges answered.",
    "job_id": "The job's id: the last segment of the Location that an import or upgrade answered.",
    "asset": "A file of the bundled Swagger UI, e.g. swagger-ui-bundle.js or swagger-ui.css.",
    "branch": "The branch whose commits are listed, newest first (a branch path, e.g. MAIN/DEMO).",
    "sort": (
        "The order: id (the default without term), score (the default with it), or a text, "
        "number or boolean field by its API name, each with :asc (the default) or :desc; blank "
        "values last, ties by id."
    ),
    "commitComment": "The comment of the commit that deletes it (generated when absent).",
    "username": "A user's username, e.g. jdoe (GET /users/ lists them).",
    "org_id": "An organisation's id, e.g. WHO (GET /orgs/ lists them).",
}


# Values "Try it out" starts with: the demo code system that the embedded default loads
# (api.demo), so that a first request on /docs reads something.
_PARAMETER_EXAMPLES = {"path": "DEMO", "codesystem_id": "DEMO", "branch": "MAIN/DEMO"}


def _parameter(route: Route, name: str, where: str, schema: dict[str, Any]) -> dict[str, Any]:
    words = dict(route.parameters).get(name) or _PARAMETERS.get(name) or schema.get("description")
    parameter = {
        "name": name,
        "in": where,
        "required": where == "path" or name == "branch",
        "description": words or "",
        "schema": schema,
    }
    if name in _PARAMETER_EXAMPLES:
        parameter["example"] = _PARAMETER_EXAMPLES[name]
    return parameter


def _operation(route: Route) -> dict[str, Any]:
    params = [
        _parameter(route, name, "path", _path_schema(route, name))
        for name in _PARAM.findall(route.rule)
    ]
    params += [_parameter(route, name, "query", _query_schema(name, route)) for name in route.query]
    params += [
        _parameter(route, name, "header", _query_schema(name, route)) for name in route.headers
    ]
    operation: dict[str, Any] = {
        "summary": route.summary,
        "operationId": route.endpoint,
        "tags": list(route.tags),
        "parameters": params,
        "responses": _responses(route),
    }
    if route.description:
        operation["description"] = route.description
    if route.needs_token:
        operation["security"] = [{"token": []}]
    if route.conditional:
        params.append(_IF_MATCH)
    if route.body is not None:
        media = "multipart/form-data" if route.form else "application/json"
        schema: Any = route.body
        if route.method == "POST" and route.kind and route.status == 201:
            schema = _create_body(route)
        operation["requestBody"] = _request_body(route, media, schema)
    if route.method == "GET" and route.response is not None and route.etags:
        operation["responses"]["304"] = {"description": "Not modified (If-None-Match)"}
    return operation


_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": (
        "The ETag of this resource's GET (without expand), several separated by commas, or "
        "*: the change is made only if the resource is still that one (412 otherwise)."
    ),
}


def _request_body(route: Route, media: str, schema: Any) -> dict[str, Any]:
    """A body: its schema (``schema``, the route's body or built on it), and the words
    (``about``) and example that the body's marshmallow schema carries in its ``Meta``."""
    meta = getattr(route.body, "Meta", None)
    content: dict[str, Any] = {"schema": schema}
    if hasattr(meta, "example"):
        content["example"] = meta.example
    return {
        "required": route.body_required,
        "description": getattr(meta, "about", ""),
        "content": {media: content},
    }


def _path_schema(route: Route, name: str) -> dict[str, Any]:
    segment: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
    own = dict(route.schemas).get(name)
    if own is not None:
        return {**segment, **own}
    if name == "component_id":  # any id may be read; …/search is another route
        return {**segment, "not": {"enum": ["search"]}}
    if name != "path":
        return segment
    if route.rule.startswith("/branches"):
        if route.endpoint == "branch_delete":
            return {
                **contract.BRANCHES_PATH,
                "not": {"anyOf": [contract.BRANCHES_PATH["not"], {"enum": ["MAIN"]}]},
            }
        return contract.BRANCHES_PATH
    return contract.READ_PATH if route.method == "GET" else contract.BRANCH_PATH


def _query_schema(name: str, route: Route) -> dict[str, Any]:
    own = dict(route.schemas).get(name)
    if own is not None:
        return own
    if name == "id":
        return {"type": "array", "items": {"type": "string", "minLength": 1}}
    if name == "limit":
        return contract.LIMIT
    if name == "offset":
        return contract.OFFSET
    if name == "searchAfter":
        return contract.SEARCH_AFTER
    if name == "branch":
        return contract.BRANCH_PATH
    if name == "effectiveTime":
        return contract.EFFECTIVE_TIME
    if name == "sort" and route.kind:
        return {"type": "string", "enum": contract.sort_values(route.kind)}
    if name == "expand":
        return contract.expand(route.expansions)
    if name in ("active",):
        return {"type": "boolean"}
    if name == "commitComment":
        return {"type": "string"}
    return {"type": "string", "minLength": 1}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "enum" in schema:  # enum values with null, and no type to contradict it
        return {"enum": [*schema["enum"], None], "nullable": True}
    return {**schema, "nullable": True}


def _create_body(route: Route) -> dict[str, Any]:
    """A component's create body: its schema, with the fields a new one must have."""
    schema: dict[str, Any] = {
        "allOf": [route.body],
        "required": contract.required_fields(route.kind),
    }
    if route.kind == "mapping":  # revisions.components: a target id or a target code
        schema["anyOf"] = [
            {"required": [name], "properties": {name: {"type": "string"}}}
            for name in ("targetId", "targetCode")
        ]
    return schema


def _responses(route: Route) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "OK"}
    if route.status == 201:
        ok = {"description": "Created; Location names the new resource"}
    elif route.status == 202:
        ok = {"description": "Accepted; Location names the job"}
    elif route.status == 204:
        ok = {"description": "Done"}
    elif route.status == 405:  # a route that only refuses (OCL's frozen versions)
        ok = {"description": route.summary, "content": {"application/json": {"schema": Error}}}
    elif route.response is not None or route.media:
        content = {} if route.response is None else {"application/json": {"schema": route.response}}
        if route.lists:
            content["text/csv"] = {"schema": {"type": "string"}}
            content["text/plain"] = {"schema": {"type": "string"}}
        for media in route.media:
            content[media] = {"schema": {"type": "string", "format": "binary"}}
        ok["content"] = content
    if route.links:
        ok["links"] = {
            name: {"operationId": target, "parameters": dict(parameters)}
            for name, target, parameters in route.links
        }
    responses: dict[str, Any] = {str(route.status): ok}
    for status, words in route.answers:
        responses[str(status)] = {"description": words}
    errors = {**_ERRORS, **(_BODY_ERRORS if route.body is not None else {})}
    if route.needs_token:
        errors["403"] = "The caller's token does not carry the right (docs/access.md)"
    if route.conditional:
        errors["412"] = "If-Match names another state of the resource; nothing was changed"
    if "<component:" in route.rule:
        errors["405"] = "Method not allowed: …/search is the search by body (POST only)"
    if route.method != "GET" or "<path" in route.rule:
        errors["503"] = (
            "Not yet: retry after Retry-After seconds. A read at a past time waits for a "
            "commit still in flight at or before it (SNOWPATH_READ_WAIT_MS), a write for "
            "the write in flight (SNOWPATH_WRITE_WAIT_MS); or the job queue is unreachable"
        )
    for status, description in errors.items():
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": Error}},
        }
    return responses


@cache
def document(
    routes: tuple[Route, ...], reserved_ids: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The document of ``routes`` (the app's route table, ``api.routes.ROUTES``)."""
    spec = APISpec(
        title="Snowpath API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": _INFO},
    )
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(_openapi_path(route.rule), {})[route.method.lower()] = _operation(route)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    spec.components.security_scheme(
        "token",
        {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "'Token <token>' or 'Bearer <token>' (docs/access.md)",
        },
    )
    built = spec.to_dict()
    _state_rules(built["components"]["schemas"], routes, reserved_ids)
    return built


def _state_rules(
    schemas: dict[str, Any], routes: tuple[Route, ...], reserved_ids: frozenset[str]
) -> None:
    """Add to the generated body schemas the rules the server enforces beyond them."""
    rules: dict[str, dict[str, Any]] = {
        "BranchIn": {"name": contract.BRANCH_NAME, "parent": contract.BRANCH_PATH},
        "MergeIn": {"source": contract.BRANCH_PATH, "target": contract.BRANCH_PATH},
        "CompareIn": {"base": contract.READ_PATH, "compare": contract.READ_PATH},
        "CodeSystemIn": {
            "id": contract.codesystem_id(reserved_ids),
            "title": contract.NON_BLANK,
            "branchPath": contract.WORKING_BRANCH,
            "extensionOf": contract.EXTENSION_OF,
        },
        "CodeSystemUpdate": {"title": contract.NON_BLANK},
        "VersionIn": {"version": contract.BRANCH_NAME, "effectiveTime": contract.EFFECTIVE_TIME},
        "UpgradeIn": {"extensionOf": contract.EXTENSION_OF},
    }
    for route in routes:
        if route.kind and route.endpoint.endswith("_create"):
            rules[f"{route.kind.capitalize()}In"] = contract.component_fields(route.kind)
        if route.kind and route.endpoint.endswith("_search"):  # the GET's rules, in a body
            # null is taken as absent; each described as the GET's parameter
            search = {}
            for name in route.query:
                schema = _query_schema(name, route)
                words = _parameter(route, name, "query", schema)["description"]
                search[name] = {**_nullable(schema), "description": words}
            rules[f"{route.kind.capitalize()}Search"] = search
    # A concept's inline descriptions and mappings: their type's rules, their concept implied.
    for name, kind, own in (
        ("InlineDescriptionIn", "description", "conceptId"),
        ("InlineMappingIn", "mapping", "sourceId"),
    ):
        if name in schemas:
            rules[name] = contract.component_fields(kind)
            required = [f for f in contract.required_fields(kind) if f != own]
            schemas[name]["required"] = required
            if kind == "mapping":  # a target id or a target code (revisions.components)
                schemas[name]["anyOf"] = [{"required": ["targetId"]}, {"required": ["targetCode"]}]
    for name, properties in rules.items():
        for prop, rule in properties.items():
            declared = schemas[name]["properties"]
            # an enum stands alone: the declared type would refuse its null
            declared[prop] = rule if "enum" in rule else {**declared[prop], **rule}


def docs_page() -> str:
    return resources.files("api").joinpath("docs.html").read_text(encoding="utf-8")
