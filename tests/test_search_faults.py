"""Suppliers that fail on the wire, seen through a real server over real HTTP.

One flight supplier at a time answers a body that is not JSON, cuts its body short, drips it
slower than the call may take, or resets the connection. That supplier alone fails, with the
error the adapters give such a failure; the others' offers still stream, the search completes
in time, the server keeps serving and logs no error. Last, a supplier that fails until health
disables it is checked by the recovery job once it answers again, and restored with one alert.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import asyncpg
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from guidera.v1 import search_service_pb2, search_service_pb2_grpc

from guidera_grpc.operations.health_rules import DISABLE_AFTER_FAILURES
from guidera_grpc.operations.recovery import CHECKS_CONSIDERED, CHECKS_NEEDED
from guidera_grpc.routing.router import MIN_CALL_TIMEOUT_S
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.server import GuideraServer
from tests.pg import PgCluster
from tests.searching import Arrival, collect, flight_request, of_kind
from tests.server_fixtures import PLAIN, SandboxControl, lift_rate_limits, server_settings

if TYPE_CHECKING:
    from guidera.v1.search_service_pb2_grpc import SearchServiceAsyncStub

FLIGHT_SUPPLIERS = ("amadeus", "duffel", "kiwi")
ANSWERED = search_service_pb2.PROVIDER_OUTCOME_ANSWERED
FAILED = search_service_pb2.PROVIDER_OUTCOME_FAILED
TIMED_OUT = search_service_pb2.PROVIDER_OUTCOME_TIMED_OUT
SERVING = health_pb2.HealthCheckResponse.SERVING

#: A failure on the wire is known at once: far sooner than any timeout.
PROMPT_S = 2.0
RECOVERY_INTERVAL_S = 0.5


# Helpers


def _statuses(arrivals: list[Arrival]) -> dict[str, search_service_pb2.ProviderStatus]:
    return {
        a.event.provider_status.provider: a.event.provider_status
        for a in of_kind(arrivals, "provider_status")
    }


def _offering(arrivals: list[Arrival]) -> set[str]:
    return {p for a in of_kind(arrivals, "offers") for p in a.event.offers.providers}


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """ERROR records of the service, or of aiohttp serving the sandbox in this process."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith(("guidera_grpc", "aiohttp"))
    ]


async def _serving(channel: grpc.aio.Channel) -> int:
    stub: Any = health_pb2_grpc.HealthStub(channel)
    reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=2)
    status: int = reply.status
    return status


async def _faults_seen(control: SandboxControl, supplier: str) -> dict[str, int]:
    faults = (await control.stats())[supplier]["faults"]
    assert isinstance(faults, dict)
    return faults


async def _a_failed_supplier_leaves_the_search_whole(
    stub: SearchServiceAsyncStub,
    channel: grpc.aio.Channel,
    caplog: pytest.LogCaptureFixture,
    supplier: str,
) -> search_service_pb2.ProviderStatus:
    """Search flights with ``supplier`` faulty: it fails at once, the others stream offers,
    the search completes, the server serves on without an error logged. Its status."""
    arrivals = await collect(stub.Search(flight_request(), timeout=10))

    assert arrivals[-1].kind == "completed"
    assert arrivals[-1].at < PROMPT_S
    status = _statuses(arrivals)[supplier]
    assert status.outcome == FAILED
    assert _offering(arrivals) == set(FLIGHT_SUPPLIERS) - {supplier}
    assert await _serving(channel) == SERVING
    assert _errors(caplog) == []
    return status


async def _poll(what: str, check: Callable[[], Awaitable[bool]], within_s: float) -> None:
    """Wait until ``check`` holds, at most ``within_s`` seconds."""
    give_up = time.monotonic() + within_s
    while not await check():
        if time.monotonic() > give_up:
            raise AssertionError(f"{what}: not within {within_s} s")
        await asyncio.sleep(0.1)


