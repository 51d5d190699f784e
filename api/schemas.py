"""Marshmallow schemas: what the native API takes and returns (the OpenAPI document too).

Input schemas load camelCase JSON into the store's snake_case names; booleans are strict
(``true``/``false`` only). Output is built by ``api.render`` in the shapes declared here.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

ID = validate.Length(min=1, max=100)


class StrictBoolean(fields.Boolean):
    """Only JSON ``true``/``false``: not 1, 0, "true" or "yes"."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


Bool = StrictBoolean


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


class _Common(Schema):
    id = fields.Str(required=True)
    active = fields.Bool()
    released = fields.Bool()
    effectiveTime = fields.Str(metadata={"description": "yyyyMMdd"})
    externalId = fields.Str()
    extras = fields.Dict()


class ListOf(Schema):
    offset = fields.Int()
    limit = fields.Int(required=True)
    total = fields.Int(required=True)
    searchAfter = fields.Str()


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


class DescriptionOut(_Common):
    conceptId = fields.Str()
    term = fields.Str()
    languageCode = fields.Str()
    type = fields.Str()
    preferred = fields.Bool()


class MappingOut(_Common):
    sourceId = fields.Str()
    mapType = fields.Str()
    targetId = fields.Str()
    targetCodeSystem = fields.Str()
    targetCode = fields.Str()
    targetName = fields.Str()
    sortWeight = fields.Float()


class ConceptOut(_Common):
    moduleId = fields.Str()
    conceptClass = fields.Str()
    datatype = fields.Str()
    parents = fields.List(fields.Str())
    retireReason = fields.Str()
    fsn = fields.Nested(DescriptionOut)
    pt = fields.Nested(DescriptionOut)
    descriptions = fields.Dict(metadata={"description": "list envelope of descriptions"})
    mappings = fields.Dict(metadata={"description": "list envelope of mappings"})
    parentConcepts = fields.Dict()
    children = fields.Dict()
    ancestors = fields.Dict()
    descendants = fields.Dict()


class ConceptList(ListOf):
    items = fields.List(fields.Nested(ConceptOut), required=True)


class DescriptionList(ListOf):
    items = fields.List(fields.Nested(DescriptionOut), required=True)


class MappingList(ListOf):
    items = fields.List(fields.Nested(MappingOut), required=True)


# --- branches, merges, compare, commits --------------------------------------------------


class BranchIn(Strict):
    parent = fields.Str(required=True)
    name = fields.Str(required=True)
    metadata = fields.Dict(keys=fields.Str(), load_default=dict)


class BranchUpdate(Strict):
    metadata = fields.Dict(keys=fields.Str(), required=True)


class BranchOut(Schema):
    name = fields.Str(required=True)
    path = fields.Str(required=True)
    parentPath = fields.Str()
    state = fields.Str(required=True)
    baseTimestamp = fields.Int()
    headTimestamp = fields.Int(required=True)
    createdAt = fields.Str(required=True)
    deleted = fields.Bool(required=True)
    metadata = fields.Dict()


class BranchList(ListOf):
    items = fields.List(fields.Nested(BranchOut), required=True)


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


class ConflictAttribute(Schema):
    property = fields.Str(required=True)
    oldValue = fields.Raw()
    sourceValue = fields.Raw()
    targetValue = fields.Raw()


class Conflict(Schema):
    componentId = fields.Str(required=True)
    componentType = fields.Str(required=True)
    type = fields.Str(required=True)
    conflictingAttributes = fields.List(fields.Nested(ConflictAttribute))
    message = fields.Str()


class MergeOut(Schema):
    id = fields.Str(required=True)
    source = fields.Str()
    target = fields.Str()
    status = fields.Str(required=True)
    scheduledDate = fields.Str()
    startDate = fields.Str()
    endDate = fields.Str()
    conflicts = fields.List(fields.Nested(Conflict))
    apiError = fields.Dict()


