"""The CarTrawler adapter against the sandbox over real HTTP on loopback.

Each test builds the adapter on a fresh ``aiohttp`` session pointed at the shared sandbox;
``sandbox_control`` resets the sandbox's knobs and counters around every test.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import AsyncIterator

import aiohttp
import pytest
from guidera.v1 import common_pb2, offer_pb2
from pydantic import SecretStr

from guidera_grpc.config import Settings
from guidera_grpc.logs import fields_of
from guidera_grpc.normalizers.money import to_decimal
from guidera_grpc.providers.base import CarProvider
from guidera_grpc.providers.cartrawler import CarTrawlerCars
from guidera_grpc.providers.errors import (
    AuthenticationError,
    InvalidRequestError,
    ProviderTimeoutError,
    RateLimitedError,
    UpstreamError,
)
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.search.params import CarSearch
from tests.server_fixtures import SandboxControl

ENDPOINT = "POST /cartrawlerota/json"
WRONG_CLIENT_ID = "wrong-cartrawler-client-id"
PICK_UP = dt.datetime.combine(dt.date.today() + dt.timedelta(days=50), dt.time(10))
ROUND_TRIP = CarSearch("LHR", "LHR", PICK_UP, PICK_UP + dt.timedelta(days=4))
CITY = CarSearch("LON", "LON", PICK_UP, PICK_UP + dt.timedelta(days=3), currency="GBP")
ONE_WAY_YOUNG = CarSearch(
    "CDG", "FRA", PICK_UP, PICK_UP + dt.timedelta(days=5, hours=2), driver_age=22
)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def settings(sandbox: RunningSandbox) -> Settings:
    return Settings().with_sandbox(sandbox.url)


@pytest.fixture
def cars(
    http: aiohttp.ClientSession, settings: Settings, sandbox_control: SandboxControl
) -> CarProvider:
    return CarTrawlerCars(http, settings)


def received(sandbox: RunningSandbox) -> int:
    return sandbox.stats.counters("cartrawler").received[ENDPOINT]


def same_car(offer: offer_pb2.Offer) -> tuple[str, ...]:
    car = offer.car
    return (
        car.vendor.iata_code,
        car.acriss_code,
        car.pick_up.iata_code,
        car.pick_up.name,
        car.drop_off.iata_code,
        car.pick_up_local_time,
        car.drop_off_local_time,
    )


# Searches.


async def test_round_trip_search_returns_normalized_car_offers(cars: CarProvider) -> None:
    offers = await cars.search_cars(ROUND_TRIP, timeout_s=5)

    assert cars.code == "cartrawler"
    assert offers
    for offer in offers:
        car = offer.car
        assert offer.category == common_pb2.CATEGORY_CARS
        assert offer.provider_prices[0].provider == "cartrawler"
        assert offer.provider_prices[0].provider_offer_id
        assert not offer.offer_id
        assert len(car.acriss_code) == 4
        assert car.vendor.iata_code in {"ZE", "ZI", "EP", "SX", "ET", "ZD", "AL", "ZL"}
        assert car.vehicle_name.endswith("or similar")
        assert car.seats >= 4
        assert car.pick_up.iata_code == car.drop_off.iata_code == "LHR"
        assert car.pick_up.time_zone == "Europe/London"
        assert car.pick_up.has_coordinates
        assert car.pick_up_local_time == PICK_UP.isoformat()
        assert car.drop_off_local_time == (PICK_UP + dt.timedelta(days=4)).isoformat()
        price = offer.price
        assert price.total.currency_code == "EUR"
        assert to_decimal(price.total) == (
            to_decimal(price.base) + to_decimal(price.taxes) + to_decimal(price.fees)
        )
        assert "Collision damage waiver" in car.inclusions[0]


async def test_some_cars_come_twice_on_two_rate_plans(
    cars: CarProvider, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set("cartrawler", offers=500)

    offers = await cars.search_cars(ROUND_TRIP, timeout_s=5)

    plans = defaultdict(list)
    for offer in offers:
        plans[same_car(offer)].append(offer)
    twice = [pair for pair in plans.values() if len(pair) == 2]
    assert twice
    assert any(not offer.car.picture_url for offer in offers)
    for pair in twice:
        notes = sorted(offer.conditions.notes.split(";")[0] for offer in pair)
        assert notes == ["Pay at pick-up", "Prepaid when booking"]
        assert pair[0].provider_prices[0].provider_offer_id != (
            pair[1].provider_prices[0].provider_offer_id
        )


async def test_one_way_for_a_young_driver_shows_what_the_counter_collects(
    cars: CarProvider, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set("cartrawler", offers=200)

    offers = await cars.search_cars(ONE_WAY_YOUNG, timeout_s=5)

    assert offers
    assert {offer.car.drop_off.iata_code for offer in offers} == {"FRA"}
    assert {offer.car.drop_off.time_zone for offer in offers} == {"Europe/Berlin"}
    on_site = [offer for offer in offers if offer.price.HasField("payable_on_site")]
    assert len(on_site) == len(offers)
    assert all("Young driver surcharge" in offer.conditions.notes for offer in offers)
    assert any("One-way fee" in offer.conditions.notes for offer in on_site)


async def test_city_search_includes_downtown_desks(
    cars: CarProvider, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set("cartrawler", offers=300)

    offers = await cars.search_cars(CITY, timeout_s=5)

    downtown = [offer for offer in offers if offer.car.pick_up.name == "London - Victoria Station"]
    assert downtown
    place = downtown[0].car.pick_up
    assert place.iata_code == "LON"
    assert place.city_code == "LON"
    assert place.time_zone == "Europe/London"
    assert (round(place.latitude, 2), round(place.longitude, 2)) == (51.50, -0.14)
    assert list(place.address_lines) == ["Terminus Place, London SW1V 1JU"]
    assert {offer.price.total.currency_code for offer in offers} == {"GBP"}
    assert len({offer.car.pick_up.iata_code for offer in offers}) > 2


# Failures.


async def test_missing_client_id_fails_before_any_call(
    http: aiohttp.ClientSession, settings: Settings, sandbox: RunningSandbox
) -> None:
    before = received(sandbox)
    adapter = CarTrawlerCars(http, settings.model_copy(update={"cartrawler_client_id": None}))

    with pytest.raises(AuthenticationError, match="CARTRAWLER_CLIENT_ID not configured"):
        await adapter.search_cars(ROUND_TRIP, timeout_s=5)

    assert received(sandbox) == before


async def test_wrong_client_id_is_an_authentication_error_without_the_secret(
    http: aiohttp.ClientSession,
    settings: Settings,
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = settings.model_copy(update={"cartrawler_client_id": SecretStr(WRONG_CLIENT_ID)})
    adapter = CarTrawlerCars(http, wrong)

    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as raised:
        await adapter.search_cars(ROUND_TRIP, timeout_s=5)

    assert raised.value.http_status == 200
    assert "Authentication failed" in raised.value.message
    assert WRONG_CLIENT_ID not in str(raised.value)
    assert received(sandbox) == 1
    for record in caplog.records:
        assert WRONG_CLIENT_ID not in record.getMessage()
        assert WRONG_CLIENT_ID not in str(fields_of(record))


async def test_unknown_location_is_an_invalid_request(cars: CarProvider) -> None:
    search = CarSearch("QQQ", "QQQ", PICK_UP, PICK_UP + dt.timedelta(days=2))

    with pytest.raises(InvalidRequestError, match="no rental location"):
        await cars.search_cars(search, timeout_s=5)


async def test_no_availability_is_an_empty_list(cars: CarProvider) -> None:
    search = CarSearch("JFK", "LHR", PICK_UP, PICK_UP + dt.timedelta(days=7))

    assert await cars.search_cars(search, timeout_s=5) == []


async def test_server_errors_and_rate_limits_become_ours(
    cars: CarProvider, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set("cartrawler", error_rate=1.0)
    with pytest.raises(UpstreamError) as failed:
        await cars.search_cars(ROUND_TRIP, timeout_s=5)
    assert failed.value.http_status == 500
    assert failed.value.retryable

    await sandbox_control.set("cartrawler", error_rate=0.0, rate_429=1.0, retry_after_s=3)
    with pytest.raises(RateLimitedError) as limited:
        await cars.search_cars(ROUND_TRIP, timeout_s=5)
    assert limited.value.retry_after == 3


async def test_a_slow_answer_times_out_within_the_deadline(
    cars: CarProvider, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set("cartrawler", latency="2s")

    with pytest.raises(ProviderTimeoutError):
        await cars.search_cars(ROUND_TRIP, timeout_s=0.3)
