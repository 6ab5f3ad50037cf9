"""``POST /hotel-api/1.0/hotels``: Hotelbeds availability by destination, hotel codes or area."""

from __future__ import annotations

import time

import orjson
from aiohttp import web

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox.hotelbeds import errors
from guidera_grpc.sandbox.hotelbeds.auth import check_hotelbeds_signature
from guidera_grpc.sandbox.hotelbeds.query import BadShape, HotelsRequest, read_request
from guidera_grpc.sandbox.hotelbeds.render import render_hotel
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.stays.assortment import SELLERS, Listing, find_listing, listings
from guidera_grpc.sandbox.stays.properties import distance_m
from guidera_grpc.sandbox.wire import BadParameter, json_response

SUPPLIER = "hotelbeds"
SELLER = SELLERS[SUPPLIER]


async def availability(request: web.Request) -> web.StreamResponse:
    """Hotels with rates for the stay and occupancies asked."""
    started = time.monotonic()
    denied = check_hotelbeds_signature(
        request,
        SANDBOX_CREDENTIALS["hotelbeds_api_key"],
        SANDBOX_CREDENTIALS["hotelbeds_secret"],
    )
    if denied is not None:
        return denied
    try:
        parsed = read_request(orjson.loads(await request.read()))
    except orjson.JSONDecodeError:
        return errors.invalid_request("The request body is not valid JSON")
    except BadShape as bad:
        return errors.invalid_request(f"{bad.field}: {bad.detail}")
    except BadParameter as bad:
        return errors.invalid_data(f"{bad.field}: {bad.detail}")

    limit = request.config_dict[SANDBOX].knobs[SUPPLIER].offers
    if parsed.max_hotels is not None:
        limit = min(limit, parsed.max_hotels)
    hotels = [
        hotel
        for found in _candidates(parsed, limit)
        if (hotel := render_hotel(found, parsed)) is not None
    ]
    body: dict[str, object] = {
        "checkIn": parsed.check_in.isoformat(),
        "checkOut": parsed.check_out.isoformat(),
        "total": len(hotels),
    }
    if hotels:
        body["hotels"] = hotels
    return json_response({"auditData": errors.audit_data(started), "hotels": body})


def _candidates(parsed: HotelsRequest, limit: int) -> list[Listing]:
    """The hotels the selector names, at most ``limit``."""
    if parsed.hotel_codes:
        named = [find_listing(SELLER, code) for code in parsed.hotel_codes]
        return [found for found in named if found is not None][:limit]
    if parsed.city is None:
        return []
    if parsed.area is None:
        return listings(SELLER, parsed.city, limit)
    area = parsed.area
    return [
        found
        for found in listings(SELLER, parsed.city, limit)
        if distance_m(area.lat, area.lon, found.hotel.lat, found.hotel.lon) <= area.radius_m
    ]
