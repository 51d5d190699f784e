"""Test clients that authenticate: :class:`TokenClient` sends ``Authorization: Token <t>``
on every request unless the request brings its own ``Authorization``; :func:`client_as`
makes the user (staff by default) and a token for it over the app's own accounts;
:func:`cli_token` asks ``snowpath users token`` (servers started as processes)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from accounts.errors import NotFound
from accounts.store import Accounts
from revisions import RevisionStore

STAFF = "tester"


class TokenClient(FlaskClient):
    """A test client that adds its token to requests that carry no ``Authorization``."""

    token: str | None = None

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if self.token is not None:
            headers = Headers(kwargs.pop("headers", None) or {})
            if "Authorization" not in headers:
                headers["Authorization"] = f"Token {self.token}"
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


def accounts_of(app: Flask) -> Accounts:
    return app.extensions["snowpath"].accounts


def token_for(app: Flask, username: str = STAFF, *, staff: bool = True) -> str:
    """A new token for ``username``, made (staff unless told otherwise) if missing."""
    accounts = accounts_of(app)
    try:
        accounts.get_user(username)
    except NotFound:
        accounts.create_user(username, is_staff=staff)
    return accounts.make_token(username)


def auth(app: Flask, username: str = STAFF, *, staff: bool = True) -> dict[str, str]:
    """Headers that authenticate as ``username``."""
    return {"Authorization": f"Token {token_for(app, username, staff=staff)}"}


def client_as(app: Flask, username: str | None = STAFF, *, staff: bool = True) -> TokenClient:
    """A client of ``app`` authenticated as ``username`` (None: anonymous)."""
    client = TokenClient(app, app.response_class, use_cookies=True)
    if username is not None:
        client.token = token_for(app, username, staff=staff)
    return client


def cli_token(env: Mapping[str, str], username: str = "admin") -> str:
    """A new token for ``username`` from ``snowpath users token`` run with ``env`` (the
    administrator a server's first start made, by default)."""
    command = [sys.executable, "-m", "api.cli", "users", "token", "--username", username]
    done = subprocess.run(command, env=dict(env), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def auth_environ(store: RevisionStore, username: str = STAFF) -> dict[str, str]:
    """A WSGI environ entry that authenticates as the staff user ``username`` of ``store``'s
    accounts (for test clients of apps built outside the ``app`` fixture)."""
    accounts = Accounts(store.engine)
    try:
        accounts.get_user(username)
    except NotFound:
        accounts.create_user(username, is_staff=True)
    return {"HTTP_AUTHORIZATION": f"Token {accounts.make_token(username)}"}
