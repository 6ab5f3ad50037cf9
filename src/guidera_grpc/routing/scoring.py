"""A provider's routing score for one search: five capped parts and the boosts of rules.

The parts follow the routing appendix of the design:

- geographic (0 to 30): destination in a strong region 20, else covered 12; origin strong
  10, else covered 5; route bonuses for duffel on domestic_us, kiwi on intra_europe and
  amadeus on transatlantic routes;
- category (0 to 25): capability primary 20, strong 15, supported 8; +5 multi-city, +3
  flexible dates, +4 business or first cabin, each when the provider has the feature;
- preference (0 to 20): a budget traveler with a budget provider or a luxury traveler with a
  premium one 12, mid-range with mid-range 8; +5 when a business or adventure trip fits the
  provider's segments; +3 when this traveler's success rate with it is above 90 %;
- performance (0 to 15): health / 100 × 8, plus success rate × 7 (5 before any call); −3
  per consecutive failure, at most −10; −3 above 2 s average latency, +2 below 0.5 s;
- cost (0 to 10): 10 − cost per search / 0.05 × 10, and 0 above 0.05 EUR.

Every part is rounded to hundredths so that totals read (and compare) exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from guidera.v1 import search_service_pb2

from guidera_grpc.routing.context import RoutingContext
from guidera_grpc.routing.rules import matching_rules
from guidera_grpc.store.providers import ProviderProfile
from guidera_grpc.store.rules import RoutingRule

MAX_GEOGRAPHIC = 30.0
MAX_CATEGORY = 25.0
MAX_PREFERENCE = 20.0
MAX_PERFORMANCE = 15.0
MAX_COST = 10.0

ROUTE_BONUSES = {
    ("duffel", "domestic_us"): 10.0,
    ("kiwi", "intra_europe"): 8.0,
    ("amadeus", "transatlantic"): 10.0,
}
LEVEL_POINTS = {"primary": 20.0, "strong": 15.0, "supported": 8.0}
TIER_POINTS = {
    "budget": ("budget", 12.0),
    "luxury": ("luxury", 12.0),
    "mid_range": ("mid_range", 8.0),
}
STYLE_POINTS = 5.0
STYLES_WITH_SEGMENTS = frozenset({"business", "adventure"})
LOYAL_SUCCESS_RATE = 0.9
LOYALTY_POINTS = 3.0
FREE_SEARCH_CEILING = 0.05
SLOW_MS = 2000
FAST_MS = 500


@dataclass(frozen=True, slots=True)
class RuleBoost:
    """Points a matching routing rule adds to (or takes from) a provider's score."""

    rule: str
    boost: float


@dataclass(frozen=True, slots=True)
class Score:
    """A provider's score for one search, part by part."""

    geographic: float
    category: float
    preference: float
    performance: float
    cost: float
    boosts: tuple[RuleBoost, ...] = ()

    @property
    def total(self) -> float:
        """The five parts and every rule boost."""
        parts = self.geographic + self.category + self.preference + self.performance + self.cost
        return round(parts + sum(b.boost for b in self.boosts), 2)

    def to_proto(self) -> search_service_pb2.ScoreBreakdown:
        """The breakdown as the started event and ExplainRoute show it."""
        return search_service_pb2.ScoreBreakdown(
            geographic=self.geographic,
            category=self.category,
            preference=self.preference,
            performance=self.performance,
            cost=self.cost,
            rule_boosts=[
                search_service_pb2.RuleBoost(rule=b.rule, boost=b.boost) for b in self.boosts
            ],
        )


def score_provider(
    profile: ProviderProfile, context: RoutingContext, rules: Iterable[RoutingRule] = ()
) -> Score:
    """Score ``profile`` for the search of ``context`` with the boosts of ``rules`` that
    name it and match, highest priority first."""
    own = [rule for rule in rules if rule.provider == profile.code]
    return Score(
        geographic=geographic_score(profile, context),
        category=category_score(profile, context),
        preference=preference_score(profile, context),
        performance=performance_score(profile),
        cost=cost_score(profile),
        boosts=tuple(RuleBoost(r.name, float(r.boost)) for r in matching_rules(own, context)),
    )


def geographic_score(profile: ProviderProfile, context: RoutingContext) -> float:
    """Coverage of the destination and origin, and the provider's route bonus."""
    points = _region_points(profile, context.destination_region, strong=20.0, covered=12.0)
    points += _region_points(profile, context.origin_region, strong=10.0, covered=5.0)
    if context.route_type:
        points += ROUTE_BONUSES.get((profile.code, context.route_type), 0.0)
    return _capped(points, MAX_GEOGRAPHIC)


def category_score(profile: ProviderProfile, context: RoutingContext) -> float:
    """How well the provider serves the category, and the features this search needs.

    A category the provider lists without a capability row counts as supported.
    """
    capability = profile.capability(context.category)
    if capability is None:
        return 0.0 if context.category not in profile.categories else LEVEL_POINTS["supported"]
    points = LEVEL_POINTS.get(capability.level, 0.0)
    wanted = (
        (context.multi_city, "multi_city", 5.0),
        (context.flexible_dates, "flexible_dates", 3.0),
        (context.business_or_first, "premium_inventory", 4.0),
    )
    points += sum(
        extra for needed, feature, extra in wanted if needed and feature in capability.features
    )
    return _capped(points, MAX_CATEGORY)


def preference_score(profile: ProviderProfile, context: RoutingContext) -> float:
    """Fit with the traveler's budget and style, and their own history with the provider."""
    points = 0.0
    tier = TIER_POINTS.get(context.budget_level or "")
    if tier and tier[0] in profile.segments:
        points += tier[1]
    style = context.travel_style
    if style in STYLES_WITH_SEGMENTS and style in profile.segments:
        points += STYLE_POINTS
    if context.success_rates.get(profile.code, 0.0) > LOYAL_SUCCESS_RATE:
        points += LOYALTY_POINTS
    return _capped(points, MAX_PREFERENCE)


def performance_score(profile: ProviderProfile) -> float:
    """Health, success rate, recent failures and speed.

    An average latency of 0 means none was measured yet and moves nothing.
    """
    points = profile.health_score / 100 * 8
    success_rate = profile.success_rate
    points += 5.0 if success_rate is None else success_rate * 7
    points -= min(3.0 * profile.consecutive_failures, 10.0)
    latency = profile.avg_latency_ms
    if latency > SLOW_MS:
        points -= 3.0
    elif 0 < latency < FAST_MS:
        points += 2.0
    return _capped(points, MAX_PERFORMANCE)


def cost_score(profile: ProviderProfile) -> float:
    """Cheapness of one search call: 10 when free, 0 above 0.05 EUR."""
    cost = float(profile.cost_per_search)
    if cost > FREE_SEARCH_CEILING:
        return 0.0
    return _capped(MAX_COST - cost / FREE_SEARCH_CEILING * MAX_COST, MAX_COST)


def _region_points(
    profile: ProviderProfile, region: str | None, *, strong: float, covered: float
) -> float:
    if region is None:
        return 0.0
    if region in profile.strong_regions:
        return strong
    return covered if region in profile.coverage_regions else 0.0


def _capped(points: float, ceiling: float) -> float:
    return round(min(max(points, 0.0), ceiling), 2)
