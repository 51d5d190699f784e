"""Users and organisations in OCL's JSON (field names and shapes of OCL's serialisers,
reference: ocl-accounts-and-collections.md §1-§2): the bodies they take (marshmallow, OCL's
snake_case; fields OCL clients send that Snowpath does not keep are ignored) and what they
answer. Times are ISO 8601 UTC; fields without a value are null, as OCL answers them.
"""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from accounts.errors import InvalidInput
from accounts.records import MAX_EMAIL, NAME, Org, User
from accounts.rights import PUBLIC_ACCESS
from api import http
from api.render import iso

USER_PROFILE = (
    "name",
    "first_name",
    "last_name",
    "company",
    "location",
    "bio",
    "website",
    "preferred_locale",
    "extras",
)
ORG_PROFILE = ("company", "website", "location", "description", "text", "extras")
_TEXT = fields.Str(validate=validate.Length(max=1000), allow_none=True)


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


def _profile(names: tuple[str, ...]) -> dict[str, fields.Field]:
    made: dict[str, fields.Field] = {
        name: fields.Str(
            validate=validate.Length(max=1000),
            allow_none=True,
            metadata={"description": f"OCL's {name}, kept as given (at most 1,000 characters)."},
        )
        for name in names
        if name != "extras"
    }
    made["extras"] = fields.Dict(
        keys=fields.Str(),
        allow_none=True,
        metadata={"description": "Free-form JSON properties (OCL's extras), kept as given."},
    )
    return made


def body_schema(
    name: str, declared: dict[str, fields.Field], about: str, example: dict[str, Any]
) -> type[Schema]:
    """A body schema with the words and example the OpenAPI document shows (``Meta.about``,
    ``Meta.example``, as ``api.schemas``' bodies carry them)."""
    schema = _Lenient.from_dict(declared, name=name)
    schema.Meta = type("Meta", (_Lenient.Meta,), {"about": about, "example": example})
    return schema


def _about(words: str) -> dict[str, str]:
    return {"description": words}


_Name = validate.Regexp(NAME.pattern + r"\Z")
# The same rule, anchored for JSON Schema (a pattern matches anywhere; (?![\s\S]) is the end
# of the text in every dialect, where $ may take a final newline).
_NAME_RULE = {"pattern": rf"^(?:{NAME.pattern})(?![\s\S])"}
_ID_WORDS = "1 to 100 letters, digits or - . _ @ (OCL's namespace pattern)."
_PASSWORD = fields.Str(
    validate=validate.Length(min=1, max=1000),
    allow_none=True,
    metadata=_about("The password (stored as an argon2id hash, never as given)."),
)
_EMAIL = fields.Email(
    allow_none=True,  # accounts.records.check_email holds the rule; stated here for clients
    metadata={**_about("An email address, unique among users."), "maxLength": MAX_EMAIL},
)

UserIn = body_schema(
    "UserIn",
    {
        "username": fields.Str(
            required=True, validate=_Name, metadata={**_about(_ID_WORDS), **_NAME_RULE}
        ),
        "email": _EMAIL,
        "password": _PASSWORD,
        **_profile(USER_PROFILE),
    },
    "A new user: username (required), email, password and OCL's profile fields.",
    {"username": "jdoe", "email": "jdoe@example.org", "password": "a long passphrase"},
)
UserUpdate = body_schema(
    "UserUpdate",
    {"email": _EMAIL, "password": _PASSWORD, **_profile(USER_PROFILE)},
    "The fields to change; the others keep their values.",
    {"company": "WHO", "location": "Geneva"},
)
LoginIn = body_schema(
    "LoginIn",
    {
        "username": fields.Str(
            required=True, validate=validate.Length(max=1000), metadata=_about("The username.")
        ),
        "password": fields.Str(
            required=True, validate=validate.Length(max=1000), metadata=_about("Its password.")
        ),
    },
    "A username and its password.",
    {"username": "jdoe", "password": "a long passphrase"},
)
_PUBLIC_ACCESS_WORDS = (
    "Who may see it: View (everyone; the default), Edit (everyone, and any user may edit "
    "its repositories' content) or None (members only; others get 404)."
)
OrgIn = body_schema(
    "OrgIn",
    {
        "id": fields.Str(
            required=True, validate=_Name, metadata={**_about(_ID_WORDS), **_NAME_RULE}
        ),
        "name": fields.Str(
            required=True,
            validate=validate.Length(min=1, max=500),
            metadata=_about("Its name, for people."),
        ),
        "public_access": fields.Str(
            load_default="View",
            validate=validate.OneOf(PUBLIC_ACCESS),
            metadata=_about(_PUBLIC_ACCESS_WORDS),
        ),
        **_profile(ORG_PROFILE),
    },
    "A new organisation: id and name (required), public_access and OCL's profile fields.",
    {"id": "WHO", "name": "World Health Organization", "public_access": "View"},
)
OrgUpdate = body_schema(
    "OrgUpdate",
    {
        "name": fields.Str(
            validate=validate.Length(min=1, max=500), metadata=_about("Its name, for people.")
        ),
        "public_access": fields.Str(
            validate=validate.OneOf(PUBLIC_ACCESS), metadata=_about(_PUBLIC_ACCESS_WORDS)
        ),
        **_profile(ORG_PROFILE),
    },
    "The fields to change; the others keep their values.",
    {"website": "https://www.who.int"},
)
MemberIn = body_schema(
    "MemberIn",
    {
        "role": fields.Str(
            load_default="member",
            validate=validate.OneOf(("member", "admin")),
            metadata=_about("member (the default) or admin (manages members and settings)."),
        )
    },
    "The member's role; the body may be left out (member).",
    {"role": "admin"},
)


