"""The hotel normalizers on payloads written in each supplier's real wire format.

The payloads under tests/payloads/ carry the cases hotels are known for: several rooms with
children priced per occupancy, a rate that must be checked again, tourist tax and resort fees
paid at the property, American sales tax left out of a net price, properties without
coordinates, amounts as strings and as numbers, and entries that lack a required field.
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
from guidera_grpc.normalizers.amadeus_hotels import normalize_amadeus_hotels
from guidera_grpc.normalizers.expedia_hotels import normalize_expedia_hotels, occupancy_key
from guidera_grpc.normalizers.hotelbeds_hotels import (
    normalize_hotelbeds_hotels,
    occupancy_groups,
)
from guidera_grpc.normalizers.hotels import (
    PenaltyStep,
    Stay,
    add_steps,
    board_from_amenities,
    conditions_of,
    stars_from_text,
)
from guidera_grpc.normalizers.money import to_decimal
from guidera_grpc.providers.errors import MalformedResponseError
from guidera_grpc.search.params import HotelSearch, RoomSpec

PAYLOADS = Path(__file__).parent / "payloads"
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
CHECK_IN, CHECK_OUT = dt.date(2027, 3, 10), dt.date(2027, 3, 12)
PARIS = dt.timezone(dt.timedelta(hours=1))
MARKUP = Decimal("17.5")


def load(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


def stay(city: str, *rooms: RoomSpec) -> Stay:
    return Stay.of(HotelSearch(city, CHECK_IN, CHECK_OUT, rooms))


def amount(money: common_pb2.Money) -> tuple[Decimal, str]:
    return to_decimal(money), money.currency_code


def deadlines(offer: offer_pb2.Offer) -> list[tuple[dt.datetime, Decimal]]:
    return [
        (d.deadline_time.ToDatetime(tzinfo=dt.UTC), to_decimal(d.penalty))
        for d in offer.conditions.cancellation_deadlines
    ]


def by_provider_id(offers: list[offer_pb2.Offer]) -> dict[str, offer_pb2.Offer]:
    return {offer.provider_prices[0].provider_offer_id: offer for offer in offers}


def skipped_hotels(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    """The fields of each "skipped a hotel" warning, without the request id."""
    return [
        {key: value for key, value in fields_of(record).items() if key != "request_id"}
        for record in caplog.records
        if record.message.startswith("skipped a hotel")
    ]


FAMILY_AND_SINGLE = (RoomSpec(2, (9, 4)), RoomSpec(1))


# Expedia


def expedia_offers(caplog: pytest.LogCaptureFixture | None = None) -> list[offer_pb2.Offer]:
    return normalize_expedia_hotels(
        load("expedia_hotel_availability.json"),
        load("expedia_hotel_content.json"),
        stay("PAR", *FAMILY_AND_SINGLE),
        now=NOW,
    )


def test_expedia_sums_each_rooms_occupancy_pricing_and_keeps_fees_paid_at_the_hotel() -> None:
    offer = by_provider_id(expedia_offers())[
        "/v3/properties/10157007/rooms/318112/rates/291044312?token=Hj7x0Qc"
    ]

    price = offer.price
    assert amount(price.total) == (Decimal("2514.60"), "EUR")
    assert amount(price.base) == (Decimal("2286.00"), "EUR")
    assert amount(price.taxes) == (Decimal("228.60"), "EUR")
    assert amount(price.payable_on_site) == (Decimal("46.80"), "EUR")
    assert amount(price.display_total) == (Decimal("2715.77"), "USD")
    assert offer.provider_prices[0].provider == "expedia"
    assert offer.provider_prices[0].price == price
    assert offer.expire_time.ToDatetime(tzinfo=dt.UTC) == dt.datetime(
        2027, 3, 1, 10, 30, tzinfo=dt.UTC
    )


def test_expedia_rooms_boards_and_property_from_content() -> None:
    offer = by_provider_id(expedia_offers())[
        "/v3/properties/10157007/rooms/318112/rates/291044312?token=Hj7x0Qc"
    ]

    hotel = offer.hotel
    assert offer.category == common_pb2.CATEGORY_HOTELS
    assert [(r.adults, list(r.child_ages)) for r in hotel.rooms] == [(2, [9, 4]), (1, [])]
    assert {r.board for r in hotel.rooms} == {offer_pb2.BOARD_BREAKFAST}
    assert hotel.rooms[0].name == "Deluxe Room, 1 King Bed"
    assert hotel.rooms[0].description == "1 King Bed"
    assert (hotel.check_in_date, hotel.check_out_date) == ("2027-03-10", "2027-03-12")
    assert (hotel.star_rating, hotel.review_score, hotel.chain) == (5.0, 9.2, "")
    place = hotel.property
    assert place.name == "Hôtel Lutetia Paris"
    assert list(place.address_lines) == ["45 Boulevard Raspail"]
    assert (place.postal_code, place.city_name, place.city_code) == ("75006", "Paris", "PAR")
    assert (place.country_code, place.time_zone) == ("FR", "Europe/Paris")
    assert place.has_coordinates
    assert (place.latitude, place.longitude) == (48.851246, 2.327143)


def test_expedia_cancel_penalty_in_nights_becomes_a_deadline_after_free_cancellation() -> None:
    offer = by_provider_id(expedia_offers())[
        "/v3/properties/10157007/rooms/318112/rates/291044312?token=Hj7x0Qc"
    ]

    assert offer.conditions.refund == common_pb2.CONDITION_STATUS_ALLOWED
    assert deadlines(offer) == [
        (dt.datetime(2027, 3, 7, 23, 59, tzinfo=PARIS), Decimal(0)),
        (dt.datetime(2027, 3, 10, 23, 59, tzinfo=PARIS), Decimal("1257.30")),
    ]


def test_expedia_non_refundable_rate_keeps_its_full_penalty() -> None:
    offer = by_provider_id(expedia_offers())[
        "/v3/properties/10157007/rooms/318112/rates/291044399?token=Pq81Zz"
    ]

    assert offer.conditions.refund == common_pb2.CONDITION_STATUS_NOT_ALLOWED
    assert amount(offer.price.total) == (Decimal("2180.00"), "EUR")
    assert amount(offer.price.taxes) == (Decimal("198.18"), "EUR")
    assert not offer.price.HasField("payable_on_site")
    assert not offer.price.HasField("display_total")
    assert deadlines(offer) == [
        (dt.datetime(2027, 3, 10, 23, 59, tzinfo=PARIS), Decimal("2180.00"))
    ]
    assert offer.hotel.rooms[0].board == offer_pb2.BOARD_ROOM_ONLY


def test_expedia_property_without_coordinates_sums_fees_and_names_its_brand() -> None:
    offer = by_provider_id(expedia_offers())["10157019/200417/55001"]

    assert not offer.hotel.property.has_coordinates
    assert offer.hotel.chain == "ibis"
    assert offer.hotel.star_rating == 2.5
    assert offer.hotel.rooms[0].board == offer_pb2.BOARD_HALF_BOARD
    assert amount(offer.price.payable_on_site) == (Decimal("25.20"), "EUR")
    assert offer.conditions.refund == common_pb2.CONDITION_STATUS_ALLOWED
    assert deadlines(offer)[-1] == (
        dt.datetime(2027, 3, 10, 18, 0, tzinfo=PARIS),
        Decimal("150.00"),
    )


def test_expedia_property_without_content_is_skipped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        offers = expedia_offers()

    assert len(offers) == 3
    assert skipped_hotels(caplog) == [
        {"provider": "expedia", "index": 2, "hotel_id": "99999999", "reason": "missing content"}
    ]


def test_expedia_answer_that_is_not_an_array_is_malformed() -> None:
    with pytest.raises(MalformedResponseError):
        normalize_expedia_hotels({"type": "oops"}, {}, stay("PAR", RoomSpec(2)))


def test_expedia_occupancy_keys() -> None:
    assert occupancy_key(RoomSpec(2)) == "2"
    assert occupancy_key(RoomSpec(2, (9, 4))) == "2-9,4"


# Hotelbeds


def hotelbeds_offers() -> list[offer_pb2.Offer]:
    return normalize_hotelbeds_hotels(
        load("hotelbeds_hotel_availability.json"),
        stay("PAR", RoomSpec(2, (5,)), RoomSpec(1), RoomSpec(1)),
        markup_percent=MARKUP,
        now=NOW,
    )


def test_hotelbeds_combines_occupancies_and_marks_the_net_up() -> None:
    offers = hotelbeds_offers()

    assert len(offers) == 2
    lutetia = offers[0]
    assert lutetia.provider_prices[0].provider_offer_id == (
        "20270310|20270312|W|412|33401785|DBL.ST|FLEXBB|BB||1~2~1|5|N@07A1;"
        "20270310|20270312|W|412|33401785|DBL.ST|FLEXBB|BB||2~1~0||N@07A3"
    )
    price = lutetia.price
    assert amount(price.total) == (Decimal("1175.00"), "EUR")
    assert amount(price.taxes) == (Decimal("90.91"), "EUR")
    assert amount(price.base) == (Decimal("1084.09"), "EUR")
    assert amount(price.payable_on_site) == (Decimal("20.80"), "EUR")
    assert [(r.adults, list(r.child_ages), r.board) for r in lutetia.hotel.rooms] == [
        (2, [5], offer_pb2.BOARD_BREAKFAST),
        (1, [], offer_pb2.BOARD_BREAKFAST),
        (1, [], offer_pb2.BOARD_BREAKFAST),
    ]
    assert lutetia.hotel.rooms[0].name == "DOUBLE STANDARD"


def test_hotelbeds_recheck_rate_is_flagged() -> None:
    lutetia, victoria = hotelbeds_offers()

    assert lutetia.hotel.recheck_required
    assert not victoria.hotel.recheck_required


def test_hotelbeds_penalties_of_all_rooms_add_up_and_are_marked_up() -> None:
    lutetia = hotelbeds_offers()[0]

    assert lutetia.conditions.refund == common_pb2.CONDITION_STATUS_ALLOWED
    assert deadlines(lutetia) == [
        (dt.datetime(2027, 3, 8, 23, 59, tzinfo=PARIS), Decimal(0)),
        (dt.datetime(2027, 3, 9, 23, 59, tzinfo=PARIS), Decimal("587.50")),
        (dt.datetime(2027, 3, 10, 23, 59, tzinfo=PARIS), Decimal("940.00")),
    ]


def test_hotelbeds_hotel_without_coordinates_or_taxes_and_numbers_for_amounts() -> None:
    victoria = hotelbeds_offers()[1]

    place = victoria.hotel.property
    assert place.name == "Hotel Victoria"
    assert not place.has_coordinates
    assert (place.city_code, place.time_zone) == ("PAR", "Europe/Paris")
    assert victoria.hotel.star_rating == 3
    assert amount(victoria.price.total) == (Decimal("635.09"), "EUR")
    assert not victoria.price.HasField("taxes")
    assert not victoria.price.HasField("base")
    assert deadlines(victoria)[1][1] == Decimal("317.54")


def test_hotelbeds_coordinates_given_as_strings_are_read() -> None:
    place = hotelbeds_offers()[0].hotel.property

    assert place.has_coordinates
    assert (place.latitude, place.longitude) == (48.8513112, 2.3268409)
    assert place.name == "Hotel  Lutetia"


def test_hotelbeds_rate_without_a_match_for_every_occupancy_is_left_out() -> None:
    ids = {o.provider_prices[0].provider_offer_id for o in hotelbeds_offers()}

    assert not any("NRF" in key or "SGL.ST" in key for key in ids)


def test_hotelbeds_hotel_without_a_name_is_skipped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        hotelbeds_offers()

    assert skipped_hotels(caplog) == [
        {"provider": "hotelbeds", "index": 2, "hotel_id": "33999999", "reason": "missing name"}
    ]


def test_hotelbeds_sales_tax_left_out_of_the_net_is_paid_at_the_hotel() -> None:
    (offer,) = normalize_hotelbeds_hotels(
        load("hotelbeds_hotel_availability_us.json"),
        stay("NYC", RoomSpec(2)),
        markup_percent=MARKUP,
        now=NOW,
    )

    assert amount(offer.price.total) == (Decimal("500.00"), "EUR")
    assert not offer.price.HasField("taxes")
    assert amount(offer.price.payable_on_site) == (Decimal("51.05"), "EUR")
    assert offer.hotel.property.time_zone == "America/New_York"
    assert deadlines(offer)[0][0] == dt.datetime(2027, 3, 9, 4, 59, tzinfo=dt.UTC)


def test_hotelbeds_markup_changes_the_traveler_price_only() -> None:
    answer = load("hotelbeds_hotel_availability_us.json")
    answer["hotels"]["hotels"][0]["rooms"][0]["rates"][0]["hotelMandatory"] = False

    (offer,) = normalize_hotelbeds_hotels(
        answer, stay("NYC", RoomSpec(2)), markup_percent=Decimal(0), now=NOW
    )

    assert amount(offer.price.total) == (Decimal("402.00"), "EUR")


def test_hotelbeds_no_availability_and_bad_shapes() -> None:
    empty = {"auditData": {}, "hotels": {"total": 0}}
    assert normalize_hotelbeds_hotels(empty, stay("PAR", RoomSpec(2)), markup_percent=MARKUP) == []
    with pytest.raises(MalformedResponseError):
        normalize_hotelbeds_hotels(
            {"auditData": {}}, stay("PAR", RoomSpec(2)), markup_percent=MARKUP
        )


def test_hotelbeds_occupancy_groups_count_identical_rooms() -> None:
    rooms = (RoomSpec(2, (5,)), RoomSpec(1), RoomSpec(2, (5,)))

    assert occupancy_groups(rooms) == {(2, (5,)): 2, (1, ()): 1}


# Amadeus


def amadeus_offers() -> dict[str, offer_pb2.Offer]:
    hotel_list = {entry["hotelId"]: entry for entry in load("amadeus_hotel_list.json")["data"]}
    offers = normalize_amadeus_hotels(
        load("amadeus_hotel_offers.json"), stay("PAR", RoomSpec(2)), hotel_list, now=NOW
    )
    return by_provider_id(offers)


def test_amadeus_included_taxes_and_city_tax_paid_at_the_hotel() -> None:
    offer = amadeus_offers()["TSXOJ6LFQ2"]

    assert amount(offer.price.total) == (Decimal("460.00"), "EUR")
    assert amount(offer.price.base) == (Decimal("418.18"), "EUR")
    assert amount(offer.price.taxes) == (Decimal("41.82"), "EUR")
    assert amount(offer.price.payable_on_site) == (Decimal("10.40"), "EUR")
    assert offer.hotel.chain == "HL"
    assert offer.hotel.rooms[0].name == "Deluxe King Room with city view"
    assert offer.hotel.rooms[0].board == offer_pb2.BOARD_BREAKFAST
    assert deadlines(offer) == [
        (dt.datetime(2027, 3, 8, 23, 59, tzinfo=PARIS), Decimal(0)),
        (dt.datetime(2027, 3, 10, 23, 59, tzinfo=PARIS), Decimal("230.00")),
    ]


def test_amadeus_non_refundable_offer_without_taxes_or_base() -> None:
    offer = amadeus_offers()["ZK01NRF7QP"]

    assert offer.conditions.refund == common_pb2.CONDITION_STATUS_NOT_ALLOWED
    assert not offer.conditions.cancellation_deadlines
    assert not offer.price.HasField("taxes")
    assert offer.hotel.rooms[0].name == "DELUXE_ROOM"


def test_amadeus_coordinates_and_address_come_from_the_hotel_list() -> None:
    offers = amadeus_offers()

    ibis = offers["IB0K7AAA01"].hotel.property
    assert ibis.has_coordinates
    assert (ibis.latitude, ibis.longitude) == (48.87912, 2.35471)
    assert list(ibis.address_lines) == ["31 RUE DE MAUBEUGE"]
    assert (ibis.postal_code, ibis.city_name) == ("75009", "Paris")
    assert amount(offers["IB0K7AAA01"].price.taxes) == (Decimal("19.00"), "EUR")
    assert deadlines(offers["IB0K7AAA01"])[-1][1] == Decimal("104.50")
    assert not offers["ET0ILE0001"].hotel.property.has_coordinates


def test_amadeus_penalty_already_running_means_refund_with_penalty() -> None:
    offer = amadeus_offers()["ET0ILE0001"]
    later = dt.datetime(2027, 3, 6, tzinfo=dt.UTC)

    again = normalize_amadeus_hotels(
        {"data": [load("amadeus_hotel_offers.json")["data"][3]]},
        stay("PAR", RoomSpec(2)),
        now=later,
    )[0]

    assert offer.conditions.refund == common_pb2.CONDITION_STATUS_ALLOWED
    assert again.conditions.refund == common_pb2.CONDITION_STATUS_ALLOWED_WITH_PENALTY
    assert amount(again.conditions.refund_penalty) == (Decimal("330.00"), "EUR")
    assert offer.hotel.rooms[0].board == offer_pb2.BOARD_HALF_BOARD


def test_amadeus_closed_hotels_give_no_offers() -> None:
    offers = amadeus_offers()

    assert len(offers) == 4
    assert all(o.hotel.property.name != "NOVOTEL PARIS CENTRE" for o in offers.values())


# Shared pieces


def test_penalty_steps_of_several_rooms_add_up_at_each_start() -> None:
    first = dt.datetime(2027, 3, 8, tzinfo=dt.UTC)
    second = dt.datetime(2027, 3, 9, tzinfo=dt.UTC)

    total = add_steps(
        [PenaltyStep(first, Decimal(100))],
        [PenaltyStep(second, Decimal(50)), PenaltyStep(first, Decimal(10))],
    )

    assert total == [PenaltyStep(first, Decimal(110)), PenaltyStep(second, Decimal(150))]


def test_conditions_without_a_word_on_refunds_stay_unspecified() -> None:
    end = dt.datetime(2027, 3, 10, tzinfo=dt.UTC)

    conditions = conditions_of(None, [], end, "EUR", NOW)

    assert conditions.refund == common_pb2.CONDITION_STATUS_UNSPECIFIED
    assert not conditions.cancellation_deadlines


@pytest.mark.parametrize(
    ("text", "stars"),
    [("4EST", 4.0), ("3.5", 3.5), ("HS2", 2.0), ("5 STARS", 5.0), ("", 0.0), ("BOUTIQUE", 0.0)],
)
def test_star_ratings_from_any_spelling(text: str, stars: float) -> None:
    assert stars_from_text(text) == stars


def test_boards_from_expedia_amenity_names() -> None:
    assert board_from_amenities(["Free WiFi"]) == offer_pb2.BOARD_ROOM_ONLY
    assert board_from_amenities(["Breakfast for 2"]) == offer_pb2.BOARD_BREAKFAST
    assert board_from_amenities(["All Inclusive", "Breakfast"]) == offer_pb2.BOARD_ALL_INCLUSIVE
