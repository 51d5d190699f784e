"""``/openapi.json`` says what each thing is: every operation, parameter, request body and body
field has a description, every request body an example, and uploads are file fields, so that
no route added later can go undocumented (issue 17). The examples are real: each is accepted
by the server, run in the route table's order on the demo code system."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from api.demo import load_demo
from api.openapi import Route, document
from api.routes import RESERVED_IDS
from api.routes import TABLE as ROUTES
from revisions import RevisionStore

_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
DOCUMENT = document(tuple(ROUTES), RESERVED_IDS)
SCHEMAS = DOCUMENT["components"]["schemas"]


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
    ]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def undescribed_fields(schema: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """The properties under ``schema`` (through $ref, allOf, items) without a description."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        seen.add(name)
        return undescribed_fields(SCHEMAS[name], name, seen)
    missing = []
    for part in schema.get("allOf", []):
        missing += undescribed_fields(part, where, seen)
    if "items" in schema:
        missing += undescribed_fields(schema["items"], where, seen)
    for prop, sub in schema.get("properties", {}).items():
        if not _resolve(sub).get("description") and not sub.get("description"):
            missing.append(f"{where}.{prop}")
        missing += undescribed_fields(sub, f"{where}.{prop}", seen)
    return missing


def test_there_are_operations_to_check() -> None:
    assert len(operations()) == len(ROUTES)


def test_every_operation_has_a_summary_and_a_description() -> None:
    bare = [
        f"{method.upper()} {path}"
        for path, method, operation in operations()
        if not operation.get("summary") or len(operation.get("description", "")) < 20
    ]
    assert bare == []


def test_every_parameter_has_a_description() -> None:
    bare = [
        f"{method.upper()} {path}: {parameter['in']} {parameter['name']}"
        for path, method, operation in operations()
        for parameter in operation["parameters"]
        if not parameter.get("description")
    ]
    assert bare == []


def test_every_request_body_has_a_description_and_an_example() -> None:
    bare = []
    for path, method, operation in operations():
        body = operation.get("requestBody")
        if body is None:
            continue
        if not body.get("description"):
            bare.append(f"{method.upper()} {path}: description")
        for media, content in body["content"].items():
            if not content.get("example"):
                bare.append(f"{method.upper()} {path}: example of {media}")
    assert bare == []


def test_every_field_of_a_request_body_has_a_description() -> None:
    missing = [
        field
        for path, method, operation in operations()
        if "requestBody" in operation
        for content in operation["requestBody"]["content"].values()
        for field in undescribed_fields(content["schema"], f"{method.upper()} {path}", set())
    ]
    assert missing == []


def test_the_walk_finds_an_undescribed_field() -> None:
    schema = {"properties": {"a": {"type": "string"}, "b": {"type": "string", "description": "x"}}}
    assert undescribed_fields(schema, "S", set()) == ["S.a"]


def test_uploads_are_file_fields() -> None:
    body = DOCUMENT["paths"]["/{path}/import"]["post"]["requestBody"]
    [media] = body["content"]
    assert media == "multipart/form-data"
    upload = _resolve(body["content"][media]["schema"])
    assert upload["properties"]["file"]["type"] == "string"
    assert upload["properties"]["file"]["format"] == "binary"
    assert upload["required"] == ["file"]


def test_the_merge_example_names_source_and_target() -> None:
    body = DOCUMENT["paths"]["/merges"]["post"]["requestBody"]["content"]["application/json"]
    assert {"source", "target"} <= set(body["example"])


def test_the_concept_create_example_has_inline_descriptions() -> None:
    content = DOCUMENT["paths"]["/{path}/concepts"]["post"]["requestBody"]["content"]
    example = content["application/json"]["example"]
    assert example["descriptions"]
    assert all("term" in description for description in example["descriptions"])


# --- the examples are accepted --------------------------------------------------------------

# Path parameters for the examples, on the demo code system DEMO (api/demo.py). The examples
# run in the route table's order: the branch, code system and version that one makes are
# there for those after it (the branch task-1 for its update, the extension ICD10X for the
# upgrade to DEMO's 2025 version).
COMPONENT_IDS = {"concept": "A15.0", "description": "A15.0-syn0", "mapping": "A15.0-SNOMED-CT"}
CODESYSTEMS = {"codesystem_upgrade": "ICD10X"}
NOT_JSON = {"import_upload"}  # a file: tests/api/test_import.py and tests/api/test_docs_page.py
# The accounts examples make the user jdoe and the organisation WHO for those after them.
ACCOUNT_VALUES = {"username": "jdoe", "org_id": "WHO"}
# The OCL examples (api/ocl/shapes.py) make, under WHO, the source MyDx, its version v1.0,
# the concept A15.0, the mapping A15.0-ICD-10, the collection Starter and its version v1.
# They run under /orgs/ only: /users/ and /user/ rows are the same views with the same
# bodies, which would make the same ids again.
OCL_VALUES = {"owner": "WHO", "source": "MyDx", "collection": "Starter"}
OCL_ITEMS = {"concepts": "A15.0", "mappings": "A15.0-ICD-10"}


def _url(route: Route) -> str:
    kind = next((k for k in OCL_ITEMS if f"/{k}/" in route.rule), "")
    values = {
        "path": "MAIN/task-1" if route.rule.startswith("/branches") else "DEMO",
        "codesystem_id": CODESYSTEMS.get(route.endpoint, "DEMO"),
        "component_id": COMPONENT_IDS.get(route.kind, ""),
        **ACCOUNT_VALUES,
        **OCL_VALUES,
        "version": "v1" if "/collections/" in route.rule else "v1.0",
        "item_id": OCL_ITEMS.get(kind, ""),
    }
    return _PARAM.sub(lambda match: values[match.group(1)], route.rule)


def _runs(route: Route) -> bool:
    """Whether the route's example is sent: a JSON body, not the /users/ or /user/ twin of
    an /orgs/ row."""
    twin = route.rule.startswith(("/users/<owner>", "/user/")) and "ocl" in route.tags
    return route.body is not None and route.endpoint not in NOT_JSON and not twin


def _example(route: Route) -> Any:
    operation = DOCUMENT["paths"][_PARAM.sub(r"{\1}", route.rule)][route.method.lower()]
    return operation["requestBody"]["content"]["application/json"]["example"]


def test_every_json_example_is_accepted_on_the_demo(
    client: FlaskClient, store: RevisionStore
) -> None:
    assert load_demo(store)
    refused, sent = {}, []
    for route in ROUTES:
        if not _runs(route):
            continue
        url = _url(route)
        if route.endpoint.endswith("_reactivate") and "ocl" in route.tags:
            assert client.delete(url.removesuffix("reactivate/")).status_code == 204  # retire
        sent.append(route.endpoint)
        response = client.open(url, method=route.method, json=_example(route))
        if response.status_code >= 300:
            refused[f"{route.method} {url}"] = (response.status_code, response.get_json())
    assert refused == {}
    assert {"merge_create", "concept_create", "codesystem_upgrade", "commit_create"} <= set(sent)
    made = ("source", "version", "concept", "mapping", "collection", "collection_version")
    assert {f"ocl_orgs_{name}_create" for name in made} <= set(sent)
    assert "ocl_orgs_collection_references_put" in sent
    assert client.get("/DEMO/concepts/A15.9/history").status_code == 200  # the create's
    assert client.get("/branches/MAIN/task-1").get_json()["metadata"] == {
        "assignee": "ben",
        "review": "pending",
    }
    members = client.get("/orgs/WHO/collections/Starter/v1/concepts/").get_json()
    assert [c["id"] for c in members] == ["A15.0"]  # the reference the example added
