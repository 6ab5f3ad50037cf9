"""The seeded supplier profiles and default routing rules, built by hand for routing tests.

The values copy migration 0002 so that scoring tests need no database; a store test checks
that the database holds the same rules and scores the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from guidera.v1 import common_pb2, search_service_pb2

from guidera_grpc.routing.context import RoutingContext, build_context
from guidera_grpc.search.params import (
    CarSearch,
    ExperienceSearch,
    FlightSearch,
    HotelSearch,
    RoomSpec,
    SearchParams,
    SliceSpec,
)
from guidera_grpc.store.providers import ProviderCapability, ProviderProfile
from guidera_grpc.store.rules import RoutingRule
from guidera_grpc.validation.places import place_airport
from guidera_grpc.validation.search import SearchOptions, Traveler, ValidSearch

EVERYWHERE = (
    "africa",
    "asia",
    "europe",
    "middle_east",
    "north_america",
    "oceania",
    "south_america",
)
#: A fixed moment for contexts: noon UTC, 07:00 in New York.
NOON_UTC = dt.datetime(2030, 1, 15, 12, 0, tzinfo=dt.UTC)
_DAY = dt.date(2030, 2, 1)
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _profile(
    code: str,
    categories: tuple[str, ...],
    strong: tuple[str, ...],
    weak: tuple[str, ...],
    covered: tuple[str, ...],
    segments: tuple[str, ...],
    capabilities: tuple[ProviderCapability, ...],
    *,
    latency_ms: int,
    cost: str = "0",
) -> ProviderProfile:
    return ProviderProfile(
        code=code,
        name=code.title(),
        type="aggregator",
        categories=categories,
        strong_regions=strong,
        weak_regions=weak,
        coverage_regions=covered,
        strengths=(),
        weaknesses=(),
        segments=segments,
        enabled=True,
        status="active",
        status_reason=None,
        priority=50,
        health_score=100.0,
        success_count=0,
        failure_count=0,
        consecutive_failures=0,
        avg_latency_ms=latency_ms,
        last_success_at=None,
        last_failure_at=None,
        cost_per_search=Decimal(cost),
        cost_per_booking=Decimal(0),
        commission_percent=Decimal(0),
        commission_kind="none",
        rate_limit_per_minute=100,
        rate_limit_per_day=None,
        auth_type="api_key",
        supports_packages=False,
        created_at=_EPOCH,
        updated_at=_EPOCH,
        capabilities=capabilities,
    )


def _cap(category: str, level: str, *features: str) -> ProviderCapability:
    return ProviderCapability(category, level, features)


SEEDED: dict[str, ProviderProfile] = {
    p.code: p
    for p in (
        _profile(
            "amadeus",
            ("flights", "hotels", "cars"),
            ("europe", "middle_east", "asia", "south_america"),
            (),
            EVERYWHERE,
            ("mid_range", "luxury", "business"),
            (
                _cap("cars", "supported"),
                _cap("flights", "primary", "multi_city", "flexible_dates", "premium_inventory"),
                _cap("hotels", "supported"),
            ),
            latency_ms=800,
            cost="0.01",
        ),
        _profile(
            "duffel",
            ("flights",),
            ("north_america", "europe"),
            ("asia", "africa", "south_america"),
            ("europe", "middle_east", "north_america", "oceania"),
            ("mid_range", "luxury", "business"),
            (_cap("flights", "primary", "multi_city", "premium_inventory"),),
            latency_ms=600,
        ),
        _profile(
            "kiwi",
            ("flights",),
            ("europe",),
            (),
            EVERYWHERE,
            ("budget", "adventure"),
            (_cap("flights", "primary", "multi_city", "flexible_dates"),),
            latency_ms=1200,
        ),
        _profile(
            "expedia",
            ("hotels", "cars"),
            ("north_america", "europe"),
            (),
            EVERYWHERE,
            ("budget", "mid_range"),
            (_cap("cars", "supported"), _cap("hotels", "primary")),
            latency_ms=500,
        ),
        _profile(
            "hotelbeds",
            ("hotels", "experiences"),
            ("europe", "asia", "middle_east", "south_america"),
            (),
            EVERYWHERE,
            ("mid_range", "luxury"),
            (_cap("experiences", "supported"), _cap("hotels", "primary")),
            latency_ms=700,
        ),
        _profile(
            "getyourguide",
            ("experiences",),
            ("europe", "north_america"),
            ("africa",),
            ("asia", "europe", "middle_east", "north_america", "oceania", "south_america"),
            ("mid_range", "adventure"),
            (_cap("experiences", "primary"),),
            latency_ms=400,
        ),
        _profile(
            "viator",
            ("experiences",),
            ("north_america", "europe", "oceania"),
            ("asia", "africa"),
            ("europe", "middle_east", "north_america", "oceania", "south_america"),
            ("mid_range", "adventure"),
            (_cap("experiences", "primary"),),
            latency_ms=800,
        ),
        _profile(
            "cartrawler",
            ("cars",),
            EVERYWHERE,
            (),
            EVERYWHERE,
            ("budget", "mid_range"),
            (_cap("cars", "primary"),),
            latency_ms=900,
        ),
    )
}


def _rule(name: str, priority: int, provider: str, boost: int, **conditions: str) -> RoutingRule:
    return RoutingRule(name, priority, provider, boost, conditions)


#: The ten default rules, highest priority first as the store loads them.
DEFAULT_RULES = (
    _rule("cars_cartrawler", 90, "cartrawler", 30, category="cars"),
    _rule("flights_multi_city_kiwi", 85, "kiwi", 30, category="flights", route_type="multi_city"),
    _rule("experiences_getyourguide", 80, "getyourguide", 25, category="experiences"),
    _rule("flights_europe_amadeus", 80, "amadeus", 20, category="flights", region="europe"),
    _rule(
        "hotels_north_america_expedia", 80, "expedia", 20, category="hotels", region="north_america"
    ),
    _rule(
        "experiences_north_america_viator",
        75,
        "viator",
        10,
        category="experiences",
        region="north_america",
    ),
    _rule("flights_budget_kiwi", 75, "kiwi", 25, category="flights", traveler_type="budget"),
    _rule(
        "hotels_international_hotelbeds",
        75,
        "hotelbeds",
        15,
        category="hotels",
        route_type="international",
    ),
    _rule(
        "flights_domestic_us_duffel", 70, "duffel", 15, category="flights", route_type="domestic_us"
    ),
    _rule(
        "hotels_luxury_hotelbeds", 70, "hotelbeds", 10, category="hotels", traveler_type="luxury"
    ),
)


def seeded(base: str, /, **changes: Any) -> ProviderProfile:
    """The seeded profile of ``base``, with ``changes`` (a new code among them, perhaps)."""
    return dataclasses.replace(SEEDED[base], **changes)


def flights(
    *legs: str, cabin: common_pb2.Cabin.ValueType = common_pb2.CABIN_ECONOMY
) -> ValidSearch:
    """A flight search over ``legs`` written "JFK-LHR"."""
    ends = [leg.split("-") for leg in legs]
    slices = tuple(SliceSpec(origin, destination, _DAY) for origin, destination in ends)
    return _valid(common_pb2.CATEGORY_FLIGHTS, FlightSearch(slices, adults=1, cabin=cabin))


def hotels(city: str) -> ValidSearch:
    """A two-night stay in ``city``."""
    stay = HotelSearch(city, _DAY, _DAY + dt.timedelta(days=2), (RoomSpec(2),))
    return _valid(common_pb2.CATEGORY_HOTELS, stay)


def cars(place: str) -> ValidSearch:
    """A three-day rental picked up and returned at ``place``."""
    start = dt.datetime.combine(_DAY, dt.time(10))
    rental = CarSearch(place, place, start, start + dt.timedelta(days=3))
    return _valid(common_pb2.CATEGORY_CARS, rental)


def experiences(city: str) -> ValidSearch:
    """Experiences in ``city`` over a week."""
    return _valid(
        common_pb2.CATEGORY_EXPERIENCES,
        ExperienceSearch(city, _DAY, _DAY + dt.timedelta(days=7)),
    )


def context_for(
    search: ValidSearch,
    *,
    budget: search_service_pb2.BudgetLevel.ValueType = search_service_pb2.BUDGET_LEVEL_UNSPECIFIED,
    style: search_service_pb2.TravelStyle.ValueType = search_service_pb2.TRAVEL_STYLE_UNSPECIFIED,
    home: str = "",
    success_rates: dict[str, float] | None = None,
    flexible_dates: bool = False,
) -> RoutingContext:
    """The routing context of ``search`` at NOON_UTC for a traveler described by the rest."""
    traveler = Traveler(
        budget_level=_name(search_service_pb2.BudgetLevel.Name(budget), "BUDGET_LEVEL_"),
        travel_style=_name(search_service_pb2.TravelStyle.Name(style), "TRAVEL_STYLE_"),
        home=home.upper() if place_airport(home.upper()) else "",
    )
    return build_context(
        dataclasses.replace(search, traveler=traveler),
        success_rates=success_rates,
        flexible_dates=flexible_dates,
        now=NOON_UTC,
    )


def _name(enum_name: str, prefix: str) -> str:
    name = enum_name.removeprefix(prefix).lower()
    return "" if name == "unspecified" else name


def _valid(category: common_pb2.Category.ValueType, params: SearchParams) -> ValidSearch:
    options = SearchOptions(
        wait_for_all=False,
        display_currency="EUR",
        max_results=200,
        providers=(),
        strategy="price_comparison",
    )
    return ValidSearch(category, params, options)
