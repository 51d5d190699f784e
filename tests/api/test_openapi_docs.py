"""``/openapi.json`` is a valid OpenAPI 3 document listing every route of ``api.routes``, and
``/docs`` is a self-contained HTML page that reads it (DESIGN.md §4)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.routes import TABLE as ROUTES
from api.routes import Route
from tests.api.helpers import BRANCH_FIELDS, JSON, ok

_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.headers["Content-Type"] == JSON
    return ok(response)


def _template(rule: str) -> str:
    return _PARAM.sub(r"{\1}", rule)


def _operation(document: dict[str, Any], route: Route) -> dict[str, Any]:
    return document["paths"][_template(route.rule)][route.method.lower()]


def _refs(data: Any) -> list[str]:
    if isinstance(data, dict):
        own = [data["$ref"]] if isinstance(data.get("$ref"), str) else []
        return own + [r for v in data.values() for r in _refs(v)]
    if isinstance(data, list):
        return [r for v in data for r in _refs(v)]
    return []


def test_the_document_is_openapi_3(document: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert isinstance(document["info"]["title"], str)
    assert isinstance(document["info"]["version"], str)
    assert isinstance(document["paths"], dict)


def test_every_route_is_in_the_document(document: dict[str, Any]) -> None:
    missing = [
        f"{r.method} {r.rule}"
        for r in ROUTES
        if r.method.lower() not in document["paths"].get(_template(r.rule), {})
    ]
    assert missing == []


def test_the_document_lists_nothing_else(document: dict[str, Any]) -> None:
    routed = {(_template(r.rule), r.method.lower()) for r in ROUTES}
    documented = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert documented == routed


def test_the_route_table_is_the_only_place_routes_come_from(app: Flask) -> None:
    served = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    # The native table and the OCL API's (api/ocl/routes.py), both in the document.
    assert served == {(r.rule, r.method) for r in ROUTES}


def test_operation_ids_are_the_endpoints_and_unique(document: dict[str, Any]) -> None:
    ids = [
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    assert len(ids) == len(set(ids))
    assert set(ids) == {r.endpoint for r in ROUTES}


def test_every_path_parameter_is_declared(document: dict[str, Any]) -> None:
    for route in ROUTES:
        declared = {
            p["name"]: p for p in _operation(document, route)["parameters"] if p["in"] == "path"
        }
        for name in _PARAM.findall(route.rule):
            assert name in declared, (route.endpoint, name)
            assert declared[name]["required"] is True


def test_every_route_documents_its_query_parameters(document: dict[str, Any]) -> None:
    for route in ROUTES:
        documented = {
            p["name"] for p in _operation(document, route)["parameters"] if p["in"] == "query"
        }
        assert set(route.query) <= documented, route.endpoint


def test_concept_search_documents_every_filter(document: dict[str, Any]) -> None:
    search = document["paths"]["/{path}/concepts"]["get"]
    names = {p["name"] for p in search["parameters"]}
    assert {
        "term",
        "active",
        "conceptClass",
        "id",
        "parent",
        "ancestor",
        "descendant",
        "effectiveTime",
        "module",
        "limit",
        "offset",
        "searchAfter",
        "expand",
    } <= names


def test_every_operation_has_its_success_status(document: dict[str, Any]) -> None:
    for route in ROUTES:
        responses = _operation(document, route)["responses"]
        assert str(route.status) in responses, route.endpoint
        assert all(re.fullmatch(r"[1-5]\d\d|default", code) for code in responses)
        assert all("description" in answer for answer in responses.values())


def test_every_body_is_documented_in_its_media_type(document: dict[str, Any]) -> None:
    for route in ROUTES:
        if route.body is not None:
            body = _operation(document, route)["requestBody"]
            upload = getattr(route, "form", False)
            media = "multipart/form-data" if upload else "application/json"
            assert media in body["content"], route.endpoint


def test_list_routes_document_csv_and_plain_text(document: dict[str, Any]) -> None:
    for route in ROUTES:
        if route.lists:
            content = _operation(document, route)["responses"]["200"]["content"]
            assert {"application/json", "text/csv"} <= set(content), route.endpoint


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    schemas = document.get("components", {}).get("schemas", {})
    refs = _refs(document)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref


def test_the_error_schema_is_the_error_shape(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]
    assert {"status", "message", "developerMessage", "violations"} <= set(error["properties"])
    assert error["properties"]["status"]["type"] == "string"


def test_the_component_schemas_name_the_documented_fields(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert {"id", "active", "released", "effectiveTime", "parents"} <= set(
        schemas["ConceptOut"]["properties"]
    )
    assert set(schemas["BranchOut"]["properties"]) >= BRANCH_FIELDS


def test_the_docs_page_is_html_that_reads_the_document(client: FlaskClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<html" in page.lower()
    assert "openapi.json" in page


def test_the_docs_page_loads_nothing_from_elsewhere(client: FlaskClient) -> None:
    page = client.get("/docs").get_data(as_text=True)
    assert not re.search(r"""<script[^>]+src=["']?https?:""", page, re.IGNORECASE)
    assert not re.search(r"""<link[^>]+href=["']?https?:""", page, re.IGNORECASE)


