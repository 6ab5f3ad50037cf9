"""Three server processes sharing the machine's PostgreSQL and Redis, as replicas behind a
load balancer would: one rate limit, one circuit, one cache, one runner per job, and no
booking or call-log row lost when a replica dies."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import grpc
import pytest
from guidera.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    booking_service_pb2,
    booking_service_pb2_grpc,
    search_service_pb2,
    search_service_pb2_grpc,
)

from guidera_grpc.sandbox import RunningSandbox
from tests.cluster_kit import Cluster, Replica, start_cluster
from tests.pg import PgCluster
from tests.searching import collect, days_ahead, flight_request, hotel_request, of_kind
from tests.server_fixtures import SandboxControl, lift_rate_limits

KIWI_PER_MINUTE = 60


@pytest.fixture(scope="module")
async def control(sandbox: RunningSandbox) -> AsyncIterator[SandboxControl]:
    """The sandbox's knobs for this module (reset before and after it)."""
    async with aiohttp.ClientSession(base_url=sandbox.url) as http:
        knobs = SandboxControl(http)
        await knobs.reset()
        yield knobs
        await knobs.reset()


@pytest.fixture(scope="module")
async def shared_dsn(pg_cluster: PgCluster) -> str:
    """A database where Kiwi.com allows 60 calls a minute and Viator waits for recovery."""
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    await _execute(
        dsn,
        "UPDATE api_providers SET rate_limit_per_minute = $1 WHERE code = 'kiwi'",
        KIWI_PER_MINUTE,
    )
    await _execute(dsn, "UPDATE api_providers SET status = 'disabled' WHERE code = 'viator'")
    return dsn


@pytest.fixture(scope="module")
async def cluster(
    shared_dsn: str,
    redis_url: str,
    sandbox: RunningSandbox,
    control: SandboxControl,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Cluster]:
    """Three replicas; the recovery and reconciliation jobs run every second on each."""
    # Viator's health check fails slowly, so each recovery run lasts about a second.
    await control.set("viator", error_rate=1.0, latency="800ms")
    running = await start_cluster(
        3,
        dsn=shared_dsn,
        redis_url=redis_url,
        sandbox_url=sandbox.url,
        log_dir=tmp_path_factory.mktemp("cluster"),
        env={
            "GUIDERA_BREAKER_FAILURES": "3",
            "GUIDERA_BREAKER_OPEN_S": "60",
            "GUIDERA_RECOVERY_INTERVAL_S": "1",
            "GUIDERA_RECONCILE_INTERVAL_S": "1",
        },
    )
    yield running
    await running.stop()


async def test_a_rate_limit_holds_across_the_replicas(
    cluster: Cluster, sandbox: RunningSandbox, control: SandboxControl
) -> None:
    """150 different Kiwi.com searches spread over three replicas: Kiwi.com hears 60."""
    await control.set("kiwi", latency="10-30ms")
    before = len(_searches(sandbox, "kiwi"))

    async def outcome(replica: Replica, day: int) -> str:
        """answered, another outcome of Kiwi.com's call, or the status of a refused search."""
        stub = search_service_pb2_grpc.SearchServiceStub(replica.channel)
        request = flight_request("JFK", "LAX", days_ahead(day), providers=("kiwi",))
        try:
            arrivals = await collect(stub.Search(request, timeout=20))
        except grpc.aio.AioRpcError as error:
            return error.code().name
        completed = of_kind(arrivals, "completed")[0].event.completed
        kiwi = next(p for p in completed.providers if p.provider == "kiwi")
        return search_service_pb2.ProviderOutcome.Name(kiwi.outcome)

    outcomes: list[str] = []
    for wave in range(5):
        outcomes += await asyncio.gather(
            *(outcome(cluster.replicas[n % 3], 20 + wave * 30 + n) for n in range(30))
        )

    heard = len(_searches(sandbox, "kiwi")) - before
    assert heard == KIWI_PER_MINUTE
    assert outcomes.count("PROVIDER_OUTCOME_ANSWERED") == KIWI_PER_MINUTE
    assert set(outcomes) - {"PROVIDER_OUTCOME_ANSWERED"} <= {
        "UNAVAILABLE",
        "PROVIDER_OUTCOME_SKIPPED",
    }, outcomes


