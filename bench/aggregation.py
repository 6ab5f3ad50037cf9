"""Merging and ranking alone: n normalized flight offers from three suppliers into one book.

About a third of the itineraries are sold by two or three suppliers (as on busy routes), so
the book both adds new offers and adds sellers to known ones. Time is the best of a few
runs; memory is tracemalloc's peak during one run.
"""

from __future__ import annotations

import gc
import math
import time
import tracemalloc
from decimal import Decimal

from google.protobuf import duration_pb2
from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.aggregation.book import OfferBook
from guidera_grpc.aggregation.fx import FxTable
from guidera_grpc.aggregation.matching import ExactMatcher
from guidera_grpc.normalizers.money import to_money

SUPPLIERS = (("duffel", "EUR"), ("amadeus", "EUR"), ("kiwi", "USD"))
CARRIERS = ("BA", "AA", "LH", "AF", "KL", "IB", "UA", "DL", "VS", "EI")


def _offer(number: int, provider: str, currency: str, price: Decimal) -> offer_pb2.Offer:
    stops = number % 3
    carrier = CARRIERS[number % len(CARRIERS)]
    segments = [
        offer_pb2.Segment(
            marketing_carrier=offer_pb2.Carrier(iata_code=carrier),
            marketing_flight_number=f"{number % 9000 + 100}{leg}",
            departure_local_time=f"2027-03-{1 + number % 28:02d}T{leg * 3 + 6:02d}:00:00",
        )
        for leg in range(stops + 1)
    ]
    flight_slice = offer_pb2.Slice(
        segments=segments,
        duration=duration_pb2.Duration(seconds=(7 + stops * 3 + number % 5) * 3600),
    )
    return offer_pb2.Offer(
        provider_prices=[
            common_pb2.ProviderPrice(
                provider=provider, price=common_pb2.Price(total=to_money(price, currency))
            )
        ],
        flight=offer_pb2.FlightDetails(slices=[flight_slice]),
    )


def batches(n: int) -> list[list[offer_pb2.Offer]]:
    """n offers in three suppliers' batches of 50; a third of the itineraries repeat."""
    offers: list[offer_pb2.Offer] = []
    distinct = max(1, math.ceil(n * 2 / 3))
    for index in range(n):
        provider, currency = SUPPLIERS[index % 3]
        number = index if index < distinct else (index * 7919) % distinct
        price = Decimal(200 + (index * 37) % 900) + Decimal(index % 100) / 100
        offers.append(_offer(number, provider, currency, price))
    return [offers[i : i + 50] for i in range(0, n, 50)]


def _merge_all(prepared: list[list[offer_pb2.Offer]]) -> int:
    fx = FxTable({"EUR": Decimal(1), "USD": Decimal("0.92")})
    book = OfferBook("EUR", fx, ExactMatcher())
    for batch in prepared:
        book.merge(batch)
    return len(book.ranked())


def measure(n: int, repeats: int = 3) -> dict[str, float]:
    """Seconds to merge and rank n offers (best of ``repeats``), and the peak memory."""
    best = math.inf
    for _ in range(repeats):
        prepared = batches(n)
        gc.collect()
        started = time.perf_counter()
        _merge_all(prepared)
        best = min(best, time.perf_counter() - started)
    prepared = batches(n)
    gc.collect()
    tracemalloc.start()
    _merge_all(prepared)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"n": n, "seconds": best, "peak_mib": peak / 2**20}
