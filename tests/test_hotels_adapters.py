"""The hotel adapters against the sandbox suppliers over real HTTP on loopback.

Each test builds its adapters on a fresh ``aiohttp`` session pointed at the shared sandbox;
``sandbox_control`` resets the sandbox's knobs and counters around every test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
import unicodedata
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import aiohttp
import pytest
from guidera.v1 import common_pb2
from pydantic import SecretStr

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.money import to_decimal
from guidera_grpc.providers.amadeus import AmadeusFlights
from guidera_grpc.providers.amadeus_hotels import AmadeusHotels
from guidera_grpc.providers.base import HotelProvider
from guidera_grpc.providers.errors import (
    AuthenticationError,
    ProviderTimeoutError,
    RateLimitedError,
    UpstreamError,
)
from guidera_grpc.providers.expedia import ExpediaHotels
from guidera_grpc.providers.hotelbeds_hotels import HotelbedsHotels
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.sandbox.stays.assortment import SELLERS, find_listing
from guidera_grpc.sandbox.stays.properties import distance_m
from guidera_grpc.search.params import FlightSearch, HotelSearch, RoomSpec, SliceSpec
from tests.server_fixtures import SandboxControl

CHECK_IN = dt.date.today() + dt.timedelta(days=40)
CHECK_OUT = CHECK_IN + dt.timedelta(days=3)
COUPLE = HotelSearch("PAR", CHECK_IN, CHECK_OUT, (RoomSpec(2),))
FAMILY = HotelSearch("CDG", CHECK_IN, CHECK_OUT, (RoomSpec(2, (8,)), RoomSpec(1)), "USD")
MARKUP = Decimal("17.5")
SAME_PROPERTY_M = 150.0

Build = Callable[[Settings], HotelProvider]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def settings(sandbox: RunningSandbox, sandbox_control: SandboxControl) -> Settings:
    return Settings().with_sandbox(sandbox.url)


@pytest.fixture
def build(http: aiohttp.ClientSession) -> dict[str, Build]:
    """A fresh adapter of each supplier (no cache shared between tests)."""
    return {
        "expedia": lambda s: ExpediaHotels(http, s),
        "hotelbeds": lambda s: HotelbedsHotels(http, s, markup_percent=MARKUP),
        "amadeus": lambda s: AmadeusHotels(http, s),
    }


def received(sandbox: RunningSandbox, supplier: str, endpoint: str | None = None) -> int:
    counters = sandbox.stats.counters(supplier)
    return counters.received[endpoint] if endpoint else sum(counters.received.values())


def plain(name: str) -> set[str]:
    """A name's words, lower case, without accents, "hotel" or tags a seller adds."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return set(re.findall(r"[a-z0-9']+", text)) - {"hotel", "paris", "centre"}


SUPPLIERS = ("expedia", "hotelbeds", "amadeus")


# Searches


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_search_returns_normalized_hotel_offers(
    code: str, build: dict[str, Build], settings: Settings
) -> None:
    offers = await build[code](settings).search_hotels(FAMILY, timeout_s=5)

    assert offers
    for offer in offers:
        assert offer.category == common_pb2.CATEGORY_HOTELS
        assert [p.provider for p in offer.provider_prices] == [code]
        assert offer.provider_prices[0].provider_offer_id
        assert to_decimal(offer.price.total) > 0
        hotel = offer.hotel
        assert (hotel.check_in_date, hotel.check_out_date) == (
            CHECK_IN.isoformat(),
            CHECK_OUT.isoformat(),
        )
        assert [(r.adults, list(r.child_ages)) for r in hotel.rooms] == [(2, [8]), (1, [])]
        assert hotel.property.name
        assert hotel.property.city_code == "PAR"
        assert hotel.property.time_zone == "Europe/Paris"
        assert offer.conditions.refund != common_pb2.CONDITION_STATUS_UNSPECIFIED
    currencies = {offer.price.total.currency_code for offer in offers}
    assert currencies == ({"EUR"} if code == "hotelbeds" else {"USD"})


