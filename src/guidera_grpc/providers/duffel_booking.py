"""Duffel flight booking: re-price with ``GET /air/offers/{id}``, book with ``POST /air/orders``.

A booking first gets the offer again (it gives the ``pas_`` ids to name the passengers with,
the amount to pay and whether it may be held), then creates one order: ``instant`` paid from
the Duffel balance, or ``hold`` when asked and the offer does not require instant payment.
Our reference travels in the order's ``metadata`` as ``our_reference``.

Duffel has no look-up by metadata, so ``find`` lists the orders (``GET /air/orders``, 200 a
page, at most ``max_pages`` pages) and matches ``metadata.our_reference`` itself. ``cancel``
quotes a cancellation (``POST /air/order_cancellations``) and confirms it
(``POST /air/order_cancellations/{id}/actions/confirm``); the stored flight notes do not cover
cancellation, so this follows Duffel's public API reference.

Errors are translated by the search adapter's ``error_from``; a 404 or the error code
``offer_no_longer_available`` on an offer is :class:`OfferUnavailableError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Final

import aiohttp
from guidera.v1 import booking_service_pb2, offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.common import Json, as_mapping, field_map, field_str, parse_instant
from guidera_grpc.normalizers.duffel_flights import normalize_duffel_flights
from guidera_grpc.normalizers.money import parse_money
from guidera_grpc.providers.booking import OfferUnavailableError, SupplierBooking, SupplierStatus
from guidera_grpc.providers.duffel import API_VERSION, CODE, error_from
from guidera_grpc.providers.errors import InvalidRequestError, MalformedResponseError
from guidera_grpc.providers.flight_booking_support import (
    departure_day,
    kinds_of,
    repriced,
    send_booking,
    supplier_offer_id,
)
from guidera_grpc.providers.http import (
    Call,
    Deadline,
    Reply,
    decode_json,
    exchange,
    lenient_json,
    require_secret,
)

OFFERS_PATH: Final = "/air/offers"
ORDERS_PATH: Final = "/air/orders"
CANCELLATIONS_PATH: Final = "/air/order_cancellations"
PAGE_SIZE: Final = 200
UNAVAILABLE_CODES: Final = frozenset({"offer_no_longer_available", "offer_expired"})
_DUFFEL_KINDS: Final = {"adult": "adult", "child": "child", "infant": "infant_without_seat"}


class DuffelFlightBooking:
    """The Duffel flight booking adapter (``BookingProvider``)."""

    code = CODE

    def __init__(
        self, session: aiohttp.ClientSession, settings: Settings, *, max_pages: int = 10
    ) -> None:
        """``max_pages`` bounds how many pages of orders ``find`` reads."""
        self._session = session
        self._base_url = settings.duffel_base_url.rstrip("/")
        self._access_token = settings.duffel_access_token
        self._max_pages = max_pages

    async def price(self, offer: offer_pb2.Offer, *, timeout_s: float) -> offer_pb2.Offer:
        """The offer as Duffel sells it now; OfferUnavailableError when it is gone."""
        deadline = Deadline(CODE, timeout_s)
        raw = await self._offer(supplier_offer_id(offer, CODE), deadline)
        fresh = normalize_duffel_flights({"data": [raw]})
        if not fresh:
            raise MalformedResponseError(CODE, "the offer could not be read")
        return repriced(offer, CODE, fresh[0])

    async def book(
        self,
        offer: offer_pb2.Offer,
        travelers: Sequence[booking_service_pb2.Traveler],
        *,
        payment_token: str,
        our_reference: str,
        hold: bool,
        timeout_s: float,
    ) -> SupplierBooking:
        """One order for the offer, held when asked and allowed, else paid from the balance.

        ``payment_token`` is not sent: Duffel is paid from our balance with it.
        """
        deadline = Deadline(CODE, timeout_s)
        raw = await self._offer(supplier_offer_id(offer, CODE), deadline)
        requirements = field_map(raw, "payment_requirements")
        may_hold = requirements.get("requires_instant_payment") is False
        body = _order_body(raw, travelers, departure_day(offer), our_reference, hold and may_hold)

        reply = await send_booking(
            self._session, CODE, self._call("POST", ORDERS_PATH, json=body), deadline
        )
        return _booking(self._data(reply))

    async def find(self, our_reference: str, *, timeout_s: float) -> SupplierBooking | None:
        """The order whose metadata carries ``our_reference``, read page by page."""
        deadline = Deadline(CODE, timeout_s)
        after: str | None = None
        for _ in range(self._max_pages):
            params = {"limit": str(PAGE_SIZE)} | ({"after": after} if after else {})
            reply = await self._send(self._call("GET", ORDERS_PATH, params=params), deadline)
            body = decode_json(CODE, reply)
            for order in _list(body):
                if field_str(field_map(order, "metadata"), "our_reference") == our_reference:
                    return _booking(order)
            after = field_str(field_map(as_mapping(body), "meta"), "after") or None
            if after is None:
                return None
        return None

    async def cancel(self, supplier_reference: str, *, timeout_s: float) -> SupplierBooking:
        """Quote the order's cancellation, confirm it, and return the order as cancelled."""
        deadline = Deadline(CODE, timeout_s)
        quote_body = {"data": {"order_id": supplier_reference}}
        quote = self._data(
            await self._send(self._call("POST", CANCELLATIONS_PATH, json=quote_body), deadline)
        )
        confirm = f"{CANCELLATIONS_PATH}/{field_str(quote, 'id')}/actions/confirm"
        await self._send(self._call("POST", confirm), deadline)

        order = self._data(
            await self._send(self._call("GET", f"{ORDERS_PATH}/{supplier_reference}"), deadline)
        )
        return _booking(order)

    async def _offer(self, offer_id: str, deadline: Deadline) -> Json:
        reply = await exchange(
            self._session, CODE, self._call("GET", f"{OFFERS_PATH}/{offer_id}"), deadline
        )
        if reply.status == 404 or (not reply.ok and _error_code(reply) in UNAVAILABLE_CODES):
            raise OfferUnavailableError(CODE, f"offer no longer sold (HTTP {reply.status})")
        return self._data(self._checked(reply))

    async def _send(self, call: Call, deadline: Deadline) -> Reply:
        return self._checked(await exchange(self._session, CODE, call, deadline))

    def _checked(self, reply: Reply) -> Reply:
        if not reply.ok:
            raise error_from(reply, self._secrets())
        return reply

    def _data(self, reply: Reply) -> Json:
        if not reply.ok:
            raise error_from(reply, self._secrets())
        body = decode_json(CODE, reply)
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, Mapping):
            raise MalformedResponseError(CODE, "expected 'data' to be an object")
        return data

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: object = None,
    ) -> Call:
        headers = {
            "Authorization": f"Bearer {self._token()}",
            "Duffel-Version": API_VERSION,
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
        }
        if json is not None:
            headers["Content-Type"] = "application/json"
        return Call(method, f"{self._base_url}{path}", headers, params=params, json=json)

    def _token(self) -> str:
        return require_secret(CODE, self._access_token, "DUFFEL_ACCESS_TOKEN")

    def _secrets(self) -> tuple[str, ...]:
        return (self._token(),)


