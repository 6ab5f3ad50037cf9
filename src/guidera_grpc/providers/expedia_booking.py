"""Expedia Rapid booking: price check, itineraries (book or hold), find, cancel.

The offer's ``provider_offer_id`` is the rate's price-check link. ``price`` follows it: the
answer's ``status`` is ``available``, ``price_changed`` (HTTP 409) or ``sold_out`` (HTTP 410,
``OfferUnavailableError``), with the current ``occupancy_pricing`` and a ``book`` link. ``book``
checks the price again for a fresh ``book`` link (a price other than the offer's is
``PriceChangedError``), then posts the itinerary with ``affiliate_reference_id`` = our
reference (at most 28 characters), one named guest per room and an ``affiliate_collect``
payment: the card stays with the payment token's vault, never in the request. ``hold: true``
holds the itinerary until it is resumed. Its ``supplier_reference`` is the retrieve link's
tail, ``{itinerary_id}?token=…``, which ``cancel`` deletes. ``find`` is
``GET /v3/itineraries?affiliate_reference_id=…``; Rapid also asks for the booker's ``email``
there, which ``find`` does not know, so it relies on the reference alone.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import aiohttp
from guidera.v1 import booking_service_pb2, common_pb2, offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.common import (
    as_mapping,
    field_list,
    field_map,
    field_str,
    parse_instant,
    required,
    required_str,
    timestamp_of,
)
from guidera_grpc.normalizers.expedia_hotels import occupancy_key
from guidera_grpc.normalizers.hotels import PriceParts, hotel_price
from guidera_grpc.normalizers.money import compare_money, parse_amount, parse_currency, to_money
from guidera_grpc.providers.booking import (
    OfferUnavailableError,
    SupplierBooking,
    SupplierStatus,
)
from guidera_grpc.providers.booking_support import (
    PriceChangedError,
    seller_price,
    send_booking,
    split_phone,
    with_price,
)
from guidera_grpc.providers.errors import InvalidRequestError, MalformedResponseError
from guidera_grpc.providers.expedia import CODE, USER_AGENT, error_from
from guidera_grpc.providers.http import Call, Deadline, Reply, decode_json, exchange, require_secret
from guidera_grpc.search.params import RoomSpec

ITINERARIES_PATH: Final = "/v3/itineraries"
MAX_REFERENCE: Final = 28
UNAVAILABLE_STATUSES: Final = frozenset({410})
_STATUSES: Final[dict[str, SupplierStatus]] = {
    "booked": "confirmed",
    "held": "held",
    "pending": "pending",
    "canceled": "cancelled",
    "cancelled": "cancelled",
}


class ExpediaHotelBooking:
    """Books Expedia Rapid rates (``BookingProvider``); holds itineraries on request."""

    code = CODE
    hold_supported = True

    def __init__(self, session: aiohttp.ClientSession, settings: Settings) -> None:
        self._session = session
        self._base_url = settings.expedia_base_url.rstrip("/")
        self._api_key = settings.expedia_api_key
        self._shared_secret = settings.expedia_shared_secret

    async def price(self, offer: offer_pb2.Offer, *, timeout_s: float) -> offer_pb2.Offer:
        """The offer at the rate's current price; ``OfferUnavailableError`` when sold out."""
        seller, _ = await self._check(offer, Deadline(CODE, timeout_s))
        return with_price(offer, seller)

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
        """Book (or hold) the rate under ``affiliate_reference_id`` = ``our_reference``."""
        if not travelers:
            raise InvalidRequestError(CODE, "a booking needs at least one traveler")
        if not 0 < len(our_reference) <= MAX_REFERENCE:
            raise InvalidRequestError(CODE, f"our reference must be 1 to {MAX_REFERENCE} chars")
        deadline = Deadline(CODE, timeout_s)
        seller, book_href = await self._check(offer, deadline)
        promised = seller_price(offer, CODE).price.total
        if compare_money(seller.price.total, promised) != 0:
            raise PriceChangedError(CODE, seller.price.total)

        body = _itinerary_body(offer.hotel, travelers, our_reference, hold)
        reply = await self._send("POST", book_href, deadline, json=body, books=True)
        links = field_map(as_mapping(decode_json(CODE, reply)), "links")
        return SupplierBooking(
            status="held" if hold else "confirmed",
            supplier_reference=_reference_of(links),
            total=seller.price.total,
            our_reference=our_reference,
        )

    async def find(self, our_reference: str, *, timeout_s: float) -> SupplierBooking | None:
        """The itinerary made under ``our_reference``, or None."""
        params = {"affiliate_reference_id": our_reference}
        deadline = Deadline(CODE, timeout_s)
        reply = await self._send("GET", ITINERARIES_PATH, deadline, params=params, missing_ok=True)
        if reply.status == 404:
            return None
        found = decode_json(CODE, reply)
        itineraries = [as_mapping(item) for item in (found if isinstance(found, list) else [])]
        return _booking(itineraries[0]) if itineraries else None

    async def cancel(self, supplier_reference: str, *, timeout_s: float) -> SupplierBooking:
        """Cancel every room of the itinerary, then read it back."""
        deadline = Deadline(CODE, timeout_s)
        path = f"{ITINERARIES_PATH}/{supplier_reference}"
        await self._send("DELETE", path, deadline)
        reply = await self._send("GET", path, deadline)
        return _booking(as_mapping(decode_json(CODE, reply)))

    async def _check(
        self, offer: offer_pb2.Offer, deadline: Deadline
    ) -> tuple[common_pb2.ProviderPrice, str]:
        """The rate's price now as a ProviderPrice, and its book link."""
        href = seller_price(offer, CODE).provider_offer_id
        reply = await self._send("GET", href, deadline, price_check=True)
        body = as_mapping(decode_json(CODE, reply))
        if reply.status in UNAVAILABLE_STATUSES or field_str(body, "status") == "sold_out":
            raise OfferUnavailableError(CODE, "the rate is sold out", http_status=reply.status)

        rooms = [RoomSpec(room.adults, tuple(room.child_ages)) for room in offer.hotel.rooms]
        book = field_map(field_map(body, "links"), "book")
        seller = common_pb2.ProviderPrice(
            provider=CODE,
            price=hotel_price(_price(field_map(body, "occupancy_pricing"), rooms)),
            provider_offer_id=href,
        )
        expires = field_str(book, "expires")
        if expires:
            seller.expire_time.CopyFrom(timestamp_of(parse_instant(expires)))
        return seller, required_str(book, "href")

    async def _send(
        self,
        method: str,
        path: str,
        deadline: Deadline,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        books: bool = False,
        price_check: bool = False,
        missing_ok: bool = False,
    ) -> Reply:
        api_key = require_secret(CODE, self._api_key, "EXPEDIA_API_KEY")
        secret = require_secret(CODE, self._shared_secret, "EXPEDIA_SHARED_SECRET")
        headers = _signed_headers(api_key, secret)
        call = Call(method, f"{self._base_url}{path}", headers, params=params, json=json)
        send = send_booking if books else exchange
        reply = await send(self._session, CODE, call, deadline)
        tolerated = (price_check and reply.status in (409, 410)) or (
            missing_ok and reply.status == 404
        )
        if reply.ok or tolerated:
            return reply
        if books and reply.status in (409, 410):
            raise OfferUnavailableError(CODE, "the rooms are no longer available")
        raise error_from(reply, (api_key, secret))


