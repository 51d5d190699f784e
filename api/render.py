"""The native API's response shapes, one declaration per resource (see ``api.shapes``):
store values -> JSON (camelCase, blank fields omitted, ISO timestamps), CSV columns and the
OpenAPI ``*Out`` / ``*List`` schemas.

Component shapes are derived from the store's component types (``revisions.components``):
``id``, then every field under its camelCase name, then the release status; the concept shape
also documents what its expansions add. Their renderers read ``fields[name]`` for every field
of the type: the store's components and revisions always carry complete content.

Merge conflicts are rendered from the plain record a :class:`~revisions.merge.MergeConflict`
gives with :func:`dataclasses.asdict` (the form a job keeps in its result).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import fields

from api.shapes import Prop, Shape, camel
from revisions import Component, Revision
from revisions.components import TYPES, ComponentType
from revisions.components import Field as StoreField
from revisions.values import dumps


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: Any) -> Any:
    """A conflicting value as the API shows it: scalars as they are, the rest as JSON text."""
    return value if isinstance(value, str | bool | int | float) else dumps(value).decode()


# --- components -----------------------------------------------------------------------------

_OPENAPI_KINDS = {
    "str": fields.Str,
    "bool": fields.Bool,
    "number": fields.Float,
    "ids": lambda: fields.List(fields.Str()),
    "object": fields.Dict,
}


def _content_props(ctype: ComponentType) -> list[Prop]:
    """``id`` and the type's fields, read from the component's content."""

    def prop(field: StoreField) -> Prop:
        return Prop(camel(field.name), _OPENAPI_KINDS[field.kind](), f"item.fields[{field.name!r}]")

    return [Prop("id", fields.Str(required=True)), *map(prop, ctype.fields)]


_RELEASE = (
    Prop("released", fields.Bool()),
    Prop("effectiveTime", fields.Str(metadata={"description": "yyyyMMdd"})),
)

# Components as a revision's history shows them: content only.
CONTENTS = {name: Shape(f"{name}Content", _content_props(t)) for name, t in TYPES.items()}
DESCRIPTION = Shape("Description", [*_content_props(TYPES["description"]), *_RELEASE])
MAPPING = Shape("Mapping", [*_content_props(TYPES["mapping"]), *_RELEASE])


def _expansion(name: str, field: fields.Field) -> Prop:
    return Prop(name, field, source=None)


def _envelope(description: str) -> fields.Field:
    return fields.Dict(metadata={"description": description})


CONCEPT = Shape(
    "Concept",
    [
        *_content_props(TYPES["concept"]),
        *_RELEASE,
        _expansion("fsn", fields.Nested(DESCRIPTION.schema)),
        _expansion("pt", fields.Nested(DESCRIPTION.schema)),
        _expansion("descriptions", _envelope("list envelope of descriptions")),
        _expansion("mappings", _envelope("list envelope of mappings")),
        *(
            _expansion(name, fields.Dict())
            for name in ("parentConcepts", "children", "ancestors", "descendants")
        ),
    ],
)
COMPONENTS = {"concept": CONCEPT, "description": DESCRIPTION, "mapping": MAPPING}
_RENDER_COMPONENT = {name: shape.render for name, shape in COMPONENTS.items()}


def component(item: Component) -> dict[str, Any]:
    return _RENDER_COMPONENT[item.type](item)


def _content(item: Revision) -> dict[str, Any]:
    return CONTENTS[item.type].render(item)


# --- branches, commits, history -------------------------------------------------------------

BRANCH = Shape(
    "Branch",
    [
        Prop("name", fields.Str(required=True)),
        Prop("path", fields.Str(required=True)),
        Prop("parentPath", fields.Str()),
        Prop("state", fields.Str(required=True), "item.state.value"),
        Prop("baseTimestamp", fields.Int(), "item.base_ts"),
        Prop("headTimestamp", fields.Int(required=True), "item.head_ts"),
        Prop("createdAt", fields.Str(required=True), "item.created_ts", iso),
        Prop("deleted", fields.Bool(required=True)),
        Prop("metadata", fields.Dict()),
    ],
)

COMMIT = Shape(
    "Commit",
    [
        Prop("branch", fields.Str(required=True)),
        Prop("timestamp", fields.Int(required=True)),
        Prop("createdAt", fields.Str(), "item.timestamp", iso),
        Prop("kind", fields.Str(required=True), "item.kind.value"),
        Prop("author", fields.Str()),
        Prop("comment", fields.Str()),
        Prop("changes", fields.Int()),
        Prop("source", fields.Str()),
        Prop("sourceTimestamp", fields.Int()),
    ],
)

REVISION = Shape(
    "Revision",
    [
        Prop("branch", fields.Str(required=True)),
        Prop("timestamp", fields.Int(required=True)),
        Prop("endTimestamp", fields.Int()),
        Prop("deleted", fields.Bool()),
        Prop("author", fields.Str()),
        Prop("comment", fields.Str()),
        Prop("component", fields.Dict(), "None if item.fields is None else item", _content),
    ],
)


def _total(by_type: dict[str, list[str]]) -> int:
    return sum(map(len, by_type.values()))


# What differs between two paths: the loaded request (``base``, ``compare``) and the store's
# answer (``result``, a ``revisions.Comparison``).
COMPARISON = Shape(
    "Compare",
    [
        Prop("base", fields.Str(), "item['base']"),
        Prop("compare", fields.Str(), "item['compare']"),
        Prop("newComponents", fields.Dict(), "item['result'].new"),
        Prop("changedComponents", fields.Dict(), "item['result'].changed"),
        Prop("deletedComponents", fields.Dict(), "item['result'].deleted"),
        Prop("totalNew", fields.Int(), "item['result'].new", _total),
        Prop("totalChanged", fields.Int(), "item['result'].changed", _total),
        Prop("totalDeleted", fields.Int(), "item['result'].deleted", _total),
    ],
)

# --- code systems and versions --------------------------------------------------------------

# Metadata kept as given; descriptionTypes (a list) besides: revisions.registry.description_types
CODESYSTEM_METADATA = (
    "url",
    "description",
    "language",
    "status",
    "copyright",
    "owner",
    "contact",
    "oid",
)

CODESYSTEM = Shape(
    "CodeSystem",
    [
        Prop("id", fields.Str(required=True)),
        Prop("title", fields.Str(required=True)),
        Prop("branchPath", fields.Str(required=True)),
        Prop("extensionOf", fields.Str()),
        Prop("createdAt", fields.Str(), "item.created_ts", iso),
        Prop("updatedAt", fields.Str(), "item.updated_ts", iso),
        *(Prop(name, fields.Str(), f"item.metadata.get({name!r})") for name in CODESYSTEM_METADATA),
        Prop(
            "descriptionTypes",
            fields.List(
                fields.Str(),
                metadata={"description": "the description types the code system takes"},
            ),
            "item.metadata.get('descriptionTypes')",
        ),
    ],
)

VERSION = Shape(
    "Version",
    [
        Prop("id", fields.Str(required=True), "f'{item.codesystem_id}/{item.version}'"),
        Prop("version", fields.Str(required=True)),
        Prop("effectiveTime", fields.Str(required=True)),
        Prop("description", fields.Str(), "item.description or None"),
        Prop("branchPath", fields.Str(required=True)),
        Prop("codeSystem", fields.Str(required=True), "item.codesystem_id"),
        Prop("createdAt", fields.Str(), "item.created_ts", iso),
    ],
)

# --- merge conflicts, merges and jobs -------------------------------------------------------

CONFLICT_ATTRIBUTE = Shape(
    "ConflictAttribute",
    schema_name="ConflictAttribute",
    props=[
        Prop("property", fields.Str(required=True), "item['property']", camel),
        Prop("oldValue", fields.Raw(), "item['old_value']", _text),
        Prop("sourceValue", fields.Raw(), "item['source_value']", _text),
        Prop("targetValue", fields.Raw(), "item['target_value']", _text),
    ],
)


def _attributes(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [CONFLICT_ATTRIBUTE.render(record) for record in records]


CONFLICT = Shape(
    "Conflict",
    schema_name="Conflict",
    props=[
        Prop("componentId", fields.Str(required=True), "item['component_id']"),
        Prop("componentType", fields.Str(required=True), "item['component_type']"),
        Prop("type", fields.Str(required=True), "item['type']"),
        Prop(
            "conflictingAttributes",
            fields.List(fields.Nested(CONFLICT_ATTRIBUTE.schema)),
            "item['conflicting_attributes']",
            _attributes,
        ),
        Prop("message", fields.Str(), "item['message']"),
    ],
)


def conflicts(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Conflict records (``dataclasses.asdict`` of each MergeConflict) in the API's shape."""
    # Jobs that ended before their conflicts were kept as records hold them rendered already.
    return [record if "componentId" in record else CONFLICT.render(record) for record in records]


