"""Collection references through the OCL API: add (``PUT …/references/``), remove
(``DELETE``), list and get; what names nothing, what is malformed, what conflicts; on
SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.api.ocl.collecting import (
    COLLECTION,
    add_concept,
    add_refs,
    concept_url,
    ids,
    make_collection,
)
from tests.api.ocl.conftest import SOURCE
from tests.clients import client_as

REFS = f"{COLLECTION}references/"


def _expressions(client: FlaskClient, url: str = REFS) -> list[str]:
    return [r["expression"] for r in client.get(url).get_json()]


def _mapping(client: FlaskClient) -> str:
    add_concept(client, "A2")
    body = {
        "id": "M1",
        "map_type": "SAME-AS",
        "from_concept_url": concept_url("A1"),
        "to_concept_url": concept_url("A2"),
    }
    assert client.post(f"{SOURCE}mappings/", json=body).status_code == 201
    return f"{SOURCE}mappings/M1/"


def test_add_a_concept(client: FlaskClient, source: str) -> None:
    make_collection(client)
    answer = add_refs(client, concept_url())
    assert answer == [
        {
            "added": True,
            "expression": concept_url(),
            "message": "The concept A1 is successfully added to collection Common",
        }
    ]
    assert _expressions(client) == [concept_url()]
    reference = client.get(REFS).get_json()[0]
    assert reference["reference_type"] == "concepts"
    assert reference["uri"] == f"{REFS}{reference['id']}/"


def test_add_by_concepts_and_mappings_keys(client: FlaskClient, source: str) -> None:
    make_collection(client)
    mapping = _mapping(client)
    response = client.put(REFS, json={"data": {"concepts": [concept_url()], "mappings": [mapping]}})
    assert [a["added"] for a in response.get_json()] == [True, True]
    assert ids(client.get(f"{COLLECTION}mappings/")) == ["M1"]
    assert ids(client.get(f"{COLLECTION}concepts/")) == ["A1"]


def test_full_url_is_stored_as_its_path(client: FlaskClient, source: str) -> None:
    make_collection(client)
    answer = add_refs(client, f"https://ocl.example.org{SOURCE}concepts/A1")
    assert answer[0]["expression"] == concept_url()


def test_pinned_concept_version_message(client: FlaskClient, source: str) -> None:
    make_collection(client)
    version = client.get(f"{SOURCE}concepts/A1/").get_json()["version"]
    answer = add_refs(client, concept_url("A1", version))
    assert answer[0]["added"] is True
    assert answer[0]["message"].startswith("Added the concept version to the collection.")
    assert client.get(REFS).get_json()[0]["resource_version"] == version


def test_expressions_naming_nothing_are_not_added(client: FlaskClient, source: str) -> None:
    make_collection(client)
    client.post(f"{SOURCE}versions/", json={"id": "v1"})
    nothing = [
        concept_url("NOPE"),
        "/orgs/WHO/sources/NOSOURCE/concepts/A1/",
        "/orgs/NOBODY/sources/ICD/concepts/A1/",
        f"{SOURCE}v9/concepts/A1/",
        concept_url("A1", "12345"),
        f"{SOURCE}mappings/A1/",
    ]
    answer = add_refs(client, *nothing)
    assert [a["added"] for a in answer] == [False] * len(nothing)
    for a in answer:
        description = a["message"][a["expression"]]["errors"][0]["description"]
        assert "nothing" in description or "no version" in description
    assert client.get(REFS).get_json() == []


def test_a_source_resolved_once_serves_every_expression_of_a_request(
    client: FlaskClient, source: str
) -> None:
    # each source is looked up once a request: an item it lacks fails alone
    make_collection(client)
    add_concept(client, "A2")
    client.post(f"{SOURCE}versions/", json={"id": "v1"})
    asked = [concept_url("NOPE"), concept_url("A1"), f"{SOURCE}v1/concepts/A2/", concept_url("NO")]
    answer = add_refs(client, *asked)
    assert [a["added"] for a in answer] == [False, True, True, False]
    asked = asked[:3]
    assert sorted(_expressions(client)) == sorted(asked[1:])
    assert add_refs(client, concept_url("A2"))[0]["added"] is False  # A2 is in, at v1


def test_the_same_expression_twice_conflicts(client: FlaskClient, source: str) -> None:
    make_collection(client)
    first = add_refs(client, concept_url())
    assert first[0]["added"] is True
    again = add_refs(client, concept_url(), concept_url())
    reference_id = client.get(REFS).get_json()[0]["id"]
    error = again[0]["message"][concept_url()]["errors"][0]
    assert again[0]["added"] is False
    assert error["description"] == (
        "Concept or Mapping reference name must be unique in a collection."
    )
    assert error["conflicting_references"] == [f"{REFS}{reference_id}/"]
    assert len(client.get(REFS).get_json()) == 1


def test_two_expressions_of_one_concept_in_one_request(client: FlaskClient, source: str) -> None:
    make_collection(client)
    version = client.get(f"{SOURCE}concepts/A1/").get_json()["version"]
    answer = add_refs(client, concept_url(), concept_url("A1", version))
    assert [a["added"] for a in answer] == [True, False]


def test_malformed_expressions_are_400_naming_them_and_nothing_is_added(
    client: FlaskClient, source: str
) -> None:
    make_collection(client)
    body = {"data": {"expressions": [concept_url(), "not a url", 42, "/orgs/WHO/sources/ICD/"]}}
    response = client.put(REFS, json=body)
    assert response.status_code == 400
    violations = response.get_json()["violations"]
    assert len(violations) == 3
    assert violations[0].startswith("'data.expressions[1]': 'not a url'")
    assert violations[1].startswith("'data.expressions[2]': '42'")
    assert client.get(REFS).get_json() == []


def test_a_mapping_under_concepts_is_400(client: FlaskClient, source: str) -> None:
    make_collection(client)
    response = client.put(REFS, json={"data": {"concepts": [f"{SOURCE}mappings/M1/"]}})
    assert response.status_code == 400
    assert "is not a URL of concepts" in response.get_json()["violations"][0]


def test_collection_expressions_are_not_references(client: FlaskClient, source: str) -> None:
    make_collection(client)
    response = client.put(REFS, json={"data": {"expressions": [f"{COLLECTION}concepts/A1/"]}})
    assert response.status_code == 400


def test_bodies_without_expressions_are_400(client: FlaskClient, source: str) -> None:
    make_collection(client)
    for body in ({}, {"data": []}, {"data": {}}, {"data": {"expressions": "x"}}):
        response = client.put(REFS, json=body)
        assert response.status_code == 400, body
        assert response.get_json()["violations"][0].startswith("'data")


def test_references_of_unknown_collection_are_404(client: FlaskClient, source: str) -> None:
    body = {"data": {"expressions": [concept_url()]}}
    assert client.put("/orgs/WHO/collections/NOPE/references/", json=body).status_code == 404
    assert client.get("/orgs/WHO/collections/NOPE/references/").status_code == 404
    assert client.put("/orgs/NOPE/collections/C/references/", json=body).status_code == 404


def test_remove_by_references_and_expressions(client: FlaskClient, source: str) -> None:
    make_collection(client)
    add_concept(client, "A2")
    add_concept(client, "A3")
    add_refs(client, concept_url("A1"), concept_url("A2"), concept_url("A3"))
    response = client.delete(REFS, json={"references": [concept_url("A1")]})
    assert response.status_code == 204
    assert response.data == b""
    client.delete(REFS, json={"expressions": [f"http://x{SOURCE}concepts/A3"]})
    assert _expressions(client) == [concept_url("A2")]
    assert ids(client.get(f"{COLLECTION}concepts/")) == ["A2"]


def test_remove_by_id_and_all(client: FlaskClient, source: str) -> None:
    make_collection(client)
    add_concept(client, "A2")
    add_refs(client, concept_url("A1"), concept_url("A2"))
    first = client.get(REFS).get_json()[0]["id"]
    assert client.delete(REFS, json={"ids": [first]}).status_code == 204
    assert _expressions(client) == [concept_url("A2")]
    assert client.delete(REFS, json={"references": "*"}).status_code == 204
    assert client.get(REFS).get_json() == []


def test_remove_by_70000_expressions_and_ids(client: FlaskClient, source: str) -> None:
    # 65,536 of them, bound one value each, passed PostgreSQL's limit: a 500
    make_collection(client)
    add_concept(client, "A2")
    add_refs(client, concept_url("A1"), concept_url("A2"))
    first = client.get(REFS).get_json()[0]["id"]
    others = [concept_url(f"X{i}") for i in range(70_000)]
    unknown = [*range(10**6, 10**6 + 70_000)]
    body = {"expressions": [*others, concept_url("A2")], "ids": unknown}
    assert client.delete(REFS, json=body).status_code == 204
    assert _expressions(client) == [concept_url("A1")]
    assert client.delete(REFS, json={"ids": [*unknown, first]}).status_code == 204
    assert _expressions(client) == []


def test_remove_nothing_matching_is_204(client: FlaskClient, source: str) -> None:
    make_collection(client)
    add_refs(client, concept_url())
    assert client.delete(REFS, json={"references": [concept_url("ZZ")]}).status_code == 204
    assert _expressions(client) == [concept_url()]


def test_remove_without_references_is_400(client: FlaskClient, source: str) -> None:
    make_collection(client)
    for body in ({}, {"references": [1]}, {"ids": ["x"]}):
        response = client.delete(REFS, json=body)
        assert response.status_code == 400, body
        assert response.get_json()["violations"]


def test_a_removed_reference_can_be_added_again(client: FlaskClient, source: str) -> None:
    make_collection(client)
    add_refs(client, concept_url())
    client.delete(REFS, json={"references": [concept_url()]})
    assert add_refs(client, concept_url())[0]["added"] is True


def test_references_under_a_version_are_read_only(client: FlaskClient, source: str) -> None:
    make_collection(client)
    client.post(f"{COLLECTION}versions/", json={"id": "v1"})
    body = {"data": {"expressions": [concept_url()]}}
    assert client.put(f"{COLLECTION}v1/references/", json=body).status_code == 405
    deleted = client.delete(f"{COLLECTION}v1/references/", json={"references": "*"})
    assert deleted.status_code == 405
    assert client.get(REFS).get_json() == []


def test_members_are_never_written_through_a_collection(client: FlaskClient, source: str) -> None:
    make_collection(client)
    add_refs(client, concept_url())
    assert client.post(f"{COLLECTION}concepts/", json={"id": "X"}).status_code == 405
    assert client.put(f"{COLLECTION}concepts/A1/", json={}).status_code == 405
    assert client.delete(f"{COLLECTION}mappings/M1/").status_code == 405


def test_references_are_paged(client: FlaskClient, source: str) -> None:
    make_collection(client)
    add_concept(client, "A2")
    add_concept(client, "A3")
    add_refs(client, concept_url("A1"), concept_url("A2"), concept_url("A3"))
    response = client.get(f"{REFS}?limit=2&page=2")
    assert [r["code"] for r in response.get_json()] == ["A3"]
    assert response.headers["num_found"] == "3"
    assert "previous" in response.headers


def test_one_reference(client: FlaskClient, source: str) -> None:
    make_collection(client)
    add_refs(client, concept_url())
    reference_id = client.get(REFS).get_json()[0]["id"]
    data = client.get(f"{REFS}{reference_id}/").get_json()
    assert data["expression"] == concept_url()
    assert client.get(f"{REFS}999/").status_code == 404
    assert client.get(f"{REFS}abc/").status_code == 404


def test_a_member_not_referenced_is_404(client: FlaskClient, source: str) -> None:
    make_collection(client)
    add_concept(client, "A2")
    add_refs(client, concept_url("A1"))
    assert client.get(f"{COLLECTION}concepts/A1/").get_json()["id"] == "A1"
    response = client.get(f"{COLLECTION}concepts/A2/")
    assert response.status_code == 404
    assert "A2" in response.get_json()["message"]


def test_hostile_expressions_are_400(client: FlaskClient, source: str) -> None:
    make_collection(client)
    hostile = [
        f"{SOURCE}concepts/" + "x" * 1000 + "/",
        f"{SOURCE}concepts/A1/1/2/3/",
        "/orgs//sources/ICD/concepts/A1/",
        None,
    ]
    response = client.put(REFS, json={"data": {"expressions": hostile}})
    assert response.status_code == 400
    assert len(response.get_json()["violations"]) == len(hostile)


def test_odd_but_well_formed_expressions_name_nothing(client: FlaskClient, source: str) -> None:
    make_collection(client)
    odd = [
        f"{SOURCE}concepts/" + "x" * 300 + "/",
        f"{SOURCE}concepts/A1/" + "9" * 40 + "/",
        f"{SOURCE}concepts/A1/latest/",
        f"{SOURCE}" + "v" * 300 + "/concepts/A1/",
    ]
    answer = add_refs(client, *odd)
    assert [a["added"] for a in answer] == [False] * len(odd)


def test_non_ascii_digits_and_huge_numbers_are_not_500s(client: FlaskClient, source: str) -> None:
    make_collection(client)
    answer = add_refs(client, concept_url("A1", "²"), concept_url("A1", "1" * 25))
    assert [a["added"] for a in answer] == [False, False]
    assert client.get(f"{REFS}²/").status_code == 404
    assert client.get(f"{REFS}{'9' * 30}/").status_code == 404
    response = client.delete(REFS, json={"ids": [2**63]})
    assert response.status_code == 400
    assert response.get_json()["violations"] == ["'ids': Must be a list of reference ids."]


# --- members from sources the caller may not see ----------------------------------------------


def test_members_from_a_private_source_are_hidden_from_outsiders(
    app: Flask, client: FlaskClient, source: str
) -> None:
    """A public collection may hold references into a private source: an outsider sees the
    collection but none of that source's concepts (the source answers them 404); staff see
    them."""
    make_collection(client)
    add_refs(client, concept_url("A1"))
    assert client.put(source, json={"public_access": "None"}).status_code == 200
    outsider = client_as(app, "olga", staff=False)
    assert outsider.get(source).status_code == 404
    assert outsider.get(COLLECTION).status_code == 200
    assert ids(outsider.get(f"{COLLECTION}concepts/")) == []
    assert outsider.get(f"{COLLECTION}concepts/A1/").status_code == 404
    content = outsider.get(f"{COLLECTION}?includeConcepts=true&limit=0").get_json()
    assert content["concepts"] == []
    assert ids(client.get(f"{COLLECTION}concepts/")) == ["A1"]
