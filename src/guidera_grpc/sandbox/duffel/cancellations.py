"""Duffel order cancellations: a quote, then its confirmation.

``POST /air/order_cancellations`` with ``{"data": {"order_id"}}`` answers 201 with an
unconfirmed ``ore_`` cancellation: the refund (nothing for a hold awaiting payment or a
non-refundable fare, else the total less the fare's penalty) and when the quote expires.
``POST /air/order_cancellations/{id}/actions/confirm`` cancels the order. The stored flight
notes carry neither step; this follows Duffel's public API reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from guidera_grpc.sandbox.bookings import BOOKINGS, SandboxBooking
from guidera_grpc.sandbox.duffel import errors
from guidera_grpc.sandbox.duffel.auth import check_headers
from guidera_grpc.sandbox.duffel.render import new_id
from guidera_grpc.sandbox.wire import json_response, now_utc, utc_iso

SUPPLIER = "duffel"
QUOTE_LIFETIME = timedelta(minutes=10)


class CancellationQuotes:
    """Cancellation quotes given out, by ``ore_`` id."""

    def __init__(self) -> None:
        self.quotes: dict[str, dict[str, Any]] = {}


QUOTES = web.AppKey("duffel_cancellations", CancellationQuotes)


async def create_cancellation(request: web.Request) -> web.StreamResponse:
    """``POST /air/order_cancellations``: quote the cancellation of one order."""
    denied = check_headers(request)
    if denied is not None:
        return denied
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        body = None
    data = body.get("data") if isinstance(body, Mapping) else None
    order_id = data.get("order_id") if isinstance(data, Mapping) else None
    if not isinstance(order_id, str):
        return errors.validation_error("/order_id", "order_id is required", missing=True)
    booking = request.config_dict[BOOKINGS].get(SUPPLIER, order_id)
    if booking is None:
        return errors.not_found(request)
    if booking.status == "cancelled":
        return _already_cancelled()

    quote = _quote(booking)
    request.app[QUOTES].quotes[quote["id"]] = quote
    return json_response({"data": quote}, status=201)


async def confirm_cancellation(request: web.Request) -> web.StreamResponse:
    """``POST /air/order_cancellations/{id}/actions/confirm``: cancel the order."""
    denied = check_headers(request)
    if denied is not None:
        return denied
    quote = request.app[QUOTES].quotes.get(request.match_info["cancellation_id"])
    if quote is None:
        return errors.not_found(request)
    booking = request.config_dict[BOOKINGS].get(SUPPLIER, quote["order_id"])
    if booking is None:
        return errors.not_found(request)
    if booking.status == "cancelled":
        return _already_cancelled()

    now = utc_iso(now_utc())
    booking.status = "cancelled"
    booking.document["cancelled_at"] = now
    booking.document["available_actions"] = []
    quote["confirmed_at"] = now
    return json_response({"data": quote})


def _quote(booking: SandboxBooking) -> dict[str, Any]:
    now = now_utc()
    return {
        "id": new_id("ore"),
        "order_id": booking.reference,
        "live_mode": False,
        "created_at": utc_iso(now),
        "expires_at": utc_iso(now + QUOTE_LIFETIME, millis=False),
        "confirmed_at": None,
        "refund_amount": _refund(booking),
        "refund_currency": booking.currency,
        "refund_to": "balance",
        "airline_credits": [],
    }


def _refund(booking: SandboxBooking) -> str:
    if booking.status == "held":
        return "0.00"
    conditions = booking.document.get("conditions") or {}
    refund = conditions.get("refund_before_departure") or {}
    if not refund.get("allowed"):
        return "0.00"
    penalty = Decimal(refund.get("penalty_amount") or "0")
    return str(max(Decimal(0), booking.total - penalty).quantize(Decimal("0.01")))


def _already_cancelled() -> web.Response:
    return errors.error(
        422,
        "invalid_state_error",
        "already_cancelled",
        "Order already cancelled",
        "The order has already been cancelled",
    )
