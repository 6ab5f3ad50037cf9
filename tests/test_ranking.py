"""Sort orders of a result set, and the "best" estimate of cost to the traveler."""

from __future__ import annotations

from decimal import Decimal

from google.protobuf import duration_pb2
from guidera.v1 import common_pb2, offer_pb2, search_service_pb2

from guidera_grpc.aggregation.book import OfferBook
from guidera_grpc.aggregation.fx import FxTable
from guidera_grpc.aggregation.matching import ExactMatcher
from guidera_grpc.aggregation.ranking import (
    BUDGET_WEIGHTS,
    DEFAULT_WEIGHTS,
    PREMIUM_WEIGHTS,
    Weights,
    best_cost,
    ranking_for,
    weights_for,
)
from guidera_grpc.normalizers.money import to_money


def _flight(number: str, price: str, hours: int, stops: int) -> offer_pb2.Offer:
    segments = [
        offer_pb2.Segment(
            marketing_carrier=offer_pb2.Carrier(iata_code="BA"),
            marketing_flight_number=f"{number}{leg}",
            departure_local_time=f"2027-03-10T0{leg}:00:00",
        )
        for leg in range(stops + 1)
    ]
    flight_slice = offer_pb2.Slice(
        segments=segments, duration=duration_pb2.Duration(seconds=hours * 3600)
    )
    total = common_pb2.Price(total=to_money(Decimal(price), "EUR"))
    return offer_pb2.Offer(
        provider_prices=[common_pb2.ProviderPrice(provider="amadeus", price=total)],
        flight=offer_pb2.FlightDetails(slices=[flight_slice]),
    )


def _ranked(
    sort: search_service_pb2.SortOrder.ValueType, weights: Weights = DEFAULT_WEIGHTS
) -> list[str]:
    book = OfferBook("EUR", FxTable({}), ExactMatcher(), ranking_for(sort, weights))
    book.merge(
        [
            _flight("1", "400", hours=14, stops=1),
            _flight("2", "520", hours=7, stops=0),
            _flight("3", "380", hours=20, stops=2),
        ]
    )
    return [r.offer.flight.slices[0].segments[0].marketing_flight_number for r in book.ranked()]


def test_price_order_puts_the_cheapest_first() -> None:
    assert _ranked(search_service_pb2.SORT_ORDER_PRICE) == ["30", "10", "20"]


def test_duration_order_puts_the_shortest_first() -> None:
    assert _ranked(search_service_pb2.SORT_ORDER_DURATION) == ["20", "10", "30"]


def test_best_weighs_time_and_stops_against_price() -> None:
    """At 15 an hour and 30 a stop: 400+210+30=640, 520+105=625, 380+300+60=740."""
    assert _ranked(search_service_pb2.SORT_ORDER_BEST) == ["20", "10", "30"]


def test_a_budget_traveler_values_money_over_time() -> None:
    """At 5 an hour and 10 a stop: 400+70+10=480, 520+35=555, 380+100+20=500."""
    assert _ranked(search_service_pb2.SORT_ORDER_BEST, BUDGET_WEIGHTS) == ["10", "30", "20"]


def test_weights_follow_budget_level_and_style() -> None:
    assert weights_for("budget", "") == BUDGET_WEIGHTS
    assert weights_for("luxury", "") == PREMIUM_WEIGHTS
    assert weights_for("", "business") == PREMIUM_WEIGHTS
    assert weights_for("mid_range", "leisure") == DEFAULT_WEIGHTS


def test_a_good_rating_lowers_the_best_cost() -> None:
    tour = offer_pb2.Offer(
        experience=offer_pb2.ExperienceDetails(
            rating=4.5, duration=duration_pb2.Duration(seconds=7200)
        )
    )
    # 100 + 15 × 2 h − 100 × 4 % × (4.5 − 3) = 124
    assert best_cost(tour, Decimal(100), DEFAULT_WEIGHTS) == Decimal("124.0000")
