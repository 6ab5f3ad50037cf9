"""The flight adapters by supplier code, built once per HTTP session.

Building never fails for want of credentials: an adapter without them raises
``AuthenticationError`` ("not configured") when asked to search, before any call is made, so
that one unconfigured supplier is reported as such and the others still serve.
"""

from __future__ import annotations

import aiohttp

from guidera_grpc.config import Settings
from guidera_grpc.providers.amadeus import AmadeusFlights
from guidera_grpc.providers.base import FlightProvider
from guidera_grpc.providers.duffel import DuffelFlights
from guidera_grpc.providers.kiwi import KiwiFlights


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