@asynccontextmanager
async def _own_server(
    pg_cluster: PgCluster, sandbox: RunningSandbox, **overrides: object
) -> AsyncIterator[tuple[grpc.aio.Channel, str]]:
    """A server on a fresh database of its own, and a channel to it; yields both with the
    database's DSN."""
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    server = GuideraServer(server_settings(dsn, sandbox.url, **overrides))
    await server.start()
    try:
        await server.wait_ready()
        async with grpc.aio.insecure_channel(server.address) as channel:
            yield channel, dsn
    finally:
        await server.stop(grace_s=0.5)


# Faults on the wire, one supplier at a time


@pytest.mark.parametrize("supplier", FLIGHT_SUPPLIERS)
async def test_a_body_that_is_not_json_fails_that_supplier_as_malformed(
    search_stub: SearchServiceAsyncStub,
    channel: grpc.aio.Channel,
    sandbox_control: SandboxControl,
    caplog: pytest.LogCaptureFixture,
    supplier: str,
) -> None:
    """An HTML page under the supplier's JSON content type is MALFORMED_RESPONSE."""
    await sandbox_control.set(supplier, malformed_rate=1.0)

    status = await _a_failed_supplier_leaves_the_search_whole(
        search_stub, channel, caplog, supplier
    )

    assert status.error_code == "MALFORMED_RESPONSE"
    assert await _faults_seen(sandbox_control, supplier) == {"malformed": 1}


@pytest.mark.parametrize("supplier", FLIGHT_SUPPLIERS)
async def test_a_body_cut_short_fails_that_supplier_as_unavailable(
    search_stub: SearchServiceAsyncStub,
    channel: grpc.aio.Channel,
    sandbox_control: SandboxControl,
    caplog: pytest.LogCaptureFixture,
    supplier: str,
) -> None:
    """Half a body, then a closed connection: the adapters read it as a broken transport
    (UNAVAILABLE, "answer cut short"), never as a crash or a hang."""
    await sandbox_control.set(supplier, truncate_rate=1.0)

    status = await _a_failed_supplier_leaves_the_search_whole(
        search_stub, channel, caplog, supplier
    )

    assert status.error_code == "UNAVAILABLE"
    assert "cut short" in status.reason
    assert await _faults_seen(sandbox_control, supplier) == {"truncate": 1}


@pytest.mark.parametrize("supplier", FLIGHT_SUPPLIERS)
async def test_a_reset_connection_fails_that_supplier_as_unavailable(
    search_stub: SearchServiceAsyncStub,
    channel: grpc.aio.Channel,
    sandbox_control: SandboxControl,
    caplog: pytest.LogCaptureFixture,
    supplier: str,
) -> None:
    """A connection closed before any answer is UNAVAILABLE, and the call is not resent."""
    await sandbox_control.set(supplier, reset_rate=1.0)

    status = await _a_failed_supplier_leaves_the_search_whole(
        search_stub, channel, caplog, supplier
    )

    assert status.error_code == "UNAVAILABLE"
    # Exactly once: the HTTP client does not quietly send a GET again on a reset connection.
    assert await _faults_seen(sandbox_control, supplier) == {"reset": 1}


