"""``pt()`` and ``fsn()`` follow ``Accept-Language`` (with q-values), then the code system's
default locale, then English; description languages and types are validated."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


def _describe(client: FlaskClient, path: str, *rows: tuple[str, str, str, str, bool]) -> None:
    assert client.post(f"/{path}/concepts", json={"id": "A"}).status_code == 201
    for did, term, language, kind, preferred in rows:
        body = {
            "id": did,
            "conceptId": "A",
            "term": term,
            "languageCode": language,
            "type": kind,
            "preferred": preferred,
        }
        response = client.post(f"/{path}/descriptions", json=body)
        assert response.status_code == 201, response.get_json()


@pytest.fixture
def bilingual(client: FlaskClient) -> FlaskClient:
    """The issue's case: on an English code system, a preferred French synonym and an English
    synonym that is not marked preferred."""
    assert client.post("/codesystems", json={"id": "CS", "title": "cs"}).status_code == 201
    _describe(
        client,
        "CS",
        ("fr-syn", "Cœur", "fr", "SYNONYM", True),
        ("en-syn", "Heart", "en", "SYNONYM", False),
        ("en-fsn", "Heart structure (body structure)", "en", "FSN", True),
        ("fr-fsn", "Structure du cœur (structure corporelle)", "fr-CA", "FSN", True),
    )
    return client


def _term(client: FlaskClient, expansion: str, language: str | None = None) -> str:
    headers = {"Accept-Language": language} if language else {}
    data = client.get(f"/CS/concepts/A?expand={expansion}()", headers=headers).get_json()
    return data[expansion]["term"]


def test_without_accept_language_pt_is_in_the_code_systems_default(bilingual: FlaskClient) -> None:
    assert _term(bilingual, "pt") == "Heart"
    assert _term(bilingual, "fsn") == "Heart structure (body structure)"


def test_accept_language_picks_the_language(bilingual: FlaskClient) -> None:
    assert _term(bilingual, "pt", "fr") == "Cœur"
    assert _term(bilingual, "fsn", "fr") == "Structure du cœur (structure corporelle)"


def test_q_values_order_the_languages(bilingual: FlaskClient) -> None:
    assert _term(bilingual, "pt", "en;q=0.4, fr;q=0.8") == "Cœur"
    assert _term(bilingual, "pt", "fr;q=0.4, en;q=0.8") == "Heart"
    assert _term(bilingual, "pt", "fr;q=0, de") == "Heart"  # q=0: not wanted; no de: default


def test_a_regional_tag_falls_back_to_its_language(bilingual: FlaskClient) -> None:
    assert _term(bilingual, "pt", "fr-BE") == "Cœur"
    assert _term(bilingual, "fsn", "fr-CA") == "Structure du cœur (structure corporelle)"


def test_the_code_systems_language_is_the_default(client: FlaskClient) -> None:
    body = {"id": "FR", "title": "fr", "language": "fr"}
    assert client.post("/codesystems", json=body).status_code == 201
    _describe(
        client,
        "FR",
        ("en", "Heart", "en", "SYNONYM", True),
        ("fr", "Cœur", "fr", "SYNONYM", False),
    )
    assert client.get("/FR/concepts/A?expand=pt()").get_json()["pt"]["term"] == "Cœur"


def test_a_language_code_must_be_a_language_tag(client: FlaskClient) -> None:
    client.post("/MAIN/concepts", json={"id": "A"})
    body = {"id": "d", "conceptId": "A", "term": "t", "languageCode": "English!"}
    response = client.post("/MAIN/descriptions", json=body)
    assert response.status_code == 400
    assert any("language tag" in v for v in response.get_json()["violations"])
    assert client.get("/MAIN/descriptions/d").status_code == 404


def test_a_description_type_must_be_one_the_code_system_takes(client: FlaskClient) -> None:
    client.post("/MAIN/concepts", json={"id": "A"})
    body = {"id": "d", "conceptId": "A", "term": "t", "type": "NICKNAME"}
    response = client.post("/MAIN/descriptions", json=body)
    assert response.status_code == 400
    assert response.get_json()["violations"] == [
        "'type' must be one of FSN, SYNONYM, DEFINITION, FULLY_SPECIFIED, SHORT, INDEX_TERM "
        "on this code system, not 'NICKNAME'."
    ]
    body["type"] = "Fully Specified"  # OCL's spelling of FULLY_SPECIFIED
    assert client.post("/MAIN/descriptions", json=body).status_code == 201


def test_a_code_system_names_its_description_types(client: FlaskClient) -> None:
    body = {"id": "SCT", "title": "snomed", "descriptionTypes": ["FSN", "SYNONYM", "ACRONYM"]}
    assert client.post("/codesystems", json=body).status_code == 201
    assert client.get("/codesystems/SCT").get_json()["descriptionTypes"] == [
        "FSN",
        "SYNONYM",
        "ACRONYM",
    ]
    _describe(client, "SCT", ("d1", "MI", "en", "ACRONYM", False))
    refused = {"id": "d2", "conceptId": "A", "term": "t", "type": "DEFINITION"}
    response = client.post("/SCT/descriptions", json=refused)
    assert response.status_code == 400
    assert "FSN, SYNONYM, ACRONYM" in response.get_json()["violations"][0]
    update = client.put("/codesystems/SCT", json={"descriptionTypes": []})
    assert update.status_code == 400  # at least one


def test_the_etag_of_a_pt_read_follows_accept_language(bilingual: FlaskClient) -> None:
    url = "/CS/concepts/A?expand=pt()"
    english = bilingual.get(url)
    french = bilingual.get(url, headers={"Accept-Language": "fr"})
    assert english.headers["ETag"] != french.headers["ETag"]
    again = bilingual.get(
        url, headers={"Accept-Language": "fr", "If-None-Match": english.headers["ETag"]}
    )
    assert again.status_code == 200
    assert again.get_json()["pt"]["term"] == "Cœur"
    same = bilingual.get(url, headers={"If-None-Match": english.headers["ETag"]})
    assert same.status_code == 304