async def test_failures_seen_by_one_replica_open_the_circuit_on_all(
    cluster: Cluster, sandbox: RunningSandbox, control: SandboxControl
) -> None:
    """Duffel fails on replica 0 until its circuit opens; the others stop calling it too,
    and an operator's reset on one replica closes it everywhere."""
    await control.set("duffel", error_rate=1.0, latency="10ms")
    first, second, third = cluster.replicas
    stub = search_service_pb2_grpc.SearchServiceStub(first.channel)
    for day in range(3):
        request = flight_request("JFK", "SFO", days_ahead(40 + day), providers=("duffel",))
        await collect(stub.Search(request, timeout=20))
    assert await _circuit(first, "duffel") == "open"

    assert await _eventually(second, "duffel", "open")
    assert await _eventually(third, "duffel", "open")
    calls = len(_searches(sandbox, "duffel"))
    elsewhere = search_service_pb2_grpc.SearchServiceStub(third.channel)
    request = flight_request("JFK", "SFO", days_ahead(50), providers=("duffel",))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await collect(elsewhere.Search(request, timeout=20))
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "circuit open" in (refused.value.details() or "")
    assert len(_searches(sandbox, "duffel")) == calls

    await control.set("duffel", error_rate=0.0)
    admin = admin_service_pb2_grpc.AdminServiceStub(second.channel)
    await admin.ResetCircuit(admin_service_pb2.ResetCircuitRequest(provider="duffel"))
    assert await _eventually(first, "duffel", "closed")
    assert await _eventually(third, "duffel", "closed")


async def test_a_search_cached_by_one_replica_is_a_hit_on_another(
    cluster: Cluster, sandbox: RunningSandbox, control: SandboxControl
) -> None:
    await control.set("amadeus", latency="10-30ms")
    request = flight_request("BOS", "MIA", days_ahead(33), providers=("amadeus",), refresh=False)
    first = search_service_pb2_grpc.SearchServiceStub(cluster.replicas[0].channel)
    live = of_kind(await collect(first.Search(request, timeout=20)), "completed")
    calls = len(_searches(sandbox, "amadeus"))

    second = search_service_pb2_grpc.SearchServiceStub(cluster.replicas[1].channel)
    cached = of_kind(await collect(second.Search(request, timeout=20)), "completed")

    assert live[0].event.completed.source == search_service_pb2.RESULT_SOURCE_LIVE
    assert cached[0].event.completed.source == search_service_pb2.RESULT_SOURCE_CACHE
    assert cached[0].event.completed.total_offers == live[0].event.completed.total_offers
    assert len(_searches(sandbox, "amadeus")) == calls
    for replica in cluster.replicas:
        assert any("shared in Redis" in line for line in replica.log_lines())


async def test_an_admin_change_reaches_every_replica(cluster: Cluster) -> None:
    """A rate set on one replica is used by the others at once (each keeps its rates in
    memory and reloads them only when told)."""
    request = flight_request("JFK", "LHR", days_ahead(45), providers=("amadeus",))
    request.options.display_currency = "NOK"
    elsewhere = search_service_pb2_grpc.SearchServiceStub(cluster.replicas[2].channel)
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await collect(elsewhere.Search(request, timeout=20))
    assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    admin = admin_service_pb2_grpc.AdminServiceStub(cluster.replicas[0].channel)
    await admin.SetFxRate(
        admin_service_pb2.SetFxRateRequest(currency_code="NOK", rate_per_eur=11.5)
    )

    for _ in range(50):
        try:
            arrivals = await collect(elsewhere.Search(request, timeout=20))
            break
        except grpc.aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT  # noqa: PT017
            await asyncio.sleep(0.1)
    else:
        raise AssertionError("replica 2 never took the new rate")
    offers = [r.offer for a in of_kind(arrivals, "offers") for r in a.event.offers.offers]
    assert offers
    assert {o.price.display_total.currency_code for o in offers} == {"NOK"}


async def test_each_job_runs_once_a_period_on_one_replica_at_a_time(
    cluster: Cluster, shared_dsn: str
) -> None:
    """Every replica schedules the recovery and reconciliation jobs every second; as job_runs
    records them, runs never overlap, and the job runs about once a second, not three times."""
    for _ in range(200):
        runs = await _job_runs(shared_dsn, "reconciliation")
        if len(runs) >= 6:
            break
        await asyncio.sleep(0.1)
    for job in ("recovery", "reconciliation"):
        runs = await _job_runs(shared_dsn, job)
        assert len(runs) >= 3, job
        for earlier, later in itertools.pairwise(runs):
            assert later["started_at"] >= earlier["finished_at"], (job, earlier, later)
    reconciliation = await _job_runs(shared_dsn, "reconciliation")
    span_s = (reconciliation[-1]["started_at"] - reconciliation[0]["started_at"]).total_seconds()
    # Three replicas each try every second: without the gap there would be about 3 a second.
    assert len(reconciliation) - 1 <= span_s / 0.8 + 1, (len(reconciliation), span_s)
    recovery = await _job_runs(shared_dsn, "recovery")
    # Each recovery run waited for Viator's slow, failing check: the lock was really held.
    assert all(r["finished_at"] - r["started_at"] >= dt.timedelta(seconds=0.7) for r in recovery)


