"""Over HTTP, a read at a past time that a commit in flight could still change waits for it
(bounded), then answers 503 in the error shape with ``Retry-After``; afterwards it answers
what it will always answer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from api.errors import RETRY_AFTER_S
from revisions import RevisionStore
from tests.clients import client_as
from tests.revisions.test_exact_past_reads import HELD, _past_now, held_load


@pytest.fixture
def impatient(app: Flask, engine: Engine) -> Iterator[FlaskClient]:
    """The app over a store on the system clock that waits 200 ms for a commit in flight."""
    built = app.extensions["snowpath"]
    app.extensions["snowpath"] = replace(built, store=RevisionStore(engine, read_wait_ms=200))
    yield client_as(app)
    app.extensions["snowpath"] = built


def test_a_past_read_behind_a_commit_in_flight_answers_503_then_the_final_answer(
    impatient: FlaskClient, engine: Engine
) -> None:
    with held_load(engine):
        at = _past_now()
        response = impatient.get(f"/MAIN@{at}/concepts?limit=0")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == str(RETRY_AFTER_S)
        body = response.get_json()
        assert body["status"] == "503"
        assert f"at or before {at} is still being written" in body["message"]
    after = impatient.get(f"/MAIN@{at}/concepts?limit=0")
    assert after.status_code == 200
    assert after.get_json()["total"] == HELD
    again = impatient.get(f"/MAIN@{at}/concepts?limit=0")
    assert again.headers["ETag"] == after.headers["ETag"]
