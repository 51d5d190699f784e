"""The export's whole-version streams (``exporter.ocl_stream.view_concepts`` and
``view_mappings`` over ``RevisionStore.scan``) write byte for byte the ``export.json`` that
serialising each object on its own with ``exporter.ocl_json`` gives (its descriptions read
by ``referring``, its edit times by ``edit_times``), on SQLite and PostgreSQL: names and
definitions, extras, a retired concept and mapping, several edits, mappings within the
source and to another one, and changes after the version that it must not show."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.ocl import repo_content
from exporter import exports, ocl_json, ocl_stream
from exporter.exports import Key
from exporter.ocl_json import Place
from exporter.storage import FileStorage
from revisions import ManualClock, ReadPoint, RevisionStore
from revisions.filters import Filter
from revisions.values import dumps
from revisions.visibility import View
from tests.api.ocl.conftest import concept_body
from tests.api.ocl.exports_helpers import make_version, settle

PLACE = Place("orgs", "WHO", "ICD", "ICD")


@pytest.fixture
def version(client: FlaskClient, source: str, store: RevisionStore, clock: ManualClock) -> View:
    """Version v1 of WHO/ICD, then edits at HEAD it must not show; its view."""
    body = concept_body(
        "C3",
        names=[
            {"name": "Nom de C3", "locale": "fr", "locale_preferred": True},
            {"name": "C3 synonym", "locale": "en", "name_type": "Synonym"},
            {"name": "Name of C3", "locale": "en", "locale_preferred": True},
        ],
        descriptions=[{"description": "A definition", "locale": "en"}],
        extras={"parent": "A1", "rank": 2},
    )
    assert client.post(f"{source}concepts/", json=body).status_code == 201
    clock.advance(60_000)
    edited = {**body, "extras": {"parent": "A1", "rank": 3}}
    assert client.put(f"{source}concepts/C3/", json=edited).status_code == 200
    assert client.post(f"{source}concepts/", json=concept_body("B2")).status_code == 201
    assert client.post(f"{source}concepts/", json=concept_body("D4")).status_code == 201
    clock.advance(60_000)
    assert client.delete(f"{source}concepts/B2/").status_code == 204
    internal = {"id": "M2", "map_type": "SAME-AS", "from_concept_code": "C3"}
    internal |= {"to_concept_url": f"{source}concepts/A1/", "from_source_url": source}
    assert client.post(f"{source}mappings/", json=internal).status_code == 201
    external = {
        "id": "M1",
        "map_type": "NARROWER-THAN",
        "from_concept_code": "D4",
        "from_source_url": source,
        "to_source_url": "/orgs/IHTSDO/sources/SNOMED/",
        "to_concept_code": "154283005",
        "extras": {"weight": 1},
    }
    assert client.post(f"{source}mappings/", json=external).status_code == 201
    assert client.delete(f"{source}mappings/M1/").status_code == 204
    make_version(client)
    assert settle(client, f"{source}v1/export/").status_code == 200
    clock.advance(60_000)
    assert client.post(f"{source}concepts/", json=concept_body("E5")).status_code == 201
    changed = concept_body("A1", extras={"x": 1})
    assert client.put(f"{source}concepts/A1/", json=changed).status_code == 200
    return store.view(ReadPoint(store.codesystems.get_version("ICD", "v1").branch_path))


def _all(store: RevisionStore, view: View, type_name: str) -> list[Any]:
    found, after = [], None
    while True:
        page = store.page(view, type_name, Filter(), after=after, limit=2)
        found += page.items
        if page.next_after is None:
            return found
        after = page.next_after


def one_by_one(store: RevisionStore, view: View) -> tuple[list[bytes], list[bytes]]:
    """Each concept and mapping serialised on its own, as the OCL API reads one."""
    concepts = []
    for concept in _all(store, view, "concept"):
        descriptions = store.referring(view, "description", "concept_id", [concept.id])
        times = ocl_stream.concept_times(store, view, [concept.id])[concept.id]
        item = ocl_json.concept_json(PLACE, concept, descriptions.get(concept.id, []), times)
        concepts.append(dumps(item))
    mappings = []
    for mapping in _all(store, view, "mapping"):
        source = mapping.fields["source_id"]
        names = store.referring(view, "description", "concept_id", [source]).get(source, [])
        times = ocl_stream.mapping_times(store, view, [mapping.id])[mapping.id]
        name, _ = ocl_json.display(names, "en")
        mappings.append(dumps(ocl_json.mapping_json(PLACE, mapping, times, from_name=name)))
    return concepts, mappings


def test_the_streams_write_what_each_object_serialises_to(
    client: FlaskClient, store: RevisionStore, version: View
) -> None:
    concepts, mappings = one_by_one(store, version)
    content = exports.source_content(store, "ICD", "v1")
    now = 1_700_000_000_000
    written = b"".join(exports.export_json(content, exports.Written(), now))
    expected = (
        dumps(content.head)[:-1]
        + b',"concepts":['
        + b",".join(concepts)
        + b'],"mappings":['
        + b",".join(mappings)
        + b'],"export_time":'
        + dumps(ocl_json.iso(now))
        + b"}"
    )
    assert written == expected
    assert b'"id":"E5"' not in written  # after the version
    assert b'"x":1' not in written


def test_the_zip_holds_the_same_bytes(
    store: RevisionStore, version: View, tmp_path: Path, clock: ManualClock
) -> None:
    content = exports.source_content(store, "ICD", "v1")
    built = exports.write(store, FileStorage(tmp_path), Key("source", "ICD", "v1"), content, "t")
    again = exports.source_content(store, "ICD", "v1")
    expected = b"".join(exports.export_json(again, exports.Written(), clock.now_ms()))
    with zipfile.ZipFile(tmp_path / built.storage_key) as archive:
        assert archive.read("export.json") == expected
    assert built.done == 6  # A1, B2, C3, D4; M1, M2


def test_the_export_names_the_retired_and_the_other_source(
    client: FlaskClient, store: RevisionStore, version: View
) -> None:
    content = exports.source_content(store, "ICD", "v1")
    concepts, mappings = ([item for _, item in s.rows] for s in content.sections)
    assert [(c["id"], c["retired"]) for c in concepts] == [
        ("A1", False),
        ("B2", True),
        ("C3", False),
        ("D4", False),
    ]
    c3 = concepts[2]
    assert (c3["display_name"], c3["versions"], c3["extras"]["rank"]) == ("Name of C3", 2, 3)
    assert [d["description"] for d in c3["descriptions"]] == ["A definition"]
    m1 = next(m for m in mappings if m["id"] == "M1")
    assert (m1["retired"], m1["to_source_name"], m1["from_concept_name"]) == (
        True,
        "SNOMED",
        "Name of D4",
    )


# --- the version GET with limit=0 reads through the same whole-view streams ----------------

CONTENT = "includeConcepts=true&includeMappings=true"


@pytest.mark.parametrize("head", [1, 2, 200])
@pytest.mark.parametrize("retired", ["false", "true"])
@pytest.mark.parametrize("at", ["v1/", ""])
def test_limit_0_reads_whole_and_answers_as_the_pages_do(
    client: FlaskClient,
    source: str,
    version: View,
    retired: str,
    at: str,
    head: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first ``head`` concepts come through a page, the rest from the whole-view
    streams (api.ocl.repo_content: 1 and 2 put the retired B2 in either part, 200 all)."""
    monkeypatch.setattr(repo_content, "HEAD", head)
    query = f"{CONTENT}&includeRetired={retired}"
    whole = client.get(f"{source}{at}?{query}&limit=0").get_json()
    paged = client.get(f"{source}{at}?{query}&limit=1000").get_json()
    assert whole["concepts"] == paged["concepts"]
    assert whole["mappings"] == paged["mappings"]
    shown = {c["id"] for c in whole["concepts"]}
    assert ("B2" in shown) is (retired == "true")
    assert ("E5" in shown) is (at == "")


def test_limit_0_mappings_alone_name_their_concepts(
    client: FlaskClient, source: str, version: View
) -> None:
    query = "includeMappings=true&includeRetired=true"
    whole = client.get(f"{source}v1/?{query}&limit=0").get_json()
    paged = client.get(f"{source}v1/?{query}&limit=1000").get_json()
    assert "concepts" not in whole
    assert whole["mappings"] == paged["mappings"]
    assert {m["from_concept_name"] for m in whole["mappings"]} == {"Name of C3", "Name of D4"}
