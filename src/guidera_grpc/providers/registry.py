"""The adapters by category and supplier code, built once per HTTP session.

A supplier whose credentials are not configured gets no adapter, so routing leaves it out
and says why, instead of calling it to fail. Each adapter is reached through one search call
per category, so the executor needs to know nothing about suppliers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import aiohttp
from guidera.v1 import offer_pb2
from pydantic import SecretStr

from guidera_grpc.config import Settings
from guidera_grpc.providers.amadeus import AmadeusFlights
from guidera_grpc.providers.base import FlightProvider
from guidera_grpc.providers.duffel import DuffelFlights
from guidera_grpc.providers.kiwi import KiwiFlights
from guidera_grpc.search.params import FlightSearch, SearchParams

SearchCall = Callable[[SearchParams, float], Awaitable[list[offer_pb2.Offer]]]

#: The settings each supplier needs before it can be called.
REQUIRED_SETTINGS: Mapping[str, tuple[str, ...]] = {
    "amadeus": ("amadeus_client_id", "amadeus_client_secret"),
    "duffel": ("duffel_access_token",),
    "kiwi": ("kiwi_api_key",),
}


@dataclass(frozen=True, slots=True)
class ProviderSet:
    """Search calls by category, then by supplier code."""

    calls: Mapping[str, Mapping[str, SearchCall]] = field(default_factory=dict)

    def for_category(self, category: str) -> Mapping[str, SearchCall]:
        """The suppliers that can search ``category``, by code."""
        return self.calls.get(category, {})

    def codes(self) -> list[str]:
        """Every supplier with at least one adapter."""
        return sorted({code for calls in self.calls.values() for code in calls})


def is_configured(code: str, settings: Settings) -> bool:
    """Whether every credential the supplier needs is set."""
    for name in REQUIRED_SETTINGS.get(code, ()):
        value = getattr(settings, name)
        if not isinstance(value, SecretStr) or not value.get_secret_value():
            return False
    return True


def build_providers(session: aiohttp.ClientSession, settings: Settings) -> ProviderSet:
    """Every configured supplier's adapters, all sharing ``session``."""
    flights = [
        provider
        for provider in build_flight_providers(session, settings).values()
        if is_configured(provider.code, settings)
    ]
    calls: dict[str, dict[str, SearchCall]] = {
        "flights": {p.code: _flight_call(p) for p in flights},
    }
    return ProviderSet(calls)


def build_flight_providers(
    session: aiohttp.ClientSession, settings: Settings
) -> dict[str, FlightProvider]:
    """``{"amadeus": ..., "duffel": ..., "kiwi": ...}``, all sharing ``session``."""
    providers: list[FlightProvider] = [
        AmadeusFlights(session, settings),
        DuffelFlights(session, settings),
        KiwiFlights(session, settings),
    ]
    return {provider.code: provider for provider in providers}


def _flight_call(provider: FlightProvider) -> SearchCall:
    async def call(params: SearchParams, timeout_s: float) -> list[offer_pb2.Offer]:
        assert isinstance(params, FlightSearch)
        return await provider.search_flights(params, timeout_s=timeout_s)

    return call