async def test_a_killed_replica_loses_no_booking_and_no_log_row(
    pg_cluster: PgCluster,
    redis_url: str,
    sandbox: RunningSandbox,
    control: SandboxControl,
    tmp_path: Path,
) -> None:
    """Replica 0 dies (SIGKILL) after the supplier booked: another replica's reconciliation
    confirms the booking, once. Replica 1 is stopped (SIGTERM) with searches in flight: they
    finish, and every call it made is in the call log."""
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    running = await start_cluster(
        3,
        dsn=dsn,
        redis_url=redis_url,
        sandbox_url=sandbox.url,
        log_dir=tmp_path,
        env={"GUIDERA_RECONCILE_INTERVAL_S": "1", "GUIDERA_RECONCILE_GRACE_S": "3"},
    )
    try:
        doomed, drained, survivor = running.replicas
        offer_id = await _hotelbeds_offer(doomed)
        await control.set("hotelbeds", book_latency="3000ms")
        booking = asyncio.create_task(_book(doomed, offer_id))
        ledger_before = len(await _ledger(control))
        for _ in range(100):
            if len(await _ledger(control)) > ledger_before:
                break
            await asyncio.sleep(0.05)
        await doomed.signal(signal.SIGKILL)
        booking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await booking

        await control.set("duffel", latency="1500ms")
        duffel_before = len(_searches(sandbox, "duffel"))
        stub = search_service_pb2_grpc.SearchServiceStub(drained.channel)
        searches = [
            asyncio.create_task(
                collect(
                    stub.Search(
                        flight_request("ORD", "DEN", days_ahead(60 + n), providers=("duffel",)),
                        timeout=30,
                    )
                )
            )
            for n in range(8)
        ]
        for _ in range(100):
            if len(_searches(sandbox, "duffel")) - duffel_before == len(searches):
                break
            await asyncio.sleep(0.05)
        assert await drained.signal(signal.SIGTERM) == 0
        finished = await asyncio.gather(*searches)
        assert all(of_kind(arrivals, "completed") for arrivals in finished)
        duffel_calls = len(_searches(sandbox, "duffel")) - duffel_before

        status = ""
        for _ in range(150):
            status = str(await _fetch_one(dsn, "SELECT status FROM bookings"))
            if status == "confirmed":
                break
            await asyncio.sleep(0.1)
        assert status == "confirmed"
        assert len(await _ledger(control)) == ledger_before + 1
        logged = await _fetch_one(
            dsn, "SELECT count(*) FROM provider_logs WHERE provider = 'duffel'"
        )
        assert logged == duffel_calls == len(searches)
        assert survivor.process.returncode is None
    finally:
        await running.stop()


def _searches(sandbox: RunningSandbox, supplier: str) -> list[object]:
    """The search requests ``supplier`` received (token and booking calls left out)."""
    paths = {"kiwi": "/v2/search", "duffel": "/air/offer_requests"}
    wanted = paths.get(supplier, "/v2/shopping/flight-offers")
    return [r for r in sandbox.stats.requests(supplier) if r.endpoint.split(" ", 1)[1] == wanted]


async def _circuit(replica: Replica, provider: str) -> str:
    admin = admin_service_pb2_grpc.AdminServiceStub(replica.channel)
    listed = await admin.ListCircuits(admin_service_pb2.ListCircuitsRequest())
    return next(c.circuit_state for c in listed.circuits if c.provider == provider)


async def _eventually(replica: Replica, provider: str, state: str) -> bool:
    """Whether ``provider``'s circuit on ``replica`` reaches ``state`` within 5 s."""
    for _ in range(50):
        if await _circuit(replica, provider) == state:
            return True
        await asyncio.sleep(0.1)
    return False


async def _hotelbeds_offer(replica: Replica) -> str:
    stub = search_service_pb2_grpc.SearchServiceStub(replica.channel)
    request = hotel_request(check_in=70, adults=1, providers=("hotelbeds",))
    arrivals = await collect(stub.Search(request, timeout=20))
    offers = [r.offer for a in of_kind(arrivals, "offers") for r in a.event.offers.offers]
    assert offers
    return offers[0].offer_id


async def _book(replica: Replica, offer_id: str) -> None:
    stub = booking_service_pb2_grpc.BookingServiceStub(replica.channel)
    traveler = booking_service_pb2.Traveler(
        given_name="Ada", family_name="Lovelace", email="ada@example.com"
    )
    request = booking_service_pb2.BookRequest(
        idempotency_key=f"cluster-{uuid.uuid4()}",
        offer_id=offer_id,
        travelers=[traveler],
        payment_token="tok_test_4242",
    )
    # The replica is killed under this call.
    with contextlib.suppress(grpc.aio.AioRpcError):
        await stub.Book(request, timeout=20)


async def _ledger(control: SandboxControl) -> list[dict[str, str]]:
    async with control.http.get("/_sandbox/bookings") as response:
        listed: list[dict[str, str]] = (await response.json())["bookings"]
        return listed


async def _job_runs(dsn: str, job: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(dsn)
    try:
        return list(
            await connection.fetch(
                "SELECT replica, started_at, finished_at FROM job_runs"
                " WHERE job = $1 AND finished_at IS NOT NULL ORDER BY started_at",
                job,
            )
        )
    finally:
        await connection.close()


async def _fetch_one(dsn: str, query: str) -> object:
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetchval(query)
    finally:
        await connection.close()


async def _execute(dsn: str, statement: str, *args: object) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement, *args)
    finally:
        await connection.close()
