"""The CarTrawler normalizer and error translation on payloads in CarTrawler's JSON-OTA form.

The payloads under tests/payloads/ carry the awkward cases: one ``VehVendorAvail`` as a bare
object, one-element lists collapsed to objects, a vendor without pictures and one with a bare
file name, counter fees in another currency, a one-way rental with two desks, the payment
split (``@Purpose`` 22 / 23), a booking fee, a car on request, a car without a reference, the
flat variant without ``VehAvailCore``, and error answers in JSON and in XML.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.logs import fields_of
from guidera_grpc.normalizers.cartrawler_cars import (
    normalize_cartrawler_cars,
    ota_items,
    xml_to_json,
)
from guidera_grpc.normalizers.money import to_money
from guidera_grpc.providers.cartrawler import availability_request, error_from, read_body
from guidera_grpc.providers.errors import (
    AuthenticationError,
    InvalidRequestError,
    MalformedResponseError,
    RateLimitedError,
    UpstreamError,
)
from guidera_grpc.providers.http import Reply
from guidera_grpc.search.params import CarSearch

PAYLOADS = Path(__file__).parent / "payloads"


def load(name: str) -> dict[str, Any]:
    """A fresh copy of a payload."""
    payload: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return payload


def money(text: str, currency: str) -> common_pb2.Money:
    return to_money(Decimal(text), currency)


def by_reference(offers: list[offer_pb2.Offer]) -> dict[str, offer_pb2.Offer]:
    return {offer.provider_prices[0].provider_offer_id: offer for offer in offers}


# Reading JSON-OTA lists.


@pytest.mark.parametrize(
    "value",
    [
        [{"n": 1}, {"n": 2}],
        {"Fee": [{"n": 1}, {"n": 2}]},
        [{"Fee": {"n": 1}}, {"Fee": {"n": 2}}],
    ],
)
def test_ota_items_reads_every_form_of_a_repeated_element(value: object) -> None:
    assert ota_items(value, "Fee") == [{"n": 1}, {"n": 2}]


@pytest.mark.parametrize("value", [{"Fee": {"n": 1}}, {"n": 1}, [{"n": 1}]])
def test_ota_items_reads_a_single_element_as_a_list_of_one(value: object) -> None:
    assert ota_items(value, "Fee") == [{"n": 1}]


@pytest.mark.parametrize("value", [None, "", [], {"Fee": None}, ["text"]])
def test_ota_items_of_nothing_is_empty(value: object) -> None:
    assert ota_items(value, "Fee") == []


# A one-way rental from one vendor, on two rate plans.


def test_single_vendor_as_a_bare_object_gives_both_rate_plans() -> None:
    offers = normalize_cartrawler_cars(load("cartrawler_one_way_single_vendor.json"))

    assert sorted(by_reference(offers)) == ["ZE-CDMR-PAYLOCAL-7732", "ZE-CDMR-PREPAY-7731"]
    cars = [offer.car for offer in offers]
    assert {car.vendor.iata_code for car in cars} == {"ZE"}
    assert {car.acriss_code for car in cars} == {"CDMR"}
    assert all(offer.category == common_pb2.CATEGORY_CARS for offer in offers)
    assert all(offer.provider_prices[0].provider == "cartrawler" for offer in offers)


def test_prepaid_price_keeps_each_part_and_the_counter_fees_in_their_currency() -> None:
    offers = by_reference(normalize_cartrawler_cars(load("cartrawler_one_way_single_vendor.json")))
    price = offers["ZE-CDMR-PREPAY-7731"].price

    assert price.total == money("289.20", "EUR")
    assert price.base == money("206.00", "EUR")
    assert price.taxes == money("41.20", "EUR")
    assert price.fees == money("42.00", "EUR")
    assert price.payable_on_site == money("210.00", "GBP")
    assert offers["ZE-CDMR-PREPAY-7731"].provider_prices[0].price == price


def test_rate_plans_differ_in_payment_and_cancellation() -> None:
    offers = by_reference(normalize_cartrawler_cars(load("cartrawler_one_way_single_vendor.json")))
    prepaid, at_counter = offers["ZE-CDMR-PREPAY-7731"], offers["ZE-CDMR-PAYLOCAL-7732"]

    assert prepaid.conditions.refund == common_pb2.CONDITION_STATUS_ALLOWED_WITH_PENALTY
    assert prepaid.conditions.notes.startswith("Prepaid when booking")
    assert at_counter.conditions.refund == common_pb2.CONDITION_STATUS_ALLOWED
    assert at_counter.conditions.notes.startswith("Pay at pick-up")
    assert at_counter.price.total == money("309.00", "EUR")
    assert "At the counter: One-way fee 95.00 GBP, Young driver surcharge 115.00 GBP" in (
        at_counter.conditions.notes
    )
    assert "Fuel policy: full to full" in prepaid.conditions.notes


def test_one_way_rental_has_both_desks_with_times_and_coordinates() -> None:
    offers = by_reference(normalize_cartrawler_cars(load("cartrawler_one_way_single_vendor.json")))
    car = offers["ZE-CDMR-PREPAY-7731"].car

    assert car.pick_up.iata_code == "LHR"
    assert car.pick_up.time_zone == "Europe/London"
    assert (car.pick_up.latitude, car.pick_up.longitude) == (51.4783, -0.4447)
    assert list(car.pick_up.address_lines) == ["Car rental centre, Northern Perimeter Road"]
    assert car.pick_up.postal_code == "TW6 2QD"
    assert car.drop_off.iata_code == "MAN"
    assert car.drop_off.has_coordinates
    assert car.drop_off.latitude == pytest.approx(53.35, abs=0.05)
    assert list(car.drop_off.address_lines) == ["Car rental village", "Shadowmoss Road"]
    assert car.pick_up_local_time == "2027-06-14T09:30:00"
    assert car.drop_off_local_time == "2027-06-18T17:00:00"


def test_vehicle_details_and_included_covers() -> None:
    offers = by_reference(normalize_cartrawler_cars(load("cartrawler_one_way_single_vendor.json")))
    car = offers["ZE-CDMR-PREPAY-7731"].car

    assert car.vendor == offer_pb2.Carrier(iata_code="ZE", name="Hertz")
    assert car.vehicle_name == "Vauxhall Astra or similar"
    assert (car.seats, car.doors, car.bags) == (5, 5, 3)
    assert not car.automatic
    assert car.air_conditioning
    assert car.unlimited_mileage
    assert list(car.inclusions) == [
        "Collision damage waiver (excess 1100.00 EUR)",
        "Theft protection",
    ]
    assert car.picture_url.startswith("https://")
    assert list(offers["ZE-CDMR-PAYLOCAL-7732"].car.inclusions) == ["Collision damage waiver"]


# Several vendors, and what goes missing.


def test_many_vendors_in_every_list_form() -> None:
    offers = by_reference(normalize_cartrawler_cars(load("cartrawler_many_vendors.json")))

    assert sorted(offers) == ["AL-ICAR-1001", "ZI-FCAR-3001", "ZR-ECAR-2001", "ZR-SCAR-2004"]
    assert offers["ZI-FCAR-3001"].car.vendor == offer_pb2.Carrier(iata_code="ZI", name="Avis")


def test_cars_on_request_or_without_reference_are_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        offers = normalize_cartrawler_cars(load("cartrawler_many_vendors.json"))

    assert "ZR-ECAR-2002" not in by_reference(offers)
    skipped = [fields_of(r) for r in caplog.records if "could not be normalized" in r.message]
    assert [entry["reason"] for entry in skipped] == ["missing Reference/@ID"]


def test_booking_fee_outside_the_estimate_is_added_to_the_total() -> None:
    price = by_reference(normalize_cartrawler_cars(load("cartrawler_many_vendors.json")))[
        "AL-ICAR-1001"
    ].price

    assert price.total == money("210.45", "USD")
    assert price.base == money("180.00", "USD")
    assert price.taxes == money("18.45", "USD")
    assert price.fees == money("12.00", "USD")
    assert not price.HasField("payable_on_site")


def test_payment_split_alone_tells_what_the_counter_collects() -> None:
    offer = by_reference(normalize_cartrawler_cars(load("cartrawler_many_vendors.json")))[
        "ZR-ECAR-2001"
    ]

    assert offer.price.total == money("169.89", "USD")
    assert offer.price.fees == money("15.54", "USD")
    assert offer.price.payable_on_site == money("20.00", "USD")
    assert offer.conditions.notes == "Pay at pick-up; Fuel policy: full to empty"


def test_missing_attributes_fall_back_to_the_acriss_code_and_loose_counts() -> None:
    offers = by_reference(normalize_cartrawler_cars(load("cartrawler_many_vendors.json")))
    alamo = offers["AL-ICAR-1001"].car

    assert alamo.automatic
    assert alamo.air_conditioning
    assert (alamo.seats, alamo.doors, alamo.bags) == (5, 5, 3)
    assert not alamo.unlimited_mileage
    assert "Mileage: 150 miles a day included" in offers["AL-ICAR-1001"].conditions.notes
    assert list(alamo.inclusions) == []
    assert not offers["ZI-FCAR-3001"].car.air_conditioning


def test_pictures_missing_or_not_urls_are_empty_and_text_nodes_are_read() -> None:
    offers = by_reference(normalize_cartrawler_cars(load("cartrawler_many_vendors.json")))

    assert offers["AL-ICAR-1001"].car.picture_url == ""
    assert offers["ZR-ECAR-2001"].car.picture_url == ""
    assert (
        offers["ZI-FCAR-3001"].car.picture_url == "https://images.example-fleet.test/avis/fcar.png"
    )


def test_flat_variant_and_missing_desks_fall_back_to_the_searched_airport() -> None:
    offers = by_reference(normalize_cartrawler_cars(load("cartrawler_many_vendors.json")))
    flat = offers["ZR-SCAR-2004"]

    assert flat.price.total == money("264.55", "USD")
    assert flat.price.base == money("220.00", "USD")
    assert not flat.price.HasField("taxes")
    assert flat.conditions.refund == common_pb2.CONDITION_STATUS_UNSPECIFIED
    assert flat.car.pick_up.iata_code == "JFK"
    assert flat.car.pick_up.time_zone == "America/New_York"
    assert flat.car.drop_off == flat.car.pick_up
    alamo = offers["AL-ICAR-1001"].car
    assert alamo.pick_up.name == "John F Kennedy International Airport"
    assert list(alamo.pick_up.address_lines) == ["Federal Circle, Jamaica, NY 11430"]


def test_requested_search_fills_in_missing_times_and_places() -> None:
    payload = load("cartrawler_many_vendors.json")
    payload["VehAvailRSCore"]["VehRentalCore"] = {}
    requested = CarSearch(
        "JFK", "JFK", dt.datetime(2027, 9, 3, 18), dt.datetime(2027, 9, 7, 18), currency="USD"
    )

    offers = normalize_cartrawler_cars(payload, requested)

    assert {offer.car.pick_up_local_time for offer in offers} == {"2027-09-03T18:00:00"}
    with pytest.raises(MalformedResponseError, match="rental times"):
        normalize_cartrawler_cars(payload)


def test_no_availability_is_an_empty_list() -> None:
    assert normalize_cartrawler_cars(load("cartrawler_no_availability.json")) == []


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        ([], "expected a JSON object"),
        ({"@Version": "1.005"}, "neither VehAvailRSCore nor Success"),
        (
            {"Errors": {"Error": {"@Type": "4", "#text": "no"}}},
            "Errors, not availability",
        ),
    ],
)
def test_bodies_of_the_wrong_shape_are_malformed(payload: object, match: str) -> None:
    with pytest.raises(MalformedResponseError, match=match):
        normalize_cartrawler_cars(payload)


def test_an_xml_availability_answer_reads_like_the_json_one() -> None:
    xml = """<?xml version="1.0"?>
    <OTA_VehAvailRateRS xmlns="http://www.opentravel.org/OTA/2003/05" Version="1.005">
      <Success/>
      <VehAvailRSCore>
        <VehRentalCore PickUpDateTime="2027-06-14T09:30:00" ReturnDateTime="2027-06-16T09:30:00">
          <PickUpLocation LocationCode="FCO"/><ReturnLocation LocationCode="FCO"/>
        </VehRentalCore>
        <VehVendorAvails><VehVendorAvail>
          <Vendor Code="EP" CompanyShortName="Europcar">Europcar</Vendor>
          <VehAvails><VehAvail><VehAvailCore Status="Available">
            <Vehicle Code="MBMR" PassengerQuantity="4"><VehMakeModel Name="Fiat 500 or similar"/>
              <PictureURL>https://images.example-fleet.test/ep/mbmr.png</PictureURL></Vehicle>
            <TotalCharge RateTotalAmount="60.00" EstimatedTotalAmount="73.20" CurrencyCode="EUR"/>
            <Fees><Fee Purpose="5" Description="Airport surcharge" Amount="9.99"
              CurrencyCode="EUR" IncludedInEstTotalInd="false"/></Fees>
            <Reference Type="16" ID="EP-MBMR-1"/>
          </VehAvailCore></VehAvail></VehAvails>
        </VehVendorAvail></VehVendorAvails>
      </VehAvailRSCore>
    </OTA_VehAvailRateRS>"""

    (offer,) = normalize_cartrawler_cars(xml_to_json(xml))

    assert offer.car.vendor == offer_pb2.Carrier(iata_code="EP", name="Europcar")
    assert offer.car.pick_up.iata_code == "FCO"
    assert offer.car.picture_url == "https://images.example-fleet.test/ep/mbmr.png"
    assert offer.price.total == money("73.20", "EUR")
    assert offer.price.payable_on_site == money("9.99", "EUR")


# Error answers.


def test_json_errors_with_a_single_error_become_an_authentication_error() -> None:
    body = (PAYLOADS / "cartrawler_errors.json").read_bytes()

    error = error_from(Reply(200, {}, body), ("retired-client-0042",))

    assert isinstance(error, AuthenticationError)
    assert "Authentication failed (type 4, code 497)" in error.message
    assert "retired-client-0042" not in str(error)
    assert "[secure]" in error.message


def test_xml_errors_list_every_error_and_blame_the_request() -> None:
    body = (PAYLOADS / "cartrawler_errors.xml").read_bytes()

    error = error_from(Reply(200, {"Content-Type": "text/xml"}, body))

    assert isinstance(error, InvalidRequestError)
    assert "Required field missing (type 10, code 321)" in error.message
    assert "drivers must be 18 to 99" in error.message
    assert read_body(Reply(200, {}, body)) is not None


def test_gateway_failures_without_ota_errors() -> None:
    limited = error_from(Reply(429, {"Retry-After": "7"}, b"slow down"))
    broken = error_from(Reply(502, {}, b"<html>Bad gateway</html>"))
    garbage = error_from(Reply(200, {}, b"\x00not json"))

    assert isinstance(limited, RateLimitedError)
    assert limited.retry_after == 7
    assert isinstance(broken, UpstreamError)
    assert broken.http_status == 502
    assert isinstance(garbage, MalformedResponseError)


def test_the_request_carries_the_client_id_in_the_body_and_local_times() -> None:
    search = CarSearch(
        "LHR", "MAN", dt.datetime(2027, 6, 14, 9, 30), dt.datetime(2027, 6, 18, 17), 23, "GBP"
    )

    body = availability_request(search, "client-1", "Test")

    source = body["POS"]["Source"]
    assert source["RequestorID"]["@ID"] == "client-1"
    assert source["@ISOCurrency"] == "GBP"
    core = body["VehAvailRQCore"]
    assert core["VehRentalCore"]["@PickUpDateTime"] == "2027-06-14T09:30:00"
    assert core["VehRentalCore"]["ReturnLocation"]["@LocationCode"] == "MAN"
    assert core["DriverType"]["@Age"] == "23"
