"""The rq worker of ``snowpath worker`` (``exporter.worker``): an idle worker stops promptly.

rq's warm shutdown unsubscribes the worker's command channel, then stops the thread that
listens on it. When that thread handles the unsubscribe's reply first (a matter of thread
scheduling, common on a busy machine), it waits for a new subscription as long as one poll
lasts before it sees the stop; the test gives it that time on purpose."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from rq import Queue

from exporter.worker import COMMAND_POLL_S, Worker
from tests import services

pytestmark = pytest.mark.redis


def test_the_command_listener_stops_within_one_poll_after_its_channel_is_left() -> None:
    connection = redis.Redis.from_url(services.reachable_redis())
    queue = Queue(f"worker-stop-{uuid.uuid4().hex}", connection=connection)
    worker = Worker([queue], connection=connection)
    try:
        worker.subscribe()
        worker.pubsub.unsubscribe()
        time.sleep(0.5)  # the listener handles the reply and waits for a subscription
        started = time.monotonic()
        worker.unsubscribe()  # what rq's teardown calls: unsubscribe, stop the listener
        assert time.monotonic() - started < COMMAND_POLL_S + 2
        assert not worker.pubsub_thread.is_alive()
    finally:
        connection.close()
