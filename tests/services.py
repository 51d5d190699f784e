"""Where the tests find PostgreSQL and Redis, and what happens when they are missing.

``SNOWPATH_TEST_POSTGRES_URL`` (default: the local server, database ``test``) names a server
whose account may create databases: each test process (a run, or each pytest-xdist worker of
a run) makes its own database ``snowpath_test_<pid>`` there, drops it at the end, and never
touches others. ``SNOWPATH_TEST_REDIS_URL`` (default: database 15 on the local server) is
shared by all of them and never flushed: every test that uses it takes keys and queue names
of its own (a fresh uuid), so parallel workers and runs cannot see each other's. Unreachable
services skip their tests, unless ``SNOWPATH_TEST_REQUIRE_SERVICES=1`` (CI), which turns every
such skip into a failure.
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "SNOWPATH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("SNOWPATH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRED = os.environ.get("SNOWPATH_TEST_REQUIRE_SERVICES", "") not in ("", "0", "false")
# One database per test process, so runs (a developer's and CI's) and the parallel workers of
# one run never collide.
TEST_DATABASE = f"snowpath_test_{os.getpid()}"


def unavailable(service: str, error: Exception) -> None:
    message = f"{service} is not reachable ({type(error).__name__}: {error})"
    if REQUIRED:
        pytest.fail(message + "; SNOWPATH_TEST_REQUIRE_SERVICES is set", pytrace=False)
    pytest.skip(message)


def _admin(statement: str) -> None:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def fresh_postgres_database(name: str = TEST_DATABASE) -> str:
    """Drop and create database ``name`` on the test server; returns its URL."""
    drop_postgres_database(name)
    _admin(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(name: str = TEST_DATABASE) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def process_env(database: str, redis_url: str, queue_prefix: str) -> tuple[str, dict[str, str]]:
    """A fresh PostgreSQL database ``database`` (unavailable: skip or fail as above) and the
    environment a ``snowpath`` process needs to use it, Redis and a queue of its own."""
    try:
        url = fresh_postgres_database(database)
    except Exception as error:  # any failure to reach the server means "not there"
        unavailable("PostgreSQL", error)
    return url, {
        **os.environ,
        "SNOWPATH_DATABASE_URL": url,
        "SNOWPATH_REDIS_URL": redis_url,
        "SNOWPATH_QUEUE": f"{queue_prefix}-{uuid.uuid4().hex}",
    }


def reachable_redis() -> str:
    """The test Redis URL once the server answers a ping (unavailable: skip or fail as above)."""
    try:
        client = redis.Redis.from_url(REDIS_URL)
        client.ping()
        client.close()
    except redis.RedisError as error:
        unavailable("Redis", error)
    return REDIS_URL
