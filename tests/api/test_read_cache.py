"""The shared read cache (docs/api.md, "Caching"): a read of one component is kept by the
view it resolved to, served byte for byte as rendered, without reading the component again;
a final read (a settled time, a version's head) says so in ``Cache-Control``; a head read's
``If-None-Match`` is answered from the cache; a commit or a deletion made through another
app over the same database and cache is seen at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event
from werkzeug.test import TestResponse

from accounts.repositories import Repository, add
from api import create_app
from api.readcache import MAX_AGE, DiskBackend, Near, ReadCache, RedisBackend, open_cache
from api.settings import load
from exporter.jobs import ThreadRunner
from revisions import Create, ReadPoint, RevisionStore
from revisions.clock import ManualClock
from revisions.components import TYPES
from revisions.prepared import DriverStatement
from tests.api.helpers import branch, concept, description, error, mapping, update
from tests.clients import accounts_of, client_as
from tests.services import reachable_redis

FINAL = f"public, max-age={MAX_AGE}, immutable"
READS = (
    "concepts/100",
    "concepts/100?expand=descriptions()",
    "descriptions/d1",
    "mappings/m1",
)
CASES = [("MAIN", read) for read in READS] + [("past", read) for read in READS]
CASES += [("MAIN/CS/v1", "concepts/c1"), ("CS/v1", "concepts/c1?expand=descriptions()")]


@pytest.fixture
def past(client: FlaskClient, store: RevisionStore, clock: ManualClock) -> int:
    """MAIN with concept 100 (a description, a mapping), MAIN/a below it, the code system CS
    with version v1; the time returned is after all that and before the clock's now."""
    concept(client, "100")
    concept(client, "200")
    description(client, "d1", "100", "Heart")
    mapping(client, "m1", "100", "200")
    branch(client, "MAIN", "a")
    store.codesystems.create("CS", "cs")
    store.commit("MAIN/CS", "u", "seed", [Create("concept", "c1", {})])
    store.codesystems.create_version("CS", "v1", "20240101")
    clock.set(store.clock.now_ms() + 10_000_000)
    return clock.now_ms() - 1


@contextmanager
def component_reads() -> Iterator[list[str]]:
    """The SQL statements that read a component table, while the block runs: through
    SQLAlchemy, or through the driver (``revisions.prepared``, which SQLAlchemy's events
    do not see)."""
    tables = tuple(f" {ctype.table.name}" for ctype in TYPES.values())
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if any(table in statement for table in tables):
            seen.append(statement)

    def recorded(method: Any) -> Any:
        def run(statement: DriverStatement, params: Any) -> Any:
            record(None, None, statement.sql)
            return method(statement, params)

        return run

    event.listen(Engine, "before_cursor_execute", record)
    try:
        with (
            patch.object(DriverStatement, "rows", recorded(DriverStatement.rows)),
            patch.object(DriverStatement, "first", recorded(DriverStatement.first)),
        ):
            yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _got(client: FlaskClient, url: str, **headers: str) -> TestResponse:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _same(first: TestResponse, second: TestResponse) -> None:
    assert second.get_data() == first.get_data()
    for header in ("ETag", "Content-Type", "Content-Length", "Cache-Control"):
        assert second.headers.get(header) == first.headers.get(header), header


@pytest.mark.parametrize(("path", "read"), CASES)
def test_a_cached_read_is_byte_identical_and_reads_no_component(
    client: FlaskClient, past: int, path: str, read: str
) -> None:
    kept_twice(client, f"/{path.replace('past', f'MAIN@{past}')}/{read}")


def kept_twice(client: FlaskClient, url: str) -> None:
    """A first read of ``url`` renders from the store; the second is the same bytes and
    headers and reads no component."""
    with component_reads() as uncached:
        first = _got(client, url)
    assert uncached, "the first read renders from the store"
    with component_reads() as cached:
        second = _got(client, url)
    assert cached == []
    _same(first, second)


