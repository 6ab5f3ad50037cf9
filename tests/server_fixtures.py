"""Fixtures that run the real service: the sandbox over HTTP, the gRPC server on loopback,
and a channel to it. The store behind the server is a real PostgreSQL (see tests/pg.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import grpc
import pytest
from guidera.v1 import search_service_pb2_grpc

from guidera_grpc.config import Settings
from guidera_grpc.sandbox import RunningSandbox, start_sandbox
from guidera_grpc.server import GuideraServer
from guidera_grpc.store.migrate import migrate
from guidera_grpc.store.pool import open_pool
from tests.pg import PgCluster


@pytest.fixture(scope="session")
async def sandbox() -> AsyncIterator[RunningSandbox]:
    """The supplier emulators on a free loopback port, for the whole test session."""
    running = await start_sandbox(port=0)
    yield running
    await running.stop()


@pytest.fixture
async def sandbox_control(sandbox: RunningSandbox) -> AsyncIterator[SandboxControl]:
    """Knobs and counters of the sandbox, reset after each test."""
    async with aiohttp.ClientSession(base_url=sandbox.url) as http:
        control = SandboxControl(http)
        await control.reset()
        yield control
        await control.reset()


class SandboxControl:
    """A client of the sandbox's control endpoint."""

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http

    async def set(self, supplier: str, **knobs: object) -> None:
        async with self.http.put(f"/_sandbox/knobs/{supplier}", json=knobs) as response:
            assert response.status == 200, await response.text()

    async def reset(self) -> None:
        async with self.http.post("/_sandbox/reset") as response:
            assert response.status == 200, await response.text()

    async def stats(self) -> dict[str, dict[str, object]]:
        async with self.http.get("/_sandbox/stats") as response:
            data: dict[str, dict[str, object]] = await response.json()
            return data


def server_settings(database_url: str, sandbox_url: str, **overrides: object) -> Settings:
    """Settings of a test server: a free port, the given database, adapters on the sandbox.

    Test servers run open (no API keys) unless ``auth_mode="keys"`` is among the overrides.
    """
    settings = Settings.model_validate(
        {
            "GUIDERA_LISTEN": "127.0.0.1:0",
            "GUIDERA_DATABASE_URL": database_url,
            "GUIDERA_AUTH": "open",
        }
    )
    return settings.with_sandbox(sandbox_url).model_copy(update=overrides)


#: The shared test server answers every search as the suppliers do: no retries, a breaker that
#: never opens, no rate limits. Resilience has tests of its own, with servers of their own.
PLAIN = {"retries": 0, "breaker_failures": 1_000_000}


async def lift_rate_limits(database_url: str) -> None:
    """Migrate the database and raise every provider's limits out of the tests' way."""
    pool = await open_pool(database_url)
    try:
        await migrate(pool)
        await pool.execute(
            "UPDATE api_providers SET rate_limit_per_minute = 1000000, rate_limit_per_day = NULL"
        )
    finally:
        await pool.close()


@pytest.fixture(scope="session")
async def server_dsn(pg_cluster: PgCluster) -> str:
    """The database of the shared test server, its rate limits lifted."""
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    return dsn


@pytest.fixture(scope="session")
async def server(server_dsn: str, sandbox: RunningSandbox) -> AsyncIterator[GuideraServer]:
    """The gRPC service on loopback, store migrated, adapters pointed at the sandbox."""
    running = GuideraServer(server_settings(server_dsn, sandbox.url, **PLAIN))
    await running.start()
    await running.wait_ready()
    yield running
    await running.stop(grace_s=1)


@pytest.fixture(scope="session")
async def channel(server: GuideraServer) -> AsyncIterator[grpc.aio.Channel]:
    """A real channel to the test server."""
    async with grpc.aio.insecure_channel(server.address) as opened:
        yield opened


@pytest.fixture(scope="session")
def search_stub(channel: grpc.aio.Channel) -> search_service_pb2_grpc.SearchServiceAsyncStub:
    """A typed SearchService client."""
    return search_service_pb2_grpc.SearchServiceStub(channel)
