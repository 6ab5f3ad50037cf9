"""Flight bookings whose answer is lost or late: the adapters say "outcome unknown", never
retry, and ``find`` then shows the booking the supplier made. No traveler data is logged."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from pydantic import SecretStr

from guidera_grpc.config import Settings
from guidera_grpc.logs import fields_of
from guidera_grpc.providers.booking import BookingOutcomeUnknown
from guidera_grpc.providers.errors import ProviderUnavailableError
from guidera_grpc.providers.flight_booking_support import kinds_of, party_of, split_phone
from guidera_grpc.sandbox import RunningSandbox
from tests.booking_flights_kit import (
    ADA,
    DEPARTURE,
    PASSPORT,
    PERSONAL_DATA,
    SUPPLIERS,
    Pair,
    sandbox_bookings,
)
from tests.server_fixtures import SandboxControl

BOOKING_ENDPOINTS = {
    "amadeus": "POST /v1/booking/flight-orders",
    "duffel": "POST /air/orders",
    "kiwi": "POST /v2/booking/confirm_payment",
}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def settings(sandbox: RunningSandbox, sandbox_control: SandboxControl) -> Settings:
    return Settings().with_sandbox(sandbox.url)


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_a_lost_answer_is_unknown_and_find_settles_it(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
) -> None:
    """The supplier booked, its answer was lost (a 500 or a reset): one request, one booking."""
    pair = Pair(code, http, settings)
    offer = (await pair.offers())[0]
    await sandbox_control.set(code, fail_after_book_rate=1)

    for attempt in range(2):
        with pytest.raises(BookingOutcomeUnknown):
            await pair.book(offer, f"bk-{code}-lost-{attempt}")

    counters = sandbox.stats.counters(code)
    assert counters.received[BOOKING_ENDPOINTS[code]] == 2
    for attempt in range(2):
        found = await pair.booking.find(f"bk-{code}-lost-{attempt}", timeout_s=10)
        assert found is not None
        assert found.status == "confirmed"
    assert len(await sandbox_bookings(sandbox_control, code)) == 2


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_a_slow_confirmation_is_unknown_then_found(
    code: str, http: aiohttp.ClientSession, settings: Settings, sandbox_control: SandboxControl
) -> None:
    pair = Pair(code, http, settings)
    offer = (await pair.offers())[0]
    await sandbox_control.set(code, book_latency="3s")

    with pytest.raises(BookingOutcomeUnknown):
        await pair.book(offer, f"bk-{code}-slow", timeout_s=1.0)

    found = await pair.booking.find(f"bk-{code}-slow", timeout_s=10)
    assert found is not None
    assert found.status == "confirmed"
    assert [b["our_reference"] for b in await sandbox_bookings(sandbox_control, code)] == [
        f"bk-{code}-slow"
    ]


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_no_traveler_or_payment_data_reaches_the_logs(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    sandbox_control: SandboxControl,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pair = Pair(code, http, settings)
    caplog.set_level(logging.DEBUG)

    offer = (await pair.offers())[0]
    await pair.booking.price(offer, timeout_s=10)
    booked = await pair.book(offer, f"bk-{code}-quiet")
    assert booked.status == "confirmed"
    await sandbox_control.set(code, fail_after_book_rate=1)
    with pytest.raises(BookingOutcomeUnknown) as lost:
        await pair.book(offer, f"bk-{code}-quiet-lost")

    logged = " ".join(
        f"{record.getMessage()} {fields_of(record)} {record.exc_text or ''}"
        for record in caplog.records
    )
    assert "upstream call" in logged
    for secret in (*PERSONAL_DATA, PASSPORT, "tok_sandbox_visa"):
        assert secret not in logged
        assert secret not in str(lost.value)


async def test_a_booking_that_never_left_is_an_ordinary_error(
    http: aiohttp.ClientSession, settings: Settings, sandbox_control: SandboxControl
) -> None:
    """Nothing listens on the port: the connection was never opened, so nothing was booked."""
    pair = Pair("duffel", http, settings)
    offer = (await pair.offers())[0]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    nowhere = settings.model_copy(
        update={
            "duffel_base_url": f"http://127.0.0.1:{closed}/duffel",
            "duffel_access_token": SecretStr("duffel_test_sandbox_token"),
        }
    )

    with pytest.raises(ProviderUnavailableError) as failed:
        await Pair("duffel", http, nowhere).book(offer, "bk-nowhere")
    assert not isinstance(failed.value, BookingOutcomeUnknown)


def test_travelers_are_sorted_into_kinds_by_age_on_departure() -> None:
    child = type(ADA)(birth_date=f"{DEPARTURE.year - 5}-01-01")
    infant = type(ADA)(birth_date=f"{DEPARTURE.year - 1}-01-01")

    kinded = kinds_of([infant, child, ADA], DEPARTURE)

    assert [k.kind for k in kinded] == ["adult", "child", "infant"]
    assert party_of(kinded).count == 3


@pytest.mark.parametrize(
    ("number", "split"),
    [
        ("+442071234567", ("44", "2071234567")),
        ("+14155550100", ("1", "4155550100")),
        ("+35312345678", ("353", "12345678")),
        ("0201234567", ("", "0201234567")),
    ],
)
def test_phone_numbers_split_at_the_calling_code(number: str, split: tuple[str, str]) -> None:
    assert split_phone(number) == split
