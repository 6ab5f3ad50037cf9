"""Reading a Hotelbeds ``rateKey`` back into the rate it names, priced as of now.

A rate key carries everything a rate depends on (dates, hotel code, room, rate plan, board and
occupancy), so the emulator finds the rate again without remembering any search: it renders
the hotel for that stay and occupancy and picks the rate with the same key. The booking knobs
then decide whether it is sold out or dearer than at the search.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import web

from guidera_grpc.sandbox import sales
from guidera_grpc.sandbox.flights.money import EUR, format_amount
from guidera_grpc.sandbox.hotelbeds.query import HotelsRequest, OccupancyGroup
from guidera_grpc.sandbox.hotelbeds.render import render_hotel
from guidera_grpc.sandbox.stays.assortment import SELLERS, find_listing
from guidera_grpc.sandbox.stays.rooms import Occupancy

SUPPLIER = "hotelbeds"
_PARTS = 12


@dataclass(frozen=True, slots=True)
class PricedRate:
    """One rate found again: its hotel (with only this room and rate) and its net now."""

    hotel: dict[str, Any]
    rate: dict[str, Any]
    net: Decimal


class UnknownRate(ValueError):
    """A rate key this emulator never gave out, or for a stay already past."""


def find_rate(request: web.Request, rate_key: str) -> PricedRate | None:
    """The rate ``rate_key`` names, priced now; None when it is sold out.

    Raises ``UnknownRate`` for a key that names no rate.
    """
    stay = _read_key(rate_key)
    listing = find_listing(SELLERS[SUPPLIER], rate_key.split("|")[4])
    if listing is None:
        raise UnknownRate(rate_key)
    hotel = render_hotel(listing, stay)
    if hotel is None or sales.sold_out(request, SUPPLIER, rate_key):
        return None
    for room in hotel["rooms"]:
        for rate in room["rates"]:
            if rate["rateKey"] == rate_key:
                return _priced(request, hotel, room, rate)
    return None


def _read_key(rate_key: str) -> HotelsRequest:
    parts = rate_key.split("|")
    if len(parts) != _PARTS:
        raise UnknownRate(rate_key)
    try:
        check_in = dt.datetime.strptime(parts[0], "%Y%m%d").date()
        check_out = dt.datetime.strptime(parts[1], "%Y%m%d").date()
        rooms, adults, _ = (int(number) for number in parts[9].split("~"))
        ages = tuple(int(age) for age in parts[10].split("~") if age)
    except ValueError:
        raise UnknownRate(rate_key) from None
    if check_in < dt.datetime.now(dt.UTC).date() or check_out <= check_in:
        raise UnknownRate(rate_key)
    group = OccupancyGroup(rooms, Occupancy(adults, ages))
    return HotelsRequest(check_in, check_out, (group,), None, (), None, None)


def _priced(
    request: web.Request, hotel: dict[str, Any], room: dict[str, Any], rate: dict[str, Any]
) -> PricedRate:
    key = rate["rateKey"]
    net = sales.current_amount(request, SUPPLIER, key, Decimal(str(rate["net"])))
    rate = {**rate, "net": format_amount(net, EUR), "rateType": "BOOKABLE"}
    rate.pop("sellingRate", None)
    only = {**hotel, "rooms": [{**room, "rates": [rate]}]}
    return PricedRate(only, rate, net)
