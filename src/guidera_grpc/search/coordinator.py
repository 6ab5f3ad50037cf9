"""Answers a search from the cache, from an identical search already running, or live.

A fresh cached answer is replayed at once (source CACHE). Otherwise the search joins an
identical one in flight or starts its own fan-out; a client that accepts stale results first
is shown the stored offers, marked cached, right after the started event, and the live offers
replace them (offer ids are stable) as suppliers answer. A live search whose every provider
answered is stored for the next client.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncGenerator, Callable
from typing import Protocol

from google.protobuf import duration_pb2
from guidera.v1 import common_pb2, search_service_pb2

from guidera_grpc.booking.offers import OfferStore
from guidera_grpc.cache.search_cache import SEARCH_FRESH_S, CachedSearch, SearchCache, search_key
from guidera_grpc.routing.plan import RoutingPlan
from guidera_grpc.search.executor import SearchRun
from guidera_grpc.search.packages import PackageRun
from guidera_grpc.search.pages import ResultPages, page_token
from guidera_grpc.search.params import FlightSearch, PackageSearch
from guidera_grpc.search.single_flight import SingleFlight
from guidera_grpc.validation.search import ValidSearch

Event = search_service_pb2.SearchResponse

#: A search in flight is joined when it ends at most this much before the joiner's own would.
JOIN_SLACK_S = 0.5
#: A replay of results older than this keeps their offers again (they are kept 15 minutes or
#: more from their live search, so a replay within the default fresh period leaves 10 or more).
OFFER_REFRESH_S = SEARCH_FRESH_S


class SearchBackend(Protocol):
    """What the coordinator needs of the runtime."""

    async def plan(self, search: ValidSearch) -> RoutingPlan: ...

    async def new_search(
        self, search: ValidSearch, request_id: str, time_remaining: float | None
    ) -> SearchRun | PackageRun: ...

    def record_search(self, run: SearchRun | PackageRun) -> None: ...

    def budget_for(self, time_remaining: float | None) -> float: ...


class SearchCoordinator:
    """Chooses between cache, a shared fan-out and a new live search."""

    def __init__(
        self,
        backend: SearchBackend,
        cache: SearchCache | None,
        pages: ResultPages,
        offers: OfferStore | None = None,
        *,
        on_lookup: Callable[[str, bool], None] | None = None,
    ) -> None:
        """``on_lookup(category, hit)`` hears of each cache lookup (the metrics)."""
        self._backend = backend
        self._on_lookup = on_lookup
        self._cache = cache
        self._pages = pages
        self._offers = offers
        self._flights: SingleFlight[Event] = SingleFlight()

    async def stream(
        self, search: ValidSearch, request_id: str, time_remaining: float | None
    ) -> AsyncGenerator[Event, None]:
        """The events of one client's search."""
        key = search_key(search)
        cached = await self._cached(search, key)
        freshness = search.options.freshness_s
        fresh_for = SEARCH_FRESH_S if freshness is None else freshness
        hit = cached is not None and cached.age_s <= fresh_for
        if self._on_lookup is not None and self._cache is not None and not search.options.refresh:
            self._on_lookup(search.category_name, hit)
        if cached is not None and hit:
            for event in await self._replay(search, request_id, cached, time_remaining):
                yield event
            return
        stale_first = cached if freshness is not None else None
        live = await self._live_events(search, key, request_id, time_remaining)
        async with contextlib.aclosing(live) as events:
            async for event in events:
                if event.WhichOneof("event") != "started":
                    yield event
                    continue
                yield _for_client(event, request_id)
                if stale_first is not None:
                    yield stale_first.batch()
                    stale_first = None

    async def _live_events(
        self, search: ValidSearch, key: str, request_id: str, time_remaining: float | None
    ) -> AsyncGenerator[Event, None]:
        """Join an identical search in flight when its time budget suits this client, else
        start one (shared with later identical searches when no other runs)."""
        flight_key = f"{key}:{'all' if search.options.wait_for_all else 'stream'}"
        now = time.monotonic()
        wanted_end = now + self._backend.budget_for(time_remaining)
        client_end = now + time_remaining if time_remaining is not None else float("inf")
        shared = self._flights.join(flight_key)
        if shared is not None and wanted_end - JOIN_SLACK_S <= shared.ends_at <= client_end:
            return shared.subscribe()
        source = self._planned(search, key, request_id, time_remaining)
        if shared is not None:
            # One runs already on another deadline: this client gets a run of its own.
            return source
        # Registered before planning awaits anything, so searches arriving meanwhile join it.
        return self._flights.start(flight_key, source, wanted_end).subscribe()

    async def _planned(
        self, search: ValidSearch, key: str, request_id: str, time_remaining: float | None
    ) -> AsyncGenerator[Event, None]:
        run = await self._backend.new_search(search, request_id, time_remaining)
        async with contextlib.aclosing(self._live(run, key)) as events:
            async for event in events:
                yield event

    async def _cached(self, search: ValidSearch, key: str) -> CachedSearch | None:
        if self._cache is None or search.options.refresh:
            return None
        return await self._cache.find(key)

    async def _live(self, run: SearchRun | PackageRun, key: str) -> AsyncGenerator[Event, None]:
        results: search_service_pb2.GetSearchResultsResponse | None = None
        encoded = b""
        try:
            async with contextlib.aclosing(run.stream()) as events:
                async for event in events:
                    if event.WhichOneof("event") == "completed":
                        # Kept before the client hears "completed": its next page exists, and
                        # its offers can be re-priced and booked.
                        results = run.results()
                        encoded = await self._keep(run.search_id, results, run.search)
                    yield event
            if self._cache is not None and run.answered_by_all():
                if results is None:
                    results = run.results()
                limit = run.search.options.max_results
                await self._cache.store(key, results, run.completed, limit, encoded=encoded or None)
        finally:
            self._backend.record_search(run)

    async def _keep(
        self,
        search_id: str,
        results: search_service_pb2.GetSearchResultsResponse,
        search: ValidSearch,
    ) -> bytes:
        """Keep the pages and the offers of a finished search; the results, encoded once
        for both the pages and the cache."""
        encoded = results.SerializeToString()
        keeping = [self._pages.keep(search_id, encoded)]
        if self._offers is not None:
            keeping.append(self._offers.keep(results, _travelers_of(search)))
        # Side by side: against a hung Redis the client waits out one write timeout, not two.
        await asyncio.gather(*keeping)
        return encoded

    async def _replay(
        self,
        search: ValidSearch,
        request_id: str,
        cached: CachedSearch,
        time_remaining: float | None,
    ) -> list[Event]:
        started_at = time.monotonic()
        plan = await self._backend.plan(search)
        search_id = str(uuid.uuid4())
        budget = self._backend.budget_for(time_remaining)
        started = search_service_pb2.SearchStarted(
            search_id=search_id, request_id=request_id, plan=plan.to_proto(budget)
        )
        started.start_time.GetCurrentTime()
        batch = cached.batch()
        completed = search_service_pb2.SearchCompleted()
        completed.CopyFrom(cached.completed)
        completed.search_id = search_id
        completed.source = search_service_pb2.RESULT_SOURCE_CACHE
        elapsed = _duration(time.monotonic() - started_at)
        completed.duration.CopyFrom(elapsed)
        completed.time_to_first_offers.CopyFrom(elapsed)
        if batch.offers.total_offers > search.options.max_results:
            completed.next_page_token = page_token(search_id, search.options.max_results)
        keeping = [self._pages.keep(search_id, cached.results_bytes)]
        if self._offers is not None and cached.age_s > OFFER_REFRESH_S:
            # Offers are kept 15 minutes or more from their live search; a replay of an older one
            # keeps them again so that they can still be booked.
            keeping.append(self._offers.keep(cached.results, _travelers_of(search)))
        await asyncio.gather(*keeping)
        return [Event(started=started), batch, Event(completed=completed)]


def _travelers_of(search: ValidSearch) -> common_pb2.Travelers | None:
    """Who a flight search (or a package's flight) priced its offers for."""
    params = search.params
    flight = params.flight if isinstance(params, PackageSearch) else params
    if not isinstance(flight, FlightSearch):
        return None
    return common_pb2.Travelers(
        adults=flight.adults, child_ages=list(flight.child_ages), infants=flight.infants
    )


def _for_client(event: Event, request_id: str) -> Event:
    """A shared search's started event, naming this client's request id."""
    if event.started.request_id == request_id:
        return event
    copy = Event()
    copy.CopyFrom(event)
    copy.started.request_id = request_id
    return copy


def _duration(seconds: float) -> duration_pb2.Duration:
    value = duration_pb2.Duration()
    value.FromNanoseconds(int(seconds * 1e9))
    return value