def test_cache_control_only_on_final_reads(
    client: FlaskClient, past: int, clock: ManualClock
) -> None:
    assert _got(client, f"/MAIN@{past}/concepts/100").headers["Cache-Control"] == FINAL
    assert _got(client, "/MAIN/CS/v1/concepts/c1").headers["Cache-Control"] == FINAL
    assert _got(client, "/CS/v1/concepts/c1").headers["Cache-Control"] == FINAL
    for path in ("MAIN", "MAIN/a", "MAIN/a^", f"MAIN@{clock.now_ms()}", "MAIN@9999999999999"):
        assert "Cache-Control" not in _got(client, f"/{path}/concepts/100").headers, path
    assert "Cache-Control" not in _got(client, f"/MAIN@{past}/concepts?limit=1").headers


def test_a_read_naming_by_language_is_not_kept(client: FlaskClient, past: int) -> None:
    """``pt()`` and ``fsn()`` depend on Accept-Language and on the code system's default
    language, which an edit of its metadata changes under the same view."""
    url = f"/MAIN@{past}/concepts/100?expand=pt(),descriptions()"
    first = _got(client, url)
    assert "Cache-Control" not in first.headers
    with component_reads() as reads:
        _same(first, _got(client, url))
    assert reads, "read again, not kept"


