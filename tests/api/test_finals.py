"""Final public reads answered from each process's memory (``api.finals``), in an app made
as ``snowpath serve`` makes it: a store with an epoch (``revisions.epoch``) in the data
folder. The app's own answers are counted: a kept answer is the same bytes and headers
without the app; anything that may change who sees what, or what the app must check,
reaches the app."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine
from werkzeug.test import TestResponse

from accounts.repositories import Repository, add, update
from api import create_app
from api.finals import FinalResponses
from api.settings import load
from exporter.jobs import ThreadRunner
from revisions import Create, ManualClock, RevisionStore, make_engine
from revisions.epoch import FileEpoch
from tests.clients import accounts_of, client_as


class Served:
    """The app behind :class:`FinalResponses`, counting the requests it answers."""

    def __init__(self, finals: FinalResponses) -> None:
        self.calls = 0
        self.inner = finals.app
        finals.app = self

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        self.calls += 1
        return self.inner(environ, start)


@pytest.fixture
def made(engine: Engine, tmp_path: Path, clock: ManualClock) -> Iterator[tuple[Flask, Served, int]]:
    """The app over its own engine and an epoch in its data folder; MAIN with concept 1 and
    a past time that is final; the counter of the app's own answers."""
    own = make_engine(engine.url)
    store = RevisionStore(own, clock, epoch=FileEpoch(tmp_path / "data" / "epoch"))
    store.initialize()
    store.commit("MAIN", "u", "seed", [Create("concept", "1", {})])
    store.codesystems.create("CS", "cs")
    store.commit("MAIN/CS", "u", "seed", [Create("concept", "c1", {})])
    clock.set(clock.now_ms() + 10_000)
    settings = load({"SNOWPATH_DATA_DIR": str(tmp_path / "data"), "SNOWPATH_ACCESS_LOG": "off"})
    app = create_app(settings, store=store, runner=ThreadRunner(store, workers=1))
    assert isinstance(app.wsgi_app, FinalResponses)
    yield app, Served(app.wsgi_app), clock.now_ms() - 1
    own.dispose()


def get(app: Flask, url: str, **headers: str) -> TestResponse:
    """An anonymous GET with exactly these headers (no cookie jar)."""
    return app.test_client(use_cookies=False).get(url, headers=headers)


def same(first: TestResponse, second: TestResponse) -> None:
    assert second.status_code == first.status_code == 200
    assert second.get_data() == first.get_data()
    assert sorted(second.headers.items()) == sorted(first.headers.items())


def test_a_final_public_read_is_answered_again_without_the_app(made: tuple) -> None:
    app, served, past = made
    url = f"/MAIN@{past}/concepts/1"
    first = get(app, url)
    assert "public" in first.headers["Cache-Control"]
    same(first, get(app, url))
    same(first, get(app, url))
    assert served.calls == 1


def test_a_commit_anywhere_drops_what_was_kept(made: tuple) -> None:
    app, served, past = made
    url = f"/MAIN@{past}/concepts/1"
    first = get(app, url)
    app.extensions["snowpath"].store.commit("MAIN/CS", "u", "c", [Create("concept", "c2", {})])
    same(first, get(app, url))
    assert served.calls == 2


def test_a_head_read_is_never_kept(made: tuple) -> None:
    app, served, _ = made
    for _ in range(3):
        assert get(app, "/MAIN/concepts/1").status_code == 200
    assert served.calls == 3


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Token nonsense"},
        {"If-None-Match": '"x"'},
        {"X-Author": "someone"},
        {"Cookie": "a=b"},
        {"Range": "bytes=0-1"},
    ],
)
def test_what_the_app_must_check_reaches_it(made: tuple, headers: dict[str, str]) -> None:
    app, served, past = made
    url = f"/MAIN@{past}/concepts/1"
    get(app, url)
    answers = [get(app, url, **headers).status_code for _ in range(2)]
    assert served.calls == 3
    if "Authorization" in headers:
        assert answers == [401, 401]  # a bad token is refused, never served from memory


def test_each_language_and_media_type_is_kept_apart(made: tuple) -> None:
    app, served, past = made
    url = f"/MAIN@{past}/concepts/1"
    get(app, url)
    get(app, url, **{"Accept-Language": "de"})
    get(app, url, Accept="application/json")
    assert served.calls == 3
    get(app, url, **{"Accept-Language": "de"})
    assert served.calls == 3


def owned(app: Flask, public_access: str) -> RevisionStore:
    """Code system CS made the repository of org ORG (its admin: mia); the app's store."""
    accounts = accounts_of(app)
    accounts.create_user("mia")
    accounts.create_org("ORG", "Org", "mia")
    store = app.extensions["snowpath"].store
    add(store.engine, Repository("CS", "orgs", "ORG", "CS", public_access=public_access))
    return store


def test_a_private_or_failed_read_is_not_kept(made: tuple) -> None:
    app, served, past = made
    owned(app, "None")
    member = client_as(app, "mia", staff=False)
    url = f"/MAIN/CS@{past}/concepts/c1"
    assert "private" in member.get(url).headers["Cache-Control"]
    missing = f"/MAIN@{past}/concepts/nope"
    assert [get(app, missing).status_code for _ in range(2)] == [404, 404]
    assert served.calls == 3


def test_a_repository_made_private_is_no_longer_served_from_memory(made: tuple) -> None:
    app, served, past = made
    store = owned(app, "View")
    url = f"/MAIN/CS@{past}/concepts/c1"
    first = get(app, url)
    same(first, get(app, url))
    assert served.calls == 1
    update(store.engine, "CS", public_access="None")
    assert [get(app, url).status_code for _ in range(3)] == [404, 404, 404]
