"""The seams between the search executor and the supplier adapters: one Protocol a category.

Each search method returns normalized offers: each carries one ProviderPrice (this
supplier's) and no offer_id yet, since identity across suppliers is the aggregator's call. It
raises only :class:`guidera_grpc.providers.errors.ProviderError` subclasses, and never retries.
"""

from __future__ import annotations

from typing import Protocol

from guidera.v1 import offer_pb2

from guidera_grpc.search.params import (
    CarSearch,
    ExperienceSearch,
    FlightSearch,
    HotelSearch,
)


class FlightProvider(Protocol):
    """A supplier that sells flights."""

    code: str

    async def search_flights(
        self, search: FlightSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]: ...


class HotelProvider(Protocol):
    """A supplier that sells hotel stays."""

    code: str

    async def search_hotels(
        self, search: HotelSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]: ...


class CarProvider(Protocol):
    """A supplier that rents cars."""

    code: str

    async def search_cars(
        self, search: CarSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]: ...


class ExperienceProvider(Protocol):
    """A supplier that sells tours, activities and tickets."""

    code: str

    async def search_experiences(
        self, search: ExperienceSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]: ...
