"""Adding references with OCL's ``cascade`` (the mappings from a concept in its source, and
with ``sourcetoconcepts`` the concepts they point to) and ``transformReferences`` (pinned
to the item's version of the moment), given in the query or in ``data``; on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.api.ocl.collecting import COLLECTION, add_concept, concept_url, ids, make_collection
from tests.api.ocl.conftest import SOURCE

REFS = f"{COLLECTION}references/"


def _map(client: FlaskClient, mid: str, source: str, target: str | None) -> None:
    body = {"id": mid, "map_type": "SAME-AS", "from_concept_url": concept_url(source)}
    if target is None:
        body |= {"to_source_url": "/orgs/IHTSDO/sources/SNOMED/", "to_concept_code": "1"}
    else:
        body["to_concept_url"] = concept_url(target)
    assert client.post(f"{SOURCE}mappings/", json=body).status_code == 201


@pytest.fixture
def mapped(client: FlaskClient, source: str) -> FlaskClient:
    """A1 maps to A2 (M1) and outside the server (M2); A2 maps to A3 (M3), one level on."""
    for cid in ("A2", "A3"):
        add_concept(client, cid)
    _map(client, "M1", "A1", "A2")
    _map(client, "M2", "A1", None)
    _map(client, "M3", "A2", "A3")
    make_collection(client)
    return client


def _add(client: FlaskClient, query: str = "", **data: object) -> list[dict]:
    body = {"data": {"expressions": [concept_url("A1")], **data}}
    response = client.put(f"{REFS}{query}", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_without_cascade_only_the_concept_is_added(mapped: FlaskClient) -> None:
    assert [a["expression"] for a in _add(mapped)] == [concept_url("A1")]
    assert ids(mapped.get(f"{COLLECTION}mappings/")) == []


def test_cascade_sourcemappings_adds_the_concepts_mappings(mapped: FlaskClient) -> None:
    answer = _add(mapped, "?cascade=sourcemappings")
    assert [(a["expression"], a["added"]) for a in answer] == [
        (concept_url("A1"), True),
        (f"{SOURCE}mappings/M1/", True),
        (f"{SOURCE}mappings/M2/", True),
    ]
    assert ids(mapped.get(f"{COLLECTION}mappings/")) == ["M1", "M2"]
    assert ids(mapped.get(f"{COLLECTION}concepts/")) == ["A1"]


def test_cascade_sourcetoconcepts_adds_their_targets_one_level(mapped: FlaskClient) -> None:
    _add(mapped, cascade="sourceToConcepts")  # in data, any case, as OCL reads it
    assert ids(mapped.get(f"{COLLECTION}concepts/")) == ["A1", "A2"]  # not A3: one level
    assert ids(mapped.get(f"{COLLECTION}mappings/")) == ["M1", "M2"]


def test_cascaded_references_already_held_are_conflicts_not_errors(mapped: FlaskClient) -> None:
    mapped.put(REFS, json={"data": {"mappings": [f"{SOURCE}mappings/M1/"]}})
    answer = _add(mapped, "?cascade=sourcemappings")
    assert [a["added"] for a in answer] == [True, False, True]
    assert ids(mapped.get(f"{COLLECTION}mappings/")) == ["M1", "M2"]


def test_transform_resourceversions_pins_the_current_version(mapped: FlaskClient) -> None:
    version = mapped.get(f"{SOURCE}concepts/A1/").get_json()["version"]
    answer = _add(mapped, "?transformReferences=resourceversions")
    assert answer[0]["expression"] == concept_url("A1", version)
    assert answer[0]["message"].startswith("Added the concept version")
    edited = {"names": [{"name": "Renamed", "locale": "en", "locale_preferred": True}]}
    assert mapped.put(f"{SOURCE}concepts/A1/", json=edited).status_code == 200
    member = mapped.get(f"{COLLECTION}concepts/A1/").get_json()
    assert member["version"] == version  # the pinned one, not the rename
    assert member["display_name"] != "Renamed"


def test_transform_extensional_keeps_explicit_expressions(mapped: FlaskClient) -> None:
    answer = _add(mapped, "?transformReferences=extensional")
    assert answer[0]["expression"] == concept_url("A1")


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("?cascade=everything", "'cascade': Must be one of sourcemappings, sourcetoconcepts"),
        ("?transformReferences=x", "'transformReferences': Must be one of resourceversions"),
    ],
)
def test_unknown_options_are_400_and_add_nothing(
    mapped: FlaskClient, query: str, said: str
) -> None:
    response = mapped.put(f"{REFS}{query}", json={"data": {"expressions": [concept_url("A1")]}})
    assert response.status_code == 400
    assert said in response.get_data(as_text=True)
    assert mapped.get(REFS).get_json() == []


def test_a_non_text_cascade_in_data_is_400(mapped: FlaskClient) -> None:
    body = {"data": {"expressions": [concept_url("A1")], "cascade": ["sourcemappings"]}}
    assert mapped.put(REFS, json=body).status_code == 400


def test_a_cascaded_removal_removes_the_concepts_mappings_too(mapped: FlaskClient) -> None:
    _add(mapped, "?cascade=sourcetoconcepts")
    body = {"references": [concept_url("A1")]}
    assert mapped.delete(f"{REFS}?cascade=sourcemappings", json=body).status_code == 204
    assert ids(mapped.get(f"{COLLECTION}mappings/")) == []
    assert ids(mapped.get(f"{COLLECTION}concepts/")) == ["A2"]  # sourcemappings: not A2


def test_a_removal_without_cascade_keeps_the_mappings(mapped: FlaskClient) -> None:
    _add(mapped, "?cascade=sourcemappings")
    assert mapped.delete(REFS, json={"references": [concept_url("A1")]}).status_code == 204
    assert ids(mapped.get(f"{COLLECTION}mappings/")) == ["M1", "M2"]


def test_cascaded_references_are_answered_right_after_their_concept(mapped: FlaskClient) -> None:
    body = {"data": {"expressions": [concept_url("A2"), concept_url("A3")]}}
    response = mapped.put(f"{REFS}?cascade=sourcemappings", json=body)
    assert [a["expression"] for a in response.get_json()] == [
        concept_url("A2"),
        f"{SOURCE}mappings/M3/",
        concept_url("A3"),
    ]
