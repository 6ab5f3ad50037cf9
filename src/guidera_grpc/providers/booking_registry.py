"""The booking adapters by category and supplier code, for the suppliers configured."""

from __future__ import annotations

import aiohttp

from guidera_grpc.config import Settings
from guidera_grpc.providers.amadeus import AmadeusFlights
from guidera_grpc.providers.booking import BookingProvider
from guidera_grpc.providers.registry import is_configured


def build_booking_providers(
    session: aiohttp.ClientSession, settings: Settings, amadeus: AmadeusFlights | None
) -> dict[str, dict[str, BookingProvider]]:
    """Every configured supplier's booking adapter, by category then code."""
    candidates: dict[str, list[BookingProvider]] = {
        "flights": [],
        "hotels": [],
        "cars": [],
        "experiences": [],
    }
    return {
        category: {p.code: p for p in adapters if is_configured(p.code, category, settings)}
        for category, adapters in candidates.items()
    }
