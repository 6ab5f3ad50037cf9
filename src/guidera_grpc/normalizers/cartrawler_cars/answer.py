"""A whole availability answer: rental times, vendors, their desks and cars, as ``Offer``\\ s.

Times are the local pick-up and return times of ``VehRentalCore``; each vendor's desks are
under ``Info/LocationDetails`` (two for a one-way rental). A car that is not ``Available``
(on request) is left out; one that lacks what an offer needs is skipped with a warning.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass
from typing import Final

from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.cartrawler_cars.charges import Charges
from guidera_grpc.normalizers.cartrawler_cars.conditions import conditions_of
from guidera_grpc.normalizers.cartrawler_cars.ota import attr, core_of, ota_items, text_of
from guidera_grpc.normalizers.cartrawler_cars.places import Places, places_of
from guidera_grpc.normalizers.cartrawler_cars.vehicle import car_details
from guidera_grpc.normalizers.common import (
    Json,
    MissingFieldError,
    field_map,
    normalize_each,
    parse_local_time,
    top_level,
)
from guidera_grpc.providers.errors import MalformedResponseError
from guidera_grpc.search.params import CarSearch

logger = logging.getLogger(__name__)

PROVIDER: Final = "cartrawler"
AVAILABLE: Final = "Available"


@dataclass(frozen=True, slots=True)
class _Rental:
    """What applies to every car of one answer: times and the places searched."""

    pick_up_at: dt.datetime
    return_at: dt.datetime
    pick_up_code: str
    return_code: str


def normalize_cartrawler_cars(
    payload: object, requested: CarSearch | None = None
) -> list[offer_pb2.Offer]:
    """Offers of an availability answer; ``requested`` fills in times and places it omits."""
    body = top_level(PROVIDER, payload)
    if "Errors" in body and "VehAvailRSCore" not in body:
        raise MalformedResponseError(PROVIDER, "answer holds Errors, not availability")
    core = body.get("VehAvailRSCore")
    if not isinstance(core, dict):
        if "Success" in body:
            return []
        raise MalformedResponseError(PROVIDER, "answer has neither VehAvailRSCore nor Success")

    rental = _rental(field_map(core, "VehRentalCore"), requested)
    offers: list[offer_pb2.Offer] = []
    for vendor_avail in ota_items(core.get("VehVendorAvails"), "VehVendorAvail"):
        offers.extend(_vendor_offers(vendor_avail, rental))
    return offers


def _rental(core: Json, requested: CarSearch | None) -> _Rental:
    try:
        pick_up_at = _time(
            attr(core, "PickUpDateTime"), requested.pick_up_at if requested else None
        )
        return_at = _time(
            attr(core, "ReturnDateTime"), requested.drop_off_at if requested else None
        )
    except ValueError as error:
        raise MalformedResponseError(PROVIDER, f"unreadable rental times: {error}") from None
    pick_up = attr(field_map(core, "PickUpLocation"), "LocationCode")
    returned = attr(field_map(core, "ReturnLocation"), "LocationCode")
    pick_up = pick_up or (requested.pick_up if requested else "")
    returned = returned or (requested.drop_off if requested else "") or pick_up
    return _Rental(pick_up_at, return_at, pick_up.upper(), returned.upper())


def _time(text: str, fallback: dt.datetime | None) -> dt.datetime:
    if text:
        return parse_local_time(text)
    if fallback is None:
        raise ValueError("VehRentalCore has no pick-up or return time")
    return fallback


def _vendor_offers(vendor_avail: Json, rental: _Rental) -> list[offer_pb2.Offer]:
    vendor_node = field_map(vendor_avail, "Vendor")
    code = attr(vendor_node, "Code").upper()
    if not code:
        logger.warning("skipped a vendor without a code", extra={"fields": {"provider": PROVIDER}})
        return []
    name = attr(vendor_node, "CompanyShortName") or attr(vendor_node, "Name")
    vendor = offer_pb2.Carrier(iata_code=code, name=name or text_of(vendor_node))
    places = places_of(field_map(vendor_avail, "Info"), rental.pick_up_code, rental.return_code)
    avails = [
        avail for avail in ota_items(vendor_avail.get("VehAvails"), "VehAvail") if _available(avail)
    ]
    build = functools.partial(_offer, vendor=vendor, places=places, rental=rental)
    return normalize_each(PROVIDER, avails, build)


def _available(avail: Json) -> bool:
    status = attr(core_of(avail), "Status")
    if status and status != AVAILABLE:
        logger.debug("left out a car not available", extra={"fields": {"status": status}})
        return False
    return True


def _offer(
    avail: Json,
    *,
    vendor: offer_pb2.Carrier,
    places: Places,
    rental: _Rental,
) -> offer_pb2.Offer:
    core = core_of(avail)
    reference = attr(field_map(core, "Reference"), "ID")
    if not reference:
        raise MissingFieldError("Reference/@ID")
    charges = Charges.of(core)
    details = car_details(avail, vendor, places, (rental.pick_up_at, rental.return_at))
    price = charges.price()
    seller = common_pb2.ProviderPrice(provider=PROVIDER, price=price, provider_offer_id=reference)
    return offer_pb2.Offer(
        category=common_pb2.CATEGORY_CARS,
        price=price,
        provider_prices=[seller],
        conditions=conditions_of(core, charges),
        car=details,
    )