# Writes that read no body (OCL's reactivation of a user is a PUT of nothing, an export is
# built by a POST of nothing), and the routes that only refuse (405: OCL's frozen versions).
TAKES_NOTHING = {"user_reactivate"} | {
    f"ocl_{owner}_{kind}export_create"
    for owner in ("orgs", "users", "user")
    for kind in ("", "collection_")
}


def test_every_operation_that_reads_a_body_documents_it(document: dict[str, Any]) -> None:
    undocumented = [
        r.endpoint
        for r in ROUTES
        if r.method in ("POST", "PUT")
        and "requestBody" not in _operation(document, r)
        and r.endpoint not in TAKES_NOTHING
        and r.status != 405
    ]
    assert undocumented == []


def _declared(document: dict[str, Any], name: str) -> set[str]:
    return set(document["components"]["schemas"][name]["properties"])


def test_responses_use_only_documented_fields(
    client: FlaskClient, document: dict[str, Any]
) -> None:
    client.post("/codesystems", json={"id": "CS", "title": "t", "url": "u"})
    client.post("/codesystems/CS/versions", json={"version": "v1", "effectiveTime": "20210101"})
    client.post("/CS/concepts", json={"id": "100", "extras": {"a": 1}})
    client.post("/CS/descriptions", json={"id": "d1", "conceptId": "100", "term": "x"})
    client.post(
        "/CS/mappings", json={"id": "m1", "sourceId": "100", "targetCode": "X", "mapType": "Y"}
    )
    expand = "fsn(),pt(),descriptions(),mappings(),parents(),children(),ancestors(),descendants()"
    checks = {
        f"/CS/concepts?expand={expand}": ("ConceptList", "ConceptOut"),
        "/CS/descriptions": ("DescriptionList", "DescriptionOut"),
        "/CS/mappings": ("MappingList", "MappingOut"),
        "/branches": ("BranchList", "BranchOut"),
        "/codesystems": ("CodeSystemList", "CodeSystemOut"),
        "/codesystems/CS/versions": ("VersionList", "VersionOut"),
        "/commits?branch=MAIN/CS": ("CommitList", "CommitOut"),
        "/CS/concepts/100/history": ("RevisionList", "RevisionOut"),
    }
    for url, (envelope, item) in checks.items():
        data = ok(client.get(url))
        assert set(data) <= _declared(document, envelope), url
        for entry in data["items"]:
            assert set(entry) <= _declared(document, item), (url, entry)


def test_the_docs_page_is_swagger_ui_served_from_here(client: FlaskClient) -> None:
    page = client.get("/docs").get_data(as_text=True)
    assert 'src="/docs/swagger-ui-bundle.js"' in page
    assert 'url: "/openapi.json"' in page
    with client.get("/docs/swagger-ui-bundle.js") as script:  # closes the file it sends
        assert script.status_code == 200
        assert script.mimetype == "text/javascript"
        assert b"SwaggerUIBundle" in script.data
    with client.get("/docs/swagger-ui.css") as style:
        assert style.mimetype == "text/css"


def test_the_docs_page_urls_start_at_the_apps_root(client: FlaskClient) -> None:
    page = client.get("/docs", base_url="http://localhost/terminology/").get_data(as_text=True)
    assert 'src="/terminology/docs/swagger-ui-bundle.js"' in page
    assert 'url: "/terminology/openapi.json"' in page
    assert "$root" not in page


@pytest.mark.parametrize("name", ["missing.js", "..", "%2e%2e%2fsetup.cfg", "index.template.html"])
def test_only_swagger_ui_files_are_served_under_docs(client: FlaskClient, name: str) -> None:
    response = client.get(f"/docs/{name}")
    assert response.status_code == 404
    assert response.get_json()["status"] == "404"
