"""Merging and ranking: the same itinerary from several sellers becomes one offer."""

from __future__ import annotations

from decimal import Decimal

from guidera.v1 import common_pb2, offer_pb2, search_service_pb2

from guidera_grpc.aggregation.book import OfferBook
from guidera_grpc.aggregation.fx import FxTable
from guidera_grpc.aggregation.matching import ExactMatcher
from guidera_grpc.normalizers.money import to_money

NEW = search_service_pb2.OFFER_CHANGE_NEW
IMPROVED = search_service_pb2.OFFER_CHANGE_PRICE_IMPROVED
ADDED = search_service_pb2.OFFER_CHANGE_PROVIDER_ADDED


def _offer(provider: str, flight: str, amount: str, currency: str = "EUR") -> offer_pb2.Offer:
    carrier, number = flight[:2], flight[2:]
    segment = offer_pb2.Segment(
        marketing_carrier=offer_pb2.Carrier(iata_code=carrier),
        marketing_flight_number=number,
        origin=common_pb2.Place(iata_code="JFK"),
        destination=common_pb2.Place(iata_code="LHR"),
        departure_local_time="2027-03-10T19:30:00",
    )
    price = common_pb2.Price(total=to_money(Decimal(amount), currency))
    return offer_pb2.Offer(
        category=common_pb2.CATEGORY_FLIGHTS,
        price=price,
        provider_prices=[
            common_pb2.ProviderPrice(
                provider=provider, price=price, provider_offer_id=f"{provider}-{flight}"
            )
        ],
        flight=offer_pb2.FlightDetails(
            slices=[offer_pb2.Slice(segments=[segment])], cabin=common_pb2.CABIN_ECONOMY
        ),
    )


def _book() -> OfferBook:
    fx = FxTable({"USD": Decimal("0.90"), "GBP": Decimal("1.17")})
    return OfferBook("EUR", fx, ExactMatcher())


def test_new_offers_are_ranked_by_price() -> None:
    book = _book()

    changes = book.merge([_offer("amadeus", "BA117", "500"), _offer("amadeus", "AA100", "400")])

    assert [
        (c.offer.flight.slices[0].segments[0].marketing_flight_number, c.rank, c.change)
        for c in changes
    ] == [("100", 1, NEW), ("117", 2, NEW)]


def test_a_cheaper_later_seller_improves_the_offer() -> None:
    book = _book()
    [first] = book.merge([_offer("amadeus", "BA117", "500")])

    [update] = book.merge([_offer("duffel", "BA117", "450")])

    assert update.offer.offer_id == first.offer.offer_id
    assert update.change == IMPROVED
    assert [p.provider for p in update.offer.provider_prices] == ["duffel", "amadeus"]
    assert update.offer.price.total.units == 450
    assert len(book) == 1


def test_a_dearer_later_seller_is_added_behind() -> None:
    book = _book()
    book.merge([_offer("amadeus", "BA117", "500")])

    [update] = book.merge([_offer("kiwi", "BA117", "520")])

    assert update.change == ADDED
    assert [p.provider for p in update.offer.provider_prices] == ["amadeus", "kiwi"]
    assert update.offer.price.total.units == 500


def test_prices_in_other_currencies_compare_in_the_display_currency() -> None:
    book = _book()
    book.merge([_offer("amadeus", "BA117", "500")])

    [update] = book.merge([_offer("duffel", "BA117", "540", "USD")])

    # 540 USD at 0.90 EUR each is 486 EUR: cheaper than 500 EUR.
    assert update.change == IMPROVED
    assert update.offer.price.display_total.units == 486
    assert update.offer.price.total.currency_code == "USD"


def test_the_same_seller_repeating_an_offer_changes_nothing_unless_cheaper() -> None:
    book = _book()
    book.merge([_offer("amadeus", "BA117", "500")])

    assert book.merge([_offer("amadeus", "BA117", "510")]) == []
    [update] = book.merge([_offer("amadeus", "BA117", "490")])
    assert len(update.offer.provider_prices) == 1
    assert update.offer.price.total.units == 490


def test_ranks_move_when_prices_improve() -> None:
    book = _book()
    book.merge([_offer("amadeus", "BA117", "500"), _offer("amadeus", "AA100", "400")])

    [update] = book.merge([_offer("duffel", "BA117", "300")])

    assert update.rank == 1
    assert book.ranked()[0].offer.offer_id == update.offer.offer_id
