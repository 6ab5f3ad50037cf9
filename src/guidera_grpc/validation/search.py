"""Validates a SearchRequest as a whole: the query of its category and the stream options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guidera.v1 import common_pb2, search_service_pb2

from guidera_grpc.search.params import SearchParams
from guidera_grpc.validation.cars import validate_car_search
from guidera_grpc.validation.common import Violations, check_currency, check_text
from guidera_grpc.validation.experiences import validate_experience_search
from guidera_grpc.validation.flights import validate_flight_search
from guidera_grpc.validation.packages import validate_package_search
from guidera_grpc.validation.places import check_place
from guidera_grpc.validation.stays import validate_hotel_search

PROVIDER_CODES = (
    "amadeus",
    "duffel",
    "kiwi",
    "expedia",
    "hotelbeds",
    "getyourguide",
    "viator",
    "cartrawler",
)
STRATEGIES = (
    "single_fastest",
    "single_cheapest",
    "parallel_top_3",
    "parallel_all",
    "sequential",
    "waterfall",
    "quick_search",
    "price_comparison",
    "comprehensive",
)
MAX_RESULTS = 1000
DEFAULT_MAX_RESULTS = 200
MAX_REQUEST_ID = 128
#: Cached answers older than this are never offered, even to a client that accepts stale ones.
MAX_FRESHNESS_S = 3600


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """Validated stream options."""

    wait_for_all: bool
    display_currency: str
    max_results: int
    providers: tuple[str, ...]
    strategy: str
    refresh: bool = False
    freshness_s: float | None = None
    sort: search_service_pb2.SortOrder.ValueType = search_service_pb2.SORT_ORDER_BEST


@dataclass(frozen=True, slots=True)
class Traveler:
    """Who searches: their reference, budget level, travel style and home, as routing and
    ranking read them ("" when not given)."""

    ref: str = ""
    budget_level: str = ""
    travel_style: str = ""
    home: str = ""


@dataclass(frozen=True, slots=True)
class ValidSearch:
    """A search the executor can run."""

    category: common_pb2.Category.ValueType
    params: SearchParams
    options: SearchOptions
    traveler: Traveler = Traveler()

    @property
    def category_name(self) -> str:
        """ "flights", "hotels", "cars" or "experiences", as the registry names categories."""
        return CATEGORY_NAMES[self.category]


CATEGORY_NAMES = {
    common_pb2.CATEGORY_FLIGHTS: "flights",
    common_pb2.CATEGORY_HOTELS: "hotels",
    common_pb2.CATEGORY_CARS: "cars",
    common_pb2.CATEGORY_EXPERIENCES: "experiences",
    common_pb2.CATEGORY_PACKAGES: "packages",
}


def validate_search(request: search_service_pb2.SearchRequest) -> ValidSearch:
    """Check every field; raise InvalidRequest naming all the bad ones."""
    errors = Violations()
    options = _check_options(request.options, errors)
    check_text(request.request_id, "request_id", MAX_REQUEST_ID, errors)
    traveler = _check_traveler(request.traveler, errors)
    params = _check_query(request, options.display_currency, errors)
    errors.raise_if_any()
    assert params is not None
    return ValidSearch(params[0], params[1], options, traveler)


def _check_traveler(traveler: search_service_pb2.TravelerContext, errors: Violations) -> Traveler:
    check_text(traveler.traveler_ref, "traveler.traveler_ref", MAX_REQUEST_ID, errors)
    home = ""
    if traveler.home_location:
        home = check_place(traveler.home_location, "traveler.home_location", errors) or ""
    budget = _enum_name(
        search_service_pb2.BudgetLevel,
        traveler.budget_level,
        "BUDGET_LEVEL_",
        "traveler.budget_level",
        errors,
    )
    style = _enum_name(
        search_service_pb2.TravelStyle,
        traveler.travel_style,
        "TRAVEL_STYLE_",
        "traveler.travel_style",
        errors,
    )
    return Traveler(traveler.traveler_ref, budget, style, home)


def _enum_name(enum: Any, value: int, prefix: str, field: str, errors: Violations) -> str:
    """``"budget"`` for BUDGET_LEVEL_BUDGET; "" when unspecified; a violation when unknown."""
    if value == 0:
        return ""
    if value not in enum.values():
        errors.add(field, f"{value} is not a known value")
        return ""
    name: str = enum.Name(value)
    return name.removeprefix(prefix).lower()


def _check_query(
    request: search_service_pb2.SearchRequest, currency: str, errors: Violations
) -> tuple[common_pb2.Category.ValueType, SearchParams] | None:
    kind = request.WhichOneof("query")
    params: SearchParams | None = None
    if kind == "flights":
        params = validate_flight_search(request.flights, currency, errors)
        category = common_pb2.CATEGORY_FLIGHTS
    elif kind == "hotels":
        params = validate_hotel_search(request.hotels, currency, errors)
        category = common_pb2.CATEGORY_HOTELS
    elif kind == "cars":
        params = validate_car_search(request.cars, currency, errors)
        category = common_pb2.CATEGORY_CARS
    elif kind == "experiences":
        params = validate_experience_search(request.experiences, currency, errors)
        category = common_pb2.CATEGORY_EXPERIENCES
    elif kind == "package":
        params = validate_package_search(request.package, currency, errors)
        category = common_pb2.CATEGORY_PACKAGES
    else:
        errors.add("query", "one of flights, hotels, cars, experiences or package is required")
    return (category, params) if params is not None else None


def _check_options(options: search_service_pb2.SearchOptions, errors: Violations) -> SearchOptions:
    currency = check_currency(options.display_currency, "options.display_currency", errors)
    if not 0 <= options.max_results <= MAX_RESULTS:
        errors.add("options.max_results", f"must be between 0 and {MAX_RESULTS}")
    if len(options.providers) > len(PROVIDER_CODES):
        errors.add("options.providers", f"at most {len(PROVIDER_CODES)} providers")
    for index, code in enumerate(options.providers[: len(PROVIDER_CODES)]):
        if code not in PROVIDER_CODES:
            errors.add(f"options.providers[{index}]", f"{code[:32]!r} is not a known provider")
    if options.strategy and options.strategy not in STRATEGIES:
        errors.add(
            "options.strategy",
            f"{options.strategy[:32]!r} is not a strategy; use one of {', '.join(STRATEGIES)}",
        )
    if options.sort not in search_service_pb2.SortOrder.values():
        errors.add("options.sort", f"{options.sort} is not a known sort order")
    freshness_s: float | None = None
    if options.HasField("freshness"):
        freshness = options.freshness
        if not (0 <= freshness.seconds <= MAX_FRESHNESS_S and 0 <= freshness.nanos < 10**9):
            errors.add("options.freshness", f"must be between 0 and {MAX_FRESHNESS_S} seconds")
        else:
            freshness_s = freshness.seconds + freshness.nanos / 1e9
    return SearchOptions(
        sort=options.sort or search_service_pb2.SORT_ORDER_BEST,
        refresh=options.refresh,
        freshness_s=freshness_s,
        wait_for_all=options.wait_for_all,
        display_currency=currency,
        max_results=options.max_results or DEFAULT_MAX_RESULTS,
        providers=tuple(dict.fromkeys(options.providers)),
        strategy=options.strategy,
    )
