"""An experience searched in Rome, booked once through Viator and cancelled, through a real
server, with Viator's booking flow in the sandbox over HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
from guidera.v1 import (
    booking_service_pb2,
    booking_service_pb2_grpc,
    offer_pb2,
    search_service_pb2,
)

from tests.searching import collect, days_ahead, of_kind
from tests.server_fixtures import SandboxControl

if TYPE_CHECKING:
    from guidera.v1.search_service_pb2_grpc import SearchServiceAsyncStub


async def _viator_experience(search: SearchServiceAsyncStub) -> offer_pb2.Offer:
    request = search_service_pb2.SearchRequest(
        experiences=search_service_pb2.ExperienceQuery(
            city_code="ROM", from_date=days_ahead(40), to_date=days_ahead(42)
        )
    )
    request.options.refresh = True
    request.options.providers.append("viator")
    arrivals = await collect(search.Search(request, timeout=20))
    offers = [r.offer for a in of_kind(arrivals, "offers") for r in a.event.offers.offers]
    sold = [o for o in offers if [p.provider for p in o.provider_prices] == ["viator"]]
    assert sold, "viator sold no experience in Rome"
    return sold[0]


async def test_an_experience_is_booked_once_through_viator_and_cancelled(
    search_stub: SearchServiceAsyncStub,
    channel: grpc.aio.Channel,
    sandbox_control: SandboxControl,
) -> None:
    """One traveler, one key: confirmed, exactly one booking at Viator, then cancelled."""
    offer = await _viator_experience(search_stub)
    bookings = booking_service_pb2_grpc.BookingServiceStub(channel)
    request = booking_service_pb2.BookRequest(
        idempotency_key="experience-viator-flow",
        offer_id=offer.offer_id,
        travelers=[
            booking_service_pb2.Traveler(
                given_name="Grace",
                family_name="Hopper",
                birth_date="1986-12-09",
                email="grace@example.com",
                phone="+15555550123",
            )
        ],
        payment_token="tok_test_4242",
        traveler_ref="customer-experience-flow",
    )

    booked = (await bookings.Book(request, timeout=30)).booking

    assert booked.status == booking_service_pb2.BOOKING_STATUS_CONFIRMED
    assert booked.provider == "viator"
    async with sandbox_control.http.get("/_sandbox/bookings") as response:
        at_supplier = (await response.json())["bookings"]
    assert [(b["supplier"], b["status"]) for b in at_supplier] == [("viator", "confirmed")]

    cancelled = await bookings.CancelBooking(
        booking_service_pb2.CancelBookingRequest(booking_id=booked.booking_id), timeout=30
    )
    assert cancelled.booking.status == booking_service_pb2.BOOKING_STATUS_CANCELLED
