"""Routing rules: each default rule boosts its provider in its case and nowhere else; rules
can change the plan; rules and fallback chains load from a migrated database."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from guidera.v1 import search_service_pb2

from guidera_grpc.routing.context import RoutingContext
from guidera_grpc.routing.plan import plan_search
from guidera_grpc.routing.rules import RuleOverrides, matching_rules, overrides_of, rule_matches
from guidera_grpc.routing.scoring import RuleBoost, Score
from guidera_grpc.store.migrate import migrate
from guidera_grpc.store.pool import open_pool
from guidera_grpc.store.providers import list_providers
from guidera_grpc.store.rules import (
    FallbackChains,
    RoutingRule,
    load_fallback_chains,
    load_routing_rules,
)
from guidera_grpc.validation.search import ValidSearch
from tests.pg import PgCluster
from tests.routing_seed import (
    DEFAULT_RULES,
    SEEDED,
    cars,
    context_for,
    experiences,
    flights,
    hotels,
)

BUDGET = search_service_pb2.BUDGET_LEVEL_BUDGET
LUXURY = search_service_pb2.BUDGET_LEVEL_LUXURY
UNSPECIFIED = search_service_pb2.BUDGET_LEVEL_UNSPECIFIED


@dataclass(frozen=True)
class RuleCase:
    """A search in which one default rule boosts its provider, and that provider's score."""

    rule: str
    search: ValidSearch
    provider: str
    score: Score
    matched: tuple[str, ...]
    budget: search_service_pb2.BudgetLevel.ValueType = UNSPECIFIED
    home: str = ""


def _boosted(rule: str, boost: float, *parts: float) -> Score:
    geographic, category, preference, performance, cost = parts
    return Score(geographic, category, preference, performance, cost, (RuleBoost(rule, boost),))


RULE_CASES = [
    RuleCase(
        "flights_europe_amadeus",
        flights("JFK-LHR"),
        "amadeus",
        _boosted("flights_europe_amadeus", 20, 30, 20, 0, 13, 8),
        ("flights_europe_amadeus",),
    ),
    RuleCase(
        "flights_budget_kiwi",
        flights("YVR-AKL"),
        "kiwi",
        _boosted("flights_budget_kiwi", 25, 17, 20, 12, 13, 10),
        ("flights_budget_kiwi",),
        budget=BUDGET,
    ),
    RuleCase(
        "flights_domestic_us_duffel",
        flights("JFK-LAX"),
        "duffel",
        _boosted("flights_domestic_us_duffel", 15, 30, 20, 0, 13, 10),
        ("flights_domestic_us_duffel",),
    ),
    RuleCase(
        "flights_multi_city_kiwi",
        flights("LHR-CDG", "CDG-FCO", "FCO-LHR"),
        "kiwi",
        _boosted("flights_multi_city_kiwi", 30, 30, 25, 0, 13, 10),
        ("flights_multi_city_kiwi", "flights_europe_amadeus"),
    ),
    RuleCase(
        "hotels_north_america_expedia",
        hotels("NYC"),
        "expedia",
        _boosted("hotels_north_america_expedia", 20, 20, 20, 0, 13, 10),
        ("hotels_north_america_expedia",),
    ),
    RuleCase(
        "hotels_international_hotelbeds",
        hotels("PAR"),
        "hotelbeds",
        _boosted("hotels_international_hotelbeds", 15, 25, 20, 0, 13, 10),
        ("hotels_international_hotelbeds",),
        home="JFK",
    ),
    RuleCase(
        "hotels_luxury_hotelbeds",
        hotels("BKK"),
        "hotelbeds",
        _boosted("hotels_luxury_hotelbeds", 10, 20, 20, 12, 13, 10),
        ("hotels_luxury_hotelbeds",),
        budget=LUXURY,
    ),
    RuleCase(
        "cars_cartrawler",
        cars("NBO"),
        "cartrawler",
        _boosted("cars_cartrawler", 30, 20, 20, 0, 13, 10),
        ("cars_cartrawler",),
    ),
    RuleCase(
        "experiences_getyourguide",
        experiences("AKL"),
        "getyourguide",
        _boosted("experiences_getyourguide", 25, 12, 20, 0, 15, 10),
        ("experiences_getyourguide",),
    ),
    RuleCase(
        "experiences_north_america_viator",
        experiences("YVR"),
        "viator",
        _boosted("experiences_north_america_viator", 10, 20, 20, 0, 13, 10),
        ("experiences_getyourguide", "experiences_north_america_viator"),
    ),
]


