"""A supplier that fails every call, seen through a real server: its circuit opens after the
fifth failure, searches route around it, and it receives no more calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from guidera.v1 import search_service_pb2, search_service_pb2_grpc

from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.server import GuideraServer
from tests.pg import PgCluster
from tests.searching import collect, days_ahead, flight_request
from tests.server_fixtures import SandboxControl, lift_rate_limits, server_settings

if TYPE_CHECKING:
    from guidera.v1.search_service_pb2_grpc import SearchServiceAsyncStub


@pytest.fixture
async def guarded_stub(
    pg_cluster: PgCluster, sandbox: RunningSandbox
) -> AsyncIterator[SearchServiceAsyncStub]:
    """A server with the design's breaker (5 failures) and no retries, so failures count fast."""
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    server = GuideraServer(server_settings(dsn, sandbox.url, retries=0))
    await server.start()
    await server.wait_ready()
    async with grpc.aio.insecure_channel(server.address) as channel:
        yield search_service_pb2_grpc.SearchServiceStub(channel)
    await server.stop(grace_s=0.5)


async def _duffel_calls(control: SandboxControl) -> int:
    stats = await control.stats()
    received = stats["duffel"]["received"]
    assert isinstance(received, int)
    return received


async def test_a_dead_supplier_is_skipped_as_circuit_open_after_five_failures(
    guarded_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set("duffel", error_rate=1.0)
    request = flight_request("JFK", "LAX")
    request.options.strategy = "quick_search"

    outcomes = []
    for _ in range(8):
        arrivals = await collect(guarded_stub.Search(request, timeout=10))
        completed = arrivals[-1].event.completed
        outcomes.append({p.provider: p for p in completed.providers})
        assert completed.total_offers > 0

    assert await _duffel_calls(sandbox_control) == 5
    first = outcomes[0]["duffel"]
    assert first.outcome == search_service_pb2.PROVIDER_OUTCOME_FELL_BACK
    plan = arrivals[0].event.started.plan
    reasons = {c.provider: c.exclusion_reason for c in plan.excluded}
    assert "circuit" in reasons["duffel"]
    assert "duffel" not in outcomes[-1]
    stand_in = next(iter(outcomes[-1].values()))
    assert stand_in.outcome == search_service_pb2.PROVIDER_OUTCOME_ANSWERED


def _cars_request() -> search_service_pb2.SearchRequest:
    request = search_service_pb2.SearchRequest(
        cars=search_service_pb2.CarQuery(
            pick_up_location="LHR",
            pick_up_local_time=f"{days_ahead(20)}T10:00",
            drop_off_local_time=f"{days_ahead(22)}T10:00",
        )
    )
    request.options.refresh = True
    return request


@pytest.fixture
async def quick_breaker_stub(
    pg_cluster: PgCluster, sandbox: RunningSandbox
) -> AsyncIterator[SearchServiceAsyncStub]:
    """A server whose circuits open for one second."""
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    server = GuideraServer(server_settings(dsn, sandbox.url, retries=0, breaker_open_s=1.0))
    await server.start()
    await server.wait_ready()
    async with grpc.aio.insecure_channel(server.address) as channel:
        yield search_service_pb2_grpc.SearchServiceStub(channel)
    await server.stop(grace_s=0.5)


async def test_with_every_supplier_blocked_a_search_waits_for_the_first_trial(
    quick_breaker_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """CarTrawler alone sells cars. Once its circuit is open, a search with time to spare
    waits for the trial and gets cars; one without time gets UNAVAILABLE with RetryInfo."""
    await sandbox_control.set("cartrawler", error_rate=1.0)
    for _ in range(5):
        await collect(quick_breaker_stub.Search(_cars_request(), timeout=10))
    await sandbox_control.set("cartrawler", error_rate=0.0)

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await collect(quick_breaker_stub.Search(_cars_request(), timeout=0.5))
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    status = rpc_status.from_call(caught.value)  # type: ignore[arg-type]
    retry = error_details_pb2.RetryInfo()
    assert status is not None
    assert any(detail.Unpack(retry) for detail in status.details)

    arrivals = await collect(quick_breaker_stub.Search(_cars_request(), timeout=10))
    assert arrivals[-1].event.completed.total_offers > 0
