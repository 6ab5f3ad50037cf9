"""``GET /v3/properties/content``: names, addresses, ratings and coordinates by property id.

The answer is an object keyed by property id, not an array; ids Expedia does not know are left
out. Star ratings and guest scores (out of 5) are strings, coordinates numbers. This emulator
serves lookups by ``property_id`` (1 to 250 of them), the form the adapter uses.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from guidera_grpc.sandbox.expedia import params
from guidera_grpc.sandbox.expedia.auth import check_signature
from guidera_grpc.sandbox.seeds import stable_int
from guidera_grpc.sandbox.stays.assortment import SELLERS, Listing, find_listing
from guidera_grpc.sandbox.wire import json_response

MAX_PROPERTY_IDS = 250


async def content(request: web.Request) -> web.StreamResponse:
    """Static content of the properties asked for."""
    denied = check_signature(request)
    if denied is not None:
        return denied
    try:
        params.language(request.query)
        ids = params.repeated(request.query, "property_id", 1, MAX_PROPERTY_IDS)
    except params.Invalid as bad:
        return bad.response()

    found = (find_listing(SELLERS["expedia"], pid) for pid in ids)
    return json_response({item.supplier_id: describe(item) for item in found if item})


def describe(item: Listing) -> dict[str, Any]:
    """One property's content."""
    prop = item.hotel
    body: dict[str, Any] = {
        "property_id": item.supplier_id,
        "name": item.name,
        "address": {
            "line_1": prop.address_line,
            "city": prop.city.name,
            "postal_code": prop.postal_code,
            "country_code": prop.city.country,
            "obfuscation_required": False,
        },
        "ratings": {
            "property": {"rating": f"{prop.stars:.1f}", "type": "Star"},
            "guest": {
                "count": prop.review_count,
                "overall": f"{prop.review_score / 2:.1f}",
            },
        },
        "phone": f"+{stable_int('phone', prop.key) % 10**9:09d}",
        "category": {"id": "1", "name": "Hotel"},
        "rank": prop.index + 1,
        "checkin": {"begin_time": "3:00 PM", "end_time": "anytime", "min_age": 18},
        "checkout": {"time": "11:00 AM"},
    }
    if item.lat is not None and item.lon is not None:
        body["location"] = {"coordinates": {"latitude": item.lat, "longitude": item.lon}}
    if prop.brand is not None:
        body["chain"] = {
            "id": str(stable_int("chain", prop.brand.group) % 9000),
            "name": prop.brand.group,
        }
        body["brand"] = {
            "id": str(stable_int("brand", prop.brand.name) % 90000),
            "name": prop.brand.name,
        }
    return body
