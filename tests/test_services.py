"""The services the suite runs against are really there (CI requires them)."""

from __future__ import annotations

import uuid

import pytest
import redis

from tests import services


@pytest.mark.redis
def test_redis_answers_and_round_trips_a_value() -> None:
    client = redis.Redis.from_url(services.REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        services.unavailable("Redis", error)
    key = f"snowpath-test:{uuid.uuid4()}"
    client.set(key, "ok", ex=10)
    assert client.get(key) == b"ok"
    client.delete(key)
    client.close()
