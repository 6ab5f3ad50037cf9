"""The terminal view of a stream shows the server's best offers in the server's order."""

from __future__ import annotations

import random

from guidera.v1 import search_service_pb2

from guidera_grpc.aggregation.book import OfferBook
from guidera_grpc.aggregation.fx import FxTable
from guidera_grpc.aggregation.matching import ExactMatcher
from guidera_grpc.cli.render import SearchView
from tests.test_offer_book import _offer


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
        batch = [_offer(provider, f"BA{n}", str(generator.randrange(200, 900))) for n in numbers]
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
