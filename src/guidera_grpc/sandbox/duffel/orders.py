"""Duffel orders: ``POST /air/orders`` (instant or hold), ``GET /air/orders`` and one order.

An instant order pays from the balance: ``payments`` must hold exactly the offer's current
``total_amount`` and currency. A hold takes no payment and only offers whose
``payment_requirements.requires_instant_payment`` is false. Every passenger of the offer must be
named with its ``pas_`` id. The order is recorded in the sandbox's booking ledger (with
``metadata.our_reference`` as our reference) before the answer goes out, and the booking knobs
then decide whether that answer arrives.

Duffel documents no filter by metadata; the list takes ``limit`` (1–200), ``after`` and
``booking_reference`` as Duffel's does, newest last, and clients match metadata themselves.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from guidera_grpc.sandbox.booking_faults import deliver_booking
from guidera_grpc.sandbox.bookings import BOOKINGS, SandboxBooking
from guidera_grpc.sandbox.duffel import errors
from guidera_grpc.sandbox.duffel.auth import check_headers
from guidera_grpc.sandbox.duffel.offers import current_offer, priced_document
from guidera_grpc.sandbox.duffel.render import new_id
from guidera_grpc.sandbox.offer_store import StoredOffer
from guidera_grpc.sandbox.wire import json_response, now_utc, utc_iso

SUPPLIER = "duffel"
PASSENGER_FIELDS = ("title", "gender", "given_name", "family_name", "born_on")
MAX_PAGE = 200
DEFAULT_PAGE = 50


class OrderRefused(ValueError):
    """A create-order request Duffel would answer with the given error response."""

    def __init__(self, response: web.Response) -> None:
        super().__init__("order refused")
        self.response = response


async def create_order(request: web.Request) -> web.StreamResponse:
    """``POST /air/orders``: book or hold one offer."""
    denied = check_headers(request)
    if denied is not None:
        return denied
    try:
        data = _data(await request.read())
        found = current_offer(request, _selected_offer(data))
        if isinstance(found, web.Response):
            return found
        order = _order(data, priced_document(found), found)
    except OrderRefused as refused:
        return refused.response

    booking = _record(request, order)
    answer = json_response({"data": booking.document}, status=201, headers=_request_id())
    return await deliver_booking(request, SUPPLIER, answer, errors.server_error)


async def list_orders(request: web.Request) -> web.StreamResponse:
    """``GET /air/orders``: every order, oldest first, a page at a time."""
    denied = check_headers(request)
    if denied is not None:
        return denied
    try:
        limit = min(MAX_PAGE, max(1, int(request.query.get("limit", DEFAULT_PAGE))))
        start = int(request.query.get("after") or 0)
    except ValueError:
        return errors.invalid_request(
            "invalid_parameter", "Invalid parameter", "limit and after must be numbers"
        )
    wanted = request.query.get("booking_reference")
    orders = [
        booking.document
        for booking in request.config_dict[BOOKINGS].of(SUPPLIER)
        if wanted is None or booking.document.get("booking_reference") == wanted
    ]
    page = orders[start : start + limit]
    after = str(start + limit) if start + limit < len(orders) else None
    meta = {"limit": limit, "after": after, "before": None}
    return json_response({"data": page, "meta": meta}, headers=_request_id())


async def get_order(request: web.Request) -> web.StreamResponse:
    """``GET /air/orders/{id}``."""
    denied = check_headers(request)
    if denied is not None:
        return denied
    booking = request.config_dict[BOOKINGS].get(SUPPLIER, request.match_info["order_id"])
    if booking is None:
        return errors.not_found(request)
    return json_response({"data": booking.document}, headers=_request_id())


def _data(raw: bytes) -> Mapping[str, Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise OrderRefused(
            errors.invalid_request(
                "malformed_json", "Malformed JSON", "The request body is not valid JSON"
            )
        ) from None
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping):
        raise OrderRefused(errors.validation_error("/data", "data is required", missing=True))
    return data


def _selected_offer(data: Mapping[str, Any]) -> str:
    selected = data.get("selected_offers")
    if not isinstance(selected, list) or len(selected) != 1 or not isinstance(selected[0], str):
        raise OrderRefused(
            errors.validation_error("/selected_offers", "exactly one offer id must be selected")
        )
    return selected[0]


def _order(data: Mapping[str, Any], offer: dict[str, Any], stored: StoredOffer) -> dict[str, Any]:
    kind = data.get("type", "instant")
    if kind not in ("instant", "hold"):
        raise OrderRefused(errors.validation_error("/type", "type must be instant or hold"))
    passengers = _passengers(data.get("passengers"), offer)
    requirements = offer.get("payment_requirements") or {}
    if kind == "hold":
        if requirements.get("requires_instant_payment") or data.get("payments"):
            raise OrderRefused(
                errors.error(
                    422,
                    "invalid_state_error",
                    "hold_not_available",
                    "Hold not available",
                    "This offer must be paid for at once; hold orders take no payments",
                )
            )
    else:
        _check_payment(data.get("payments"), offer)
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, Mapping) or not all(isinstance(v, str) for v in metadata.values()):
        raise OrderRefused(errors.validation_error("/metadata", "metadata values are strings"))
    return _render(kind, offer, passengers, dict(metadata), stored)


def _passengers(value: object, offer: dict[str, Any]) -> list[dict[str, Any]]:
    expected = [p["id"] for p in offer.get("passengers") or []]
    if not isinstance(value, list) or sorted(
        str(p.get("id")) for p in value if isinstance(p, Mapping)
    ) != sorted(expected):
        raise OrderRefused(
            errors.validation_error("/passengers", "name every passenger of the offer by id")
        )
    for index, passenger in enumerate(value):
        for name in PASSENGER_FIELDS:
            if not passenger.get(name):
                raise OrderRefused(
                    errors.validation_error(f"/passengers/{index}/{name}", "required", missing=True)
                )
    return [dict(p) for p in value]


def _check_payment(value: object, offer: dict[str, Any]) -> None:
    payments = value if isinstance(value, list) else []
    total = Decimal(offer["total_amount"])
    paid = sum(
        (Decimal(str(p.get("amount", "0"))) for p in payments if isinstance(p, Mapping)),
        Decimal(0),
    )
    currencies = {p.get("currency") for p in payments if isinstance(p, Mapping)}
    if not payments or paid != total or currencies != {offer["total_currency"]}:
        raise OrderRefused(
            errors.validation_error(
                "/payments", "the payment must equal the offer's total_amount and currency"
            )
        )


def _render(
    kind: str,
    offer: dict[str, Any],
    passengers: list[dict[str, Any]],
    metadata: dict[str, str],
    stored: StoredOffer,
) -> dict[str, Any]:
    now = utc_iso(now_utc())
    held = kind == "hold"
    requirements = offer.get("payment_requirements") or {}
    return {
        "id": new_id("ord"),
        "type": kind,
        "booking_reference": _record_locator(),
        "live_mode": False,
        "created_at": now,
        "synced_at": now,
        "cancelled_at": None,
        "content": "managed",
        "total_amount": offer["total_amount"],
        "total_currency": offer["total_currency"],
        "base_amount": offer["base_amount"],
        "base_currency": offer["base_currency"],
        "tax_amount": offer["tax_amount"],
        "tax_currency": offer["tax_currency"],
        "payment_status": {
            "awaiting_payment": held,
            "payment_required_by": requirements.get("payment_required_by") if held else None,
            "price_guarantee_expires_at": (
                requirements.get("price_guarantee_expires_at") if held else None
            ),
        },
        "available_actions": ["cancel", "update"] if held else ["cancel", "change", "update"],
        "documents": [] if held else _tickets(passengers),
        "passengers": passengers,
        "slices": offer.get("slices", []),
        "owner": offer.get("owner"),
        "conditions": offer.get("conditions"),
        "services": [],
        "metadata": metadata,
        "offer_id": offer["id"],
    }


def _tickets(passengers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "type": "electronic_ticket",
            "unique_identifier": "".join(secrets.choice(string.digits) for _ in range(13)),
            "passenger_ids": [p["id"]],
        }
        for p in passengers
    ]


def _record_locator() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(6))


def _record(request: web.Request, order: dict[str, Any]) -> SandboxBooking:
    held = order["payment_status"]["awaiting_payment"]
    return request.config_dict[BOOKINGS].record(
        SandboxBooking(
            supplier=SUPPLIER,
            reference=order["id"],
            our_reference=order["metadata"].get("our_reference", ""),
            status="held" if held else "confirmed",
            total=Decimal(order["total_amount"]),
            currency=order["total_currency"],
            created_at=now_utc(),
            document=order,
        )
    )


def _request_id() -> dict[str, str]:
    return {"x-request-id": errors.request_id()}
