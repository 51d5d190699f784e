"""How ``snowpath serve`` serves HTTP: gunicorn's processes, each running waitress.

gunicorn's arbiter binds the socket and keeps ``workers`` processes alive (restarts a dead
one, stops them on SIGTERM). Each process runs :class:`WaitressWorker`: waitress reads every
request whole (headers and body, spooled to a temporary file past 512 KiB) in its I/O loop
before it hands it to one of ``threads`` threads, so a client that sends its headers and then
dribbles its body, or nothing, holds a socket and a buffer, never a thread. A connection
that stays silent ``read_timeout`` seconds is closed (waitress's ``channel_timeout``).
gunicorn's own sync workers read the body on the thread that serves it, and three such
clients froze the server (issue 16); docs/api.md, "Serving", has the measurements.
"""

from __future__ import annotations

import copy
import gc
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from socket import socket
from typing import Any

import orjson
from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.base import Worker
from waitress import create_server
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.task import ErrorTask

from api import create_app
from api.errors import error_body
from api.http import body_limit_of
from api.settings import Settings

THREADS = 4  # waitress's default; the request threads of each process
READ_TIMEOUT_S = 60  # as nginx's client_body_timeout: silence between two reads
# Open connections per process before waitress stops accepting (it resumes as they close):
# slow clients are cheap here, so well above waitress's 100.
CONNECTION_LIMIT = 1000
SEND_BYTES = 256 << 10  # bytes handed to each send() of a response (see _Channel)
QUEUE_LOG_INTERVAL_S = 60.0  # at most one line a minute that requests wait (QueueDepthLog)


