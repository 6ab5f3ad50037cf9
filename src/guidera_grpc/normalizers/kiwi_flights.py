"""Kiwi.com Tequila search (``GET /v2/search``) → unified ``Offer``\\ s.

Kiwi's habits that shape this module: prices are JSON floats in the answer's ``currency``;
local times carry a ``Z`` that is not UTC (the ``utc_*`` fields hold the instants); an
itinerary's segments come in one ``route`` list told apart by ``return`` (0 out, 1 back);
durations are seconds; flight numbers are integers and an unknown operating number is "".
``virtual_interlining`` marks self-transfer on separate tickets. Bags are given for the whole
itinerary: ``baglimit`` for sizes and ``bags_price`` for what extra hold bags cost.
A booking token lives 30 minutes, which is the only expiry Kiwi implies.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.common import (
    KIWI_CABINS,
    Json,
    OfferParts,
    PlaceHints,
    airport_place,
    as_mapping,
    cabin_from,
    carrier,
    field_int,
    field_map,
    field_str,
    flight_number,
    flight_offer,
    local_to_utc,
    normalize_each,
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
from guidera_grpc.normalizers.money import MoneyError, parse_amount, parse_currency
from guidera_grpc.providers.errors import MalformedResponseError

PROVIDER: Final = "kiwi"
BOOKING_TOKEN_LIFETIME: Final = dt.timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class _Context:
    """What applies to every offer of one answer."""

    currency: str
    received_at: dt.datetime | None


def normalize_kiwi_flights(
    payload: object, *, received_at: dt.datetime | None = None
) -> list[offer_pb2.Offer]:
    """Every readable itinerary of a Kiwi search answer, in the supplier's order.

    With ``received_at`` (an aware instant) each offer expires when its booking token does,
    30 minutes later; without it, no expiry is set.
    """
    body = top_level(PROVIDER, payload)
    items = top_level_list(PROVIDER, body, "data")
    try:
        currency = parse_currency(body.get("currency"))
    except MoneyError:
        raise MalformedResponseError(
            PROVIDER, "expected 'currency' to be a currency code"
        ) from None

    context = _Context(currency, received_at)
    return normalize_each(PROVIDER, items, functools.partial(_offer, context))


def _offer(context: _Context, raw: Json) -> offer_pb2.Offer:
    token = field_str(raw, "booking_token")
    seats = field_int(field_map(raw, "availability"), "seats")
    expiry = context.received_at + BOOKING_TOKEN_LIFETIME if context.received_at and token else None

    return flight_offer(
        OfferParts(
            provider=PROVIDER,
            provider_offer_id=token or required_str(raw, "id"),
            price=_price(raw, context.currency),
            slices=_slices(raw),
            expire_time=expiry,
            self_transfer=raw.get("virtual_interlining") is True,
            seats_left=seats if seats is not None and seats >= 0 else None,
        )
    )


def _price(raw: Json, currency: str) -> common_pb2.Price:
    """The total; base fare and Kiwi's fees (negative for a discount) when broken down."""
    breakdown = field_map(raw, "price_dropdown")
    base, fees = breakdown.get("base_fare"), breakdown.get("fees")
    return price_of(
        currency,
        parse_amount(required(raw, "price")),
        base=None if base is None else parse_amount(base),
        fees=None if fees is None else parse_amount(fees),
    )


def _slices(raw: Json) -> list[offer_pb2.Slice]:
    """Outbound (``return`` 0) then return (``return`` 1) slices, with Kiwi's durations."""
    baggage = _baggage(raw)
    legs = [as_mapping(leg) for leg in required(raw, "route")]
    outbound = [_segment(leg, baggage) for leg in legs if leg.get("return", 0) in (0, None)]
    inbound = [_segment(leg, baggage) for leg in legs if leg.get("return") == 1]
    durations = field_map(raw, "duration")

    slices = [slice_of(outbound, _seconds(durations, "departure"))]
    if inbound:
        slices.append(slice_of(inbound, _seconds(durations, "return")))
    return slices


def _seconds(durations: Json, key: str) -> dt.timedelta | None:
    seconds = field_int(durations, key)
    return dt.timedelta(seconds=seconds) if seconds else None


def _segment(raw: Json, baggage: offer_pb2.Baggage | None) -> offer_pb2.Segment:
    operating = field_str(raw, "operating_carrier")

    segment = offer_pb2.Segment(
        marketing_carrier=carrier(required_str(raw, "airline")),
        marketing_flight_number=flight_number(required(raw, "flight_no")),
        operating_flight_number=flight_number(field_str(raw, "operating_flight_no")),
        cabin=cabin_from(KIWI_CABINS, field_str(raw, "fare_category")),
        booking_class=field_str(raw, "fare_classes"),
        fare_basis=field_str(raw, "fare_basis"),
        aircraft_code=field_str(raw, "equipment"),
        baggage=baggage,
    )
    if operating:
        segment.operating_carrier.CopyFrom(carrier(operating))
    _set_airports_and_times(segment, raw)

    return segment


def _set_airports_and_times(segment: offer_pb2.Segment, raw: Json) -> None:
    """Airports with Kiwi's city names as hints; instants from ``utc_*``, else the zones."""
    for place, end in ((segment.origin, "From"), (segment.destination, "To")):
        hints = PlaceHints(
            city_name=field_str(raw, f"city{end}"), city_code=field_str(raw, f"cityCode{end}")
        )
        place.CopyFrom(airport_place(required_str(raw, f"fly{end}"), hints))

    leaves = parse_local_time(required_str(raw, "local_departure"))
    lands = parse_local_time(required_str(raw, "local_arrival"))
    set_times(
        segment,
        (leaves, _instant(raw, "utc_departure", leaves, segment.origin.time_zone)),
        (lands, _instant(raw, "utc_arrival", lands, segment.destination.time_zone)),
    )


def _instant(raw: Json, key: str, local: dt.datetime, zone_name: str) -> dt.datetime | None:
    text = field_str(raw, key)
    return parse_instant(text) if text else local_to_utc(local, zone_name)


def _baggage(raw: Json) -> offer_pb2.Baggage | None:
    """Included bags as far as Kiwi tells them.

    A cabin bag is included when ``baglimit`` gives a hand-bag weight. A first hold bag priced
    at zero is included (with the hold weight limit); priced above zero, none is.
    """
    limits, prices = field_map(raw, "baglimit"), field_map(raw, "bags_price")
    baggage = offer_pb2.Baggage()
    if (field_int(limits, "hand_weight") or 0) > 0:
        baggage.carry_on_bags = 1
    first_hold_bag = _amount_or_none(prices.get("1"))
    if first_hold_bag is not None:
        baggage.checked_bags = 1 if first_hold_bag == 0 else 0
        hold_weight = field_int(limits, "hold_weight")
        if first_hold_bag == 0 and hold_weight:
            baggage.checked_weight_kg = hold_weight
    return baggage if baggage.ListFields() else None


def _amount_or_none(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return parse_amount(value)
    except MoneyError:
        return None
