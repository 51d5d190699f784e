"""``/merges`` (DESIGN.md §2, §4): promotion and rebase as jobs (202 + Location), the merge
resource, conflicts in the documented shape, and resolutions."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from exporter import jobs
from exporter.jobs import RqRunner
from revisions import RevisionStore
from tests.api.conftest import wait_for
from tests.api.helpers import ISO, branch, concept, description, error, ids, merge, ok, update
from tests.clients import auth
from tests.exporter.test_jobs import dead_owner, set_row

MERGE_FIELDS = {"id", "source", "target", "status", "scheduledDate", "startDate", "endDate"}
CONFLICT_FIELDS = {"componentId", "componentType", "type", "conflictingAttributes", "message"}


@pytest.fixture
def conflicting(client: FlaskClient) -> FlaskClient:
    """Concept 100 (conceptClass A) changed to B on MAIN and to C on MAIN/a."""
    concept(client, "100", conceptClass="A", moduleId="core")
    branch(client, "MAIN", "a")
    update(client, "/MAIN/concepts/100", conceptClass="B")
    update(client, "/MAIN/a/concepts/100", conceptClass="C")
    return client


# --- promotion and rebase ------------------------------------------------------------------


def test_a_promotion_completes_and_the_parent_sees_the_changes(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    concept(client, "100", path="MAIN/a")
    done = merge(client, "MAIN/a", "MAIN", commitComment="promote a")
    assert done["status"] == "COMPLETED"
    assert set(done) == MERGE_FIELDS
    assert (done["source"], done["target"]) == ("MAIN/a", "MAIN")
    for name in ("scheduledDate", "startDate", "endDate"):
        assert ISO.fullmatch(done[name])
    assert ids(client.get("/MAIN/concepts")) == ["100"]
    assert ok(client.get("/branches/MAIN/a"))["state"] == "UP_TO_DATE"
    promotion = ok(client.get("/commits?branch=MAIN"))["items"][0]
    assert promotion["comment"] == "promote a"


def test_a_rebase_completes_and_the_child_sees_the_parent(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    concept(client, "100")
    assert ids(client.get("/MAIN/a/concepts")) == []
    assert merge(client, "MAIN", "MAIN/a")["status"] == "COMPLETED"
    assert ids(client.get("/MAIN/a/concepts")) == ["100"]
    assert ok(client.get("/branches/MAIN/a"))["state"] == "UP_TO_DATE"


def test_a_merge_records_its_author(client: FlaskClient, app: Flask) -> None:
    branch(client, "MAIN", "a")
    concept(client, "100", path="MAIN/a")
    response = client.post(
        "/merges", json={"source": "MAIN/a", "target": "MAIN"}, headers=auth(app, "carol")
    )
    wait_for(client, response.headers["Location"])
    assert ok(client.get("/commits?branch=MAIN"))["items"][0]["author"] == "carol"


def test_changes_to_different_fields_merge_automatically(client: FlaskClient) -> None:
    concept(client, "100", conceptClass="A", moduleId="core")
    branch(client, "MAIN", "a")
    update(client, "/MAIN/concepts/100", conceptClass="B")
    update(client, "/MAIN/a/concepts/100", moduleId="ext")
    assert merge(client, "MAIN", "MAIN/a")["status"] == "COMPLETED"
    data = ok(client.get("/MAIN/a/concepts/100"))
    assert (data["conceptClass"], data["moduleId"]) == ("B", "ext")


def test_identical_changes_are_not_conflicts(client: FlaskClient) -> None:
    concept(client, "100", conceptClass="A")
    branch(client, "MAIN", "a")
    update(client, "/MAIN/concepts/100", conceptClass="B")
    update(client, "/MAIN/a/concepts/100", conceptClass="B")
    assert merge(client, "MAIN", "MAIN/a")["status"] == "COMPLETED"
    assert ok(client.get("/MAIN/a/concepts/100"))["conceptClass"] == "B"
    assert merge(client, "MAIN/a", "MAIN")["status"] == "COMPLETED"
    assert ok(client.get("/MAIN/concepts/100"))["conceptClass"] == "B"


def test_a_merge_with_nothing_to_do_completes(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    assert merge(client, "MAIN", "MAIN/a")["status"] == "COMPLETED"
    assert merge(client, "MAIN/a", "MAIN")["status"] == "COMPLETED"


def test_a_merge_can_be_read_again_later(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    done = merge(client, "MAIN", "MAIN/a")
    assert ok(client.get(f"/merges/{done['id']}")) == done


def test_relative_paths_work_in_a_merge(client: FlaskClient) -> None:
    client.post("/codesystems", json={"id": "CS", "title": "t"})
    branch(client, "CS", "task")
    concept(client, "100", path="CS/task")
    done = merge(client, "CS/task", "CS")
    assert done["status"] == "COMPLETED"
    assert (done["source"], done["target"]) == ("MAIN/CS/task", "MAIN/CS")
    assert ids(client.get("/CS/concepts")) == ["100"]


# --- conflicts -----------------------------------------------------------------------------


def test_a_conflicting_merge_reports_conflicts_in_the_documented_shape(
    conflicting: FlaskClient,
) -> None:
    done = merge(conflicting, "MAIN", "MAIN/a")
    assert done["status"] == "CONFLICTS"
    assert done["conflicts"] == [
        {
            "componentId": "100",
            "componentType": "concept",
            "type": "CONFLICTING_CHANGE",
            "conflictingAttributes": [
                {
                    "property": "conceptClass",
                    "oldValue": "A",
                    "sourceValue": "B",
                    "targetValue": "C",
                }
            ],
            "message": done["conflicts"][0]["message"],
        }
    ]
    assert "100" in done["conflicts"][0]["message"]


def test_a_conflicting_merge_changes_nothing(conflicting: FlaskClient) -> None:
    head = ok(conflicting.get("/branches/MAIN/a"))["headTimestamp"]
    merge(conflicting, "MAIN", "MAIN/a")
    assert ok(conflicting.get("/MAIN/a/concepts/100"))["conceptClass"] == "C"
    after = ok(conflicting.get("/branches/MAIN/a"))
    assert after["headTimestamp"] == head
    assert after["state"] == "DIVERGED"


def test_a_conflicting_promotion_reports_conflicts_too(conflicting: FlaskClient) -> None:
    done = merge(conflicting, "MAIN/a", "MAIN")
    assert done["status"] == "CONFLICTS"
    assert [c["componentId"] for c in done["conflicts"]] == ["100"]
    assert ok(conflicting.get("/MAIN/concepts/100"))["conceptClass"] == "B"


def test_changed_on_one_side_and_deleted_on_the_other_is_a_conflict(
    client: FlaskClient,
) -> None:
    concept(client, "100", conceptClass="A")
    branch(client, "MAIN", "a")
    client.delete("/MAIN/concepts/100")
    update(client, "/MAIN/a/concepts/100", conceptClass="C")
    done = merge(client, "MAIN", "MAIN/a")
    assert done["status"] == "CONFLICTS"
    (conflict,) = done["conflicts"]
    assert set(conflict) <= CONFLICT_FIELDS
    assert conflict["type"] == "DELETED_WHILE_CHANGED"
    assert conflict["componentId"] == "100"


def test_a_description_of_a_concept_deleted_on_the_other_side_is_a_conflict(
    client: FlaskClient,
) -> None:
    concept(client, "100")
    branch(client, "MAIN", "a")
    client.delete("/MAIN/concepts/100")
    description(client, "d1", "100", "New name", path="MAIN/a")
    done = merge(client, "MAIN", "MAIN/a")
    assert done["status"] == "CONFLICTS"
    types = {(c["componentType"], c["type"]) for c in done["conflicts"]}
    assert ("description", "CAUSES_MISSING_REFERENCE") in types


@pytest.mark.parametrize(("resolution", "expected"), [("SOURCE", "B"), ("TARGET", "C")])
def test_repeating_with_a_resolution_completes(
    conflicting: FlaskClient, resolution: str, expected: str
) -> None:
    resolutions = [{"componentType": "concept", "componentId": "100", "resolution": resolution}]
    done = merge(conflicting, "MAIN", "MAIN/a", resolutions=resolutions)
    assert done["status"] == "COMPLETED"
    assert "conflicts" not in done
    assert ok(conflicting.get("/MAIN/a/concepts/100"))["conceptClass"] == expected


def test_a_content_resolution_gives_the_content(conflicting: FlaskClient) -> None:
    resolutions = [
        {
            "componentType": "concept",
            "componentId": "100",
            "resolution": "CONTENT",
            "content": {"conceptClass": "D", "moduleId": "core", "active": True, "parents": []},
        }
    ]
    done = merge(conflicting, "MAIN", "MAIN/a", resolutions=resolutions)
    assert done["status"] == "COMPLETED"
    assert ok(conflicting.get("/MAIN/a/concepts/100"))["conceptClass"] == "D"


def test_a_promotion_resolved_with_source_takes_the_child(conflicting: FlaskClient) -> None:
    resolutions = [{"componentType": "concept", "componentId": "100", "resolution": "SOURCE"}]
    assert merge(conflicting, "MAIN/a", "MAIN", resolutions=resolutions)["status"] == "COMPLETED"
    assert ok(conflicting.get("/MAIN/concepts/100"))["conceptClass"] == "C"


# --- errors --------------------------------------------------------------------------------


def test_an_unknown_source_is_404(client: FlaskClient) -> None:
    error(client.post("/merges", json={"source": "MAIN/nope", "target": "MAIN"}), 404)


def test_a_merge_needs_source_and_target(client: FlaskClient) -> None:
    body = error(client.post("/merges", json={}), 400)
    joined = " ".join(body["violations"])
    assert "source" in joined
    assert "target" in joined


@pytest.mark.parametrize(
    "resolution",
    [
        {"componentType": "concept", "componentId": "100", "resolution": "MINE"},
        {"componentType": "relationship", "componentId": "100", "resolution": "SOURCE"},
        {"componentType": "concept", "resolution": "SOURCE"},
        {"componentType": "concept", "componentId": "100", "resolution": "SOURCE", "x": 1},
    ],
)
def test_an_invalid_resolution_is_400(conflicting: FlaskClient, resolution: dict) -> None:
    body = {"source": "MAIN", "target": "MAIN/a", "resolutions": [resolution]}
    error(conflicting.post("/merges", json=body), 400)


@pytest.mark.parametrize("path", ["MAIN@1600000000000", "MAIN/a^", "MAIN...MAIN/a"])
def test_a_merge_side_must_be_a_branch(conflicting: FlaskClient, path: str) -> None:
    body = error(conflicting.post("/merges", json={"source": path, "target": "MAIN/a"}), 400)
    assert path in body["message"]


def _refused(client: FlaskClient, source: str, target: str) -> None:
    """Refused at once, before a job is queued, saying why (issue 17)."""
    store = client.application.extensions["snowpath"].store
    before = job_count(store)
    response = client.post("/merges", json={"source": source, "target": target})
    body = error(response, 400)
    assert "Location" not in response.headers
    assert body["message"]
    assert job_count(store) == before


def test_a_merge_between_unrelated_branches_is_refused(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    branch(client, "MAIN", "b")
    concept(client, "100", path="MAIN/a")
    _refused(client, "MAIN/a", "MAIN/b")
    assert ids(client.get("/MAIN/b/concepts")) == []


def test_a_merge_of_a_branch_into_itself_is_refused(client: FlaskClient) -> None:
    _refused(client, "MAIN", "MAIN")


def test_a_merge_into_a_version_is_refused(client: FlaskClient) -> None:
    client.post("/codesystems", json={"id": "CS", "title": "t"})
    client.post("/codesystems/CS/versions", json={"version": "v1", "effectiveTime": "20210101"})
    concept(client, "100", path="CS")
    _refused(client, "MAIN/CS", "MAIN/CS/v1")
    assert ids(client.get("/CS/v1/concepts")) == []


def test_an_unknown_merge_is_404(client: FlaskClient) -> None:
    error(client.get("/merges/00000000-0000-0000-0000-000000000000"), 404)


def test_a_job_that_is_not_a_merge_is_not_a_merge(client: FlaskClient) -> None:
    client.post("/codesystems", json={"id": "B", "title": "t"})
    client.post("/codesystems/B/versions", json={"version": "v1", "effectiveTime": "20200101"})
    client.post("/codesystems/B/versions", json={"version": "v2", "effectiveTime": "20210101"})
    client.post("/codesystems", json={"id": "E", "title": "t", "extensionOf": "B/v1"})
    location = client.post("/codesystems/E/upgrade", json={"extensionOf": "B/v2"}).headers[
        "Location"
    ]
    job_id = location.rsplit("/", 1)[1]
    wait_for(client, location)
    error(client.get(f"/merges/{job_id}"), 404)


# --- faults: an unreachable queue, a dead worker ---------------------------------------------


def unreachable_queue(app: Flask) -> None:
    """Serve ``app`` with rq on a loopback port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    built = app.extensions["snowpath"]
    app.extensions["snowpath"] = replace(built, runner=RqRunner(f"redis://127.0.0.1:{port}/0"))


