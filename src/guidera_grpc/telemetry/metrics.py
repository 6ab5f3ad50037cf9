"""Prometheus series of the service: upstream calls, searches, the search cache, the budget.

Each server owns its own ``CollectorRegistry`` (tests run several servers in one process, and
the global registry would refuse the second set of series). Counters and histograms are fed
synchronously from the call observer and the search hooks; they only touch memory. Gauges of
state that lives elsewhere (circuits, budget) are read at scrape time by custom collectors, so
nothing has to keep them in step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from guidera_grpc.operations.budget import BudgetState
from guidera_grpc.operations.figures import Registry
from guidera_grpc.resilience.seams import CallRecord
from guidera_grpc.store.sessions import SearchSessionRecord

#: Upstream latency: the suppliers answer in 0.05–10 s; the sandbox goes below.
LATENCY_BUCKETS: Final = (0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10)
#: Search phases last up to the 10 s of the comprehensive configuration.
SEARCH_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 10, 15)
RESULT_BUCKETS: Final = (0, 1, 5, 10, 25, 50, 100, 250, 500, 1000)
#: pybreaker's state names, as the gauge encodes them.
CIRCUIT_CODES: Final = {"closed": 0, "half-open": 1, "open": 2}


class Metrics:
    """The service's series in a registry of its own; a CallObserver of upstream calls."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        call_labels = ("provider", "category", "request_type")
        self.calls = Counter(
            "guidera_provider_calls",
            "Upstream call attempts, refused ones included, by outcome.",
            (*call_labels, "outcome"),
            registry=self.registry,
        )
        self.errors = Counter(
            "guidera_provider_errors",
            "Failed upstream attempts by kind: our error code, else the HTTP status class.",
            ("provider", "kind"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "guidera_provider_latency_seconds",
            "Time of upstream attempts that were sent, cancelled ones left out.",
            call_labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "guidera_provider_rate_limit_rejections",
            "Attempts the guard held back for a rate limit or a supplier's Retry-After.",
            ("provider", "reason"),
            registry=self.registry,
        )
        self.cost = Counter(
            "guidera_provider_cost_eur",
            "Money the upstream calls cost, priced as the budget counts it (EUR).",
            ("provider", "request_type"),
            registry=self.registry,
        )
        self.searches = Counter(
            "guidera_searches",
            "Searches by outcome: live fan-outs (completed, partial, failed, cancelled) "
            "and answers replayed from the cache (cached).",
            ("category", "status"),
            registry=self.registry,
        )
        self.first_offers = Histogram(
            "guidera_search_first_offers_seconds",
            "From a live search's start to its first offers.",
            ("category",),
            buckets=SEARCH_BUCKETS,
            registry=self.registry,
        )
        self.search_duration = Histogram(
            "guidera_search_duration_seconds",
            "From a live search's start to its completed event (abandoned ones left out).",
            ("category",),
            buckets=SEARCH_BUCKETS,
            registry=self.registry,
        )
        self.results = Histogram(
            "guidera_search_results",
            "Offers a live search ended with (abandoned ones left out).",
            ("category",),
            buckets=RESULT_BUCKETS,
            registry=self.registry,
        )
        self.cache_hits = Counter(
            "guidera_search_cache_hits",
            "Searches answered from the cache.",
            ("category",),
            registry=self.registry,
        )
        self.cache_misses = Counter(
            "guidera_search_cache_misses",
            "Searches the cache could not answer (absent or too old) that went live.",
            ("category",),
            registry=self.registry,
        )
        self._costs: Registry | None = None
        # labels() costs microseconds a call; the few label sets in use are kept here.
        self._children: dict[tuple[str, ...], tuple[Counter, Histogram]] = {}

    def price_with(self, costs: Registry) -> None:
        """Count money with ``costs`` from now on (the registry the spend uses)."""
        self._costs = costs

    def watch_circuits(self, states: Callable[[], Mapping[str, str]]) -> None:
        """Publish each provider's circuit from ``states()``, read at every scrape."""
        self.registry.register(_CircuitCollector(states))

    def watch_budget(self, state: Callable[[], BudgetState]) -> None:
        """Publish the global budget from ``state()``, read at every scrape."""
        self.registry.register(_BudgetCollector(state))

    def watch_cache_memory(self, held_bytes: Callable[[], int]) -> None:
        """Publish the bytes of cache entries this process holds, from ``held_bytes()``."""
        self.registry.register(_CacheMemoryCollector(held_bytes))

    def observe(self, record: CallRecord) -> None:
        """Count one upstream attempt (CallObserver); memory only."""
        provider, status = record.provider, record.status
        key = (provider, record.category, record.request_type, status)
        children = self._children.get(key)
        if children is None:
            children = (self.calls.labels(*key), self.latency.labels(*key[:3]))
            self._children[key] = children
        calls, latency = children
        calls.inc()
        if not record.sent:
            if status == "rate_limited":
                self.rate_limited.labels(provider, record.error_code or "local").inc()
            return
        if status != "cancelled":
            latency.observe(record.duration_ms / 1000)
        if status not in ("success", "cancelled"):
            self.errors.labels(provider, _error_kind(record)).inc()
        costs = self._costs
        if costs is not None and costs.knows(provider):
            cost = float(costs.cost_of(record))
            if cost > 0:
                self.cost.labels(provider, record.request_type).inc(cost)

    def search_finished(self, session: SearchSessionRecord) -> None:
        """Count one live search from the session row it leaves."""
        category = session.category
        self.searches.labels(category, session.status).inc()
        if session.status != "cancelled" and session.duration_ms is not None:
            # A search its client abandoned never completed: its time would mislead.
            self.search_duration.labels(category).observe(session.duration_ms / 1000)
            self.results.labels(category).observe(session.result_count)
        if session.first_result_ms is not None:
            self.first_offers.labels(category).observe(session.first_result_ms / 1000)

    def cache_lookup(self, category: str, hit: bool) -> None:
        """Count a search cache lookup; a hit is also a search answered from the cache."""
        if hit:
            self.cache_hits.labels(category).inc()
            self.searches.labels(category, "cached").inc()
        else:
            self.cache_misses.labels(category).inc()


def _error_kind(record: CallRecord) -> str:
    """Our error code when the adapter named one, else the HTTP status class, else the status."""
    if record.error_code:
        return record.error_code
    if record.http_status is not None:
        return f"http_{record.http_status // 100}xx"
    return record.status


class _CircuitCollector(Collector):
    """``guidera_provider_circuit_state``: 0 closed, 1 half-open, 2 open."""

    def __init__(self, states: Callable[[], Mapping[str, str]]) -> None:
        self._states = states

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(
            "guidera_provider_circuit_state",
            "Circuit breaker of each provider called so far: 0 closed, 1 half-open, 2 open.",
            labels=("provider",),
        )
        for provider, state in self._states().items():
            gauge.add_metric((provider,), CIRCUIT_CODES.get(state, 2))
        return [gauge]


class _BudgetCollector(Collector):
    """Spend, limit and used share of the global daily and monthly budgets."""

    def __init__(self, state: Callable[[], BudgetState]) -> None:
        self._state = state

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        labels = ("period",)
        spent = GaugeMetricFamily(
            "guidera_budget_spent_eur", "Spent in the current UTC day or month.", labels=labels
        )
        limit = GaugeMetricFamily(
            "guidera_budget_limit_eur", "The period's limit (0: no limit).", labels=labels
        )
        used = GaugeMetricFamily(
            "guidera_budget_used_ratio", "Spent over limit (0 when there is none).", labels=labels
        )
        state = self._state()
        for name, period in (("day", state.day), ("month", state.month)):
            spent.add_metric((name,), float(period.spent))
            limit.add_metric((name,), float(period.limit))
            used.add_metric((name,), period.share)
        return [spent, limit, used]


class _CacheMemoryCollector(Collector):
    """``guidera_cache_memory_bytes``: what the cache holds in this process's memory (all of
    it without Redis; with Redis, what it keeps locally while Redis would not take it)."""

    def __init__(self, held_bytes: Callable[[], int]) -> None:
        self._held_bytes = held_bytes

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(
            "guidera_cache_memory_bytes",
            "Bytes of search answers, result pages and offers this process holds in memory.",
        )
        gauge.add_metric((), float(self._held_bytes()))
        return [gauge]
