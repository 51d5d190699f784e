"""Path expressions in URLs (DESIGN.md §3, §7): every form over HTTP, the spec's examples
verbatim, malformed paths as 400s naming the position (never a routing 404), unknown
branches and code systems as 404s, and writes refused anywhere but a writable branch."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from revisions import ManualClock, RevisionStore
from tests.api.helpers import branch, codesystem, concept, error, ids, ok, update, version
from tests.revisions import spec_world


@pytest.fixture
def world(client: FlaskClient) -> FlaskClient:
    """CS on MAIN/CS: c1 then version v1; c2 then version v2; c3; task MAIN/CS/task with t1."""
    codesystem(client, "CS")
    concept(client, "c1", path="CS", conceptClass="A")
    version(client, "CS", "v1", "20200101")
    concept(client, "c2", path="CS")
    version(client, "CS", "v2", "20210101")
    concept(client, "c3", path="CS")
    branch(client, "MAIN/CS", "task")
    concept(client, "t1", path="CS/task")
    update(client, "/CS/task/concepts/c1", conceptClass="B")
    return client


def _head(client: FlaskClient, path: str) -> int:
    return ok(client.get(f"/branches/{path}"))["headTimestamp"]


# --- every form ----------------------------------------------------------------------------


def test_absolute_path(world: FlaskClient) -> None:
    assert ids(world.get("/MAIN/CS/task/concepts")) == ["c1", "c2", "c3", "t1"]


def test_relative_path_to_a_task(world: FlaskClient) -> None:
    assert ids(world.get("/CS/task/concepts")) == ["c1", "c2", "c3", "t1"]
    assert ok(world.get("/CS/task/concepts/c1"))["conceptClass"] == "B"


@pytest.mark.parametrize("path", ["CS", "CS/HEAD"])
def test_code_system_and_head_are_the_working_branch(world: FlaskClient, path: str) -> None:
    assert ids(world.get(f"/{path}/concepts")) == ["c1", "c2", "c3"]
    assert ok(world.get(f"/{path}/concepts/c1"))["conceptClass"] == "A"


def test_latest_is_the_newest_version(world: FlaskClient) -> None:
    assert ids(world.get("/CS/LATEST/concepts")) == ["c1", "c2"]


def test_a_version_name(world: FlaskClient) -> None:
    assert ids(world.get("/CS/v1/concepts")) == ["c1"]
    assert ids(world.get("/CS/v2/concepts")) == ["c1", "c2"]


def test_latest_of_a_code_system_without_versions_is_404(client: FlaskClient) -> None:
    codesystem(client, "EMPTY")
    assert "LATEST" in error(client.get("/EMPTY/LATEST/concepts"), 404)["message"]


def test_a_range_shows_what_changed_since_the_left_side(world: FlaskClient) -> None:
    assert ids(world.get("/MAIN/CS/v1...MAIN/CS/task/concepts")) == ["c1", "c2", "c3", "t1"]
    assert ids(world.get("/MAIN/CS/v2...MAIN/CS/concepts")) == ["c3"]
    assert ids(world.get("/MAIN/CS...MAIN/CS/task/concepts")) == ["c1", "t1"]


def test_a_range_with_relative_sides_is_400(world: FlaskClient) -> None:
    body = error(world.get("/MAIN/CS/v1...CS/task/concepts"), 400)
    assert "absolute" in body["message"]


def test_at_milliseconds(world: FlaskClient) -> None:
    before = _head(world, "MAIN/CS/task")
    concept(world, "t2", path="CS/task")
    assert ids(world.get(f"/MAIN/CS/task@{before}/concepts")) == ["c1", "c2", "c3", "t1"]
    assert ids(world.get(f"/CS/task@{before}/concepts")) == ["c1", "c2", "c3", "t1"]
    assert "t2" in ids(world.get("/CS/task/concepts"))


def test_at_an_iso_instant(world: FlaskClient, clock: ManualClock) -> None:
    clock.set(1_700_000_000_000)  # 2023-11-14T22:13:20Z
    concept(world, "late", path="CS")
    assert "late" not in ids(world.get("/CS@2023-11-14T22:13:19.999Z/concepts"))
    assert "late" in ids(world.get("/CS@2023-11-14T22:13:20Z/concepts"))
    assert "late" in ids(world.get("/CS@2023-11-14T23:13:20+01:00/concepts"))


def test_at_a_time_before_the_branch_existed_is_400(world: FlaskClient) -> None:
    error(world.get("/MAIN/CS/task@1000/concepts"), 400)


def test_base_point(world: FlaskClient) -> None:
    assert ids(world.get("/MAIN/CS/task^/concepts")) == ["c1", "c2", "c3"]
    assert ok(world.get("/MAIN/CS/task^/concepts/c1"))["conceptClass"] == "A"
    assert ids(world.get("/CS/task^/concepts")) == ["c1", "c2", "c3"]


def test_base_point_of_main_is_400_naming_the_position(world: FlaskClient) -> None:
    body = error(world.get("/MAIN^/concepts"), 400)
    assert "position 4" in body["message"]


@pytest.mark.parametrize(
    ("encoded", "plain"),
    [
        ("/MAIN/CS/task%5E/concepts", "/MAIN/CS/task^/concepts"),
        ("/MAIN/CS/task%5e/concepts", "/MAIN/CS/task^/concepts"),
        ("/MAIN/CS/v2%2E%2E%2EMAIN/CS/concepts", "/MAIN/CS/v2...MAIN/CS/concepts"),
    ],
)
def test_percent_encoded_operators(world: FlaskClient, encoded: str, plain: str) -> None:
    assert ok(world.get(encoded)) == ok(world.get(plain))


def test_percent_encoded_at(world: FlaskClient) -> None:
    head = _head(world, "MAIN/CS/task")
    concept(world, "t2", path="CS/task")
    assert ok(world.get(f"/MAIN/CS/task%40{head}/concepts")) == ok(
        world.get(f"/MAIN/CS/task@{head}/concepts")
    )
    assert "t2" not in ids(world.get(f"/CS/task%40{head}/concepts"))


def test_path_expressions_work_for_every_component_kind(world: FlaskClient) -> None:
    world.post("/CS/descriptions", json={"id": "d1", "conceptId": "c3", "term": "x"})
    for path in ("CS", "MAIN/CS", "MAIN/CS/v2...MAIN/CS"):
        assert ids(world.get(f"/{path}/descriptions")) == ["d1"], path
    assert ids(world.get("/CS/v2/descriptions")) == []


def test_single_component_reads_take_every_form(world: FlaskClient) -> None:
    head = _head(world, "MAIN/CS/task")  # the commit that made c1 class B on the task
    classes = {
        "CS/task": "B",
        f"CS/task@{head}": "B",
        f"CS/task@{head - 1}": "A",
        "CS/task^": "A",
        "CS/v1": "A",
        "CS/LATEST": "A",
        "MAIN/CS/v1": "A",
        "MAIN/CS...MAIN/CS/task": "B",
    }
    for path, expected in classes.items():
        data = ok(world.get(f"/{path}/concepts/c1"))
        assert (data["id"], data["conceptClass"]) == ("c1", expected), path
    assert ok(world.get("/MAIN/CS...MAIN/CS/task/concepts/t1"))["id"] == "t1"
    error(world.get("/MAIN/CS...MAIN/CS/task/concepts/c2"), 404)  # not changed in the range


# --- the spec's examples, verbatim ---------------------------------------------------------


@pytest.fixture
def spec(client: FlaskClient, store: RevisionStore, clock: ManualClock) -> FlaskClient:
    spec_world.build(store, clock)
    return client


def test_spec_absolute_branch_path(spec: FlaskClient) -> None:
    found = ids(spec.get("/MAIN/2021-01-31/SNOMEDCT-UK-CL/concepts"))
    assert found == ["A1", "A2", "A3", "U1", "U2", "U3", "U4", "U5"]


def test_spec_relative_branch_path(spec: FlaskClient) -> None:
    expected = ["A1", "A2", "A3", "T100", "U1", "U2", "U3", "U4", "U5"]
    assert ids(spec.get("/SNOMEDCT-UK-CL/100/concepts")) == expected
    assert ids(spec.get("/MAIN/2021-01-31/SNOMEDCT-UK-CL/100/concepts")) == expected


def test_spec_path_range(spec: FlaskClient) -> None:
    url = "/MAIN/2019-07-31/SNOMEDCT-UK-CL/2020-08-05...MAIN/2021-01-31/SNOMEDCT-UK-CL/concepts"
    assert ids(spec.get(url)) == ["A1", "A3", "U1", "U3", "U4", "U5"]


def test_spec_path_with_timestamp(spec: FlaskClient) -> None:
    assert ids(spec.get("/MAIN@1630504199999/concepts")) == ["A1", "A2", "A3"]
    assert ids(spec.get("/MAIN@1630504200000/concepts")) == ["A1", "A2", "A3", "A4"]


def test_spec_branch_base_point(spec: FlaskClient) -> None:
    found = ids(spec.get("/MAIN/2019-07-31/SNOMEDCT-UK-CL/101^/concepts"))
    assert found == ["A1", "A2", "U1", "U2", "U3"]


def test_spec_released_content_has_effective_times(spec: FlaskClient) -> None:
    items = ok(spec.get("/MAIN/2021-01-31/SNOMEDCT-UK-CL/concepts"))["items"]
    by_id = {c["id"]: c for c in items}
    assert (by_id["A2"]["released"], by_id["A2"]["effectiveTime"]) == (True, "20190731")
    assert (by_id["U2"]["released"], by_id["U2"]["effectiveTime"]) == (True, "20200805")
    assert by_id["U5"]["released"] is False
    assert "effectiveTime" not in by_id["U5"]


# --- malformed, unknown --------------------------------------------------------------------

MALFORMED = [
    ("/MAIN//a/concepts", 5),
    ("/MAIN^/concepts", 4),
    ("/a.../concepts", 4),
    ("/...MAIN/concepts", 0),
    ("/MAIN/a^^/concepts", 7),
    ("/MAIN/a^@5/concepts", 7),
    ("/MAIN@/concepts", 5),
    ("/MAIN@-1/concepts", 5),
    ("/MAIN@0/concepts", 5),
    ("/MAIN@007/concepts", 5),
    ("/MAIN@12x/concepts", 7),
    ("/MAIN@1@2/concepts", 6),
    ("/MAIN@2021-09-01T13:50:00/concepts", 24),
    ("/MAIN@2021-13-01T00:00:00Z/concepts", 10),
    ("/MAIN/HEAD/concepts", 5),
    ("/main/a/concepts", 0),
    ("/HEAD/concepts", 0),
    ("/MAIN/a....MAIN/b/concepts", 9),
    ("/MAIN/a...CS/b/concepts", 9),
    ("/MAIN/a...MAIN/b@5/concepts", 15),
    ("/MAIN/a.../concepts", 9),
    ("/MAIN/a.b./concepts", 8),
    ("/MAIN%20a/concepts", 4),
    ("/MAIN/a b/concepts", 6),
    ("/MAIN/ä/concepts", 5),
    ("/MAIN/" + "a" * 101 + "/concepts", 105),
    ("/MAIN//a/concepts/100", 5),
    ("/MAIN^/descriptions", 4),
    ("/MAIN@x/mappings/m1", 5),
    ("/MAIN//a/concepts/100/history", 5),
]


@pytest.mark.parametrize(("url", "position"), MALFORMED, ids=[u for u, _ in MALFORMED])
def test_a_malformed_path_is_400_naming_the_position(
    client: FlaskClient, url: str, position: int
) -> None:
    body = error(client.get(url), 400)
    assert re.search(rf"\(at position {position}\)", body["message"]), body["message"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/MAIN//a/concepts"),
        ("POST", "/MAIN//a/concepts/search"),
        ("PUT", "/MAIN^/concepts/100"),
        ("DELETE", "/MAIN@x/concepts/100"),
        ("POST", "/a.../descriptions"),
    ],
)
def test_a_malformed_path_is_400_for_every_method(
    client: FlaskClient, method: str, url: str
) -> None:
    body = error(client.open(url, method=method, json={"active": False}), 400)
    assert "position" in body["message"]


def test_an_error_behind_a_percent_escape_names_a_position(client: FlaskClient) -> None:
    # WSGI hands the server the decoded path, so the position counts decoded characters.
    body = error(client.get("/MAIN/a%40x/concepts"), 400)
    assert re.search(r"\(at position (7|9)\)", body["message"]), body["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/MAIN/nope/concepts",
        "/MAIN/CS/nope/concepts",
        "/NOPE/concepts",
        "/NOPE/HEAD/concepts",
        "/NOPE/task/concepts",
        "/CS/nope/concepts",
        "/MAIN/nope@1600000000000/concepts",
        "/MAIN/nope^/concepts",
        "/MAIN/nope...MAIN/CS/concepts",
        "/MAIN/CS...MAIN/nope/concepts",
    ],
)
def test_an_unknown_branch_or_code_system_is_404(world: FlaskClient, url: str) -> None:
    error(world.get(url), 404)


# --- writes --------------------------------------------------------------------------------

WRITE_TARGETS = [
    ("CS/task@{head}", "point in time"),
    ("MAIN/CS/task@2030-01-01T00:00:00Z", "point in time"),
    ("CS/task^", "base point"),
    ("MAIN/CS/task%5E", "base point"),
    ("MAIN/CS...MAIN/CS/task", "range"),
    ("CS/v1", "version"),
    ("CS/LATEST", "version"),
    ("MAIN/CS/v1", "version"),
]


def _refused_write(
    client: FlaskClient, method: str, url: str, payload: dict | None, reason: str
) -> None:
    before = ok(client.get("/CS/task/concepts"))
    body = error(client.open(url, method=method, json=payload), 400)
    assert reason in body["message"]
    assert ok(client.get("/CS/task/concepts")) == before
    assert ok(client.get("/CS/v1/concepts/c1"))["active"] is True


@pytest.mark.parametrize(("path", "reason"), WRITE_TARGETS)
def test_a_create_anywhere_but_a_writable_branch_is_400_saying_why(
    world: FlaskClient, path: str, reason: str
) -> None:
    url = f"/{path.format(head=_head(world, 'MAIN/CS/task'))}/concepts"
    _refused_write(world, "POST", url, {"id": "new"}, reason)


@pytest.mark.parametrize(("path", "reason"), [("CS/task^", "base point"), ("CS/v1", "version")])
@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("PUT", "concepts/c1", {"active": False}),
        ("DELETE", "concepts/c1", None),
        ("POST", "descriptions", {"conceptId": "c1", "term": "x"}),
        ("POST", "mappings", {"sourceId": "c1", "targetId": "c1", "mapType": "X"}),
    ],
)
def test_every_write_method_is_refused_the_same_way(
    world: FlaskClient, path: str, reason: str, method: str, suffix: str, payload: dict | None
) -> None:
    _refused_write(world, method, f"/{path}/{suffix}", payload, reason)


def test_a_write_to_a_relative_task_path_goes_to_the_task(world: FlaskClient) -> None:
    concept(world, "t2", path="CS/task")
    assert "t2" in ids(world.get("/MAIN/CS/task/concepts"))
    assert "t2" not in ids(world.get("/MAIN/CS/concepts"))
