"""Hotelbeds check rate and bookings: ``POST checkrates``, ``POST bookings``, the booking list
filtered by ``clientReference``, ``GET`` and ``DELETE bookings/{reference}``.

A booking confirms at once (Hotelbeds has no hold). Bookings are kept in the sandbox's shared
ledger, its Hotelbeds rendering with them; the knobs decide sold-out rates, moved prices, a slow
confirmation and a booking whose answer is lost after it was kept.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox import sales
from guidera_grpc.sandbox.bookings import BOOKINGS, SandboxBooking
from guidera_grpc.sandbox.flights.money import EUR, format_amount
from guidera_grpc.sandbox.hotelbeds import errors
from guidera_grpc.sandbox.hotelbeds.auth import check_hotelbeds_signature
from guidera_grpc.sandbox.hotelbeds.ratekeys import PricedRate, UnknownRate, find_rate
from guidera_grpc.sandbox.wire import json_response, now_utc

SUPPLIER = "hotelbeds"
CHECKRATES_PATH = "/hotel-api/1.0/checkrates"
BOOKINGS_PATH = "/hotel-api/1.0/bookings"
PRODUCT_ERROR = "PRODUCT_ERROR"


_STATUSES = {"confirmed": "CONFIRMED", "cancelled": "CANCELLED", "pending": "PENDING"}


def _rendered(booking: SandboxBooking) -> dict[str, Any]:
    """The ``booking`` object of an answer."""
    total = format_amount(booking.total, EUR)
    return {
        **booking.document,
        "reference": booking.reference,
        "clientReference": booking.our_reference,
        "status": _STATUSES.get(booking.status, "PENDING"),
        "totalNet": total,
        "pendingAmount": total,
        "currency": EUR.code,
    }


def booking_routes() -> list[web.RouteDef]:
    """The check-rate and booking routes."""
    return [
        web.post(CHECKRATES_PATH, check_rates),
        web.post(BOOKINGS_PATH, book),
        web.get(BOOKINGS_PATH, list_bookings, allow_head=False),
        web.get(f"{BOOKINGS_PATH}/{{reference}}", get_booking, allow_head=False),
        web.delete(f"{BOOKINGS_PATH}/{{reference}}", cancel),
    ]


def _denied(request: web.Request) -> web.Response | None:
    return check_hotelbeds_signature(
        request,
        SANDBOX_CREDENTIALS["hotelbeds_api_key"],
        SANDBOX_CREDENTIALS["hotelbeds_secret"],
    )


async def _body(request: web.Request) -> Mapping[str, Any] | None:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, Mapping) else None


def _rate_keys(body: Mapping[str, Any]) -> list[str] | None:
    rooms = body.get("rooms")
    if not isinstance(rooms, list) or not rooms:
        return None
    keys = [room.get("rateKey") for room in rooms if isinstance(room, Mapping)]
    good = [key for key in keys if isinstance(key, str) and key]
    return good if len(good) == len(rooms) else None


def _priced_all(request: web.Request, keys: list[str]) -> list[PricedRate] | web.Response:
    priced = []
    for key in keys:
        try:
            found = find_rate(request, key)
        except UnknownRate:
            return errors.invalid_data(f"Invalid rateKey: {key[:40]}")
        if found is None:
            return errors.api_error(400, PRODUCT_ERROR, "Insufficient allotment: stop sales")
        priced.append(found)
    return priced


def _hotel_of(priced: list[PricedRate]) -> dict[str, Any]:
    rooms = [room for rate in priced for room in rate.hotel["rooms"]]
    return {**priced[0].hotel, "rooms": rooms}


async def check_rates(request: web.Request) -> web.StreamResponse:
    """Each rate asked, priced now and bookable, in one hotel."""
    started = time.monotonic()
    if (denied := _denied(request)) is not None:
        return denied
    body = await _body(request)
    keys = _rate_keys(body) if body is not None else None
    if keys is None:
        return errors.invalid_request("rooms: each room needs a rateKey")
    priced = _priced_all(request, keys)
    if isinstance(priced, web.Response):
        return priced
    total = sum((rate.net for rate in priced), Decimal(0))
    hotel = {**_hotel_of(priced), "totalNet": format_amount(total, EUR)}
    return json_response({"auditData": errors.audit_data(started), "hotel": hotel})


def _holder(body: Mapping[str, Any]) -> dict[str, str] | None:
    holder = body.get("holder")
    if not isinstance(holder, Mapping):
        return None
    name, surname = holder.get("name"), holder.get("surname")
    if not (isinstance(name, str) and name and isinstance(surname, str) and surname):
        return None
    return {"name": name, "surname": surname}


def _paxes_ok(body: Mapping[str, Any]) -> bool:
    for room in body.get("rooms") or ():
        paxes = room.get("paxes") if isinstance(room, Mapping) else None
        if not isinstance(paxes, list) or not paxes:
            return False
        for pax in paxes:
            if not isinstance(pax, Mapping) or pax.get("type") not in ("AD", "CH"):
                return False
    return True


async def book(request: web.Request) -> web.StreamResponse:
    """Confirm the rates for the holder, under the client's reference."""
    started = time.monotonic()
    if (denied := _denied(request)) is not None:
        return denied
    body = await _body(request)
    keys = _rate_keys(body) if body is not None else None
    if body is None or keys is None or not _paxes_ok(body):
        return errors.invalid_request("rooms: each room needs a rateKey and paxes")
    holder, client_reference = _holder(body), body.get("clientReference")
    if holder is None or not isinstance(client_reference, str) or not client_reference:
        return errors.invalid_request("holder and clientReference are mandatory")
    priced = _priced_all(request, keys)
    if isinstance(priced, web.Response):
        return priced

    ledger = request.config_dict[BOOKINGS]
    total = sum((rate.net for rate in priced), Decimal(0))
    hotel = {**_hotel_of(priced), "totalNet": format_amount(total, EUR), "currency": EUR.code}
    booking = ledger.record(
        SandboxBooking(
            supplier=SUPPLIER,
            reference=f"{100 + secrets.randbelow(800)}-{ledger.next_number():07d}",
            our_reference=client_reference,
            status="confirmed",
            total=total,
            currency=EUR.code,
            created_at=now_utc(),
            document={
                "creationDate": now_utc().date().isoformat(),
                "holder": holder,
                "hotel": hotel,
            },
        )
    )
    return await sales.deliver(request, SUPPLIER, _answer(booking, started), errors.server_error)


