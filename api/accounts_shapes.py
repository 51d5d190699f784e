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
from accounts.records import NAME, Org, User
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
        name: fields.Str(validate=validate.Length(max=1000), allow_none=True)
        for name in names
        if name != "extras"
    }
    made["extras"] = fields.Dict(keys=fields.Str(), allow_none=True)
    return made


_Name = validate.Regexp(NAME.pattern + r"\Z")

UserIn = _Lenient.from_dict(
    {
        "username": fields.Str(required=True, validate=_Name),
        "email": fields.Email(allow_none=True),
        "password": fields.Str(validate=validate.Length(min=1, max=1000), allow_none=True),
        **_profile(USER_PROFILE),
    },
    name="UserIn",
)
UserUpdate = _Lenient.from_dict(
    {
        "email": fields.Email(allow_none=True),
        "password": fields.Str(validate=validate.Length(min=1, max=1000), allow_none=True),
        **_profile(USER_PROFILE),
    },
    name="UserUpdate",
)
LoginIn = _Lenient.from_dict(
    {
        "username": fields.Str(required=True, validate=validate.Length(max=1000)),
        "password": fields.Str(required=True, validate=validate.Length(max=1000)),
    },
    name="LoginIn",
)
OrgIn = _Lenient.from_dict(
    {
        "id": fields.Str(required=True, validate=_Name),
        "name": fields.Str(required=True, validate=validate.Length(min=1, max=500)),
        "public_access": fields.Str(load_default="View", validate=validate.OneOf(PUBLIC_ACCESS)),
        **_profile(ORG_PROFILE),
    },
    name="OrgIn",
)
OrgUpdate = _Lenient.from_dict(
    {
        "name": fields.Str(validate=validate.Length(min=1, max=500)),
        "public_access": fields.Str(validate=validate.OneOf(PUBLIC_ACCESS)),
        **_profile(ORG_PROFILE),
    },
    name="OrgUpdate",
)
NoBody = _Lenient.from_dict({}, name="NoBody")
MemberIn = _Lenient.from_dict(
    {"role": fields.Str(load_default="member", validate=validate.OneOf(("member", "admin")))},
    name="MemberIn",
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
