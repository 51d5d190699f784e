"""Marshmallow schemas: what the native API takes and returns (the OpenAPI document too).

Input schemas load camelCase JSON into the store's snake_case names; booleans are strict
(``true``/``false`` only). Response shapes are declared in ``api.render``; here only the
error body, which uses the conflict shape declared there.
"""

from __future__ import annotations

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, validate

from api.render import CODESYSTEM_METADATA, CONFLICT
from revisions.branches import check_name
from revisions.errors import InvalidBranchName
from revisions.values import text_problem


def _identifier(value: str) -> None:
    """The store's identifier rule (``revisions.values``): no control characters."""
    if problem := text_problem(value, identifier=True):
        raise ValidationError(f"An id {problem}.")


ID = (validate.Length(min=1, max=100), _identifier)
# URL segments the route table keeps (api.routes: ``…/concepts/search`` and
# ``/branches/{path}/children``), so no component or branch may be named so.
RESERVED_COMPONENT_IDS = frozenset({"search"})
RESERVED_BRANCH_NAMES = frozenset({"children"})


class StrictBoolean(fields.Boolean):
    """Only JSON ``true``/``false``: not 1, 0, "true" or "yes"."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


Bool = StrictBoolean
MAX_CHANGES = 10_000  # changes in one commit request (as a page's limit)


class Strict(Schema):
    class Meta:
        unknown = RAISE


# --- components ------------------------------------------------------------------------


class ConceptIn(Strict):
    id = fields.Str(validate=ID)
    active = Bool()
    module_id = fields.Str(data_key="moduleId", allow_none=True, validate=ID)
    concept_class = fields.Str(data_key="conceptClass", allow_none=True)
    datatype = fields.Str(allow_none=True)
    parents = fields.List(fields.Str(validate=ID))
    external_id = fields.Str(data_key="externalId", allow_none=True)
    retire_reason = fields.Str(data_key="retireReason", allow_none=True)
    extras = fields.Dict(keys=fields.Str(), allow_none=True)
    commit_comment = fields.Str(data_key="commitComment", load_only=True)


class DescriptionIn(Strict):
    id = fields.Str(validate=ID)
    concept_id = fields.Str(data_key="conceptId", validate=ID)
    term = fields.Str(validate=validate.Length(min=1))
    language_code = fields.Str(data_key="languageCode", validate=validate.Length(max=20))
    type = fields.Str()
    preferred = Bool()
    active = Bool()
    external_id = fields.Str(data_key="externalId", allow_none=True)
    extras = fields.Dict(keys=fields.Str(), allow_none=True)
    commit_comment = fields.Str(data_key="commitComment", load_only=True)


class MappingIn(Strict):
    id = fields.Str(validate=ID)
    source_id = fields.Str(data_key="sourceId", validate=ID)
    map_type = fields.Str(data_key="mapType")
    target_id = fields.Str(data_key="targetId", allow_none=True, validate=ID)
    target_code_system = fields.Str(data_key="targetCodeSystem", allow_none=True)
    target_code = fields.Str(data_key="targetCode", allow_none=True)
    target_name = fields.Str(data_key="targetName", allow_none=True)
    active = Bool()
    sort_weight = fields.Float(data_key="sortWeight", allow_none=True, allow_nan=False)
    external_id = fields.Str(data_key="externalId", allow_none=True)
    extras = fields.Dict(keys=fields.Str(), allow_none=True)
    commit_comment = fields.Str(data_key="commitComment", load_only=True)


class InlineDescriptionIn(DescriptionIn):
    """A description in its new concept's body (its ``conceptId`` may be left out)."""

    class Meta(Strict.Meta):
        exclude = ("commit_comment",)


class InlineMappingIn(MappingIn):
    """A mapping in its new concept's body (its ``sourceId`` may be left out)."""

    class Meta(Strict.Meta):
        exclude = ("commit_comment",)


class ConceptCreateIn(ConceptIn):
    """A new concept with its descriptions and mappings inline, made in one commit (Snow
    Owl's create); each takes the new concept's id as its ``conceptId``/``sourceId``."""

    descriptions = fields.List(fields.Nested(InlineDescriptionIn))
    mappings = fields.List(fields.Nested(InlineMappingIn))


CHANGE_ACTIONS = ("create", "update", "delete")
COMPONENT_TYPES = ("concept", "description", "mapping")


_COMMIT_EXAMPLE = [
    {"action": "create", "type": "concept", "id": "A", "fields": {"parents": ["B"]}},
    {
        "action": "create",
        "type": "description",
        "id": "A-fsn",
        "fields": {"conceptId": "A", "term": "Heart structure", "type": "FSN"},
    },
    {"action": "update", "type": "concept", "id": "B", "fields": {"active": False}},
    {"action": "delete", "type": "mapping", "id": "m1"},
]


