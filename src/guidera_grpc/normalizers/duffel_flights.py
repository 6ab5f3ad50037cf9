"""Duffel offers (``POST /air/offer_requests`` with ``return_offers``) → unified ``Offer``\\ s.

Duffel is the richest of the three: every airport carries its IANA ``time_zone``, each amount
has its own currency field, and offers state their refund and change conditions and when they
expire. Segment times are local clock readings without offset; durations may be zero-padded
(``PT02H26M``). Total, base and tax are kept as given: Duffel's parts do not always add up.
Per-segment cabin, fare basis and bags come from the first passenger's entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.common import (
    DUFFEL_CABINS,
    Json,
    OfferParts,
    PlaceHints,
    airport_place,
    as_mapping,
    cabin_from,
    carrier,
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
)
from guidera_grpc.normalizers.money import MoneyError, parse_amount, parse_currency, to_money
from guidera_grpc.providers.errors import MalformedResponseError

PROVIDER: Final = "duffel"


def normalize_duffel_flights(payload: object) -> list[offer_pb2.Offer]:
    """Every readable offer of a Duffel answer: an offer request or a list of offers."""
    body = top_level(PROVIDER, payload)
    return normalize_each(PROVIDER, _offer_items(body), _offer)


def _offer_items(body: Json) -> list[Any]:
    """``data.offers`` of an offer request, or ``data`` itself when it lists offers."""
    data = body.get("data")
    if isinstance(data, list):
        return data
    offers = data.get("offers") if isinstance(data, Mapping) else None
    if not isinstance(offers, list):
        raise MalformedResponseError(PROVIDER, "expected 'data.offers' or 'data' to be an array")
    return offers


def _offer(raw: Json) -> offer_pb2.Offer:
    owner = field_str(field_map(raw, "owner"), "iata_code")
    expires_at = field_str(raw, "expires_at")

    return flight_offer(
        OfferParts(
            provider=PROVIDER,
            provider_offer_id=required_str(raw, "id"),
            price=_price(raw),
            slices=[_slice(as_mapping(s)) for s in required(raw, "slices")],
            conditions=_conditions(field_map(raw, "conditions")),
            expire_time=parse_instant(expires_at) if expires_at else None,
            validating_carriers=[owner] if owner else [],
        )
    )


def _price(raw: Json) -> common_pb2.Price:
    currency = parse_currency(required(raw, "total_currency"))
    total = parse_amount(required(raw, "total_amount"))
    return price_of(
        currency,
        total,
        base=_part(raw, "base", currency),
        taxes=_part(raw, "tax", currency),
    )


def _part(raw: Json, name: str, currency: str) -> Decimal | None:
    """``<name>_amount`` when given in the total's currency; else unknown."""
    amount = raw.get(f"{name}_amount")
    if amount in (None, ""):
        return None
    own_currency = field_str(raw, f"{name}_currency")
    if own_currency and parse_currency(own_currency) != currency:
        return None
    return parse_amount(amount)


def _conditions(raw: Json) -> common_pb2.Conditions:
    conditions = common_pb2.Conditions()
    refund = field_map(raw, "refund_before_departure")
    change = field_map(raw, "change_before_departure")
    conditions.refund, refund_penalty = _condition(refund)
    conditions.change, change_penalty = _condition(change)
    if refund_penalty is not None:
        conditions.refund_penalty.CopyFrom(refund_penalty)
    if change_penalty is not None:
        conditions.change_penalty.CopyFrom(change_penalty)
    return conditions


def _condition(
    raw: Json,
) -> tuple[common_pb2.ConditionStatus.ValueType, common_pb2.Money | None]:
    """Status and penalty of one Duffel condition (``{allowed, penalty_amount, ...}`` or null).

    Allowed with an unstated penalty reads as allowed with a penalty, amount unknown: claiming
    it free would promise what the airline did not.
    """
    allowed = raw.get("allowed")
    if allowed is None:
        return common_pb2.CONDITION_STATUS_UNSPECIFIED, None
    if allowed is False:
        return common_pb2.CONDITION_STATUS_NOT_ALLOWED, None
    penalty = _penalty(raw)
    if penalty is not None and penalty.units == 0 and penalty.nanos == 0:
        return common_pb2.CONDITION_STATUS_ALLOWED, None
    return common_pb2.CONDITION_STATUS_ALLOWED_WITH_PENALTY, penalty


