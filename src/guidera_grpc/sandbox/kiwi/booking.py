"""Kiwi.com Tequila booking: ``check_flights``, ``save_booking``, ``confirm_payment``.

``GET /v2/booking/check_flights`` finds the offer by the ``booking_token`` the search gave
(remembered in the sub-application's offer store; older than 30 minutes is 400 "Expired
booking token"). The first call of a session answers ``flights_checked: false`` with a new
``session_id``; calls with that session answer the check: ``flights_invalid`` when the offer
sold out, ``price_change`` and the new ``total`` when its price went up.
``POST /v2/booking/save_booking`` creates the booking order (pending payment) and
``POST /v2/booking/confirm_payment`` confirms it (``{"status": 0}``); the booking knobs apply
to that last answer.

Kiwi keeps no client reference of ours, and the stored sources show no way to look a booking
up or cancel it through the API. The sandbox therefore indexes bookings by the partner's
``visitor_uniqid`` (sent on check_flights and save_booking) and adds two endpoints of its own:
``GET /v2/booking/bookings?visitor_uniqid=`` and ``POST /v2/booking/cancel_booking``.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson
from aiohttp import web

from guidera_grpc.sandbox.booking_faults import deliver_booking
from guidera_grpc.sandbox.bookings import BOOKINGS, SandboxBooking
from guidera_grpc.sandbox.flights.catalog import Passengers, Quote
from guidera_grpc.sandbox.flights.money import CURRENCIES, EUR
from guidera_grpc.sandbox.kiwi import errors
from guidera_grpc.sandbox.kiwi.search import check_key
from guidera_grpc.sandbox.offer_store import OFFERS, StoredOffer
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.wire import json_response, now_utc, utc_iso

SUPPLIER = "kiwi"
TOKEN_LIFETIME = timedelta(minutes=30)
MAX_SESSIONS = 5_000
FIRST_BOOKING_ID = 70_000_000
PASSENGER_FIELDS = ("name", "surname", "birthday", "title", "category")


class Sessions:
    """Check-flights sessions: the booking token each is for, and whether it was checked."""

    def __init__(self) -> None:
        self.tokens: OrderedDict[str, str] = OrderedDict()

    def open(self, token: str) -> str:
        """A new session for ``token``."""
        session_id = secrets.token_hex(16)
        self.tokens[session_id] = token
        while len(self.tokens) > MAX_SESSIONS:
            self.tokens.popitem(last=False)
        return session_id


SESSIONS = web.AppKey("kiwi_sessions", Sessions)


async def check_flights(request: web.Request) -> web.StreamResponse:
    """``GET /v2/booking/check_flights``: is the itinerary still bookable, and at what price."""
    denied = check_key(request)
    if denied is not None:
        return denied
    query = request.query
    token = query.get("booking_token", "")
    found = _offer(request, token)
    if isinstance(found, web.Response):
        return found
    try:
        party = Passengers(*(int(query.get(k, d)) for k, d in _PARTY_PARAMS))
    except ValueError:
        return errors.invalid("adults", "adults, children and infants must be whole numbers")

    sessions = request.app[SESSIONS]
    session_id = query.get("session_id", "")
    checked = sessions.tokens.get(session_id) == token
    if not checked:
        session_id = sessions.open(token)
    else:
        knobs = request.config_dict[SANDBOX].knobs[SUPPLIER]
        request.app[OFFERS].reprice(found, knobs)
    currency = CURRENCIES.get(query.get("currency", "EUR").upper(), EUR)
    return json_response(_checked(found, party, currency.code, session_id, token, checked))


_PARTY_PARAMS = (("adults", "1"), ("children", "0"), ("infants", "0"))


async def save_booking(request: web.Request) -> web.StreamResponse:
    """``POST /v2/booking/save_booking``: create the booking order, pending payment."""
    denied = check_key(request)
    if denied is not None:
        return denied
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return errors.invalid("body", "the body is not valid JSON")
    if not isinstance(body, Mapping):
        return errors.invalid("body", "expected a JSON object")
    token = str(body.get("booking_token", ""))
    found = _offer(request, token)
    if isinstance(found, web.Response):
        return found
    if request.app[SESSIONS].tokens.get(str(body.get("session_id"))) != token:
        return errors.invalid("session_id", "call check_flights first and use its session_id")
    if found.sold_out:
        return errors.error(400, "flights are no longer available, search again")
    passengers = body.get("passengers")
    problem = _passenger_problem(passengers)
    if problem is not None or not isinstance(passengers, list):
        return errors.invalid(*(problem or ("passengers", "required")))

    booking = _record(request, found, _party_of(passengers), request.headers)
    saved = _checked(found, _party_of(passengers), found.currency.code, "", token, True)
    saved |= {
        "booking_id": int(booking.reference),
        "transaction_id": booking.document["transaction_id"],
        "auth_token": secrets.token_hex(20),
        "status": "success",
        "sandbox": True,
    }
    return json_response(saved)


async def confirm_payment(request: web.Request) -> web.StreamResponse:
    """``POST /v2/booking/confirm_payment``: confirm a saved booking (``status`` 0)."""
    denied = check_key(request)
    if denied is not None:
        return denied
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        body = None
    booking_id = body.get("booking_id") if isinstance(body, Mapping) else None
    booking = request.config_dict[BOOKINGS].get(SUPPLIER, str(booking_id))
    if booking is None or booking.document["transaction_id"] != body.get("transaction_id"):
        return json_response({"status": 1, "msg": "unknown booking_id or transaction_id"})
    if booking.status == "pending":
        booking.status = "confirmed"
    answer = json_response({"status": 0})
    return await deliver_booking(request, SUPPLIER, answer, errors.server_error)


async def list_bookings(request: web.Request) -> web.StreamResponse:
    """Sandbox-only: the bookings made under one ``visitor_uniqid``."""
    denied = check_key(request)
    if denied is not None:
        return denied
    visitor = request.query.get("visitor_uniqid")
    if not visitor:
        return errors.invalid("visitor_uniqid", "required")
    found = request.config_dict[BOOKINGS].of(SUPPLIER, lambda b: b.our_reference == visitor)
    return json_response({"bookings": [_summary(b) for b in found]})


async def cancel_booking(request: web.Request) -> web.StreamResponse:
    """Sandbox-only: cancel one booking by ``booking_id``."""
    denied = check_key(request)
    if denied is not None:
        return denied
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        body = None
    booking_id = body.get("booking_id") if isinstance(body, Mapping) else None
    booking = request.config_dict[BOOKINGS].get(SUPPLIER, str(booking_id))
    if booking is None:
        return errors.error(404, "booking not found")
    booking.status = "cancelled"
    return json_response({"status": 0, "booking": _summary(booking)})


def _offer(request: web.Request, token: str) -> StoredOffer | web.Response:
    if not token:
        return errors.invalid("booking_token", "required")
    stored = request.app[OFFERS].get(token)
    if stored is None:
        return errors.error(400, "Invalid booking token")
    if now_utc() - stored.issued_at > TOKEN_LIFETIME:
        return errors.error(400, "Expired booking token")
    return stored


def _checked(
    stored: StoredOffer,
    party: Passengers,
    currency_code: str,
    session_id: str,
    token: str,
    checked: bool,
) -> dict[str, Any]:
    offer = replace(stored.current(), passengers=party)
    in_eur_prices = _party_prices(offer.quote(EUR), party)
    currency = CURRENCIES[currency_code]
    asked_prices = _party_prices(offer.quote(currency), party)
    flights = [flight for journey in offer.journeys for flight in journey.flights]
    return {
        "session_id": session_id,
        "server_time": int(now_utc().timestamp()),
        "pnum": party.count,
        "flights_checked": checked,
        "flights_to_check": 0 if checked else len(flights),
        "flights_real_checked": checked,
        "flights_invalid": checked and stored.sold_out,
        "price_change": checked and stored.price_factor != 1,
        "total": sum(in_eur_prices),
        "orig_price": sum(_party_prices(stored.offer.quote(EUR), stored.offer.passengers)),
        "adults_price": in_eur_prices[0],
        "children_price": in_eur_prices[1],
        "infants_price": in_eur_prices[2],
        "currency": currency.code,
        "conversion": {
            "currency": currency.code,
            "amount": sum(asked_prices),
            "adults_price": asked_prices[0],
            "children_price": asked_prices[1],
            "infants_price": asked_prices[2],
        },
        "booking_token": token,
        "flights": [
            {
                "src": flight.origin.iata,
                "dst": flight.destination.iata,
                "utc_departure": utc_iso(flight.departure),
                "utc_arrival": utc_iso(flight.arrival),
                "airline": {"iata": flight.marketing.iata, "name": flight.marketing.name},
            }
            for flight in flights
        ],
        "document_options": {"document_need": 2, "checkin_date": None},
    }


def _whole(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _party_prices(quote: Quote, party: Passengers) -> tuple[int, int, int]:
    """What the adults, the children and the infants pay, each passenger's fare rounded to whole
    units as the search shows it, so that a party's check total equals its search price."""
    return (
        _whole(quote.adult.total) * party.adults,
        _whole(quote.child.total) * party.children,
        _whole(quote.infant.total) * party.infants,
    )