class ChangeIn(Strict):
    """One change of a commit: its ``fields`` are those of the type's create (for
    ``create``) or update (``update``), in API names; ``delete`` takes none."""

    action = fields.Str(required=True, validate=validate.OneOf(CHANGE_ACTIONS))
    type = fields.Str(required=True, validate=validate.OneOf(COMPONENT_TYPES))
    id = fields.Str(validate=ID)
    fields_ = fields.Dict(data_key="fields", attribute="fields", keys=fields.Str())


class CommitIn(Strict):
    """``POST /{path}/commits``: many changes of any types, all made or none."""

    commit_comment = fields.Str(data_key="commitComment", load_default="")
    changes = fields.List(
        fields.Nested(ChangeIn),
        required=True,
        validate=validate.Length(1, MAX_CHANGES),
        metadata={"example": _COMMIT_EXAMPLE},
    )


def search_body(type_name: str, params: tuple[str, ...]) -> type[Schema]:
    """The JSON body of a ``POST …/search``: the GET search's parameters as an object."""
    declared: dict[str, fields.Field] = {}
    for name in params:
        if name == "id":
            declared[name] = fields.List(fields.Str())
        elif name == "active":
            declared[name] = Bool()
        else:
            declared[name] = fields.Str()
    for name in ("limit", "offset"):
        declared[name] = fields.Int()
    for name in ("searchAfter", "expand", "sort"):
        declared[name] = fields.Str()
    return Schema.from_dict(declared, name=f"{type_name.capitalize()}Search")


class ImportForm(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    commitComment = fields.Str()


# --- branches, merges, compare, commits --------------------------------------------------


def branch_name(name: str) -> None:
    """The store's rule for branch names (revisions.branches.check_name), as a violation."""
    if name.lower() in RESERVED_BRANCH_NAMES:
        raise ValidationError(f"'{name}' is reserved (a URL segment) and cannot name a branch.")
    try:
        check_name(name)
    except InvalidBranchName as error:
        raise ValidationError(error.message) from None


class BranchIn(Strict):
    parent = fields.Str(required=True)
    name = fields.Str(required=True, validate=branch_name)
    metadata = fields.Dict(keys=fields.Str(), load_default=dict)


class BranchUpdate(Strict):
    metadata = fields.Dict(keys=fields.Str(), required=True)


class ResolutionIn(Strict):
    component_type = fields.Str(
        data_key="componentType",
        required=True,
        validate=validate.OneOf(["concept", "description", "mapping"]),
    )
    component_id = fields.Str(data_key="componentId", required=True, validate=ID)
    resolution = fields.Str(required=True, validate=validate.OneOf(["SOURCE", "TARGET", "CONTENT"]))
    content = fields.Dict(keys=fields.Str(), allow_none=True)


class MergeIn(Strict):
    source = fields.Str(required=True)
    target = fields.Str(required=True)
    commit_comment = fields.Str(data_key="commitComment", load_default="")
    resolutions = fields.List(fields.Nested(ResolutionIn), load_default=list)


class CompareIn(Strict):
    base = fields.Str(required=True)
    compare = fields.Str(required=True)


# --- code systems and jobs ---------------------------------------------------------------


def _metadata() -> dict[str, fields.Field]:
    types = fields.List(fields.Str(validate=validate.Length(1, 255)), validate=validate.Length(1))
    return {**{name: fields.Str() for name in CODESYSTEM_METADATA}, "descriptionTypes": types}


CodeSystemIn = Strict.from_dict(
    {
        "id": fields.Str(required=True),
        "title": fields.Str(required=True),
        "branch_path": fields.Str(data_key="branchPath"),
        "extension_of": fields.Str(data_key="extensionOf"),
        **_metadata(),
    },
    name="CodeSystemIn",
)
CodeSystemUpdate = Strict.from_dict({"title": fields.Str(), **_metadata()}, name="CodeSystemUpdate")


class VersionIn(Strict):
    version = fields.Str(required=True)
    effective_time = fields.Str(data_key="effectiveTime", required=True)
    description = fields.Str(load_default="")


class UpgradeIn(Strict):
    extension_of = fields.Str(data_key="extensionOf", required=True)
    commit_comment = fields.Str(data_key="commitComment", load_default="")
    resolutions = fields.List(fields.Nested(ResolutionIn), load_default=list)


class Error(Schema):
    """The one error shape; errors of accounts add OCL's keys (``detail``,
    ``non_field_errors``, or a field's name with its messages), hence unknown keys."""

    class Meta:
        unknown = INCLUDE

    status = fields.Str(required=True)
    message = fields.Str(required=True)
    developerMessage = fields.Str()
    violations = fields.List(fields.Str())
    conflicts = fields.List(fields.Nested(CONFLICT.schema))
    detail = fields.Str()
    non_field_errors = fields.List(fields.Str())
