"""Runs a routing plan: calls the chosen providers in parallel within the time budget and
turns their answers into stream events as each one arrives.

Upstream calls are tasks owned by the stream. When the client cancels, its deadline passes,
or the budget runs out, the tasks are cancelled and awaited, which closes their connections:
no supplier keeps working for a client that has gone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field

from google.protobuf import duration_pb2, timestamp_pb2
from guidera.v1 import offer_pb2, search_service_pb2

from guidera_grpc.aggregation.book import OfferBook
from guidera_grpc.providers.errors import (
    MalformedResponseError,
    ProviderError,
    ProviderTimeoutError,
)
from guidera_grpc.providers.registry import SearchCall
from guidera_grpc.resilience import CallContext, ProviderBlocked, ProviderGuard
from guidera_grpc.routing.plan import RoutingPlan
from guidera_grpc.search.pages import page_token
from guidera_grpc.search.schedule import Launch, Schedule
from guidera_grpc.search.strategies import Strategy, strategy_named
from guidera_grpc.validation.search import ValidSearch

log = logging.getLogger(__name__)

#: Below this many seconds left, starting an upstream call is pointless.
MIN_CALL_BUDGET_S = 0.05


@dataclass(slots=True)
class CallResult:
    """What one provider call produced, failures included; calls never raise."""

    provider: str
    offers: list[offer_pb2.Offer]
    error: ProviderError | None
    latency_s: float


@dataclass(slots=True)
class SearchSummary:
    """What the stream reported, for the session log."""

    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    completed: bool = False
    total_offers: int = 0
    first_offers_s: float | None = None
    duration_s: float = 0.0
    statuses: list[search_service_pb2.ProviderStatus] = field(default_factory=list)


class SearchRun:
    """One search from its started event to its completed event."""

    def __init__(
        self,
        search_id: str,
        request_id: str,
        search: ValidSearch,
        plan: RoutingPlan,
        calls: Mapping[str, SearchCall],
        book: OfferBook,
        budget_s: float,
        strategy: Strategy | None = None,
        spares: Sequence[str] = (),
        call_timeouts: Mapping[str, float] | None = None,
        guard: ProviderGuard | None = None,
    ) -> None:
        self.search_id = search_id
        self.request_id = request_id
        self.search = search
        self.plan = plan
        self.calls = calls
        self.book = book
        self.budget_s = budget_s
        self.strategy = strategy or strategy_named("")
        self.spares = tuple(spares)
        self.call_timeouts = dict(call_timeouts or {})
        self.guard = guard
        self.summary = SearchSummary()
        self.completed = search_service_pb2.SearchCompleted()
        self._started = time.monotonic()

    async def stream(self) -> AsyncGenerator[search_service_pb2.SearchResponse, None]:
        """Yield started, then offers and provider status as answers arrive, then completed."""
        self._started = time.monotonic()
        self.summary.started_at = dt.datetime.now(dt.UTC)
        yield self._started_event()
        running: dict[asyncio.Task[CallResult], Launch] = {}
        try:
            async for event in self._collect(running):
                yield event
        finally:
            self.summary.duration_s = time.monotonic() - self._started
            await _cancel_all(running)
        if self._wait_for_all and len(self.book):
            yield self._offers_event(self.book.ranked(self.search.options.max_results), [])
        yield self._completed_event()

    @property
    def _wait_for_all(self) -> bool:
        return self.search.options.wait_for_all or self.strategy.wait_for_all is True

    async def _collect(
        self, running: dict[asyncio.Task[CallResult], Launch]
    ) -> AsyncIterator[search_service_pb2.SearchResponse]:
        schedule = Schedule(self.strategy, self.plan.selected, self.spares)
        deadline = self._started + self.budget_s
        for event in self._launch(schedule.first(), running, deadline):
            yield event
        while running:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            done, _ = await asyncio.wait(
                running, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            for task in sorted(done, key=lambda t: t.result().latency_s):
                launch = running.pop(task)
                result = task.result()
                following = schedule.after(
                    result.provider, failed=result.error is not None, offers=len(result.offers)
                )
                for event in self._events_for(result, launch, following):
                    yield event
                for event in self._launch(following, running, deadline):
                    yield event
            more = schedule.top_up(running=len(running), total_offers=len(self.book))
            for event in self._launch(more, running, deadline):
                yield event
        for code, reason in schedule.leftovers():
            status = self._status(
                code, search_service_pb2.PROVIDER_OUTCOME_SKIPPED, 0.0, reason=reason
            )
            self._record_status(status)
            yield search_service_pb2.SearchResponse(provider_status=status)
        for task, launch in running.items():
            task.cancel()
            status = self._status(
                launch.provider,
                search_service_pb2.PROVIDER_OUTCOME_TIMED_OUT,
                time.monotonic() - self._started,
                reason="no answer within the search's time budget",
                error_code="TIMEOUT",
                fallback_from=launch.fallback_from,
            )
            self._record_status(status)
            yield search_service_pb2.SearchResponse(provider_status=status)

    def _launch(
        self,
        launches: list[Launch],
        running: dict[asyncio.Task[CallResult], Launch],
        deadline: float,
    ) -> list[search_service_pb2.SearchResponse]:
        """Start calls that can still finish in time; report the others as skipped."""
        skipped: list[search_service_pb2.SearchResponse] = []
        for launch in launches:
            remaining = deadline - time.monotonic()
            if remaining < MIN_CALL_BUDGET_S:
                status = self._status(
                    launch.provider,
                    search_service_pb2.PROVIDER_OUTCOME_SKIPPED,
                    0.0,
                    reason="too little time left to call it",
                    error_code="DEADLINE",
                    fallback_from=launch.fallback_from,
                )
                self._record_status(status)
                skipped.append(search_service_pb2.SearchResponse(provider_status=status))
                continue
            timeout = min(remaining, self.call_timeouts.get(launch.provider, remaining))
            task = asyncio.create_task(
                self._call(launch, time.monotonic() + timeout), name=f"search:{launch.provider}"
            )
            running[task] = launch
        return skipped

    def _events_for(
        self, result: CallResult, launch: Launch, following: list[Launch]
    ) -> list[search_service_pb2.SearchResponse]:
        events: list[search_service_pb2.SearchResponse] = []
        changes = self.book.merge(result.offers) if result.offers else []
        limit = self.search.options.max_results
        changes = [c for c in changes if c.rank <= limit]
        if changes and not self._wait_for_all:
            events.append(self._offers_event(changes, [result.provider]))
        fell_back = result.error is not None and any(
            f.fallback_from == result.provider for f in following
        )
        status = self._status_of(result, launch, fell_back)
        self._record_status(status)
        events.append(search_service_pb2.SearchResponse(provider_status=status))
        return events

    async def _call(self, launch: Launch, deadline: float) -> CallResult:
        code = launch.provider
        started = time.monotonic()
        try:
            offers = await self._send(launch, deadline)
            return CallResult(code, offers, None, time.monotonic() - started)
        except ProviderError as error:
            return CallResult(code, [], error, time.monotonic() - started)
        except Exception:
            # A defect in one adapter must not take the other providers' results down.
            log.exception("provider call crashed", extra={"fields": {"provider": code}})
            crash = MalformedResponseError(code, "the answer could not be processed")
            return CallResult(code, [], crash, time.monotonic() - started)

    async def _send(self, launch: Launch, deadline: float) -> list[offer_pb2.Offer]:
        """One provider's search, through the guard (circuit, retries, limits) when there is
        one."""
        call, params = self.calls[launch.provider], self.search.params
        if self.guard is None:
            return await call(params, deadline - time.monotonic())
        score = self.plan.scores.get(launch.provider)
        context = CallContext(
            request_id=self.request_id,
            session_id=self.search_id,
            endpoint="search",
            routing_score=score.total if score is not None else None,
            is_fallback=bool(launch.fallback_from),
            fallback_from=launch.fallback_from,
        )
        return await self.guard.call(
            launch.provider,
            lambda timeout_s: call(params, timeout_s),
            deadline=deadline,
            category=self.search.category_name,
            context=context,
        )

    def _status_of(
        self, result: CallResult, launch: Launch, fell_back: bool
    ) -> search_service_pb2.ProviderStatus:
        if result.error is None:
            outcome = search_service_pb2.PROVIDER_OUTCOME_ANSWERED
            return self._status(
                result.provider,
                outcome,
                result.latency_s,
                offer_count=len(result.offers),
                fallback_from=launch.fallback_from,
            )
        if isinstance(result.error, ProviderBlocked) and not fell_back:
            outcome = search_service_pb2.PROVIDER_OUTCOME_SKIPPED
        elif fell_back:
            outcome = search_service_pb2.PROVIDER_OUTCOME_FELL_BACK
        elif isinstance(result.error, ProviderTimeoutError):
            outcome = search_service_pb2.PROVIDER_OUTCOME_TIMED_OUT
        else:
            outcome = search_service_pb2.PROVIDER_OUTCOME_FAILED
        return self._status(
            result.provider,
            outcome,
            result.latency_s,
            reason=result.error.message,
            error_code=result.error.code,
            fallback_from=launch.fallback_from,
        )

    @staticmethod
    def _status(
        provider: str,
        outcome: search_service_pb2.ProviderOutcome.ValueType,
        latency_s: float,
        *,
        reason: str = "",
        error_code: str = "",
        offer_count: int = 0,
        fallback_from: str = "",
    ) -> search_service_pb2.ProviderStatus:
        return search_service_pb2.ProviderStatus(
            provider=provider,
            outcome=outcome,
            reason=reason,
            error_code=error_code,
            offer_count=offer_count,
            latency=_duration(latency_s),
            fallback_from=fallback_from,
        )

    def _record_status(self, status: search_service_pb2.ProviderStatus) -> None:
        self.summary.statuses.append(status)
        log.info(
            "provider finished",
            extra={
                "fields": {
                    "search_id": self.search_id,
                    "provider": status.provider,
                    "outcome": search_service_pb2.ProviderOutcome.Name(status.outcome),
                    "offers": status.offer_count,
                    "latency_ms": round(status.latency.ToMilliseconds()),
                    "error_code": status.error_code or None,
                }
            },
        )

    def _offers_event(
        self, offers: list[search_service_pb2.RankedOffer], providers: list[str]
    ) -> search_service_pb2.SearchResponse:
        if self.summary.first_offers_s is None:
            self.summary.first_offers_s = time.monotonic() - self._started
        batch = search_service_pb2.OffersBatch(
            providers=providers, offers=offers, total_offers=len(self.book)
        )
        return search_service_pb2.SearchResponse(offers=batch)

    def _started_event(self) -> search_service_pb2.SearchResponse:
        start_time = timestamp_pb2.Timestamp()
        start_time.GetCurrentTime()
        plan = self.plan.to_proto(self.budget_s)
        started = search_service_pb2.SearchStarted(
            search_id=self.search_id, request_id=self.request_id, plan=plan, start_time=start_time
        )
        return search_service_pb2.SearchResponse(started=started)

    def _completed_event(self) -> search_service_pb2.SearchResponse:
        self.summary.completed = True
        self.summary.total_offers = len(self.book)
        self.summary.duration_s = time.monotonic() - self._started
        completed = search_service_pb2.SearchCompleted(
            search_id=self.search_id,
            total_offers=len(self.book),
            duration=_duration(self.summary.duration_s),
            source=search_service_pb2.RESULT_SOURCE_LIVE,
            providers=self.summary.statuses,
        )
        if self.summary.first_offers_s is not None:
            completed.time_to_first_offers.CopyFrom(_duration(self.summary.first_offers_s))
        if len(self.book) > self.search.options.max_results:
            completed.next_page_token = page_token(self.search_id, self.search.options.max_results)
        self.completed = completed
        return search_service_pb2.SearchResponse(completed=completed)

    def answered_by_all(self) -> bool:
        """Whether the search completed with an answer from every provider it asked."""
        answered = search_service_pb2.PROVIDER_OUTCOME_ANSWERED
        outcomes = [s.outcome for s in self.summary.statuses]
        return self.summary.completed and bool(outcomes) and all(o == answered for o in outcomes)

    def results(self) -> search_service_pb2.GetSearchResultsResponse:
        """The whole ranked result set, as pages and the cache hold it."""
        return search_service_pb2.GetSearchResultsResponse(
            offers=self.book.ranked(), total_offers=len(self.book)
        )


async def _cancel_all(tasks: Mapping[asyncio.Task[CallResult], object]) -> None:
    """Cancel unfinished calls and wait for them, so their connections are closed now."""
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


def _duration(seconds: float) -> duration_pb2.Duration:
    value = duration_pb2.Duration()
    value.FromNanoseconds(int(seconds * 1e9))
    return value
