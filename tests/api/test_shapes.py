"""``api.shapes`` and the declarations in ``api.render``: one declaration per resource gives
its JSON, its CSV columns and its OpenAPI schema, and component shapes follow the store's
component types."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from marshmallow import fields

from api import render, schemas
from api.shapes import Prop, Shape, camel, snake
from revisions import Component, Revision
from revisions.components import TYPES
from revisions.merge import ConflictingAttribute, MergeConflict


def test_camel_and_snake_are_inverse() -> None:
    assert camel("target_code_system") == "targetCodeSystem"
    assert snake("targetCodeSystem") == "target_code_system"
    for ctype in TYPES.values():
        assert all(snake(camel(name)) == name for name in ctype.field_names)


def test_a_shape_renders_in_declared_order_leaving_out_blanks_and_converting_values() -> None:
    shape = Shape(
        "Thing",
        [
            Prop("b", fields.Str()),
            Prop("aCount", fields.Int(), "len(item.a_list)"),
            Prop("when", fields.Str(), "item.ts", lambda ms: f"at {ms}"),
            Prop("never", fields.Str(), "item.ts", lambda ms: f"at {ms}"),
            Prop("added", fields.Dict(), source=None),
        ],
    )

    class Item:
        b, a_list, ts = "x", [1, 2], 5

    assert list(shape.render(Item())) == ["b", "aCount", "when", "never"]
    assert shape.render(Item())["when"] == "at 5"
    Item.ts = None  # type: ignore[assignment]
    assert shape.render(Item()) == {"b": "x", "aCount": 2}
    assert shape.columns == ("b", "aCount", "when", "never")
    assert set(shape.schema().fields) == {"b", "aCount", "when", "never", "added"}
    assert shape.schema.__name__ == "ThingOut"
    assert shape.list_schema.__name__ == "ThingList"


@pytest.mark.parametrize("type_name", sorted(TYPES))
def test_component_shapes_follow_the_component_types(type_name: str) -> None:
    fields_in_api = tuple(camel(name) for name in TYPES[type_name].field_names)
    shape = render.COMPONENTS[type_name]
    assert shape.columns == ("id", *fields_in_api, "released", "effectiveTime")
    assert render.CONTENTS[type_name].columns == ("id", *fields_in_api)


@pytest.mark.parametrize("type_name", sorted(TYPES))
def test_component_input_schemas_take_the_component_types_fields(type_name: str) -> None:
    schema = {"concept": schemas.ConceptIn, "description": schemas.DescriptionIn}.get(
        type_name, schemas.MappingIn
    )()
    taken = {f.data_key or name for name, f in schema.fields.items()}
    assert taken - {"id", "commitComment"} == {camel(n) for n in TYPES[type_name].field_names}


def test_a_component_renders_its_content_then_its_release_status() -> None:
    content = dict.fromkeys(TYPES["concept"].field_names)
    content.update(active=True, module_id="m", parents=["p"])
    item = Component("concept", "c1", content, "MAIN", 1, 1, True, "20240101")
    assert render.component(item) == {
        "id": "c1",
        "active": True,
        "moduleId": "m",
        "parents": ["p"],
        "released": True,
        "effectiveTime": "20240101",
    }
    entry = Revision("concept", "c1", "MAIN", 1, None, False, content, "me", None)
    assert render.REVISION.render(entry)["component"] == {
        "id": "c1",
        "active": True,
        "moduleId": "m",
        "parents": ["p"],
    }
    gone = Revision("concept", "c1", "MAIN", 2, None, True, None, None, None)
    assert render.REVISION.render(gone) == {"branch": "MAIN", "timestamp": 2, "deleted": True}


def test_a_conflict_record_renders_in_the_documented_shape() -> None:
    attribute = ConflictingAttribute("module_id", "a", None, ["b"])
    conflict = MergeConflict("c1", "concept", "CONFLICTING_CHANGE", (attribute,), "m")
    assert render.conflicts([asdict(conflict)]) == [
        {
            "componentId": "c1",
            "componentType": "concept",
            "type": "CONFLICTING_CHANGE",
            "conflictingAttributes": [
                {"property": "moduleId", "oldValue": "a", "targetValue": '["b"]'}
            ],
            "message": "m",
        }
    ]


def test_a_conflict_kept_rendered_by_an_older_job_is_shown_as_it_is() -> None:
    rendered = {"componentId": "c1", "componentType": "concept", "type": "X", "message": "m"}
    assert render.conflicts([rendered]) == [rendered]
