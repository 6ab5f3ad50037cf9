"""Amadeus flight offers price and flight orders: pricing, create, retrieve, delete.

Amadeus offers are not stored by id (ids count from 1 in every answer): a client sends the offer
back whole. The search therefore remembers each offer it rendered under a fingerprint of its
content (every segment's carrier, number and departure, the currency, the cabins and the
traveler types), and pricing and booking find it again by the same fingerprint. An offer the
sandbox does not know is 400 ``4926 INVALID DATA RECEIVED``; one that sold out is 400
``34651 SEGMENT SELL FAILURE``; a create-order whose price is not today's is 400
``37200 PRICE DISCREPANCY``.

Amadeus Self-Service has no search of flight orders; the sandbox adds
``GET /v1/booking/flight-orders?remark=<text>``, listing the live orders whose first general
remark is that text, so that a client can find a booking by the reference it put there. A
deleted order is gone (404), as at Amadeus.
"""

from __future__ import annotations

import base64
import copy
import secrets
import string
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from guidera_grpc.sandbox.amadeus import errors
from guidera_grpc.sandbox.amadeus.auth import SUPPLIER, check_bearer
from guidera_grpc.sandbox.booking_faults import deliver_booking
from guidera_grpc.sandbox.bookings import BOOKINGS, SandboxBooking
from guidera_grpc.sandbox.flights.catalog import Offer, PassengerPrice, Quote
from guidera_grpc.sandbox.flights.money import Currency, format_amount
from guidera_grpc.sandbox.offer_store import OFFERS, StoredOffer
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.wire import json_response, now_utc

UNKNOWN_OFFER = 4926
SELL_FAILURE = 34651
PRICE_DISCREPANCY = 37200
CONTENT_TYPE = "application/vnd.amadeus+json"


def fingerprint(offer: Mapping[str, Any]) -> str:
    """What identifies an Amadeus flight offer across answers, from its own fields."""
    segments = [
        f"{s.get('carrierCode')}{s.get('number')}@{(s.get('departure') or {}).get('at')}"
        for itinerary in offer.get("itineraries") or []
        for s in itinerary.get("segments") or []
    ]
    pricings = offer.get("travelerPricings") or []
    types = sorted(str(p.get("travelerType")) for p in pricings)
    cabins = (
        [str(f.get("cabin")) for f in (pricings[0].get("fareDetailsBySegment") or [])]
        if pricings
        else []
    )
    currency = (offer.get("price") or {}).get("currency")
    return "/".join((",".join(segments), str(currency), ",".join(cabins), ",".join(types)))


def remember_offers(
    request: web.Request,
    rendered: Sequence[Mapping[str, Any]],
    offers: Sequence[Offer],
    currency: Currency,
    now: datetime,
) -> None:
    """Keep each rendered offer under its fingerprint."""
    store = request.app[OFFERS]
    for document, offer in zip(rendered, offers, strict=True):
        store.put(fingerprint(document), StoredOffer(offer, currency, now))


async def price_offers(request: web.Request) -> web.StreamResponse:
    """``POST /v1/shopping/flight-offers/pricing``: the offer confirmed at today's price."""
    denied = check_bearer(request)
    if denied is not None:
        return denied
    offer = await _posted_offer(request, "flight-offers-pricing")
    if isinstance(offer, web.Response):
        return offer
    stored = request.app[OFFERS].get(fingerprint(offer))
    if stored is None:
        return _unknown_offer()
    knobs = request.config_dict[SANDBOX].knobs[SUPPLIER]
    if request.app[OFFERS].reprice(stored, knobs).sold_out:
        return _sold_out()

    body = {
        "data": {"type": "flight-offers-pricing", "flightOffers": [_priced(offer, stored)]},
        "dictionaries": {"locations": _locations(stored.offer)},
    }
    return json_response(body, content_type=CONTENT_TYPE)