def _penalty(raw: Json) -> common_pb2.Money | None:
    amount, currency = raw.get("penalty_amount"), raw.get("penalty_currency")
    if amount in (None, "") or not currency:
        return None
    try:
        return to_money(parse_amount(amount), parse_currency(currency))
    except MoneyError:
        return None


def _slice(raw: Json) -> offer_pb2.Slice:
    segments = [_segment(as_mapping(s)) for s in required(raw, "segments")]
    return slice_of(segments, optional_duration(field_str(raw, "duration")))


def _segment(raw: Json) -> offer_pb2.Segment:
    marketing, operating = field_map(raw, "marketing_carrier"), field_map(raw, "operating_carrier")
    fare = as_mapping(next(iter(field_list(raw, "passengers")), None))

    segment = offer_pb2.Segment(
        marketing_carrier=carrier(
            required_str(marketing, "iata_code"), field_str(marketing, "name")
        ),
        marketing_flight_number=flight_number(required(raw, "marketing_carrier_flight_number")),
        operating_flight_number=flight_number(field_str(raw, "operating_carrier_flight_number")),
        origin_terminal=field_str(raw, "origin_terminal"),
        destination_terminal=field_str(raw, "destination_terminal"),
        cabin=cabin_from(DUFFEL_CABINS, field_str(fare, "cabin_class")),
        fare_basis=field_str(fare, "fare_basis_code"),
        aircraft_code=field_str(field_map(raw, "aircraft"), "iata_code"),
    )
    if operating_code := field_str(operating, "iata_code"):
        segment.operating_carrier.CopyFrom(carrier(operating_code, field_str(operating, "name")))
    _set_airports_and_times(segment, raw)
    _set_baggage(segment, fare)

    return segment


def _set_airports_and_times(segment: offer_pb2.Segment, raw: Json) -> None:
    """Airports with Duffel's details as hints; UTC from each airport's own time zone."""
    segment.origin.CopyFrom(_place(required(raw, "origin")))
    segment.destination.CopyFrom(_place(required(raw, "destination")))

    leaves = parse_local_time(required_str(raw, "departing_at"))
    lands = parse_local_time(required_str(raw, "arriving_at"))
    set_times(
        segment,
        (leaves, local_to_utc(leaves, segment.origin.time_zone)),
        (lands, local_to_utc(lands, segment.destination.time_zone)),
        optional_duration(field_str(raw, "duration")),
    )


def _place(value: object) -> common_pb2.Place:
    """An airport: Duffel sends an object, or sometimes only its IATA code."""
    if isinstance(value, str):
        return airport_place(value)
    airport = as_mapping(value)
    hints = PlaceHints(
        name=field_str(airport, "name"),
        city_name=field_str(airport, "city_name"),
        city_code=field_str(airport, "iata_city_code"),
        country_code=field_str(airport, "iata_country_code"),
        latitude=_coordinate(airport.get("latitude")),
        longitude=_coordinate(airport.get("longitude")),
        time_zone=field_str(airport, "time_zone"),
    )
    return airport_place(required_str(airport, "iata_code"), hints)


def _coordinate(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _set_baggage(segment: offer_pb2.Segment, fare: Json) -> None:
    """Summed quantities of the passenger's ``checked`` and ``carry_on`` bags, when listed."""
    bags = [as_mapping(b) for b in field_list(fare, "baggages")]
    for kind, field in (("checked", "checked_bags"), ("carry_on", "carry_on_bags")):
        counts = [b.get("quantity") for b in bags if field_str(b, "type") == kind]
        if counts:
            setattr(segment.baggage, field, sum(c for c in counts if isinstance(c, int)))
