"""A package search: its parts (flights, a stay, maybe a car) searched at once within one
deadline, and bundles of the best parts streamed as the parts' suppliers answer.

Each part is an ordinary search with its own routing. Bundles combine the few best offers of
every part and are ranked by their total in the display currency; a bundle whose part gets
cheaper is sent again as an improvement. Bundles appear once every part has an offer; a part
that no supplier could offer is reported in the completed event, and the bundles then carry
the parts that exist.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import time
from collections.abc import AsyncGenerator, Sequence
from decimal import Decimal

from google.protobuf import duration_pb2
from guidera.v1 import common_pb2, offer_pb2, search_service_pb2

from guidera_grpc.aggregation.book import OfferBook
from guidera_grpc.normalizers.money import to_decimal, to_money
from guidera_grpc.routing.plan import Exclusion, RoutingPlan
from guidera_grpc.search.executor import SearchRun, SearchSummary
from guidera_grpc.validation.search import CATEGORY_NAMES, ValidSearch

Event = search_service_pb2.SearchResponse

#: How many of each part's best offers are combined into bundles.
TOP_PARTS = {"flights": 3, "hotels": 3, "cars": 2}
BUNDLE_SELLER = "bundle"
_CATEGORY_OF = {name: number for number, name in CATEGORY_NAMES.items()}


class PackageRun:
    """One package search from its started event to its completed event."""

    def __init__(
        self,
        search_id: str,
        request_id: str,
        search: ValidSearch,
        parts: Sequence[tuple[str, SearchRun]],
        bundles: OfferBook,
        budget_s: float,
        *,
        unserved: Sequence[str] = (),
    ) -> None:
        self.search_id = search_id
        self.request_id = request_id
        self.search = search
        self.parts = list(parts)
        self.book = bundles
        self.budget_s = budget_s
        self.unserved = tuple(unserved)
        self.plan = _combined_plan(parts)
        self.summary = SearchSummary()
        self.completed = search_service_pb2.SearchCompleted()
        self._started = time.monotonic()

    async def stream(self) -> AsyncGenerator[Event, None]:
        """Started, then provider statuses and bundles as the parts answer, then completed."""
        self._started = time.monotonic()
        self.summary.started_at = dt.datetime.now(dt.UTC)
        yield self._started_event()
        queue: asyncio.Queue[tuple[str, Event | None]] = asyncio.Queue()
        pumps = [asyncio.create_task(_pump(name, run, queue)) for name, run in self.parts]
        try:
            async for event in self._merge(queue, len(pumps)):
                yield event
        finally:
            self.summary.duration_s = time.monotonic() - self._started
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
        incomplete = self._bundle(require_all=False)
        if incomplete:
            yield self._offers_event(incomplete)
        yield self._completed_event()

    async def _merge(
        self, queue: asyncio.Queue[tuple[str, Event | None]], running: int
    ) -> AsyncGenerator[Event, None]:
        while running:
            _, event = await queue.get()
            if event is None:
                running -= 1
                continue
            kind = event.WhichOneof("event")
            if kind == "provider_status":
                self.summary.statuses.append(event.provider_status)
                yield event
            elif kind == "offers":
                changes = self._bundle(require_all=True)
                if changes:
                    yield self._offers_event(changes)

    def _bundle(self, *, require_all: bool) -> list[search_service_pb2.RankedOffer]:
        """Merge the bundles of the parts' current best offers; return what changed."""
        tops = [
            [
                r.offer
                for r in run.book.ranked(TOP_PARTS.get(name, 2))
                if r.offer.price.display_total.currency_code
            ]
            for name, run in self.parts
        ]
        present = [top for top in tops if top]
        if not present or (require_all and (len(present) < len(tops) or self.unserved)):
            return []
        bundles = [_bundle_offer(combo) for combo in itertools.product(*present)]
        limit = self.search.options.max_results
        return [c for c in self.book.merge(bundles) if c.rank <= limit]

    def answered_by_all(self) -> bool:
        """Whether every part's every provider answered."""
        return not self.unserved and all(run.answered_by_all() for _, run in self.parts)

    def _missing(self) -> list[str]:
        """Parts with no offer: no provider to ask, or none that answered with one."""
        empty = [name for name, run in self.parts if not len(run.book)]
        return [*empty, *self.unserved]

    def results(self) -> search_service_pb2.GetSearchResultsResponse:
        """Every bundle, ranked."""
        return search_service_pb2.GetSearchResultsResponse(
            offers=self.book.ranked(), total_offers=len(self.book)
        )

    def _offers_event(self, offers: list[search_service_pb2.RankedOffer]) -> Event:
        if self.summary.first_offers_s is None:
            self.summary.first_offers_s = time.monotonic() - self._started
        providers = sorted({s.provider for s in self.summary.statuses})
        batch = search_service_pb2.OffersBatch(
            providers=providers, offers=offers, total_offers=len(self.book)
        )
        return Event(offers=batch)

    def _started_event(self) -> Event:
        started = search_service_pb2.SearchStarted(
            search_id=self.search_id,
            request_id=self.request_id,
            plan=self.plan.to_proto(self.budget_s),
        )
        started.start_time.GetCurrentTime()
        return Event(started=started)

    def _completed_event(self) -> Event:
        self.summary.completed = True
        self.summary.total_offers = len(self.book)
        completed = search_service_pb2.SearchCompleted(
            search_id=self.search_id,
            total_offers=len(self.book),
            duration=_duration(self.summary.duration_s),
            source=search_service_pb2.RESULT_SOURCE_LIVE,
            providers=self.summary.statuses,
            missing_parts=[_CATEGORY_OF[name] for name in self._missing()],
        )
        if self.summary.first_offers_s is not None:
            completed.time_to_first_offers.CopyFrom(_duration(self.summary.first_offers_s))
        self.completed = completed
        return Event(completed=completed)


