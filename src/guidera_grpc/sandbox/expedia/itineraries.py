"""Rapid itineraries: ``POST /v3/itineraries?token=…`` books (or holds), ``GET
/v3/itineraries?affiliate_reference_id=…`` finds, ``GET|PUT|DELETE
/v3/itineraries/{itinerary_id}?token=…`` retrieves, resumes a hold, cancels.

The booking token comes from a price check and carries the rate and its price. An
``affiliate_reference_id`` already used is a 400 ``duplicate_itinerary``. Itineraries are kept
in the sandbox's shared ledger.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from guidera_grpc.sandbox import sales
from guidera_grpc.sandbox.bookings import BOOKINGS, SandboxBooking
from guidera_grpc.sandbox.expedia import errors
from guidera_grpc.sandbox.expedia.auth import check_signature
from guidera_grpc.sandbox.expedia.tokens import BadToken, decode
from guidera_grpc.sandbox.wire import json_response, now_utc, utc_iso

SUPPLIER = "expedia"
ITINERARIES_PATH = "/v3/itineraries"
ITINERARY_PATH = "/v3/itineraries/{itinerary_id}"
MAX_REFERENCE = 28


_STATUSES = {"confirmed": "booked", "held": "held", "cancelled": "canceled"}


def _links(booking: SandboxBooking) -> dict[str, Any]:
    """The retrieve, cancel and (while held) resume links."""
    href = f"{ITINERARIES_PATH}/{booking.reference}?token={booking.document['token']}"
    links = {
        "retrieve": {"method": "GET", "href": href},
        "cancel": {"method": "DELETE", "href": href},
    }
    if booking.status == "held":
        links["resume"] = {"method": "PUT", "href": href}
    return links


def _rendered(booking: SandboxBooking) -> dict[str, Any]:
    """The itinerary as a retrieve answers it."""
    amount = {"value": f"{booking.total:.2f}", "currency": booking.currency}
    inclusive = {"billable_currency": amount, "request_currency": dict(amount)}
    room = {
        "id": booking.document["room_id"],
        "confirmation_id": {"expedia": booking.reference},
        "status": _STATUSES.get(booking.status, "pending"),
        "rate": {"pricing": {"totals": {"inclusive": inclusive}}},
    }
    return {
        "itinerary_id": booking.reference,
        "property_id": booking.document["property_id"],
        "affiliate_reference_id": booking.our_reference,
        "creation_date_time": utc_iso(booking.created_at),
        "links": _links(booking),
        "rooms": [room],
    }


def _invalid(name: str, message: str) -> web.Response:
    return errors.error(
        400,
        "invalid_input",
        "An invalid request was sent in, please check the nested errors for details.",
        errors=[
            {"type": f"{name}.invalid", "message": message, "fields": [errors.field(name, "")]}
        ],
    )


def _guests_ok(body: Mapping[str, Any]) -> bool:
    rooms = body.get("rooms")
    if not isinstance(rooms, list) or not rooms:
        return False
    return all(
        isinstance(room, Mapping) and room.get("given_name") and room.get("family_name")
        for room in rooms
    )


async def book(request: web.Request) -> web.StreamResponse:
    """Create an itinerary for the price-checked rate."""
    if (denied := check_signature(request)) is not None:
        return denied
    try:
        rate = decode(request.query.get("token", ""))
        body = orjson.loads(await request.read())
    except (BadToken, orjson.JSONDecodeError):
        return errors.error(400, "link.invalid", "The link is invalid or has expired.")
    if not isinstance(body, Mapping) or not _guests_ok(body):
        return _invalid("rooms", "Each room needs a given_name and a family_name.")
    reference = body.get("affiliate_reference_id")
    if not isinstance(reference, str) or not 0 < len(reference) <= MAX_REFERENCE:
        return _invalid("affiliate_reference_id", "Give 1 to 28 characters.")
    ledger = request.config_dict[BOOKINGS]
    if ledger.of(SUPPLIER, lambda booking: booking.our_reference == reference):
        return errors.error(400, "duplicate_itinerary", "This affiliate_reference_id is used.")
    if sales.sold_out(request, SUPPLIER, str(rate.get("check", ""))):
        return errors.error(410, "rooms_unavailable", "The rooms are no longer available.")

    booking = ledger.record(
        SandboxBooking(
            supplier=SUPPLIER,
            reference=str(7_000_000_000_000 + ledger.next_number()),
            our_reference=reference,
            status="held" if body.get("hold") is True else "confirmed",
            total=Decimal(str(rate.get("total", "0"))),
            currency=str(rate.get("currency", "USD")),
            created_at=now_utc(),
            document={
                "token": secrets.token_hex(12),
                "property_id": str(rate.get("property_id", "")),
                "room_id": str(rate.get("room_id", "")),
            },
        )
    )
    answer = json_response(
        {"itinerary_id": booking.reference, "links": _links(booking)}, status=201
    )
    return await sales.deliver(request, SUPPLIER, answer, errors.server_error)


async def find(request: web.Request) -> web.StreamResponse:
    """Itineraries made under an ``affiliate_reference_id``, as an array."""
    if (denied := check_signature(request)) is not None:
        return denied
    reference = request.query.get("affiliate_reference_id", "")
    if not reference:
        return _invalid("affiliate_reference_id", "affiliate_reference_id is required.")
    found = [
        _rendered(booking)
        for booking in request.config_dict[BOOKINGS].of(
            SUPPLIER, lambda booking: booking.our_reference == reference
        )
    ]
    if not found:
        return errors.error(404, "resource_not_found", "No itinerary has this reference.")
    return json_response(found)


def _itinerary(request: web.Request) -> SandboxBooking | None:
    found = request.config_dict[BOOKINGS].get(SUPPLIER, request.match_info["itinerary_id"])
    token = request.query.get("token", "")
    known = found is not None and secrets.compare_digest(str(found.document["token"]), token)
    return found if known else None


async def retrieve(request: web.Request) -> web.StreamResponse:
    """One itinerary."""
    if (denied := check_signature(request)) is not None:
        return denied
    if (itinerary := _itinerary(request)) is None:
        return errors.error(404, "resource_not_found", "The itinerary does not exist.")
    return json_response(_rendered(itinerary))


async def resume(request: web.Request) -> web.StreamResponse:
    """Confirm a held itinerary."""
    if (denied := check_signature(request)) is not None:
        return denied
    if (itinerary := _itinerary(request)) is None or itinerary.status != "held":
        return errors.error(404, "resource_not_found", "No held itinerary here.")
    itinerary.status = "confirmed"
    return web.Response(status=204)


async def cancel(request: web.Request) -> web.StreamResponse:
    """Cancel every room of an itinerary."""
    if (denied := check_signature(request)) is not None:
        return denied
    if (itinerary := _itinerary(request)) is None:
        return errors.error(404, "resource_not_found", "The itinerary does not exist.")
    itinerary.status = "cancelled"
    return web.Response(status=204)


def itinerary_routes() -> list[web.RouteDef]:
    """The booking and booking-management routes."""
    return [
        web.post(ITINERARIES_PATH, book),
        web.get(ITINERARIES_PATH, find, allow_head=False),
        web.get(ITINERARY_PATH, retrieve, allow_head=False),
        web.put(ITINERARY_PATH, resume),
        web.delete(ITINERARY_PATH, cancel),
    ]
