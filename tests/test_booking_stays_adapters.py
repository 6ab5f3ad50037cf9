"""The hotel booking adapters (Hotelbeds, Expedia Rapid) against the sandbox over HTTP.

Each flow starts from a real search, re-prices, books, finds the booking by our reference and
cancels it; the booking knobs make prices move, rates sell out and answers get lost after the
supplier booked. ``sandbox_control`` resets knobs, counters and the booking ledger around each
test.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from guidera.v1 import booking_service_pb2, offer_pb2
from pydantic import SecretStr

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.money import to_decimal
from guidera_grpc.providers.booking import (
    BookingOutcomeUnknown,
    BookingProvider,
    OfferUnavailableError,
)
from guidera_grpc.providers.booking_support import PriceChangedError
from guidera_grpc.providers.errors import (
    AuthenticationError,
    InvalidRequestError,
    ProviderUnavailableError,
)
from guidera_grpc.providers.expedia import ExpediaHotels
from guidera_grpc.providers.expedia_booking import ExpediaHotelBooking
from guidera_grpc.providers.hotelbeds_booking import HotelbedsHotelBooking
from guidera_grpc.providers.hotelbeds_hotels import HotelbedsHotels
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.search.params import HotelSearch, RoomSpec
from tests.server_fixtures import SandboxControl

CHECK_IN = dt.date.today() + dt.timedelta(days=45)
FAMILY = HotelSearch("PAR", CHECK_IN, CHECK_IN + dt.timedelta(days=2), (RoomSpec(2, (8,)),))
TRAVELERS = (
    booking_service_pb2.Traveler(
        given_name="Ines",
        family_name="Quintanilla",
        birth_date="1984-05-17",
        email="ines.quintanilla@example.org",
        phone="+34600111222",
    ),
    booking_service_pb2.Traveler(
        given_name="Marco", family_name="Quintanilla", birth_date="1982-11-02"
    ),
    booking_service_pb2.Traveler(
        given_name="Lucia", family_name="Quintanilla", birth_date=f"{CHECK_IN.year - 8}-01-10"
    ),
)
SUPPLIERS = ("hotelbeds", "expedia")

Build = Callable[[Settings], BookingProvider]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def settings(sandbox: RunningSandbox, sandbox_control: SandboxControl) -> Settings:
    return Settings().with_sandbox(sandbox.url)


@pytest.fixture
def booking(http: aiohttp.ClientSession) -> dict[str, Build]:
    return {
        "hotelbeds": lambda s: HotelbedsHotelBooking(http, s),
        "expedia": lambda s: ExpediaHotelBooking(http, s),
    }


async def searched(http: aiohttp.ClientSession, settings: Settings, code: str) -> offer_pb2.Offer:
    """The first offer a real search at ``code`` returns."""
    search = (
        HotelbedsHotels(http, settings) if code == "hotelbeds" else ExpediaHotels(http, settings)
    )
    offers = await search.search_hotels(FAMILY, timeout_s=10)
    assert offers
    return offers[0]


def reference() -> str:
    return f"gd-{uuid.uuid4().hex[:20]}"


async def ledger(control: SandboxControl, supplier: str) -> list[dict[str, Any]]:
    async with control.http.get("/_sandbox/bookings", params={"supplier": supplier}) as response:
        body: dict[str, list[dict[str, Any]]] = await response.json()
        return body["bookings"]


async def book(adapter: BookingProvider, offer: offer_pb2.Offer, ours: str) -> Any:
    return await adapter.book(
        offer, TRAVELERS, payment_token="tok_visa_1", our_reference=ours, hold=False, timeout_s=10
    )


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_search_price_book_find_cancel(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    booking: dict[str, Build],
    sandbox_control: SandboxControl,
) -> None:
    """A searched offer re-prices unchanged, books once, is found by our reference, cancels."""
    offer = await searched(http, settings, code)
    adapter = booking[code](settings)

    priced = await adapter.price(offer, timeout_s=10)
    assert [p.provider for p in priced.provider_prices] == [code]
    assert priced.price.total == offer.price.total
    assert priced.offer_id == offer.offer_id

    ours = reference()
    made = await book(adapter, priced, ours)
    assert made.status == "confirmed"
    assert made.supplier_reference
    assert to_decimal(made.total) > 0

    found = await adapter.find(ours, timeout_s=10)
    assert found is not None
    assert (found.supplier_reference, found.status, found.our_reference) == (
        made.supplier_reference,
        "confirmed",
        ours,
    )
    assert await adapter.find(reference(), timeout_s=10) is None

    cancelled = await adapter.cancel(made.supplier_reference, timeout_s=10)
    assert cancelled.status == "cancelled"
    listed = await ledger(sandbox_control, code)
    assert [(b["our_reference"], b["status"]) for b in listed] == [(ours, "cancelled")]


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_a_moved_price_is_reported(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    booking: dict[str, Build],
    sandbox_control: SandboxControl,
) -> None:
    """With every price moved, re-pricing finds a higher total than the search."""
    offer = await searched(http, settings, code)
    await sandbox_control.set(code, price_change_rate=1.0)

    priced = await booking[code](settings).price(offer, timeout_s=10)

    assert to_decimal(priced.price.total) > to_decimal(offer.price.total)
    assert priced.price.total.currency_code == offer.price.total.currency_code


async def test_expedia_refuses_to_book_at_a_price_not_confirmed(
    http: aiohttp.ClientSession,
    settings: Settings,
    booking: dict[str, Build],
    sandbox_control: SandboxControl,
) -> None:
    """Rapid's price check before booking catches a price that moved: nothing is booked."""
    offer = await searched(http, settings, "expedia")
    await sandbox_control.set("expedia", price_change_rate=1.0)
    adapter = booking["expedia"](settings)

    with pytest.raises(PriceChangedError) as caught:
        await book(adapter, offer, reference())
    assert to_decimal(caught.value.new_total) > to_decimal(offer.price.total)
    assert await ledger(sandbox_control, "expedia") == []

    confirmed = await adapter.price(offer, timeout_s=10)
    assert (await book(adapter, confirmed, reference())).status == "confirmed"


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_sold_out_offers_are_unavailable(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    booking: dict[str, Build],
    sandbox_control: SandboxControl,
) -> None:
    """A sold-out rate fails re-pricing and booking with ``OfferUnavailableError``."""
    offer = await searched(http, settings, code)
    await sandbox_control.set(code, sold_out_rate=1.0)
    adapter = booking[code](settings)

    with pytest.raises(OfferUnavailableError):
        await adapter.price(offer, timeout_s=10)
    with pytest.raises(OfferUnavailableError):
        await book(adapter, offer, reference())
    assert await ledger(sandbox_control, code) == []


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_a_lost_answer_is_unknown_and_found_later(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    booking: dict[str, Build],
    sandbox_control: SandboxControl,
) -> None:
    """A booking whose answer is lost (500 or reset) is unknown; ``find`` then settles it."""
    offer = await searched(http, settings, code)
    await sandbox_control.set(code, fail_after_book_rate=1.0)
    adapter = booking[code](settings)

    for _ in range(3):
        ours = reference()
        with pytest.raises(BookingOutcomeUnknown):
            await book(adapter, offer, ours)
        found = await adapter.find(ours, timeout_s=10)
        assert found is not None
        assert found.status == "confirmed"
    assert len(await ledger(sandbox_control, code)) == 3


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_a_slow_confirmation_past_the_deadline_is_unknown(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    booking: dict[str, Build],
    sandbox_control: SandboxControl,
) -> None:
    """A booking that outlasts our deadline after sending is unknown, not failed."""
    offer = await searched(http, settings, code)
    adapter = booking[code](settings)
    priced = await adapter.price(offer, timeout_s=10)
    await sandbox_control.set(code, book_latency="1500ms")

    ours = reference()
    with pytest.raises(BookingOutcomeUnknown):
        await adapter.book(
            priced, TRAVELERS, payment_token="tok", our_reference=ours, hold=False, timeout_s=0.8
        )
    assert await adapter.find(ours, timeout_s=10) is not None


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_wrong_credentials_are_an_authentication_error(
    code: str, http: aiohttp.ClientSession, settings: Settings, booking: dict[str, Build]
) -> None:
    """Refused keys or signatures are ``AuthenticationError`` on every call."""
    offer = await searched(http, settings, code)
    field = "hotelbeds_secret" if code == "hotelbeds" else "expedia_shared_secret"
    wrong = settings.model_copy(update={field: SecretStr("not-the-secret")})
    adapter = booking[code](wrong)

    with pytest.raises(AuthenticationError) as caught:
        await adapter.price(offer, timeout_s=10)
    assert "not-the-secret" not in str(caught.value)
    with pytest.raises(AuthenticationError):
        await adapter.find(reference(), timeout_s=10)


