"""What operators get from searches through a real server: the call log, the spend, and
the budget's limits."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import TYPE_CHECKING

import asyncpg
import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from guidera.v1 import search_service_pb2_grpc

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.server import GuideraServer
from tests.pg import PgCluster
from tests.searching import collect, flight_request
from tests.server_fixtures import PLAIN, SandboxControl, lift_rate_limits, server_settings

if TYPE_CHECKING:
    from guidera.v1.search_service_pb2_grpc import SearchServiceAsyncStub


async def _rows(dsn: str, query: str, *args: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(dsn)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def test_every_upstream_call_is_logged_without_secrets(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl, server_dsn: str
) -> None:
    """A search's calls reach provider_logs with its request id, and no credential."""
    request = flight_request("BOS", "LHR")
    request.request_id = "call-log-check"
    await collect(search_stub.Search(request, timeout=10))

    rows: list[asyncpg.Record] = []
    for _ in range(60):
        rows = await _rows(
            server_dsn,
            "SELECT provider, status, request_summary::text AS summary FROM provider_logs"
            " WHERE request_id = $1",
            "call-log-check",
        )
        if len(rows) >= 3:
            break
        await asyncio.sleep(0.1)
    assert {r["provider"] for r in rows} == {"amadeus", "duffel", "kiwi"}
    assert {r["status"] for r in rows} == {"success"}
    for secret in SANDBOX_CREDENTIALS.values():
        assert all(secret not in (r["summary"] or "") for r in rows)


async def _server_with_spend(
    pg_cluster: PgCluster, sandbox: RunningSandbox, spent: Decimal
) -> GuideraServer:
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    today = dt.datetime.now(dt.UTC).date()
    connection = await asyncpg.connect(dsn)
    try:
        for period, start in (("day", today), ("month", today.replace(day=1))):
            await connection.execute(
                "INSERT INTO provider_costs (provider, period_type, period_start, searches, cost)"
                " VALUES ('amadeus', $1, $2, 1, $3)",
                period,
                start,
                spent,
            )
    finally:
        await connection.close()
    server = GuideraServer(server_settings(dsn, sandbox.url, **PLAIN))
    await server.start()
    await server.wait_ready()
    return server


@pytest.fixture
async def spent_server(
    pg_cluster: PgCluster, sandbox: RunningSandbox
) -> AsyncIterator[GuideraServer]:
    """A server whose daily budget (50) is spent."""
    server = await _server_with_spend(pg_cluster, sandbox, Decimal(50))
    yield server
    await server.stop(grace_s=0.5)


async def test_a_spent_budget_refuses_live_searches_with_retry_info(
    spent_server: GuideraServer, sandbox_control: SandboxControl
) -> None:
    async with grpc.aio.insecure_channel(spent_server.address) as channel:
        stub = search_service_pb2_grpc.SearchServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await collect(stub.Search(flight_request(), timeout=10))

    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    status = rpc_status.from_call(caught.value)  # type: ignore[arg-type]
    assert status is not None
    retry = error_details_pb2.RetryInfo()
    assert any(detail.Unpack(retry) for detail in status.details)
    assert 0 < retry.retry_delay.seconds <= 86_400
    stats = await sandbox_control.stats()
    assert stats["kiwi"]["received"] == 0


async def test_at_95_percent_searches_ask_one_provider(
    pg_cluster: PgCluster, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    server = await _server_with_spend(pg_cluster, sandbox, Decimal("48"))
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            stub = search_service_pb2_grpc.SearchServiceStub(channel)
            arrivals = await collect(stub.Search(flight_request(), timeout=10))
    finally:
        await server.stop(grace_s=0.5)

    plan = arrivals[0].event.started.plan
    assert plan.strategy == "quick_search"
    assert len(plan.selected) == 1