async def test_a_body_dripping_slower_than_the_call_may_take_times_out_within_the_budget(
    pg_cluster: PgCluster,
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Duffel sends its headers at once, then its body a few hundred bytes at a time. The call
    gives up when its own time is out (Duffel's is the minimum: it has no measured latency on a
    fresh database), the others' offers stream, and the search completes well before the
    client's deadline."""
    client_deadline_s = 6.0
    await sandbox_control.set("duffel", drip_rate=1.0)

    async with _own_server(pg_cluster, sandbox, **PLAIN) as (channel, _):
        stub = search_service_pb2_grpc.SearchServiceStub(channel)
        arrivals = await collect(stub.Search(flight_request(), timeout=client_deadline_s))

        duffel = next(
            a
            for a in of_kind(arrivals, "provider_status")
            if a.event.provider_status.provider == "duffel"
        )
        assert duffel.event.provider_status.outcome == TIMED_OUT
        assert duffel.event.provider_status.error_code == "TIMEOUT"
        assert MIN_CALL_TIMEOUT_S - 0.5 <= duffel.at < MIN_CALL_TIMEOUT_S + 1.0
        assert arrivals[-1].kind == "completed"
        assert arrivals[-1].at < client_deadline_s - 1.0
        assert _offering(arrivals) == {"amadeus", "kiwi"}
        assert await _serving(channel) == SERVING

    assert await _faults_seen(sandbox_control, "duffel") == {"drip": 1}
    assert _errors(caplog) == []


# Down, then back


async def _provider(dsn: str, code: str) -> asyncpg.Record:
    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(
            "SELECT status, status_reason, consecutive_failures FROM api_providers WHERE code = $1",
            code,
        )
    finally:
        await connection.close()
    assert row is not None
    return row


async def _status(dsn: str, code: str) -> str:
    status: str = (await _provider(dsn, code))["status"]
    return status


async def _rows(dsn: str, query: str, *args: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(dsn)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def test_a_supplier_disabled_by_its_failures_is_restored_by_the_recovery_job(
    pg_cluster: PgCluster,
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Duffel fails every search until health disables it (10 failures in a row; the breaker
    and retries are out of the way). Once the sandbox answers again, the recovery job, run
    every half second, checks it and restores it after 3 good checks of the last 5, writing
    exactly one provider_recovered alert."""
    await sandbox_control.set("duffel", error_rate=1.0)
    settings = {**PLAIN, "recovery_interval_s": RECOVERY_INTERVAL_S}

    async with _own_server(pg_cluster, sandbox, **settings) as (channel, dsn):
        stub = search_service_pb2_grpc.SearchServiceStub(channel)
        for _ in range(DISABLE_AFTER_FAILURES):
            arrivals = await collect(stub.Search(flight_request(), timeout=10))
            assert _statuses(arrivals)["duffel"].outcome == FAILED

        async def disabled() -> bool:
            return await _status(dsn, "duffel") == "disabled"

        await _poll("duffel disabled by health", disabled, within_s=5.0)
        await sandbox_control.set("duffel", error_rate=0.0)

        async def restored() -> bool:
            return await _status(dsn, "duffel") == "active"

        await _poll("duffel restored by the recovery job", restored, within_s=6.0)

        async def alerted() -> bool:
            return bool(await _recovered_alerts(dsn))

        await _poll("provider_recovered alert written", alerted, within_s=2.0)
        await asyncio.sleep(4 * RECOVERY_INTERVAL_S)

        provider = await _provider(dsn, "duffel")
        assert provider["consecutive_failures"] == 0
        assert provider["status_reason"] == (
            f"{CHECKS_NEEDED} of the last {CHECKS_CONSIDERED} recovery checks passed"
        )
        checks = await _rows(
            dsn,
            "SELECT ok, status FROM provider_health_checks"
            " WHERE provider = 'duffel' AND check_type = 'recovery' ORDER BY id",
        )
        restoring = next(i for i, c in enumerate(checks) if c["status"] == "active")
        window = checks[max(0, restoring + 1 - CHECKS_CONSIDERED) : restoring + 1]
        assert sum(c["ok"] for c in window) == CHECKS_NEEDED
        assert not any(c["ok"] for c in checks[: restoring + 1 - CHECKS_NEEDED])
        [alert] = await _recovered_alerts(dsn)
        assert alert["occurrences"] == 1
        down = await _rows(
            dsn, "SELECT 1 FROM system_alerts WHERE kind = 'provider_down' AND provider = 'duffel'"
        )
        assert len(down) == 1
        assert await _serving(channel) == SERVING

    assert _errors(caplog) == []


async def _recovered_alerts(dsn: str) -> list[asyncpg.Record]:
    return await _rows(
        dsn,
        "SELECT occurrences FROM system_alerts"
        " WHERE kind = 'provider_recovered' AND provider = 'duffel'",
    )
