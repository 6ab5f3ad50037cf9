"""Routing scores part by part: regions and route types for any place, the five parts of the
appendix with their caps, the eligibility cut-off and the reasons providers are left out."""

from __future__ import annotations

from decimal import Decimal

import airportsdata
import pytest
from guidera.v1 import common_pb2, search_service_pb2

from guidera_grpc.reference.airports import lookup_airport
from guidera_grpc.reference.regions import COUNTRY_REGIONS, REGIONS, region_of
from guidera_grpc.routing.context import RoutingContext
from guidera_grpc.routing.plan import plan_search
from guidera_grpc.routing.routes import flight_route_type, stay_route_type
from guidera_grpc.routing.scoring import (
    RuleBoost,
    Score,
    category_score,
    cost_score,
    performance_score,
    preference_score,
    score_provider,
)
from guidera_grpc.sandbox.flights import regions as sandbox_regions
from guidera_grpc.search.params import FlightSearch
from guidera_grpc.store.providers import ProviderCapability
from tests.routing_seed import (
    DEFAULT_RULES,
    SEEDED,
    context_for,
    experiences,
    flights,
    hotels,
    seeded,
)

FLIGHT_CODES = {"amadeus", "duffel", "kiwi"}
BUDGET = search_service_pb2.BUDGET_LEVEL_BUDGET
MID_RANGE = search_service_pb2.BUDGET_LEVEL_MID_RANGE
LUXURY = search_service_pb2.BUDGET_LEVEL_LUXURY
BUSINESS = search_service_pb2.TRAVEL_STYLE_BUSINESS
ADVENTURE = search_service_pb2.TRAVEL_STYLE_ADVENTURE


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("NBO", "africa"),
        ("AKL", "oceania"),
        ("YVR", "north_america"),
        ("ULN", "asia"),
        ("LHR", "europe"),
        ("LON", "europe"),
        ("GRU", "south_america"),
        ("SJU", "north_america"),
        ("DXB", "middle_east"),
        ("CAI", "africa"),
        ("IST", "europe"),
        ("LCA", "europe"),
        ("OVB", "europe"),
        ("TBS", "asia"),
        ("nbo", "africa"),
        ("QQQ", None),
    ],
)
def test_region_of_any_airport_or_city_comes_from_its_country(code: str, region: str) -> None:
    assert region_of(code) == region


def test_every_country_with_an_airport_has_one_region() -> None:
    countries = {str(row["country"]) for row in airportsdata.load("IATA").values()}
    assert countries <= COUNTRY_REGIONS.keys()
    assert set(COUNTRY_REGIONS.values()) == set(REGIONS)


def test_sandbox_keeps_asian_russia_and_cyprus_in_asia() -> None:
    """The sandbox's schedules keep their own view of airports in Asian time zones."""
    regions = {
        code: sandbox_regions.region_of(airport)
        for code in ("OVB", "VVO", "SVO", "LCA", "NBO")
        if (airport := lookup_airport(code)) is not None
    }
    assert regions == {
        "OVB": "asia",
        "VVO": "asia",
        "SVO": "europe",
        "LCA": "asia",
        "NBO": "africa",
    }


@pytest.mark.parametrize(
    ("legs", "route_type"),
    [
        (("JFK-LAX",), "domestic_us"),
        (("ORD-HNL",), "domestic_us"),
        (("LHR-CDG",), "intra_europe"),
        (("FRA-MUC",), "intra_europe"),
        (("JFK-LHR",), "transatlantic"),
        (("LHR-YVR",), "transatlantic"),
        (("LAX-NRT",), "transpacific"),
        (("YVR-AKL",), "transpacific"),
        (("GRU-NRT",), "transpacific"),
        (("NBO-LHR",), "international"),
        (("YVR-YYZ",), "international"),
        (("ULN-PEK",), "international"),
        (("JFK-SJU",), "domestic_us"),
        (("JFK-LHR", "LHR-JFK"), "transatlantic"),
        (("JFK-LHR", "LGW-EWR"), "transatlantic"),
        (("JFK-LHR", "CDG-JFK"), "multi_city"),
        (("LHR-CDG", "CDG-FCO", "FCO-LHR"), "multi_city"),
    ],
)
def test_flight_route_types(legs: tuple[str, ...], route_type: str) -> None:
    """Two ends decide, unless the trip has more than two slices or an open jaw."""
    params = flights(*legs).params
    assert isinstance(params, FlightSearch)
    assert flight_route_type(params.slices) == route_type


