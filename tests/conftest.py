"""Shared fixtures. PostgreSQL comes from tests/pg.py: a real server, never a mock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.pg import PgCluster, open_cluster


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


pytest_plugins = ["tests.server_fixtures"]