def test_a_final_read_answers_304_with_its_cache_control(client: FlaskClient, past: int) -> None:
    url = f"/MAIN@{past}/concepts/100"
    tag = _got(client, url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == FINAL


@pytest.fixture
def other(app: Flask, store: RevisionStore, past: int) -> FlaskClient:
    """A second app over the same database and the same cache folder, with a store of its
    own (its own head views and clock, at the same time): another ``snowpath serve``
    process, once ``past`` is seeded."""
    settings = app.extensions["snowpath"].settings
    second = RevisionStore(store.engine, ManualClock(store.clock.now_ms()))
    built = create_app(replace(settings, access_log=False), second, ThreadRunner(second))
    built.config["TESTING"] = True
    first = app.extensions["snowpath"].reads
    assert isinstance(first.backend, DiskBackend)
    shared = ReadCache(DiskBackend(first.backend.folder), second, first.namespace)
    built.extensions["snowpath"] = replace(built.extensions["snowpath"], reads=shared)
    return client_as(built)


def test_a_body_kept_by_one_process_serves_another(
    client: FlaskClient, other: FlaskClient, past: int
) -> None:
    for url in ("/MAIN/descriptions/d1", f"/MAIN@{past}/mappings/m1"):
        kept = _got(other, url)
        other.application.extensions["snowpath"].reads.flush()  # written off the request
        with component_reads() as reads:
            _same(kept, _got(client, url))
        assert reads == [], url


def test_if_none_match_on_a_head_read_answers_304_without_reading_it(
    client: FlaskClient, past: int
) -> None:
    tag = _got(client, "/MAIN/concepts/100").headers["ETag"]
    with component_reads() as reads:
        response = client.get("/MAIN/concepts/100", headers={"If-None-Match": tag})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert reads == []


def test_a_commit_through_another_process_changes_the_head_read(
    client: FlaskClient, other: FlaskClient, past: int
) -> None:
    first = _got(client, "/MAIN/concepts/100")
    tag = first.headers["ETag"]
    concept(other, "300")  # another component: the body and its tag stay
    assert client.get("/MAIN/concepts/100", headers={"If-None-Match": tag}).status_code == 304
    update(other, "/MAIN/concepts/100", moduleId="m2")
    changed = _got(client, "/MAIN/concepts/100", **{"If-None-Match": tag})
    assert changed.headers["ETag"] != tag
    assert changed.get_json()["moduleId"] == "m2"
    _same(changed, _got(other, "/MAIN/concepts/100"))  # one cache, one answer
    assert _got(client, f"/MAIN@{past}/concepts/100").get_data() == first.get_data()


def test_a_deleted_version_is_no_longer_served(
    client: FlaskClient, other: FlaskClient, past: int
) -> None:
    _got(client, "/CS/v1/concepts/c1")
    _got(client, "/MAIN/CS/v1/concepts/c1")
    other.application.extensions["snowpath"].store.codesystems.delete_version("CS", "v1")
    _deleted(client.get("/CS/v1/concepts/c1"))
    _deleted(client.get("/MAIN/CS/v1/concepts/c1"))


def test_a_deleted_branch_is_no_longer_served_at_a_past_time(
    client: FlaskClient, other: FlaskClient, past: int
) -> None:
    _got(client, f"/MAIN/a@{past}/concepts/100")
    assert other.delete("/branches/MAIN/a").status_code == 204
    _deleted(client.get(f"/MAIN/a@{past}/concepts/100"))


def _deleted(response: TestResponse) -> None:
    """The store's answer for a deleted branch (``BranchDeleted``), not a kept body."""
    assert "has been deleted" in error(response, 400)["message"]


def test_a_private_code_system_is_kept_privately_and_hidden_from_outsiders(
    app: Flask, client: FlaskClient, store: RevisionStore, past: int
) -> None:
    accounts = accounts_of(app)
    accounts.create_user("olga")
    accounts.create_user("mia")
    accounts.create_org("ORG", "Org", "mia")
    add(store.engine, Repository("CS", "orgs", "ORG", "CS", public_access="None"))
    url = "/CS/v1/concepts/c1"
    member = _got(client_as(app, "mia", staff=False), url)
    assert member.headers["Cache-Control"] == f"private, max-age={MAX_AGE}, immutable"
    assert client_as(app, "olga", staff=False).get(url).status_code == 404
    assert client_as(app, None).get(url).status_code == 404


@pytest.mark.parametrize(
    "value", ["nonsense", '"unterminated', 'W/"x"', '""', ",,,", "*" * 5000, '"a", W/"b"']
)
def test_a_bad_if_none_match_is_harmless(client: FlaskClient, past: int, value: str) -> None:
    plain = _got(client, "/MAIN/concepts/100")
    _same(plain, _got(client, "/MAIN/concepts/100", **{"If-None-Match": value}))


def test_redis_keeps_bodies_for_every_process(
    app: Flask, client: FlaskClient, store: RevisionStore, past: int
) -> None:
    backend = RedisBackend(reachable_redis(), prefix=f"test:{uuid.uuid4().hex}:")
    disk = app.extensions["snowpath"]
    app.extensions["snowpath"] = replace(disk, reads=ReadCache(backend, store))
    try:
        url = f"/MAIN@{past}/concepts/100?expand=descriptions()"
        first = _got(client, url)
        with component_reads() as reads:
            _same(first, _got(client, url))
        assert reads == []
        app.extensions["snowpath"].reads.flush()
        assert len(backend.client.keys(backend.prefix + "*")) == 1
    finally:
        app.extensions["snowpath"] = disk
        backend.client.delete(*backend.client.keys(backend.prefix + "*"))


def test_an_unreachable_cache_is_a_miss(
    app: Flask, client: FlaskClient, store: RevisionStore, past: int
) -> None:
    plain = _got(client, "/MAIN/concepts/100")
    disk = app.extensions["snowpath"]
    app.extensions["snowpath"] = replace(
        disk, reads=ReadCache(RedisBackend("redis://127.0.0.1:1/0"), store)
    )
    try:
        _same(plain, _got(client, "/MAIN/concepts/100"))
    finally:
        app.extensions["snowpath"] = disk


def test_the_embedded_cache_lives_in_the_data_folder(tmp_path: Path, store: RevisionStore) -> None:
    cache = open_cache(load({"SNOWPATH_DATA_DIR": str(tmp_path)}), store)
    view = store.current_view(ReadPoint("MAIN"))
    assert cache.body(view, "r", lambda: b"first") == b"first"
    assert cache.body(view, "r", lambda: b"second") == b"first"
    assert (tmp_path / "read-cache").is_dir()


def test_each_process_keeps_the_bodies_it_served_last_within_its_bound() -> None:
    near: Near[bytes] = Near(144)
    near.put("a", b"a" * 8, 8)
    near.put("b", b"b" * 8, 8)
    assert near.get("a") == b"a" * 8  # now the most recent
    near.put("big", b"x" * 10, 10)  # over a sixteenth of the bound: not kept
    assert near.get("big") is None
    for key in "cdefghijklmnopqrst":
        near.put(key, key.encode() * 8, 8)
    assert near.get("t") == b"t" * 8
    assert near.get("b") is None  # least recently used: out first
    assert sum(len(near.get(k) or b"") for k in "abcdefghijklmnopqrst") == 144