@pytest.mark.parametrize(
    ("home", "place", "route_type"),
    [
        ("JFK", "PAR", "international"),
        ("NYC", "LAX", "domestic"),
        ("AKL", "ZQN", "domestic"),
        (None, "PAR", None),
    ],
)
def test_stay_route_type_is_relative_to_home(
    home: str | None, place: str, route_type: str | None
) -> None:
    """Same country as home is domestic; without a known home, no route type."""
    assert stay_route_type(home, place) == route_type


def test_context_of_a_business_trip_in_business_class() -> None:
    search = flights("JFK-LHR", cabin=common_pb2.CABIN_BUSINESS)
    context = context_for(search, budget=LUXURY, style=BUSINESS, home="nyc")

    assert context == RoutingContext(
        category="flights",
        origin_region="north_america",
        destination_region="europe",
        route_type="transatlantic",
        budget_level="luxury",
        travel_style="business",
        home="NYC",
        business_or_first=True,
        local_hour=7,
    )


def test_context_of_a_stay_starts_at_home_and_ignores_an_unknown_home() -> None:
    known = context_for(hotels("PAR"), home="AKL")
    unknown = context_for(hotels("PAR"), home="ZZZ")

    assert (known.origin_region, known.destination_region) == ("oceania", "europe")
    assert (known.route_type, known.local_hour) == ("international", 1)
    assert (unknown.home, unknown.origin_region, unknown.route_type) == (None, None, None)
    assert unknown.local_hour == 13


def test_jfk_to_lhr_economy_with_the_seeded_profiles() -> None:
    """Amadeus gets the transatlantic bonus (capped at 30) and the European rule."""
    plan = plan_search(
        "flights",
        list(SEEDED.values()),
        FLIGHT_CODES,
        strategy="price_comparison",
        max_providers=3,
        context=context_for(flights("JFK-LHR")),
        rules=DEFAULT_RULES,
    )

    assert plan.selected == ("amadeus", "duffel", "kiwi")
    assert plan.scores == {
        "amadeus": Score(30, 20, 0, 13, 8, (RuleBoost("flights_europe_amadeus", 20),)),
        "duffel": Score(30, 20, 0, 13, 10),
        "kiwi": Score(25, 20, 0, 13, 10),
    }
    shown = plan.to_proto(8.0).selected[0]
    assert shown.score == 91
    assert (shown.breakdown.geographic, shown.breakdown.cost) == (30, 8)
    assert [(b.rule, b.boost) for b in shown.breakdown.rule_boosts] == [
        ("flights_europe_amadeus", 20)
    ]


@pytest.mark.parametrize(
    ("legs", "cabin", "flexible", "expected"),
    [
        (("JFK-LHR",), common_pb2.CABIN_ECONOMY, False, {"amadeus": 20, "duffel": 20, "kiwi": 20}),
        (("JFK-LHR",), common_pb2.CABIN_BUSINESS, False, {"amadeus": 24, "duffel": 24, "kiwi": 20}),
        (("JFK-LHR",), common_pb2.CABIN_FIRST, True, {"amadeus": 25, "duffel": 24, "kiwi": 23}),
        (("JFK-LHR", "CDG-JFK"), common_pb2.CABIN_ECONOMY, True, {"amadeus": 25, "kiwi": 25}),
        (
            ("JFK-LHR", "CDG-JFK"),
            common_pb2.CABIN_PREMIUM_ECONOMY,
            False,
            {"amadeus": 25, "duffel": 25, "kiwi": 25},
        ),
    ],
)
def test_category_part_adds_the_features_a_search_needs(
    legs: tuple[str, ...],
    cabin: common_pb2.Cabin.ValueType,
    flexible: bool,
    expected: dict[str, float],
) -> None:
    context = context_for(flights(*legs, cabin=cabin), flexible_dates=flexible)
    assert {code: category_score(SEEDED[code], context) for code in expected} == expected