def _order_body(
    offer: Json,
    travelers: Sequence[booking_service_pb2.Traveler],
    departure: dt.date,
    our_reference: str,
    hold: bool,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "hold" if hold else "instant",
        "selected_offers": [field_str(offer, "id")],
        "passengers": _passengers(offer, travelers, departure),
        "metadata": {"our_reference": our_reference},
    }
    if not hold:
        data["payments"] = [
            {
                "type": "balance",
                "amount": field_str(offer, "total_amount"),
                "currency": field_str(offer, "total_currency"),
            }
        ]
    return {"data": data}


def _passengers(
    offer: Json, travelers: Sequence[booking_service_pb2.Traveler], departure: dt.date
) -> list[dict[str, Any]]:
    """Each traveler paired with the offer's passenger of the same kind, in order."""
    slots: dict[str, list[str]] = {}
    for passenger in (as_mapping(p) for p in offer.get("passengers") or []):
        slots.setdefault(_slot_kind(passenger), []).append(field_str(passenger, "id"))
    people = kinds_of(travelers, departure)
    wanted = {kind: sum(1 for p in people if p.kind == kind) for kind in _DUFFEL_KINDS}
    if any(len(slots.get(_DUFFEL_KINDS[k], [])) != n for k, n in wanted.items()):
        raise InvalidRequestError(CODE, "the travelers do not match the offer's passengers")
    return [
        _passenger(slots[_DUFFEL_KINDS[person.kind]].pop(0), person.traveler) for person in people
    ]


def _slot_kind(passenger: Json) -> str:
    kind = field_str(passenger, "type")
    if kind:
        return kind
    age = passenger.get("age")
    if isinstance(age, int):
        return "adult" if age >= 12 else "child" if age >= 2 else "infant_without_seat"
    return "adult"


def _passenger(passenger_id: str, traveler: booking_service_pb2.Traveler) -> dict[str, Any]:
    gender = traveler.gender.lower()[:1]
    body: dict[str, Any] = {
        "id": passenger_id,
        "title": "ms" if gender == "f" else "mr",
        "gender": gender or "m",
        "given_name": traveler.given_name,
        "family_name": traveler.family_name,
        "born_on": traveler.birth_date,
        "email": traveler.email,
        "phone_number": traveler.phone,
    }
    if traveler.documents:
        body["identity_documents"] = [
            {
                "type": (document.type or "passport").lower(),
                "unique_identifier": document.number,
                "expires_on": document.expiry_date,
                "issuing_country_code": document.issuing_country_code,
            }
            for document in traveler.documents
        ]
    return body


def _booking(order: Json) -> SupplierBooking:
    payment = field_map(order, "payment_status")
    status: SupplierStatus = "confirmed"
    if order.get("cancelled_at"):
        status = "cancelled"
    elif payment.get("awaiting_payment"):
        status = "held"
    pay_by = field_str(payment, "payment_required_by")
    return SupplierBooking(
        status=status,
        supplier_reference=field_str(order, "id"),
        total=parse_money(order.get("total_amount"), order.get("total_currency")),
        hold_expires_at=parse_instant(pay_by) if status == "held" and pay_by else None,
        our_reference=field_str(field_map(order, "metadata"), "our_reference"),
    )


def _list(body: object) -> list[Json]:
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, list):
        raise MalformedResponseError(CODE, "expected the order list's 'data' to be an array")
    return [as_mapping(order) for order in data]


def _error_code(reply: Reply) -> str:
    body = lenient_json(reply)
    errors = body.get("errors") if isinstance(body, Mapping) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    return str(first.get("code", "")) if isinstance(first, Mapping) else ""