def _answer(booking: SandboxBooking, started: float | None = None) -> web.Response:
    return json_response({"auditData": errors.audit_data(started), "booking": _rendered(booking)})


async def list_bookings(request: web.Request) -> web.StreamResponse:
    """Bookings, filtered by ``clientReference`` when given, paged by ``start`` and ``end``."""
    if (denied := _denied(request)) is not None:
        return denied
    wanted = request.query.get("clientReference")
    found = [
        _rendered(booking)
        for booking in request.config_dict[BOOKINGS].of(SUPPLIER)
        if wanted is None or booking.our_reference == wanted
    ]
    start = int(request.query.get("start", "1") or 1)
    end = int(request.query.get("end", "50") or 50)
    page = found[start - 1 : end]
    body = {"from": start, "to": start + len(page) - 1, "total": len(found), "bookings": page}
    return json_response({"auditData": errors.audit_data(), "bookings": body})


def _booking_of(request: web.Request) -> SandboxBooking | None:
    return request.config_dict[BOOKINGS].get(SUPPLIER, request.match_info["reference"])


async def get_booking(request: web.Request) -> web.StreamResponse:
    """One booking by its reference."""
    if (denied := _denied(request)) is not None:
        return denied
    booking = _booking_of(request)
    if booking is None:
        return errors.invalid_data("The booking does not exist")
    return _answer(booking)


async def cancel(request: web.Request) -> web.StreamResponse:
    """Cancel a booking (``cancellationFlag=CANCELLATION``) or show what it would cost."""
    if (denied := _denied(request)) is not None:
        return denied
    booking = _booking_of(request)
    if booking is None:
        return errors.invalid_data("The booking does not exist")
    if request.query.get("cancellationFlag", "CANCELLATION") == "SIMULATION":
        return _answer(booking)
    booking.status = "cancelled"
    return _answer(booking)
