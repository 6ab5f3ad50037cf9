"""Amadeus Flight Offers Search (``/v2/shopping/flight-offers``) → unified ``Offer``\\ s.

Amadeus writes amounts as decimal strings, segment times as local clock readings without a
zone, and keeps carrier names and city codes in the response's ``dictionaries``. Cabins, booking
classes, fare bases and included bags sit apart from the segments, in each traveler's
``fareDetailsBySegment``; the first adult's (else the first traveler's) describe the segments.
Refund and change rules are not part of a search answer, so conditions stay unspecified.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Final

from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.common import (
    AMADEUS_CABINS,
    Json,
    OfferParts,
    PlaceHints,
    airport_place,
    as_mapping,
    cabin_from,
    carrier,
    field_int,
    field_list,
    field_map,
    field_str,
    flight_number,
    flight_offer,
    local_to_utc,
    normalize_each,
    optional_duration,
    parse_instant,
    parse_local_time,
    price_of,
    required,
    required_str,
    set_times,
    slice_of,
    top_level,
    top_level_list,
)
from guidera_grpc.normalizers.money import parse_amount, parse_currency

PROVIDER: Final = "amadeus"
_POUNDS_TO_KG: Final = Decimal("0.45359237")


class _Dictionaries:
    """The response's look-up tables: carrier names and airports' city and country codes.

    Airports repeat across offers, so each one's ``Place`` is built once per answer.
    """

    def __init__(self, tables: Json) -> None:
        self._carriers = field_map(tables, "carriers")
        self._locations = field_map(tables, "locations")
        self._places: dict[str, common_pb2.Place] = {}

    def carrier_name(self, code: str) -> str:
        return field_str(self._carriers, code)

    def place(self, code: str) -> common_pb2.Place:
        place = self._places.get(code)
        if place is None:
            location = field_map(self._locations, code)
            hints = PlaceHints(
                city_code=field_str(location, "cityCode"),
                country_code=field_str(location, "countryCode"),
            )
            place = self._places[code] = airport_place(code, hints)
        return place


def normalize_amadeus_flights(payload: object) -> list[offer_pb2.Offer]:
    """Every readable offer of an Amadeus flight search answer, in the supplier's order."""
    body = top_level(PROVIDER, payload)
    items = top_level_list(PROVIDER, body, "data")
    dictionaries = _Dictionaries(field_map(body, "dictionaries"))

    return normalize_each(PROVIDER, items, functools.partial(_offer, dictionaries))


def _offer(dictionaries: _Dictionaries, raw: Json) -> offer_pb2.Offer:
    fares = _fare_details(raw)
    slices = [
        _slice(as_mapping(itinerary), dictionaries, fares)
        for itinerary in required(raw, "itineraries")
    ]
    seats = field_int(raw, "numberOfBookableSeats")

    return flight_offer(
        OfferParts(
            provider=PROVIDER,
            provider_offer_id=required_str(raw, "id"),
            price=_price(as_mapping(required(raw, "price"))),
            slices=slices,
            expire_time=_last_ticketing(raw),
            validating_carriers=[
                str(code) for code in field_list(raw, "validatingAirlineCodes") if code
            ],
            seats_left=seats if seats is not None and seats >= 0 else None,
        )
    )


def _price(raw: Json) -> common_pb2.Price:
    """Total (``total``, else ``grandTotal``), base, and fees summed; taxes are the rest."""
    currency = parse_currency(required(raw, "currency"))
    total = parse_amount(raw.get("total") or required(raw, "grandTotal"))
    base = parse_amount(raw["base"]) if raw.get("base") not in (None, "") else None
    fee_items = [as_mapping(fee) for fee in field_list(raw, "fees")]
    fees = (
        sum((parse_amount(fee.get("amount") or 0) for fee in fee_items), Decimal(0))
        if fee_items
        else None
    )

    return price_of(currency, total, base=base, fees=fees)


