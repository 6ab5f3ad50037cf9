"""Search streams over a real channel, with suppliers answering from the sandbox over HTTP."""

from __future__ import annotations

import asyncio

import grpc
from guidera.v1 import search_service_pb2, search_service_pb2_grpc

from tests.searching import collect, flight_request, of_kind
from tests.server_fixtures import SandboxControl

ANSWERED = search_service_pb2.PROVIDER_OUTCOME_ANSWERED


async def test_offers_stream_before_the_slow_supplier_answers(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """With a 50 ms and a 1500 ms supplier, offers arrive long before the slow one answers."""
    await sandbox_control.set("amadeus", latency_ms=[50, 50])
    await sandbox_control.set("kiwi", latency_ms=[50, 50])
    await sandbox_control.set("duffel", latency_ms=[1500, 1500])

    arrivals = await collect(search_stub.Search(flight_request(), timeout=10))

    assert arrivals[0].kind == "started"
    assert arrivals[-1].kind == "completed"
    first_offers = of_kind(arrivals, "offers")[0]
    duffel_status = next(
        a
        for a in of_kind(arrivals, "provider_status")
        if a.event.provider_status.provider == "duffel"
    )
    assert "duffel" not in first_offers.event.offers.providers
    assert duffel_status.event.provider_status.outcome == ANSWERED
    assert duffel_status.at >= 1.4
    assert first_offers.at < duffel_status.at - 1.0


async def test_providers_answer_in_the_order_of_their_latencies(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """Offers events follow the suppliers' speed; completed names every supplier's outcome."""
    await sandbox_control.set("amadeus", latency_ms=[100, 100])
    await sandbox_control.set("duffel", latency_ms=[400, 400])
    await sandbox_control.set("kiwi", latency_ms=[700, 700])

    arrivals = await collect(search_stub.Search(flight_request(), timeout=10))

    order = [a.event.offers.providers[0] for a in of_kind(arrivals, "offers")]
    assert order == ["amadeus", "duffel", "kiwi"]
    completed = arrivals[-1].event.completed
    assert [p.provider for p in completed.providers] == ["amadeus", "duffel", "kiwi"]
    assert all(p.outcome == ANSWERED and p.offer_count > 0 for p in completed.providers)
    assert completed.time_to_first_offers.ToMilliseconds() < 400


async def test_the_same_itinerary_from_two_suppliers_is_one_offer_with_both_prices(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """An itinerary sold by several suppliers is sent once as new, then as updates, and its
    sellers are listed cheapest first; a later, cheaper seller improves the offer's price."""
    await sandbox_control.set("amadeus", latency_ms=[20, 20])
    await sandbox_control.set("duffel", latency_ms=[300, 300])
    await sandbox_control.set("kiwi", latency_ms=[600, 600])

    arrivals = await collect(search_stub.Search(flight_request(), timeout=10))

    ranked = [r for a in of_kind(arrivals, "offers") for r in a.event.offers.offers]
    new_ids = [r.offer.offer_id for r in ranked if r.change == search_service_pb2.OFFER_CHANGE_NEW]
    assert len(new_ids) == len(set(new_ids))
    latest = {r.offer.offer_id: r.offer for r in ranked}
    shared = [o for o in latest.values() if len(o.provider_prices) >= 2]
    assert shared, "the sandbox sells overlapping itineraries; some must merge"
    for offer in shared:
        totals = [
            p.price.display_total.units * 10**9 + p.price.display_total.nanos
            for p in offer.provider_prices
        ]
        assert totals == sorted(totals)
        assert offer.price.total == offer.provider_prices[0].price.total
    improved = [r for r in ranked if r.change == search_service_pb2.OFFER_CHANGE_PRICE_IMPROVED]
    assert improved, "a slower supplier sells some shared itinerary for less"
    for update in improved:
        assert update.offer.offer_id in new_ids
        assert update.offer.provider_prices[0].provider in ("duffel", "kiwi")
    assert arrivals[-1].event.completed.total_offers == len(latest)


async def test_wait_for_all_sends_one_offers_event_after_every_supplier(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """wait_for_all collects every answer, then sends the whole ranked set once."""
    arrivals = await collect(search_stub.Search(flight_request(wait_for_all=True), timeout=10))

    kinds = [a.kind for a in arrivals]
    assert kinds.count("offers") == 1
    assert kinds.index("offers") > max(i for i, k in enumerate(kinds) if k == "provider_status")
    offers = of_kind(arrivals, "offers")[0].event.offers.offers
    assert [r.rank for r in offers] == list(range(1, len(offers) + 1))
    assert len(offers) == arrivals[-1].event.completed.total_offers


async def test_a_cancelled_stream_closes_the_upstream_requests(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """When the client cancels, the slow supplier's request is closed, not left to finish."""
    await sandbox_control.set("amadeus", latency_ms=[20, 20])
    await sandbox_control.set("duffel", latency_ms=[4000, 4000])
    await sandbox_control.set("kiwi", latency_ms=[4000, 4000])
    call = search_stub.Search(flight_request(), timeout=10)
    async for event in call:
        if event.WhichOneof("event") == "offers":
            break
    call.cancel()

    for _ in range(40):
        stats = await sandbox_control.stats()
        if stats["duffel"]["disconnected"] and stats["kiwi"]["disconnected"]:
            break
        await asyncio.sleep(0.05)
    assert stats["duffel"]["disconnected"] == 1
    assert stats["kiwi"]["disconnected"] == 1
    assert stats["duffel"]["completed"] == 0


async def test_a_client_deadline_bounds_the_search(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """A 1 s deadline against a 3 s supplier completes in time with the fast ones' offers."""
    await sandbox_control.set("duffel", latency_ms=[3000, 3000])

    arrivals = await collect(search_stub.Search(flight_request(), timeout=1.0))

    completed = arrivals[-1].event.completed
    assert arrivals[-1].at < 1.0
    outcomes = {p.provider: p.outcome for p in completed.providers}
    assert outcomes["duffel"] == search_service_pb2.PROVIDER_OUTCOME_TIMED_OUT
    assert outcomes["amadeus"] == ANSWERED
    assert completed.total_offers > 0


async def test_a_failing_supplier_is_reported_and_the_others_still_stream(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """A supplier answering 500 is a failed status with its code; the others' offers flow."""
    await sandbox_control.set("kiwi", error_rate=1.0)

    arrivals = await collect(search_stub.Search(flight_request(), timeout=10))

    statuses = {
        a.event.provider_status.provider: a.event.provider_status
        for a in of_kind(arrivals, "provider_status")
    }
    assert statuses["kiwi"].outcome == search_service_pb2.PROVIDER_OUTCOME_FAILED
    assert statuses["kiwi"].error_code == "UPSTREAM_ERROR"
    assert {p for a in of_kind(arrivals, "offers") for p in a.event.offers.providers} == {
        "amadeus",
        "duffel",
    }


async def test_providers_option_limits_who_is_asked(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """Naming one provider asks only that one; the plan says why the others were left out."""
    arrivals = await collect(search_stub.Search(flight_request(providers=("kiwi",)), timeout=10))

    plan = arrivals[0].event.started.plan
    assert [c.provider for c in plan.selected] == ["kiwi"]
    assert {c.provider for c in plan.excluded} >= {"amadeus", "duffel"}
    stats = await sandbox_control.stats()
    assert stats["amadeus"]["received"] == 0
    assert stats["duffel"]["received"] == 0
    assert stats["kiwi"]["received"] == 1


async def test_unknown_metadata_does_not_break_the_stream(
    channel: grpc.aio.Channel, sandbox_control: SandboxControl
) -> None:
    """A request id sent as metadata is echoed in the started event."""
    stub = search_service_pb2_grpc.SearchServiceStub(channel)
    call = stub.Search(flight_request(), timeout=10, metadata=(("x-request-id", "req-abc"),))
    first = await call.read()
    call.cancel()
    assert isinstance(first, search_service_pb2.SearchResponse)
    assert first.started.request_id == "req-abc"


async def test_explain_route_plans_without_calling_anyone(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """ExplainRoute returns the plan a search would follow; no supplier sees a request."""
    reply = await search_stub.ExplainRoute(
        search_service_pb2.ExplainRouteRequest(search=flight_request()), timeout=5
    )

    assert {c.provider for c in reply.plan.selected} == {"amadeus", "duffel", "kiwi"}
    stats = await sandbox_control.stats()
    assert all(stats[code]["received"] == 0 for code in ("amadeus", "duffel", "kiwi"))
