"""The OCL API over real HTTP (a WSGI server on a socket, in a thread; ``snowpath serve``
itself is tested in tests/api/test_serve.py): a streamed repository GET and its zip arrive
whole, chunked, written after the view returned (no request context left then)."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterator

import httpx
import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.api.ocl.conftest import concept_body
from tests.clients import auth


@pytest.fixture
def base_url(app: Flask, source: str) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_streamed_content_and_zip_over_http(app: Flask, base_url: str, source: str) -> None:
    with httpx.Client(base_url=base_url, headers=auth(app), timeout=10) as http:
        assert http.post(f"{source}concepts/", json=concept_body("B")).status_code == 201
        url = f"{source}?includeConcepts=true&includeMappings=true&limit=0"
        plain = http.get(url)
        assert plain.status_code == 200
        assert plain.headers.get("transfer-encoding") == "chunked"
        assert [c["id"] for c in plain.json()["concepts"]] == ["A1", "B"]
        zipped = http.get(url, headers={"Compress": "true"})
        assert zipped.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
            assert archive.namelist() == ["export.json"]
            assert archive.read("export.json") == plain.content
