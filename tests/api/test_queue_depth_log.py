"""waitress's warning that requests wait for a free thread, through
``api.server.QueueDepthLog``: the first wait is logged at once, later ones at most once an
interval, each line with the deepest queue and the count since the last; and the server a
worker process makes (``api.server.waitress_server``) logs through it, shown on a real
waitress dispatcher whose threads are held busy."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from api.server import QueueDepthLog, waitress_server
from api.settings import load

QUEUE = "waitress.queue"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == QUEUE]


@pytest.fixture
def limited(caplog: pytest.LogCaptureFixture) -> tuple[QueueDepthLog, Clock]:
    caplog.set_level(logging.WARNING, logger=QUEUE)
    clock = Clock()
    return QueueDepthLog(logging.getLogger(QUEUE), interval_s=60, clock=clock), clock


def test_the_first_wait_is_logged_at_once(
    limited: tuple[QueueDepthLog, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    log, _ = limited
    log.warning("Task queue depth is %d", 3)
    assert lines(caplog) == [
        "Task queue depth reached 3: requests waited for a free thread 1 time(s) since the "
        "last such line (one every 60 s at most)"
    ]


def test_waits_within_the_interval_are_counted_into_the_next_line(
    limited: tuple[QueueDepthLog, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    log, clock = limited
    log.warning("Task queue depth is %d", 1)
    for depth in (2, 7, 4):
        clock.now += 10
        log.warning("Task queue depth is %d", depth)
    assert len(lines(caplog)) == 1  # 30 s after the first line: counted, not logged
    clock.now += 30  # 60 s after the first line
    log.warning("Task queue depth is %d", 1)
    assert len(lines(caplog)) == 2
    assert lines(caplog)[1].startswith("Task queue depth reached 7: ")
    assert " 4 time(s) " in lines(caplog)[1]
    clock.now += 59.9
    log.warning("Task queue depth is %d", 9)
    assert len(lines(caplog)) == 2


def test_a_quiet_spell_logs_the_next_wait_at_once(
    limited: tuple[QueueDepthLog, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    log, clock = limited
    log.warning("Task queue depth is %d", 5)
    clock.now += 3600
    log.warning("Task queue depth is %d", 2)
    assert [line.split(":")[0] for line in lines(caplog)] == [
        "Task queue depth reached 5",
        "Task queue depth reached 2",
    ]
    assert " 1 time(s) " in lines(caplog)[1]


class Held:
    """A task that keeps its waitress thread until released."""

    def __init__(self, release: threading.Event, started: threading.Semaphore) -> None:
        self.release, self.started = release, started

    def service(self) -> None:
        self.started.release()
        self.release.wait(10)

    def cancel(self) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Any]:
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    built = waitress_server(lambda environ, start: [], [listening], load({}), 2, 60)
    # waitress counts a thread busy from its start until it first waits for a task: a task
    # added before then makes a wait of its own.
    deadline = time.monotonic() + 10
    while built.task_dispatcher.active_count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert built.task_dispatcher.active_count == 0, "the threads never went idle"
    yield built
    built.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
    built.close()


def test_a_worker_logs_its_threads_being_busy_once_an_interval(
    server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=QUEUE)
    dispatcher = server.task_dispatcher
    assert isinstance(dispatcher.queue_logger, QueueDepthLog)
    release, started = threading.Event(), threading.Semaphore(0)
    try:
        for _ in range(2):  # every thread busy
            dispatcher.add_task(Held(release, started))
            assert started.acquire(timeout=10)
        for _ in range(10):  # each of these waits: waitress warns ten times
            dispatcher.add_task(Held(release, started))
    finally:
        release.set()
    assert lines(caplog) == [
        "Task queue depth reached 1: requests waited for a free thread 1 time(s) since the "
        "last such line (one every 60 s at most)"
    ]
    assert dispatcher.queue_logger._waits == 9  # the others, counted for the next line
