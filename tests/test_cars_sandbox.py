"""The CarTrawler emulator and its car inventory, over real HTTP on loopback.

Requests are CarTrawler JSON-OTA bodies posted to ``/cartrawler/cartrawlerota/json``; answers
are read as raw JSON so that the wire format itself is checked: one-element lists as bare
objects, errors as OTA ``Errors`` with HTTP 200, the XML form for an unreadable body.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.sandbox.cars.catalog import CarQuery, find_car_offers
from guidera_grpc.sandbox.cars.vendors import PAY_AT_COUNTER, PREPAID
from guidera_grpc.sandbox.flights.money import EUR
from tests.server_fixtures import SandboxControl

Json = dict[str, Any]
PICK_UP_DAY = dt.date.today() + dt.timedelta(days=40)
ENDPOINT = "POST /cartrawlerota/json"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def request_body(
    pick_up: str = "LHR",
    drop_off: str | None = None,
    *,
    client_id: str | None = SANDBOX_CREDENTIALS["cartrawler_client_id"],
    age: str = "35",
    days: int = 4,
    hour: int = 10,
    currency: str = "EUR",
) -> Json:
    start = dt.datetime.combine(PICK_UP_DAY, dt.time(hour))
    requestor = {"@Type": "16", "@ID_Context": "CARTRAWLER"}
    if client_id is not None:
        requestor["@ID"] = client_id
    return {
        "@xmlns": "http://www.opentravel.org/OTA/2003/05",
        "@Version": "1.005",
        "@Target": "Test",
        "POS": {"Source": {"@ISOCurrency": currency, "RequestorID": requestor}},
        "VehAvailRQCore": {
            "@Status": "Available",
            "VehRentalCore": {
                "@PickUpDateTime": start.isoformat(),
                "@ReturnDateTime": (start + dt.timedelta(days=days)).isoformat(),
                "PickUpLocation": {"@CodeContext": "IATA", "@LocationCode": pick_up},
                "ReturnLocation": {"@CodeContext": "IATA", "@LocationCode": drop_off or pick_up},
            },
            "DriverType": {"@Age": age},
        },
    }


async def post(
    http: aiohttp.ClientSession,
    sandbox: RunningSandbox,
    body: Json | bytes,
    message_type: str = "OTA_VehAvailRateRQ",
) -> tuple[int, Any, str]:
    url = f"{sandbox.url}/cartrawler/cartrawlerota/json"
    payload = {"data": body} if isinstance(body, bytes) else {"json": body}
    async with http.post(url, params={"type": message_type}, **payload) as response:
        if response.content_type == "application/json":
            return response.status, await response.json(), response.content_type
        return response.status, await response.text(), response.content_type


def avails(body: Json) -> list[tuple[Json, Json]]:
    """(vendor avail, veh avail) pairs, whichever list form each level took."""

    def items(value: Any, child: str) -> list[Json]:
        inner = value.get(child, value) if isinstance(value, dict) else value
        return inner if isinstance(inner, list) else [inner]

    vendors = items(body["VehAvailRSCore"].get("VehVendorAvails", []), "VehVendorAvail")
    return [(vendor, car) for vendor in vendors for car in items(vendor["VehAvails"], "VehAvail")]


def error_of(body: Json) -> Json:
    error: Json = body["Errors"]["Error"]
    return error


# Authentication and request errors.


async def test_wrong_client_id_gets_ota_errors_with_http_200(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    status, body, _ = await post(http, sandbox, request_body(client_id="not-our-client"))

    assert status == 200
    assert "VehAvailRSCore" not in body
    error = error_of(body)
    assert (error["@Type"], error["@Code"]) == ("4", "497")
    assert error["@ShortText"] == "Authentication failed"
    assert "not-our-client" in error["#text"]


async def test_missing_client_id_is_refused_too(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    _, body, _ = await post(http, sandbox, request_body(client_id=None))

    assert error_of(body)["@Type"] == "4"
    assert "RequestorID/@ID is required" in error_of(body)["#text"]


@pytest.mark.parametrize(
    ("change", "error_type", "code", "text"),
    [
        ({"@PickUpDateTime": None}, "10", "321", "VehRentalCore/@PickUpDateTime"),
        ({"@ReturnDateTime": "next week"}, "3", "320", "not a date and time"),
        ({"PickUpLocation": {"@LocationCode": "QQQ"}}, "3", "320", "no rental location"),
        ({"@ReturnDateTime": "2020-01-01T10:00:00"}, "3", "320", "must follow the pick-up"),
    ],
)
async def test_bad_rental_fields_get_ota_errors_naming_the_field(
    sandbox: RunningSandbox,
    http: aiohttp.ClientSession,
    sandbox_control: SandboxControl,
    change: Json,
    error_type: str,
    code: str,
    text: str,
) -> None:
    body = request_body()
    core = body["VehAvailRQCore"]["VehRentalCore"]
    core.update({key: value for key, value in change.items() if value is not None})
    for key in [key for key, value in change.items() if value is None]:
        del core[key]

    status, answer, _ = await post(http, sandbox, body)

    assert status == 200
    error = error_of(answer)
    assert (error["@Type"], error["@Code"]) == (error_type, code)
    assert text in error["#text"]


async def test_bad_age_and_currency_are_invalid_values(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    _, too_young, _ = await post(http, sandbox, request_body(age="16"))
    _, unknown_currency, _ = await post(http, sandbox, request_body(currency="XYZ"))

    assert "DriverType/@Age" in error_of(too_young)["#text"]
    assert "POS/Source/@ISOCurrency" in error_of(unknown_currency)["#text"]


async def test_unreadable_body_gets_the_xml_form_of_errors(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    status, text, content_type = await post(http, sandbox, b"<OTA_VehAvailRateRQ/>")

    assert status == 200
    assert content_type == "text/xml"
    assert '<Error Type="7" Code="320" ShortText="Malformed request">' in text


async def test_other_message_types_are_refused(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    _, body, _ = await post(http, sandbox, request_body(), message_type="OTA_VehLocSearchRQ")

    assert error_of(body)["@Type"] == "7"
    assert "OTA_VehLocSearchRQ" in error_of(body)["#text"]


# The answer's shape.


async def test_many_vendors_come_as_an_array_and_prices_add_up(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    status, body, _ = await post(http, sandbox, request_body("LHR"))

    assert status == 200
    assert body["Success"] == {}
    assert isinstance(body["VehAvailRSCore"]["VehVendorAvails"], list)
    pairs = avails(body)
    assert len(pairs) == 30
    for _, car in pairs:
        core = car["VehAvailCore"]
        total = core["TotalCharge"]
        charge = core["RentalRate"]["VehicleCharges"]["VehicleCharge"]
        tax = charge["TaxAmounts"]["TaxAmount"]["@Total"]
        fees = core["Fees"] if isinstance(core["Fees"], list) else [core["Fees"]["Fee"]]
        in_total = [f for f in fees if f.get("@IncludedInEstTotalInd") == "true"]
        expected = Decimal(total["@RateTotalAmount"]) + Decimal(tax)
        expected += sum(Decimal(f["@Amount"]) for f in in_total)
        assert Decimal(total["@EstimatedTotalAmount"]) == expected
        assert total["@RateTotalAmount"] == charge["@Amount"]


async def test_a_single_vendor_and_car_are_bare_objects(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set("cartrawler", offers=1)

    _, body, _ = await post(http, sandbox, request_body("LHR"))

    vendor_avails = body["VehAvailRSCore"]["VehVendorAvails"]
    assert isinstance(vendor_avails, dict)
    vendor = vendor_avails["VehVendorAvail"]
    assert isinstance(vendor["VehAvails"]["VehAvail"], dict)
    assert isinstance(vendor["Info"]["LocationDetails"], dict)


async def test_one_way_rental_lists_both_desks_and_a_one_way_fee(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    _, body, _ = await post(http, sandbox, request_body("CDG", "FRA"))

    for vendor, car in avails(body):
        desks = vendor["Info"]["LocationDetails"]
        assert [desk["@ExtendedLocationCode"] for desk in desks] == ["CDG", "FRA"]
        fees = car["VehAvailCore"]["Fees"]
        assert any(fee["@Description"] == "One-way fee" for fee in fees)


async def test_young_drivers_pay_a_surcharge_at_the_counter_in_local_currency(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    _, body, _ = await post(http, sandbox, request_body("LHR", age="22"))

    warning = body["Warnings"]["Warning"]
    assert "young driver" in warning["@ShortText"]
    for _, car in avails(body):
        surcharge = [
            fee for fee in car["VehAvailCore"]["Fees"] if fee["@Description"].startswith("Young")
        ]
        assert [(fee["@CurrencyCode"], fee["@IncludedInEstTotalInd"]) for fee in surcharge] == [
            ("GBP", "false")
        ]


async def test_no_car_crosses_an_ocean(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    _, body, _ = await post(http, sandbox, request_body("JFK", "LHR"))

    assert "VehVendorAvails" not in body["VehAvailRSCore"]
    assert body["Warnings"]["Warning"]["@RecordID"] == "424"


async def test_answers_are_deterministic(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    def fingerprint(body: Json) -> list[tuple[str, str]]:
        return [
            (
                car["VehAvailCore"]["Reference"]["@ID"],
                car["VehAvailCore"]["TotalCharge"]["@EstimatedTotalAmount"],
            )
            for _, car in avails(body)
        ]

    _, first, _ = await post(http, sandbox, request_body("PAR"))
    _, second, _ = await post(http, sandbox, request_body("PAR"))

    assert fingerprint(first) == fingerprint(second)


# Knobs and gateway faults.


async def test_error_and_rate_limit_knobs_answer_in_ota_form(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set("cartrawler", error_rate=1.0)
    status, body, _ = await post(http, sandbox, request_body())
    assert status == 500
    assert error_of(body)["@Type"] == "12"

    await sandbox_control.set("cartrawler", error_rate=0.0, rate_429=1.0, retry_after_s=4)
    url = f"{sandbox.url}/cartrawler/cartrawlerota/json?type=OTA_VehAvailRateRQ"
    async with http.post(url, json=request_body()) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "4"
        assert error_of(await response.json())["@ShortText"] == "Too many requests"

    stats = await sandbox_control.stats()
    assert stats["cartrawler"]["faults"] == {"error": 1, "rate_429": 1}


async def test_unknown_paths_get_a_404_in_ota_form(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    async with http.get(f"{sandbox.url}/cartrawler/cartrawlerpay/json") as response:
        assert response.status == 404
        assert error_of(await response.json())["@ShortText"] == "Unknown endpoint"


# The inventory itself.


def test_inventory_has_the_same_car_on_two_rate_plans() -> None:
    query = CarQuery(
        "LON",
        "LON",
        dt.datetime.combine(PICK_UP_DAY, dt.time(10)),
        dt.datetime.combine(PICK_UP_DAY + dt.timedelta(days=3), dt.time(10)),
    )

    offers = find_car_offers(query, EUR, 1000)

    cars = Counter(
        (o.rental.vendor.code, o.rental.vehicle.acriss, o.rental.pick_up.key) for o in offers
    )
    twice = [car for car, count in cars.items() if count == 2]
    assert twice
    assert {car[0] for car in twice} <= {"ZE", "ZI", "EP", "SX"}
    for car in twice:
        plans = {
            o.rental.plan: o
            for o in offers
            if (o.rental.vendor.code, o.rental.vehicle.acriss, o.rental.pick_up.key) == car
        }
        assert set(plans) == {PREPAID, PAY_AT_COUNTER}
        assert plans[PREPAID].quote.total < plans[PAY_AT_COUNTER].quote.total
        assert plans[PREPAID].reference != plans[PAY_AT_COUNTER].reference
    assert any(not o.rental.pick_up.at_airport for o in offers)
    assert any(o.rental.vendor.picture_url("CDMR", "x") is None for o in offers)
    assert all(o.quote.counter_fees == () for o in offers)


def test_downtown_desks_close_at_night_and_turn_away_luxury_for_young_drivers() -> None:
    night = dt.datetime.combine(PICK_UP_DAY, dt.time(22))
    query = CarQuery("LON", "LON", night, night + dt.timedelta(days=2), driver_age=21)

    offers = find_car_offers(query, EUR, 1000)

    assert offers
    assert all(o.rental.pick_up.at_airport for o in offers)
    assert not any(o.rental.vehicle.luxury for o in offers)
    assert all(o.rental.vendor.min_age <= 21 for o in offers)
