"""A car searched at LHR is re-priced, booked exactly once, listed and cancelled through a real
server, with CarTrawler's reservation messages answered by the sandbox over HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
from guidera.v1 import (
    booking_service_pb2,
    booking_service_pb2_grpc,
    offer_pb2,
    offer_service_pb2,
    offer_service_pb2_grpc,
    search_service_pb2,
)

from tests.searching import collect, days_ahead, of_kind
from tests.server_fixtures import SandboxControl

if TYPE_CHECKING:
    from guidera.v1.search_service_pb2_grpc import SearchServiceAsyncStub


async def _car_offer(search: SearchServiceAsyncStub) -> offer_pb2.Offer:
    """The first car CarTrawler rents at Heathrow for three days, six weeks ahead."""
    request = search_service_pb2.SearchRequest(
        cars=search_service_pb2.CarQuery(
            pick_up_location="LHR",
            drop_off_location="LHR",
            pick_up_local_time=f"{days_ahead(42)}T10:00:00",
            drop_off_local_time=f"{days_ahead(45)}T10:00:00",
        )
    )
    request.options.refresh = True
    request.options.providers.append("cartrawler")
    arrivals = await collect(search.Search(request, timeout=20))
    offers = [r.offer for a in of_kind(arrivals, "offers") for r in a.event.offers.offers]
    assert offers, "cartrawler rented no car"
    return offers[0]


async def test_a_car_is_re_priced_booked_once_and_cancelled(
    search_stub: SearchServiceAsyncStub,
    channel: grpc.aio.Channel,
    sandbox_control: SandboxControl,
) -> None:
    """GetOffer keeps the price, Book confirms one reservation, Cancel cancels it there too."""
    offer = await _car_offer(search_stub)
    offers = offer_service_pb2_grpc.OfferServiceStub(channel)
    bookings = booking_service_pb2_grpc.BookingServiceStub(channel)
    driver = booking_service_pb2.Traveler(
        given_name="Ada",
        family_name="Lovelace",
        birth_date="1985-12-10",
        email="ada@example.com",
        phone="+447700900123",
    )
    request = booking_service_pb2.BookRequest(
        idempotency_key="flow-cartrawler",
        offer_id=offer.offer_id,
        travelers=[driver],
        payment_token="tok_test_4242",
        traveler_ref="customer-car-flow",
    )

    priced = await offers.GetOffer(offer_service_pb2.GetOfferRequest(offer_id=offer.offer_id))
    booked = (await bookings.Book(request, timeout=30)).booking
    again = (await bookings.Book(request, timeout=30)).booking

    assert not priced.price_changed
    assert booked.status == booking_service_pb2.BOOKING_STATUS_CONFIRMED
    assert booked.provider == "cartrawler"
    assert booked.supplier_reference
    assert again.booking_id == booked.booking_id
    async with sandbox_control.http.get("/_sandbox/bookings") as response:
        at_supplier = (await response.json())["bookings"]
    assert [(b["supplier"], b["status"]) for b in at_supplier] == [("cartrawler", "confirmed")]

    cancelled = await bookings.CancelBooking(
        booking_service_pb2.CancelBookingRequest(booking_id=booked.booking_id), timeout=30
    )
    assert cancelled.booking.status == booking_service_pb2.BOOKING_STATUS_CANCELLED
    async with sandbox_control.http.get("/_sandbox/bookings") as response:
        after = (await response.json())["bookings"]
    assert [b["status"] for b in after] == ["cancelled"]
