"""The HTTP layer: :func:`create_app` assembles the native API over one store and its
accounts (``api.auth`` authenticates every request).

The app is thin: views parse input, call the store, render. Settings come from
``api.settings``; jobs run in-process (embedded mode) or on rq workers (``SNOWPATH_REDIS_URL``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask

from accounts.store import Accounts
from api import auth, errors, http, routes
from api.access import AccessLog
from api.finals import FinalResponses
from api.readcache import open_cache
from api.services import Services
from api.settings import Settings, load
from exporter import handlers  # noqa: F401 - registers the job kinds
from exporter.jobs import RqRunner, Runner, ThreadRunner
from revisions import RevisionStore, make_engine
from revisions.epoch import open_epoch


class App(Flask):
    """Flask, knowing that no view is a coroutine: it asked ``inspect`` of every hook and
    view at every request (three times per read, a tenth of a cached read's time); its URL
    map keeps the matches of the paths read last (:class:`api.routes.Routes`)."""

    url_map_class = routes.Routes

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return func


def create_app(
    settings: Settings | None = None,
    store: RevisionStore | None = None,
    runner: Runner | None = None,
) -> Flask:
    """A Flask app serving the native API. The store's schema must be up to date."""
    settings = settings or load()
    logging.basicConfig(level=settings.log_level)
    if store is None:
        store = RevisionStore(
            make_engine(settings.database_url),
            read_wait_ms=settings.read_wait_ms,
            write_wait_ms=settings.write_wait_ms,
            epoch=open_epoch(settings.redis_url, settings.data_dir),
        )
    if runner is None:
        runner = (
            ThreadRunner(store)
            if settings.embedded
            else RqRunner(settings.redis_url or "", settings.queue)
        )
    app = App("snowpath")
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    table = routes.TABLE
    accounts = Accounts(store.engine, store.clock, store.epoch)
    app.extensions["snowpath"] = Services(
        store, accounts, runner, settings, table, routes.RESERVED_IDS, open_cache(settings, store)
    )
    errors.register(app)
    app.before_request(http.guard)
    app.before_request(auth.authenticate)
    routes.register(app)
    if store.epoch is not None:
        app.wsgi_app = FinalResponses(app.wsgi_app, store.epoch)  # type: ignore[method-assign]
    if settings.access_log:
        app.wsgi_app = AccessLog(app.wsgi_app)  # type: ignore[method-assign]
    return app