def test_category_part_by_capability_level() -> None:
    """Primary 20, strong 15, supported 8; not serving the category 0."""
    context = RoutingContext(category="hotels")
    strong = seeded("expedia", capabilities=(ProviderCapability("hotels", "strong", ()),))
    listed_only = seeded("expedia", capabilities=())

    assert category_score(SEEDED["expedia"], context) == 20
    assert category_score(strong, context) == 15
    assert category_score(SEEDED["amadeus"], context) == 8
    assert category_score(listed_only, context) == 8
    assert category_score(SEEDED["kiwi"], context) == 0


@pytest.mark.parametrize(
    ("code", "budget", "style", "rates", "points"),
    [
        ("kiwi", BUDGET, None, {}, 12),
        ("amadeus", BUDGET, None, {}, 0),
        ("amadeus", LUXURY, None, {}, 12),
        ("duffel", MID_RANGE, None, {}, 8),
        ("kiwi", MID_RANGE, None, {}, 0),
        ("amadeus", MID_RANGE, BUSINESS, {}, 13),
        ("kiwi", None, BUSINESS, {}, 0),
        ("kiwi", BUDGET, ADVENTURE, {"kiwi": 0.95}, 20),
        ("duffel", None, None, {"duffel": 0.9}, 0),
        ("duffel", None, None, {"duffel": 0.91}, 3),
        ("duffel", None, None, {"kiwi": 1.0}, 0),
    ],
)
def test_preference_part(
    code: str,
    budget: search_service_pb2.BudgetLevel.ValueType | None,
    style: search_service_pb2.TravelStyle.ValueType | None,
    rates: dict[str, float],
    points: float,
) -> None:
    """Budget and luxury fits 12, mid-range 8, a fitting style 5, loyalty above 90 % 3."""
    context = context_for(
        flights("JFK-LHR"),
        budget=budget or search_service_pb2.BUDGET_LEVEL_UNSPECIFIED,
        style=style or search_service_pb2.TRAVEL_STYLE_UNSPECIFIED,
        success_rates=rates,
    )
    assert preference_score(SEEDED[code], context) == points


@pytest.mark.parametrize(
    ("changes", "points"),
    [
        ({}, 13),
        ({"avg_latency_ms": 400}, 15),
        ({"avg_latency_ms": 500}, 13),
        ({"avg_latency_ms": 2000}, 13),
        ({"avg_latency_ms": 2001}, 10),
        ({"avg_latency_ms": 0}, 13),
        ({"health_score": 50.0, "success_count": 9, "failure_count": 1}, 10.3),
        ({"success_count": 10, "failure_count": 0}, 15),
        ({"success_count": 0, "failure_count": 4, "consecutive_failures": 4}, 0),
        ({"success_count": 8, "failure_count": 2, "consecutive_failures": 2}, 7.6),
        ({"consecutive_failures": 3}, 4),
        ({"health_score": 100.0, "consecutive_failures": 9, "avg_latency_ms": 300}, 5),
        ({"health_score": 30.0, "consecutive_failures": 5, "avg_latency_ms": 2500}, 0),
    ],
)
def test_performance_part(changes: dict[str, object], points: float) -> None:
    """Health × 8, success rate × 7 (5 while new), failures and latency, clamped to 0..15."""
    assert performance_score(seeded("amadeus", **changes)) == points


@pytest.mark.parametrize(
    ("cost", "points"),
    [("0", 10), ("0.01", 8), ("0.025", 5), ("0.0499", 0.02), ("0.05", 0), ("0.06", 0)],
)
def test_cost_part(cost: str, points: float) -> None:
    """10 for a free search, falling to 0 at 0.05 EUR and beyond."""
    assert cost_score(seeded("amadeus", cost_per_search=Decimal(cost))) == points


