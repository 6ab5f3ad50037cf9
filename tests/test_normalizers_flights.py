"""The flight normalizers on payloads written in each supplier's real wire format.

The payloads under tests/payloads/ carry the quirks the suppliers are known for: amounts as
strings (Amadeus, Duffel) or floats (Kiwi), zero-padded durations, Kiwi's ``Z`` on local times,
weight-based bags, nulls where a field is optional, and offers that lack a required field.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import timestamp_pb2
from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.logs import fields_of
from guidera_grpc.normalizers import (
    normalize_amadeus_flights,
    normalize_duffel_flights,
    normalize_kiwi_flights,
)
from guidera_grpc.normalizers.common import (
    AMADEUS_CABINS,
    DUFFEL_CABINS,
    KIWI_CABINS,
    PlaceHints,
    airport_place,
    cabin_code,
    cabin_from,
    flight_number,
    local_to_utc,
    parse_iso_duration,
    parse_local_time,
)
from guidera_grpc.normalizers.money import (
    MoneyError,
    add_money,
    compare_money,
    format_money,
    parse_amount,
    parse_money,
    subtract_money,
    to_decimal,
    to_money,
)
from guidera_grpc.providers.errors import MalformedResponseError

PAYLOADS = Path(__file__).parent / "payloads"
RECEIVED_AT = dt.datetime(2027, 5, 20, 8, 12, tzinfo=dt.UTC)


def load(name: str) -> dict[str, Any]:
    """A fresh copy of a payload, safe to change in a test."""
    payload: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return payload


def utc(ts: timestamp_pb2.Timestamp) -> dt.datetime:
    return ts.ToDatetime(tzinfo=dt.UTC)


def money(text: str, currency: str) -> common_pb2.Money:
    return to_money(Decimal(text), currency)


# Money.


@pytest.mark.parametrize(
    ("value", "units", "nanos"),
    [
        ("1842.56", 1842, 560_000_000),
        ("0.00", 0, 0),
        (59.99, 59, 990_000_000),
        (0.1, 0, 100_000_000),
        (120, 120, 0),
        ("-12.50", -12, -500_000_000),
        (-0.75, 0, -750_000_000),
        ("1.0000000005", 1, 0),
        ("1.0000000015", 1, 2),
    ],
)
def test_amounts_become_exact_units_and_nanos(value: object, units: int, nanos: int) -> None:
    """Strings and floats land exactly; negatives share the sign; the nano rounds half-even."""
    result = parse_money(value, "eur")

    assert (result.currency_code, result.units, result.nanos) == ("EUR", units, nanos)


def test_float_amounts_carry_no_binary_noise() -> None:
    """A Kiwi float goes through its shortest repr: 0.1 + 0.2 is 0.30000000000000004, not 0.3."""
    assert parse_amount(0.1) == Decimal("0.1")
    assert parse_amount(0.1 + 0.2) == Decimal("0.30000000000000004")
    assert to_decimal(parse_money(243.87, "EUR")) == Decimal("243.87")


@pytest.mark.parametrize("value", [None, "", "abc", True, float("nan"), "Infinity", [1]])
def test_non_amounts_are_refused(value: object) -> None:
    with pytest.raises(MoneyError):
        parse_amount(value)


@pytest.mark.parametrize("value", ["EURO", "E1", "", None, 978])
def test_non_currency_codes_are_refused(value: object) -> None:
    with pytest.raises(MoneyError):
        parse_money("1.00", value)


def test_money_of_one_currency_adds_subtracts_and_compares() -> None:
    a, b = money("10.25", "EUR"), money("0.80", "EUR")

    assert to_decimal(add_money(a, b, b)) == Decimal("11.85")
    assert to_decimal(subtract_money(b, a)) == Decimal("-9.45")
    assert subtract_money(b, a).nanos == -450_000_000
    assert (compare_money(a, b), compare_money(b, a), compare_money(a, a)) == (1, -1, 0)
    assert format_money(a) == "10.25 EUR"


def test_money_of_two_currencies_does_not_mix() -> None:
    with pytest.raises(MoneyError, match="do not mix"):
        add_money(money("1", "EUR"), money("1", "USD"))
    with pytest.raises(MoneyError):
        compare_money(money("1", "EUR"), money("1", "GBP"))


# Durations, times, places, cabins.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT02H26M", dt.timedelta(hours=2, minutes=26)),
        ("PT9H", dt.timedelta(hours=9)),
        ("PT7H5M", dt.timedelta(hours=7, minutes=5)),
        ("P1DT2H", dt.timedelta(days=1, hours=2)),
        ("PT45M30.5S", dt.timedelta(minutes=45, seconds=30.5)),
        ("P1W", dt.timedelta(weeks=1)),
        ("PT0S", dt.timedelta(0)),
    ],
)
def test_iso_durations_are_read(text: str, expected: dt.timedelta) -> None:
    assert parse_iso_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "P1Y", "P2M", "2H", "PT-1H"])
def test_unfixed_or_broken_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_iso_duration(text)


def test_local_time_in_an_airport_zone_becomes_utc() -> None:
    """New York in June is UTC−4; Kiwi's misleading Z is dropped from a local reading."""
    local = parse_local_time("2027-06-10T19:30:00.000Z")

    assert local == dt.datetime(2027, 6, 10, 19, 30)
    assert local_to_utc(local, "America/New_York") == dt.datetime(
        2027, 6, 10, 23, 30, tzinfo=dt.UTC
    )
    assert local_to_utc(local, "Not/AZone") is None


