"""Marshmallow schemas: what the native API takes and returns (the OpenAPI document too).

Input schemas load camelCase JSON into the store's snake_case names; booleans are strict
(``true``/``false`` only). Response shapes are declared in ``api.render``; here only the
error body, which uses the conflict shape declared there.
"""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, validate

from api.render import CODESYSTEM_METADATA, CONFLICT
from revisions.branches import check_name
from revisions.errors import InvalidBranchName
from revisions.schema import TITLE_LENGTH
from revisions.values import text_problem


def _identifier(value: str) -> None:
    """The store's identifier rule (``revisions.values``): no control characters."""
    if problem := text_problem(value, identifier=True):
        raise ValidationError(f"An id {problem}.")


ID = (validate.Length(min=1, max=100), _identifier)
# URL segments the route table keeps (``/branches/{path}/children``; a component's are
# ``revisions.components.RESERVED_IDS``, refused by the store on every write), so no branch
# may be named so.
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
    """A body that refuses unknown fields. A body schema's ``Meta`` also carries, for the
    OpenAPI document (``api.openapi``), its words (``about``; apispec would drop
    ``additionalProperties`` for a ``Meta.description``) and an ``example`` that the server
    accepts; each field its ``description`` metadata."""

    class Meta:
        unknown = RAISE


def _about(words: str, **more: object) -> dict[str, object]:
    """A field's metadata: its description, and e.g. its example."""
    return {"description": words, **more}


COMMENT = _about("The commit's comment (generated when absent).")
EXTERNAL_ID = _about("An id in another system (OCL's external_id), kept as given.")
EXTRAS = _about("Free-form JSON properties (OCL's extras), kept as given.")
ACTIVE = _about("false retires it (Snow Owl's inactivation); the default is true.")


# --- components ------------------------------------------------------------------------


_CONCEPT_ID = _about("The concept's id (a create without one gets a random hex id).")


class ConceptIn(Strict):
    class Meta(Strict.Meta):
        about = "A concept's fields; an update changes only those it gives."
        example: ClassVar[dict[str, Any]] = {
            "conceptClass": "Diagnosis",
            "parents": ["A15"],
            "commitComment": "Reclass",
        }

    id = fields.Str(validate=ID, metadata=_CONCEPT_ID)
    active = Bool(metadata=ACTIVE)
    module_id = fields.Str(
        data_key="moduleId",
        allow_none=True,
        validate=ID,
        metadata=_about("The id of the module (a concept) that holds it."),
    )
    concept_class = fields.Str(
        data_key="conceptClass",
        allow_none=True,
        metadata=_about("Its class, e.g. Diagnosis or Symptom (OCL's concept_class)."),
    )
    datatype = fields.Str(allow_none=True, metadata=_about("OCL's datatype, e.g. N/A or Numeric."))
    parents = fields.List(
        fields.Str(validate=ID),
        metadata=_about("The ids of its parent concepts (the is-a hierarchy); visible ones."),
    )
    external_id = fields.Str(data_key="externalId", allow_none=True, metadata=EXTERNAL_ID)
    retire_reason = fields.Str(
        data_key="retireReason",
        allow_none=True,
        metadata=_about("Why it was retired (inactivated), in words."),
    )
    extras = fields.Dict(keys=fields.Str(), allow_none=True, metadata=EXTRAS)
    commit_comment = fields.Str(data_key="commitComment", load_only=True, metadata=COMMENT)


class DescriptionIn(Strict):
    class Meta(Strict.Meta):
        about = "A description's fields; an update changes only those it gives."
        example: ClassVar[dict[str, Any]] = {
            "conceptId": "A15.0",
            "term": "Phthisis",
            "languageCode": "en",
            "type": "SYNONYM",
            "commitComment": "A synonym",
        }

    id = fields.Str(
        validate=ID, metadata=_about("The description's id (a create without one gets one).")
    )
    concept_id = fields.Str(
        data_key="conceptId", validate=ID, metadata=_about("The id of the concept it names.")
    )
    term = fields.Str(validate=validate.Length(min=1), metadata=_about("The term itself."))
    language_code = fields.Str(
        data_key="languageCode",
        validate=validate.Length(max=20),
        metadata=_about("A language tag such as en or en-GB."),
    )
    type = fields.Str(
        metadata=_about(
            "FSN, SYNONYM (the default), DEFINITION or another of the code system's "
            "descriptionTypes."
        )
    )
    preferred = Bool(metadata=_about("Whether it is the preferred term in its language."))
    active = Bool(metadata=ACTIVE)
    external_id = fields.Str(data_key="externalId", allow_none=True, metadata=EXTERNAL_ID)
    extras = fields.Dict(keys=fields.Str(), allow_none=True, metadata=EXTRAS)
    commit_comment = fields.Str(data_key="commitComment", load_only=True, metadata=COMMENT)


