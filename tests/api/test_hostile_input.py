"""Hostile input (issue 16): each is a documented 4xx in the error shape that writes nothing,
on SQLite and PostgreSQL (docs/api.md, "Limits and refused input"): nesting, NUL and control
characters, sizes (413 while reading), and media types (415). Data stored before the limits
(written here straight into the tables) must still render."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update as sql_update

from api.settings import load
from revisions import RevisionStore, schema
from revisions.values import MAX_DEPTH
from tests.api.conftest import wait_for
from tests.api.helpers import branch, codesystem, concept, error, ok
from tests.api.test_import import upload
from tests.api.test_serve import embedded_env, free_port
from tests.clients import cli_token, client_as


def nested(levels: int) -> dict[str, Any]:
    """An object nesting ``levels`` levels of objects (``{}`` is one level)."""
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def commit_count(client: FlaskClient, branch_path: str = "MAIN") -> int:
    """How many commits the branch has (creating MAIN is the first)."""
    return ok(client.get(f"/commits?branch={branch_path}"))["total"]


def concept_ids(client: FlaskClient, path: str = "MAIN") -> list[str]:
    return [item["id"] for item in ok(client.get(f"/{path}/concepts"))["items"]]


@pytest.fixture
def limited(app: Flask, tmp_path: Path) -> Iterator[FlaskClient]:
    """A client of an app whose JSON bodies may hold 1,000 bytes and uploads 5,000."""
    built = app.extensions["snowpath"]
    settings = replace(
        load({}), max_json_bytes=1000, max_upload_bytes=5000, upload_dir=tmp_path / "uploads"
    )
    app.extensions["snowpath"] = replace(built, settings=settings)
    yield client_as(app)
    app.extensions["snowpath"] = built


# --- nesting ---------------------------------------------------------------------------------


def test_extras_nested_beyond_the_limit_are_400_naming_it_and_not_stored(
    client: FlaskClient,
) -> None:
    response = client.post("/MAIN/concepts", json={"id": "c1", "extras": nested(300)})
    body = error(response, 400)
    assert len(body["violations"]) == 1
    assert body["violations"][0].startswith("'extras.a.a")
    assert f"nests deeper than {MAX_DEPTH} levels" in body["violations"][0]
    assert concept_ids(client) == []
    assert commit_count(client) == 1


def test_extras_just_within_the_limit_are_stored_and_read_back(client: FlaskClient) -> None:
    # The body's own object is level 1, so extras may nest MAX_DEPTH - 1 levels.
    extras = nested(MAX_DEPTH - 1)
    concept(client, "c1", extras=extras)
    assert ok(client.get("/MAIN/concepts/c1"))["extras"] == extras
    error(client.post("/MAIN/concepts", json={"id": "c2", "extras": nested(MAX_DEPTH)}), 400)


def test_branch_metadata_nested_beyond_the_limit_is_400_and_branches_still_list(
    client: FlaskClient,
) -> None:
    body = {"parent": "MAIN", "name": "deep", "metadata": nested(300)}
    assert error(client.post("/branches", json=body), 400)["violations"][0].startswith(
        "'metadata.a"
    )
    assert [b["path"] for b in ok(client.get("/branches"))["items"]] == ["MAIN"]


def test_a_body_nested_beyond_the_parsers_own_limit_is_400_naming_ours(
    client: FlaskClient,
) -> None:
    raw = '{"id": "c1", "extras": ' + '{"a": ' * 2000 + "1" + "}" * 2001
    response = client.post("/MAIN/concepts", data=raw, content_type="application/json")
    assert error(response, 400)["violations"] == [
        f"'$' nests deeper than {MAX_DEPTH} levels of objects and arrays."
    ]
    assert concept_ids(client) == []


def test_deep_values_stored_before_the_limit_still_render(
    client: FlaskClient, store: RevisionStore
) -> None:
    # orjson writes at most 254 levels; these rows were written by the JSON column's own
    # encoder, as the store did before the limit.
    concept(client, "c1", extras={"a": 1})
    branch(client, "MAIN", "task")
    deep = nested(300)
    with store.engine.begin() as connection:
        connection.execute(sql_update(schema.concepts).values(extras=deep))
        connection.execute(sql_update(schema.branches).values(metadata=deep))
    assert ok(client.get("/MAIN/concepts/c1"))["extras"] == deep
    assert ok(client.get("/MAIN/concepts"))["items"][0]["extras"] == deep
    assert ok(client.get("/MAIN/task/concepts"))["items"][0]["extras"] == deep
    assert ok(client.get("/MAIN/concepts/c1/history"))["items"][0]["component"]["extras"] == deep
    assert [b["metadata"] for b in ok(client.get("/branches"))["items"]] == [deep, deep]
    assert ok(client.get("/branches/MAIN/children"))["items"][0]["metadata"] == deep
    as_csv = client.get("/MAIN/concepts", headers={"Accept": "text/csv"})
    assert as_csv.status_code == 200
    assert json.dumps(deep, separators=(",", ":")) in as_csv.get_data(as_text=True).replace(
        '""', '"'
    )


# --- NUL and control characters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "body", "violation"),
    [
        ("/MAIN/concepts", {"id": "a\x00b"}, "'id' must not contain the NUL"),
        ("/MAIN/concepts", {"id": "c", "extras": {"k": "a\x00"}}, "'extras.k' must not"),
        ("/MAIN/concepts", {"id": "c", "commitComment": "\x00"}, "'commitComment' must not"),
        ("/MAIN/descriptions", {"conceptId": "c", "term": "a\x00b"}, "'term' must not"),
        ("/codesystems", {"id": "CS", "title": "T\x00"}, "'title' must not"),
        ("/branches", {"parent": "MAIN", "name": "b", "metadata": {"k": ["\x00"]}}, "'metadata"),
    ],
    ids=["id", "extras-value", "commit-comment", "term", "title", "metadata-value"],
)
def test_nul_in_a_body_is_400_naming_the_field_and_writes_nothing(
    client: FlaskClient, url: str, body: dict[str, Any], violation: str
) -> None:
    [found] = error(client.post(url, json=body), 400)["violations"]
    assert found.startswith(violation), found
    assert "U+0000" in found
    assert commit_count(client) == 1
    assert ok(client.get("/codesystems"))["total"] == 0
    assert ok(client.get("/branches"))["total"] == 1


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/MAIN/concepts", {"id": "c", "extras": {"a\x00": 1}}),
        ("/MAIN/concepts", {"id": "c", "extras": {"a\x06": 1}}),
        ("/branches", {"parent": "MAIN", "name": "b", "metadata": {"line\nbreak": 1}}),
    ],
    ids=["nul", "ack", "newline"],
)
def test_control_characters_in_an_object_key_are_400_naming_it(
    client: FlaskClient, url: str, body: dict[str, Any]
) -> None:
    [found] = error(client.post(url, json=body), 400)["violations"]
    assert "is a key that must not contain control characters" in found
    assert commit_count(client) == 1
    assert ok(client.get("/branches"))["total"] == 1


@pytest.mark.parametrize("field", ["parents", "moduleId"])
def test_control_characters_in_an_id_field_are_400_naming_it(
    client: FlaskClient, field: str
) -> None:
    value: Any = ["a\x06b"] if field == "parents" else "a\x06b"
    body = error(client.post("/MAIN/concepts", json={"id": "c", field: value}), 400)
    assert any(v.startswith(f"'{field}") and "control characters" in v for v in body["violations"])
    assert concept_ids(client) == []


def test_tab_and_newline_in_free_text_are_kept(client: FlaskClient) -> None:
    concept(client, "c")
    body = {"id": "d", "conceptId": "c", "term": "two\tcolumns\nand lines"}
    assert client.post("/MAIN/descriptions", json=body).status_code == 201
    assert ok(client.get("/MAIN/descriptions/d"))["term"] == "two\tcolumns\nand lines"


def test_nul_in_a_search_body_is_400_naming_the_parameter(client: FlaskClient) -> None:
    response = client.post("/MAIN/concepts/search", json={"module": "a\x00b"})
    assert error(response, 400)["violations"] == [
        "'module' must not contain the NUL character (U+0000)."
    ]


@pytest.mark.parametrize(
    "query",
    [
        "parent=a%00b",
        "ancestor=a%00b",
        "module=a%00b",
        "term=a%00b",
        "id=a%00b",
        "conceptClass=%00",
    ],
)
def test_nul_in_a_filter_parameter_is_400_naming_it(client: FlaskClient, query: str) -> None:
    name = query.split("=")[0]
    [found] = error(client.get(f"/MAIN/concepts?{query}"), 400)["violations"]
    assert found == f"'{name}' must not contain the NUL character (U+0000)."


@pytest.mark.parametrize("name", ["parent", "ancestor", "descendant", "module", "id"])
def test_a_control_character_in_an_id_parameter_is_400_naming_it(
    client: FlaskClient, name: str
) -> None:
    [found] = error(client.get(f"/MAIN/concepts?{name}=a%06b"), 400)["violations"]
    assert found.startswith(f"'{name}' must not contain control characters")


def test_quotes_and_backslashes_in_a_parent_filter_match_exactly(client: FlaskClient) -> None:
    concept(client, 'a"b\\c')
    concept(client, "child", parents=['a"b\\c'])
    assert concept_ids(client) == ['a"b\\c', "child"]
    response = client.get("/MAIN/concepts", query_string={"parent": 'a"b\\c'})
    assert [item["id"] for item in ok(response)["items"]] == ["child"]


@pytest.mark.parametrize(
    "url",
    ["/MAIN/concepts/a%00b", "/MAIN/concepts/a%00b/history", "/codesystems/A%00", "/MAIN%00/x"],
)
def test_nul_in_a_path_segment_is_400(client: FlaskClient, url: str) -> None:
    assert error(client.get(url), 400)["violations"] == [
        "The URL path must not contain the NUL character (U+0000)."
    ]


def test_nul_in_a_delete_comment_is_400_and_deletes_nothing(client: FlaskClient) -> None:
    concept(client, "c")
    response = client.delete("/MAIN/concepts/c?commitComment=bye%00")
    assert error(response, 400)["violations"] == [
        "'commitComment' must not contain the NUL character (U+0000)."
    ]
    assert concept_ids(client) == ["c"]


def test_an_import_holding_a_nul_id_fails_as_invalid_naming_line_and_field(
    client: FlaskClient,
) -> None:
    lines = orjson.dumps({"type": "Concept", "id": "ok"}) + b"\n"
    lines += orjson.dumps({"type": "Concept", "id": "a\x00b"}) + b"\n"
    job = wait_for(client, upload(client, "MAIN", lines, "c.jsonl").headers["Location"])
    assert job["state"] == "FAILED"
    assert job["error"] == "Line 2: 'id' must not contain the NUL character (U+0000)."
    assert concept_ids(client) == []


def test_nul_in_an_upload_form_field_is_400(client: FlaskClient) -> None:
    response = client.post(
        "/MAIN/import",
        data={"file": (io.BytesIO(b'{"type": "Concept", "id": "x"}'), "c.jsonl"), "c": "a\x00"},
        content_type="multipart/form-data",
    )
    assert error(response, 400)["violations"] == [
        "'c' must not contain the NUL character (U+0000)."
    ]


# --- sizes -----------------------------------------------------------------------------------


def _padded(size: int) -> bytes:
    """A concept body of exactly ``size`` bytes."""
    start = b'{"id": "c", "extras": {"k": "'
    return start + b"x" * (size - len(start) - 3) + b'"}}'


def test_a_json_body_of_exactly_the_limit_is_accepted(limited: FlaskClient) -> None:
    response = limited.post("/MAIN/concepts", data=_padded(1000), content_type="application/json")
    assert response.status_code == 201, response.get_data(as_text=True)


def test_a_json_body_over_the_limit_is_413_naming_it_and_writes_nothing(
    limited: FlaskClient,
) -> None:
    response = limited.post("/MAIN/concepts", data=_padded(1001), content_type="application/json")
    body = error(response, 413)
    assert body["message"] == (
        "The request body is larger than 1000 bytes, the limit of this endpoint."
    )
    assert concept_ids(limited) == []


def test_a_chunked_json_body_over_the_limit_is_413_while_reading(limited: FlaskClient) -> None:
    # No Content-Length: werkzeug counts while it reads, and stops at the limit.
    response = limited.post(
        "/MAIN/concepts",
        input_stream=io.BytesIO(_padded(5000)),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert error(response, 413)["message"].startswith("The request body is larger than 1000")
    assert concept_ids(limited) == []


def test_an_upload_over_its_limit_is_413_and_leaves_no_file(
    limited: FlaskClient, tmp_path: Path
) -> None:
    lines = orjson.dumps({"type": "Concept", "id": "c", "extras": {"k": "x" * 6000}})
    response = upload(limited, "MAIN", lines, "c.jsonl")
    assert error(response, 413)["message"].startswith("The request body is larger than 5000")
    assert not any((tmp_path / "uploads").glob("*"))


def test_an_upload_within_its_limit_may_exceed_the_json_limit(
    limited: FlaskClient, tmp_path: Path
) -> None:
    lines = orjson.dumps({"type": "Concept", "id": "c", "extras": {"k": "x" * 3000}})
    job = wait_for(limited, upload(limited, "MAIN", lines, "c.jsonl").headers["Location"])
    assert job["state"] == "COMPLETED", job
    assert concept_ids(limited) == ["c"]


def test_the_size_limits_are_settings() -> None:
    defaults = load({})
    assert (defaults.max_json_bytes, defaults.max_upload_bytes) == (4 << 20, 1 << 30)
    env = {"SNOWPATH_MAX_JSON_BYTES": "2048", "SNOWPATH_MAX_UPLOAD_BYTES": "4096"}
    assert (load(env).max_json_bytes, load(env).max_upload_bytes) == (2048, 4096)
    with pytest.raises(ValueError, match="SNOWPATH_MAX_JSON_BYTES must be a whole number of at"):
        load({"SNOWPATH_MAX_JSON_BYTES": "4MB"})
    with pytest.raises(ValueError, match="at least 1, not '0'"):
        load({"SNOWPATH_MAX_UPLOAD_BYTES": "0"})


def test_the_waits_are_settings() -> None:
    defaults = load({})
    assert (defaults.read_wait_ms, defaults.write_wait_ms) == (5_000, 10_000)
    env = {"SNOWPATH_READ_WAIT_MS": "0", "SNOWPATH_WRITE_WAIT_MS": "250"}
    assert (load(env).read_wait_ms, load(env).write_wait_ms) == (0, 250)
    with pytest.raises(ValueError, match="SNOWPATH_WRITE_WAIT_MS must be a whole number"):
        load({"SNOWPATH_WRITE_WAIT_MS": "-1"})


# --- media types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/plain", '{"id": "c"}'),
        ("application/x-www-form-urlencoded", "id=c"),
        ("multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="id"'),
    ],
    ids=["text", "form", "multipart"],
)
def test_a_json_endpoint_refuses_other_media_types_with_415(
    client: FlaskClient, content_type: str, data: str
) -> None:
    response = client.post("/MAIN/concepts", data=data, content_type=content_type)
    kind = content_type.split(";")[0]
    assert error(response, 415)["message"] == f"Send the body as application/json, not {kind}."
    assert concept_ids(client) == []


def test_a_put_with_text_plain_is_415_and_changes_nothing(client: FlaskClient) -> None:
    concept(client, "c")
    response = client.put("/MAIN/concepts/c", data='{"active": false}', content_type="text/plain")
    error(response, 415)
    assert ok(client.get("/MAIN/concepts/c"))["active"] is True


def test_a_json_body_without_a_content_type_is_415(client: FlaskClient) -> None:
    response = client.post("/branches", data='{"parent": "MAIN", "name": "b"}')
    assert error(response, 415)["message"] == "Send the body as application/json."
    assert ok(client.get("/branches"))["total"] == 1


def test_a_json_subtype_is_accepted(client: FlaskClient) -> None:
    response = client.post(
        "/MAIN/concepts", data='{"id": "c"}', content_type="application/vnd.snowpath+json"
    )
    assert response.status_code == 201
    assert concept_ids(client) == ["c"]


def test_a_post_without_a_body_still_says_what_is_missing(client: FlaskClient) -> None:
    codesystem(client, "CS")
    response = client.post("/codesystems/CS/versions")
    assert error(response, 400)["developerMessage"] == "The body must be a JSON object."


def test_an_upload_that_is_not_multipart_is_415_and_stores_nothing(client: FlaskClient) -> None:
    response = client.post(
        "/MAIN/import", data=b'{"type": "Concept", "id": "c"}', content_type="application/json"
    )
    assert error(response, 415)["message"] == (
        "Upload the file as multipart/form-data in the field 'file', not application/json."
    )
    assert commit_count(client) == 1


def test_a_chunked_json_body_of_exactly_the_limit_is_accepted(limited: FlaskClient) -> None:
    response = limited.post(
        "/MAIN/concepts",
        input_stream=io.BytesIO(_padded(1000)),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 201, response.get_data(as_text=True)


# --- a real server: an upload refused while it is still being sent ----------------------------

UPLOAD_LIMIT = 64 * 1024
JSON_LIMIT = 4 * 1024


@pytest.fixture
def small_server(tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    """``snowpath serve`` (embedded) whose uploads may hold :data:`UPLOAD_LIMIT` bytes and
    JSON bodies :data:`JSON_LIMIT`: its host, port and data folder."""
    port = free_port()
    env = {
        **os.environ,
        "SNOWPATH_DATA_DIR": str(tmp_path / "var"),
        "SNOWPATH_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT),
        "SNOWPATH_MAX_JSON_BYTES": str(JSON_LIMIT),
    }
    env.pop("SNOWPATH_DATABASE_URL", None)
    env.pop("SNOWPATH_REDIS_URL", None)
    command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "1"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/branches/MAIN", timeout=2).is_success:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield "127.0.0.1", port, tmp_path / "var"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _expect_413(sock: socket.socket, limit: int) -> None:
    """The server's answer on ``sock``, read while the body is unfinished: a 413 in the
    error shape naming ``limit``."""
    response = b""
    while b"\r\n\r\n" not in response or not response.rstrip().endswith(b"}"):
        received = sock.recv(65536)
        if not received:
            break
        response += received
    status, _, rest = response.partition(b"\r\n")
    assert status == b"HTTP/1.1 413 REQUEST ENTITY TOO LARGE", response
    body = orjson.loads(rest.partition(b"\r\n\r\n")[2])
    assert body["message"] == (
        f"The request body is larger than {limit} bytes, the limit of this endpoint."
    )


def test_a_chunked_upload_over_the_limit_is_413_before_it_is_all_sent(
    small_server: tuple[str, int, Path],
) -> None:
    host, port, data_dir = small_server
    head = (
        f"POST /MAIN/import HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    part = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
    )
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head + _chunk(part))
        line = b'{"type": "Concept", "id": "c"}\n' * 256  # 8 KiB a chunk
        sent = len(part)
        while sent <= UPLOAD_LIMIT + len(line):  # a little over the limit, and no last chunk
            sock.sendall(_chunk(line))
            sent += len(line)
        _expect_413(sock, UPLOAD_LIMIT)
    uploads = data_dir / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []
    assert httpx.get(f"http://{host}:{port}/MAIN/concepts?id=c").json()["total"] == 0


def test_a_chunked_json_body_over_the_json_limit_is_413_before_it_is_all_sent(
    small_server: tuple[str, int, Path],
) -> None:
    """The server holds each route to its own limit while reading, not to the largest."""
    host, port, _ = small_server
    head = (
        f"POST /MAIN/concepts HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head + _chunk(b'{"id": "c", "extras": {"k": "'))
        for _ in range(JSON_LIMIT // 1024 + 1):  # past the JSON limit, far below the upload's
            sock.sendall(_chunk(b"x" * 1024))
        _expect_413(sock, JSON_LIMIT)
    assert httpx.get(f"http://{host}:{port}/MAIN/concepts?id=c").json()["total"] == 0


def test_the_server_takes_a_json_body_of_exactly_the_limit_and_refuses_one_more_byte(
    small_server: tuple[str, int, Path],
) -> None:
    host, port, data_dir = small_server
    url = f"http://{host}:{port}/MAIN/concepts"
    token = cli_token(embedded_env(data_dir))
    headers = {"Content-Type": "application/json", "Authorization": f"Token {token}"}
    assert httpx.post(url, content=_padded(JSON_LIMIT), headers=headers).status_code == 201
    over = httpx.post(url, content=_padded(JSON_LIMIT + 1).replace(b'"c"', b'"d"'), headers=headers)
    assert over.status_code == 413
    assert over.json()["message"] == (
        f"The request body is larger than {JSON_LIMIT} bytes, the limit of this endpoint."
    )


def test_a_search_after_token_holding_nul_is_400(client: FlaskClient) -> None:
    concept(client, "c")
    token = base64.urlsafe_b64encode(orjson.dumps(["a\x00"])).decode().rstrip("=")
    response = client.get(f"/MAIN/concepts?searchAfter={token}")
    assert error(response, 400)["message"] == "searchAfter is not a token this server issued."


def test_nul_in_the_author_header_is_400_and_writes_nothing(client: FlaskClient) -> None:
    response = client.post("/MAIN/concepts", json={"id": "c"}, headers={"X-Author": "a\x00b"})
    assert error(response, 400)["violations"] == [
        "'X-Author' must not contain the NUL character (U+0000)."
    ]
    assert concept_ids(client) == []
