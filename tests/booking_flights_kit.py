"""What the flight booking tests share: adapters on the sandbox, a search, travelers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import aiohttp
from guidera.v1 import booking_service_pb2, offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.providers.amadeus import AmadeusFlights
from guidera_grpc.providers.amadeus_booking import AmadeusFlightBooking
from guidera_grpc.providers.booking import BookingProvider, SupplierBooking
from guidera_grpc.providers.duffel import DuffelFlights
from guidera_grpc.providers.duffel_booking import DuffelFlightBooking
from guidera_grpc.providers.kiwi import KiwiFlights
from guidera_grpc.providers.kiwi_booking import KiwiFlightBooking
from guidera_grpc.search.params import FlightSearch, SliceSpec
from tests.server_fixtures import SandboxControl

SUPPLIERS = ("amadeus", "duffel", "kiwi")
DEPARTURE = dt.date.today() + dt.timedelta(days=60)
ONE_WAY = FlightSearch(slices=(SliceSpec("JFK", "LHR", DEPARTURE),), adults=1)
PASSPORT = "X98765432"
ADA = booking_service_pb2.Traveler(
    given_name="Adalind",
    family_name="Quillfeather",
    birth_date="1988-04-21",
    gender="f",
    email="adalind.quillfeather@example.org",
    phone="+442071234567",
    documents=[
        booking_service_pb2.TravelDocument(
            type="PASSPORT",
            number=PASSPORT,
            expiry_date="2033-01-31",
            issuing_country_code="GB",
            nationality_country_code="GB",
        )
    ],
)
PERSONAL_DATA = ("Adalind", "Quillfeather", "1988-04-21", "adalind.quillfeather", "2071234567")


class Pair:
    """One supplier's search adapter and booking adapter, sharing a session and login."""

    def __init__(self, code: str, http: aiohttp.ClientSession, settings: Settings) -> None:
        self.code = code
        if code == "amadeus":
            login = AmadeusFlights(http, settings)
            self.search: AmadeusFlights | DuffelFlights | KiwiFlights = login
            self.booking: BookingProvider = AmadeusFlightBooking(http, settings, login=login)
        elif code == "duffel":
            self.search = DuffelFlights(http, settings)
            self.booking = DuffelFlightBooking(http, settings)
        else:
            self.search = KiwiFlights(http, settings)
            self.booking = KiwiFlightBooking(http, settings, poll_interval_s=0.05)

    async def offers(self, search: FlightSearch = ONE_WAY) -> list[offer_pb2.Offer]:
        """The supplier's offers for ``search``, at least one."""
        found = await self.search.search_flights(search, timeout_s=10)
        assert found, f"{self.code} found nothing"
        return found

    async def book(
        self,
        offer: offer_pb2.Offer,
        reference: str,
        travelers: Sequence[booking_service_pb2.Traveler] = (ADA,),
        *,
        hold: bool = False,
        timeout_s: float = 10,
    ) -> SupplierBooking:
        """Book ``offer`` for ``travelers`` under ``reference``."""
        return await self.booking.book(
            offer,
            travelers,
            payment_token="tok_sandbox_visa",
            our_reference=reference,
            hold=hold,
            timeout_s=timeout_s,
        )


async def sandbox_bookings(control: SandboxControl, supplier: str) -> list[dict[str, object]]:
    """The bookings the sandbox says ``supplier`` made."""
    async with control.http.get("/_sandbox/bookings", params={"supplier": supplier}) as reply:
        assert reply.status == 200
        body: dict[str, list[dict[str, object]]] = await reply.json()
        return body["bookings"]