def test_airport_place_comes_from_reference_data() -> None:
    place = airport_place("lhr")

    assert (place.iata_code, place.city_code, place.country_code) == ("LHR", "LON", "GB")
    assert place.time_zone == "Europe/London"
    assert place.has_coordinates
    assert place.latitude == pytest.approx(51.47, abs=0.01)


def test_supplier_hints_fill_gaps_and_a_supplier_zone_wins() -> None:
    """Unknown airports take the supplier's word; a known one keeps reference coordinates."""
    unknown = airport_place("QQZ", PlaceHints(name="Nowhere Field", latitude=1.5, longitude=2.5))
    known = airport_place("LHR", PlaceHints(latitude=0.0, longitude=0.0, time_zone="Europe/Paris"))

    assert (unknown.name, unknown.latitude, unknown.has_coordinates) == ("Nowhere Field", 1.5, True)
    assert unknown.time_zone == ""
    assert known.latitude == pytest.approx(51.47, abs=0.01)
    assert known.time_zone == "Europe/Paris"


@pytest.mark.parametrize(
    ("codes", "code", "cabin"),
    [
        (AMADEUS_CABINS, "PREMIUM_ECONOMY", common_pb2.CABIN_PREMIUM_ECONOMY),
        (DUFFEL_CABINS, "business", common_pb2.CABIN_BUSINESS),
        (KIWI_CABINS, "W", common_pb2.CABIN_PREMIUM_ECONOMY),
        (KIWI_CABINS, "F", common_pb2.CABIN_FIRST),
        (KIWI_CABINS, "X", common_pb2.CABIN_UNSPECIFIED),
    ],
)
def test_cabins_map_per_supplier(codes: Any, code: str, cabin: int) -> None:
    assert cabin_from(codes, code) == cabin


def test_unspecified_cabin_searches_economy() -> None:
    assert cabin_code(KIWI_CABINS, common_pb2.CABIN_UNSPECIFIED) == "M"
    assert cabin_code(DUFFEL_CABINS, common_pb2.CABIN_FIRST) == "first"
    assert cabin_code(AMADEUS_CABINS, common_pb2.CABIN_BUSINESS) == "BUSINESS"


@pytest.mark.parametrize(
    ("value", "expected"), [("0178", "178"), (1395, "1395"), ("", ""), ("0", "0"), ("12a", "12A")]
)
def test_flight_numbers_drop_leading_zeros(value: object, expected: str) -> None:
    assert flight_number(value) == expected


# Amadeus.