def job_count(store: RevisionStore) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(jobs.J)).scalar_one()


def test_a_merge_with_the_queue_unreachable_is_503_and_keeps_no_job(
    app: Flask, client: FlaskClient, store: RevisionStore
) -> None:
    branch(client, "MAIN", "a")
    unreachable_queue(app)
    body = error(client.post("/merges", json={"source": "MAIN/a", "target": "MAIN"}), 503)
    assert body["message"] == "The job queue cannot be reached; try again later."
    assert "127.0.0.1" not in str(body)  # where Redis is stays in the log
    assert job_count(store) == 0


def test_an_upgrade_with_the_queue_unreachable_is_503_and_keeps_no_job(
    app: Flask, client: FlaskClient, store: RevisionStore
) -> None:
    client.post("/codesystems", json={"id": "B", "title": "t"})
    client.post("/codesystems/B/versions", json={"version": "v1", "effectiveTime": "20200101"})
    client.post("/codesystems/B/versions", json={"version": "v2", "effectiveTime": "20210101"})
    client.post("/codesystems", json={"id": "E", "title": "t", "extensionOf": "B/v1"})
    unreachable_queue(app)
    response = client.post("/codesystems/E/upgrade", json={"extensionOf": "B/v2"})
    assert error(response, 503)["message"] == "The job queue cannot be reached; try again later."
    assert response.headers["Retry-After"] == "5"
    assert job_count(store) == 0