class _ErrorTask(ErrorTask):
    """What waitress answers itself (a body over the limit, a malformed request) in the API's
    error shape, as JSON, instead of its plain text."""

    def execute(self) -> None:
        error = self.request.error
        message, developer = error.reason, error.body or error.reason
        if error.code == 413:
            limit = self.request.adj.max_request_body_size - 1  # the route's (_Parser)
            message = developer = (
                f"The request body is larger than {limit} bytes, the limit of this endpoint."
            )
        body = orjson.dumps(error_body(error.code, message, developer))
        self.status = f"{error.code} {error.reason.upper()}"  # as werkzeug spells it
        self.response_headers.append(("Content-Type", "application/json;charset=UTF-8"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Parser(HTTPRequestParser):
    """Once a request's headers are read, its body is held to its route's limit
    (:func:`api.http.body_limit_of`), while it is read: a chunked upload over it is refused
    before the rest arrives, a JSON body at the JSON limit, not the upload limit."""

    app: Flask  # set per worker process

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if not self.chunked and not self.content_length:
            return  # no body to hold (and no route to look up: a tenth of a cached read)
        self.adj = copy.copy(self.adj)  # the server's, shared by every request
        # waitress refuses a body that reaches its limit; ours accept one of exactly the limit.
        self.adj.max_request_body_size = body_limit_of(self.app, self.command, self.path) + 1


class _Channel(HTTPChannel):
    error_task_class = _ErrorTask
    parser_class = _Parser

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # waitress hands send() what the socket's send buffer holds (SO_SNDBUF: about 3.9 MB
        # on loopback), reading a file's response that much at a time and reading again
        # what a partial send left; 256 KiB at a time downloaded an export 1.5x as fast
        # (48 against 31-33 MB/s, alternated, at load average 9-10).
        self.sendbuf_len = SEND_BYTES


class QueueDepthLog:
    """waitress's warning that requests wait for a free thread (``Task queue depth is N``,
    from every request queued while the process's threads are all busy), as one line per
    ``interval_s`` at most: the deepest queue and how often requests waited since the last
    line. Under 16 connections to 3 processes of 4 threads a fifth of the requests queued,
    and waitress logged 4,312 warnings in 5 s (2026-12-07); queueing is how a few threads
    serve many connections, and an operator needs to know that it happens, not each time.

    waitress calls ``queue_logger.warning(message, depth)`` under its dispatcher's lock; this
    stands in for that logger on each process's dispatcher (:func:`waitress_server`)."""

    def __init__(
        self,
        logger: logging.Logger,
        interval_s: float = QUEUE_LOG_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger, self.interval_s, self.clock = logger, interval_s, clock
        self._lock = threading.Lock()
        self._next = float("-inf")  # the first wait is logged at once
        self._waits = 0
        self._deepest = 0

    def warning(self, message: str, *args: Any) -> None:
        """Count one wait (``args[0]``: the queue's depth); log them if the interval is up."""
        depth = args[0] if args and isinstance(args[0], int) else 0
        with self._lock:
            self._waits += 1
            self._deepest = max(self._deepest, depth)
            now = self.clock()
            if now < self._next:
                return
            waits, deepest = self._waits, self._deepest
            self._waits, self._deepest, self._next = 0, 0, now + self.interval_s
        self.logger.warning(
            "Task queue depth reached %d: requests waited for a free thread %d time(s) "
            "since the last such line (one every %g s at most)",
            deepest,
            waits,
            self.interval_s,
        )


def waitress_server(
    app: Callable[..., Any],
    sockets: Sequence[socket],
    settings: Settings,
    threads: int,
    read_timeout: int,
) -> Any:
    """The waitress server of one worker process on ``sockets``: its channels answer
    waitress's own errors in the API's shape, its dispatcher logs queueing through
    :class:`QueueDepthLog`. Not started."""
    server = create_server(
        app,
        sockets=list(sockets),
        threads=threads,
        channel_timeout=read_timeout,
        # The largest body any route takes; each request gets its route's (_Parser).
        max_request_body_size=max(settings.max_upload_bytes, settings.max_json_bytes) + 1,
        # Silent connections are looked for this often; waitress's 30 s would let a short
        # timeout run up to 30 s late.
        cleanup_interval=max(1, min(30, read_timeout // 2)),
        connection_limit=CONNECTION_LIMIT,
        ident="snowpath",
    )
    # One waitress server per listening socket (several: a MultiSocketServer's map) makes
    # the channels.
    for listener in list(getattr(server, "map", {}).values()) or [server]:
        if hasattr(listener, "channel_class"):
            listener.channel_class = _Channel
    server.task_dispatcher.queue_logger = QueueDepthLog(logging.getLogger("waitress.queue"))
    return server


class WaitressWorker(Worker):
    """A gunicorn worker process whose HTTP is waitress's on the arbiter's sockets. The main
    thread tells the arbiter it is alive and watches for the signal to stop; waitress's loop
    runs on a thread of its own."""

    def run(self) -> None:
        threads, read_timeout = self.app.threads, self.app.read_timeout  # the Server below
        settings = self.app.settings
        _Parser.app = self.wsgi
        # What the app holds from now on lives as long as the process: out of the collector's
        # way, so a full collection walks only what requests make (measured within the noise
        # of a loaded machine: 0.57-0.59 of the bare endpoint against 0.49-0.57 before).
        gc.freeze()
        sockets = [listener.sock for listener in self.sockets]
        server = waitress_server(self.wsgi, sockets, settings, threads, read_timeout)
        loop = threading.Thread(target=server.run, name="waitress", daemon=True)
        loop.start()
        while self.alive and loop.is_alive() and self.ppid == os.getppid():
            self.notify()
            loop.join(timeout=1.0)
        # Let the requests in progress finish (bounded), then exit: waitress's loop, a daemon
        # thread, ends with the process.
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=self.cfg.graceful_timeout)


class Server(BaseApplication):
    """gunicorn running the app factory in each :class:`WaitressWorker` process."""

    def __init__(
        self,
        settings: Settings,
        bind: str,
        workers: int,
        threads: int = THREADS,
        read_timeout: int = READ_TIMEOUT_S,
        on_listening: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.options: dict[str, Any] = {
            "bind": bind,
            "workers": workers,
            "worker_class": f"{__name__}.WaitressWorker",
            "accesslog": None,
            # How long the arbiter waits for a worker's sign of life (given every second by
            # its main thread, whatever its requests do) before it replaces the process.
            "timeout": 30,
        }
        if on_listening is not None:
            # gunicorn calls when_ready in the arbiter once its sockets listen, before the
            # worker processes start: connections made from then on wait in the backlog.
            self.options["when_ready"] = lambda _arbiter: on_listening()
        self.threads, self.read_timeout = threads, read_timeout
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app(self.settings)