def _fare_details(raw: Json) -> dict[str, Json]:
    """Fare details by segment id, from the first adult's pricing (else the first traveler's)."""
    pricings = [as_mapping(p) for p in field_list(raw, "travelerPricings")]
    adults = [p for p in pricings if field_str(p, "travelerType") == "ADULT"]
    chosen = (adults or pricings or [{}])[0]
    details = (as_mapping(d) for d in field_list(chosen, "fareDetailsBySegment"))

    return {field_str(d, "segmentId"): d for d in details}


def _slice(
    itinerary: Json, dictionaries: _Dictionaries, fares: Mapping[str, Json]
) -> offer_pb2.Slice:
    segments = [
        _segment(as_mapping(s), dictionaries, fares) for s in required(itinerary, "segments")
    ]
    return slice_of(segments, optional_duration(field_str(itinerary, "duration")))


def _segment(
    raw: Json, dictionaries: _Dictionaries, fares: Mapping[str, Json]
) -> offer_pb2.Segment:
    departure, arrival = field_map(raw, "departure"), field_map(raw, "arrival")
    marketing = required_str(raw, "carrierCode")
    operating = field_str(field_map(raw, "operating"), "carrierCode")
    fare = fares.get(field_str(raw, "id"), {})

    segment = offer_pb2.Segment(
        marketing_carrier=carrier(marketing, dictionaries.carrier_name(marketing)),
        marketing_flight_number=flight_number(required(raw, "number")),
        origin_terminal=field_str(departure, "terminal"),
        destination_terminal=field_str(arrival, "terminal"),
        cabin=cabin_from(AMADEUS_CABINS, field_str(fare, "cabin")),
        booking_class=field_str(fare, "class"),
        fare_basis=field_str(fare, "fareBasis"),
        aircraft_code=field_str(field_map(raw, "aircraft"), "code"),
    )
    if operating:
        segment.operating_carrier.CopyFrom(carrier(operating, dictionaries.carrier_name(operating)))
    duration = optional_duration(field_str(raw, "duration"))
    _set_airports_and_times(segment, (departure, arrival), dictionaries, duration)
    _set_baggage(segment, fare)

    return segment


def _set_airports_and_times(
    segment: offer_pb2.Segment,
    ends: tuple[Json, Json],
    dictionaries: _Dictionaries,
    duration: dt.timedelta | None,
) -> None:
    """Airports from their codes; UTC instants from local times in each airport's zone."""
    departure, arrival = ends
    for place, end in ((segment.origin, departure), (segment.destination, arrival)):
        place.CopyFrom(dictionaries.place(required_str(end, "iataCode")))

    leaves = parse_local_time(required_str(departure, "at"))
    lands = parse_local_time(required_str(arrival, "at"))
    set_times(
        segment,
        (leaves, local_to_utc(leaves, segment.origin.time_zone)),
        (lands, local_to_utc(lands, segment.destination.time_zone)),
        duration,
    )


def _set_baggage(segment: offer_pb2.Segment, fare: Json) -> None:
    """Checked bags by count or by weight (pounds turned into kilograms), and cabin bags."""
    checked = field_map(fare, "includedCheckedBags")
    count, weight = field_int(checked, "quantity"), field_int(checked, "weight")
    carry_on = field_int(field_map(fare, "includedCabinBags"), "quantity")
    if count is not None:
        segment.baggage.checked_bags = count
    if weight is not None:
        pounds = field_str(checked, "weightUnit").upper().startswith("LB")
        segment.baggage.checked_weight_kg = round(weight * _POUNDS_TO_KG) if pounds else weight
    if carry_on is not None:
        segment.baggage.carry_on_bags = carry_on


def _last_ticketing(raw: Json) -> dt.datetime | None:
    """When the offer must be ticketed by: the given instant, else the end of the given day.

    Amadeus gives no zone; UTC is assumed, the end of the day for a bare date.
    """
    moment, day = field_str(raw, "lastTicketingDateTime"), field_str(raw, "lastTicketingDate")
    try:
        if moment:
            return parse_instant(moment)
        if day:
            return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.max, tzinfo=dt.UTC)
    except ValueError:
        return None
    return None
