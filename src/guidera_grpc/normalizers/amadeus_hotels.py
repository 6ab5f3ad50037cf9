"""Amadeus Hotel Search v3 (``GET /v3/shopping/hotel-offers``) → unified hotel ``Offer``\\ s.

Each ``hotel-offers`` item holds a hotel and its offers; the hotel's address, and its
coordinates when the offer leaves them out, come from the Hotel List call made before, keyed
by hotel id. Prices are decimal strings: ``total`` with the taxes flagged ``included``, the
others paid at the hotel. ``policies.cancellations`` give deadlines after which an amount, a
number of nights or a percentage is charged; ``policies.refundable`` says whether the rate is
refundable at all. Search v3 knows adults only, so every room is as the search asked it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Final

from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.common import (
    Json,
    MissingFieldError,
    as_mapping,
    field_list,
    field_map,
    field_str,
    required,
    required_str,
    top_level,
    top_level_list,
)
from guidera_grpc.normalizers.hotels import (
    AMADEUS_BOARDS,
    HotelParts,
    PenaltyStep,
    PriceParts,
    PropertyFacts,
    Stay,
    conditions_of,
    coordinate,
    hotel_offer,
    hotel_price,
    normalize_hotels,
    property_place,
    room_of,
)
from guidera_grpc.normalizers.money import parse_amount, parse_currency

PROVIDER: Final = "amadeus"
NON_REFUNDABLE: Final = "NON_REFUNDABLE"


def normalize_amadeus_hotels(
    payload: object,
    stay: Stay,
    hotel_list: Mapping[str, Json] | None = None,
    *,
    now: dt.datetime | None = None,
) -> list[offer_pb2.Offer]:
    """Every offer of a hotel-offers answer, with the Hotel List entries as ``hotel_list``."""
    items = top_level_list(PROVIDER, top_level(PROVIDER, payload), "data")
    build = functools.partial(_hotel, stay, hotel_list or {}, now or dt.datetime.now(dt.UTC))
    return normalize_hotels(PROVIDER, items, build, "type")


def _hotel(
    stay: Stay, hotel_list: Mapping[str, Json], now: dt.datetime, item: Json
) -> list[offer_pb2.Offer]:
    if item.get("available") is False:
        return []
    hotel = as_mapping(required(item, "hotel"))
    listed = as_mapping(hotel_list.get(required_str(hotel, "hotelId")))
    place = _place(hotel, listed, stay)
    chain = field_str(hotel, "chainCode") or field_str(listed, "chainCode")
    return [_offer(as_mapping(raw), place, chain, stay, now) for raw in field_list(item, "offers")]


def _place(hotel: Json, listed: Json, stay: Stay) -> common_pb2.Place:
    geo = field_map(listed, "geoCode")
    address = field_map(listed, "address")
    latitude, longitude = coordinate(hotel.get("latitude")), coordinate(hotel.get("longitude"))
    if latitude is None or longitude is None:
        latitude, longitude = coordinate(geo.get("latitude")), coordinate(geo.get("longitude"))
    return property_place(
        PropertyFacts(
            name=field_str(hotel, "name") or required_str(listed, "name"),
            city_code=field_str(hotel, "cityCode") or field_str(listed, "iataCode"),
            city_name=field_str(address, "cityName").title(),
            country_code=field_str(address, "countryCode"),
            latitude=latitude,
            longitude=longitude,
            address_lines=[str(line) for line in field_list(address, "lines") if line],
            postal_code=field_str(address, "postalCode"),
        ),
        stay,
    )


def _offer(
    raw: Json, place: common_pb2.Place, chain: str, stay: Stay, now: dt.datetime
) -> offer_pb2.Offer:
    parts = _price(as_mapping(required(raw, "price")))
    policies = field_map(raw, "policies")
    steps = _penalties(policies, parts.total, stay)
    end = stay.check_in_deadline(steps[0].start if steps else None)
    room = field_map(raw, "room")
    name = field_str(field_map(room, "description"), "text") or field_str(
        field_map(room, "typeEstimated"), "category"
    )
    board = AMADEUS_BOARDS.get(field_str(raw, "boardType"), offer_pb2.BOARD_UNSPECIFIED)
    return hotel_offer(
        HotelParts(
            provider=PROVIDER,
            provider_offer_id=required_str(raw, "id"),
            price=hotel_price(parts),
            place=place,
            stay=stay,
            rooms=[room_of(spec, name, board) for spec in stay.rooms],
            conditions=conditions_of(_refundable(policies, steps), steps, end, parts.currency, now),
            chain=chain,
        )
    )


def _price(raw: Json) -> PriceParts:
    currency = parse_currency(required(raw, "currency"))
    total = parse_amount(required(raw, "total"))
    base = parse_amount(raw["base"]) if field_str(raw, "base") else None
    included: list[Decimal] = []
    on_site = Decimal(0)
    for tax in (as_mapping(item) for item in field_list(raw, "taxes")):
        if not field_str(tax, "amount") or field_str(tax, "currency") not in ("", currency):
            continue
        if tax.get("included") is False:
            on_site += parse_amount(tax["amount"])
        else:
            included.append(parse_amount(tax["amount"]))
    taxes = sum(included, Decimal(0)) if included else None
    if taxes is None and base is not None:
        taxes = total - base
    return PriceParts(
        currency=currency,
        total=total,
        base=base,
        taxes=taxes,
        on_site=on_site or None,
    )


def _refundable(policies: Json, steps: list[PenaltyStep]) -> bool | None:
    stated = field_str(field_map(policies, "refundable"), "cancellationRefund")
    if stated:
        return stated != NON_REFUNDABLE
    return True if steps else None


def _penalties(policies: Json, total: Decimal, stay: Stay) -> list[PenaltyStep]:
    """After each deadline, its amount (or nights of the average night, or a percentage)."""
    nights = max(1, (stay.check_out - stay.check_in).days)
    steps = []
    for rule in (as_mapping(item) for item in field_list(policies, "cancellations")):
        deadline = dt.datetime.fromisoformat(required_str(rule, "deadline"))
        if deadline.tzinfo is None:
            deadline = deadline.replace(tzinfo=stay.check_in_deadline().tzinfo)
        steps.append(PenaltyStep(deadline, _amount(rule, total, nights)))
    return steps


def _amount(rule: Json, total: Decimal, nights: int) -> Decimal:
    if field_str(rule, "amount"):
        return parse_amount(rule["amount"])
    if field_str(rule, "numberOfNights"):
        return (total * parse_amount(rule["numberOfNights"]) / nights).quantize(Decimal("0.01"))
    if field_str(rule, "percentage"):
        return (total * parse_amount(rule["percentage"]) / 100).quantize(Decimal("0.01"))
    if field_str(rule, "type") == "FULL_STAY":
        return total
    raise MissingFieldError("cancellation amount, numberOfNights or percentage")