@pytest.mark.parametrize("case", RULE_CASES, ids=[c.rule for c in RULE_CASES])
def test_each_default_rule_boosts_its_provider(case: RuleCase) -> None:
    """The boosted provider's exact breakdown, and exactly the rules that match the search."""
    context = context_for(case.search, budget=case.budget, home=case.home)
    category = case.search.category_name
    profiles = [p for p in SEEDED.values() if category in p.categories]
    plan = plan_search(
        category,
        profiles,
        {p.code for p in profiles},
        strategy="price_comparison",
        max_providers=5,
        context=context,
        rules=DEFAULT_RULES,
    )

    assert plan.scores[case.provider] == case.score
    assert tuple(r.name for r in matching_rules(DEFAULT_RULES, context)) == case.matched
    assert plan.selected[0] == case.provider or case.rule == "experiences_north_america_viator"


def test_rules_in_the_plan_of_a_multi_city_trip() -> None:
    """Kiwi leads with the multi-city rule; amadeus keeps the European one."""
    plan = plan_search(
        "flights",
        list(SEEDED.values()),
        {"amadeus", "duffel", "kiwi"},
        strategy="price_comparison",
        max_providers=3,
        context=context_for(flights("LHR-CDG", "CDG-FCO", "FCO-LHR")),
        rules=DEFAULT_RULES,
    )

    assert plan.selected == ("kiwi", "amadeus", "duffel")
    assert {code: score.total for code, score in plan.scores.items()} == {
        "amadeus": 96,
        "duffel": 78,
        "kiwi": 108,
    }


@pytest.mark.parametrize(
    ("search", "budget", "home", "silent"),
    [
        (hotels("LON"), UNSPECIFIED, "", "flights_europe_amadeus"),
        (flights("LHR-JFK"), UNSPECIFIED, "", "flights_europe_amadeus"),
        (flights("JFK-LHR"), LUXURY, "", "flights_budget_kiwi"),
        (flights("YVR-YYZ"), UNSPECIFIED, "", "flights_domestic_us_duffel"),
        (flights("JFK-LHR", "LHR-JFK"), UNSPECIFIED, "", "flights_multi_city_kiwi"),
        (hotels("PAR"), UNSPECIFIED, "", "hotels_north_america_expedia"),
        (hotels("PAR"), UNSPECIFIED, "", "hotels_international_hotelbeds"),
        (hotels("NYC"), UNSPECIFIED, "LAX", "hotels_international_hotelbeds"),
        (hotels("NYC"), BUDGET, "", "hotels_luxury_hotelbeds"),
        (experiences("PAR"), UNSPECIFIED, "", "cars_cartrawler"),
        (cars("PAR"), UNSPECIFIED, "", "experiences_getyourguide"),
        (experiences("AKL"), UNSPECIFIED, "", "experiences_north_america_viator"),
    ],
)
def test_default_rules_stay_silent_when_a_condition_fails(
    search: ValidSearch,
    budget: search_service_pb2.BudgetLevel.ValueType,
    home: str,
    silent: str,
) -> None:
    context = context_for(search, budget=budget, home=home)
    rule = next(r for r in DEFAULT_RULES if r.name == silent)

    assert not rule_matches(rule, context)


@pytest.mark.parametrize(
    ("conditions", "hour", "matches"),
    [
        ({"category": ["hotels", "flights"]}, 12, True),
        ({"category": ["hotels", "cars"]}, 12, False),
        ({"region": "europe", "origin_region": "north_america"}, 12, True),
        ({"travel_style": "business"}, 12, False),
        ({"hour_from": 22, "hour_to": 6}, 23, True),
        ({"hour_from": 22, "hour_to": 6}, 5, True),
        ({"hour_from": 22, "hour_to": 6}, 6, False),
        ({"hour_from": 9, "hour_to": 17}, 9, True),
        ({"hour_from": 9, "hour_to": 17}, 17, False),
        ({"hour_from": 18}, 20, True),
        ({"hour_to": 6}, 20, False),
        ({"hour_from": 9, "hour_to": 17}, None, False),
        ({"hour_from": "9"}, 12, False),
        ({"weekday": "monday"}, 12, False),
        ({"category": 3}, 12, False),
        ({}, None, True),
    ],
)
def test_rule_conditions(conditions: dict[str, object], hour: int | None, matches: bool) -> None:
    """Lists match any value, hour windows wrap past midnight, unknown keys match nothing."""
    context = RoutingContext(
        category="flights",
        origin_region="north_america",
        destination_region="europe",
        local_hour=hour,
    )
    rule = RoutingRule("r", 50, "kiwi", 5, conditions)

    assert rule_matches(rule, context) is matches


