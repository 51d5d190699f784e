"""The one HTTP error contract: which exception is which status, and the JSON it renders.

Every error body is ``{"status": "<code>", "message": …, "developerMessage": …}`` plus
``"violations": […]`` for valid JSON with an invalid representation; errors of accounts add
OCL's keys (``detail``, ``non_field_errors``, a field name with its messages), which OCL's
clients read, and a 401 carries ``WWW-Authenticate: Token``. Domain errors carry no
status; :data:`STATUS` maps their classes (first match wins). Anything unexpected is logged
once with its traceback and answered with a generic 500 that leaks nothing.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

import orjson
from flask import Flask, Response, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from accounts import errors as accounts
from api.expand import ExpandError
from api.paging import PagingError
from api.render import conflicts
from exporter.errors import QueueUnavailable
from revisions import errors as store
from revisions.errors import CodeSystemNotFound, VersionNotFound
from snowpath import PathError

log = logging.getLogger(__name__)

GENERIC_500 = "Something went wrong during the processing of your request."


class InvalidJson(ValueError):
    """The request body is not JSON (or not the JSON type the endpoint takes)."""


class Invalid(ValueError):
    """Valid JSON, invalid representation: a list of violations."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__(f"{len(violations)} Validation error{'s' if len(violations) != 1 else ''}")
        self.violations = violations


class NotAcceptable(ValueError):
    pass


class PreconditionFailed(ValueError):
    """An ``If-Match`` that the resource's current representation does not satisfy."""


class UnsupportedMediaType(ValueError):
    """The body's media type is not one the endpoint takes (JSON, or multipart uploads)."""


class TooLarge(ValueError):
    """The body is larger than the endpoint's limit (``SNOWPATH_MAX_*_BYTES``)."""


def too_large(limit: int | None) -> TooLarge:
    return TooLarge(f"The request body is larger than {limit} bytes, the limit of this endpoint.")


STATUS: list[tuple[type[Exception], int]] = [
    (accounts.NotAuthenticated, 401),
    (accounts.Inactive, 401),
    (accounts.Forbidden, 403),
    (accounts.NotFound, 404),
    (accounts.InvalidCredentials, 400),
    (accounts.InvalidInput, 400),
    (accounts.NotAllowed, 409),
    (PathError, 400),
    (ExpandError, 400),
    (PagingError, 400),
    (InvalidJson, 400),
    (Invalid, 400),
    (NotAcceptable, 406),
    (PreconditionFailed, 412),
    (store.Changed, 412),
    (UnsupportedMediaType, 415),
    (TooLarge, 413),
    (CodeSystemNotFound, 404),
    (VersionNotFound, 404),
    (store.NotFound, 404),
    (store.InvalidRequest, 400),
    (store.Conflict, 409),
    (store.Unavailable, 503),
    (QueueUnavailable, 503),
]
RETRY_AFTER_S = 5  # what a 503 tells clients to wait before they try again


def error_body(status: int, message: str, developer: str | None = None, **extra: Any) -> dict:
    body: dict[str, Any] = {"status": str(status), "message": message}
    body["developerMessage"] = developer or message
    body.update({k: v for k, v in extra.items() if v})
    return body


def json_error(status: int, message: str, developer: str | None = None, **extra: Any) -> Response:
    payload = orjson.dumps(error_body(status, message, developer, **extra))
    return Response(payload, status=status, content_type="application/json;charset=UTF-8")


def _status_of(error: Exception) -> int | None:
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return None


def render(error: Exception) -> Response:
    """The response for a known error; callers handle unknown ones."""
    if isinstance(error, InvalidJson):
        return json_error(400, "Invalid JSON representation", str(error))
    if isinstance(error, Invalid):
        return _violations(error.violations)
    if isinstance(error, ValidationError):
        return _violations(_flatten(error.messages))
    if isinstance(error, store.InvalidComponent) and error.violations:
        return _violations(error.violations, str(error))
    if isinstance(error, store.MergeConflicts):
        records = [asdict(c) for c in error.conflicts]
        return json_error(409, str(error), conflicts=conflicts(records))
    status = _status_of(error)
    assert status is not None
    if isinstance(error, accounts.AccountsError):
        return _accounts_error(status, error)
    response = json_error(status, str(error))
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def _accounts_error(status: int, error: accounts.AccountsError) -> Response:
    """The one error shape, plus OCL's own keys (``detail``, a field's list of messages,
    ``non_field_errors``), which OCL's clients read; 401s say which scheme to use."""
    fields = {k: v for k, v in error.fields.items() if k not in _SHAPE_KEYS}
    response = json_error(status, error.message, **fields)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Token"
    return response


_SHAPE_KEYS = frozenset({"status", "message", "developerMessage", "violations"})


def _violations(violations: list[str], developer: str | None = None) -> Response:
    count = len(violations)
    message = f"{count} Validation error{'s' if count != 1 else ''}"
    return json_error(
        400,
        message,
        developer or "Input representation syntax or validation errors. Check input values.",
        violations=violations,
    )


def _flatten(messages: Any, prefix: str = "") -> list[str]:
    if isinstance(messages, dict):
        result: list[str] = []
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            result += _flatten(value, name)
        return result
    if isinstance(messages, list):
        return [m if not prefix else f"'{prefix}': {m}" for m in messages if isinstance(m, str)] + [
            v for m in messages if not isinstance(m, str) for v in _flatten(m, prefix)
        ]
    return [f"'{prefix}': {messages}"]


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        response = json_error(error.code or 500, error.name, error.description)
        for key, value in error.get_headers():
            if key.lower() == "allow":
                response.headers[key] = value
        return response

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_error: RequestEntityTooLarge) -> Response:
        # werkzeug's, raised while it reads past request.max_content_length (api.http.guard)
        return render(too_large(request.max_content_length))

    @app.errorhandler(Exception)
    def _any(error: Exception) -> Response:
        if isinstance(error, ValidationError) or _status_of(error) is not None:
            return render(error)
        log.exception("Unhandled error")
        return json_error(500, GENERIC_500, GENERIC_500)
