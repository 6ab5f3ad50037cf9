"""The booking adapters by category and supplier code, for the suppliers configured."""

from __future__ import annotations

from decimal import Decimal

import aiohttp
from guidera.v1 import offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.providers.amadeus import AmadeusFlights
from guidera_grpc.providers.amadeus_booking import AmadeusFlightBooking
from guidera_grpc.providers.booking import BookingProvider
from guidera_grpc.providers.cartrawler_booking import CarTrawlerBooking
from guidera_grpc.providers.duffel_booking import DuffelFlightBooking
from guidera_grpc.providers.expedia_booking import ExpediaHotelBooking
from guidera_grpc.providers.flight_booking_support import Party
from guidera_grpc.providers.getyourguide_booking import GetYourGuideBooking
from guidera_grpc.providers.hotelbeds_booking import HotelbedsHotelBooking
from guidera_grpc.providers.kiwi_booking import KiwiFlightBooking
from guidera_grpc.providers.registry import DEFAULT_HOTELBEDS_MARKUP, is_configured
from guidera_grpc.providers.viator_booking import ViatorBooking


def build_booking_providers(
    session: aiohttp.ClientSession,
    settings: Settings,
    amadeus: AmadeusFlights | None,
    *,
    hotelbeds_markup: Decimal = DEFAULT_HOTELBEDS_MARKUP,
) -> dict[str, dict[str, BookingProvider]]:
    """Every configured supplier's booking adapter, by category then code."""
    candidates: dict[str, list[BookingProvider]] = {
        "flights": [
            PricedForParty(AmadeusFlightBooking(session, settings, login=amadeus)),
            DuffelFlightBooking(session, settings),
            PricedForParty(KiwiFlightBooking(session, settings)),
        ],
        "hotels": [
            ExpediaHotelBooking(session, settings),
            HotelbedsHotelBooking(session, settings, markup_percent=hotelbeds_markup),
        ],
        "cars": [CarTrawlerBooking(session, settings)],
        "experiences": [
            ViatorBooking(session, settings),
            GetYourGuideBooking(session, settings),
        ],
    }
    return {
        category: {p.code: p for p in adapters if is_configured(p.code, category, settings)}
        for category, adapters in candidates.items()
    }


class PricedForParty:
    """A flight booking adapter whose re-pricing needs the party the offer was found for."""

    def __init__(self, inner: AmadeusFlightBooking | KiwiFlightBooking) -> None:
        self._inner = inner
        self.code = inner.code
        self.book = inner.book
        self.find = inner.find
        self.cancel = inner.cancel

    async def price(self, offer: offer_pb2.Offer, *, timeout_s: float) -> offer_pb2.Offer:
        """Re-price for the adults, children and infants the search asked about."""
        party = Party(
            adults=max(offer.travelers.adults, 1),
            children=len(offer.travelers.child_ages),
            infants=offer.travelers.infants,
        )
        return await self._inner.price(offer, timeout_s=timeout_s, party=party)