def test_a_merge_whose_worker_died_reports_a_server_error(
    client: FlaskClient, store: RevisionStore
) -> None:
    branch(client, "MAIN", "a")
    job = jobs.create(store, "merge", {"source": "MAIN/a", "target": "MAIN"})
    set_row(store, job.id, state="IN_PROGRESS", owner=dead_owner())  # its worker was killed
    done = ok(client.get(f"/merges/{job.id}"))
    assert done["status"] == "FAILED"
    assert done["apiError"] == {"status": "500", "message": jobs.STOPPED_RUNNING}


def test_a_merge_the_store_refuses_reports_a_client_error(client: FlaskClient) -> None:
    branch(client, "MAIN", "a")
    concept(client, "100", path="MAIN/a")
    resolution = {
        "componentType": "concept",
        "componentId": "100",
        "resolution": "CONTENT",
        "content": {"parents": "not a list"},
    }
    body = {"source": "MAIN/a", "target": "MAIN", "resolutions": [resolution]}
    response = client.post("/merges", json=body)
    assert response.status_code == 202
    done = wait_for(client, response.headers["Location"])
    assert done["status"] == "FAILED"
    assert done["apiError"]["status"] == "400"
    assert done["apiError"]["message"] == (
        "Invalid CONTENT resolution for concept '100': 'parents' must be of type ids."
    )