def _passenger_problem(passengers: object) -> tuple[str, str] | None:
    if not isinstance(passengers, list) or not passengers:
        return "passengers", "at least one passenger is required"
    for index, passenger in enumerate(passengers):
        if not isinstance(passenger, Mapping):
            return f"passengers.{index}", "expected an object"
        for name in PASSENGER_FIELDS:
            if not passenger.get(name):
                return f"passengers.{index}.{name}", "required"
    first = passengers[0]
    if not first.get("email") or not first.get("phone"):
        return "passengers.0", "the first passenger needs an email and a phone"
    return None


def _party_of(passengers: list[Mapping[str, Any]]) -> Passengers:
    kinds = [str(p.get("category")) for p in passengers]
    return Passengers(kinds.count("adult"), kinds.count("child"), kinds.count("infant"))


def _record(
    request: web.Request, stored: StoredOffer, party: Passengers, headers: Mapping[str, str]
) -> SandboxBooking:
    ledger = request.config_dict[BOOKINGS]
    booking_id = FIRST_BOOKING_ID + ledger.next_number()
    quote = replace(stored.current(), passengers=party).quote(stored.currency)
    return ledger.record(
        SandboxBooking(
            supplier=SUPPLIER,
            reference=str(booking_id),
            our_reference=headers.get("visitor_uniqid", ""),
            status="pending",
            total=Decimal(_whole(quote.total)),
            currency=stored.currency.code,
            created_at=now_utc(),
            document={"transaction_id": f"sandbox_{booking_id}"},
        )
    )


def _summary(booking: SandboxBooking) -> dict[str, Any]:
    return {
        "booking_id": int(booking.reference),
        "visitor_uniqid": booking.our_reference,
        "status": booking.status,
        "price": int(booking.total),
        "currency": booking.currency,
        "created": utc_iso(booking.created_at),
    }
