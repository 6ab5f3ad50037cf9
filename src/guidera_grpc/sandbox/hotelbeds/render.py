"""Hotelbeds availability answers: hotels with rooms, and rates at net prices.

Each rate prices the rooms of one occupancy group for the whole stay. Its ``net`` is what the
client pays Hotelbeds, taxes as the hotel states them: most list the VAT included in the net
and any tourist tax left to pay at the hotel (``included: false``, in local money with its
``clientAmount`` in euros); some list only what is payable at the hotel, a few nothing. In the
United States, half the hotels leave sales tax out of the net. Amounts are strings at most
hotels and JSON numbers at some, coordinates are strings, and a few hotels have none.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from guidera_grpc.sandbox.flights.money import EUR, format_amount, local_currency
from guidera_grpc.sandbox.hotelbeds.query import HotelsRequest, OccupancyGroup
from guidera_grpc.sandbox.seeds import stable_hex, stable_int, stable_unit
from guidera_grpc.sandbox.stays.assortment import Listing
from guidera_grpc.sandbox.stays.rates import ChildRule, Quote, Stay, quote_stay

BOARDS = {"RO": "ROOM ONLY", "BB": "BED AND BREAKFAST", "HB": "HALF BOARD"}
SELLING_MARGIN = Decimal("1.07")
_CENT = Decimal("0.01")


def render_hotel(listing: Listing, request: HotelsRequest) -> dict[str, Any] | None:
    """The hotel with a rate for every occupancy group, or None when one group finds none."""
    rooms: dict[str, dict[str, Any]] = {}
    totals: list[Decimal] = []
    for group in request.groups:
        stay = Stay(request.check_in, request.check_out, (group.occupancy,) * group.rooms)
        quotes = quote_stay(listing, stay, EUR, ChildRule.FIRST_CHILD_FREE)
        if not quotes:
            return None
        for quote in quotes:
            room = rooms.setdefault(
                quote.room.code,
                {"code": quote.room.code, "name": quote.room.name.upper(), "rates": []},
            )
            room["rates"].append(_rate(quote, group, request))
            totals.append(_net(quote))
    return _hotel(listing, list(rooms.values()), min(totals), max(totals))


def _hotel(
    listing: Listing, rooms: list[dict[str, Any]], low: Decimal, high: Decimal
) -> dict[str, Any]:
    prop = listing.hotel
    hotel: dict[str, Any] = {
        "code": int(listing.supplier_id),
        "name": listing.name,
        "categoryCode": f"{prop.stars}EST",
        "categoryName": f"{prop.stars} STARS",
        "destinationCode": prop.city.code,
        "destinationName": prop.city.name,
        "zoneCode": 1 + stable_int("zone", prop.city.code, prop.core) % 90,
        "zoneName": prop.core if prop.brand is not None else prop.city.name,
    }
    if listing.lat is not None and listing.lon is not None:
        hotel["latitude"] = f"{listing.lat:.7f}"
        hotel["longitude"] = f"{listing.lon:.7f}"
    hotel["rooms"] = rooms
    hotel["minRate"] = format_amount(low, EUR)
    hotel["maxRate"] = format_amount(high, EUR)
    hotel["currency"] = EUR.code
    return hotel


def _rate(quote: Quote, group: OccupancyGroup, request: HotelsRequest) -> dict[str, Any]:
    prop = quote.listing.hotel
    net = _net(quote)
    as_number = stable_unit("numbers", prop.key) < 0.3
    rate: dict[str, Any] = {
        "rateKey": _rate_key(quote, group, request),
        "rateClass": "NOR" if quote.plan.refundable else "NRF",
        "rateType": "RECHECK" if quote.recheck else "BOOKABLE",
        "net": _amount(net, as_number),
        "allotment": quote.allotment,
        "paymentType": "AT_WEB",
        "packaging": False,
        "boardCode": quote.plan.board,
        "boardName": BOARDS[quote.plan.board],
        "cancellationPolicies": [
            {"amount": _amount(_scaled(quote.penalty, net, quote), as_number), "from": _from(quote)}
        ],
        "rooms": group.rooms,
        "adults": group.occupancy.adults,
        "children": len(group.occupancy.child_ages),
    }
    if group.occupancy.child_ages:
        rate["childrenAges"] = ",".join(str(age) for age in group.occupancy.child_ages)
    if stable_unit("selling-rate", prop.key) < 0.5:
        rate["sellingRate"] = _amount((net * SELLING_MARGIN).quantize(_CENT), as_number)
    taxes = _taxes(quote)
    if taxes is not None:
        rate["taxes"] = taxes
    return rate


def _tax_mode(quote: Quote) -> str:
    """How this hotel states taxes: ``listed``, ``payable_only`` or ``silent``."""
    roll = stable_unit("tax-mode", quote.listing.hotel.key)
    return "listed" if roll < 0.55 else "payable_only" if roll < 0.85 else "silent"


def _sales_tax_excluded(quote: Quote) -> bool:
    """Whether the net leaves the VAT or sales tax to be paid at the hotel (US only)."""
    prop = quote.listing.hotel
    return prop.city.country == "US" and stable_unit("us-tax", prop.key) < 0.5


def _net(quote: Quote) -> Decimal:
    return quote.base if _sales_tax_excluded(quote) else quote.total


def _scaled(amount: Decimal, net: Decimal, quote: Quote) -> Decimal:
    """``amount`` (of the tax-included total) in the terms of the net."""
    return (amount * net / quote.total).quantize(_CENT, rounding=ROUND_HALF_UP)


def _taxes(quote: Quote) -> dict[str, Any] | None:
    mode = _tax_mode(quote)
    if mode == "silent":
        return None
    items = []
    excluded = _sales_tax_excluded(quote)
    if mode == "listed" or excluded:
        items.append(_tax_item(quote, quote.tax, included=not excluded))
    if quote.city_tax > 0:
        items.append(_tax_item(quote, quote.city_tax, included=False))
    return {"taxes": items, "allIncluded": all(item["included"] for item in items)}


def _tax_item(quote: Quote, amount_eur: Decimal, *, included: bool) -> dict[str, Any]:
    local = local_currency(quote.listing.hotel.city.country) or EUR
    return {
        "included": included,
        "amount": format_amount(local.from_eur(amount_eur), local),
        "currency": local.code,
        "clientAmount": format_amount(amount_eur, EUR),
        "clientCurrency": EUR.code,
    }


def _from(quote: Quote) -> str:
    return quote.penalty_from.isoformat(timespec="seconds")


def _amount(value: Decimal, as_number: bool) -> str | float:
    text = format_amount(value, EUR)
    return float(text) if as_number else text


def _rate_key(quote: Quote, group: OccupancyGroup, request: HotelsRequest) -> str:
    occupancy = group.occupancy
    ages = "~".join(str(age) for age in occupancy.child_ages)
    token = stable_hex("rate", quote.listing.supplier_id, quote.room.code, quote.plan.code, 32)
    parts = (
        _day(request.check_in),
        _day(request.check_out),
        "W",
        str(100 + stable_int("contract", quote.listing.hotel.key) % 800),
        quote.listing.supplier_id,
        quote.room.code,
        quote.plan.code,
        quote.plan.board,
        "",
        f"{group.rooms}~{occupancy.adults}~{len(occupancy.child_ages)}",
        ages,
        f"N@{token.upper()}",
    )
    return "|".join(parts)


def _day(day: dt.date) -> str:
    return day.strftime("%Y%m%d")
