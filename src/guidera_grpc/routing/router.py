"""Routing for a running service: the registry, rules and chains read from the store (cached
briefly, so an operator's change shows within seconds) and the strategy's choice on top of
the scores.

The strategy is the client's, else the one a matching rule sets, else the default. Under it,
the eligible providers are ordered (by score, or by speed or cost for single_fastest and
single_cheapest) and capped; the eligible ones left over are held in reserve as fallbacks,
those of the category's fallback chain first.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import asyncpg

from guidera_grpc.routing.context import build_context
from guidera_grpc.routing.plan import Exclusion, RoutingPlan, plan_search
from guidera_grpc.routing.rules import matching_rules, overrides_of
from guidera_grpc.search.strategies import ALL, Strategy, pick_order, strategy_named
from guidera_grpc.store.providers import ProviderProfile, list_providers
from guidera_grpc.store.rules import (
    FallbackChains,
    RoutingRule,
    load_fallback_chains,
    load_routing_rules,
)
from guidera_grpc.validation.search import ValidSearch

#: Registry reads are cached this long: routing must see an operator's change within seconds.
REGISTRY_TTL_S = 5.0
MIN_CALL_TIMEOUT_S = 3.0

T = TypeVar("T")


class _Cached(Generic[T]):
    """A value read from the store at most every REGISTRY_TTL_S seconds."""

    def __init__(self) -> None:
        self._value: T | None = None
        self._loaded_at = -REGISTRY_TTL_S

    def fresh(self) -> T | None:
        if time.monotonic() - self._loaded_at > REGISTRY_TTL_S:
            return None
        return self._value

    def keep(self, value: T) -> T:
        self._value, self._loaded_at = value, time.monotonic()
        return value


@dataclass(frozen=True, slots=True)
class Route:
    """How one search will run: its plan, its strategy and its reserve providers."""

    plan: RoutingPlan
    strategy: Strategy
    spares: tuple[str, ...]
    call_timeouts: Mapping[str, float] = field(default_factory=dict)


class Router:
    """Plans searches from the store's registry, rules and fallback chains."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        max_concurrent: int,
        parallel: bool,
        on_profiles: Callable[[list[ProviderProfile]], None] | None = None,
    ) -> None:
        self._pool = pool
        self._on_profiles = on_profiles
        self._max_concurrent = max_concurrent
        self._parallel = parallel
        self._profiles: _Cached[list[ProviderProfile]] = _Cached()
        self._rules: _Cached[list[RoutingRule]] = _Cached()
        self._chains: _Cached[FallbackChains] = _Cached()

    async def route(
        self,
        search: ValidSearch,
        available: Collection[str],
        blocked: Mapping[str, str] | None = None,
    ) -> Route:
        """The route of ``search`` among the providers with an adapter; ``blocked`` ones
        (circuit open, cooldown, rate limit, budget) are left out with the reason."""
        profiles, rules, chains = await self._registry()
        context = build_context(search)
        overrides = overrides_of(matching_rules(rules, context))
        strategy = strategy_named(search.options.strategy or overrides.strategy or "")
        cap = strategy.max_providers or self._max_concurrent
        plan = plan_search(
            search.category_name,
            profiles,
            available,
            requested=search.options.providers,
            strategy=strategy.name,
            max_providers=min(cap, ALL) if self._parallel else 1,
            context=context,
            rules=rules,
            fallback_chains=chains,
            blocked=blocked,
        )
        return self._under_strategy(plan, strategy, profiles)

    def _under_strategy(
        self, plan: RoutingPlan, strategy: Strategy, profiles: Sequence[ProviderProfile]
    ) -> Route:
        by_code = {p.code: p for p in profiles}
        beyond = [e.provider for e in plan.excluded if _beyond(e)]
        eligible = [*plan.selected, *beyond]
        chosen = tuple(pick_order(eligible, by_code, strategy.pick)[: len(plan.selected)])
        rest = (code for code in (*plan.fallbacks, *eligible) if code not in chosen)
        spares = tuple(dict.fromkeys(rest))
        excluded = tuple(e for e in plan.excluded if not _beyond(e)) + tuple(
            Exclusion(code, "held in reserve as a fallback") for code in spares
        )
        plan = dataclasses.replace(plan, selected=chosen, excluded=excluded, fallbacks=spares)
        timeouts = {code: own_timeout(by_code[code]) for code in (*chosen, *spares)}
        return Route(plan, strategy, spares, timeouts)

    def forget(self) -> None:
        """Drop the cached registry so the next route reads the store afresh."""
        self._profiles = _Cached()
        self._rules = _Cached()
        self._chains = _Cached()

    async def _registry(
        self,
    ) -> tuple[list[ProviderProfile], list[RoutingRule], FallbackChains]:
        profiles = self._profiles.fresh()
        if profiles is None:
            profiles = self._profiles.keep(await list_providers(self._pool))
            if self._on_profiles is not None:
                self._on_profiles(profiles)
        rules = self._rules.fresh()
        if rules is None:
            rules = self._rules.keep(await load_routing_rules(self._pool))
        chains = self._chains.fresh()
        if chains is None:
            chains = self._chains.keep(await load_fallback_chains(self._pool))
        return profiles, rules, chains


def own_timeout(profile: ProviderProfile) -> float:
    """How long one call to a provider may take: five times its usual latency, at least
    MIN_CALL_TIMEOUT_S, so one hung supplier cannot eat a sequential search's whole budget."""
    return max(MIN_CALL_TIMEOUT_S, 5 * profile.avg_latency_ms / 1000)


def _beyond(exclusion: Exclusion) -> bool:
    """Left out only because enough providers were chosen: eligible, so a fallback."""
    return exclusion.reason.startswith("beyond")
