"""The seams between the search executor and the supplier adapters."""

from __future__ import annotations

from typing import Protocol

from guidera.v1 import offer_pb2

from guidera_grpc.search.params import FlightSearch


class FlightProvider(Protocol):
    """A supplier that sells flights.

    ``search_flights`` returns normalized offers: each carries one ProviderPrice (this
    supplier's) and no offer_id yet, since identity across suppliers is the aggregator's call.
    It raises only :class:`guidera_grpc.providers.errors.ProviderError` subclasses.
    """

    code: str

    async def search_flights(
        self, search: FlightSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]: ...
