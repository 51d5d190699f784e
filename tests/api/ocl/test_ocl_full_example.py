"""The "Full Example" of spec/ocl-export-api.txt round-trips field for field: its source,
concept and mapping created through the OCL API read back with the same values.

The data file is the example with its duplicated ``from_concept_code`` key read as the
``from_concept_name`` it stands for. Not compared: what the server assigns (``uuid`` of
the source, concept and mapping, ``version``/``version_url``, ``versions``, counts,
``created_*``/``updated_*``) and the source's own URLs, which in the example name another
id (``ICD-10``) than the one it has (``ICD-10-2010``). Compared after OCL's own
normalisations: names and descriptions come back in id order (their ``uuid``), text
booleans (``"true"``) are booleans, ``supported_locales`` given as ``"en,fr"`` is a list,
``owner_type`` is capitalised, a blank ``external_id`` is null.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

EXAMPLE = Path(__file__).parents[2] / "data" / "ocl_full_example.json"
ASSIGNED = {
    "uuid",
    "version",
    "version_url",
    "versions",
    "active_concepts",
    "active_mappings",
    "created_on",
    "created_by",
    "updated_on",
    "updated_by",
}
SOURCE_URLS = {"url", "versions_url", "concepts_url", "mappings_url"}


def normal(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: normal(v, k) for k, v in value.items() if k not in ASSIGNED - {"uuid"}}
    if isinstance(value, list):
        return [normal(v) for v in value]
    if value in ("true", "false"):
        return value == "true"
    if key == "supported_locales" and isinstance(value, str):
        return value.split(",")
    if key == "owner_type" and isinstance(value, str):
        return value.capitalize()
    if key == "external_id" and value == "":
        return None
    return value


def assert_round_trip(given: dict[str, Any], read: dict[str, Any], skip: set[str]) -> None:
    for key, value in given.items():
        if key in skip or key in ("concepts", "mappings", "names", "descriptions"):
            continue
        assert key in read, key
        assert normal(read[key], key) == normal(value, key), key


def test_full_example_round_trips(client: FlaskClient, who: str) -> None:
    example = json.loads(EXAMPLE.read_text())
    source = {k: v for k, v in example.items() if k not in ("concepts", "mappings")}
    created = client.post("/orgs/WHO/sources/", json=source)
    assert created.status_code == 201, created.get_json()
    url = "/orgs/WHO/sources/ICD-10-2010/"
    for concept in example["concepts"]:
        assert client.post(f"{url}concepts/", json=concept).status_code == 201
    for mapping in example["mappings"]:
        assert client.post(f"{url}mappings/", json=mapping).status_code == 201
    read = client.get(f"{url}?includeConcepts=true&includeMappings=true").get_json()
    assert_round_trip(source, read, ASSIGNED | SOURCE_URLS)
    (concept,) = read["concepts"]
    assert_round_trip(example["concepts"][0], concept, ASSIGNED)
    for field in ("names", "descriptions"):
        given = sorted(example["concepts"][0][field], key=lambda item: item["uuid"])
        # A name or description read back also says whether it is retired.
        assert normal(concept[field]) == [normal(item) | {"retired": False} for item in given]
    (mapping,) = read["mappings"]
    assert_round_trip(example["mappings"][0], mapping, ASSIGNED)
