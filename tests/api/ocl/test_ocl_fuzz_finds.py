"""What fuzzing the OCL API from /openapi.json found (tests/api/test_schemathesis.py), each a
small named test: fields that were let through unchecked, and routes whose ``Allow`` named
methods of another route (a version segment that was one of the repository's own words)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.api.ocl.conftest import concept_body

MAPPING = {
    "map_type": "SAME-AS",
    "from_concept_url": "/orgs/WHO/sources/ICD/concepts/A1/",
    "to_source_url": "/orgs/WHO/sources/SNOMED/",
    "to_concept_code": "123",
}


def _violations(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.get_json()
    return response.get_json()["violations"]


def test_parent_urls_as_an_object_are_refused(client: FlaskClient, source: str) -> None:
    body = concept_body("B", parent_concept_urls={})
    said = _violations(client.post(f"{source}concepts/", json=body))
    assert said == ["'parent_concept_urls': Must be a list of concept URLs."]
    assert client.get(f"{source}concepts/B/").status_code == 404


def test_descriptions_as_an_object_are_refused(client: FlaskClient, source: str) -> None:
    body = concept_body("B", descriptions={})
    said = _violations(client.post(f"{source}concepts/", json=body))
    assert said == ["'descriptions': Must be a list."]


def test_a_names_flag_and_text_fields_are_checked(client: FlaskClient, source: str) -> None:
    name = {"name": "B", "locale": "en", "locale_preferred": 5}
    said = _violations(client.post(f"{source}concepts/", json=concept_body("B", names=[name])))
    assert said == ["'names[0].locale_preferred': Must be a valid boolean."]
    name = {"name": "B", "external_id": 7}
    said = _violations(client.post(f"{source}concepts/", json=concept_body("B", names=[name])))
    assert said == ["'names[0].external_id': Must be text."]


def test_a_from_code_that_is_not_text_is_refused_beside_a_url(
    client: FlaskClient, source: str
) -> None:
    said = _violations(client.post(f"{source}mappings/", json={**MAPPING, "from_concept_code": {}}))
    assert said == ["'from_concept_code': Must be text."]


def test_content_parameters_are_checked_without_content(client: FlaskClient, source: str) -> None:
    response = client.get(f"{source}?offset=1e-9")
    assert response.status_code == 400
    assert response.get_json()["message"] == "'offset' must be a whole number from 0 to 100000000."


def test_parent_urls_null_is_no_parents(client: FlaskClient, source: str) -> None:
    body = concept_body("B", parent_concept_urls=None)
    assert client.post(f"{source}concepts/", json=body).status_code == 201


def test_a_to_source_name_that_is_not_text_is_refused_beside_a_url(
    client: FlaskClient, source: str
) -> None:
    body = {**MAPPING, "to_source_name": {}}
    said = _violations(client.post(f"{source}mappings/", json=body))
    assert said == ["'to_source_name': Must be text."]


def test_a_blank_required_name_is_refused(client: FlaskClient, source: str) -> None:
    said = _violations(client.post("/orgs/WHO/collections/", json={"id": "C", "name": "\x1c "}))
    assert said == ["'name': This field is required (not blank)."]


def test_a_collection_cannot_be_renamed_blank(client: FlaskClient, who: str) -> None:
    assert client.post("/orgs/WHO/collections/", json={"id": "C", "name": "c"}).status_code == 201
    said = _violations(client.put("/orgs/WHO/collections/C/", json={"name": "\x1c"}))
    assert said == ["'name': Must not be blank."]
    assert client.get("/orgs/WHO/collections/C/").get_json()["name"] == "c"


def test_methods_of_a_version_are_not_allowed_on_the_sources_own_urls(
    client: FlaskClient, source: str
) -> None:
    for url in (f"{source}concepts/", f"{source}latest/", f"{source}versions/"):
        response = client.patch(url, json={})
        assert response.status_code == 405, url
        assert "PATCH" not in response.headers["Allow"]
    assert client.delete(f"{source}latest/").status_code == 405


def test_a_concepts_reactivate_url_is_not_one_of_its_versions(
    client: FlaskClient, source: str
) -> None:
    response = client.get(f"{source}concepts/A1/reactivate/")
    assert response.status_code == 405
    assert "GET" not in response.headers["Allow"]  # …/reactivate/ is a PUT only


# A hostile-input probe (2026-12-07): the OCL API stored components whose id is a segment of
# another native route (``POST …/concepts/search``), which no read by id could then reach.


def test_a_concept_id_search_is_refused(client: FlaskClient, source: str) -> None:
    said = _violations(client.post(f"{source}concepts/", json=concept_body("search")))
    assert said == ["changes[0] (concept 'search'): 'id': 'search' is reserved (a URL segment)."]
    assert client.get(f"{source}concepts/search/").status_code == 404


def test_a_name_and_a_mapping_id_search_are_refused(client: FlaskClient, source: str) -> None:
    name = {"name": "Found", "locale": "en", "uuid": "search"}
    response = client.post(f"{source}concepts/", json=concept_body("B", names=[name]))
    assert "'id': 'search' is reserved (a URL segment)." in " ".join(_violations(response))
    assert client.get(f"{source}concepts/B/").status_code == 404
    said = _violations(client.post(f"{source}mappings/", json={**MAPPING, "id": "search"}))
    assert said == ["'id': 'search' is reserved (a URL segment)."]
