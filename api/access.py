"""The access log: one line per request on stderr, written from the WSGI side.

gunicorn's access log never sees a request (waitress serves them in its worker processes,
:mod:`api.server`), so :class:`AccessLog` wraps the Flask app itself: every request, whoever
serves it, gives one line when its response has been sent (or the client went away)::

    GET /DEMO/concepts?limit=5 200 12.3ms 1834B

``SNOWPATH_ACCESS_LOG=off`` turns it off (:mod:`api.settings`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any


class AccessLog:
    """WSGI middleware writing one access-log line per request."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        status: list[str] = ["-"]

        def start(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[0] = line.split(" ", 1)[0]
            return start_response(line, headers, exc_info)

        path = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        request = f"{environ.get('REQUEST_METHOD', '-')} {path}"
        return _Logged(self.app(environ, start), request, status, started)


class _Logged:
    """The response body, counted as it is sent; the line is written when it is closed."""

    def __init__(self, body: Iterable[bytes], request: str, status: list[str], started: float):
        self.body, self.request, self.status, self.started = body, request, status, started
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.body:
            self.sent += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            ms = (time.perf_counter() - self.started) * 1000
            # One write of the whole line to the stderr of the moment (a test's capture
            # replaces it), whatever the root logger's level or format: the logging module's
            # handler took a sixth of a cached read's time.
            sys.stderr.write(f"{self.request} {self.status[0]} {ms:.1f}ms {self.sent}B\n")
