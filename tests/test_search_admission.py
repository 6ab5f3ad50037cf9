"""A replica running as many searches as it may refuses the next at once, and admits again
as soon as one ends: a quick RESOURCE_EXHAUSTED beats a queue that slows every search."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from guidera.v1 import search_service_pb2_grpc

from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.server import GuideraServer
from tests.pg import PgCluster
from tests.searching import Arrival, collect, days_ahead, flight_request, of_kind
from tests.server_fixtures import PLAIN, SandboxControl, lift_rate_limits, server_settings


def _duffel_searches(sandbox: RunningSandbox) -> int:
    return sum(1 for r in sandbox.stats.requests("duffel") if r.path.endswith("offer_requests"))


async def test_searches_beyond_the_limit_are_refused_at_once(
    pg_cluster: PgCluster, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    server = GuideraServer(server_settings(dsn, sandbox.url, max_active_searches=2, **PLAIN))
    await server.start()
    try:
        await server.wait_ready()
        await sandbox_control.set("duffel", latency="1500ms")
        before = _duffel_searches(sandbox)
        async with grpc.aio.insecure_channel(server.address) as channel:
            stub = search_service_pb2_grpc.SearchServiceStub(channel)

            def search(day: int) -> asyncio.Task[list[Arrival]]:
                request = flight_request(depart=days_ahead(day), providers=("duffel",))
                return asyncio.create_task(collect(stub.Search(request, timeout=20)))

            running = [search(61), search(62)]
            for _ in range(100):
                if _duffel_searches(sandbox) - before == 2:
                    break
                await asyncio.sleep(0.02)

            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await search(63)
            assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "already runs 2 searches" in (refused.value.details() or "")
            assert _duffel_searches(sandbox) - before == 2

            finished = await asyncio.gather(*running)
            assert all(of_kind(arrivals, "completed") for arrivals in finished)
            admitted = await search(64)
            assert of_kind(admitted, "completed")
    finally:
        await server.stop(grace_s=0.5)
