"""Chooses which providers a search asks, and records why the others were left out.

This first routing stage keeps a provider when it serves the category, is enabled, healthy
(health at least 30), has a working adapter and was not excluded by the request; the chosen
ones are ordered by how fast they answer and capped at MAX_CONCURRENT_PROVIDERS.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from google.protobuf import duration_pb2
from guidera.v1 import search_service_pb2

MIN_HEALTH = 30.0


class ProviderFacts(Protocol):
    """What routing reads of a provider's registry entry."""

    @property
    def code(self) -> str: ...
    @property
    def categories(self) -> Sequence[str]: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def health_score(self) -> float: ...
    @property
    def avg_latency_ms(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A provider left out of a search, and why."""

    provider: str
    reason: str


@dataclass(frozen=True, slots=True)
class RoutingPlan:
    """Which providers to ask, in order, under which strategy."""

    strategy: str
    selected: tuple[str, ...]
    excluded: tuple[Exclusion, ...]

    def to_proto(self, budget_s: float) -> search_service_pb2.RoutingPlan:
        """The plan as the started event shows it."""
        timeout = duration_pb2.Duration()
        timeout.FromMilliseconds(int(budget_s * 1000))
        return search_service_pb2.RoutingPlan(
            strategy=self.strategy,
            selected=[search_service_pb2.ProviderCandidate(provider=c) for c in self.selected],
            excluded=[
                search_service_pb2.ProviderCandidate(provider=e.provider, exclusion_reason=e.reason)
                for e in self.excluded
            ],
            timeout=timeout,
        )


def plan_search(
    category: str,
    profiles: Sequence[ProviderFacts],
    available: Collection[str],
    *,
    requested: Collection[str] = (),
    strategy: str,
    max_providers: int,
) -> RoutingPlan:
    """Select the providers for one search of ``category``."""
    chosen: list[ProviderFacts] = []
    excluded: list[Exclusion] = []
    for profile in profiles:
        if category not in profile.categories:
            continue
        reason = _exclusion_reason(profile, available, requested)
        if reason:
            excluded.append(Exclusion(profile.code, reason))
        else:
            chosen.append(profile)
    chosen.sort(key=lambda p: (p.avg_latency_ms, p.code))
    for late in chosen[max_providers:]:
        excluded.append(Exclusion(late.code, f"beyond the {max_providers} providers asked at once"))
    selected = tuple(p.code for p in chosen[:max_providers])
    return RoutingPlan(strategy=strategy, selected=selected, excluded=tuple(excluded))


def _exclusion_reason(
    profile: ProviderFacts, available: Collection[str], requested: Collection[str]
) -> str:
    if requested and profile.code not in requested:
        return "not among the providers the request named"
    if not profile.enabled:
        return "disabled by an operator"
    if profile.status == "disabled":
        return "disabled after failing health checks"
    if profile.health_score < MIN_HEALTH:
        return f"health {profile.health_score:.0f} is below {MIN_HEALTH:.0f}"
    if profile.code not in available:
        return "no adapter configured for it"
    return ""
