"""Shared fixtures. PostgreSQL comes from tests/pg.py: a real server, never a mock."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator

import pytest

from tests.pg import PgCluster, open_cluster

# Test servers (and `guidera serve` subprocesses) serve /metrics on a free port, never on the
# default one that a second test run, or a real server, may hold.
os.environ.setdefault("GUIDERA_METRICS_LISTEN", "127.0.0.1:0")


@pytest.fixture(scope="session")
async def pg_cluster() -> AsyncIterator[PgCluster]:
    """The test PostgreSQL server, for tests that need databases of their own."""
    cluster = await open_cluster()
    try:
        yield cluster
    finally:
        await cluster.close()


@pytest.fixture(scope="session")
async def pg_dsn(pg_cluster: PgCluster) -> str:
    """A fresh, empty database for the whole test session."""
    return await pg_cluster.create_database()


LOCAL_REDIS = ("127.0.0.1", 6379)


def _local_redis_listens() -> bool:
    try:
        with socket.create_connection(LOCAL_REDIS, timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The tests' Redis server: GUIDERA_TEST_REDIS_URL, else one listening on the default port.

    On CI a missing Redis fails the test, so the shared-cache paths always run there; only a
    developer machine without Redis leaves those few tests out, and says so.
    """
    url = os.environ.get("GUIDERA_TEST_REDIS_URL")
    if url:
        return url
    if _local_redis_listens():
        return f"redis://{LOCAL_REDIS[0]}:{LOCAL_REDIS[1]}/0"
    if os.environ.get("CI"):
        pytest.fail("no Redis for the shared-cache tests: set GUIDERA_TEST_REDIS_URL")
    pytest.skip("no Redis on 127.0.0.1:6379 and GUIDERA_TEST_REDIS_URL is unset")


pytest_plugins = ["tests.server_fixtures"]
