"""Strategies decide who is called, in what order, and who stands in for a failure."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from guidera.v1 import search_service_pb2

from guidera_grpc.search.schedule import Launch, Schedule
from guidera_grpc.search.strategies import STRATEGIES, strategy_named
from tests.searching import collect, flight_request
from tests.server_fixtures import SandboxControl

if TYPE_CHECKING:
    from guidera.v1.search_service_pb2_grpc import SearchServiceAsyncStub

ANSWERED = search_service_pb2.PROVIDER_OUTCOME_ANSWERED
FELL_BACK = search_service_pb2.PROVIDER_OUTCOME_FELL_BACK
SUPPLIERS = ("amadeus", "duffel", "kiwi")


def test_waterfall_stops_at_the_first_good_answer() -> None:
    schedule = Schedule(STRATEGIES["waterfall"], ["a", "b", "c"], [])
    assert schedule.first() == [Launch("a")]
    assert schedule.after("a", failed=False, offers=12) == []


def test_waterfall_moves_on_after_a_failure_or_an_empty_answer() -> None:
    schedule = Schedule(STRATEGIES["waterfall"], ["a", "b"], ["z"])
    schedule.first()
    assert schedule.after("a", failed=True, offers=0) == [Launch("b", "a")]
    assert schedule.after("b", failed=False, offers=0) == [Launch("z", "b")]


def test_parallel_calls_a_spare_only_for_a_failure() -> None:
    schedule = Schedule(STRATEGIES["parallel_top_3"], ["a", "b"], ["z"])
    assert schedule.first() == [Launch("a"), Launch("b")]
    assert schedule.after("a", failed=False, offers=3) == []
    assert schedule.after("b", failed=True, offers=0) == [Launch("z", "b")]


def test_sequential_calls_one_after_another() -> None:
    schedule = Schedule(STRATEGIES["sequential"], ["a", "b", "c"], [])
    assert schedule.first() == [Launch("a")]
    assert schedule.after("a", failed=False, offers=3) == [Launch("b")]
    assert schedule.after("b", failed=False, offers=3) == [Launch("c")]


def test_comprehensive_tops_up_when_results_are_few() -> None:
    schedule = Schedule(strategy_named("comprehensive"), ["a"], ["z"])
    schedule.first()
    schedule.after("a", failed=False, offers=1)
    assert schedule.top_up(running=0, total_offers=1) == [Launch("z")]
    assert schedule.top_up(running=0, total_offers=5) == []


async def _search(
    stub: SearchServiceAsyncStub, strategy: str
) -> list[search_service_pb2.SearchResponse]:
    request = flight_request()
    request.options.strategy = strategy
    return [a.event for a in await collect(stub.Search(request, timeout=15))]


async def _order_seen(control: SandboxControl) -> list[str]:
    async with control.http.get("/_sandbox/requests") as response:
        records = (await response.json())["requests"]
    return [r["supplier"] for r in records if "token" not in r["path"]]


async def test_quick_search_calls_one_provider(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    events = await _search(search_stub, "quick_search")

    assert len(events[0].started.plan.selected) == 1
    assert len(await _order_seen(sandbox_control)) == 1
    assert events[-1].completed.providers[0].outcome == ANSWERED


async def test_sequential_calls_each_provider_after_the_previous_answered(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set("all", latency_ms=[150, 150])

    events = await _search(search_stub, "sequential")

    planned = [c.provider for c in events[0].started.plan.selected]
    assert await _order_seen(sandbox_control) == planned
    finished = [e.provider_status.provider for e in events if e.HasField("provider_status")]
    assert finished == planned
    assert events[-1].completed.duration.ToMilliseconds() >= 3 * 150


async def test_waterfall_falls_back_when_the_first_provider_fails(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """The first provider answers 500; the next is called, and the stream says who stood in."""
    plan = (await _search(search_stub, "waterfall"))[0].started.plan
    first, second = plan.selected[0].provider, plan.selected[1].provider
    await sandbox_control.reset()
    await sandbox_control.set(first, error_rate=1.0)

    events = await _search(search_stub, "waterfall")

    statuses = {
        e.provider_status.provider: e.provider_status
        for e in events
        if e.HasField("provider_status")
    }
    assert statuses[first].outcome == FELL_BACK
    assert statuses[second].outcome == ANSWERED
    assert statuses[second].fallback_from == first
    assert await _order_seen(sandbox_control) == [first, second]
    assert of_kind_offers(events) == {second}


def of_kind_offers(events: list[search_service_pb2.SearchResponse]) -> set[str]:
    return {p for e in events if e.HasField("offers") for p in e.offers.providers}


async def test_a_failed_single_provider_is_replaced_by_a_spare(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """single_cheapest asks one provider; when it answers 503 a reserve provider answers."""
    plan = (await _search(search_stub, "single_cheapest"))[0].started.plan
    chosen = plan.selected[0].provider
    reserve = [c.provider for c in plan.excluded if "reserve" in c.exclusion_reason]
    assert reserve
    await sandbox_control.reset()
    await sandbox_control.set(chosen, error_rate=1.0)

    events = await _search(search_stub, "single_cheapest")

    completed = events[-1].completed
    outcomes = {p.provider: p for p in completed.providers}
    assert outcomes[chosen].outcome == FELL_BACK
    stand_in = next(p for p in completed.providers if p.fallback_from == chosen)
    assert stand_in.provider == reserve[0]
    assert stand_in.outcome == ANSWERED
    assert completed.total_offers > 0


async def test_a_hung_first_provider_does_not_starve_a_sequential_search(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """Each call has its own limit below the search's budget, so the providers after a hung
    one still answer, and every selected provider has a status."""
    plan = (await _search(search_stub, "sequential"))[0].started.plan
    first = plan.selected[0].provider
    await sandbox_control.reset()
    await sandbox_control.set(first, timeout_rate=1.0)

    events = await _search(search_stub, "sequential")

    outcomes = {p.provider: p.outcome for p in events[-1].completed.providers}
    assert set(outcomes) == {c.provider for c in plan.selected}
    assert outcomes[first] != ANSWERED
    assert ANSWERED in outcomes.values()


async def test_a_search_answered_by_a_fallback_is_recorded(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl, server_dsn: str
) -> None:
    """The session row names every provider called, the stand-in included."""
    import asyncio

    import asyncpg

    plan = (await _search(search_stub, "quick_search"))[0].started.plan
    chosen = plan.selected[0].provider
    await sandbox_control.set(chosen, error_rate=1.0)

    events = await _search(search_stub, "quick_search")
    search_id = events[-1].completed.search_id

    connection = await asyncpg.connect(server_dsn)
    try:
        row = None
        for _ in range(50):
            row = await connection.fetchrow(
                "SELECT status, providers_called, providers_answered FROM search_sessions"
                " WHERE id = $1",
                uuid.UUID(search_id),
            )
            if row:
                break
            await asyncio.sleep(0.05)
    finally:
        await connection.close()
    assert row is not None
    assert chosen in row["providers_called"]
    assert set(row["providers_answered"]) <= set(row["providers_called"])
    assert row["status"] == "partial"