async def test_prices_state_taxes_and_what_is_paid_at_the_property(
    build: dict[str, Build], settings: Settings
) -> None:
    for code in SUPPLIERS:
        offers = await build[code](settings).search_hotels(COUPLE, timeout_s=5)
        with_taxes = [o for o in offers if o.price.HasField("taxes")]
        assert with_taxes, code
        for offer in with_taxes:
            price = offer.price
            assert to_decimal(price.base) + to_decimal(price.taxes) == to_decimal(price.total)
        on_site = [o for o in offers if o.price.HasField("payable_on_site")]
        assert on_site, code
        assert all(to_decimal(o.price.payable_on_site) > 0 for o in on_site)


async def test_hotelbeds_adds_the_markup_to_net_rates(
    http: aiohttp.ClientSession, settings: Settings
) -> None:
    net = await HotelbedsHotels(http, settings, markup_percent=Decimal(0)).search_hotels(
        COUPLE, timeout_s=5
    )
    sold = await HotelbedsHotels(http, settings, markup_percent=MARKUP).search_hotels(
        COUPLE, timeout_s=5
    )

    net_by_id = {o.provider_prices[0].provider_offer_id: to_decimal(o.price.total) for o in net}
    assert len(net_by_id) == len(sold)
    for offer in sold:
        expected = net_by_id[offer.provider_prices[0].provider_offer_id] * Decimal("1.175")
        assert abs(to_decimal(offer.price.total) - expected) <= Decimal("0.01")
    assert any(o.hotel.recheck_required for o in sold)
    with pytest.raises(ValueError, match="markup_percent"):
        HotelbedsHotels(http, settings, markup_percent=Decimal(100))


async def test_the_same_property_comes_back_from_expedia_and_hotelbeds(
    build: dict[str, Build], settings: Settings
) -> None:
    """Properties both sell (the sandbox knows which) differ in id, match in name and place."""
    expedia = await build["expedia"](settings).search_hotels(COUPLE, timeout_s=5)
    hotelbeds = await build["hotelbeds"](settings).search_hotels(COUPLE, timeout_s=5)
    by_expedia_id = {o.provider_prices[0].provider_offer_id.split("/")[3]: o for o in expedia}
    by_hotelbeds_code = {o.provider_prices[0].provider_offer_id.split("|")[4]: o for o in hotelbeds}
    truth = {
        listing.hotel.key: offer.hotel.property
        for pid, offer in by_expedia_id.items()
        if (listing := find_listing(SELLERS["expedia"], pid)) is not None
    }

    pairs = []
    for code, offer in by_hotelbeds_code.items():
        listing = find_listing(SELLERS["hotelbeds"], code)
        assert listing is not None
        if listing.hotel.key in truth:
            pairs.append((truth[listing.hotel.key], offer.hotel.property))

    assert len(pairs) >= 10
    assert not set(by_expedia_id) & set(by_hotelbeds_code)
    assert any(ours.name != theirs.name for ours, theirs in pairs)
    for ours, theirs in pairs:
        words, other_words = plain(ours.name), plain(theirs.name)
        assert len(words & other_words) / min(len(words), len(other_words)) >= 0.75
        if theirs.has_coordinates:
            apart = distance_m(ours.latitude, ours.longitude, theirs.latitude, theirs.longitude)
            assert apart <= SAME_PROPERTY_M


async def test_expedia_asks_content_and_availability_in_parallel_then_caches_content(
    build: dict[str, Build],
    settings: Settings,
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
) -> None:
    adapter = build["expedia"](settings)
    await sandbox_control.set("expedia", latency="300ms")

    first = await adapter.search_hotels(COUPLE, timeout_s=5)
    second = await adapter.search_hotels(COUPLE, timeout_s=5)

    assert first
    assert len(first) == len(second)
    assert received(sandbox, "expedia", "GET /v3/regions") == 1
    assert received(sandbox, "expedia", "GET /v3/properties/content") == 1
    assert received(sandbox, "expedia", "GET /v3/properties/availability") == 2
    log = [r for r in sandbox.stats.requests("expedia") if r.endpoint != "GET /v3/regions"]
    assert [r.endpoint for r in log][2:] == ["GET /v3/properties/availability"]
    availability, content = sorted(log[:2], key=lambda r: r.endpoint)
    assert content.endpoint == "GET /v3/properties/content"
    assert availability.endpoint == "GET /v3/properties/availability"
    # In parallel: each of the first search's two calls arrived before the other was answered.
    assert content.finished_at is not None
    assert availability.finished_at is not None
    assert content.received_at < availability.finished_at
    assert availability.received_at < content.finished_at


