"""The CarTrawler booking adapter against the sandbox's OTA emulator over HTTP.

Each flow starts from a real search, re-prices the car, reserves it, finds it by our
reference and cancels it; the booking knobs make prices move, cars sell out and answers get
lost after CarTrawler reserved. ``sandbox_control`` resets knobs, counters and the booking
ledger around each test.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from guidera.v1 import booking_service_pb2, offer_pb2
from pydantic import SecretStr

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.money import to_decimal
from guidera_grpc.providers.booking import (
    BookingOutcomeUnknown,
    OfferUnavailableError,
    SupplierBooking,
)
from guidera_grpc.providers.cartrawler import CarTrawlerCars
from guidera_grpc.providers.cartrawler_booking import CarTrawlerBooking
from guidera_grpc.providers.errors import (
    AuthenticationError,
    InvalidRequestError,
    ProviderUnavailableError,
)
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.search.params import CarSearch
from tests.server_fixtures import SandboxControl

PICK_UP = dt.datetime.combine(dt.date.today() + dt.timedelta(days=40), dt.time(9, 30))
ROUND_TRIP = CarSearch("LHR", "LHR", PICK_UP, PICK_UP + dt.timedelta(days=3))
DRIVERS = (
    booking_service_pb2.Traveler(
        given_name="Oona",
        family_name="Halvorsen",
        birth_date="1979-03-08",
        email="oona.halvorsen@example.org",
        phone="+4791234567",
    ),
    booking_service_pb2.Traveler(
        given_name="Per", family_name="Halvorsen", birth_date="1977-09-30"
    ),
)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def settings(sandbox: RunningSandbox, sandbox_control: SandboxControl) -> Settings:
    return Settings().with_sandbox(sandbox.url)


@pytest.fixture
def adapter(http: aiohttp.ClientSession, settings: Settings) -> CarTrawlerBooking:
    return CarTrawlerBooking(http, settings)


async def searched(http: aiohttp.ClientSession, settings: Settings) -> offer_pb2.Offer:
    """The first car a real search at LHR returns."""
    offers = await CarTrawlerCars(http, settings).search_cars(ROUND_TRIP, timeout_s=10)
    assert offers
    return offers[0]


def reference() -> str:
    return f"gd-{uuid.uuid4().hex[:20]}"


async def ledger(control: SandboxControl) -> list[dict[str, Any]]:
    async with control.http.get("/_sandbox/bookings", params={"supplier": "cartrawler"}) as got:
        body: dict[str, list[dict[str, Any]]] = await got.json()
        return body["bookings"]


async def book(
    adapter: CarTrawlerBooking, offer: offer_pb2.Offer, ours: str, timeout_s: float = 10
) -> SupplierBooking:
    return await adapter.book(
        offer,
        DRIVERS,
        payment_token="tok_car_1",
        our_reference=ours,
        hold=False,
        timeout_s=timeout_s,
    )


async def test_search_price_book_find_cancel(
    http: aiohttp.ClientSession,
    settings: Settings,
    adapter: CarTrawlerBooking,
    sandbox_control: SandboxControl,
) -> None:
    """A searched car re-prices unchanged, reserves once, is found by our reference, cancels."""
    offer = await searched(http, settings)

    priced = await adapter.price(offer, timeout_s=10)
    assert [p.provider for p in priced.provider_prices] == ["cartrawler"]
    assert priced.provider_prices[0].provider_offer_id == offer.provider_prices[0].provider_offer_id
    assert priced.price.total == offer.price.total

    ours = reference()
    made = await book(adapter, priced, ours)
    assert made.status == "confirmed"
    assert made.supplier_reference
    assert made.our_reference == ours
    assert made.total == offer.price.total

    found = await adapter.find(ours, timeout_s=10)
    assert found is not None
    assert (found.supplier_reference, found.status) == (made.supplier_reference, "confirmed")
    assert await adapter.find(reference(), timeout_s=10) is None

    cancelled = await adapter.cancel(made.supplier_reference, timeout_s=10)
    assert cancelled.status == "cancelled"
    listed = await ledger(sandbox_control)
    assert [(b["our_reference"], b["status"]) for b in listed] == [(ours, "cancelled")]


async def test_a_moved_price_is_reported_and_booked_as_confirmed(
    http: aiohttp.ClientSession,
    settings: Settings,
    adapter: CarTrawlerBooking,
    sandbox_control: SandboxControl,
) -> None:
    """With every price moved, re-pricing finds a higher total, and the booking charges it."""
    offer = await searched(http, settings)
    await sandbox_control.set("cartrawler", price_change_rate=1.0)

    priced = await adapter.price(offer, timeout_s=10)
    made = await book(adapter, priced, reference())

    assert to_decimal(priced.price.total) > to_decimal(offer.price.total)
    assert priced.price.total.currency_code == offer.price.total.currency_code
    assert made.total == priced.price.total


async def test_sold_out_cars_are_unavailable(
    http: aiohttp.ClientSession,
    settings: Settings,
    adapter: CarTrawlerBooking,
    sandbox_control: SandboxControl,
) -> None:
    """A sold-out car fails re-pricing and reserving with ``OfferUnavailableError``."""
    offer = await searched(http, settings)
    await sandbox_control.set("cartrawler", sold_out_rate=1.0)

    with pytest.raises(OfferUnavailableError):
        await adapter.price(offer, timeout_s=10)
    with pytest.raises(OfferUnavailableError):
        await book(adapter, offer, reference())
    assert await ledger(sandbox_control) == []


async def test_a_reference_the_emulator_never_showed_is_unavailable(
    http: aiohttp.ClientSession, settings: Settings, adapter: CarTrawlerBooking
) -> None:
    """An expired or made-up ``Reference/@ID`` books nothing."""
    offer = await searched(http, settings)
    offer.provider_prices[0].provider_offer_id = "0123456789ABCDEF"

    with pytest.raises(OfferUnavailableError):
        await book(adapter, offer, reference())


async def test_a_lost_answer_is_unknown_and_found_later(
    http: aiohttp.ClientSession,
    settings: Settings,
    adapter: CarTrawlerBooking,
    sandbox_control: SandboxControl,
) -> None:
    """A reservation whose answer is lost (500 or reset) is unknown; ``find`` settles it."""
    offer = await searched(http, settings)
    await sandbox_control.set("cartrawler", fail_after_book_rate=1.0)

    for _ in range(3):
        ours = reference()
        with pytest.raises(BookingOutcomeUnknown):
            await book(adapter, offer, ours)
        found = await adapter.find(ours, timeout_s=10)
        assert found is not None
        assert found.status == "confirmed"
    assert len(await ledger(sandbox_control)) == 3


async def test_a_slow_confirmation_past_the_deadline_is_unknown(
    http: aiohttp.ClientSession,
    settings: Settings,
    adapter: CarTrawlerBooking,
    sandbox_control: SandboxControl,
) -> None:
    """A reservation that outlasts our deadline after sending is unknown, not failed."""
    offer = await searched(http, settings)
    await sandbox_control.set("cartrawler", book_latency="1500ms")

    ours = reference()
    with pytest.raises(BookingOutcomeUnknown):
        await book(adapter, offer, ours, timeout_s=0.8)
    assert await adapter.find(ours, timeout_s=10) is not None


async def test_wrong_client_id_is_an_authentication_error(
    http: aiohttp.ClientSession, settings: Settings
) -> None:
    """A refused client id is ``AuthenticationError`` on every message, without the id."""
    offer = await searched(http, settings)
    wrong = settings.model_copy(update={"cartrawler_client_id": SecretStr("not-our-client")})
    adapter = CarTrawlerBooking(http, wrong)

    with pytest.raises(AuthenticationError) as caught:
        await adapter.price(offer, timeout_s=10)
    assert "not-our-client" not in str(caught.value)
    with pytest.raises(AuthenticationError):
        await adapter.find(reference(), timeout_s=10)


async def test_no_hold_and_no_driver_book_nothing(
    http: aiohttp.ClientSession,
    settings: Settings,
    adapter: CarTrawlerBooking,
    sandbox_control: SandboxControl,
) -> None:
    """CarTrawler has no hold, and a rental needs a driver: both refused before sending."""
    offer = await searched(http, settings)

    with pytest.raises(InvalidRequestError):
        await adapter.book(
            offer, DRIVERS, payment_token="tok", our_reference=reference(), hold=True, timeout_s=10
        )
    with pytest.raises(InvalidRequestError):
        await adapter.book(
            offer, [], payment_token="tok", our_reference=reference(), hold=False, timeout_s=10
        )
    assert await ledger(sandbox_control) == []


async def test_an_unreachable_supplier_booked_nothing(
    http: aiohttp.ClientSession, settings: Settings
) -> None:
    """A connection that never opened is a plain unavailable error, not an unknown outcome."""
    offer = await searched(http, settings)
    closed = settings.model_copy(update={"cartrawler_base_url": "http://127.0.0.1:9/cartrawler"})

    with pytest.raises(ProviderUnavailableError) as caught:
        await book(CarTrawlerBooking(http, closed), offer, reference())
    assert not isinstance(caught.value, BookingOutcomeUnknown)


async def test_no_driver_data_in_logs(
    http: aiohttp.ClientSession,
    settings: Settings,
    adapter: CarTrawlerBooking,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Names, birth dates, email and phone never reach a log line, even at DEBUG."""
    offer = await searched(http, settings)
    ours = reference()

    with caplog.at_level(logging.DEBUG):
        made = await book(adapter, await adapter.price(offer, timeout_s=10), ours)
        await adapter.find(ours, timeout_s=10)
        await adapter.cancel(made.supplier_reference, timeout_s=10)

    assert caplog.records
    logged = " ".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    for driver in DRIVERS:
        for secret in (driver.given_name, driver.family_name, driver.birth_date):
            assert secret not in logged
    assert DRIVERS[0].email not in logged
    assert DRIVERS[0].phone.lstrip("+") not in logged
