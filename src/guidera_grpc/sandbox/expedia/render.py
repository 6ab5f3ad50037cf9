"""Rapid availability answers: properties, their rooms, and rates priced per occupancy.

A rate's ``occupancy_pricing`` is keyed by each occupancy string the request sent (identical
rooms share one key) and prices one room: nightly charges (``base_rate``,
``tax_and_service_fee``, ``extra_person_fee`` for children), totals (``inclusive`` is what
Expedia charges, ``exclusive`` before tax, ``property_fees`` is paid at the hotel), and the
fees behind them (``mandatory_tax`` for tourist tax, ``resort_fee``). Every amount is a decimal
string in both the billable and the request currency. The price-check link lives in each bed
group; cancel penalties carry the property's UTC offset.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from guidera_grpc.sandbox.expedia.query import AvailabilityQuery
from guidera_grpc.sandbox.expedia.tokens import price_check_token
from guidera_grpc.sandbox.flights.money import Currency, format_amount
from guidera_grpc.sandbox.seeds import stable_hex, stable_int, stable_unit
from guidera_grpc.sandbox.stays.assortment import Listing
from guidera_grpc.sandbox.stays.rates import ChildRule, Quote, RoomPrice, Stay, quote_stay

PRICE_CHECK_TTL = dt.timedelta(minutes=30)
_BOARD_AMENITIES = {
    "RO": {"2192": "Free WiFi"},
    "BB": {"1073742786": "Breakfast for 2", "2192": "Free WiFi"},
    "HB": {"2103": "Half board", "2192": "Free WiFi"},
}
_BEDS = {
    "SINGLE": ("1 Single Bed", "SingleBed", "Single"),
    "DOUBLE": ("1 Double Bed", "DoubleBed", "Double"),
    "TWIN": ("2 Twin Beds", "TwinBed", "Twin"),
    "QUEEN": ("1 Queen Bed", "QueenBed", "Queen"),
    "KING": ("1 King Bed", "KingBed", "King"),
}


def render_property(listing: Listing, query: AvailabilityQuery) -> dict[str, Any] | None:
    """The property's rooms and rates for the query, or None when it has none."""
    stay = Stay(query.check_in, query.check_out, query.rooms)
    quotes = [
        quote
        for quote in quote_stay(listing, stay, query.currency, ChildRule.EXTRA_PERSON_FEE)
        if quote.plan.refundable or not query.refundable_only
    ][: query.rate_plan_count]
    if not quotes:
        return None
    rooms: dict[str, dict[str, Any]] = {}
    for quote in quotes:
        room_id = str(200000 + stable_int("room", listing.supplier_id, quote.room.code) % 800000)
        room = rooms.setdefault(
            room_id, {"id": room_id, "room_name": _room_name(quote), "rates": []}
        )
        room["rates"].append(_rate(quote, room_id, query))
    pid = listing.supplier_id
    return {
        "property_id": pid,
        "status": "available",
        "score": 100 + stable_int("score", pid) % 9000,
        "rooms": list(rooms.values()),
        "links": {
            "additional_rates": {
                "method": "GET",
                "href": f"/v3/properties/{pid}/availability?token={stable_hex('more', pid, 24)}",
            }
        },
    }


def _room_name(quote: Quote) -> str:
    return f"{quote.room.name}, {_BEDS[quote.room.bed][0]}"


