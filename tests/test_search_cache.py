"""The search cache and single flight, counted at the sandbox over real HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import duration_pb2
from guidera.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    common_pb2,
    offer_service_pb2,
    offer_service_pb2_grpc,
    search_service_pb2,
    search_service_pb2_grpc,
)

from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.server import GuideraServer
from tests.searching import collect, days_ahead, flight_request, of_kind
from tests.server_fixtures import PLAIN, SandboxControl, server_settings

FLIGHT_SUPPLIERS = ("amadeus", "duffel", "kiwi")
CACHE = search_service_pb2.RESULT_SOURCE_CACHE
LIVE = search_service_pb2.RESULT_SOURCE_LIVE


async def _searches_received(control: SandboxControl) -> dict[str, int]:
    stats = await control.stats()
    counts: dict[str, int] = {}
    for code in FLIGHT_SUPPLIERS:
        endpoints = stats[code]["endpoints"]
        assert isinstance(endpoints, dict)
        counts[code] = sum(e["received"] for name, e in endpoints.items() if "token" not in name)
    return counts


def _cacheable(
    origin: str = "JFK", destination: str = "LHR", day: int = 45
) -> search_service_pb2.SearchRequest:
    return flight_request(origin, destination, days_ahead(day), refresh=False)


async def test_a_repeated_search_is_answered_from_the_cache(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """The second identical search calls no supplier and says it came from the cache."""
    first = await collect(search_stub.Search(_cacheable("BOS", "MAD"), timeout=10))
    await sandbox_control.reset()

    second = await collect(search_stub.Search(_cacheable("BOS", "MAD"), timeout=10))

    assert first[-1].event.completed.source == LIVE
    assert second[-1].event.completed.source == CACHE
    assert await _searches_received(sandbox_control) == dict.fromkeys(FLIGHT_SUPPLIERS, 0)
    live_ids = {r.offer.offer_id for a in of_kind(first, "offers") for r in a.event.offers.offers}
    cached = [r for a in of_kind(second, "offers") for r in a.event.offers.offers]
    assert {r.offer.offer_id for r in cached} == live_ids
    assert all(r.cached for r in cached)


async def test_the_same_search_written_differently_hits_the_cache(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """Letter case, provider order and an explicit default currency do not change the key."""
    request = _cacheable("ORD", "CDG")
    request.options.providers.extend(["kiwi", "amadeus", "duffel"])
    await collect(search_stub.Search(request, timeout=10))

    variant = _cacheable("ord", "cdg")
    variant.options.providers.extend(["duffel", "kiwi", "amadeus", "kiwi"])
    variant.options.display_currency = "eur"
    replay = await collect(search_stub.Search(variant, timeout=10))

    assert replay[-1].event.completed.source == CACHE


async def test_refresh_bypasses_the_cache(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """refresh asks the suppliers even with a fresh entry."""
    await collect(search_stub.Search(_cacheable("SFO", "NRT"), timeout=10))
    request = _cacheable("SFO", "NRT")
    request.options.refresh = True

    arrivals = await collect(search_stub.Search(request, timeout=10))

    assert arrivals[-1].event.completed.source == LIVE


async def test_fifty_identical_searches_share_one_fan_out(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """Fifty identical searches at once call each supplier once, and all get every offer."""
    await sandbox_control.set("all", latency_ms=[400, 400])
    request = _cacheable("LAX", "SYD")

    results = await asyncio.gather(
        *(collect(search_stub.Search(request, timeout=15)) for _ in range(50))
    )

    assert await _searches_received(sandbox_control) == dict.fromkeys(FLIGHT_SUPPLIERS, 1)
    totals = {r[-1].event.completed.total_offers for r in results}
    assert len(totals) == 1
    assert totals.pop() > 0


async def test_stale_results_first_then_live_ones(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """With a freshness bound the entry is older than, cached offers arrive right after the
    started event, marked cached, and the live search follows."""
    await collect(search_stub.Search(_cacheable("MIA", "GRU"), timeout=10))
    await sandbox_control.set("all", latency_ms=[1000, 1000])
    request = _cacheable("MIA", "GRU")
    request.options.freshness.CopyFrom(duration_pb2.Duration(seconds=0))

    arrivals = await collect(search_stub.Search(request, timeout=10))

    assert arrivals[0].kind == "started"
    assert arrivals[1].kind == "offers"
    assert all(r.cached for r in arrivals[1].event.offers.offers)
    # Long before any supplier could answer: the stale offers did not wait for the live ones.
    assert arrivals[1].at < 0.5
    live = of_kind(arrivals, "offers")[1:]
    assert live
    assert not any(r.cached for a in live for r in a.event.offers.offers)
    assert arrivals[-1].event.completed.source == LIVE


async def _redis_server(
    pg_dsn: str, sandbox: RunningSandbox, redis_url: str, namespace: str
) -> GuideraServer:
    settings = server_settings(pg_dsn, sandbox.url, **PLAIN).model_copy(
        update={"cache_namespace": namespace}
    )
    settings = settings.model_validate(
        {**settings.model_dump(by_alias=False), "GUIDERA_REDIS_URL": redis_url}
    )
    server = GuideraServer(settings)
    await server.start()
    await server.wait_ready()
    return server


@pytest.fixture
async def two_replicas(
    pg_dsn: str, sandbox: RunningSandbox, redis_url: str
) -> AsyncIterator[tuple[GuideraServer, GuideraServer]]:
    """Two servers sharing one Redis cache under a namespace of their own."""
    namespace = f"guidera-test-{uuid.uuid4().hex[:8]}"
    first = await _redis_server(pg_dsn, sandbox, redis_url, namespace)
    second = await _redis_server(pg_dsn, sandbox, redis_url, namespace)
    yield first, second
    await first.stop(grace_s=0.5)
    await second.stop(grace_s=0.5)


async def test_a_search_cached_by_one_replica_is_a_hit_on_another(
    two_replicas: tuple[GuideraServer, GuideraServer], sandbox_control: SandboxControl
) -> None:
    """With Redis, the cache is shared: a search answered by one server is a hit on the other."""
    first, second = two_replicas
    async with (
        grpc.aio.insecure_channel(first.address) as a,
        grpc.aio.insecure_channel(second.address) as b,
    ):
        live = await collect(
            search_service_pb2_grpc.SearchServiceStub(a).Search(
                _cacheable("YVR", "HKG"), timeout=10
            )
        )
        replay = await collect(
            search_service_pb2_grpc.SearchServiceStub(b).Search(
                _cacheable("YVR", "HKG"), timeout=10
            )
        )

    assert live[-1].event.completed.source == LIVE
    assert replay[-1].event.completed.source == CACHE


async def test_searches_work_when_redis_is_unreachable(
    pg_dsn: str, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """A Redis that refuses connections fails no search; each goes live, since a replica's
    private copy of an answer would outlive purges and provider changes made elsewhere."""
    server = await _redis_server(pg_dsn, sandbox, "redis://127.0.0.1:1/0", "guidera-down")
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            stub = search_service_pb2_grpc.SearchServiceStub(channel)
            sources = []
            for _ in range(2):
                arrivals = await collect(stub.Search(_cacheable("ATL", "AMS"), timeout=10))
                assert arrivals[-1].event.completed.total_offers > 0
                sources.append(arrivals[-1].event.completed.source)
        received = await _searches_received(sandbox_control)
    finally:
        await server.stop(grace_s=0.5)

    assert sources == [LIVE, LIVE]
    assert received == dict.fromkeys(FLIGHT_SUPPLIERS, 2)


async def test_a_purge_with_redis_down_is_unavailable_not_a_false_success(
    pg_dsn: str, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """An operator whose purge could not reach Redis is told so, and may retry."""
    server = await _redis_server(pg_dsn, sandbox, "redis://127.0.0.1:1/0", "guidera-down")
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            admin = admin_service_pb2_grpc.AdminServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await admin.PurgeCache(
                    admin_service_pb2.PurgeCacheRequest(category=common_pb2.CATEGORY_FLIGHTS),
                    timeout=20,
                )
    finally:
        await server.stop(grace_s=0.5)

    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "Redis did not answer" in (refused.value.details() or "")


async def test_offers_and_pages_outlive_a_redis_outage_on_their_replica(
    pg_dsn: str, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """With Redis down, the replica that ran a search keeps its offers and pages in memory:
    the traveler can still page through them and re-price the offer they chose."""
    server = await _redis_server(pg_dsn, sandbox, "redis://127.0.0.1:1/0", "guidera-down")
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            request = _cacheable("ATL", "CDG")
            request.options.max_results = 3
            arrivals = await collect(
                search_service_pb2_grpc.SearchServiceStub(channel).Search(request, timeout=10)
            )
            completed = arrivals[-1].event.completed
            assert completed.next_page_token
            page = await search_service_pb2_grpc.SearchServiceStub(channel).GetSearchResults(
                search_service_pb2.GetSearchResultsRequest(
                    search_id=completed.search_id,
                    page_size=5,
                    page_token=completed.next_page_token,
                ),
                timeout=5,
            )
            chosen = page.offers[0].offer
            offers = offer_service_pb2_grpc.OfferServiceStub(channel)
            priced = await offers.GetOffer(
                offer_service_pb2.GetOfferRequest(offer_id=chosen.offer_id), timeout=10
            )
            # What another replica stored may be in Redis: not "unknown", but "retry".
            with pytest.raises(grpc.aio.AioRpcError) as elsewhere:
                await offers.GetOffer(
                    offer_service_pb2.GetOfferRequest(offer_id="off_0123456789abcdef01234567"),
                    timeout=10,
                )
            with pytest.raises(grpc.aio.AioRpcError) as other_search:
                await search_service_pb2_grpc.SearchServiceStub(channel).GetSearchResults(
                    search_service_pb2.GetSearchResultsRequest(search_id=str(uuid.uuid4())),
                    timeout=5,
                )
    finally:
        await server.stop(grace_s=0.5)

    assert priced.offer.offer_id == chosen.offer_id
    assert priced.previous_total == chosen.price.total
    assert elsewhere.value.code() == grpc.StatusCode.UNAVAILABLE
    assert other_search.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_a_joining_client_is_not_bound_by_a_shorter_deadline(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """A client with time to spare does not join a search that will stop at another client's
    near deadline; each gets its own started event with its own request id."""
    await sandbox_control.set("all", latency_ms=[600, 600])
    hurried = _cacheable("CDG", "JFK")
    hurried.request_id = "hurried"
    patient = _cacheable("CDG", "JFK")
    patient.request_id = "patient"

    async def later() -> list:  # type: ignore[type-arg]
        await asyncio.sleep(0.05)
        return await collect(search_stub.Search(patient, timeout=30))

    short, long = await asyncio.gather(collect(search_stub.Search(hurried, timeout=0.4)), later())

    assert short[-1].event.completed.total_offers == 0
    assert long[0].event.started.request_id == "patient"
    assert long[-1].event.completed.total_offers > 0
