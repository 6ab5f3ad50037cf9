"""The terminal view of a stream shows the server's best offers in the server's order."""

from __future__ import annotations

import random
from decimal import Decimal

from guidera.v1 import common_pb2, offer_pb2, search_service_pb2

from guidera_grpc.aggregation.book import OfferBook
from guidera_grpc.aggregation.fx import FxTable
from guidera_grpc.aggregation.matching import ExactMatcher
from guidera_grpc.cli.render import SearchView
from guidera_grpc.normalizers.money import to_money


def _offer(provider: str, number: int, amount: Decimal) -> offer_pb2.Offer:
    segment = offer_pb2.Segment(
        marketing_carrier=offer_pb2.Carrier(iata_code="BA"),
        marketing_flight_number=str(number),
        origin=common_pb2.Place(iata_code="JFK"),
        destination=common_pb2.Place(iata_code="LHR"),
        departure_local_time="2027-03-10T19:30:00",
    )
    price = common_pb2.Price(total=to_money(amount, "EUR"))
    return offer_pb2.Offer(
        category=common_pb2.CATEGORY_FLIGHTS,
        price=price,
        provider_prices=[
            common_pb2.ProviderPrice(
                provider=provider, price=price, provider_offer_id=f"{provider}-{number}"
            )
        ],
        flight=offer_pb2.FlightDetails(
            slices=[offer_pb2.Slice(segments=[segment])], cabin=common_pb2.CABIN_ECONOMY
        ),
    )


def test_a_limited_stream_shows_exactly_the_best_offers_after_every_batch() -> None:
    """Batches from three sellers of overlapping flights (new offers, cheaper sellers, extra
    sellers), sent as the server sends them: only changes ranked within the limit. After each
    one the view holds the book's best ``limit`` offers, in rank order, and no more."""
    limit = 7
    generator = random.Random(20261204)
    book = OfferBook("EUR", FxTable({}), ExactMatcher())
    view = SearchView(limit)
    for provider in ("duffel", "amadeus", "kiwi", "duffel"):
        numbers = generator.sample(range(100, 140), 15)
        batch = [_offer(provider, n, Decimal(generator.randrange(200, 900))) for n in numbers]
        changes = [c for c in book.merge(batch) if c.rank <= limit]
        view.apply(
            search_service_pb2.SearchResponse(
                offers=search_service_pb2.OffersBatch(providers=[provider], offers=changes)
            )
        )

        best = [ranked.offer.offer_id for ranked in book.ranked(limit)]
        assert view.order == best
        assert set(view.offers) == set(best)
        for offer_id in best:
            shown = view.offers[offer_id].price.display_total
            assert shown == book.ranked(limit)[best.index(offer_id)].offer.price.display_total
    assert len(book) > limit
