"""What a running service holds: settings, the store, the HTTP client, the adapters.

The servicers reach everything through one Runtime, which opens the parts in order at start
(store first: the service is not ready before its database is migrated) and closes them in
reverse, letting background writes finish.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from decimal import Decimal
from typing import Any

import aiohttp
import asyncpg
import orjson
from guidera.v1 import search_service_pb2

from guidera_grpc.aggregation.book import OfferBook
from guidera_grpc.aggregation.fx import FxTable
from guidera_grpc.aggregation.matching import ExactMatcher, matcher_for
from guidera_grpc.aggregation.ranking import ranking_for, weights_for
from guidera_grpc.booking.desk import BookingDesk
from guidera_grpc.booking.offers import OfferStore
from guidera_grpc.booking.pricing import OfferDesk
from guidera_grpc.booking.reconcile import Reconciler
from guidera_grpc.booking.sealing import sealer_for
from guidera_grpc.cache.backend import ByteCache, MemoryCache, open_cache
from guidera_grpc.cache.search_cache import SearchCache
from guidera_grpc.config import Settings, redis_address
from guidera_grpc.errors import (
    BudgetExhausted,
    NoProviderAvailable,
    NotReady,
    SharedCacheUnavailable,
)
from guidera_grpc.operations import Operations
from guidera_grpc.operations.jobs import REPLICA_ID
from guidera_grpc.providers.amadeus import AmadeusFlights
from guidera_grpc.providers.booking_registry import build_booking_providers
from guidera_grpc.providers.registry import (
    DEFAULT_HOTELBEDS_MARKUP,
    ProviderSet,
    build_providers,
    serves,
)
from guidera_grpc.providers.session import open_http_session
from guidera_grpc.resilience import (
    CircuitChange,
    ProviderGuard,
    blocked_providers,
    limits_from_profiles,
)
from guidera_grpc.resilience.sharing import SharedResilience
from guidera_grpc.routing.plan import RoutingPlan
from guidera_grpc.routing.router import Route, Router
from guidera_grpc.search.coordinator import SearchCoordinator
from guidera_grpc.search.executor import SearchRun
from guidera_grpc.search.packages import PackageRun
from guidera_grpc.search.pages import ResultPages
from guidera_grpc.search.params import PackageSearch
from guidera_grpc.search.probes import PROBE_TIMEOUT_S, probe_searches
from guidera_grpc.search.strategies import Strategy, strategy_named
from guidera_grpc.store import Store, open_store
from guidera_grpc.store.changes import Change, ChangeListener, announce
from guidera_grpc.store.fx import load_fx_rates
from guidera_grpc.store.providers import get_provider, list_providers
from guidera_grpc.store.sessions import SearchSessionRecord, record_search_session
from guidera_grpc.telemetry import Telemetry
from guidera_grpc.validation.common import Violations
from guidera_grpc.validation.search import CATEGORY_NAMES, MAX_RESULTS, ValidSearch

log = logging.getLogger(__name__)

#: Registry reads are cached this long: routing must see an operator's change within seconds.
PROFILE_TTL_S = 5.0
#: A search waits for a blocked provider's trial only when this much time is left after it.
MIN_TRIAL_S = 1.0
#: Kept back from the client's deadline for merging and sending the last events.
DEADLINE_RESERVE_S = 0.1


class Runtime:
    """The service's long-lived parts, shared by every RPC."""

    def __init__(self, settings: Settings, telemetry: Telemetry | None = None) -> None:
        self.settings = settings
        self.telemetry = telemetry if telemetry is not None else Telemetry(settings)
        self.ready = False
        #: This runtime among the replicas (one process may hold several in tests).
        self.replica_id = f"{REPLICA_ID}-{uuid.uuid4().hex[:4]}"
        self._store: Store | None = None
        self._http: aiohttp.ClientSession | None = None
        self._providers = ProviderSet()
        self._fx = FxTable({})
        self._router: Router | None = None
        self.guard: ProviderGuard | None = None
        self.operations: Operations | None = None
        self._booking: BookingDesk | None = None
        self._offer_desk: OfferDesk | None = None
        self.reconciler: Reconciler | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._cache: ByteCache | None = None
        self.sharing: SharedResilience | None = None
        self.changes: ChangeListener | None = None
        self.pages = ResultPages(MemoryCache())
        self.coordinator = SearchCoordinator(self, None, self.pages)

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the store is not open")
        return self._store

    async def start(self) -> None:
        """Open the store (migrating it), the HTTP client and the adapters."""
        self._store = await open_store(self.settings)
        self._fx = FxTable(await load_fx_rates(self._store.pool))
        self.operations = Operations(self._store.pool, self.settings, probe=self._probe)
        await self.operations.start()
        # Every upstream attempt goes to operations, then to the metrics and the traces.
        observer = self.telemetry.observing(self.operations)
        redis = self.settings.redis_url
        self.guard = ProviderGuard(
            self.settings,
            limits_from_profiles(await list_providers(self._store.pool)),
            observer=observer,
            budget=self.operations.budget,
            redis_url=redis.get_secret_value() if redis else None,
            on_circuit_change=self._circuit_changed,
        )
        guard = self.guard
        guard.loop_lag.start()
        self.telemetry.watch(guard)
        if redis is not None:
            self.sharing = SharedResilience(
                guard, redis.get_secret_value(), self.settings.cache_namespace, self.replica_id
            )
            await self.sharing.start()
            log.info(
                "limits, circuits and cache shared in Redis",
                extra={
                    "fields": {
                        "redis": redis_address(redis.get_secret_value()),
                        "namespace": self.settings.cache_namespace,
                    }
                },
            )
        else:
            log.info("limits, circuits and cache kept in this process (no GUIDERA_REDIS_URL)")
        self.changes = ChangeListener(self._store.dsn, self.replica_id, self._apply_change)
        self.changes.start()
        self._router = Router(
            self._store.pool,
            max_concurrent=self.settings.max_concurrent_providers,
            parallel=self.settings.enable_parallel_search,
            on_profiles=lambda profiles: guard.update_limits(limits_from_profiles(profiles)),
        )
        # Retries belong to the resilience layer; the HTTP client itself never retries.
        self._http = open_http_session(self.settings.default_search_timeout_ms / 1000)
        markup = await self._hotelbeds_markup()
        self._providers = build_providers(self._http, self.settings, hotelbeds_markup=markup)
        redis_url = self.settings.redis_url
        self._cache = open_cache(
            redis_url.get_secret_value() if redis_url else None,
            self.settings.cache_namespace,
            timeout_s=self.settings.redis_timeout_s,
        )
        cache = self._cache
        self.telemetry.metrics.watch_cache_memory(lambda: cache.held_bytes)
        self.pages = ResultPages(self._cache)
        search_cache = SearchCache(self._cache) if self.settings.enable_caching else None
        offers = OfferStore(self._cache)
        self.coordinator = SearchCoordinator(
            self, search_cache, self.pages, offers, on_lookup=self.telemetry.metrics.cache_lookup
        )
        booking_providers = build_booking_providers(
            self._http, self.settings, self._amadeus(), hotelbeds_markup=markup
        )
        self._booking = BookingDesk(
            self._store.pool,
            offers,
            booking_providers,
            sealer_for(self.settings),
            observer=observer,
        )
        self._offer_desk = OfferDesk(offers, booking_providers, fx=lambda: self._fx)
        self.reconciler = Reconciler(
            self._store.pool,
            booking_providers,
            interval_s=self.settings.reconcile_interval_s,
            pending_grace_s=self.settings.reconcile_grace_s,
        )
        self.reconciler.start()
        self.ready = True
        log.info("runtime ready", extra={"fields": {"providers": self._providers.codes()}})

    async def close(self) -> None:
        """Stop taking work, let background writes finish, close connections. Each step
        runs whatever the one before did: a failing part must not cost the call log's
        last rows or leave connections open."""
        self.ready = False
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        steps: list[tuple[str, Callable[[], Awaitable[Any]] | None]] = [
            ("bookings", self._booking.drain if self._booking else None),
            ("reconciler", self.reconciler.stop if self.reconciler else None),
            ("change notices", self.changes.close if self.changes else None),
            ("resilience sharing", self.sharing.close if self.sharing else None),
            ("guard", self.guard.close if self.guard else None),
            # The call log is flushed here, so no row of the last searches is lost.
            ("operations", self.operations.close if self.operations else None),
            ("http", self._http.close if self._http else None),
            ("cache", self._cache.close if self._cache else None),
            ("store", self._store.close if self._store else None),
        ]
        for name, step in steps:
            if step is None:
                continue
            try:
                await step()
            except Exception:
                log.exception("closing %s failed", name)

    def budget_for(self, time_remaining: float | None, strategy: Strategy | None = None) -> float:
        """Seconds the upstream calls may take: the strategy's timeout (else the default),
        or less when the client's deadline is nearer."""
        budget = self.settings.default_search_timeout_ms / 1000
        if strategy is not None and strategy.timeout_s is not None:
            budget = strategy.timeout_s
        if time_remaining is not None:
            budget = min(budget, time_remaining - DEADLINE_RESERVE_S)
        return max(budget, 0.0)

    @property
    def cache(self) -> ByteCache:
        """The byte cache behind search results, pages and offers."""
        if self._cache is None:
            raise NotReady("the service is starting; retry shortly")
        return self._cache

    def registry_changed(self) -> None:
        """Make the next search read providers, rules and chains from the store."""
        if self._router is not None:
            self._router.forget()

    async def announce(self, kind: str, **details: str) -> None:
        """Tell the other replicas about a change this one has already applied. A notice
        that cannot be sent is logged: the others still see it within their cache's 5 s."""
        try:
            await announce(self.store.pool, self.replica_id, kind, **details)
        except (OSError, asyncpg.PostgresError) as error:
            log.warning(
                "change notice not sent",
                extra={"fields": {"kind": kind, "error": type(error).__name__}},
            )

    async def _apply_change(self, change: Change) -> None:
        """Apply a change another replica announced."""
        log.info(
            "change from another replica",
            extra={"fields": {"kind": change.kind, "origin": change.origin[:100]}},
        )
        if change.kind in ("registry", "resync"):
            self.registry_changed()
            if self.operations is not None:
                await self.operations.registry.refresh()
        if change.kind in ("fx", "resync"):
            await self.reload_fx_rates()
        provider = change.details.get("provider", "")
        if change.kind == "circuit" and self.guard is not None and self.guard.knows(provider):
            circuit = self.guard.circuit(provider)
            if change.details.get("action") == "reset":
                circuit.reset()
            elif change.details.get("action") == "force_open":
                circuit.force_open()

    def _circuit_changed(self, change: CircuitChange) -> None:
        if self.sharing is not None:
            self.sharing.circuit_changed(change)

    async def reload_fx_rates(self) -> None:
        """Read the exchange rates again: the next search converts with them."""
        self._fx = FxTable(await load_fx_rates(self.store.pool))

    async def forget_searches(self) -> int:
        """Drop cached search answers, which a provider or rate change makes stale. Without
        Redis they stay until they expire: the change itself has been made, so it stands."""
        try:
            return await self.cache.purge_prefix("search:")
        except SharedCacheUnavailable:
            log.warning("cached searches not dropped: Redis did not answer; they expire by TTL")
            return 0

    def booking_desk(self) -> BookingDesk:
        """The booking desk; NotReady while the service starts."""
        if self._booking is None:
            raise NotReady("the service is starting; retry shortly")
        return self._booking

    def offer_desk(self) -> OfferDesk:
        """The offer desk; NotReady while the service starts."""
        if self._offer_desk is None:
            raise NotReady("the service is starting; retry shortly")
        return self._offer_desk

    def _amadeus(self) -> AmadeusFlights | None:
        """The Amadeus flight adapter whose token booking shares, when configured."""
        assert self._http is not None
        return AmadeusFlights(self._http, self.settings)

    def check_search(self, search: ValidSearch) -> None:
        """Refuse what validation alone cannot know: a currency without an exchange rate, or a
        named provider that does not sell the category."""
        errors = Violations()
        if not self._fx.knows(search.options.display_currency):
            errors.add(
                "options.display_currency",
                f"{search.options.display_currency} has no exchange rate; "
                f"use one of {', '.join(self._fx.currencies())}",
            )
        for index, code in enumerate(search.options.providers):
            if not serves(code, search.category_name):
                errors.add(
                    f"options.providers[{index}]", f"{code} does not sell {search.category_name}"
                )
        errors.raise_if_any()

    async def new_search(
        self, search: ValidSearch, request_id: str, time_remaining: float | None
    ) -> SearchRun | PackageRun:
        """Plan a search and return the run that will stream it."""
        if isinstance(search.params, PackageSearch):
            return await self._new_package(search, search.params, request_id, time_remaining)
        return await self._new_single(search, request_id, time_remaining)

    async def _new_package(
        self,
        search: ValidSearch,
        package: PackageSearch,
        request_id: str,
        time_remaining: float | None,
    ) -> PackageRun:
        """One search per part, each routed for its own category, under one deadline."""
        part_options = dataclasses.replace(
            search.options, wait_for_all=False, max_results=MAX_RESULTS, providers=()
        )
        parts: list[tuple[str, SearchRun]] = []
        unserved: list[str] = []
        for name, params in package.parts():
            part = ValidSearch(CATEGORY_IDS[name], params, part_options, search.traveler)
            try:
                parts.append((name, await self._new_single(part, request_id, time_remaining)))
            except NoProviderAvailable:
                if name == "flights":
                    raise
                unserved.append(name)
        bundles = OfferBook(search.options.display_currency, self._fx, ExactMatcher())
        budget = self.budget_for(time_remaining)
        return PackageRun(
            str(uuid.uuid4()), request_id, search, parts, bundles, budget, unserved=unserved
        )

    async def _new_single(
        self, search: ValidSearch, request_id: str, time_remaining: float | None
    ) -> SearchRun:
        route = await self._route(search)
        if not route.plan.selected:
            route, time_remaining = await self._wait_for_recovery(search, route, time_remaining)
        plan, strategy = route.plan, route.strategy
        weights = weights_for(search.traveler.budget_level, search.traveler.travel_style)
        book = OfferBook(
            search.options.display_currency,
            self._fx,
            matcher_for(search.category_name),
            ranking_for(search.options.sort, weights),
            scope=offer_scope(search),
        )
        search_id = str(uuid.uuid4())
        budget = self.budget_for(time_remaining, strategy)
        if plan.overrides.timeout_ms is not None:
            # A routing rule may shorten the search's time budget, never lengthen it.
            budget = min(budget, plan.overrides.timeout_ms / 1000)
        calls = self._providers.for_category(search.category_name)
        return SearchRun(
            search_id,
            request_id,
            search,
            plan,
            calls,
            book,
            budget,
            strategy,
            route.spares,
            route.call_timeouts,
            self.guard,
        )

    async def plan(self, search: ValidSearch) -> RoutingPlan:
        """Which providers a search would ask, and why the others are left out."""
        return (await self._route(search)).plan

    async def _route(self, search: ValidSearch) -> Route:
        if self._router is None:
            raise NotReady("the service is starting; retry shortly")
        search = self._within_budget(search)
        calls = self._providers.for_category(search.category_name)
        blocked = blocked_providers(self.guard, calls) if self.guard is not None else {}
        return await self._router.route(search, calls.keys(), blocked=blocked)

    async def _wait_for_recovery(
        self, search: ValidSearch, route: Route, time_remaining: float | None
    ) -> tuple[Route, float | None]:
        """Every provider is blocked: wait for the first to allow a trial when the deadline
        leaves time for it, else answer UNAVAILABLE with when to retry."""
        reasons = "; ".join(f"{e.provider}: {e.reason}" for e in route.plan.excluded)
        wait = self._first_recovery_s(search)
        budget = self.budget_for(time_remaining, strategy_named(search.options.strategy))
        if wait is None or wait + MIN_TRIAL_S > budget:
            raise NoProviderAvailable(
                f"no provider can serve this search ({reasons})", retry_after_s=wait
            )
        await asyncio.sleep(wait)
        left = None if time_remaining is None else time_remaining - wait
        retried = await self._route(search)
        if not retried.plan.selected:
            raise NoProviderAvailable(f"no provider can serve this search ({reasons})")
        return retried, left

    def _first_recovery_s(self, search: ValidSearch) -> float | None:
        """Seconds until the first blocked provider of the category may be tried again."""
        if self.guard is None:
            return None
        waits = [
            block.retry_after_s
            for code in self._providers.for_category(search.category_name)
            if (block := self.guard.block(code)) is not None and block.retry_after_s is not None
        ]
        return min(waits) if waits else None

    def _within_budget(self, search: ValidSearch) -> ValidSearch:
        """Refuse live searches once the budget is spent; ask one provider quickly from 95 %."""
        if self.operations is None:
            return search
        state = self.operations.budget.state()
        if state.exhausted:
            raise BudgetExhausted(
                "the search budget is spent; cached answers still work",
                retry_after_s=state.retry_after_s,
            )
        if state.emergency and search.options.strategy != "quick_search":
            options = dataclasses.replace(search.options, strategy="quick_search")
            return dataclasses.replace(search, options=options)
        return search

    async def _probe(self, provider: str) -> None:
        """A light health check: one small real search through one of the provider's
        adapters, around the guard so an open circuit does not stop the check itself."""
        for category, params in probe_searches().items():
            call = self._providers.for_category(category).get(provider)
            if call is not None:
                await call(params, PROBE_TIMEOUT_S)
                return
        raise RuntimeError(f"{provider} has no adapter to check")

    async def _hotelbeds_markup(self) -> Decimal:
        """The markup on Hotelbeds' net rates, as the registry states it."""
        profile = await get_provider(self.store.pool, "hotelbeds")
        if profile is None or profile.commission_kind != "markup":
            return DEFAULT_HOTELBEDS_MARKUP
        return profile.commission_percent

    def record_search(self, run: SearchRun | PackageRun) -> None:
        """Count the search in the metrics; write its session row off the request path."""
        record = session_record(run)
        self.telemetry.metrics.search_finished(record)
        self.spawn(record_search_session(self.store.pool, record))

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` in the background; close() waits for it."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_log_failure)


CATEGORY_IDS = {name: number for number, name in CATEGORY_NAMES.items()}


def offer_scope(search: ValidSearch) -> str:
    """What an offer's price depends on besides the product: the search's parameters."""
    return hashlib.blake2b(
        orjson.dumps(search.params.to_json(), option=orjson.OPT_SORT_KEYS), digest_size=8
    ).hexdigest()


def session_record(run: SearchRun | PackageRun) -> SearchSessionRecord:
    """The session row of a finished or abandoned search."""
    summary = run.summary
    answered = search_service_pb2.PROVIDER_OUTCOME_ANSWERED
    skipped = search_service_pb2.PROVIDER_OUTCOME_SKIPPED
    called = list(dict.fromkeys(s.provider for s in summary.statuses if s.outcome != skipped))
    answered_by = list(dict.fromkeys(s.provider for s in summary.statuses if s.outcome == answered))
    if not summary.completed:
        status = "cancelled"
    elif all(s.outcome in (answered, skipped) for s in summary.statuses) and answered_by:
        status = "completed"
    else:
        status = "partial" if answered_by else "failed"
    first_ms = summary.first_offers_s
    return SearchSessionRecord(
        session_id=uuid.UUID(run.search_id),
        request_id=run.request_id,
        category=run.search.category_name,
        params=run.search.params.to_json(),
        status=status,
        started_at=summary.started_at,
        completed_at=summary.started_at + dt.timedelta(seconds=summary.duration_s),
        providers_called=called,
        providers_answered=answered_by,
        result_count=summary.total_offers,
        first_result_ms=round(first_ms * 1000) if first_ms is not None else None,
        duration_ms=round(summary.duration_s * 1000),
    )


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task failed", exc_info=task.exception())
