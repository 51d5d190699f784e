"""Component types: which fields each kind of component has, and how references link them.

A component's content is a plain dict of field name -> value. :func:`validate` turns caller
input into complete content (defaults filled in) or raises :class:`InvalidComponent` listing
every violation. References say which fields point at another component; the commit checks
them against the branch view it writes to (see ``revisions.commit``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from sqlalchemy import Table

from revisions import schema
from revisions.errors import InvalidComponent
from revisions.values import json_problems, text_problem

# Field kinds: the Python types a value may have (None is always allowed unless required).
_KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "bool": (bool,),
    "number": (int, float),
    "ids": (list,),
    "object": (dict,),
}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: str
    required: bool = False
    default: Any = None
    max_length: int | None = None  # characters of a str, ids of a list of ids
    identifier: bool = False  # holds an id: the identifier rule of ``revisions.values``
    pattern: re.Pattern[str] | None = None  # a str value must match it whole
    shape: str = ""  # what ``pattern`` asks for, in words ("a language tag such as en")


@dataclass(frozen=True, slots=True)
class Reference:
    """``field`` holds the id (or, with ``many``, a list of ids) of ``target`` components in
    the same view.

    ``cascade``: deleting the target deletes this component in the same commit; otherwise
    the deletion is refused while a visible component still points at the target.
    """

    field: str
    target: str
    cascade: bool
    many: bool = False

    def ids(self, content: Mapping[str, Any]) -> list[str]:
        """The ids this reference holds in ``content``."""
        value = content.get(self.field)
        if value is None:
            return []
        return list(value) if self.many else [value]


@dataclass(frozen=True, slots=True, eq=False)
class ComponentType:
    """One kind of component. There is one instance per kind (:data:`TYPES`), so identity is
    equality, and hashing is cheap where statements are cached per type."""

    name: str
    table: Table
    fields: tuple[Field, ...]
    references: tuple[Reference, ...] = ()
    field_names: tuple[str, ...] = dc_field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_names", tuple(f.name for f in self.fields))


_ID = schema.ID_LENGTH
# Ids no component may take: ids are URL path segments (``…/concepts/{id}``), and these are
# segments of other routes there (``POST …/concepts/search``, the search by body), so a
# component so named could never be read, changed or deleted by id. Here, where every write
# (the native API, the OCL API, imports, bulk loads) is checked, so none stores one.
RESERVED_IDS = frozenset({"search"})
# The longest term (characters) and the most parents a component may have. Real terms are
# far shorter (SNOMED CT's descriptions at most 255 characters, its text definitions 4,096),
# and real concepts have tens of parents at most. Each bounds work done per component on
# every write and read: a term's words are indexed one by one (a term of 60,000 words held
# the store for 49 s, and one of 130,000 was more than PostgreSQL's full-text index takes:
# a 500), and every read of a concept renders its parents (one with 70,000, repeated by
# expand=children() on a page, took a worker past 23 GB; a helper's probe, 2026-12-08).
MAX_TERM = 32_768
MAX_PARENTS = 1_000
# A BCP 47 language tag as descriptions use them: a 2-3 letter language, then subtags of 1-8
# letters or digits (region, script, variant: en-GB, zh-Hant-TW, de-CH-1996).
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")

CONCEPT = ComponentType(
    "concept",
    schema.concepts,
    (
        Field("active", "bool", default=True),
        Field("module_id", "str", max_length=_ID, identifier=True),
        Field("concept_class", "str", max_length=255),
        Field("datatype", "str", max_length=255),
        Field("parents", "ids", default=(), max_length=MAX_PARENTS),
        Field("external_id", "str", max_length=255),
        Field("retire_reason", "str", max_length=255),
        Field("extras", "object"),
    ),
    (Reference("parents", "concept", cascade=False, many=True),),
)

DESCRIPTION = ComponentType(
    "description",
    schema.descriptions,
    (
        Field("concept_id", "str", required=True, max_length=_ID, identifier=True),
        Field("term", "str", required=True, max_length=MAX_TERM),
        Field(
            "language_code",
            "str",
            default="en",
            max_length=20,
            pattern=LANGUAGE_TAG,
            shape="a language tag such as 'en', 'fr' or 'en-GB'",
        ),
        Field("type", "str", default="SYNONYM", max_length=255),
        Field("preferred", "bool", default=False),
        Field("active", "bool", default=True),
        Field("external_id", "str", max_length=255),
        Field("extras", "object"),
    ),
    (Reference("concept_id", "concept", cascade=True),),
)

MAPPING = ComponentType(
    "mapping",
    schema.mappings,
    (
        Field("source_id", "str", required=True, max_length=_ID, identifier=True),
        Field("map_type", "str", required=True, max_length=255),
        Field("target_id", "str", max_length=_ID, identifier=True),
        Field("target_code_system", "str", max_length=255),
        Field("target_code", "str", max_length=255),
        Field("target_name", "str"),
        Field("active", "bool", default=True),
        Field("sort_weight", "number"),
        Field("external_id", "str", max_length=255),
        Field("extras", "object"),
    ),
    (
        Reference("source_id", "concept", cascade=True),
        Reference("target_id", "concept", cascade=False),
    ),
)

TYPES: dict[str, ComponentType] = {t.name: t for t in (CONCEPT, DESCRIPTION, MAPPING)}


def stored_as_json(field: Field) -> bool:
    """Whether ``field``'s values are stored in a JSON column (encoded by hand for COPY)."""
    return field.kind in ("ids", "object")