def test_amadeus_skips_offers_without_price_or_segments(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        offers = normalize_amadeus_flights(load("amadeus_flight_offers.json"))

    assert [o.provider_prices[0].provider_offer_id for o in offers] == ["1", "2"]
    skipped = [r for r in caplog.records if r.getMessage().startswith("skipped an offer")]
    assert [fields_of(r).get("offer_id") for r in skipped] == ["3", "4"]
    assert all(fields_of(r).get("provider") == "amadeus" for r in skipped)


def test_amadeus_offer_keeps_every_price_part_and_one_provider_price() -> None:
    offer = normalize_amadeus_flights(load("amadeus_flight_offers.json"))[0]

    assert offer.offer_id == ""
    assert offer.category == common_pb2.CATEGORY_FLIGHTS
    assert offer.price.total == money("1842.56", "USD")
    assert offer.price.base == money("1210.00", "USD")
    assert offer.price.fees == money("0", "USD")
    assert offer.price.taxes == money("632.56", "USD")
    assert len(offer.provider_prices) == 1
    assert offer.provider_prices[0].provider == "amadeus"
    assert offer.provider_prices[0].price == offer.price


def test_amadeus_taxes_are_the_rest_when_no_fees_are_listed() -> None:
    offer = normalize_amadeus_flights(load("amadeus_flight_offers.json"))[1]

    assert offer.price.total.currency_code == "USD"
    assert offer.price.taxes == money("347.30", "USD")
    assert not offer.price.HasField("fees")


def test_amadeus_overnight_flight_keeps_local_times_and_utc_instants() -> None:
    """JFK 19:30 (EDT) → LHR 07:35 next day (BST) is 23:30Z → 06:35Z, 7 h 05."""
    segment = (
        normalize_amadeus_flights(load("amadeus_flight_offers.json"))[0]
        .flight.slices[0]
        .segments[0]
    )

    assert segment.departure_local_time == "2027-06-10T19:30:00"
    assert segment.arrival_local_time == "2027-06-11T07:35:00"
    assert utc(segment.departure_time) == dt.datetime(2027, 6, 10, 23, 30, tzinfo=dt.UTC)
    assert utc(segment.arrival_time) == dt.datetime(2027, 6, 11, 6, 35, tzinfo=dt.UTC)
    assert segment.duration.ToTimedelta() == dt.timedelta(hours=7, minutes=5)
    assert segment.origin.time_zone == "America/New_York"
    assert segment.destination.city_code == "LON"


def test_amadeus_segment_details_come_from_the_first_adult_fare() -> None:
    """The child's fare is listed first; the adult's cabin, class and bags describe the flight."""
    flight = normalize_amadeus_flights(load("amadeus_flight_offers.json"))[0].flight
    outbound = flight.slices[0].segments[0]

    assert (outbound.marketing_carrier.iata_code, outbound.marketing_carrier.name) == (
        "BA",
        "BRITISH AIRWAYS",
    )
    assert outbound.marketing_flight_number == "178"
    assert outbound.operating_carrier.name == "AMERICAN AIRLINES"
    assert (outbound.cabin, outbound.booking_class, outbound.fare_basis) == (
        common_pb2.CABIN_ECONOMY,
        "O",
        "OLN0Z9B3",
    )
    assert outbound.aircraft_code == "777"
    assert (outbound.origin_terminal, outbound.destination_terminal) == ("8", "5")
    assert outbound.baggage.checked_weight_kg == 23
    assert not outbound.baggage.HasField("checked_bags")
    assert flight.cabin == common_pb2.CABIN_ECONOMY
    assert list(flight.validating_carriers) == ["BA"]
    assert flight.seats_left == 4


def test_amadeus_return_trip_has_two_slices_with_connections() -> None:
    flight = normalize_amadeus_flights(load("amadeus_flight_offers.json"))[1].flight
    outbound, inbound = flight.slices

    assert [s.destination.iata_code for s in outbound.segments] == ["KEF", "LHR"]
    assert [s.origin.iata_code for s in inbound.segments] == ["LHR", "KEF"]
    assert (outbound.origin.iata_code, outbound.destination.iata_code) == ("JFK", "LHR")
    assert outbound.duration.ToTimedelta() == dt.timedelta(hours=10, minutes=5)
    assert outbound.segments[1].duration.ToTimedelta() == dt.timedelta(hours=3, minutes=5)
    assert outbound.segments[1].cabin == common_pb2.CABIN_PREMIUM_ECONOMY
    assert flight.cabin == common_pb2.CABIN_ECONOMY
    assert not outbound.segments[1].HasField("operating_carrier")
    assert outbound.segments[0].baggage.carry_on_bags == 1
    assert inbound.segments[1].baggage.checked_weight_kg == 23
    assert not flight.HasField("seats_left")


def test_amadeus_expiry_and_conditions() -> None:
    first, second = normalize_amadeus_flights(load("amadeus_flight_offers.json"))

    assert utc(first.expire_time) == dt.datetime(2027, 5, 28, 18, 0, tzinfo=dt.UTC)
    assert utc(second.expire_time).date() == dt.date(2027, 5, 30)
    assert first.provider_prices[0].expire_time == first.expire_time
    assert first.conditions.refund == common_pb2.CONDITION_STATUS_UNSPECIFIED
    assert first.conditions.change == common_pb2.CONDITION_STATUS_UNSPECIFIED


@pytest.mark.parametrize(
    "path",
    [
        ("dictionaries",),
        ("data", 0, "travelerPricings"),
        ("data", 0, "itineraries", 0, "duration"),
        ("data", 0, "itineraries", 0, "segments", 0, "aircraft"),
        ("data", 0, "itineraries", 0, "segments", 0, "operating"),
        ("data", 0, "itineraries", 0, "segments", 0, "departure", "terminal"),
        ("data", 0, "price", "fees"),
        ("data", 0, "price", "base"),
        ("data", 0, "lastTicketingDateTime"),
        ("data", 0, "numberOfBookableSeats"),
        ("data", 0, "validatingAirlineCodes"),
    ],
)
def test_amadeus_survives_null_optional_fields(path: tuple[str | int, ...]) -> None:
    payload = load("amadeus_flight_offers.json")
    set_at(payload, path, None)

    offers = normalize_amadeus_flights(payload)

    assert [o.provider_prices[0].provider_offer_id for o in offers] == ["1", "2"]


# Duffel.


def test_duffel_offer_keeps_prices_conditions_and_expiry() -> None:
    offer, _ = normalize_duffel_flights(load("duffel_offer_request.json"))

    assert offer.provider_prices[0].provider_offer_id == "off_0000AgVjQbZ2oYFc8f3R1a"
    assert offer.price.total == money("1024.80", "GBP")
    assert offer.price.base == money("760.00", "GBP")
    assert offer.price.taxes == money("264.80", "GBP")
    assert offer.conditions.refund == common_pb2.CONDITION_STATUS_UNSPECIFIED
    assert offer.conditions.change == common_pb2.CONDITION_STATUS_ALLOWED_WITH_PENALTY
    assert offer.conditions.change_penalty == money("75", "GBP")
    assert utc(offer.expire_time) == dt.datetime(2027, 5, 20, 9, 42, 45, 112902, tzinfo=dt.UTC)
    assert list(offer.flight.validating_carriers) == ["BA"]


def test_duffel_zero_padded_durations_and_zone_aware_instants() -> None:
    """LHR 08:25 BST → JFK 11:15 EDT is 07:25Z → 15:15Z; ``PT07H50M`` reads as 7 h 50."""
    journey = normalize_duffel_flights(load("duffel_offer_request.json"))[0].flight.slices[0]
    segment = journey.segments[0]

    assert journey.duration.ToTimedelta() == dt.timedelta(hours=7, minutes=50)
    assert segment.duration.ToTimedelta() == dt.timedelta(hours=7, minutes=50)
    assert utc(segment.departure_time) == dt.datetime(2027, 6, 10, 7, 25, tzinfo=dt.UTC)
    assert utc(segment.arrival_time) == dt.datetime(2027, 6, 10, 15, 15, tzinfo=dt.UTC)
    assert segment.marketing_flight_number == "117"
    assert (segment.fare_basis, segment.cabin) == ("OLNNXXA1", common_pb2.CABIN_ECONOMY)
    assert (segment.baggage.checked_bags, segment.baggage.carry_on_bags) == (1, 1)
    assert segment.aircraft_code == "777"


def test_duffel_offer_without_breakdown_and_with_code_share() -> None:
    offer = normalize_duffel_flights(load("duffel_offer_request.json"))[1]
    first, second = offer.flight.slices[0].segments

    assert offer.price.total == money("612.15", "GBP")
    assert not offer.price.HasField("base")
    assert not offer.price.HasField("taxes")
    assert offer.conditions.refund == common_pb2.CONDITION_STATUS_NOT_ALLOWED
    assert offer.conditions.change == common_pb2.CONDITION_STATUS_ALLOWED
    assert (first.marketing_carrier.iata_code, first.operating_carrier.iata_code) == ("AA", "EI")
    assert first.operating_flight_number == "151"
    assert first.baggage.carry_on_bags == 1
    assert not first.baggage.HasField("checked_bags")
    assert not second.HasField("operating_carrier")
    assert second.aircraft_code == "32Q"
    assert not second.HasField("baggage")
    assert offer.flight.slices[0].duration.ToTimedelta() == dt.timedelta(hours=9, minutes=5)


def test_duffel_skips_an_offer_without_a_total(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        offers = normalize_duffel_flights(load("duffel_offer_request.json"))

    assert len(offers) == 2
    assert any(fields_of(r).get("offer_id") == "off_0000AgVjQbZ2oYFc8f3R3a" for r in caplog.records)


def test_duffel_reads_a_plain_list_of_offers() -> None:
    payload = load("duffel_offer_request.json")
    offers = normalize_duffel_flights({"data": payload["data"]["offers"], "meta": {"after": None}})

    assert len(offers) == 2


# Kiwi.


def test_kiwi_prices_are_exact_from_floats() -> None:
    offers = normalize_kiwi_flights(load("kiwi_search.json"), received_at=RECEIVED_AT)

    assert offers[0].price.total == money("243.87", "EUR")
    assert offers[0].price.base == money("231.12", "EUR")
    assert offers[0].price.fees == money("12.75", "EUR")
    assert offers[0].price.taxes == money("0", "EUR")
    assert offers[1].price.total == money("59.99", "EUR")
    assert not offers[1].price.HasField("base")


def test_kiwi_route_splits_into_outbound_and_return() -> None:
    flight = normalize_kiwi_flights(load("kiwi_search.json"))[0].flight
    outbound, inbound = flight.slices

    assert [s.origin.iata_code for s in outbound.segments] == ["PRG", "MUC"]
    assert [s.origin.iata_code for s in inbound.segments] == ["BCN"]
    assert outbound.duration.ToTimedelta() == dt.timedelta(seconds=15000)
    assert inbound.duration.ToTimedelta() == dt.timedelta(seconds=8700)
    assert flight.self_transfer
    assert flight.seats_left == 3


def test_kiwi_local_times_drop_the_misleading_z_and_instants_use_utc_fields() -> None:
    segment = normalize_kiwi_flights(load("kiwi_search.json"))[0].flight.slices[0].segments[0]

    assert segment.departure_local_time == "2027-07-02T06:05:00"
    assert utc(segment.departure_time) == dt.datetime(2027, 7, 2, 4, 5, tzinfo=dt.UTC)
    assert segment.duration.ToTimedelta() == dt.timedelta(hours=1)


def test_kiwi_segment_carriers_numbers_cabins_and_bags() -> None:
    outbound = normalize_kiwi_flights(load("kiwi_search.json"))[0].flight.slices[0]
    first, second = outbound.segments

    assert (first.marketing_carrier.iata_code, first.marketing_flight_number) == ("LH", "1395")
    assert (first.operating_carrier.iata_code, first.operating_flight_number) == ("LH", "")
    assert (second.operating_carrier.iata_code, second.operating_flight_number) == ("EN", "8212")
    assert (first.cabin, first.booking_class, first.fare_basis) == (
        common_pb2.CABIN_ECONOMY,
        "K",
        "KNCOWN",
    )
    assert first.aircraft_code == ""
    assert second.aircraft_code == "E95"
    assert (first.baggage.carry_on_bags, first.baggage.checked_bags) == (1, 0)


def test_kiwi_offer_ids_bags_and_zone_computed_instants() -> None:
    """No booking token: the id stands in; a free first hold bag is included; no utc_* fields."""
    offer = normalize_kiwi_flights(load("kiwi_search.json"), received_at=RECEIVED_AT)[1]
    back = offer.flight.slices[1].segments[0]

    assert offer.provider_prices[0].provider_offer_id == "1f2e3d4c5b6a_0|1f2e3d4c5b6b_0"
    assert not offer.HasField("expire_time")
    assert (back.baggage.checked_bags, back.baggage.checked_weight_kg) == (1, 20)
    assert utc(back.departure_time) == dt.datetime(2027, 7, 9, 4, 25, tzinfo=dt.UTC)
    assert not offer.flight.HasField("seats_left")
    assert not offer.flight.self_transfer


def test_kiwi_expiry_is_the_booking_token_life() -> None:
    with_clock = normalize_kiwi_flights(load("kiwi_search.json"), received_at=RECEIVED_AT)[0]
    without_clock = normalize_kiwi_flights(load("kiwi_search.json"))[0]

    assert utc(with_clock.expire_time) == RECEIVED_AT + dt.timedelta(minutes=30)
    assert with_clock.provider_prices[0].provider_offer_id.startswith("BkX9")
    assert not without_clock.HasField("expire_time")


def test_kiwi_skips_itineraries_without_route_or_price(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        offers = normalize_kiwi_flights(load("kiwi_search.json"))

    assert len(offers) == 2
    skipped = {fields_of(r).get("offer_id") for r in caplog.records}
    assert {"2a2a2a2a2a2a_0", "3b3b3b3b3b3b_0"} <= skipped


@pytest.mark.parametrize(
    "path",
    [
        ("data", 0, "price_dropdown"),
        ("data", 0, "baglimit"),
        ("data", 0, "bags_price"),
        ("data", 0, "availability"),
        ("data", 0, "duration"),
        ("data", 0, "route", 0, "operating_carrier"),
        ("data", 0, "route", 0, "fare_category"),
        ("data", 0, "route", 0, "utc_departure"),
        ("data", 0, "route", 2, "return"),
    ],
)
def test_kiwi_survives_null_optional_fields(path: tuple[str | int, ...]) -> None:
    payload = load("kiwi_search.json")
    set_at(payload, path, None)

    assert len(normalize_kiwi_flights(payload)) == 2


# Wrong shapes.


@pytest.mark.parametrize(
    ("normalize", "payload"),
    [
        (normalize_amadeus_flights, [1, 2]),
        (normalize_amadeus_flights, {"errors": [{"code": 141}]}),
        (normalize_amadeus_flights, {"data": {"id": "1"}}),
        (normalize_duffel_flights, {"data": {"id": "orq_1"}}),
        (normalize_duffel_flights, None),
        (normalize_kiwi_flights, {"data": [], "currency": None}),
        (normalize_kiwi_flights, "<html>oops</html>"),
    ],
)
def test_a_body_of_the_wrong_shape_is_malformed(normalize: Any, payload: object) -> None:
    with pytest.raises(MalformedResponseError):
        normalize(payload)


def test_empty_results_are_no_offers() -> None:
    assert normalize_amadeus_flights({"meta": {"count": 0}, "data": []}) == []
    assert normalize_duffel_flights({"data": {"id": "orq_1", "offers": []}}) == []
    assert normalize_kiwi_flights({"currency": "EUR", "data": []}) == []


def test_unreadable_offer_of_the_wrong_type_is_skipped_not_fatal() -> None:
    payload = load("duffel_offer_request.json")
    payload["data"]["offers"].insert(0, "not an offer")
    payload["data"]["offers"][1]["slices"][0]["segments"][0]["departing_at"] = "yesterday"

    offers = normalize_duffel_flights(payload)

    assert [o.provider_prices[0].provider_offer_id for o in offers] == [
        "off_0000AgVjQbZ2oYFc8f3R2a"
    ]


def set_at(payload: Any, path: tuple[str | int, ...], value: object) -> None:
    """Set the field at ``path`` (keys and list indexes) to ``value``."""
    target = payload
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = copy.deepcopy(value)


def test_normalized_offers_serialize() -> None:
    """Every offer is a complete message that survives a round trip on the wire."""
    offers = [
        *normalize_amadeus_flights(load("amadeus_flight_offers.json")),
        *normalize_duffel_flights(load("duffel_offer_request.json")),
        *normalize_kiwi_flights(load("kiwi_search.json"), received_at=RECEIVED_AT),
    ]

    for offer in offers:
        assert offer_pb2.Offer.FromString(offer.SerializeToString()) == offer
