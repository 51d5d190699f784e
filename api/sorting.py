"""The ``sort`` parameter of component searches, and the searchAfter keys of its orders.

``sort`` is ``id`` (the default without a term), ``score`` (the default with one: best match
first), or ``<field>[:asc|:desc]`` for a text, number or boolean field of the component
(API names, e.g. ``moduleId:desc``, ``term``, ``sortWeight``): blank values come last either
way, ties go by id. The searchAfter key of a field order is ``[blank, value, id]`` (blank 1
when the last item had no value; booleans as 0 and 1), opaque to clients.
"""

from __future__ import annotations

from typing import Any

from api.errors import Invalid
from api.paging import PagingError, decode_token, encode_token
from api.shapes import camel
from revisions import Order
from revisions.components import TYPES
from revisions.read import SORTABLE_KINDS

ID, SCORE = "id", "score"
_DIRECTIONS = {"": False, "asc": False, "desc": True}


def sortable(type_name: str) -> dict[str, tuple[str, str]]:
    """API field name -> (store field, kind) of the fields a search can sort by."""
    return {
        camel(f.name): (f.name, f.kind) for f in TYPES[type_name].fields if f.kind in SORTABLE_KINDS
    }


def parse_sort(type_name: str, value: Any) -> str | Order | None:
    """``ID``, ``SCORE``, an :class:`~revisions.Order`, or None when not given."""
    if value is None or value == "":
        return None
    name, _, direction = str(value).partition(":")
    fields = sortable(type_name)
    if name in (ID, SCORE) and direction in ("", "asc"):
        return name
    if name in fields and direction in _DIRECTIONS:
        return Order(fields[name][0], _DIRECTIONS[direction])
    choices = ", ".join([ID, SCORE, *(f"{n}[:asc|:desc]" for n in fields)])
    raise Invalid([f"Cannot sort by '{value}': use one of {choices}."])


def encode_key(key: tuple[Any, str]) -> str:
    value, component_id = key
    if value is None:
        return encode_token([1, 0, component_id])
    return encode_token([0, int(value) if isinstance(value, bool) else value, component_id])


def decode_key(type_name: str, order: Order, token: Any) -> tuple[Any, str] | None:
    """The (value, id) key a field order's searchAfter token holds; None if absent."""
    key = decode_token(token, 3)
    if key is None:
        return None
    blank, value, component_id = key
    kind = next(k for name, k in sortable(type_name).values() if name == order.field)
    if blank == 1 and isinstance(component_id, str):
        return None, component_id
    valid = blank == 0 and isinstance(component_id, str) and _of_kind(value, kind)
    if not valid:
        raise PagingError("searchAfter is not a token this server issued.")
    return (bool(value) if kind == "bool" else value), component_id


def _of_kind(value: Any, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return value in (0, 1)
    return isinstance(value, int | float)