def component_type(name: str) -> ComponentType:
    """The component type called ``name``; :class:`InvalidComponent` if there is none."""
    try:
        return TYPES[name]
    except KeyError:
        raise InvalidComponent(f"Unknown component type '{name}'.") from None


def validate(ctype: ComponentType, component_id: str, content: Mapping[str, Any]) -> dict:
    """Complete, checked content for one component, or :class:`InvalidComponent`."""
    violations = _id_violations(component_id)
    known = set(ctype.field_names)
    violations += [f"Unknown field '{name}'." for name in content if name not in known]
    result: dict[str, Any] = {}
    for field in ctype.fields:
        value = content.get(field.name, field.default)
        if isinstance(value, tuple):
            value = list(value)
        problem = _field_violation(field, value)
        if problem:
            violations.append(problem)
        result[field.name] = value
    if ctype is MAPPING and not violations:
        violations += _mapping_target_violations(result)
    if violations:
        raise InvalidComponent(f"Invalid {ctype.name} '{component_id}'.", violations=violations)
    return result


def _id_violations(component_id: Any) -> list[str]:
    if not isinstance(component_id, str) or not component_id.strip():
        return ["'id' must be a non-empty string."]
    if len(component_id) > _ID:
        return [f"'id' must be at most {_ID} characters."]
    # Ids are URL path segments: a slash could never be addressed, control characters are noise.
    if "/" in component_id or text_problem(component_id, identifier=True):
        return ["'id' must not contain '/' or control characters."]
    if component_id in RESERVED_IDS:
        return [f"'id': '{component_id}' is reserved (a URL segment)."]
    return []


def _field_violation(field: Field, value: Any) -> str | None:
    if value is None:
        return f"'{field.name}' is required." if field.required else None
    if field.kind == "number" and isinstance(value, bool):
        return f"'{field.name}' must be a number."
    if not isinstance(value, _KINDS[field.kind]):
        return f"'{field.name}' must be of type {field.kind}."
    if field.kind == "ids" and not all(isinstance(v, str) and v for v in value):
        return f"'{field.name}' must be a list of ids."
    if field.max_length and len(value) > field.max_length:
        if field.kind == "ids":
            return f"'{field.name}' must hold at most {field.max_length:,} ids."
        return f"'{field.name}' must be at most {field.max_length} characters."
    if field.pattern is not None and not field.pattern.fullmatch(value):
        return f"'{field.name}' must be {field.shape}, not {value!r}."
    if field.required and field.kind == "str" and not value.strip():
        return f"'{field.name}' must not be blank."
    return _text_violation(field, value)


def _text_violation(field: Field, value: Any) -> str | None:
    """What the character and nesting rule (``revisions.values``) finds in a typed value."""
    if field.kind == "str":
        problem = text_problem(value, identifier=field.identifier)
        return f"'{field.name}' {problem}." if problem else None
    if field.kind == "ids":
        problems = [text_problem(v, identifier=True) for v in value]
        return next((f"'{field.name}' ids {p}." for p in problems if p), None)
    if field.kind == "object":
        return " ".join(json_problems(value, field.name)) or None
    return None