async def create_order(request: web.Request) -> web.StreamResponse:
    """``POST /v1/booking/flight-orders``: book a priced offer for its travelers."""
    denied = check_bearer(request)
    if denied is not None:
        return denied
    data = await _data(request, "flight-order")
    if isinstance(data, web.Response):
        return data
    offer = as_offer(data)
    stored = request.app[OFFERS].get(fingerprint(offer)) if offer else None
    if offer is None or stored is None:
        return _unknown_offer()
    if stored.sold_out:
        return _sold_out()
    priced = _priced(offer, stored)
    if (offer.get("price") or {}).get("grandTotal") != priced["price"]["grandTotal"]:
        return errors.issue(
            400, PRICE_DISCREPANCY, "PRICE DISCREPANCY", "The price of the offer has changed"
        )
    problem = _traveler_problem(data.get("travelers"), offer)
    if problem is not None:
        return errors.invalid_format(problem, "required traveler data is missing", in_body=True)

    booking = _record(request, _order(data, priced), stored)
    answer = json_response(
        {"data": booking.document, "dictionaries": {"locations": _locations(stored.offer)}},
        status=201,
        content_type=CONTENT_TYPE,
    )
    return await deliver_booking(request, SUPPLIER, answer, errors.server_error)


async def get_order(request: web.Request) -> web.StreamResponse:
    """``GET /v1/booking/flight-orders/{id}``."""
    denied = check_bearer(request)
    if denied is not None:
        return denied
    booking = _live(request, request.match_info["order_id"])
    if booking is None:
        return errors.not_found(request)
    return json_response({"data": booking.document}, content_type=CONTENT_TYPE)


async def delete_order(request: web.Request) -> web.StreamResponse:
    """``DELETE /v1/booking/flight-orders/{id}``: 204, and the order is gone."""
    denied = check_bearer(request)
    if denied is not None:
        return denied
    booking = _live(request, request.match_info["order_id"])
    if booking is None:
        return errors.not_found(request)
    booking.status = "cancelled"
    return web.Response(status=204)


async def list_orders(request: web.Request) -> web.StreamResponse:
    """Sandbox-only: the live orders whose first general remark is ``remark``."""
    denied = check_bearer(request)
    if denied is not None:
        return denied
    remark = request.query.get("remark")
    if not remark:
        return errors.invalid_format("remark", "remark is required")
    found = request.config_dict[BOOKINGS].of(
        SUPPLIER, lambda b: b.status != "cancelled" and b.our_reference == remark
    )
    body = {"meta": {"count": len(found)}, "data": [b.document for b in found]}
    return json_response(body, content_type=CONTENT_TYPE)