class MappingIn(Strict):
    class Meta(Strict.Meta):
        about = (
            "A mapping's fields: a target concept of this view (targetId) or a code of "
            "another system (targetCodeSystem, targetCode). An update changes only those it gives."
        )
        example: ClassVar[dict[str, Any]] = {
            "sourceId": "A15.0",
            "mapType": "SAME-AS",
            "targetCodeSystem": "SNOMED-CT",
            "targetCode": "154283005",
            "targetName": "Pulmonary tuberculosis",
        }

    id = fields.Str(
        validate=ID, metadata=_about("The mapping's id (a create without one gets one).")
    )
    source_id = fields.Str(
        data_key="sourceId", validate=ID, metadata=_about("The id of the concept it maps from.")
    )
    map_type = fields.Str(
        data_key="mapType", metadata=_about("The kind of mapping, e.g. SAME-AS or NARROWER-THAN.")
    )
    target_id = fields.Str(
        data_key="targetId",
        allow_none=True,
        validate=ID,
        metadata=_about("A target concept of the same view (or give targetCode)."),
    )
    target_code_system = fields.Str(
        data_key="targetCodeSystem",
        allow_none=True,
        metadata=_about("The system of targetCode, e.g. SNOMED-CT."),
    )
    target_code = fields.Str(
        data_key="targetCode",
        allow_none=True,
        metadata=_about("A code of targetCodeSystem (or give targetId)."),
    )
    target_name = fields.Str(
        data_key="targetName", allow_none=True, metadata=_about("The target's name, as given.")
    )
    active = Bool(metadata=ACTIVE)
    sort_weight = fields.Float(
        data_key="sortWeight",
        allow_none=True,
        allow_nan=False,
        metadata=_about("Orders a concept's mappings (OCL's sort_weight)."),
    )
    external_id = fields.Str(data_key="externalId", allow_none=True, metadata=EXTERNAL_ID)
    extras = fields.Dict(keys=fields.Str(), allow_none=True, metadata=EXTRAS)
    commit_comment = fields.Str(data_key="commitComment", load_only=True, metadata=COMMENT)


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

    class Meta(Strict.Meta):
        about = (
            "A new concept, with its descriptions and mappings inline: all made in one commit, "
            "each taking the new concept's id as its conceptId/sourceId."
        )
        example: ClassVar[dict[str, Any]] = {
            "id": "A15.9",
            "parents": ["A15"],
            "conceptClass": "Diagnosis",
            "descriptions": [
                {
                    "term": "Respiratory tuberculosis, unspecified",
                    "type": "FSN",
                    "languageCode": "en",
                },
                {"term": "Lung TB", "languageCode": "en", "preferred": True},
            ],
            "mappings": [
                {"mapType": "SAME-AS", "targetCodeSystem": "ICD-10", "targetCode": "A16.9"}
            ],
            "commitComment": "New concept with its names",
        }

    descriptions = fields.List(
        fields.Nested(InlineDescriptionIn),
        metadata=_about("Its descriptions, made with it (conceptId may be left out)."),
    )
    mappings = fields.List(
        fields.Nested(InlineMappingIn),
        metadata=_about("Its mappings, made with it (sourceId may be left out)."),
    )


CHANGE_ACTIONS = ("create", "update", "delete")
COMPONENT_TYPES = ("concept", "description", "mapping")


# On the demo code system (api.demo), as every example here.
_COMMIT_EXAMPLE = [
    {"action": "create", "type": "concept", "id": "A15.8", "fields": {"parents": ["A15"]}},
    {
        "action": "create",
        "type": "description",
        "id": "A15.8-fsn",
        "fields": {"conceptId": "A15.8", "term": "Laryngeal tuberculosis", "type": "FSN"},
    },
    {"action": "update", "type": "concept", "id": "A17", "fields": {"conceptClass": "Group"}},
]


class ChangeIn(Strict):
    """One change of a commit: its ``fields`` are those of the type's create (for
    ``create``) or update (``update``), in API names; ``delete`` takes none."""

    action = fields.Str(
        required=True,
        validate=validate.OneOf(CHANGE_ACTIONS),
        metadata=_about("create, update or delete."),
    )
    type = fields.Str(
        required=True,
        validate=validate.OneOf(COMPONENT_TYPES),
        metadata=_about("The component type: concept, description or mapping."),
    )
    id = fields.Str(
        validate=ID, metadata=_about("The component's id (a create without one gets one).")
    )
    fields_ = fields.Dict(
        data_key="fields",
        attribute="fields",
        keys=fields.Str(),
        metadata=_about(
            "What the type's POST (create) or PUT (update, any subset) takes, in API names; "
            "a delete takes none."
        ),
    )


