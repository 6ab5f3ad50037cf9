"""The experience normalizers on payloads written in each supplier's wire format.

The payloads under tests/payloads/ carry the awkward cases: GetYourGuide floats with binary
noise, a duration range, a per-group price, no ratings, coordinates as text or at (0, 0);
Viator's variable and unstructured durations, a product nobody reviewed, a price of 0; and a
Hotelbeds activity with two modalities, a group-priced one that is non-refundable, sessions
that do not parse and a meeting point with a latitude written as text.
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
from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.experiences import (
    Visit,
    city_place,
    duration_between,
    language_tags,
    rating_of,
)
from guidera_grpc.normalizers.getyourguide_experiences import (
    getyourguide_time_slots,
    normalize_getyourguide_experiences,
    tour_ids,
)
from guidera_grpc.normalizers.hotelbeds_activities import normalize_hotelbeds_activities
from guidera_grpc.normalizers.money import to_decimal
from guidera_grpc.normalizers.viator_experiences import (
    normalize_viator_experiences,
    viator_destination_ids,
)
from guidera_grpc.providers.errors import MalformedResponseError

PAYLOADS = Path(__file__).parent / "payloads"
NOW = dt.datetime(2027, 5, 20, 8, 12, tzinfo=dt.UTC)
ROME = Visit(city_place("ROM"), "EUR", 1)


def load(name: str) -> dict[str, Any]:
    """A fresh copy of a payload, safe to change in a test."""
    payload: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return copy.deepcopy(payload)


def total(offer: offer_pb2.Offer) -> tuple[Decimal, str]:
    return to_decimal(offer.price.total), offer.price.total.currency_code


def minutes(offer: offer_pb2.Offer) -> int:
    return offer.experience.duration.seconds // 60


def deadlines(offer: offer_pb2.Offer) -> list[tuple[dt.datetime, Decimal]]:
    return [
        (d.deadline_time.ToDatetime(dt.UTC), to_decimal(d.penalty))
        for d in offer.conditions.cancellation_deadlines
    ]


def by_id(offers: list[offer_pb2.Offer]) -> dict[str, offer_pb2.Offer]:
    return {offer.provider_prices[0].provider_offer_id: offer for offer in offers}


# Shared helpers.


def test_city_place_gives_the_city_code_of_an_airport() -> None:
    place = city_place("FCO")

    assert (place.city_code, place.city_name, place.country_code) == ("ROM", "Rome", "IT")
    assert place.time_zone == "Europe/Rome"
    assert not place.has_coordinates


@pytest.mark.parametrize(
    ("value", "scale", "expected"),
    [
        (4.548, 5, 4.55),
        (8.6, 10, 4.3),
        (7.9, 5, 5.0),
        ("4.2", 5, 4.2),
        (None, 5, 0.0),
        (-1, 5, 0.0),
    ],
)
def test_ratings_are_brought_to_zero_to_five(value: object, scale: float, expected: float) -> None:
    assert rating_of(value, scale) == expected


def test_language_tags_are_lower_case_bcp47_without_duplicates() -> None:
    assert language_tags(["EN", "pt_br", "en", "x", 7, "de-AT"]) == ["en", "pt-BR", "de-AT"]


def test_a_duration_range_becomes_its_middle() -> None:
    hour = dt.timedelta(hours=1)
    assert duration_between(2 * hour, 3 * hour) == dt.timedelta(minutes=150)
    assert duration_between(2 * hour) == 2 * hour


# GetYourGuide.


def test_getyourguide_tours_become_offers_and_a_tour_without_price_is_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        offers = normalize_getyourguide_experiences(load("getyourguide_tours.json"), ROME, now=NOW)

    assert list(by_id(offers)) == ["1535120", "1535132", "1535126", "1535127"]
    assert any("skipped" in record.getMessage() for record in caplog.records)
    for offer in offers:
        assert offer.category == common_pb2.CATEGORY_EXPERIENCES
        assert offer.provider_prices[0].provider == "getyourguide"
        assert offer.price == offer.provider_prices[0].price
        assert offer.experience.location.city_code == "ROM"


def test_getyourguide_float_noise_is_rounded_to_cents() -> None:
    offers = by_id(normalize_getyourguide_experiences(load("getyourguide_tours.json"), ROME))

    assert total(offers["1535120"]) == (Decimal("59.00"), "EUR")
    assert total(offers["1535126"]) == (Decimal("547.31"), "EUR")


def test_getyourguide_tour_details() -> None:
    colosseum = by_id(normalize_getyourguide_experiences(load("getyourguide_tours.json"), ROME))[
        "1535120"
    ]
    details = colosseum.experience

    assert details.title == "Rome: Colosseum, Roman Forum and Palatine Hill Guided Tour"
    assert details.description == "The arena, the Forum and the Palatine Hill with a guide."
    assert minutes(colosseum) == 180
    assert (details.rating, details.review_count) == (4.6, 15234)
    assert list(details.languages) == ["en", "it", "de"]
    place = details.location
    assert place.has_coordinates
    assert (place.latitude, place.longitude) == (41.8902, 12.4922)
    assert (place.name, place.time_zone) == ("Colosseum", "Europe/Rome")
    assert colosseum.conditions.refund == common_pb2.CONDITION_STATUS_ALLOWED
    assert "full refund" in colosseum.conditions.notes


def test_getyourguide_group_price_range_and_missing_rating() -> None:
    party = Visit(ROME.city, "EUR", adults=3)
    offers = by_id(normalize_getyourguide_experiences(load("getyourguide_tours.json"), party))
    private = offers["1535132"]

    assert total(private) == (Decimal("240.00"), "EUR")
    assert total(offers["1535120"]) == (Decimal("177.00"), "EUR")
    assert minutes(private) == 150
    assert (private.experience.rating, private.experience.review_count) == (0.0, 0)
    assert not private.experience.location.has_coordinates
    assert private.experience.location.city_code == "ROM"


def test_getyourguide_odd_values_minutes_days_text_coordinates_and_scale() -> None:
    offers = by_id(normalize_getyourguide_experiences(load("getyourguide_tours.json"), ROME))
    pantheon, pompeii = offers["1535126"], offers["1535127"]

    assert minutes(pantheon) == 45
    assert list(pantheon.experience.languages) == ["en", "pt-BR", "it"]
    assert pantheon.experience.location.latitude == pytest.approx(41.8986)
    assert pantheon.conditions.refund == common_pb2.CONDITION_STATUS_NOT_ALLOWED
    assert minutes(pompeii) == 24 * 60
    assert pompeii.experience.rating == 5.0
    assert not pompeii.experience.location.has_coordinates
    assert pompeii.conditions.refund == common_pb2.CONDITION_STATUS_UNSPECIFIED


def test_getyourguide_time_slots_drop_sold_out_and_unreadable_times() -> None:
    slots = getyourguide_time_slots(load("getyourguide_availabilities.json"))

    assert [(s.start_local_time, s.places_left) for s in slots] == [
        ("2027-06-11T10:00:00", 4),
        ("2027-06-10T08:30:00", 12),
    ]


def test_getyourguide_slots_give_the_free_cancellation_deadline() -> None:
    slots = {"1535120": getyourguide_time_slots(load("getyourguide_availabilities.json"))}
    offers = normalize_getyourguide_experiences(
        load("getyourguide_tours.json"), ROME, slots=slots, now=NOW
    )
    colosseum = by_id(offers)["1535120"]

    assert [s.start_local_time for s in colosseum.experience.time_slots] == [
        "2027-06-10T08:30:00",
        "2027-06-11T10:00:00",
    ]
    start = dt.datetime(2027, 6, 10, 6, 30, tzinfo=dt.UTC)
    assert deadlines(colosseum) == [
        (start - dt.timedelta(hours=24), Decimal(0)),
        (start, Decimal("59.00")),
    ]
    assert not by_id(offers)["1535132"].experience.time_slots


def test_getyourguide_tour_ids_in_order() -> None:
    assert tour_ids(load("getyourguide_tours.json"))[:3] == ["1535120", "1535132", "1535126"]


def test_getyourguide_answer_without_tours_is_malformed() -> None:
    with pytest.raises(MalformedResponseError):
        normalize_getyourguide_experiences({"_metadata": {}, "data": {}}, ROME)


# Viator.


def test_viator_products_become_offers_skipping_zero_prices_and_missing_codes() -> None:
    offers = normalize_viator_experiences(load("viator_products_search.json"), ROME)

    assert list(by_id(offers)) == ["1445120P1", "1445122P6", "1445136P3"]
    for offer in offers:
        assert offer.provider_prices[0].provider == "viator"
        place = offer.experience.location
        assert (place.city_code, place.has_coordinates) == ("ROM", False)


def test_viator_variable_duration_rating_and_free_cancellation() -> None:
    colosseum = by_id(normalize_viator_experiences(load("viator_products_search.json"), ROME))[
        "1445120P1"
    ]

    assert colosseum.experience.title == "Skip-the-Line Colosseum, Forum & Palatine Hill Tour"
    assert minutes(colosseum) == 170
    assert (colosseum.experience.rating, colosseum.experience.review_count) == (4.55, 4050)
    assert total(colosseum) == (Decimal("61.41"), "EUR")
    assert colosseum.conditions.refund == common_pb2.CONDITION_STATUS_ALLOWED


def test_viator_fixed_duration_unreviewed_and_unstructured() -> None:
    offers = by_id(normalize_viator_experiences(load("viator_products_search.json"), ROME))
    vatican, hidden = offers["1445122P6"], offers["1445136P3"]

    assert minutes(vatican) == 180
    assert vatican.conditions.refund == common_pb2.CONDITION_STATUS_UNSPECIFIED
    assert (hidden.experience.rating, hidden.experience.review_count) == (0.0, 0)
    assert not hidden.experience.HasField("duration")


def test_viator_from_price_is_per_person() -> None:
    party = Visit(ROME.city, "EUR", adults=2)
    offers = by_id(normalize_viator_experiences(load("viator_products_search.json"), party))

    assert total(offers["1445120P1"]) == (Decimal("122.82"), "EUR")


def test_viator_freetext_wraps_products_in_results() -> None:
    offers = normalize_viator_experiences(load("viator_freetext.json"), ROME)

    assert [o.experience.title for o in offers] == [
        "Colosseum Express Tour with Skip-the-Line Entry"
    ]
    assert total(offers[0]) == (Decimal("35.49"), "USD")


def test_viator_destination_ids_by_iata_code_cities_only() -> None:
    assert viator_destination_ids(load("viator_destinations.json")) == {
        "ROM": "511",
        "NAP": "712",
    }


@pytest.mark.parametrize("payload", [{"products": "none"}, [], {"data": []}])
def test_viator_answer_of_the_wrong_shape_is_malformed(payload: object) -> None:
    with pytest.raises(MalformedResponseError):
        normalize_viator_experiences(payload, ROME)


# Hotelbeds Activities.


def test_hotelbeds_activities_take_the_cheapest_modality() -> None:
    offers = by_id(normalize_hotelbeds_activities(load("hotelbeds_activities.json"), ROME, now=NOW))

    assert list(offers) == ["E-E10-ROMCOLO|3H@STANDARD", "E-E10-ROMPRIV|4H@STANDARD"]
    colosseum = offers["E-E10-ROMCOLO|3H@STANDARD"]
    assert total(colosseum) == (Decimal("56.74"), "EUR")
    assert minutes(colosseum) == 180
    assert (colosseum.experience.rating, colosseum.experience.review_count) == (0.0, 0)
    assert list(colosseum.experience.languages) == ["en", "it"]
    place = colosseum.experience.location
    assert (place.name, place.city_code) == ("Colosseum, Piazza del Colosseo", "ROM")
    assert (place.latitude, place.longitude) == (41.8902, 12.4922)


def test_hotelbeds_sessions_on_each_operating_day() -> None:
    offers = normalize_hotelbeds_activities(load("hotelbeds_activities.json"), ROME, now=NOW)

    assert [s.start_local_time for s in offers[0].experience.time_slots] == [
        "2027-06-10T08:30:00",
        "2027-06-10T13:30:00",
        "2027-06-11T08:30:00",
        "2027-06-11T13:30:00",
    ]


def test_hotelbeds_cancellation_policies_become_deadlines_until_the_start() -> None:
    colosseum = normalize_hotelbeds_activities(load("hotelbeds_activities.json"), ROME, now=NOW)[0]

    assert colosseum.conditions.refund == common_pb2.CONDITION_STATUS_ALLOWED
    assert deadlines(colosseum) == [
        (dt.datetime(2027, 6, 9, 6, 30, tzinfo=dt.UTC), Decimal(0)),
        (dt.datetime(2027, 6, 10, 4, 30, tzinfo=dt.UTC), Decimal("28.37")),
        (dt.datetime(2027, 6, 10, 6, 30, tzinfo=dt.UTC), Decimal("56.74")),
    ]


def test_hotelbeds_service_price_is_for_the_group_and_nrf_is_not_refundable() -> None:
    party = Visit(ROME.city, "EUR", adults=4)
    private = normalize_hotelbeds_activities(load("hotelbeds_activities.json"), party, now=NOW)[1]

    assert total(private) == (Decimal("240.00"), "EUR")
    assert minutes(private) == 90
    assert private.conditions.refund == common_pb2.CONDITION_STATUS_NOT_ALLOWED
    assert not private.experience.time_slots
    assert not private.experience.location.has_coordinates


def test_hotelbeds_answer_without_activities_is_malformed() -> None:
    with pytest.raises(MalformedResponseError):
        normalize_hotelbeds_activities({"auditData": {}}, ROME)
