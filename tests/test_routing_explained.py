"""The routing plan a client sees: scores, breakdowns and reasons, from the seeded registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guidera.v1 import search_service_pb2

from tests.searching import collect, flight_request
from tests.server_fixtures import SandboxControl

if TYPE_CHECKING:
    from guidera.v1.search_service_pb2_grpc import SearchServiceAsyncStub


async def test_jfk_to_lhr_boosts_amadeus_for_the_atlantic_and_europe(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """The started event shows amadeus first: a capped geographic 30 (transatlantic +10) and
    the europe rule's +20."""
    arrivals = await collect(search_stub.Search(flight_request("JFK", "LHR"), timeout=10))

    plan = arrivals[0].event.started.plan
    first = plan.selected[0]
    assert first.provider == "amadeus"
    assert first.breakdown.geographic == 30
    assert first.breakdown.category == 20
    assert first.breakdown.cost == 8
    assert [(b.rule, b.boost) for b in first.breakdown.rule_boosts] == [
        ("flights_europe_amadeus", 20)
    ]
    parts = first.breakdown
    total = parts.geographic + parts.category + parts.preference + parts.performance + parts.cost
    assert first.score == total + 20
    assert [c.provider for c in plan.selected] == ["amadeus", "duffel", "kiwi"]


async def test_explain_route_names_why_providers_are_left_out(
    search_stub: SearchServiceAsyncStub,
) -> None:
    """Providers of the category without an adapter, or not asked for, are listed with why."""
    request = flight_request("JFK", "LHR", providers=("duffel",))

    reply = await search_stub.ExplainRoute(
        search_service_pb2.ExplainRouteRequest(search=request), timeout=5
    )

    assert [c.provider for c in reply.plan.selected] == ["duffel"]
    reasons = {c.provider: c.exclusion_reason for c in reply.plan.excluded}
    assert reasons["amadeus"] == "not among the providers the request named"
    assert reply.plan.selected[0].breakdown.geographic == 30
