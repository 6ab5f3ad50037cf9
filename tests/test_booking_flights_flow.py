"""The flight booking adapters against the sandbox over HTTP: the whole happy path, price
changes, sold-out offers and refused credentials, for Amadeus, Duffel and Kiwi.com."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import pytest
from guidera.v1 import booking_service_pb2, offer_pb2
from pydantic import SecretStr

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.money import to_decimal
from guidera_grpc.providers.amadeus_booking import AmadeusFlightBooking
from guidera_grpc.providers.booking import OfferUnavailableError
from guidera_grpc.providers.errors import AuthenticationError
from guidera_grpc.providers.flight_booking_support import Party
from guidera_grpc.providers.kiwi_booking import KiwiFlightBooking
from guidera_grpc.reference.airlines import lookup_airline
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.search.params import FlightSearch, SliceSpec
from tests.booking_flights_kit import ADA, DEPARTURE, SUPPLIERS, Pair, sandbox_bookings
from tests.server_fixtures import SandboxControl

WRONG_SECRETS = {
    "amadeus_client_secret": SecretStr("wrong-amadeus-secret"),
    "duffel_access_token": SecretStr("duffel_test_wrong_token"),
    "kiwi_api_key": SecretStr("wrong-kiwi-key"),
}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def settings(sandbox: RunningSandbox, sandbox_control: SandboxControl) -> Settings:
    return Settings().with_sandbox(sandbox.url)


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_search_price_book_find_cancel(
    code: str, http: aiohttp.ClientSession, settings: Settings, sandbox_control: SandboxControl
) -> None:
    """One offer goes all the way through, and the supplier holds exactly one booking."""
    pair = Pair(code, http, settings)
    offer = (await pair.offers())[0]

    priced = await pair.booking.price(offer, timeout_s=10)
    assert [p.provider for p in priced.provider_prices] == [code]
    assert priced.offer_id == offer.offer_id
    assert priced.price.total == offer.price.total

    booked = await pair.book(priced, f"bk-{code}-flow")
    assert booked.status == "confirmed"
    assert booked.our_reference == f"bk-{code}-flow"
    assert to_decimal(booked.total) == to_decimal(priced.price.total)

    found = await pair.booking.find(f"bk-{code}-flow", timeout_s=10)
    assert found is not None
    assert found.supplier_reference == booked.supplier_reference
    assert found.status == "confirmed"
    assert await pair.booking.find("bk-never-made", timeout_s=10) is None

    cancelled = await pair.booking.cancel(booked.supplier_reference, timeout_s=10)
    assert cancelled.status == "cancelled"
    assert cancelled.supplier_reference == booked.supplier_reference

    listed = await sandbox_bookings(sandbox_control, code)
    assert [(b["our_reference"], b["status"]) for b in listed] == [(f"bk-{code}-flow", "cancelled")]


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_a_family_is_priced_and_booked_by_kind(
    code: str, http: aiohttp.ClientSession, settings: Settings, sandbox_control: SandboxControl
) -> None:
    """Two adults, a child and an infant: each is sent as the kind their age makes them."""
    search = FlightSearch(
        slices=(SliceSpec("JFK", "LHR", DEPARTURE),), adults=2, child_ages=(8,), infants=1
    )
    pair = Pair(code, http, settings)
    offer = (await pair.offers(search))[0]
    family = [
        ADA,
        _traveler("Bertrand", "1985-02-02", "m"),
        _traveler("Cosima", f"{DEPARTURE.year - 8}-01-15", "f"),
        _traveler("Dorian", f"{DEPARTURE.year - 1}-01-01", "m"),
    ]

    priced = await _price_for(pair, offer, Party(2, 1, 1))
    booked = await pair.book(priced, f"bk-{code}-family", family)

    assert booked.status == "confirmed"
    assert to_decimal(booked.total) == to_decimal(offer.price.total)


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_a_changed_price_comes_back_and_is_the_price_booked(
    code: str, http: aiohttp.ClientSession, settings: Settings, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set(code, price_change_rate=1)
    pair = Pair(code, http, settings)
    offer = (await pair.offers())[0]

    priced = await pair.booking.price(offer, timeout_s=10)
    assert to_decimal(priced.price.total) > to_decimal(offer.price.total)

    booked = await pair.book(priced, f"bk-{code}-dearer")
    assert to_decimal(booked.total) == to_decimal(priced.price.total)


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_a_sold_out_offer_is_unavailable_and_books_nothing(
    code: str, http: aiohttp.ClientSession, settings: Settings, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set(code, sold_out_rate=1)
    pair = Pair(code, http, settings)
    offer = (await pair.offers())[0]

    with pytest.raises(OfferUnavailableError):
        await pair.booking.price(offer, timeout_s=10)
    with pytest.raises(OfferUnavailableError):
        await pair.book(offer, f"bk-{code}-sold-out")
    assert await sandbox_bookings(sandbox_control, code) == []


async def test_an_unknown_duffel_offer_is_unavailable(
    http: aiohttp.ClientSession, settings: Settings, sandbox_control: SandboxControl
) -> None:
    pair = Pair("duffel", http, settings)
    offer = (await pair.offers())[0]
    offer.provider_prices[0].provider_offer_id = "off_0000NeverGivenOut"

    with pytest.raises(OfferUnavailableError):
        await pair.booking.price(offer, timeout_s=10)


async def test_a_duffel_hold_waits_for_payment(
    http: aiohttp.ClientSession, settings: Settings, sandbox_control: SandboxControl
) -> None:
    """An offer Duffel lets us hold is held, with the time by which it must be paid."""
    pair = Pair("duffel", http, settings)
    offers = await pair.offers()
    holdable = [o for o in offers if not _budget(o.flight.validating_carriers[0])]

    booked = await pair.book(holdable[0], "bk-duffel-hold", hold=True)

    assert booked.status == "held"
    assert booked.hold_expires_at is not None
    listed = await sandbox_bookings(sandbox_control, "duffel")
    assert [b["status"] for b in listed] == ["held"]


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_wrong_credentials_are_an_authentication_error(
    code: str, http: aiohttp.ClientSession, settings: Settings, sandbox_control: SandboxControl
) -> None:
    offer = (await Pair(code, http, settings).offers())[0]
    wrong = Pair(code, http, settings.model_copy(update=WRONG_SECRETS))

    with pytest.raises(AuthenticationError) as refused:
        await wrong.booking.price(offer, timeout_s=10)
    with pytest.raises(AuthenticationError):
        await wrong.booking.find("bk-anything", timeout_s=10)
    for secret in WRONG_SECRETS.values():
        assert secret.get_secret_value() not in str(refused.value)


@pytest.mark.parametrize("days_later", range(0, 21, 3))
async def test_a_familys_checked_price_is_its_search_price_on_any_date(
    days_later: int, http: aiohttp.ClientSession, settings: Settings
) -> None:
    """Kiwi.com shows each passenger's fare in whole units; its check must sum the same
    rounded fares, or a family's booking would differ by a unit from what it was shown."""
    search = FlightSearch(
        slices=(SliceSpec("JFK", "LHR", DEPARTURE + dt.timedelta(days=days_later)),),
        adults=2,
        child_ages=(8,),
        infants=1,
    )
    pair = Pair("kiwi", http, settings)
    offers = (await pair.offers(search))[:3]
    assert offers
    for offer in offers:
        priced = await _price_for(pair, offer, Party(2, 1, 1))
        assert to_decimal(priced.price.total) == to_decimal(offer.price.total)


async def _price_for(pair: Pair, offer: offer_pb2.Offer, party: Party) -> offer_pb2.Offer:
    """Amadeus and Kiwi re-price for a party (Duffel's offer knows its own passengers)."""
    if isinstance(pair.booking, AmadeusFlightBooking | KiwiFlightBooking):
        return await pair.booking.price(offer, timeout_s=10, party=party)
    return await pair.booking.price(offer, timeout_s=10)


def _traveler(name: str, born: str, gender: str) -> booking_service_pb2.Traveler:
    return booking_service_pb2.Traveler(
        given_name=name,
        family_name="Quillfeather",
        birth_date=born,
        gender=gender,
        email=f"{name.lower()}@example.org",
        phone="+14155550100",
    )


def _budget(code: str) -> bool:
    airline = lookup_airline(code)
    return airline is not None and airline.is_budget
