"""The Export API's status table (DESIGN.md §5) for source versions, on SQLite and
PostgreSQL, with builds run by the app's in-process runner; export.json's shape; ranges;
stored files that no longer match; the diff round trip."""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from exporter import exports, jobs, processes
from exporter.exports import Key
from revisions import ManualClock, RevisionStore
from tests.api.conftest import wait_for
from tests.api.ocl.conftest import SOURCE, concept_body
from tests.api.ocl.exports_helpers import (
    export_json,
    export_rows,
    export_url,
    make_version,
    settle,
)
from tests.api.ocl.owners import user
from tests.clients import client_as

MAPPING = {
    "id": "M1",
    "map_type": "SAME-AS",
    "from_concept_code": "A1",
    "to_source_url": "/orgs/IHTSDO/sources/SNOMED/",
    "to_concept_code": "154283005",
}


@pytest.fixture
def exported(client: FlaskClient, source: str) -> str:
    """Version v1 of WHO/ICD (A1, B2 retired, M1) with its export built."""
    assert client.post(f"{source}concepts/", json=concept_body("B2")).status_code == 201
    assert client.delete(f"{source}concepts/B2/").status_code == 204
    body = {**MAPPING, "from_source_url": source}
    assert client.post(f"{source}mappings/", json=body).status_code == 201
    make_version(client)
    assert settle(client, export_url()).status_code == 200
    return export_url()


def stored_files(app: Flask) -> list[Path]:
    folder = app.extensions["snowpath"].settings.export_dir
    return sorted(p for p in folder.rglob("*") if p.is_file())


# --- 200 --------------------------------------------------------------------------------


def test_get_ready_export_streams_the_zip_with_its_headers(
    client: FlaskClient, exported: str
) -> None:
    response = client.get(exported, buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Length"] == str(len(response.data))
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=WHO_ICD_v1.20200913122640.zip"
    )
    assert response.headers["X-Last-Updated"] == "2020-09-13T12:26:40Z"
    assert response.headers["ETag"] == f'"{hashlib.sha256(response.data).hexdigest()}"'
    assert response.headers["Accept-Ranges"] == "bytes"


def test_head_has_the_same_headers_and_no_body(client: FlaskClient, exported: str) -> None:
    got = client.get(exported, buffered=True)
    head = client.head(exported, buffered=True)
    assert head.status_code == 200
    assert head.data == b""
    for name in ("Content-Type", "Content-Length", "Content-Disposition", "ETag"):
        assert head.headers[name] == got.headers[name]


def test_export_json_keys_in_order_and_content(client: FlaskClient, exported: str) -> None:
    data = export_json(client.get(exported, buffered=True).data)
    keys = list(data)
    assert keys[0] == "type"
    assert data["type"] == "Source Version"
    assert keys[-4:] == ["source", "concepts", "mappings", "export_time"]
    assert data["id"] == "v1"
    assert data["source"]["type"] == "Source"
    assert data["source"]["id"] == "ICD"
    assert [c["id"] for c in data["concepts"]] == ["A1", "B2"]
    assert [c["retired"] for c in data["concepts"]] == [False, True]
    assert data["concepts"][0]["names"][0]["name"] == "Name of A1"
    assert [m["id"] for m in data["mappings"]] == ["M1"]
    assert data["mappings"][0]["to_concept_code"] == "154283005"


def test_export_is_the_version_not_head(client: FlaskClient, exported: str) -> None:
    assert client.post(f"{SOURCE}concepts/", json=concept_body("C3")).status_code == 201
    data = export_json(client.get(exported, buffered=True).data)
    assert [c["id"] for c in data["concepts"]] == ["A1", "B2"]


def test_version_id_starting_with_v_is_not_doubled(client: FlaskClient, source: str) -> None:
    make_version(client, "2024-01")
    make_version(client, "v2024-02")
    first = settle(client, export_url("2024-01"))
    second = settle(client, export_url("v2024-02"))
    assert "filename=WHO_ICD_v2024-01." in first.headers["Content-Disposition"]
    assert "filename=WHO_ICD_v2024-02." in second.headers["Content-Disposition"]
    first.close()
    second.close()