def as_offer(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The one flight offer of a pricing or order body."""
    offers = data.get("flightOffers")
    if isinstance(offers, list) and len(offers) == 1 and isinstance(offers[0], Mapping):
        return offers[0]
    return None


async def _data(request: web.Request, kind: str) -> Mapping[str, Any] | web.Response:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return errors.invalid_format("/", "the body is not valid JSON", in_body=True)
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping) or data.get("type") != kind:
        return errors.invalid_format("/data/type", f"data.type must be {kind}", in_body=True)
    return data


async def _posted_offer(request: web.Request, kind: str) -> Mapping[str, Any] | web.Response:
    data = await _data(request, kind)
    if isinstance(data, web.Response):
        return data
    offer = as_offer(data)
    if offer is None:
        return errors.invalid_format("/data/flightOffers", "one flight offer", in_body=True)
    return offer


def _priced(offer: Mapping[str, Any], stored: StoredOffer) -> dict[str, Any]:
    """The posted offer with today's prices and the fields pricing adds."""
    quote = stored.current().quote(stored.currency)
    money = stored.currency
    priced = copy.deepcopy(dict(offer))
    priced["price"] = {
        "currency": money.code,
        "total": format_amount(quote.total, money),
        "base": format_amount(quote.base, money),
        "fees": [
            {"amount": "0.00", "type": "SUPPLIER"},
            {"amount": "0.00", "type": "TICKETING"},
            {"amount": "0.00", "type": "FORM_OF_PAYMENT"},
        ],
        "grandTotal": format_amount(quote.total, money),
        "billingCurrency": money.code,
    }
    priced["paymentCardRequired"] = False
    for pricing in priced.get("travelerPricings") or []:
        each = _price_of(str(pricing.get("travelerType")), quote)
        pricing["price"] = {
            "currency": money.code,
            "total": format_amount(each.total, money),
            "base": format_amount(each.base, money),
            "taxes": [{"amount": format_amount(each.taxes, money), "code": "YQ"}],
        }
    return priced


def _price_of(traveler_type: str, quote: Quote) -> PassengerPrice:
    if traveler_type == "CHILD":
        return quote.child
    if traveler_type == "HELD_INFANT":
        return quote.infant
    return quote.adult


def _locations(offer: Offer) -> dict[str, dict[str, str]]:
    airports = {
        airport.iata: airport
        for journey in offer.journeys
        for flight in journey.flights
        for airport in (flight.origin, flight.destination)
    }
    return {
        code: {"cityCode": airport.city_code, "countryCode": airport.country}
        for code, airport in sorted(airports.items())
    }


def _traveler_problem(travelers: object, offer: Mapping[str, Any]) -> str | None:
    """A JSON pointer to the first missing traveler field, or None."""
    expected = sorted(str(p.get("travelerId")) for p in offer.get("travelerPricings") or [])
    if (
        not isinstance(travelers, list)
        or sorted(str(t.get("id")) for t in travelers if isinstance(t, Mapping)) != expected
    ):
        return "/data/travelers"
    for index, traveler in enumerate(travelers):
        name = traveler.get("name") or {}
        for field, value in (
            ("name/firstName", name.get("firstName")),
            ("name/lastName", name.get("lastName")),
            ("dateOfBirth", traveler.get("dateOfBirth")),
        ):
            if not value:
                return f"/data/travelers[{index}]/{field}"
    return None


def _order(data: Mapping[str, Any], priced: dict[str, Any]) -> dict[str, Any]:
    today = now_utc().date().isoformat()
    locator = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(6))
    order_id = base64.urlsafe_b64encode(f"{locator}|{today}".encode()).decode().rstrip("=")
    return {
        "type": "flight-order",
        "id": order_id,
        "queuingOfficeId": "NCE4D31SB",
        "associatedRecords": [
            {
                "reference": locator,
                "creationDate": f"{today}T00:00:00.000",
                "originSystemCode": "GDS",
                "flightOfferId": priced.get("id"),
            }
        ],
        "flightOffers": [priced],
        "travelers": list(data.get("travelers") or []),
        "remarks": data.get("remarks") or {},
        "ticketingAgreement": data.get("ticketingAgreement") or {"option": "CONFIRM"},
        "automatedProcess": [{"code": "IMMEDIATE", "queue": {"number": "0", "category": "0"}}],
        "contacts": list(data.get("contacts") or []),
    }


def _record(request: web.Request, order: dict[str, Any], stored: StoredOffer) -> SandboxBooking:
    price = order["flightOffers"][0]["price"]
    general = (order.get("remarks") or {}).get("general") or [{}]
    return request.config_dict[BOOKINGS].record(
        SandboxBooking(
            supplier=SUPPLIER,
            reference=order["id"],
            our_reference=str(general[0].get("text", "")),
            status="confirmed",
            total=Decimal(price["grandTotal"]),
            currency=stored.currency.code,
            created_at=now_utc(),
            document=order,
        )
    )


def _live(request: web.Request, order_id: str) -> SandboxBooking | None:
    booking = request.config_dict[BOOKINGS].get(SUPPLIER, order_id)
    return booking if booking is not None and booking.status != "cancelled" else None


def _unknown_offer() -> web.Response:
    return errors.issue(
        400, UNKNOWN_OFFER, "INVALID DATA RECEIVED", "The flight offer is not known or expired"
    )


def _sold_out() -> web.Response:
    return errors.issue(
        400, SELL_FAILURE, "SEGMENT SELL FAILURE", "Could not sell a segment: no seats left"
    )
