"""Chooses which providers a search asks, best first, and records why the others were left out.

Every provider serving the category is scored (routing.scoring) with the boosts of the rules
that match the search (routing.rules). A provider is eligible when it was requested (or none
were named), is enabled and not disabled by health checks, has health of at least 30, has an
adapter, is not blocked by the caller (circuit open, rate limit, budget) and scores at least
25. The eligible ones are ordered by score, then priority, then latency, and the first
``max_providers`` are asked; a matching rule may change that number. Excluded providers keep
their score, so that the plan explains itself.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from google.protobuf import duration_pb2
from guidera.v1 import search_service_pb2

from guidera_grpc.routing.context import RoutingContext
from guidera_grpc.routing.rules import RuleOverrides, matching_rules, overrides_of
from guidera_grpc.routing.scoring import Score, score_provider
from guidera_grpc.store.providers import ProviderProfile
from guidera_grpc.store.rules import FallbackChains, RoutingRule

MIN_HEALTH = 30.0
MIN_SCORE = 25.0


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A provider left out of a search, and why."""

    provider: str
    reason: str


@dataclass(frozen=True, slots=True)
class RoutingPlan:
    """Which providers to ask, in order, under which strategy, and why.

    ``scores`` holds the score of every provider considered, selected or not. ``fallbacks``
    are eligible providers not selected, in the order of the fallback chain of the search's
    category and destination: the ones to try when a selected provider fails. ``overrides``
    are what matching rules impose; the caller decides how they combine with the client's
    choice of strategy and deadline (the number of providers is already applied).
    """

    strategy: str
    selected: tuple[str, ...]
    excluded: tuple[Exclusion, ...]
    scores: Mapping[str, Score] = field(default_factory=dict)
    fallbacks: tuple[str, ...] = ()
    overrides: RuleOverrides = field(default_factory=RuleOverrides)

    def to_proto(self, budget_s: float) -> search_service_pb2.RoutingPlan:
        """The plan as the started event and ExplainRoute show it."""
        timeout = duration_pb2.Duration()
        timeout.FromMilliseconds(int(budget_s * 1000))
        return search_service_pb2.RoutingPlan(
            strategy=self.strategy,
            selected=[self._candidate(code) for code in self.selected],
            excluded=[self._candidate(e.provider, e.reason) for e in self.excluded],
            timeout=timeout,
        )

    def _candidate(self, code: str, reason: str = "") -> search_service_pb2.ProviderCandidate:
        candidate = search_service_pb2.ProviderCandidate(provider=code, exclusion_reason=reason)
        score = self.scores.get(code)
        if score is not None:
            candidate.score = score.total
            candidate.breakdown.CopyFrom(score.to_proto())
        return candidate


def plan_search(
    category: str,
    profiles: Sequence[ProviderProfile],
    available: Collection[str],
    *,
    requested: Collection[str] = (),
    strategy: str,
    max_providers: int,
    context: RoutingContext | None = None,
    rules: Sequence[RoutingRule] = (),
    blocked: Mapping[str, str] | None = None,
    fallback_chains: FallbackChains | None = None,
) -> RoutingPlan:
    """Select the providers for one search of ``category``.

    ``available`` are the providers with an adapter; ``requested`` those the client named
    (empty: any); ``blocked`` maps a provider to why it cannot be asked now (circuit open,
    rate limit, budget). Without a ``context`` nothing is known of the places or the
    traveler, and only category, performance and cost count.
    """
    context = context or RoutingContext(category=category)
    matched = matching_rules(rules, context)
    overrides = overrides_of(matched)
    limit = overrides.max_providers or max_providers
    considered = [p for p in profiles if category in p.categories]
    scores = {p.code: score_provider(p, context, matched) for p in considered}

    eligible, excluded = _screen(category, considered, scores, available, requested, blocked)
    eligible.sort(key=lambda p: (-scores[p.code].total, -p.priority, p.avg_latency_ms, p.code))

    selected = tuple(p.code for p in eligible[:limit])
    beyond = [p.code for p in eligible[limit:]]
    excluded.extend(Exclusion(code, f"beyond the first {limit} by score") for code in beyond)
    chain = (fallback_chains or FallbackChains()).chain_for(category, context.destination_region)
    return RoutingPlan(
        strategy=strategy,
        selected=selected,
        excluded=tuple(excluded),
        scores=scores,
        fallbacks=tuple(code for code in chain if code in beyond),
        overrides=overrides,
    )


def _screen(
    category: str,
    considered: Sequence[ProviderProfile],
    scores: Mapping[str, Score],
    available: Collection[str],
    requested: Collection[str],
    blocked: Mapping[str, str] | None,
) -> tuple[list[ProviderProfile], list[Exclusion]]:
    """The providers that may be asked, and the others with their reasons."""
    eligible: list[ProviderProfile] = []
    excluded: list[Exclusion] = []
    for profile in considered:
        reason = _exclusion_reason(
            category, profile, scores[profile.code], available, requested, blocked
        )
        if reason:
            excluded.append(Exclusion(profile.code, reason))
        else:
            eligible.append(profile)
    return eligible, excluded


def _exclusion_reason(
    category: str,
    profile: ProviderProfile,
    score: Score,
    available: Collection[str],
    requested: Collection[str],
    blocked: Mapping[str, str] | None,
) -> str:
    """Why ``profile`` may not be asked, the first reason found; empty when it may."""
    if requested and profile.code not in requested:
        return "not among the providers the request named"
    if not profile.enabled:
        return "disabled by an operator"
    if profile.status == "disabled":
        return "disabled after failing health checks"
    if profile.health_score < MIN_HEALTH:
        return f"health {profile.health_score:g} is below {MIN_HEALTH:g}"
    if profile.code not in available:
        # The registry may list a category a supplier sells that this service does not
        # integrate yet (Amadeus and Expedia cars): say which, not that something is broken.
        return f"this service has no {category} adapter for it"
    if blocked and profile.code in blocked:
        return blocked[profile.code]
    if score.total < MIN_SCORE:
        return f"score {score.total:g} is below the minimum of {MIN_SCORE:g}"
    return ""
