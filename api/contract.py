"""What the OpenAPI document says beyond the marshmallow declarations: the rules the server
enforces elsewhere (branch names, path expressions, effective times, component fields, paging,
sort and expand), as JSON Schema, so that a request that follows the document is accepted.

Each rule is enforced in one place (named beside it); this module only states it, built from
that place where it can be (component fields from ``revisions.components``, sort fields from
``api.sorting``, reserved ids from the route table). ``tests/api/test_openapi_rules.py`` checks
the statements against the enforcing code. Rules JSON Schema cannot state (``offset + limit``,
tokens, references to existing content) are written in the operations' descriptions.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from api.paging import MAX_WINDOW
from api.schemas import RESERVED_BRANCH_NAMES
from api.shapes import camel
from api.sorting import ID, SCORE, sortable
from revisions.components import RESERVED_IDS, TYPES
from snowpath import MAX_NAME_LENGTH, RESERVED_NAMES

# snowpath.grammar.check_name: letters, digits, '.', '_', '~', '-'; no '...'; no final '.'.
# Each unit is at most two dots and one other character, so both hold by construction.
_NAME = r"(?:\.{0,2}[A-Za-z0-9_~-])+"
_AT = r"(?:@[1-9][0-9]{0,13}|\^)?"  # epoch ms (no leading 0), or the base
_POINT = rf"{_NAME}(?:/{_NAME})*{_AT}"
_RANGE_SIDE = rf"MAIN(?:/{_NAME})*"  # range sides are absolute plain paths


def _classes(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


def any_case(words: Iterable[str]) -> str:
    """A pattern matching exactly one of ``words`` in any letter case (JSON Schema patterns
    have no case-insensitive flag)."""
    return f"^(?:{'|'.join(_classes(word) for word in sorted(words))})$"


# A new branch's name (revisions.branches.check_name, api.schemas.branch_name).
BRANCH_NAME: dict[str, Any] = {
    "type": "string",
    "pattern": f"^{_NAME}$",
    "maxLength": MAX_NAME_LENGTH,
    "not": {"pattern": any_case(RESERVED_NAMES | RESERVED_BRANCH_NAMES)},
    "description": (
        f"Letters, digits, '.', '_', '~' and '-', at most {MAX_NAME_LENGTH} characters; no "
        "'...', no final '.'; not MAIN, HEAD, LATEST, NEXT or children (in any case)."
    ),
}


def _spellings(word: str) -> set[str]:
    return {"".join(c) for c in itertools.product(*({ch.upper(), ch.lower()} for ch in word))}


# snowpath.grammar.misplaced_reserved: a path starts with MAIN (so spelled) or a code system
# id, and no later segment is a reserved name (a code system's CS/LATEST is left out here).
_END = r"(?:[/@^]|\.\.\.|$)"
_RESERVED_START = "|".join(
    [_classes(word) for word in sorted(RESERVED_NAMES - {"MAIN"})]
    + sorted(_spellings("MAIN") - {"MAIN"})
)
_RESERVED_LATER = "|".join(_classes(word) for word in sorted(RESERVED_NAMES))
NO_RESERVED: dict[str, Any] = {
    "pattern": f"(?:^|\\.\\.\\.)(?:{_RESERVED_START}){_END}|/(?:{_RESERVED_LATER}){_END}"
}
# A path expression that names a branch (writes): snowpath.parse, api.services.branch_path.
BRANCH_PATH: dict[str, Any] = {
    "type": "string",
    "pattern": f"^{_NAME}(?:/{_NAME})*$",
    "not": NO_RESERVED,
    "description": "A branch: MAIN/a/b, or a code system's relative path such as CS/task.",
}
# A code system's own branch (revisions.codesystems: a working branch below MAIN).
WORKING_BRANCH: dict[str, Any] = {**BRANCH_PATH, "pattern": f"^MAIN(?:/{_NAME})+$"}
# /branches/{path}: …/children is the collection of the branch above (api.routes).
BRANCHES_PATH: dict[str, Any] = {
    **BRANCH_PATH,
    "not": {"anyOf": [NO_RESERVED, {"pattern": "(?:^|/)children$"}]},
}
# Any path expression (reads): snowpath.parse.
READ_PATH: dict[str, Any] = {
    "type": "string",
    "pattern": rf"^(?:{_POINT}|{_RANGE_SIDE}\.\.\.{_RANGE_SIDE})$",
    "not": {"anyOf": [NO_RESERVED, {"pattern": r"(?:^|\.\.\.)MAIN\^"}]},
    "description": (
        "A path expression: MAIN/a/b, CODESYSTEM/task, a...b, path@timestamp (epoch ms or "
        "an ISO 8601 instant, not before the branch existed) or path^ (a branch's base; MAIN "
        "has none). Slashes are part of the value."
    ),
}
# revisions.registry.normalize_effective_time (a real date; days past 28 are left out here
# so that every value the pattern allows is one).
EFFECTIVE_TIME: dict[str, Any] = {
    "type": "string",
    "pattern": r"^[1-9][0-9]{3}-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|1[0-9]|2[0-8])$",
    "description": "yyyyMMdd or yyyy-MM-dd, a real date.",
}
# A character that is not whitespace to Python's str.strip (the store's test for blank text),
# spelled out: a JSON Schema engine's \S may take U+001C-U+001F or U+0085 for text.
_NOT_SPACE = (
    r"[^\t\n\u000b\f\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029"
    r"\u202f\u205f\u3000]"
)
NON_BLANK: dict[str, Any] = {"type": "string", "pattern": _NOT_SPACE}
_ID_CHARS = r"[^/\u0000-\u001f\u007f]"
# revisions.components._id_violations, and the ids the route table keeps (RESERVED_IDS).
COMPONENT_ID: dict[str, Any] = {
    "type": "string",
    "pattern": rf"^{_ID_CHARS}*[^\s/\u0000-\u001f\u007f]{_ID_CHARS}*$",
    "maxLength": 100,
    "not": {"enum": sorted(RESERVED_IDS)},
}
LIMIT: dict[str, Any] = {
    "type": "integer",
    "minimum": 0,
    "maximum": MAX_WINDOW,
    "description": f"At most {MAX_WINDOW:,}, and offset + limit at most {MAX_WINDOW:,}.",
}
OFFSET: dict[str, Any] = {
    **LIMIT,
    "description": (
        f"offset + limit at most {MAX_WINDOW:,}; page deeper with searchAfter (not with "
        "offset: give one or the other)."
    ),
}
SEARCH_AFTER: dict[str, Any] = {
    "type": "string",
    "description": "The searchAfter of the previous page, as given (an opaque token).",
}


# ``<code system>/<version>`` (revisions.registry.parse_extension_of).
EXTENSION_OF: dict[str, Any] = {"type": "string", "pattern": f"^{_NAME}/{_NAME}$"}


def codesystem_id(reserved_ids: frozenset[str]) -> dict[str, Any]:
    """A new code system's id: a branch name, not one of the API's first URL segments."""
    return {**BRANCH_NAME, "not": {"pattern": any_case(RESERVED_NAMES | reserved_ids)}}


def component_fields(type_name: str) -> dict[str, Any]:
    """Per property of a component body: max lengths and non-blank required fields
    (revisions.components)."""
    properties: dict[str, Any] = {"id": COMPONENT_ID}
    for field in TYPES[type_name].fields:
        rule: dict[str, Any] = {}
        if field.max_length:
            rule["maxItems" if field.kind == "ids" else "maxLength"] = field.max_length
        if field.required and field.kind == "str":
            rule["pattern"] = _NOT_SPACE
        if field.pattern is not None:  # e.g. a language tag
            rule["pattern"] = f"^{field.pattern.pattern}$"
        if rule:
            properties[camel(field.name)] = rule
    return properties


def required_fields(type_name: str) -> list[str]:
    return [camel(f.name) for f in TYPES[type_name].fields if f.required]


def sort_values(type_name: str) -> list[str]:
    """Every value ``sort`` takes for a kind (api.sorting.parse_sort)."""
    values = [ID, f"{ID}:asc", SCORE, f"{SCORE}:asc"]
    for name in sortable(type_name):
        values += [name, f"{name}:asc", f"{name}:desc"]
    return values


def expand(names: Iterable[str]) -> dict[str, Any]:
    """``expand``: comma-separated expansions of ``names`` (api.expand; options such as
    ``descriptions(limit:5)`` are described, not patterned); empty for a kind without any."""
    listed = sorted(names)
    if not listed:
        return {
            "type": "string",
            "maxLength": 0,
            "description": "This type has no expansions: leave it out (or empty).",
        }
    one = f"(?:{'|'.join(listed)})\\(\\)"
    return {
        "type": "string",
        "pattern": f"^(?:{one}(?:,{one})*)?$",
        "description": (
            "Comma-separated, each at most once; options as in docs/api.md, e.g. "
            "descriptions(limit:5). A request's expansions must fit the expansion budget "
            "(units per concept of the page: one for the descriptions, one for the mappings, "
            "more for concept collections and their nested limits; api.expansions.BUDGET): "
            'past it, 400 naming the largest page allowed (docs/api.md, "Expansion budget").'
        ),
    }