class CommitIn(Strict):
    """``POST /{path}/commits``: many changes of any types, all made or none."""

    class Meta(Strict.Meta):
        about = "Changes of any component types, applied in order in one commit."
        example: ClassVar[dict[str, Any]] = {
            "commitComment": "A15.8, and A17 a group",
            "changes": _COMMIT_EXAMPLE,
        }

    commit_comment = fields.Str(data_key="commitComment", load_default="", metadata=COMMENT)
    changes = fields.List(
        fields.Nested(ChangeIn),
        required=True,
        validate=validate.Length(1, MAX_CHANGES),
        metadata=_about(f"1 to {MAX_CHANGES:,} changes, each seeing those before it."),
    )


_SEARCH_EXAMPLES = {
    "concept": {"term": "tuberculosis lung", "active": True, "limit": 10, "expand": "pt()"},
    "description": {"term": "cholera", "languageCode": "en", "limit": 10},
    "mapping": {"sourceId": "A15.0", "limit": 10},
}


def search_body(type_name: str, params: tuple[str, ...]) -> type[Schema]:
    """The JSON body of a ``POST …/search``: the GET search's parameters as an object (each
    described as the GET's parameter is, by ``api.openapi``)."""

    class Meta:
        about = "The search's parameters, as the GET takes them (null: not given)."
        example = _SEARCH_EXAMPLES[type_name]

    declared: dict[str, fields.Field | type] = {"Meta": Meta}
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
    return type(f"{type_name.capitalize()}Search", (Schema,), declared)


class ImportForm(Schema):
    class Meta:
        about = "The file, as multipart/form-data (a file picker on /docs)."
        example: ClassVar[dict[str, Any]] = {"commitComment": "Import of the OCL export"}

    file = fields.Raw(
        required=True,
        metadata=_about(
            "An OCL export zip, its export.json, or JSON lines of OCL Concepts and Mappings.",
            type="string",
            format="binary",
        ),
    )
    commitComment = fields.Str(
        metadata=_about(
            "The commit's comment (default: Import and the file's name).",
            example="Import of the OCL export",
        )
    )
    format = fields.Str(
        metadata=_about(
            "The file's import format (docs/imports.md): ocl (the default), icd10cm (a "
            "simple-icd-10-cm wheel), or another registered one.",
            example="ocl",
        )
    )
    version = fields.Str(
        metadata=_about(
            "The version to cut after the file's one release (as snowpath import --version; "
            "formats whose releases name versions, such as icd10cm, name them already).",
            example="2026",
        )
    )
    package = fields.Str(
        metadata=_about(
            "RF2: which release type of the package to import, snapshot, delta or full "
            "(needed when the package holds several).",
            example="snapshot",
        )
    )


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
    class Meta(Strict.Meta):
        about = "A new branch: its parent and name (its path is parent/name)."
        example: ClassVar[dict[str, Any]] = {
            "parent": "MAIN",
            "name": "task-1",
            "metadata": {"assignee": "ana"},
        }

    parent = fields.Str(required=True, metadata=_about("The parent branch's path."))
    name = fields.Str(
        required=True, validate=branch_name, metadata=_about("The new branch's own name.")
    )
    metadata = fields.Dict(
        keys=fields.Str(), load_default=dict, metadata=_about("Free-form JSON, kept as given.")
    )


class BranchUpdate(Strict):
    class Meta(Strict.Meta):
        about = "The branch's new metadata (it replaces the old)."
        example: ClassVar[dict[str, Any]] = {"metadata": {"assignee": "ben", "review": "pending"}}

    metadata = fields.Dict(
        keys=fields.Str(), required=True, metadata=_about("Free-form JSON, kept as given.")
    )


class ResolutionIn(Strict):
    component_type = fields.Str(
        data_key="componentType",
        required=True,
        validate=validate.OneOf(["concept", "description", "mapping"]),
        metadata=_about("The conflicting component's type."),
    )
    component_id = fields.Str(
        data_key="componentId",
        required=True,
        validate=ID,
        metadata=_about("The conflicting component's id."),
    )
    resolution = fields.Str(
        required=True,
        validate=validate.OneOf(["SOURCE", "TARGET", "CONTENT"]),
        metadata=_about("Keep the source's side, the target's, or the fields of content."),
    )
    content = fields.Dict(
        keys=fields.Str(),
        allow_none=True,
        metadata=_about(
            "For CONTENT: the fields (API names) that replace those the merge would make; "
            "the others are kept, as a PUT does."
        ),
    )


_RESOLUTIONS = _about("How to settle the conflicts of an earlier try, one per component.")