def _rate(quote: Quote, room_id: str, query: AvailabilityQuery) -> dict[str, Any]:
    pid = quote.listing.supplier_id
    rate_id = str(stable_int("rate", pid, quote.room.code, quote.plan.code) % 10**9)
    rate: dict[str, Any] = {
        "id": rate_id,
        "status": "available",
        "available_rooms": quote.allotment,
        "refundable": quote.plan.refundable,
        "member_deal_available": False,
        "sale_scenario": {
            "package": False,
            "member": False,
            "corporate": False,
            "distribution": False,
            "mobile_promotion": False,
        },
        "merchant_of_record": "expedia",
        "amenities": {
            key: {"id": key, "name": name}
            for key, name in _BOARD_AMENITIES[quote.plan.board].items()
        },
        "links": {
            "payment_options": {
                "method": "GET",
                "href": f"/v3/properties/{pid}/payment-options?token={stable_hex('pay', pid)}",
            }
        },
        "bed_groups": _bed_groups(quote, room_id, rate_id, query),
        "cancel_penalties": _penalties(quote, query),
        "nonrefundable_date_ranges": [],
        "occupancy_pricing": _pricing(quote, query),
    }
    return rate


def _bed_groups(
    quote: Quote, room_id: str, rate_id: str, query: AvailabilityQuery
) -> dict[str, Any]:
    description, kind, size = _BEDS[quote.room.bed]
    group_id = str(37000 + stable_int("beds", quote.room.code) % 1000)
    pid = quote.listing.supplier_id
    token = price_check_token(query)
    expires = dt.datetime.now(dt.UTC) + PRICE_CHECK_TTL
    return {
        group_id: {
            "id": group_id,
            "description": description,
            "configuration": [{"type": kind, "size": size, "quantity": quote.room.beds}],
            "links": {
                "price_check": {
                    "method": "GET",
                    "href": f"/v3/properties/{pid}/rooms/{room_id}/rates/{rate_id}?token={token}",
                    "expires": expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                }
            },
        }
    }


def _penalties(quote: Quote, query: AvailabilityQuery) -> list[dict[str, str]]:
    start = quote.penalty_from
    end = dt.datetime.combine(query.check_in, dt.time(23, 59), tzinfo=start.tzinfo)
    penalty: dict[str, str] = {
        "currency": quote.currency.code,
        "start": _stamp(start),
        "end": _stamp(end),
    }
    if quote.plan.full_penalty:
        penalty["percent"] = "100%"
    elif stable_unit("penalty-nights", quote.listing.hotel.key) < 0.4:
        penalty["nights"] = "1"
    else:
        penalty["amount"] = format_amount(quote.penalty, quote.currency)
    return [penalty]


def _stamp(moment: dt.datetime) -> str:
    """``2026-02-12T11:59:00.000-08:00``: milliseconds and the property's offset."""
    return moment.isoformat(timespec="milliseconds")


def _pricing(quote: Quote, query: AvailabilityQuery) -> dict[str, Any]:
    by_key = dict(zip(query.occupancies, quote.rooms, strict=True))
    return {key: _room_pricing(room, quote.currency) for key, room in by_key.items()}


def _room_pricing(room: RoomPrice, money: Currency) -> dict[str, Any]:
    def charge(kind: str, value: Decimal) -> dict[str, str]:
        return {"type": kind, "value": format_amount(value, money), "currency": money.code}

    nightly = []
    for night in room.nights:
        charges = [charge("base_rate", night.base), charge("tax_and_service_fee", night.tax)]
        if night.extra:
            charges.append(charge("extra_person_fee", night.extra))
        nightly.append(charges)
    at_property = room.city_tax + room.resort_fee
    totals = {
        "inclusive": _money(room.total, money),
        "exclusive": _money(room.base, money),
        "property_inclusive": _money(room.total + at_property, money),
    }
    fees: dict[str, Any] = {}
    if room.city_tax:
        fees["mandatory_tax"] = _money(room.city_tax, money)
    if room.resort_fee:
        fees["resort_fee"] = _money(room.resort_fee, money)
    if at_property:
        totals["property_fees"] = _money(at_property, money)
    pricing: dict[str, Any] = {"nightly": nightly, "stay": [], "totals": totals}
    if fees:
        pricing["fees"] = fees
    return pricing


def _money(value: Decimal, money: Currency) -> dict[str, dict[str, str]]:
    amount = {"value": format_amount(value, money), "currency": money.code}
    return {"billable_currency": amount, "request_currency": dict(amount)}
