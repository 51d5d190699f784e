"""The OCL API in the OpenAPI document: its request bodies, its answers and its parameters.

The bodies are marshmallow schemas that only document (``api.accounts_shapes.body_schema``:
lenient, with ``Meta.about`` and ``Meta.example``): the views read bodies with
:mod:`api.ocl.bodies` as OCL does, text or JSON booleans for flags, null or ``""`` for an
absent text. Each field states the rule its reader enforces (named beside it), from the store's
own rules where they are stated (``api.contract``), so that a request that follows the
document is accepted and one that breaks it refused (``tests/api/test_schemathesis.py``).
Answers are OCL's JSON objects and bare arrays, described loosely (JSON Schema, not
marshmallow): their fields are OCL's (``reference/ocl.md`` §2, docs/ocl.md).
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from accounts.collection_schema import EXPRESSION_LENGTH
from accounts.rights import PUBLIC_ACCESS
from api import contract
from api.accounts_shapes import body_schema
from api.ocl import bodies, collection_versions, versions
from api.ocl.paging import DEFAULT_LIMIT, MAX_LIMIT, MAX_PAGE
from api.ocl.repo_content import MAX_OFFSET
from revisions.schema import TITLE_LENGTH

_CONCEPT = contract.component_fields("concept")
# A concept's or mapping's id (revisions.components); "search" is a word of the native API's
# URLs only.
_ITEM_ID = {k: v for k, v in contract.COMPONENT_ID.items() if k != "not"}
_NAME = contract.component_fields("description")
_MAPPING = contract.component_fields("mapping")


def _about(words: str, **rule: Any) -> dict[str, Any]:
    return {"description": words, **rule}


def _text(words: str, **rule: Any) -> fields.Field:
    """Optional text: null or "" is taken as absent (``api.ocl.bodies.text``)."""
    return fields.Str(allow_none=True, metadata=_about(words, **rule))


def _required(words: str, **rule: Any) -> fields.Field:
    return fields.Str(required=True, metadata=_about(words, **{**contract.NON_BLANK, **rule}))


# api.ocl.bodies.flag: a JSON boolean or OCL's text forms.
_FLAG_VALUES = {
    "anyOf": [{"type": "boolean"}, {"type": "string", "enum": [*bodies.TRUE, *bodies.FALSE]}]
}


def _flag(words: str) -> fields.Field:
    return fields.Raw(metadata=_about(f"{words} true or false (also as text).", **_FLAG_VALUES))


def _extras(
    words: str = "Free-form JSON properties (OCL's extras), kept as given.",
) -> fields.Field:
    return fields.Dict(keys=fields.Str(), allow_none=True, metadata=_about(words))


_PUBLIC = fields.Str(
    allow_none=True,
    metadata=_about(
        "Who may see it: View (everyone; the default), Edit (everyone, and any user may edit "
        "its content) or None (the owner's members only; others get 404).",
        enum=[*PUBLIC_ACCESS, None],
    ),
)
_LOCALES = fields.Raw(
    allow_none=True,
    metadata=_about(
        "The locales of its content: a list, or comma-separated text; the default locale "
        "comes first.",
        anyOf=[{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        nullable=True,
    ),
)
# revisions.registry.check_id (a branch name) for the ids that become a code system or branch.
_ID_RULE = {k: v for k, v in contract.BRANCH_NAME.items() if k != "description"}


def _or_empty(rule: dict[str, Any]) -> dict[str, Any]:
    """``rule``, or "" (which ``api.ocl.bodies.text`` takes as absent)."""
    pattern = rule["pattern"]
    anchored = pattern.startswith("^") and pattern.endswith("$")
    either = f"^(?:{pattern[1:-1]})?$" if anchored else f"^$|{pattern}"
    return {**rule, "pattern": either}


def _repository_fields(kind: str) -> dict[str, fields.Field]:
    return {
        "full_name": _text(f"The {kind}'s full name."),
        "description": _text(f"What the {kind} holds."),
        "default_locale": _text("Its default locale, e.g. en (the default)."),
        "supported_locales": _LOCALES,
        "website": _text("Its website."),
        "canonical_url": _text("Its canonical URL (as FHIR names it)."),
        "external_id": _text("An id in another system."),
        "custom_validation_schema": _text("OCL's validation schema name, kept as given."),
        "public_access": _PUBLIC,
        "extras": _extras(),
    }


_SOURCE = {
    **_repository_fields("source"),
    "source_type": _text("OCL's source type, e.g. Dictionary, Interface Terminology."),
}
_SOURCE_ID_WORDS = (
    "The source's id under its owner (letters, digits, '.', '_', '~', '-'); a source id the "
    "owner already has is a 400 naming id."
)
SourceIn = body_schema(
    "OclSourceIn",
    {
        "id": fields.Str(required=True, metadata=_about(_SOURCE_ID_WORDS, **_ID_RULE)),
        "short_code": fields.Str(
            allow_none=True,
            metadata=_about(
                "The id of the code system behind the source (the native API's, e.g. "
                "/{short_code}/concepts); the default is id. Unique on the server and not "
                "one of the API's own first URL segments (400 naming short_code).",
                **_or_empty(_ID_RULE),
                nullable=True,
            ),
        ),
        "name": _required("The source's name, for people.", maxLength=TITLE_LENGTH),
        **_SOURCE,
    },
    "A new source: id and name (required), short_code and OCL's source fields.",
    {
        "id": "MyDx",
        "short_code": "MyDx",
        "name": "My diagnoses",
        "full_name": "Diagnoses of the demo clinic",
        "source_type": "Interface Terminology",
        "default_locale": "en",
        "supported_locales": ["en", "fr"],
        "public_access": "View",
        "website": "https://example.org/dx",
        "extras": {"team": "clinical"},
    },
)
SourceUpdate = body_schema(
    "OclSourceUpdate",
    {
        "name": _text(
            "The source's name, for people.",
            **_or_empty({**contract.NON_BLANK, "maxLength": TITLE_LENGTH}),
        ),
        **_SOURCE,
    },
    "The fields to change (PUT and PATCH alike); the others keep their values.",
    {"full_name": "Diagnoses of the demo clinic (2025)", "description": "Reviewed in May"},
)


def _version_fields(kind: str) -> dict[str, fields.Field]:
    return {
        "description": _text(f"What this version of the {kind} is."),
        "released": _flag("Whether it is released (latest/ is the newest released one):"),
        "retired": _flag("Whether it is retired:"),
        "external_id": _text("An id in another system."),
        "version_external_id": _text("The same as external_id (OCL's other name for it)."),
        "extras": _extras(),
    }


def _version_id(reserved: frozenset[str], kind: str) -> fields.Field:
    rule = {
        **_ID_RULE,
        "not": {"anyOf": [_ID_RULE["not"], {"pattern": contract.any_case(reserved)}]},
    }
    words = (
        f"The version's id, e.g. v1.0: a branch name, not one of the {kind}'s own URL words "
        f"({', '.join(sorted(reserved))}; any case)."
    )
    return fields.Str(required=True, metadata=_about(words, **rule))


VersionIn = body_schema(
    "OclVersionIn",
    {"id": _version_id(versions.RESERVED, "source"), **_version_fields("source")},
    "A new version of the source: id (required), description, released and the rest.",
    {"id": "v1.0", "description": "The first release", "released": True},
)
VersionUpdate = body_schema(
    "OclVersionUpdate",
    _version_fields("source"),
    "The version fields to change; its content never changes.",
    {"description": "The first release, reviewed", "external_id": "DX-2025-1"},
)
CollectionVersionIn = body_schema(
    "OclCollectionVersionIn",
    {
        "id": _version_id(collection_versions.RESERVED, "collection"),
        **_version_fields("collection"),
    },
    "A new version of the collection, frozen at its time: id (required) and the rest.",
    {"id": "v1", "description": "The starter set", "released": True},
)
CollectionVersionUpdate = body_schema(
    "OclCollectionVersionUpdate",
    _version_fields("collection"),
    "The version fields to change; its members never change.",
    {"description": "The starter set, reviewed"},
)

_COLLECTION = {
    **_repository_fields("collection"),
    "collection_type": _text("OCL's collection type, e.g. Value Set, Subset."),
    "preferred_source": _text("The source its references come from mostly (a URL)."),
    "custom_resources_linked_source": _text("OCL's linked source, kept as given."),
    "immutable": _flag("OCL's flag, kept:"),
    "autoexpand_head": _flag("OCL's flag, kept:"),
}
# api.ocl.collections.title_of
_COLLECTION_NAME = {**contract.NON_BLANK, "maxLength": 500}
CollectionIn = body_schema(
    "OclCollectionIn",
    {
        "id": fields.Str(
            required=True,
            metadata=_about(
                "The collection's id under its owner; one the owner already has is a 400.",
                **_ID_RULE,
            ),
        ),
        "name": fields.Str(
            required=True, metadata=_about("Its name, for people.", **_COLLECTION_NAME)
        ),
        **_COLLECTION,
    },
    "A new collection: id and name (required) and OCL's collection fields.",
    {
        "id": "Starter",
        "name": "Starter set",
        "collection_type": "Subset",
        "default_locale": "en",
        "public_access": "View",
    },
)
CollectionUpdate = body_schema(
    "OclCollectionUpdate",
    {"name": _text("Its name, for people.", **_or_empty(_COLLECTION_NAME)), **_COLLECTION},
    "The fields to change (PUT and PATCH alike); the others keep their values.",
    {"description": "The concepts a new clinic starts with"},
)

# exporter.ocl: "", None and "None" are no locale (en); any other is the store's language tag.
_TAG = _NAME["languageCode"]["pattern"][1:-1]
_LOCALE = {**_NAME["languageCode"], "pattern": f"^(?:{_TAG}|None|none)?$"}
# api.ocl.bodies._items: a name's flags are JSON booleans or "true"/"false" in any case.
_ITEM_FLAG = {
    "anyOf": [
        {"type": "boolean"},
        {"type": "string", "pattern": r"^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])(?![\s\S])"},
    ],
    "nullable": True,
}
_NAME_FIELDS = {
    "locale": _text("Its language, e.g. en (the default).", **_LOCALE),
    "locale_preferred": fields.Raw(
        allow_none=True,
        metadata=_about("Whether it is the preferred one in its locale.", **_ITEM_FLAG),
    ),
    "external_id": _text("An id in another system.", **_NAME["externalId"]),
}
NameIn = body_schema(
    "OclNameIn",
    {
        "name": _required("The name.", **_NAME["term"]),
        "name_type": _text(
            "Its type, e.g. FULLY_SPECIFIED or SHORT; SYNONYM when absent.", **_NAME["type"]
        ),
        **_NAME_FIELDS,
    },
    "One of a concept's names.",
    {"name": "Tuberculosis of lung", "locale": "en", "name_type": "FULLY_SPECIFIED"},
)
DescriptionIn = body_schema(
    "OclDescriptionIn",
    {
        "description": _required("The text.", **_NAME["term"]),
        "description_type": _text("Its type, e.g. Definition; kept as given."),
        **_NAME_FIELDS,
    },
    "One of a concept's descriptions (definitions).",
    {"description": "Tuberculosis of the lungs, confirmed", "locale": "en"},
)
_PARENTS = fields.List(
    fields.Str(),
    allow_none=True,
    metadata=_about(
        "The URLs of its parents, concepts of this source (400 for any other), e.g. "
        "/orgs/WHO/sources/MyDx/concepts/A15/."
    ),
)


def _concept_fields() -> dict[str, fields.Field]:
    return {
        "datatype": _text("OCL's datatype, e.g. N/A, Numeric.", **_CONCEPT["datatype"]),
        "names": fields.List(
            fields.Nested(NameIn),
            metadata=_about("Its names: a given list replaces the old one.", minItems=1),
        ),
        "descriptions": fields.List(
            fields.Nested(DescriptionIn),
            allow_none=True,
            metadata=_about("Its descriptions: a given list replaces the old one."),
        ),
        "external_id": _text("An id in another system.", **_CONCEPT["externalId"]),
        "retired": _flag("Whether it is retired:"),
        "retire_reason": _text("Why it was retired.", **_CONCEPT["retireReason"]),
        "parent_concept_urls": _PARENTS,
        "extras": _extras(),
        "update_comment": _text("The comment of the commit (generated when absent)."),
    }


_CONCEPT_CLASS = _CONCEPT["conceptClass"]
ConceptIn = body_schema(
    "OclConceptIn",
    {
        "id": fields.Str(
            required=True,
            metadata=_about(
                "The concept's id, unique in the source (a 400 naming id otherwise).",
                **_ITEM_ID,
            ),
        ),
        "concept_class": _required("Its class, e.g. Diagnosis.", **_CONCEPT_CLASS),
        **{k: v for k, v in _concept_fields().items() if k != "retire_reason"},
        "names": fields.List(
            fields.Nested(NameIn),
            required=True,
            metadata=_about("Its names, at least one.", minItems=1),
        ),
    },
    "A new concept in OCL's shape: id, concept_class and names (required), descriptions.",
    {
        "id": "A15.0",
        "concept_class": "Diagnosis",
        "datatype": "N/A",
        "names": [
            {"name": "Tuberculosis of lung", "locale": "en", "name_type": "FULLY_SPECIFIED"},
            {"name": "Tuberculose pulmonaire", "locale": "fr"},
        ],
        "descriptions": [{"description": "Tuberculosis of the lungs, confirmed", "locale": "en"}],
        "extras": {"chapter": "I"},
    },
)
ConceptUpdate = body_schema(
    "OclConceptUpdate",
    {"concept_class": _text("Its class.", **_CONCEPT_CLASS), **_concept_fields()},
    "The fields to change (PUT and PATCH alike); a given names or descriptions list "
    "replaces the old one, the others keep their values. One commit.",
    {"datatype": "Coded", "update_comment": "Coded answers"},
)


def _mapping_fields() -> dict[str, fields.Field]:
    url = "/orgs/WHO/sources/MyDx/concepts/A15.0/"
    return {
        "from_concept_url": _text(f"The URL of the concept it maps from, of this source ({url})."),
        "from_source_url": _text("Or: this source's URL, with from_concept_code."),
        "from_concept_code": _text("Or: the from concept's id, with from_source_url."),
        "to_concept_url": _text("The URL of the concept it maps to, of any source."),
        "to_source_url": _text("Or: the target source's URL (or name), with to_concept_code."),
        "to_source_name": _text("Or: the target source's name, with to_concept_code."),
        "to_concept_code": _text("The target code, with to_source_url or to_source_name."),
        "to_concept_name": _text("The target's name, kept as given."),
        "external_id": _text("An id in another system.", **_MAPPING["externalId"]),
        "sort_weight": fields.Float(allow_none=True, metadata=_about("OCL's sort weight.")),
        "retired": _flag("Whether it is retired:"),
        "extras": _extras(),
        "update_comment": _text("The comment of the commit (generated when absent)."),
    }


_MAP_TYPE = _MAPPING["mapType"]
MappingIn = body_schema(
    "OclMappingIn",
    {
        "id": fields.Str(
            allow_none=True,
            metadata=_about(
                "Its id, unique in the source; a random one when absent (or uuid's).",
                **_or_empty(_ITEM_ID),
                nullable=True,
            ),
        ),
        "map_type": _required("The map type, e.g. SAME-AS, NARROWER-THAN.", **_MAP_TYPE),
        **_mapping_fields(),
    },
    "A new mapping: map_type, a from concept of this source and a to concept (required).",
    {
        "id": "A15.0-ICD-10",
        "map_type": "SAME-AS",
        "from_concept_url": "/orgs/WHO/sources/MyDx/concepts/A15.0/",
        "to_source_url": "/orgs/WHO/sources/ICD-10/",
        "to_concept_code": "A15.0",
        "to_concept_name": "Tuberculosis of lung",
    },
)
MappingUpdate = body_schema(
    "OclMappingUpdate",
    {"map_type": _text("The map type.", **_MAP_TYPE), **_mapping_fields()},
    "The fields to change (PUT and PATCH alike); the others keep their values. One commit.",
    {"map_type": "NARROWER-THAN", "update_comment": "Narrower after review"},
)
RetireIn = body_schema(
    "OclRetireIn",
    {
        "retire_reason": _text("Why it is retired (concepts)."),
        "update_comment": _text("The comment of the commit (generated when absent)."),
        "comment": _text("The same as update_comment (OCL's clients send either)."),
    },
    "Optional: why, and the commit's comment.",
    {"update_comment": "Back in use"},
)

_EXPRESSION = {"type": "string", "minLength": 1, "maxLength": EXPRESSION_LENGTH}
_EXPRESSIONS = (
    "URLs of concepts or mappings of sources on this server, with or without the host: "
    "/orgs|users/:owner/sources/:source/[:version/](concepts|mappings)/:id/[:itemVersion/]."
)


def _urls(words: str) -> fields.Field:
    return fields.List(
        fields.Str(metadata=_EXPRESSION),
        metadata=_about(words),
    )


_ReferenceData = body_schema(
    "OclReferenceData",
    {
        "expressions": _urls(_EXPRESSIONS),
        "concepts": _urls("Concept URLs only."),
        "mappings": _urls("Mapping URLs only."),
    },
    "The expressions to add (at least one in all).",
    {"expressions": ["/orgs/WHO/sources/MyDx/concepts/A15.0/"]},
)
ReferencesIn = body_schema(
    "OclReferencesIn",
    {
        "data": fields.Nested(
            _ReferenceData, required=True, metadata=_about("The expressions to add.")
        )
    },
    "References to add: each answered added true, or false with why (it names nothing "
    "here, or the collection holds that item already).",
    {
        "data": {
            "expressions": [
                "/orgs/WHO/sources/MyDx/concepts/A15.0/",
                "/orgs/WHO/sources/MyDx/mappings/A15.0-ICD-10/",
            ]
        }
    },
)
ReferencesOut = body_schema(
    "OclReferencesOut",
    {
        "references": fields.Raw(
            metadata=_about(
                'The expressions to remove, or "*" for all.',
                anyOf=[{"type": "array", "items": _EXPRESSION}, {"type": "string", "enum": ["*"]}],
            )
        ),
        "expressions": fields.Raw(
            metadata=_about(
                "The same as references (when references is absent).",
                anyOf=[{"type": "array", "items": _EXPRESSION}, {"type": "string", "enum": ["*"]}],
            )
        ),
        "ids": fields.List(
            fields.Int(metadata={"minimum": 1, "maximum": 2**63 - 1}),
            metadata=_about("Reference ids to remove (as GET …/references/ lists them)."),
        ),
    },
    "What to remove: expressions, and/or ids (at least one of them).",
    {"references": ["/orgs/WHO/sources/MyDx/mappings/A15.0-ICD-10/"]},
)

# --- answers ------------------------------------------------------------------------------

OBJECT: dict[str, Any] = {
    "type": "object",
    "description": "An OCL object (fields as OCL names them: docs/ocl.md).",
}
LIST: dict[str, Any] = {
    "type": "array",
    "items": OBJECT,
    "description": (
        "A page of OCL objects, a bare array; the headers num_found, num_returned, pages, "
        "page_number (and next, previous: the URLs of the pages beside it) count them."
    ),
}
REFERENCE_RESULTS: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "added": {"type": "boolean", "description": "Whether it was added."},
            "expression": {"type": "string", "description": "The expression, as stored."},
            "message": {"description": "What happened, or why not (OCL's shape)."},
        },
    },
    "description": "One answer per expression, in the body's order.",
}

# --- parameters ---------------------------------------------------------------------------

WORDS: dict[str, str] = {
    "owner": "The organisation's id (under /orgs/) or the user's username (under /users/); "
    "/user/… is the caller's own (401 without a token).",
    "source": "The source's id under its owner, e.g. MyDx.",
    "collection": "The collection's id under its owner, e.g. Starter.",
    "version": "A version's id, e.g. v1.0; HEAD is the working state (…/versions/ lists them).",
    "item_version": "A version of it: the epoch-millisecond time of an edit, as …/versions/ "
    "lists them (its version field).",
    "item_id": "The concept's or mapping's id, as in its URL.",
    "reference_id": "The reference's id, as …/references/ lists them.",
    "limit": f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}; 0 is the default).",
    "page": "The page, from 1.",
    "includeRetired": "true: retired concepts and mappings too (the default leaves them out).",
    "updatedSince": "Only those edited at or after this instant: ISO 8601 (UTC unless it says "
    "otherwise) or YYYYMMDDHHMMSS.",
    "q": "Words that names of the concepts start with (a term search, best first); not with "
    "updatedSince.",
    "released": "true: only released versions; false: only unreleased ones (no HEAD).",
    "repoType": "Only sources (Source) or only collections (Collection).",
    "includeConcepts": "true: the answer holds concepts (all of them with limit=0), streamed.",
    "includeMappings": "true: the answer holds mappings too.",
    "offset": "With includeConcepts or includeMappings: how many of each to skip.",
    "Compress": "true: the same JSON as a zip (application/zip, one entry export.json).",
    "cascade": "sourcemappings: also add the mappings from each concept in its source; "
    "sourcetoconcepts: those and the concepts of the source they point to (one level). Also "
    "read from data.cascade; case is ignored.",
    "transformReferences": "resourceversions: pin each expression to its item's version of "
    "now; extensional: keep explicit expressions as given. Also read from data.",
}
# The words a version or an item version cannot be in a URL: the literal segments of the
# routes beside them (api.ocl.routes' converters, which keep them out of those segments).
BESIDE_VERSIONS = ("versions", "latest", "concepts", "mappings", "references")
BESIDE_ITEM_VERSIONS = ("versions", "extras", "mappings", "reactivate")
# api.ocl.repo_content.truthy: true, True or 1 is true, any other value false.
_TRUE_FALSE = {"type": "string", "example": "true"}
# api.ocl.repo_content.since: real dates (days past 28 left out, so every match is one).
_DAY = "[1-9][0-9]{3}(?:0[1-9]|1[0-2])(?:0[1-9]|1[0-9]|2[0-8])"
_TIME = "(?:[01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]"
_DAY_ISO = "[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
_TIME_ISO = "(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
SCHEMAS: dict[str, dict[str, Any]] = {
    # What "Try it out" starts with: what the examples of the bodies make.
    "owner": {"example": "WHO"},
    "source": {"example": "MyDx"},
    "collection": {"example": "Starter"},
    "version": {"not": {"enum": list(BESIDE_VERSIONS)}, "example": "HEAD"},
    "item_version": {"not": {"enum": list(BESIDE_ITEM_VERSIONS)}},
    "limit": {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT},
    "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
    "includeRetired": _TRUE_FALSE,
    "includeConcepts": _TRUE_FALSE,
    "includeMappings": _TRUE_FALSE,
    "Compress": _TRUE_FALSE,
    "released": {"type": "string", "enum": [*bodies.TRUE, *bodies.FALSE, ""]},
    "repoType": {"type": "string", "enum": ["Source", "Collection"]},
    "q": {"type": "string"},
    "cascade": {"type": "string", "enum": ["sourcemappings", "sourcetoconcepts", ""]},
    "transformReferences": {"type": "string", "enum": ["resourceversions", "extensional", ""]},
    "updatedSince": {
        "type": "string",
        "pattern": rf"^(?:{_DAY}{_TIME}|{_DAY_ISO}(?:T{_TIME_ISO}Z?)?)?$",  # empty: absent
    },
}
# A version written to (PUT, PATCH, DELETE): HEAD is the repository itself (400).
WRITTEN: dict[str, dict[str, Any]] = {
    **SCHEMAS,
    "version": {"not": {"enum": [*BESIDE_VERSIONS, "HEAD"]}, "example": "v1.0"},
}
# A repository GET's content parameters (api.ocl.repo_content): limit 0 means all.
CONTENT_SCHEMAS: dict[str, dict[str, Any]] = {
    **SCHEMAS,
    "limit": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
    "offset": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
}
CONTENT_WORDS = {
    "limit": "With includeConcepts or includeMappings: at most this many of each; 0 (the "
    "default) is all of them.",
}
