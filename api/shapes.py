"""Response shapes: one declaration per resource drives its JSON, its CSV columns and its
OpenAPI schema.

A :class:`Shape` is a tuple of :class:`Prop` in output order. Each prop names an API field
(camelCase), its marshmallow field (what the OpenAPI document says about it), and where its
value comes from: a Python expression over ``item`` (the store value), optionally passed
through a converter. A blank (None) value is left out of the JSON. A prop without a source
is added by someone else (an expansion) and is only documented.

From the declaration a shape builds, once: a render function generated as Python source
(one line per prop, no loop and no call per field: components are rendered thousands of
times per request, a marshmallow ``dump`` per item would cost ten times as much), the
CSV columns (the rendered props in order), and the ``<Name>Out`` / ``<Name>List`` schemas.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields

Render = Callable[[Any], dict[str, Any]]


@functools.cache
def camel(name: str) -> str:
    """``module_id`` -> ``moduleId``: the store's field names as the API spells them."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def snake(name: str) -> str:
    """``moduleId`` -> ``module_id``: the inverse of :func:`camel`."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


_DEFAULT = "<item.snake_case of the name>"


@dataclass(frozen=True, slots=True)
class Prop:
    """One field of a response: ``source`` is an expression over ``item`` (by default
    ``item.<snake name>``), None for a field that an expansion adds; ``convert`` turns a
    non-blank value into its JSON form."""

    name: str
    field: fields.Field
    source: str | None = _DEFAULT
    convert: Callable[[Any], Any] | None = None

    @property
    def expression(self) -> str | None:
        return f"item.{snake(self.name)}" if self.source == _DEFAULT else self.source


class ListOf(Schema):
    """The list envelope (DESIGN §4)."""

    offset = fields.Int()
    limit = fields.Int(required=True)
    total = fields.Int(required=True)
    searchAfter = fields.Str()


class Shape:
    """A resource's response shape; ``render(item)`` is its JSON (a dict)."""

    def __init__(self, name: str, props: Iterable[Prop], schema_name: str | None = None) -> None:
        self.name = name
        self.schema_name = schema_name or f"{name}Out"
        self.props = tuple(props)
        rendered = [p for p in self.props if p.expression is not None]
        self.columns: tuple[str, ...] = tuple(p.name for p in rendered)
        self.render: Render = _renderer(name, rendered)

    @functools.cached_property
    def schema(self) -> type[Schema]:
        """``<Name>Out`` unless named otherwise: the OpenAPI schema of one item."""
        declared = {p.name: p.field for p in self.props}
        return Schema.from_dict(declared, name=self.schema_name)

    @functools.cached_property
    def list_schema(self) -> type[Schema]:
        """``<Name>List``: the list envelope of these items."""
        items = fields.List(fields.Nested(self.schema), required=True)
        return ListOf.from_dict({"items": items}, name=f"{self.name}List")


def _renderer(name: str, props: list[Prop]) -> Render:
    """The render function of ``props``, generated from the declarations alone."""
    namespace: dict[str, Any] = {}
    lines = ["def render(item):", "    data = {}"]
    for i, prop in enumerate(props):
        value = "value"
        if prop.convert is not None:
            namespace[f"convert_{i}"] = prop.convert
            value = f"convert_{i}(value)"
        lines += [
            f"    value = {prop.expression}",
            "    if value is not None:",
            f"        data[{prop.name!r}] = {value}",
        ]
    lines.append("    return data")
    exec("\n".join(lines) + "\n", namespace)  # the source is built from the declaration alone
    render = namespace["render"]
    render.__qualname__ = render.__name__ = f"render_{name}"
    return render