class CompareIn(Strict):
    base = fields.Str(required=True)
    compare = fields.Str(required=True)


class CompareOut(Schema):
    base = fields.Str()
    compare = fields.Str()
    newComponents = fields.Dict()
    changedComponents = fields.Dict()
    deletedComponents = fields.Dict()
    totalNew = fields.Int()
    totalChanged = fields.Int()
    totalDeleted = fields.Int()


class CommitOut(Schema):
    branch = fields.Str(required=True)
    timestamp = fields.Int(required=True)
    createdAt = fields.Str()
    kind = fields.Str(required=True)
    author = fields.Str()
    comment = fields.Str()
    changes = fields.Int()
    source = fields.Str()
    sourceTimestamp = fields.Int()


class CommitList(ListOf):
    items = fields.List(fields.Nested(CommitOut), required=True)


class RevisionOut(Schema):
    branch = fields.Str(required=True)
    timestamp = fields.Int(required=True)
    endTimestamp = fields.Int()
    deleted = fields.Bool()
    author = fields.Str()
    comment = fields.Str()
    component = fields.Dict()


class RevisionList(ListOf):
    items = fields.List(fields.Nested(RevisionOut), required=True)


# --- code systems and jobs ---------------------------------------------------------------


class CodeSystemIn(Strict):
    id = fields.Str(required=True)
    title = fields.Str(required=True)
    branch_path = fields.Str(data_key="branchPath")
    extension_of = fields.Str(data_key="extensionOf")
    url = fields.Str()
    description = fields.Str()
    language = fields.Str()
    status = fields.Str()
    copyright = fields.Str()
    owner = fields.Str()
    contact = fields.Str()
    oid = fields.Str()


class CodeSystemUpdate(Strict):
    title = fields.Str()
    url = fields.Str()
    description = fields.Str()
    language = fields.Str()
    status = fields.Str()
    copyright = fields.Str()
    owner = fields.Str()
    contact = fields.Str()
    oid = fields.Str()


class CodeSystemOut(Schema):
    id = fields.Str(required=True)
    title = fields.Str(required=True)
    branchPath = fields.Str(required=True)
    extensionOf = fields.Str()
    createdAt = fields.Str()
    updatedAt = fields.Str()
    url = fields.Str()
    description = fields.Str()
    language = fields.Str()
    status = fields.Str()
    copyright = fields.Str()
    owner = fields.Str()
    contact = fields.Str()
    oid = fields.Str()


class CodeSystemList(ListOf):
    items = fields.List(fields.Nested(CodeSystemOut), required=True)


class VersionIn(Strict):
    version = fields.Str(required=True)
    effective_time = fields.Str(data_key="effectiveTime", required=True)
    description = fields.Str(load_default="")


class VersionOut(Schema):
    id = fields.Str(required=True)
    version = fields.Str(required=True)
    effectiveTime = fields.Str(required=True)
    description = fields.Str()
    branchPath = fields.Str(required=True)
    codeSystem = fields.Str(required=True)
    createdAt = fields.Str()


class VersionList(ListOf):
    items = fields.List(fields.Nested(VersionOut), required=True)


class UpgradeIn(Strict):
    extension_of = fields.Str(data_key="extensionOf", required=True)
    commit_comment = fields.Str(data_key="commitComment", load_default="")
    resolutions = fields.List(fields.Nested(ResolutionIn), load_default=list)


class JobOut(Schema):
    id = fields.Str(required=True)
    kind = fields.Str(required=True)
    state = fields.Str(required=True)
    createdAt = fields.Str()
    startedAt = fields.Str()
    finishedAt = fields.Str()
    result = fields.Dict()
    error = fields.Str()


class Error(Schema):
    status = fields.Str(required=True)
    message = fields.Str(required=True)
    developerMessage = fields.Str()
    violations = fields.List(fields.Str())
    conflicts = fields.List(fields.Nested(Conflict))
