"""Search, re-price, book exactly once, list and cancel, through a real server, with the
suppliers' booking flows in the sandbox over HTTP."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import grpc
import pytest
from guidera.v1 import (
    booking_service_pb2,
    booking_service_pb2_grpc,
    common_pb2,
    offer_pb2,
    offer_service_pb2,
    offer_service_pb2_grpc,
    search_service_pb2,
)

from guidera_grpc.server import GuideraServer
from tests.searching import collect, days_ahead, hotel_request, of_kind
from tests.server_fixtures import SandboxControl

if TYPE_CHECKING:
    from guidera.v1.booking_service_pb2_grpc import BookingServiceAsyncStub
    from guidera.v1.search_service_pb2_grpc import SearchServiceAsyncStub

HOTEL_SELLERS = ("expedia", "hotelbeds")


async def _hotel_offer(search: SearchServiceAsyncStub, seller: str, day: int) -> offer_pb2.Offer:
    request = hotel_request(check_in=day, providers=(seller,))
    arrivals = await collect(search.Search(request, timeout=20))
    offers = [r.offer for a in of_kind(arrivals, "offers") for r in a.event.offers.offers]
    assert offers, f"{seller} sold no hotel"
    return offers[0]


def _traveler() -> booking_service_pb2.Traveler:
    return booking_service_pb2.Traveler(
        given_name="Ada",
        family_name="Lovelace",
        birth_date="1985-12-10",
        email="ada@example.com",
        phone="+447700900123",
    )


def _book(offer_id: str, key: str) -> booking_service_pb2.BookRequest:
    return booking_service_pb2.BookRequest(
        idempotency_key=key,
        offer_id=offer_id,
        travelers=[_traveler()],
        payment_token="tok_test_4242",
        traveler_ref="customer-flow",
    )


@pytest.fixture
def booking_stub(channel: grpc.aio.Channel) -> BookingServiceAsyncStub:
    return booking_service_pb2_grpc.BookingServiceStub(channel)


async def _supplier_bookings(control: SandboxControl) -> list[dict[str, str]]:
    async with control.http.get("/_sandbox/bookings") as response:
        listed: list[dict[str, str]] = (await response.json())["bookings"]
        return listed


@pytest.mark.parametrize("seller", HOTEL_SELLERS)
async def test_a_hotel_is_re_priced_booked_listed_and_cancelled(
    search_stub: SearchServiceAsyncStub,
    booking_stub: BookingServiceAsyncStub,
    channel: grpc.aio.Channel,
    sandbox_control: SandboxControl,
    seller: str,
) -> None:
    offer = await _hotel_offer(search_stub, seller, 45)
    offers = offer_service_pb2_grpc.OfferServiceStub(channel)

    priced = await offers.GetOffer(offer_service_pb2.GetOfferRequest(offer_id=offer.offer_id))
    booked = (await booking_stub.Book(_book(offer.offer_id, f"flow-{seller}"), timeout=30)).booking

    assert not priced.price_changed
    assert priced.offer.price.display_total == offer.price.display_total
    assert booked.status == booking_service_pb2.BOOKING_STATUS_CONFIRMED
    assert booked.provider == seller
    assert booked.supplier_reference
    listed = await booking_stub.ListBookings(
        booking_service_pb2.ListBookingsRequest(traveler_ref="customer-flow")
    )
    assert booked.booking_id in {b.booking_id for b in listed.bookings}
    cancelled = await booking_stub.CancelBooking(
        booking_service_pb2.CancelBookingRequest(booking_id=booked.booking_id), timeout=30
    )
    assert cancelled.booking.status == booking_service_pb2.BOOKING_STATUS_CANCELLED
    at_supplier = await _supplier_bookings(sandbox_control)
    assert [b["status"] for b in at_supplier if b["supplier"] == seller] == ["cancelled"]


async def test_a_hundred_concurrent_calls_with_one_key_book_once(
    search_stub: SearchServiceAsyncStub,
    booking_stub: BookingServiceAsyncStub,
    sandbox_control: SandboxControl,
) -> None:
    offer = await _hotel_offer(search_stub, "hotelbeds", 50)
    request = _book(offer.offer_id, "one-key-for-a-hundred")

    answers = await asyncio.gather(*(booking_stub.Book(request, timeout=60) for _ in range(100)))

    assert len({a.booking.booking_id for a in answers}) == 1
    assert {a.booking.status for a in answers} == {booking_service_pb2.BOOKING_STATUS_CONFIRMED}
    assert len(await _supplier_bookings(sandbox_control)) == 1


async def test_the_same_key_with_another_request_is_refused(
    search_stub: SearchServiceAsyncStub, booking_stub: BookingServiceAsyncStub
) -> None:
    offer = await _hotel_offer(search_stub, "hotelbeds", 52)
    await booking_stub.Book(_book(offer.offer_id, "key-reused"), timeout=30)
    other = _book(offer.offer_id, "key-reused")
    other.traveler_ref = "someone-else"

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await booking_stub.Book(other, timeout=30)

    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_a_changed_price_is_refused_until_confirmed(
    search_stub: SearchServiceAsyncStub,
    booking_stub: BookingServiceAsyncStub,
    channel: grpc.aio.Channel,
    sandbox_control: SandboxControl,
) -> None:
    """A new price is FAILED_PRECONDITION and books nothing; confirmed, it books."""
    offer = await _hotel_offer(search_stub, "hotelbeds", 54)
    await sandbox_control.set("hotelbeds", price_change_rate=1.0)

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await booking_stub.Book(_book(offer.offer_id, "price-moved"), timeout=30)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert await _supplier_bookings(sandbox_control) == []

    offers = offer_service_pb2_grpc.OfferServiceStub(channel)
    priced = await offers.GetOffer(offer_service_pb2.GetOfferRequest(offer_id=offer.offer_id))
    assert priced.price_changed
    confirmed = _book(offer.offer_id, "price-moved")
    confirmed.expected_total.CopyFrom(priced.offer.price.total)
    booked = (await booking_stub.Book(confirmed, timeout=30)).booking

    assert booked.status == booking_service_pb2.BOOKING_STATUS_CONFIRMED
    assert len(await _supplier_bookings(sandbox_control)) == 1


async def test_a_cheaper_seller_that_takes_no_bookings_is_not_booked_at_its_price(
    search_stub: SearchServiceAsyncStub,
    booking_stub: BookingServiceAsyncStub,
    channel: grpc.aio.Channel,
    sandbox_control: SandboxControl,
) -> None:
    """A hotel Amadeus (no hotel bookings here) sells cheapest and Expedia also sells: the
    search shows Amadeus's price, so Expedia's is a change to confirm, not a silent charge."""
    request = hotel_request(check_in=47, providers=("amadeus", "expedia"))
    arrivals = await collect(search_stub.Search(request, timeout=20))
    offer = next(
        r.offer
        for a in of_kind(arrivals, "offers")
        for r in a.event.offers.offers
        if [p.provider for p in r.offer.provider_prices] == ["amadeus", "expedia"]
    )

    priced = await offer_service_pb2_grpc.OfferServiceStub(channel).GetOffer(
        offer_service_pb2.GetOfferRequest(offer_id=offer.offer_id)
    )
    assert priced.offer.provider_prices[0].provider == "expedia"
    assert priced.price_changed
    assert priced.previous_total == offer.price.total
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await booking_stub.Book(_book(offer.offer_id, "cheaper-elsewhere"), timeout=30)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert await _supplier_bookings(sandbox_control) == []

    confirmed = _book(offer.offer_id, "cheaper-elsewhere")
    confirmed.expected_total.CopyFrom(priced.offer.price.total)
    booked = (await booking_stub.Book(confirmed, timeout=30)).booking
    assert booked.status == booking_service_pb2.BOOKING_STATUS_CONFIRMED
    assert booked.provider == "expedia"


async def test_a_lost_confirmation_is_settled_by_reconciliation(
    search_stub: SearchServiceAsyncStub,
    booking_stub: BookingServiceAsyncStub,
    sandbox_control: SandboxControl,
    server: GuideraServer,
) -> None:
    """The supplier books but its answer is lost: the booking is unknown, never retried or
    sent elsewhere, and reconciliation finds and confirms it."""
    offer = await _hotel_offer(search_stub, "hotelbeds", 56)
    await sandbox_control.set("hotelbeds", fail_after_book_rate=1.0)

    booked = (await booking_stub.Book(_book(offer.offer_id, "answer-lost"), timeout=30)).booking
    assert booked.status == booking_service_pb2.BOOKING_STATUS_UNKNOWN
    assert len(await _supplier_bookings(sandbox_control)) == 1

    reconciler = server.runtime.reconciler
    assert reconciler is not None
    assert await reconciler.run_once() >= 1

    settled = await booking_stub.GetBooking(
        booking_service_pb2.GetBookingRequest(booking_id=booked.booking_id)
    )
    assert settled.booking.status == booking_service_pb2.BOOKING_STATUS_CONFIRMED
    assert len(await _supplier_bookings(sandbox_control)) == 1


async def _flight_offer(
    search: SearchServiceAsyncStub, seller: str, adults: int
) -> offer_pb2.Offer:
    request = search_service_pb2.SearchRequest(
        flights=search_service_pb2.FlightQuery(
            slices=[
                search_service_pb2.SliceQuery(
                    origin="JFK", destination="LHR", departure_date=days_ahead(61)
                )
            ],
            travelers=common_pb2.Travelers(adults=adults),
        )
    )
    request.options.refresh = True
    request.options.providers.append(seller)
    arrivals = await collect(search.Search(request, timeout=20))
    offers = [r.offer for a in of_kind(arrivals, "offers") for r in a.event.offers.offers]
    assert offers, f"{seller} sold no flight"
    return offers[0]


@pytest.mark.parametrize("seller", ["amadeus", "duffel", "kiwi"])
async def test_a_flight_for_two_is_booked_at_the_price_the_search_showed(
    search_stub: SearchServiceAsyncStub,
    booking_stub: BookingServiceAsyncStub,
    sandbox_control: SandboxControl,
    seller: str,
) -> None:
    offer = await _flight_offer(search_stub, seller, adults=2)
    request = _book(offer.offer_id, f"flight-{seller}")
    second = booking_service_pb2.Traveler()
    second.CopyFrom(_traveler())
    second.given_name = "Charles"
    second.family_name = "Babbage"
    second.birth_date = "1981-12-26"
    request.travelers.append(second)

    booked = (await booking_stub.Book(request, timeout=30)).booking

    assert booked.status == booking_service_pb2.BOOKING_STATUS_CONFIRMED
    assert booked.provider == seller
    at_supplier = await _supplier_bookings(sandbox_control)
    assert [b["supplier"] for b in at_supplier] == [seller]


async def test_a_client_that_gives_up_does_not_lose_the_booking(
    search_stub: SearchServiceAsyncStub,
    booking_stub: BookingServiceAsyncStub,
    sandbox_control: SandboxControl,
) -> None:
    """The client's deadline passes while the supplier confirms slowly: the booking still
    settles as confirmed, and one supplier booking exists."""
    offer = await _hotel_offer(search_stub, "hotelbeds", 58)
    await sandbox_control.set("hotelbeds", book_latency="1500ms")
    request = _book(offer.offer_id, "client-gave-up")
    request.traveler_ref = "customer-gave-up"

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await booking_stub.Book(request, timeout=0.7)
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED

    listed = None
    for _ in range(60):
        listed = await booking_stub.ListBookings(
            booking_service_pb2.ListBookingsRequest(traveler_ref="customer-gave-up")
        )
        if (
            listed.bookings
            and listed.bookings[0].status != booking_service_pb2.BOOKING_STATUS_PENDING
        ):
            break
        await asyncio.sleep(0.1)
    assert listed is not None
    assert [b.status for b in listed.bookings] == [booking_service_pb2.BOOKING_STATUS_CONFIRMED]
    assert len(await _supplier_bookings(sandbox_control)) == 1


async def test_cancelling_twice_at_once_cancels_once(
    search_stub: SearchServiceAsyncStub,
    booking_stub: BookingServiceAsyncStub,
    sandbox_control: SandboxControl,
) -> None:
    offer = await _hotel_offer(search_stub, "hotelbeds", 60)
    booked = (await booking_stub.Book(_book(offer.offer_id, "cancel-race"), timeout=30)).booking
    cancel = booking_service_pb2.CancelBookingRequest(booking_id=booked.booking_id)

    answers = await asyncio.gather(
        *(booking_stub.CancelBooking(cancel, timeout=30) for _ in range(5))
    )

    assert {a.booking.status for a in answers} == {booking_service_pb2.BOOKING_STATUS_CANCELLED}


async def test_a_page_token_out_of_range_is_invalid(booking_stub: BookingServiceAsyncStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await booking_stub.ListBookings(
            booking_service_pb2.ListBookingsRequest(
                traveler_ref="anyone", page_token="0001-01-01T00:00:00+14:00"
            )
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_booking_is_counted_in_the_spend(
    search_stub: SearchServiceAsyncStub,
    booking_stub: BookingServiceAsyncStub,
    sandbox_control: SandboxControl,
    server_dsn: str,
) -> None:
    """Confirmed bookings add to the supplier's bookings of the day (earlier tests' bookings
    may land in the same count while it syncs, hence "more", not "one more")."""
    import asyncpg

    async def booked_today() -> int:
        connection = await asyncpg.connect(server_dsn)
        try:
            count = await connection.fetchval(
                "SELECT coalesce(sum(bookings), 0) FROM provider_costs"
                " WHERE provider = 'hotelbeds' AND period_type = 'day'"
            )
            return int(count)
        finally:
            await connection.close()

    before = await booked_today()
    offer = await _hotel_offer(search_stub, "hotelbeds", 62)
    await booking_stub.Book(_book(offer.offer_id, "counted"), timeout=30)

    for _ in range(50):
        if await booked_today() > before:
            break
        await asyncio.sleep(0.1)
    assert await booked_today() > before