@pytest.mark.parametrize(
    ("cost", "eligible", "reason"),
    [("0.03", True, ""), ("0.031", False, "score 24.8 is below the minimum of 25")],
)
def test_eligibility_cut_off_at_25(cost: str, eligible: bool, reason: str) -> None:
    """Viator in Nairobi (a weak region), only supported: 0 + 8 + 0 + 13 + cost."""
    viator = seeded(
        "viator",
        capabilities=(SEEDED["hotelbeds"].capabilities[0],),
        cost_per_search=Decimal(cost),
    )
    plan = plan_search(
        "experiences",
        [viator],
        {"viator"},
        strategy="price_comparison",
        max_providers=3,
        context=context_for(experiences("NBO")),
        rules=DEFAULT_RULES,
    )

    assert plan.selected == (("viator",) if eligible else ())
    assert [e.reason for e in plan.excluded] == ([] if eligible else [reason])
    assert plan.scores["viator"].total == (25 if eligible else 24.8)


def test_every_exclusion_has_its_reason_and_keeps_its_score() -> None:
    profiles = [
        SEEDED["amadeus"],
        SEEDED["duffel"],
        SEEDED["kiwi"],
        seeded("kiwi", code="off", enabled=False),
        seeded("kiwi", code="sick", status="disabled"),
        seeded("kiwi", code="weak", health_score=29.5),
        seeded("kiwi", code="bare"),
        seeded("kiwi", code="tripped"),
        seeded("kiwi", code="unasked"),
    ]
    available = FLIGHT_CODES | {"off", "sick", "weak", "tripped", "unasked"}
    plan = plan_search(
        "flights",
        profiles,
        available,
        requested=available - {"unasked"} | {"bare"},
        strategy="price_comparison",
        max_providers=2,
        context=context_for(flights("JFK-LHR")),
        rules=DEFAULT_RULES,
        blocked={"tripped": "circuit open"},
    )

    assert plan.selected == ("amadeus", "duffel")
    assert {e.provider: e.reason for e in plan.excluded} == {
        "off": "disabled by an operator",
        "sick": "disabled after failing health checks",
        "weak": "health 29.5 is below 30",
        "bare": "this service has no flights adapter for it",
        "tripped": "circuit open",
        "unasked": "not among the providers the request named",
        "kiwi": "beyond the first 2 by score",
    }
    shown = {c.provider: c for c in plan.to_proto(1.0).excluded}
    assert shown["kiwi"].score == 68
    assert shown["weak"].breakdown.performance == 7.36
    assert shown["tripped"].exclusion_reason == "circuit open"


def test_ties_go_to_priority_then_latency() -> None:
    """Without a context only category, performance and cost count: duffel and kiwi tie."""
    plan = plan_search(
        "flights",
        [SEEDED["kiwi"], SEEDED["amadeus"], SEEDED["duffel"], seeded("kiwi", code="kiwi2")],
        FLIGHT_CODES | {"kiwi2"},
        strategy="price_comparison",
        max_providers=4,
    )
    preferred = plan_search(
        "flights",
        [SEEDED["duffel"], seeded("kiwi", priority=60)],
        FLIGHT_CODES,
        strategy="price_comparison",
        max_providers=2,
    )

    assert {c: s.total for c, s in plan.scores.items()} == {
        "kiwi": 43,
        "amadeus": 41,
        "duffel": 43,
        "kiwi2": 43,
    }
    assert plan.selected == ("duffel", "kiwi", "kiwi2", "amadeus")
    assert preferred.selected == ("kiwi", "duffel")


def test_scores_of_places_outside_any_hand_list() -> None:
    """Nairobi to Ulaanbaatar: amadeus is strong in Asia, duffel is weak in both ends."""
    context = context_for(flights("NBO-ULN"))
    scores = {code: score_provider(SEEDED[code], context, DEFAULT_RULES) for code in FLIGHT_CODES}

    assert context.route_type == "international"
    assert scores == {
        "amadeus": Score(25, 20, 0, 13, 8),
        "duffel": Score(0, 20, 0, 13, 10),
        "kiwi": Score(17, 20, 0, 13, 10),
    }
