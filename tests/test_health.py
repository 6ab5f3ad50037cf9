"""The standard health service: NOT_SERVING until the store is migrated, then SERVING."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.server import GuideraServer
from guidera_grpc.store.migrate import MIGRATION_LOCK_KEY
from tests.pg import PgCluster
from tests.server_fixtures import server_settings

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def _status(address: str, service: str = "") -> int:
    async with grpc.aio.insecure_channel(address) as channel:
        # The published stubs of the health service do not declare its methods.
        stub: Any = health_pb2_grpc.HealthStub(channel)
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=2)
        status: int = reply.status
        return status


async def test_serving_only_after_migrations(
    pg_cluster: PgCluster, sandbox: RunningSandbox
) -> None:
    """While another process holds the migration lock, the server answers NOT_SERVING."""
    dsn = await pg_cluster.create_database()
    blocker = await asyncpg.connect(dsn)
    await blocker.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    server = GuideraServer(server_settings(dsn, sandbox.url))
    try:
        await server.start()
        await asyncio.sleep(0.3)
        assert await _status(server.address) == NOT_SERVING
        assert await _status(server.address, "guidera.v1.SearchService") == NOT_SERVING

        await blocker.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        await asyncio.wait_for(server.wait_ready(), timeout=30)

        assert await _status(server.address) == SERVING
        assert await _status(server.address, "guidera.v1.SearchService") == SERVING
        tables = await blocker.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'api_providers'"
        )
        assert tables == 1
    finally:
        await blocker.close()
        await server.stop(grace_s=0.5)


async def test_stop_turns_not_serving_before_closing(pg_dsn: str, sandbox: RunningSandbox) -> None:
    """A stopping server reports NOT_SERVING and then refuses connections."""
    server = GuideraServer(server_settings(pg_dsn, sandbox.url))
    await server.start()
    await server.wait_ready()
    address = server.address
    assert await _status(address) == SERVING

    await server.health.enter_graceful_shutdown()
    assert await _status(address) == NOT_SERVING
    await server.stop(grace_s=0.5)