def _job_result(result: dict[str, Any]) -> dict[str, Any]:
    if result.get("conflicts"):
        return {**result, "conflicts": conflicts(result["conflicts"])}
    return result


JOB = Shape(
    "Job",
    [
        Prop("id", fields.Str(required=True)),
        Prop("kind", fields.Str(required=True)),
        Prop("state", fields.Str(required=True), "item.state.value"),
        Prop("createdAt", fields.Str(), "item.created_ts", iso),
        Prop("startedAt", fields.Str(), "item.started_ts", iso),
        Prop("finishedAt", fields.Str(), "item.finished_ts", iso),
        Prop("progress", fields.Dict()),
        Prop("result", fields.Dict(), "item.result", _job_result),
        Prop("error", fields.Str()),
    ],
)

# A merge job in the shape of Snow Owl's merge resource.
MERGE = Shape(
    "Merge",
    [
        Prop("id", fields.Str(required=True)),
        Prop("source", fields.Str(), "item.params.get('source')"),
        Prop("target", fields.Str(), "item.params.get('target')"),
        Prop("status", fields.Str(required=True), "item.state.value"),
        Prop("scheduledDate", fields.Str(), "item.created_ts", iso),
        Prop("startDate", fields.Str(), "item.started_ts", iso),
        Prop("endDate", fields.Str(), "item.finished_ts", iso),
        Prop(
            "conflicts",
            fields.List(fields.Nested(CONFLICT.schema)),
            "item.result and item.result.get('conflicts') or None",
            conflicts,
        ),
        Prop(
            "apiError",
            fields.Dict(),
            "item if item.error and item.state.value == 'FAILED' else None",
            # The request's fault (a store error) is 400; the server's (a dead worker, a lost
            # queue entry, a bug: Job.server_failed) is 500.
            lambda job: {"status": "500" if job.server_failed else "400", "message": job.error},
        ),
    ],
)