def test_trailing_slash_is_optional(client: FlaskClient, exported: str) -> None:
    response = client.get(exported.rstrip("/"), buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"


def test_user_owned_source_exports(client: FlaskClient, store: RevisionStore) -> None:
    user(store, "jdoe")
    base = "/users/jdoe/sources/MINE/"
    created = client.post("/users/jdoe/sources/", json={"id": "MINE", "name": "Mine"})
    assert created.status_code == 201
    assert client.post(f"{base}concepts/", json=concept_body()).status_code == 201
    make_version(client, "1.0", base)
    response = settle(client, export_url("1.0", base))
    assert response.status_code == 200
    assert "filename=jdoe_MINE_v1.0." in response.headers["Content-Disposition"]
    response.close()


def test_user_urls_name_the_caller(
    client: FlaskClient, anonymous: FlaskClient, exported: str
) -> None:
    assert anonymous.get("/user/sources/ICD/v1/export/").status_code == 401
    # The caller (tester) has no source ICD: the org's is not theirs.
    assert client.get("/user/sources/ICD/v1/export/").status_code == 404


# --- ranges and caching -----------------------------------------------------------------


def test_range_request_is_206_with_those_bytes(client: FlaskClient, exported: str) -> None:
    whole = client.get(exported, buffered=True).data
    part = client.get(exported, headers={"Range": "bytes=10-99"}, buffered=True)
    assert part.status_code == 206
    assert part.data == whole[10:100]
    assert part.headers["Content-Range"] == f"bytes 10-99/{len(whole)}"
    assert part.headers["Content-Length"] == "90"


def test_resume_from_an_offset(client: FlaskClient, exported: str) -> None:
    whole = client.get(exported, buffered=True)
    tag = whole.headers["ETag"]
    rest = client.get(exported, headers={"Range": "bytes=100-", "If-Range": tag}, buffered=True)
    assert rest.status_code == 206
    assert whole.data[:100] + rest.data == whole.data


def test_range_beyond_the_end_is_416(client: FlaskClient, exported: str) -> None:
    response = client.get(exported, headers={"Range": "bytes=99999999-"}, buffered=True)
    assert response.status_code == 416


def test_if_none_match_is_304(client: FlaskClient, exported: str) -> None:
    tag = client.head(exported, buffered=True).headers["ETag"]
    response = client.get(exported, headers={"If-None-Match": tag}, buffered=True)
    assert response.status_code == 304
    assert response.data == b""


# --- 204, 208, 404, 405 -----------------------------------------------------------------


def test_deleted_export_is_204_then_delete_is_404(
    app: Flask, client: FlaskClient, exported: str
) -> None:
    assert client.delete(exported).status_code == 204
    assert stored_files(app) == []
    assert client.get(exported).status_code == 204
    assert client.head(exported).status_code == 204
    response = client.delete(exported)
    assert response.status_code == 404
    assert response.get_json()["message"] == "There is no export of this version."


def test_building_export_is_208_with_its_job(
    client: FlaskClient, exported: str, store: RevisionStore
) -> None:
    job = queued_build(client, exported, store)
    response = client.get(exported)
    assert response.status_code == 208
    assert response.get_json()["job"].endswith(f"/jobs/{job.id}")
    assert response.get_json()["state"] == "SCHEDULED"
    assert client.head(exported).status_code == 208


def queued_build(client: FlaskClient, url: str, store: RevisionStore) -> jobs.Job:
    """The export of ``url``'s version deleted, and a build of it waiting in a queue (a job
    without owner: on the rq queue, as far as the app's in-process runner can tell)."""
    assert client.delete(url).status_code == 204
    job = jobs.create(store, "export", {"token": "t"})
    with store.engine.begin() as connection:
        connection.execute(
            exports.E.update().where(Key("source", "ICD", "v1").where()).values(job_id=job.id)
        )
    return job


@pytest.mark.parametrize(
    "url",
    [
        "/orgs/NOBODY/sources/ICD/v1/export/",
        "/orgs/WHO/sources/NOPE/v1/export/",
        "/orgs/WHO/sources/ICD/v9/export/",
        "/users/WHO/sources/ICD/v1/export/",
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "DELETE"])
def test_unknown_owner_source_or_version_is_404(
    client: FlaskClient, exported: str, url: str, method: str
) -> None:
    response = client.open(url, method=method)
    assert response.status_code == 404
    if method != "HEAD":
        assert response.get_json()["status"] == "404"


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "DELETE"])
def test_head_as_version_is_405(client: FlaskClient, exported: str, method: str) -> None:
    response = client.open(f"{SOURCE}HEAD/export/", method=method)
    assert response.status_code == 405
    if method != "HEAD":
        assert "create a version" in response.get_json()["developerMessage"]


# --- POST -------------------------------------------------------------------------------


def test_post_existing_is_200(client: FlaskClient, exported: str) -> None:
    response = client.post(exported)
    assert response.status_code == 200
    assert response.get_json()["detail"] == "The export exists: GET it."