def test_the_highest_priority_rule_sets_each_override() -> None:
    rules = [
        RoutingRule("quick", 60, "kiwi", 0, {}, strategy="single_fastest", timeout_ms=4000),
        RoutingRule("narrow", 90, "duffel", 0, {}, max_providers=1),
        RoutingRule("wide", 80, "amadeus", 0, {}, strategy="parallel_all", max_providers=5),
        RoutingRule("elsewhere", 99, "amadeus", 0, {"category": "cars"}, strategy="waterfall"),
    ]
    context = RoutingContext(category="flights")

    assert overrides_of(matching_rules(rules, context)) == RuleOverrides(
        strategy="parallel_all", max_providers=1, timeout_ms=4000, rules=("wide", "narrow", "quick")
    )
    assert overrides_of(()) == RuleOverrides()


def test_a_rule_can_narrow_the_plan_and_fallbacks_follow_the_chain() -> None:
    """One provider asked; the others wait in the order of the European chain."""
    narrow = RoutingRule("one_for_europe", 95, "amadeus", 0, {"region": "europe"}, max_providers=1)
    chains = FallbackChains(
        {
            ("flights", "europe"): ("amadeus", "kiwi", "duffel"),
            ("flights", "default"): ("amadeus", "duffel", "kiwi"),
        }
    )
    plan = plan_search(
        "flights",
        list(SEEDED.values()),
        {"amadeus", "duffel", "kiwi"},
        strategy="price_comparison",
        max_providers=3,
        context=context_for(flights("JFK-LHR")),
        rules=(*DEFAULT_RULES, narrow),
        fallback_chains=chains,
    )

    assert plan.selected == ("amadeus",)
    assert plan.fallbacks == ("kiwi", "duffel")
    assert plan.overrides == RuleOverrides(max_providers=1, rules=("one_for_europe",))
    assert [e.reason for e in plan.excluded] == ["beyond the first 1 by score"] * 2


def test_a_negative_boost_can_push_a_provider_below_the_cut_off() -> None:
    penalty = RoutingRule("no_kiwi_to_europe", 50, "kiwi", -50, {"region": "europe"})
    plan = plan_search(
        "flights",
        [SEEDED["amadeus"], SEEDED["kiwi"]],
        {"amadeus", "kiwi"},
        strategy="price_comparison",
        max_providers=3,
        context=context_for(flights("JFK-LHR")),
        rules=(penalty,),
    )

    assert plan.selected == ("amadeus",)
    assert [(e.provider, e.reason) for e in plan.excluded] == [
        ("kiwi", "score 18 is below the minimum of 25")
    ]


@pytest.fixture
async def migrated_pool(pg_cluster: PgCluster) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a freshly migrated database of this test's own, free to change."""
    pool = await open_pool(await pg_cluster.create_database())
    await migrate(pool)
    yield pool
    await pool.close()


async def test_rules_and_chains_load_from_the_store(migrated_pool: asyncpg.Pool) -> None:
    """The seeded rules are the default rules of the design, and score JFK→LHR the same."""
    await migrated_pool.execute(
        "UPDATE routing_rules SET enabled = false WHERE name = 'flights_budget_kiwi'"
    )
    rules = await load_routing_rules(migrated_pool)
    chains = await load_fallback_chains(migrated_pool)
    profiles = await list_providers(migrated_pool, category="flights")
    plan = plan_search(
        "flights",
        profiles,
        {"amadeus", "duffel", "kiwi"},
        strategy="price_comparison",
        max_providers=1,
        context=context_for(flights("JFK-LHR")),
        rules=rules,
        fallback_chains=chains,
    )

    assert [dataclasses.replace(r, description="") for r in rules] == [
        r for r in DEFAULT_RULES if r.name != "flights_budget_kiwi"
    ]
    assert all(r.description for r in rules)
    assert chains.chain_for("flights", "europe") == ("amadeus", "kiwi", "duffel")
    assert chains.chain_for("flights", "asia") == ("amadeus", "duffel", "kiwi")
    assert chains.chain_for("cars", None) == ("cartrawler",)
    assert chains.chain_for("experiences", "north_america") == ("viator", "getyourguide")
    assert plan.selected == ("amadeus",)
    assert plan.fallbacks == ("kiwi", "duffel")
    assert {code: score.total for code, score in plan.scores.items()} == {
        "amadeus": 91,
        "duffel": 73,
        "kiwi": 68,
    }