def load(schema: type[Schema], *, optional: bool = False) -> dict[str, Any]:
    """The JSON body loaded with ``schema``; a refusal names each field as OCL does (and as
    ``violations``). ``optional``: an empty body is an empty object."""
    data = {} if optional and not request.get_data() else http.body()
    try:
        return schema().load(data)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {}
        raise InvalidInput(_summary(messages), dict(messages)) from None


def _summary(messages: dict[str, Any]) -> str:
    said = [
        f"'{k}': {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in messages.items()
    ]
    return "; ".join(said) or "Invalid input."


def profile(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: data[name] for name in names if data.get(name) is not None}


def _url(*parts: str) -> str:
    return "/" + "/".join(parts) + "/"


def user_summary(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "name": user.metadata.get("name"),
        "url": _url("users", user.username),
        "logo_url": None,
        "type": "User",
        "company": user.metadata.get("company"),
    }


def user_detail(user: User, *, private: bool, orgs: int) -> dict[str, Any]:
    """A user as OCL's UserDetailSerializer; the email only to the user and staff."""
    meta = user.metadata
    return {
        "type": "User",
        "uuid": str(user.id),
        "username": user.username,
        **{name: meta.get(name) for name in USER_PROFILE},
        "email": user.email if private else None,
        "is_staff": user.is_staff,
        "is_superuser": user.is_staff,
        "is_active": user.is_active,
        "verified": True,
        "status": "verified" if user.is_active else "deactivated",
        "date_joined": iso(user.created_ts),
        "created_on": iso(user.created_ts),
        "updated_on": iso(user.updated_ts),
        "last_login": None if user.last_login_ts is None else iso(user.last_login_ts),
        "orgs": orgs,
        "url": _url("users", user.username),
        "organizations_url": _url("users", user.username, "orgs"),
        "sources_url": _url("users", user.username, "sources"),
        "collections_url": _url("users", user.username, "collections"),
        "logo_url": None,
    }


def org_summary(org: Org) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "url": _url("orgs", org.id),
        "type": "Organization",
        "logo_url": None,
        "description": org.metadata.get("description"),
    }


def org_detail(org: Org, *, members: int) -> dict[str, Any]:
    """An organisation as OCL's OrganizationDetailSerializer."""
    return {
        "type": "Organization",
        "uuid": org.id,
        "id": org.id,
        "name": org.name,
        **{name: org.metadata.get(name) for name in ORG_PROFILE},
        "public_access": org.public_access,
        "members": members,
        "created_on": iso(org.created_ts),
        "created_by": org.created_by,
        "updated_on": iso(org.updated_ts),
        "updated_by": org.updated_by,
        "url": _url("orgs", org.id),
        "members_url": _url("orgs", org.id, "members"),
        "sources_url": _url("orgs", org.id, "sources"),
        "collections_url": _url("orgs", org.id, "collections"),
        "logo_url": None,
    }