def _signed_headers(api_key: str, secret: str) -> dict[str, str]:
    """Rapid's signature header (SHA-512 of key, secret and Unix time) and the usual ones."""
    stamp = str(int(time.time()))
    signature = hashlib.sha512(f"{api_key}{secret}{stamp}".encode()).hexdigest()
    return {
        "Authorization": f"EAN APIKey={api_key},Signature={signature},timestamp={stamp}",
        "Accept": "application/json",
        "Accept-Encoding": "gzip",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def _price(pricing: Mapping[str, Any], rooms: Sequence[RoomSpec]) -> PriceParts:
    """What the rooms cost, from each room's occupancy pricing (billable currency)."""
    totals = [field_map(as_mapping(pricing.get(occupancy_key(room))), "totals") for room in rooms]
    charged = [_money(total, "inclusive") for total in totals]
    before_tax = [_money(total, "exclusive") for total in totals if field_map(total, "exclusive")]
    at_property = [_money(t, "property_fees") for t in totals if field_map(t, "property_fees")]
    total = sum((amount for amount, _ in charged), Decimal(0))
    base = sum((amount for amount, _ in before_tax), Decimal(0))
    known_base = len(before_tax) == len(totals)
    return PriceParts(
        currency=charged[0][1],
        total=total,
        base=base if known_base else None,
        taxes=total - base if known_base else None,
        on_site=sum((amount for amount, _ in at_property), Decimal(0)) or None,
    )


def _money(totals: Mapping[str, Any], name: str) -> tuple[Decimal, str]:
    node = field_map(field_map(totals, name), "billable_currency")
    return parse_amount(required(node, "value")), parse_currency(required(node, "currency"))


def _itinerary_body(
    hotel: offer_pb2.HotelDetails,
    travelers: Sequence[booking_service_pb2.Traveler],
    our_reference: str,
    hold: bool,
) -> dict[str, Any]:
    lead = travelers[0]
    guests = [travelers[index % len(travelers)] for index in range(len(hotel.rooms) or 1)]
    country_code, number = split_phone(lead.phone)
    return {
        "affiliate_reference_id": our_reference,
        "hold": hold,
        "email": lead.email,
        "phone": {"country_code": country_code, "number": number},
        "rooms": [
            {"given_name": guest.given_name, "family_name": guest.family_name, "smoking": False}
            for guest in guests
        ],
        "payments": [
            {
                "type": "affiliate_collect",
                "billing_contact": {
                    "given_name": lead.given_name,
                    "family_name": lead.family_name,
                },
            }
        ],
    }


def _reference_of(links: Mapping[str, Any]) -> str:
    """``{itinerary_id}?token=…`` from the retrieve link."""
    href = required_str(field_map(links, "retrieve"), "href")
    return href.split(f"{ITINERARIES_PATH}/", 1)[-1]


def _booking(itinerary: Mapping[str, Any]) -> SupplierBooking:
    rooms = [as_mapping(room) for room in field_list(itinerary, "rooms")]
    statuses = {_STATUSES.get(field_str(room, "status"), "pending") for room in rooms}
    status: SupplierStatus = statuses.pop() if len(statuses) == 1 else "pending"
    amounts = [
        _money(field_map(field_map(field_map(room, "rate"), "pricing"), "totals"), "inclusive")
        for room in rooms
    ]
    if not amounts:
        raise MalformedResponseError(CODE, "the itinerary has no priced room")
    return SupplierBooking(
        status=status,
        supplier_reference=_reference_of(field_map(itinerary, "links")),
        total=to_money(sum((amount for amount, _ in amounts), Decimal(0)), amounts[0][1]),
        our_reference=field_str(itinerary, "affiliate_reference_id"),
    )