async def _pump(name: str, run: SearchRun, queue: asyncio.Queue[tuple[str, Event | None]]) -> None:
    """Forward one part's events, then say it is done (also when it is cancelled)."""
    try:
        async with contextlib.aclosing(run.stream()) as events:
            async for event in events:
                await queue.put((name, event))
    finally:
        queue.put_nowait((name, None))


def _bundle_offer(parts: Sequence[offer_pb2.Offer]) -> offer_pb2.Offer:
    """One bundle of part offers, priced at the sum of their display totals."""
    details = offer_pb2.PackageDetails()
    for part in parts:
        kind = part.WhichOneof("details")
        if kind == "flight":
            details.flight.CopyFrom(part)
        elif kind == "hotel":
            details.hotel.CopyFrom(part)
        elif kind == "car":
            details.car.CopyFrom(part)
    currency = parts[0].price.display_total.currency_code
    total = sum((to_decimal(p.price.display_total) for p in parts), Decimal(0))
    price = common_pb2.Price(total=to_money(total, currency))
    return offer_pb2.Offer(
        category=common_pb2.CATEGORY_PACKAGES,
        price=price,
        provider_prices=[common_pb2.ProviderPrice(provider=BUNDLE_SELLER, price=price)],
        package=details,
    )


def _combined_plan(parts: Sequence[tuple[str, SearchRun]]) -> RoutingPlan:
    selected = tuple(code for _, run in parts for code in run.plan.selected)
    excluded = tuple(
        Exclusion(f"{e.provider}", f"{name}: {e.reason}")
        for name, run in parts
        for e in run.plan.excluded
    )
    return RoutingPlan("package", tuple(dict.fromkeys(selected)), excluded)


def _duration(seconds: float) -> duration_pb2.Duration:
    value = duration_pb2.Duration()
    value.FromNanoseconds(int(seconds * 1e9))
    return value