def _mapping_target_violations(content: dict) -> list[str]:
    if content["target_id"] is None and content["target_code"] is None:
        return ["A mapping needs 'target_id' or 'target_code'."]
    return []


def references_of(ctype: ComponentType, content: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(target type, id) pairs this content points at."""
    return [(ref.target, cid) for ref in ctype.references for cid in ref.ids(content)]


FastCheck = Callable[[Any, Mapping[str, Any]], "list[Any] | None"]


@functools.cache
def fast_check(ctype: ComponentType) -> FastCheck:
    """A bulk-load twin of :func:`validate`: the field values in ``field_names`` order.

    It accepts only input that :func:`validate` accepts, with the same values (a tuple of
    ids may stay a tuple: both store as a list), and returns None when in any doubt; the
    caller then asks :func:`validate`, which gives the verdict and the messages. It only
    compares exact types, with each field's test written out in one function generated
    per type (:func:`_check_source`): a call per field had cost 4-5 us of a row's 7 us.
    """
    namespace: dict[str, Any] = {
        "known": frozenset(ctype.field_names),
        "reserved": RESERVED_IDS,
        "ids_ok": _ids_ok,
        "object_ok": _object_ok,
        **{f"default_{i}": f.default for i, f in enumerate(ctype.fields)},
        **{f"pattern_{i}": f.pattern for i, f in enumerate(ctype.fields) if f.pattern},
    }
    exec(_check_source(ctype), namespace)  # the source is built from the type alone
    return namespace["check"]


def _check_source(ctype: ComponentType) -> str:
    """The source of :func:`fast_check`'s function for ``ctype``: a guard on the id and the
    field names, then per field one test on its value (None passes unless required)."""
    lines = [
        "def check(component_id, content):",
        "    if (type(component_id) is not str",
        f"            or not 0 < len(component_id) <= {_ID}",
        "            or '/' in component_id",
        "            or not component_id.isprintable()",
        "            or component_id.isspace()",
        "            or component_id in reserved",
        "            or not known.issuperset(content)):",
        "        return None",
        "    get = content.get",
    ]
    for i, field in enumerate(ctype.fields):
        value = f"v{i}"
        lines.append(f"    {value} = get({field.name!r}, default_{i})")
        test = _value_test(field, value)
        if field.pattern is not None:
            test = f"{test} and pattern_{i}.fullmatch({value}) is not None"
        if field.required:
            lines.append(f"    if {value} is None or not ({test}):")
        else:
            lines.append(f"    if {value} is not None and not ({test}):")
        lines.append("        return None")
    if ctype is MAPPING:
        lines.append("    if get('target_id') is None and get('target_code') is None:")
        lines.append("        return None")
    values = ", ".join(f"v{i}" for i in range(len(ctype.fields)))
    lines.append(f"    return [{values}]")
    return "\n".join(lines) + "\n"


def _value_test(field: Field, value: str) -> str:
    """A Python expression true when a non-None ``value`` is surely valid for ``field``."""
    limit = f" and len({value}) <= {field.max_length}" if field.max_length else ""
    if field.kind == "str":
        # isprintable() is False for every control character (and for some other
        # characters, which then get validate()'s verdict).
        text = f"{value}.isprintable()" if field.identifier else f"'\\x00' not in {value}"
        test = f"type({value}) is str{limit} and {text}"
        return f"{test} and {value} != '' and not {value}.isspace()" if field.required else test
    if field.kind == "bool":
        return f"type({value}) is bool"
    if field.kind == "number":
        return f"(type({value}) is int or type({value}) is float)"
    if field.kind == "ids":
        return f"ids_ok({value}){limit}"
    return f"object_ok({value})"


def _object_ok(value: Any) -> bool:
    """A dict meeting ``revisions.values``' rule; flat ones (the usual extras) without the
    general walk, which cost 3 us a row."""
    if type(value) is not dict:
        return False
    for key, item in value.items():
        if type(key) is not str or not key.isprintable():
            return False
        kind = type(item)
        if kind is str and "\x00" in item:
            return False
        if kind is dict or kind is list:
            return not json_problems(value)
    return True


def _ids_ok(value: Any) -> bool:
    if type(value) is not list and type(value) is not tuple:
        return False
    return all(type(item) is str and item != "" and item.isprintable() for item in value)