def test_post_missing_is_202_with_the_job_then_200(client: FlaskClient, exported: str) -> None:
    assert client.delete(exported).status_code == 204
    response = client.post(exported)
    assert response.status_code == 202
    job_url = response.headers["Location"]
    assert "/jobs/" in job_url
    assert settle(client, exported).status_code == 200
    job = client.get(job_url).get_json()
    assert job["state"] == "COMPLETED"
    assert job["result"]["done"] == job["result"]["total"] == 3  # A1, B2, M1
    assert client.post(exported).status_code == 200


def test_post_while_building_is_409(
    client: FlaskClient, exported: str, store: RevisionStore
) -> None:
    job = queued_build(client, exported, store)
    response = client.post(exported)
    assert response.status_code == 409
    assert response.get_json()["job"].endswith(f"/jobs/{job.id}")


def test_concurrent_posts_one_202_one_409(client: FlaskClient, exported: str, app: Flask) -> None:
    assert client.delete(exported).status_code == 204
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def post() -> None:
        with client_as(app) as own:
            barrier.wait()
            codes.append(own.post(exported).status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The second either saw the first's build (409) or lost the race to claim it (409);
    # if the first build already finished, it sees the export (200).
    assert sorted(codes) in ([202, 409], [200, 202])
    assert settle(client, exported).status_code == 200


def test_dead_builder_is_not_208_and_post_builds_again(
    client: FlaskClient, exported: str, store: RevisionStore
) -> None:
    assert client.delete(exported).status_code == 204
    job = jobs.create(store, "export", {"token": "t"}, owner=dead_process())
    with store.engine.begin() as connection:
        connection.execute(jobs.J.update().where(jobs.J.c.id == job.id).values(state="IN_PROGRESS"))
        connection.execute(
            exports.E.update().where(Key("source", "ICD", "v1").where()).values(job_id=job.id)
        )
    assert client.get(exported).status_code == 204
    assert jobs.read(store, job.id).error == jobs.STOPPED_RUNNING
    assert client.post(exported).status_code == 202
    assert settle(client, exported).status_code == 200


def dead_process() -> str:
    """The owner string of a process of this host that has exited."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    owner = processes.owner_of(child.pid)
    child.wait()
    return owner


# --- deleting what was exported -----------------------------------------------------------


def test_deleting_a_version_deletes_its_export(
    app: Flask, client: FlaskClient, store: RevisionStore, exported: str
) -> None:
    make_version(client, "v2")
    assert settle(client, export_url("v2")).status_code == 200
    assert len(stored_files(app)) == 2
    assert client.delete(f"{SOURCE}v1/").status_code == 204
    assert export_rows(store) == [("ICD", "v2")]
    assert len(stored_files(app)) == 1
    assert client.get(export_url("v2"), buffered=True).status_code == 200


def test_deleting_a_source_deletes_its_exports(
    app: Flask, client: FlaskClient, store: RevisionStore, exported: str
) -> None:
    assert client.delete(SOURCE).status_code == 204
    assert export_rows(store) == []
    assert stored_files(app) == []


def test_deleting_the_code_system_natively_deletes_its_exports(
    app: Flask, client: FlaskClient, store: RevisionStore, exported: str
) -> None:
    assert client.delete("/codesystems/ICD").status_code == 204
    assert export_rows(store) == []
    assert stored_files(app) == []


# --- files that no longer match ---------------------------------------------------------


def test_corrupt_file_is_not_served_and_post_rebuilds(
    app: Flask, client: FlaskClient, exported: str
) -> None:
    [path] = stored_files(app)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))  # same size, other bytes
    assert client.get(exported).status_code == 204
    assert client.head(exported).status_code == 204
    assert client.post(exported).status_code == 202
    response = settle(client, exported)
    assert response.status_code == 200
    assert export_json(response.data)["id"] == "v1"
    response.close()
    assert [p.name for p in stored_files(app)] != [path.name]


def test_truncated_file_is_not_served(app: Flask, client: FlaskClient, exported: str) -> None:
    [path] = stored_files(app)
    path.write_bytes(path.read_bytes()[:-10])
    assert client.get(exported).status_code == 204


def test_missing_file_is_not_served(app: Flask, client: FlaskClient, exported: str) -> None:
    [path] = stored_files(app)
    path.unlink()
    assert client.get(exported).status_code == 204
    assert client.post(exported).status_code == 202
    assert settle(client, exported).status_code == 200


def test_rebuild_leaves_one_file(app: Flask, client: FlaskClient, exported: str) -> None:
    [path] = stored_files(app)
    path.write_bytes(b"x")
    assert client.post(exported).status_code == 202
    assert settle(client, exported).status_code == 200
    assert len(stored_files(app)) == 1


# --- the diff round trip ----------------------------------------------------------------


def changed_since(client: FlaskClient, last_updated: str) -> dict[str, Any]:
    query = (
        "includeConcepts=true&includeMappings=true&includeRetired=true&limit=0"
        f"&updatedSince={last_updated}"
    )
    return client.get(f"{SOURCE}?{query}").get_json()


def test_updated_since_last_updated_returns_every_later_change(
    client: FlaskClient, exported: str, clock: ManualClock
) -> None:
    response = client.get(exported, buffered=True)
    name = response.headers["Content-Disposition"].split("filename=")[1]
    last_updated = name.removesuffix(".zip").rsplit(".", 1)[1]
    # Edits in the same second as the export's last change, then later ones.
    edited = client.patch(f"{SOURCE}concepts/A1/", json={"concept_class": "Finding"})
    assert edited.status_code == 200
    assert client.delete(f"{SOURCE}mappings/M1/").status_code == 204
    clock.advance(5_000)
    assert client.post(f"{SOURCE}concepts/", json=concept_body("C3")).status_code == 201
    changed = changed_since(client, last_updated)
    assert {"A1", "C3"} <= {c["id"] for c in changed["concepts"]}
    assert [m["id"] for m in changed["mappings"]] == ["M1"]
    assert changed["mappings"][0]["retired"] is True


def test_last_updated_is_the_latest_change_in_the_version(
    client: FlaskClient, source: str, clock: ManualClock
) -> None:
    clock.advance(60_000)
    assert client.post(f"{source}concepts/", json=concept_body("Z9")).status_code == 201
    clock.advance(3_600_000)  # the version is cut an hour later: not a change of content
    make_version(client)
    response = settle(client, export_url())
    assert response.headers["X-Last-Updated"] == "2020-09-13T12:27:40Z"
    response.close()


# --- the round trip: export, import into an empty source, export again ----------------------

SOURCE_NAMES = ("source", "source_url", "url", "version_url", "versions_url", "mappings_url")


def comparable(item: dict[str, Any]) -> dict[str, Any]:
    """An object without what names its source or its own revision (ids, URLs, times)."""
    dropped = {"uuid", "version", "created_on", "updated_on", "version_created_on"}
    kept = {
        k: v
        for k, v in item.items()
        if k not in dropped and not k.endswith("_url") and k not in SOURCE_NAMES
    }
    kept.pop("from_source_name", None)
    # The native import keeps an external target's source by name (exporter.ocl), not its
    # owner: the owner of another server's source is not this round trip's to keep.
    kept.pop("to_source_owner", None)
    kept.pop("to_source_owner_type", None)
    if kept.get("to_source_name") in ("ICD", "COPY"):  # its own source
        kept.pop("to_source_name")
    for part in ("names", "descriptions"):
        kept[part] = [{k: v for k, v in n.items() if k != "uuid"} for n in item.get(part, [])]
    return kept


def test_export_imports_into_an_empty_source_and_exports_the_same(
    client: FlaskClient, source: str, store: RevisionStore
) -> None:
    body = concept_body(
        "C3",
        descriptions=[{"description": "A definition", "locale": "en"}],
        extras={"parent": "A1"},
    )
    assert client.post(f"{source}concepts/", json=body).status_code == 201
    internal = {"id": "M2", "map_type": "SAME-AS", "from_concept_code": "C3"}
    internal |= {"to_concept_url": f"{source}concepts/A1/", "from_source_url": source}
    assert client.post(f"{source}mappings/", json=internal).status_code == 201
    external = {**MAPPING, "from_source_url": source}
    assert client.post(f"{source}mappings/", json=external).status_code == 201
    assert client.delete(f"{source}mappings/M1/").status_code == 204
    make_version(client)
    original = settle(client, export_url())
    assert original.status_code == 200
    assert client.post("/orgs/WHO/sources/", json={"id": "COPY", "name": "Copy"}).status_code == 201
    branch = store.codesystems.get("COPY").branch_path
    upload = {"file": (io.BytesIO(original.data), "export.zip"), "commitComment": "copy"}
    imported = client.post(f"/{branch}/import", data=upload, content_type="multipart/form-data")
    assert imported.status_code == 202
    assert wait_for(client, imported.headers["Location"])["state"] == "COMPLETED"
    copy = "/orgs/WHO/sources/COPY/"
    make_version(client, "v1", copy)
    again = settle(client, export_url("v1", copy))
    assert again.status_code == 200
    first, second = export_json(original.data), export_json(again.data)
    for kind in ("concepts", "mappings"):
        for got, want in zip(second[kind], first[kind], strict=True):
            assert comparable(got) == comparable(want)
    assert [c["id"] for c in second["concepts"]] == ["A1", "C3"]
    assert [(m["id"], m["retired"]) for m in second["mappings"]] == [("M1", True), ("M2", False)]
