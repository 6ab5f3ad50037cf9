"""The adapters by category and supplier code, built once per HTTP session.

A supplier whose credentials for a category are not configured gets no adapter for it, so
routing leaves it out and says why, instead of calling it to fail. Each adapter is reached
through one search call per category, so the executor needs to know nothing of suppliers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import aiohttp
from guidera.v1 import offer_pb2
from pydantic import SecretStr

from guidera_grpc.config import Settings
from guidera_grpc.providers.amadeus import AmadeusFlights
from guidera_grpc.providers.amadeus_hotels import AmadeusHotels
from guidera_grpc.providers.base import (
    CarProvider,
    ExperienceProvider,
    FlightProvider,
    HotelProvider,
)
from guidera_grpc.providers.cartrawler import CarTrawlerCars
from guidera_grpc.providers.duffel import DuffelFlights
from guidera_grpc.providers.expedia import ExpediaHotels
from guidera_grpc.providers.getyourguide import GetYourGuideExperiences
from guidera_grpc.providers.hotelbeds_activities import HotelbedsActivities
from guidera_grpc.providers.hotelbeds_hotels import HotelbedsHotels
from guidera_grpc.providers.kiwi import KiwiFlights
from guidera_grpc.providers.viator import ViatorExperiences
from guidera_grpc.search.params import (
    CarSearch,
    ExperienceSearch,
    FlightSearch,
    HotelSearch,
    SearchParams,
)

SearchCall = Callable[[SearchParams, float], Awaitable[list[offer_pb2.Offer]]]

#: The settings each supplier needs, per category, before it can be called.
REQUIRED_SETTINGS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("amadeus", "flights"): ("amadeus_client_id", "amadeus_client_secret"),
    ("amadeus", "hotels"): ("amadeus_client_id", "amadeus_client_secret"),
    ("duffel", "flights"): ("duffel_access_token",),
    ("kiwi", "flights"): ("kiwi_api_key",),
    ("expedia", "hotels"): ("expedia_api_key", "expedia_shared_secret"),
    ("hotelbeds", "hotels"): ("hotelbeds_api_key", "hotelbeds_secret"),
    ("hotelbeds", "experiences"): (
        "hotelbeds_activities_api_key",
        "hotelbeds_activities_secret",
    ),
    ("getyourguide", "experiences"): ("getyourguide_access_token",),
    ("viator", "experiences"): ("viator_api_key",),
    ("cartrawler", "cars"): ("cartrawler_client_id",),
}

#: A wholesaler's net rates get this markup unless the registry says otherwise.
DEFAULT_HOTELBEDS_MARKUP = Decimal("17.5")


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


def serves(code: str, category: str) -> bool:
    """Whether this service has an adapter of ``code`` for ``category``."""
    return (code, category) in REQUIRED_SETTINGS


def is_configured(code: str, category: str, settings: Settings) -> bool:
    """Whether every credential the supplier needs for the category is set."""
    names = REQUIRED_SETTINGS.get((code, category))
    if names is None:
        return False
    for name in names:
        value = getattr(settings, name)
        if not isinstance(value, SecretStr) or not value.get_secret_value():
            return False
    return True


def build_providers(
    session: aiohttp.ClientSession,
    settings: Settings,
    *,
    hotelbeds_markup: Decimal = DEFAULT_HOTELBEDS_MARKUP,
) -> ProviderSet:
    """Every configured supplier's adapters, all sharing ``session``."""
    amadeus = AmadeusFlights(session, settings)
    flights: list[FlightProvider] = [amadeus, DuffelFlights(session, settings)]
    flights.append(KiwiFlights(session, settings))
    hotels: list[HotelProvider] = [
        AmadeusHotels(session, settings, login=amadeus),
        ExpediaHotels(session, settings),
        HotelbedsHotels(session, settings, markup_percent=hotelbeds_markup),
    ]
    cars: list[CarProvider] = [CarTrawlerCars(session, settings)]
    experiences: list[ExperienceProvider] = [
        GetYourGuideExperiences(session, settings),
        ViatorExperiences(session, settings),
        HotelbedsActivities(session, settings),
    ]
    calls: dict[str, dict[str, SearchCall]] = {
        "flights": {p.code: _flight_call(p) for p in flights},
        "hotels": {p.code: _hotel_call(p) for p in hotels},
        "cars": {p.code: _car_call(p) for p in cars},
        "experiences": {p.code: _experience_call(p) for p in experiences},
    }
    configured = {
        category: {
            code: call for code, call in by_code.items() if is_configured(code, category, settings)
        }
        for category, by_code in calls.items()
    }
    return ProviderSet(configured)


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


def _hotel_call(provider: HotelProvider) -> SearchCall:
    async def call(params: SearchParams, timeout_s: float) -> list[offer_pb2.Offer]:
        assert isinstance(params, HotelSearch)
        return await provider.search_hotels(params, timeout_s=timeout_s)

    return call


def _car_call(provider: CarProvider) -> SearchCall:
    async def call(params: SearchParams, timeout_s: float) -> list[offer_pb2.Offer]:
        assert isinstance(params, CarSearch)
        return await provider.search_cars(params, timeout_s=timeout_s)

    return call


def _experience_call(provider: ExperienceProvider) -> SearchCall:
    async def call(params: SearchParams, timeout_s: float) -> list[offer_pb2.Offer]:
        assert isinstance(params, ExperienceSearch)
        return await provider.search_experiences(params, timeout_s=timeout_s)

    return call
