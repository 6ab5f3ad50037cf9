"""The experience booking adapters (Viator, GetYourGuide) against the sandbox over HTTP.

Each flow starts from a real search in Rome, re-prices (which picks a start time), books,
finds the booking by our reference and cancels it; the booking knobs make prices move, dates
sell out and answers get lost after the supplier booked. ``sandbox_control`` resets knobs,
counters and the booking ledger around each test.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
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
    SupplierBooking,
)
from guidera_grpc.providers.booking_support import PriceChangedError
from guidera_grpc.providers.errors import (
    AuthenticationError,
    InvalidRequestError,
    ProviderUnavailableError,
)
from guidera_grpc.providers.getyourguide import GetYourGuideExperiences
from guidera_grpc.providers.getyourguide_booking import GetYourGuideBooking
from guidera_grpc.providers.viator import ViatorExperiences
from guidera_grpc.providers.viator_booking import ViatorBooking
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.search.params import ExperienceSearch
from tests.server_fixtures import SandboxControl

FIRST = dt.date.today() + dt.timedelta(days=30)
ROME = ExperienceSearch("ROM", FIRST, FIRST + dt.timedelta(days=2))
ADULT = booking_service_pb2.Traveler(
    given_name="Ottavia",
    family_name="Marchetti",
    birth_date="1979-03-21",
    email="ottavia.marchetti@example.org",
    phone="+393471234567",
)
FAMILY = (
    ADULT,
    booking_service_pb2.Traveler(
        given_name="Piero", family_name="Marchetti", birth_date="1977-08-30"
    ),
    booking_service_pb2.Traveler(
        given_name="Nina", family_name="Marchetti", birth_date=f"{FIRST.year - 7}-02-14"
    ),
)
SUPPLIERS = ("viator", "getyourguide")
BASE_URLS = {"viator": "viator_base_url", "getyourguide": "getyourguide_base_url"}
SECRETS = {"viator": "viator_api_key", "getyourguide": "getyourguide_access_token"}

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
        "viator": lambda s: ViatorBooking(http, s),
        "getyourguide": lambda s: GetYourGuideBooking(http, s),
    }


async def searched(http: aiohttp.ClientSession, settings: Settings, code: str) -> offer_pb2.Offer:
    """The first offer a real search in Rome at ``code`` returns."""
    search = (
        ViatorExperiences(http, settings)
        if code == "viator"
        else GetYourGuideExperiences(http, settings)
    )
    offers = await search.search_experiences(ROME, timeout_s=10)
    assert offers
    return offers[0]


def reference() -> str:
    return f"gd-{uuid.uuid4().hex[:20]}"


async def ledger(control: SandboxControl, supplier: str) -> list[dict[str, Any]]:
    async with control.http.get("/_sandbox/bookings", params={"supplier": supplier}) as response:
        body: dict[str, list[dict[str, Any]]] = await response.json()
        return body["bookings"]


async def book(
    adapter: BookingProvider,
    offer: offer_pb2.Offer,
    ours: str,
    travelers: tuple[booking_service_pb2.Traveler, ...] = (ADULT,),
) -> SupplierBooking:
    return await adapter.book(
        offer, travelers, payment_token="tok_visa_1", our_reference=ours, hold=False, timeout_s=10
    )


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_search_price_book_find_cancel(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    booking: dict[str, Build],
    sandbox_control: SandboxControl,
) -> None:
    """A searched offer re-prices unchanged with a start time, books once, is found, cancels."""
    offer = await searched(http, settings, code)
    adapter = booking[code](settings)

    priced = await adapter.price(offer, timeout_s=10)
    assert [p.provider for p in priced.provider_prices] == [code]
    assert priced.price.total == offer.price.total
    assert len(priced.experience.time_slots) == 1
    assert priced.experience.time_slots[0].start_local_time > dt.date.today().isoformat()

    ours = reference()
    made = await book(adapter, priced, ours)
    assert made.status == "confirmed"
    assert made.supplier_reference
    assert made.total == offer.price.total

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
async def test_a_family_pays_for_each_member_by_age(
    code: str, http: aiohttp.ClientSession, settings: Settings, booking: dict[str, Build]
) -> None:
    """Two adults and a seven-year-old cost more than one adult, less than three."""
    offer = await searched(http, settings, code)
    adapter = booking[code](settings)
    priced = await adapter.price(offer, timeout_s=10)

    made = await book(adapter, priced, reference(), FAMILY)

    one = to_decimal(offer.price.total)
    assert made.status == "confirmed"
    assert 2 * one < to_decimal(made.total) < 3 * one


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_a_moved_price_is_reported_and_refused_until_confirmed(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    booking: dict[str, Build],
    sandbox_control: SandboxControl,
) -> None:
    """With every price moved, re-pricing finds more; booking at the old price books nothing."""
    offer = await searched(http, settings, code)
    await sandbox_control.set(code, price_change_rate=1.0)
    adapter = booking[code](settings)

    priced = await adapter.price(offer, timeout_s=10)
    assert to_decimal(priced.price.total) > to_decimal(offer.price.total)
    with pytest.raises(PriceChangedError) as caught:
        await book(adapter, offer, reference())
    assert caught.value.new_total == priced.price.total
    assert await ledger(sandbox_control, code) == []

    assert (await book(adapter, priced, reference())).status == "confirmed"


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_sold_out_offers_are_unavailable(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    booking: dict[str, Build],
    sandbox_control: SandboxControl,
) -> None:
    """A product sold out on every day fails re-pricing and booking as unavailable."""
    offer = await searched(http, settings, code)
    adapter = booking[code](settings)
    priced = await adapter.price(offer, timeout_s=10)
    await sandbox_control.set(code, sold_out_rate=1.0)

    with pytest.raises(OfferUnavailableError):
        await adapter.price(offer, timeout_s=10)
    with pytest.raises(OfferUnavailableError):
        await book(adapter, priced, reference())
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
    adapter = booking[code](settings)
    priced = await adapter.price(offer, timeout_s=10)
    await sandbox_control.set(code, fail_after_book_rate=1.0)

    for _ in range(3):
        ours = reference()
        with pytest.raises(BookingOutcomeUnknown):
            await book(adapter, priced, ours)
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
            priced, (ADULT,), payment_token="tok", our_reference=ours, hold=False, timeout_s=0.8
        )
    assert await adapter.find(ours, timeout_s=10) is not None


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_wrong_credentials_are_an_authentication_error(
    code: str, http: aiohttp.ClientSession, settings: Settings, booking: dict[str, Build]
) -> None:
    """A refused key is ``AuthenticationError`` on every call, and never echoed back."""
    offer = await searched(http, settings, code)
    wrong = settings.model_copy(update={SECRETS[code]: SecretStr("not-the-right-key")})
    adapter = booking[code](wrong)

    with pytest.raises(AuthenticationError) as caught:
        await adapter.price(offer, timeout_s=10)
    assert "not-the-right-key" not in str(caught.value)
    with pytest.raises(AuthenticationError):
        await adapter.find(reference(), timeout_s=10)


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_a_hold_is_refused_and_books_nothing(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    booking: dict[str, Build],
    sandbox_control: SandboxControl,
) -> None:
    """Neither supplier keeps a booking on hold for later: ``hold`` is an invalid request."""
    offer = await searched(http, settings, code)

    with pytest.raises(InvalidRequestError):
        await booking[code](settings).book(
            offer, (ADULT,), payment_token="tok", our_reference=reference(), hold=True, timeout_s=10
        )
    assert await ledger(sandbox_control, code) == []


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_an_unreachable_supplier_booked_nothing(
    code: str, http: aiohttp.ClientSession, settings: Settings, booking: dict[str, Build]
) -> None:
    """A connection that never opened is a plain unavailable error, not an unknown outcome."""
    priced = await booking[code](settings).price(await searched(http, settings, code), timeout_s=10)
    closed = settings.model_copy(update={BASE_URLS[code]: f"http://127.0.0.1:9/{code}"})

    with pytest.raises(ProviderUnavailableError) as caught:
        await book(booking[code](closed), priced, reference())
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
        made = await book(adapter, await adapter.price(offer, timeout_s=10), ours, FAMILY)
        await adapter.find(ours, timeout_s=10)
        await adapter.cancel(made.supplier_reference, timeout_s=10)

    assert caplog.records
    logged = " ".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    for traveler in FAMILY:
        for secret in (traveler.given_name, traveler.family_name, traveler.birth_date):
            assert secret not in logged
    assert ADULT.email not in logged
    assert ADULT.phone.lstrip("+") not in logged
    assert Decimal(0) < to_decimal(made.total)


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_an_offer_without_a_start_gets_the_first_open_one_from_tomorrow(
    code: str, http: aiohttp.ClientSession, settings: Settings, booking: dict[str, Build]
) -> None:
    """With no time slot to go by, re-pricing picks a start within the coming week."""
    offer = await searched(http, settings, code)
    del offer.experience.time_slots[:]

    priced = await booking[code](settings).price(offer, timeout_s=10)

    start = dt.datetime.fromisoformat(priced.experience.time_slots[0].start_local_time)
    assert dt.date.today() < start.date() <= dt.date.today() + dt.timedelta(days=8)
    assert priced.price.total == offer.price.total