async def test_amadeus_hotels_share_the_flight_adapters_token(
    http: aiohttp.ClientSession, settings: Settings, sandbox: RunningSandbox
) -> None:
    flights = AmadeusFlights(http, settings)
    hotels = AmadeusHotels(http, settings, login=flights)
    trip = FlightSearch(slices=(SliceSpec("CDG", "FCO", CHECK_IN),), adults=1)

    await flights.search_flights(trip, timeout_s=5)
    offers = await hotels.search_hotels(COUPLE, timeout_s=5)
    await hotels.search_hotels(COUPLE, timeout_s=5)

    assert offers
    assert received(sandbox, "amadeus", "POST /v1/security/oauth2/token") == 1
    listed = "GET /v1/reference-data/locations/hotels/by-city"
    assert received(sandbox, "amadeus", listed) == 1
    assert received(sandbox, "amadeus", "GET /v3/shopping/hotel-offers") == 2


async def test_amadeus_hotels_fetch_a_new_token_when_the_old_one_expired(
    http: aiohttp.ClientSession,
    settings: Settings,
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
) -> None:
    await sandbox_control.set("amadeus", token_ttl_s=1)
    hotels = AmadeusHotels(
        http, settings, login=AmadeusFlights(http, settings, token_refresh_margin_s=0)
    )

    await hotels.search_hotels(COUPLE, timeout_s=5)
    await asyncio.sleep(1.1)
    offers = await hotels.search_hotels(COUPLE, timeout_s=5)

    assert offers
    assert received(sandbox, "amadeus", "POST /v1/security/oauth2/token") == 2


# Failures


WRONG = {
    "expedia": {"expedia_shared_secret": "wrong-expedia-shared-secret"},
    "hotelbeds": {"hotelbeds_api_key": "wrong-hotelbeds-key-value"},
    "amadeus": {"amadeus_client_secret": "wrong-amadeus-secret-value"},
}
MISSING = {
    "expedia": ("expedia_api_key", "EXPEDIA_API_KEY"),
    "hotelbeds": ("hotelbeds_secret", "HOTELBEDS_SECRET"),
    "amadeus": ("amadeus_client_id", "AMADEUS_CLIENT_ID"),
}


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_wrong_credentials_raise_authentication_error_without_secrets(
    code: str, build: dict[str, Build], settings: Settings
) -> None:
    wrong = settings.model_copy(update={k: SecretStr(v) for k, v in WRONG[code].items()})

    with pytest.raises(AuthenticationError) as raised:
        await build[code](wrong).search_hotels(COUPLE, timeout_s=5)

    text = str(raised.value)
    for secret in (*WRONG[code].values(), "sandbox-expedia-key", "sandbox-hotelbeds-key"):
        assert secret not in text
    assert raised.value.http_status in (401, 403)


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_missing_credentials_fail_before_any_call(
    code: str, build: dict[str, Build], settings: Settings, sandbox: RunningSandbox
) -> None:
    field, name = MISSING[code]
    unset = settings.model_copy(update={field: None})

    with pytest.raises(AuthenticationError, match=f"{name} not configured"):
        await build[code](unset).search_hotels(COUPLE, timeout_s=5)
    assert received(sandbox, code) == 0


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_supplier_errors_become_upstream_errors(
    code: str, build: dict[str, Build], settings: Settings, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set(code, error_rate=1.0)

    with pytest.raises(UpstreamError) as raised:
        await build[code](settings).search_hotels(COUPLE, timeout_s=5)
    assert raised.value.http_status == 500


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_throttling_becomes_rate_limited_with_a_delay(
    code: str, build: dict[str, Build], settings: Settings, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set(code, rate_429=1.0, retry_after_s=4)

    with pytest.raises(RateLimitedError) as raised:
        await build[code](settings).search_hotels(COUPLE, timeout_s=5)
    assert raised.value.retry_after is not None
    assert 2.5 <= raised.value.retry_after <= 4


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_slow_suppliers_time_out_within_the_deadline(
    code: str, build: dict[str, Build], settings: Settings, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set(code, latency="1500ms")

    started = time.monotonic()
    with pytest.raises(ProviderTimeoutError):
        await build[code](settings).search_hotels(COUPLE, timeout_s=0.4)
    # Well short of the 1.5 s answer: the deadline, not the supplier, ended the call.
    assert time.monotonic() - started < 1.2