async def test_expedia_holds_and_hotelbeds_refuses_to(
    http: aiohttp.ClientSession, settings: Settings, booking: dict[str, Build]
) -> None:
    """Rapid holds an itinerary on request; Hotelbeds has no hold and books nothing."""
    offer = await searched(http, settings, "expedia")
    held = await booking["expedia"](settings).book(
        offer, TRAVELERS, payment_token="tok", our_reference=reference(), hold=True, timeout_s=10
    )
    assert held.status == "held"

    hotelbeds_offer = await searched(http, settings, "hotelbeds")
    with pytest.raises(InvalidRequestError):
        await booking["hotelbeds"](settings).book(
            hotelbeds_offer,
            TRAVELERS,
            payment_token="tok",
            our_reference=reference(),
            hold=True,
            timeout_s=10,
        )


async def test_an_unreachable_supplier_booked_nothing(
    http: aiohttp.ClientSession, settings: Settings
) -> None:
    """A connection that never opened is a plain unavailable error, not an unknown outcome."""
    offer = await searched(http, settings, "hotelbeds")
    closed = settings.model_copy(update={"hotelbeds_base_url": "http://127.0.0.1:9/hotelbeds"})

    with pytest.raises(ProviderUnavailableError) as caught:
        await book(HotelbedsHotelBooking(http, closed), offer, reference())
    assert not isinstance(caught.value, BookingOutcomeUnknown)


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_no_traveler_data_in_logs(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    booking: dict[str, Build],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Names, birth dates, email and phone never reach a log line, even at DEBUG."""
    offer = await searched(http, settings, code)
    adapter = booking[code](settings)
    ours = reference()

    with caplog.at_level(logging.DEBUG):
        made = await book(adapter, await adapter.price(offer, timeout_s=10), ours)
        await adapter.find(ours, timeout_s=10)
        await adapter.cancel(made.supplier_reference, timeout_s=10)

    assert caplog.records
    logged = " ".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    for traveler in TRAVELERS:
        for secret in (traveler.given_name, traveler.family_name, traveler.birth_date):
            assert secret not in logged
    assert TRAVELERS[0].email not in logged
    assert TRAVELERS[0].phone.lstrip("+") not in logged
