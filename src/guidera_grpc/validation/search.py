"""Validates a SearchRequest as a whole: the query of its category and the stream options."""

from __future__ import annotations

from dataclasses import dataclass

from guidera.v1 import common_pb2, search_service_pb2

from guidera_grpc.errors import NotSupported
from guidera_grpc.search.params import SearchParams
from guidera_grpc.validation.cars import validate_car_search
from guidera_grpc.validation.common import Violations, check_currency
from guidera_grpc.validation.experiences import validate_experience_search
from guidera_grpc.validation.flights import validate_flight_search
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


@dataclass(frozen=True, slots=True)
class ValidSearch:
    """A search the executor can run."""

    category: common_pb2.Category.ValueType
    params: SearchParams
    options: SearchOptions

    @property
    def category_name(self) -> str:
        """ "flights", "hotels", "cars" or "experiences", as the registry names categories."""
        return CATEGORY_NAMES[self.category]


CATEGORY_NAMES = {
    common_pb2.CATEGORY_FLIGHTS: "flights",
    common_pb2.CATEGORY_HOTELS: "hotels",
    common_pb2.CATEGORY_CARS: "cars",
    common_pb2.CATEGORY_EXPERIENCES: "experiences",
}


def validate_search(request: search_service_pb2.SearchRequest) -> ValidSearch:
    """Check every field; raise InvalidRequest naming all the bad ones."""
    errors = Violations()
    options = _check_options(request.options, errors)
    if len(request.request_id) > MAX_REQUEST_ID:
        errors.add("request_id", f"at most {MAX_REQUEST_ID} characters")
    params = _check_query(request, options.display_currency, errors)
    errors.raise_if_any()
    assert params is not None
    return ValidSearch(params[0], params[1], options)


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
        raise NotSupported("package search is not offered yet")
    else:
        errors.add("query", "one of flights, hotels, cars, experiences or package is required")
    return (category, params) if params is not None else None


def _check_options(options: search_service_pb2.SearchOptions, errors: Violations) -> SearchOptions:
    currency = check_currency(options.display_currency, "options.display_currency", errors)
    if not 0 <= options.max_results <= MAX_RESULTS:
        errors.add("options.max_results", f"must be between 0 and {MAX_RESULTS}")
    for index, code in enumerate(options.providers):
        if code not in PROVIDER_CODES:
            errors.add(f"options.providers[{index}]", f"{code[:32]!r} is not a known provider")
    if options.strategy and options.strategy not in STRATEGIES:
        errors.add(
            "options.strategy",
            f"{options.strategy[:32]!r} is not a strategy; use one of {', '.join(STRATEGIES)}",
        )
    freshness_s: float | None = None
    if options.HasField("freshness"):
        freshness_s = options.freshness.ToMilliseconds() / 1000
        if freshness_s < 0:
            errors.add("options.freshness", "cannot be negative")
    return SearchOptions(
        refresh=options.refresh,
        freshness_s=freshness_s,
        wait_for_all=options.wait_for_all,
        display_currency=currency,
        max_results=options.max_results or DEFAULT_MAX_RESULTS,
        providers=tuple(dict.fromkeys(options.providers)),
        strategy=options.strategy or "price_comparison",
    )