class MergeIn(Strict):
    class Meta(Strict.Meta):
        about = (
            "The branches: source the parent and target its child is a rebase, source the "
            "child and target its parent a promotion."
        )
        example: ClassVar[dict[str, Any]] = {
            "source": "MAIN",
            "target": "MAIN/task-1",
            "commitComment": "Rebase task-1",
        }

    source = fields.Str(required=True, metadata=_about("The branch whose changes are merged."))
    target = fields.Str(required=True, metadata=_about("The branch they are merged into."))
    commit_comment = fields.Str(data_key="commitComment", load_default="", metadata=COMMENT)
    resolutions = fields.List(fields.Nested(ResolutionIn), load_default=list, metadata=_RESOLUTIONS)


class CompareIn(Strict):
    class Meta(Strict.Meta):
        about = "The two sides, as path expressions."
        example: ClassVar[dict[str, Any]] = {"base": "DEMO/2024", "compare": "MAIN/DEMO"}

    base = fields.Str(required=True, metadata=_about("The side compared from."))
    compare = fields.Str(required=True, metadata=_about("The side compared with base."))


# --- code systems and jobs ---------------------------------------------------------------


_METADATA_WORDS = {
    "url": "The code system's canonical URL.",
    "description": "What it is, in words.",
    "language": "Its default language tag, e.g. en.",
    "status": "e.g. draft, active or retired.",
    "copyright": "Its copyright notice.",
    "owner": "Who maintains it.",
    "contact": "How to reach them.",
    "oid": "Its OID.",
}


def _metadata() -> dict[str, fields.Field]:
    types = fields.List(
        fields.Str(validate=validate.Length(1, 255)),
        validate=validate.Length(1),
        metadata=_about(
            "The description types its descriptions may take (default: FSN, SYNONYM, DEFINITION)."
        ),
    )
    kept = {
        name: fields.Str(metadata=_about(_METADATA_WORDS[name])) for name in CODESYSTEM_METADATA
    }
    return {**kept, "descriptionTypes": types}


def _body(name: str, declared: dict[str, fields.Field], words: str, example: object) -> type:
    """A strict body schema of ``declared`` fields, with its words and example."""
    meta = type("Meta", (Strict.Meta,), {"about": words, "example": example})
    return type(name, (Strict,), {**declared, "Meta": meta})


# The store's rule (revisions.codesystems), stated for clients: at most the column's width.
_TITLE = _about("Its name, for people.", maxLength=TITLE_LENGTH)
CodeSystemIn = _body(
    "CodeSystemIn",
    {
        "id": fields.Str(required=True, metadata=_about("Its id, which then starts its paths.")),
        "title": fields.Str(required=True, metadata=_TITLE),
        "branch_path": fields.Str(
            data_key="branchPath", metadata=_about("Its working branch (default: MAIN/{id}).")
        ),
        "extension_of": fields.Str(
            data_key="extensionOf",
            metadata=_about("For an extension: the base's version it starts from, CS/version."),
        ),
        **_metadata(),
    },
    "A new code system; its working branch is made with it.",
    {"id": "ICD10X", "title": "ICD-10 extension", "extensionOf": "DEMO/2024", "language": "en"},
)
CodeSystemUpdate = _body(
    "CodeSystemUpdate",
    {"title": fields.Str(metadata=_TITLE), **_metadata()},
    "The code system's fields to change; the others are kept.",
    {"title": "ICD-10 demo slice", "status": "active"},
)


class VersionIn(Strict):
    class Meta(Strict.Meta):
        about = "The new version's name and effective time."
        example: ClassVar[dict[str, Any]] = {
            "version": "2025",
            "effectiveTime": "20250101",
            "description": "Yearly",
        }

    version = fields.Str(required=True, metadata=_about("Its name, which then ends its paths."))
    effective_time = fields.Str(
        data_key="effectiveTime",
        required=True,
        metadata=_about("The date it takes effect, after the latest version's."),
    )
    description = fields.Str(load_default="", metadata=_about("What it is, in words."))


class UpgradeIn(Strict):
    class Meta(Strict.Meta):
        about = "The newer base version to move the extension onto."
        example: ClassVar[dict[str, Any]] = {
            "extensionOf": "DEMO/2025",
            "commitComment": "Upgrade to DEMO 2025",
        }

    extension_of = fields.Str(
        data_key="extensionOf",
        required=True,
        metadata=_about("The base's newer version, CS/version."),
    )
    commit_comment = fields.Str(data_key="commitComment", load_default="", metadata=COMMENT)
    resolutions = fields.List(fields.Nested(ResolutionIn), load_default=list, metadata=_RESOLUTIONS)


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
