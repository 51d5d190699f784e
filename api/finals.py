"""Final reads answered from each process's memory, in front of the app (docs/api.md, "The
read cache and ``Cache-Control``"): what a caching proxy in front of Snowpath would do,
without the proxy.

A response the app marked ``Cache-Control: public, …, immutable`` (a read that can never
change and that anyone may view: ``api.readcache.lifetime``) is kept, whole, under its
request: method ``GET``, path and query, and the headers it varies by (``Accept``,
``Accept-Language``, OCL's ``Compress``, ``Host``). The same request is then answered with
the same status, headers and bytes without running the app, while the store's epoch reads
the same (``revisions.epoch``): any commit anywhere, a branch deleted or a repository made private
too, drops every kept response at once. The epoch's value alone is compared, without the
second a :func:`revisions.epoch.mark` adds: a writer that shares no epoch (a misconfigured
deployment, docs/api.md) is not seen here within a second but at the next commit that
moves it; a final read's content never changes, only who may see it.

Only plain anonymous reads are kept and served: a request with ``Authorization``, a
cookie, a conditional or ``Range`` header, ``X-Author``, or a body goes to the app, which
authenticates, checks and answers it as always. At most :data:`LIMIT_BYTES` per process,
least recently used out first; a body over a sixteenth of it is not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from api.readcache import Near
from revisions.epoch import Epoch

LIMIT_BYTES = 16 << 20
# Request headers (WSGI names) that send a request to the app: it must see them.
_TO_THE_APP = (
    "HTTP_AUTHORIZATION",
    "HTTP_COOKIE",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
    "HTTP_X_AUTHOR",
    "HTTP_TRANSFER_ENCODING",
)

Response = tuple[str, list[tuple[str, str]], bytes]


class FinalResponses:
    """WSGI middleware keeping the app's final public responses (see the module docstring)."""

    def __init__(
        self, app: Callable[..., Iterable[bytes]], epoch: Epoch, limit: int = LIMIT_BYTES
    ) -> None:
        self.app = app
        self.epoch = epoch
        self._kept: Near[Response] = Near(limit)
        self._seen: Hashable = None  # the epoch's value the kept responses were made under

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") != "GET" or _to_the_app(environ):
            return self.app(environ, start_response)
        key = (
            environ.get("PATH_INFO"),
            environ.get("QUERY_STRING"),
            environ.get("HTTP_ACCEPT"),
            environ.get("HTTP_ACCEPT_LANGUAGE"),
            environ.get("HTTP_COMPRESS"),  # the OCL API's own: zipped version bodies
            environ.get("HTTP_HOST"),
            environ.get("wsgi.url_scheme"),
            environ.get("SCRIPT_NAME"),
        )
        seen = self.epoch.value()  # before the app reads anything: see revisions.epoch
        if seen != self._seen:
            self._kept.clear()
            self._seen = seen
        elif (kept := self._kept.get(key)) is not None:
            status, headers, body = kept
            start_response(status, list(headers))
            return [body]
        return self._answered(environ, start_response, key, seen)

    def _answered(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        key: Hashable,
        seen: Hashable,
    ) -> Iterable[bytes]:
        """The app's answer, kept when it is final and public."""
        given: list[Any] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            given[:] = [status, headers]
            return start_response(status, headers, exc_info)

        answer = self.app(environ, start)
        status, headers = given if given else (None, [])
        if status is None or not status.startswith("200") or not _final_and_public(headers):
            return answer
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        if seen == self._seen:
            self._kept.put(key, (status, list(headers), body), len(body) + 256)
        return [body]


def _to_the_app(environ: dict[str, Any]) -> bool:
    if any(name in environ for name in _TO_THE_APP):
        return True
    length = environ.get("CONTENT_LENGTH")
    return bool(length) and length != "0"


def _final_and_public(headers: list[tuple[str, str]]) -> bool:
    for name, value in headers:
        if name.lower() == "cache-control":
            words = {word.strip().lower() for word in value.split(",")}
            return "public" in words and "immutable" in words
    return False
