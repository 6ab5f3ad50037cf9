"""``GET /v3/properties/{property_id}/rooms/{room_id}/rates/{rate_id}?token=…``: Rapid's
price check.

The token says which search found the rate, so the rate is rendered again for that stay and
those rooms. The answer's ``status`` is ``available`` (200), ``price_changed`` (409, with the
new ``occupancy_pricing``) or ``sold_out`` (410, with a ``shop`` link instead of ``book``);
the booking knobs decide which. The ``book`` link's token carries the rate and its price.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from aiohttp import web

from guidera_grpc.sandbox import sales
from guidera_grpc.sandbox.expedia import errors
from guidera_grpc.sandbox.expedia.auth import check_signature
from guidera_grpc.sandbox.expedia.render import render_property
from guidera_grpc.sandbox.expedia.tokens import BadToken, encode, query_of
from guidera_grpc.sandbox.stays.assortment import SELLERS, find_listing
from guidera_grpc.sandbox.wire import json_response

SUPPLIER = "expedia"
PRICE_CHECK_PATH = "/v3/properties/{property_id}/rooms/{room_id}/rates/{rate_id}"
BOOK_TTL = dt.timedelta(minutes=30)


def _rate(request: web.Request) -> dict[str, Any] | None:
    """The rate the link names, rendered again; None when the property no longer sells it."""
    info = request.match_info
    query = query_of(request.query.get("token", ""), info["property_id"])
    listing = find_listing(SELLERS[SUPPLIER], info["property_id"])
    rendered = render_property(listing, query) if listing is not None else None
    for room in (rendered or {}).get("rooms", ()):
        if room["id"] != info["room_id"]:
            continue
        for rate in room["rates"]:
            if rate["id"] == info["rate_id"]:
                return dict(rate)
    return None


def _raised(pricing: Any, request: web.Request, key: str) -> Any:
    """``pricing`` with every money ``value`` as the supplier charges it now."""
    if isinstance(pricing, dict):
        raised = {name: _raised(value, request, key) for name, value in pricing.items()}
        if isinstance(pricing.get("value"), str):
            amount = sales.current_amount(request, SUPPLIER, key, Decimal(pricing["value"]))
            raised["value"] = f"{amount:.2f}"
        return raised
    if isinstance(pricing, list):
        return [_raised(item, request, key) for item in pricing]
    return pricing


def _total(pricing: dict[str, Any]) -> str:
    amounts = [
        Decimal(room["totals"]["inclusive"]["billable_currency"]["value"])
        for room in pricing.values()
    ]
    return f"{sum(amounts, Decimal(0)):.2f}"


async def price_check(request: web.Request) -> web.StreamResponse:
    """The rate's price now, and the link to book it."""
    if (denied := check_signature(request)) is not None:
        return denied
    try:
        rate = _rate(request)
    except BadToken:
        return errors.error(400, "link.invalid", "The link is invalid or has expired.")
    key = f"{request.path}?{request.query_string}"
    if rate is None or sales.sold_out(request, SUPPLIER, key):
        shop = {"method": "GET", "href": "/v3/properties/availability"}
        return json_response({"status": "sold_out", "links": {"shop": shop}}, status=410)

    pricing = _raised(rate["occupancy_pricing"], request, key)
    moved = sales.price_moved(request, SUPPLIER, key)
    info = request.match_info
    first = next(iter(pricing.values()))
    currency = first["totals"]["inclusive"]["billable_currency"]["currency"]
    book_token = encode({**info, "check": key, "total": _total(pricing), "currency": currency})
    expires = dt.datetime.now(dt.UTC) + BOOK_TTL
    body = {
        "status": "price_changed" if moved else "available",
        "occupancy_pricing": pricing,
        "links": {
            "book": {
                "method": "POST",
                "href": f"/v3/itineraries?token={book_token}",
                "expires": expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            }
        },
    }
    return json_response(body, status=409 if moved else 200)
