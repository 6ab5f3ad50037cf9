"""Hotelbeds APItude hotel booking: check rate, book, find by client reference, cancel.

``price`` posts the offer's rate keys to ``/hotel-api/1.0/checkrates`` and normalizes the
answer like a search (net plus our markup). ``book`` posts ``/hotel-api/1.0/bookings`` with
the holder, a pax list per room and ``clientReference`` = our reference; Hotelbeds confirms at
once and has no hold. ``find`` reads the booking list filtered by ``clientReference``;
``cancel`` is ``DELETE /hotel-api/1.0/bookings/{reference}?cancellationFlag=CANCELLATION``.
A ``PRODUCT_ERROR`` (allotment exceeded, stop sales) or a rate key Hotelbeds no longer knows
is ``OfferUnavailableError``; other errors are translated by the search adapter's
``error_from``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import aiohttp
from guidera.v1 import booking_service_pb2, offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.common import as_mapping, field_list, field_str, required
from guidera_grpc.normalizers.hotelbeds_hotels import (
    RATE_KEY_SEPARATOR,
    normalize_hotelbeds_hotels,
    occupancy_groups,
)
from guidera_grpc.normalizers.hotels import Stay
from guidera_grpc.normalizers.money import parse_money
from guidera_grpc.providers.booking import (
    OfferUnavailableError,
    SupplierBooking,
    SupplierStatus,
)
from guidera_grpc.providers.booking_support import age_on, repriced, seller_price, send_booking
from guidera_grpc.providers.errors import (
    InvalidRequestError,
    MalformedResponseError,
    ProviderError,
)
from guidera_grpc.providers.hotelbeds_auth import hotelbeds_headers
from guidera_grpc.providers.hotelbeds_hotels import (
    CODE,
    DEFAULT_MARKUP_PERCENT,
    error_from,
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
from guidera_grpc.search.params import RoomSpec

CHECKRATES_PATH: Final = "/hotel-api/1.0/checkrates"
BOOKINGS_PATH: Final = "/hotel-api/1.0/bookings"
ADULT_AGE: Final = 18
LIST_WINDOW: Final = dt.timedelta(days=30)
_STATUSES: Final[dict[str, SupplierStatus]] = {
    "CONFIRMED": "confirmed",
    "CANCELLED": "cancelled",
    "PENDING": "pending",
}


class HotelbedsHotelBooking:
    """Books Hotelbeds hotel rates (``BookingProvider``); no hold."""

    code = CODE
    hold_supported = False

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        markup_percent: Decimal = DEFAULT_MARKUP_PERCENT,
    ) -> None:
        self._session = session
        self._base_url = settings.hotelbeds_base_url.rstrip("/")
        self._api_key = settings.hotelbeds_api_key
        self._secret = settings.hotelbeds_secret
        self._markup_percent = markup_percent

    async def price(self, offer: offer_pb2.Offer, *, timeout_s: float) -> offer_pb2.Offer:
        """The offer re-priced by check rate; ``OfferUnavailableError`` when sold out."""
        rate_keys = seller_price(offer, CODE).provider_offer_id.split(RATE_KEY_SEPARATOR)
        body = {"rooms": [{"rateKey": key} for key in rate_keys]}
        reply = await self._send("POST", CHECKRATES_PATH, timeout_s, json=body)
        hotel = as_mapping(required(decode_json(CODE, reply), "hotel"))

        stay = _stay_of(offer.hotel)
        payload = {"hotels": {"hotels": [hotel]}}
        fresh = normalize_hotelbeds_hotels(payload, stay, markup_percent=self._markup_percent)
        if not fresh:
            raise MalformedResponseError(CODE, "check rate returned no rate for every room")
        return repriced(offer, fresh[0])

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
        """Book the offer's rates under ``clientReference`` = ``our_reference``."""
        if hold:
            raise InvalidRequestError(CODE, "Hotelbeds bookings cannot be held")
        if not travelers:
            raise InvalidRequestError(CODE, "a booking needs at least one traveler")
        rate_keys = seller_price(offer, CODE).provider_offer_id.split(RATE_KEY_SEPARATOR)
        lead = travelers[0]
        body = {
            "holder": {"name": lead.given_name, "surname": lead.family_name},
            "rooms": _rooms(offer.hotel, rate_keys, travelers),
            "clientReference": our_reference,
            "tolerance": 0,
        }
        reply = await self._send("POST", BOOKINGS_PATH, timeout_s, json=body, books=True)
        return _booking(as_mapping(required(decode_json(CODE, reply), "booking")))

    async def find(self, our_reference: str, *, timeout_s: float) -> SupplierBooking | None:
        """The booking whose ``clientReference`` is ``our_reference``, from the booking list."""
        today = dt.datetime.now(dt.UTC).date()
        params = {
            "filterType": "CREATION",
            "from": (today - LIST_WINDOW).isoformat(),
            "to": (today + dt.timedelta(days=1)).isoformat(),
            "clientReference": our_reference,
            "start": "1",
            "end": "50",
        }
        reply = await self._send("GET", BOOKINGS_PATH, timeout_s, params=params)
        listed = as_mapping(required(decode_json(CODE, reply), "bookings"))
        found = [
            _booking(as_mapping(item))
            for item in field_list(listed, "bookings")
            if field_str(as_mapping(item), "clientReference") == our_reference
        ]
        live = [booking for booking in found if booking.status != "cancelled"]
        chosen = live or found
        return chosen[0] if chosen else None

    async def cancel(self, supplier_reference: str, *, timeout_s: float) -> SupplierBooking:
        """Cancel the booking for real (``cancellationFlag=CANCELLATION``)."""
        path = f"{BOOKINGS_PATH}/{supplier_reference}"
        params = {"cancellationFlag": "CANCELLATION"}
        reply = await self._send("DELETE", path, timeout_s, params=params)
        return _booking(as_mapping(required(decode_json(CODE, reply), "booking")))

    async def _send(
        self,
        method: str,
        path: str,
        timeout_s: float,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        books: bool = False,
    ) -> Reply:
        api_key = require_secret(CODE, self._api_key, "HOTELBEDS_API_KEY")
        secret = require_secret(CODE, self._secret, "HOTELBEDS_SECRET")
        deadline = Deadline(CODE, timeout_s)
        headers = hotelbeds_headers(api_key, secret)
        call = Call(method, f"{self._base_url}{path}", headers, params=params, json=json)
        send = send_booking if books else exchange
        reply = await send(self._session, CODE, call, deadline)
        if not reply.ok:
            raise _error(reply, (api_key, secret, headers["X-Signature"]))
        return reply


def _error(reply: Reply, secrets: Sequence[str]) -> ProviderError:
    """A sold-out or unknown rate as ``OfferUnavailableError``, the rest as the search's."""
    translated = error_from(reply, secrets)
    body = lenient_json(reply)
    error = body.get("error") if isinstance(body, Mapping) else None
    code = str(error.get("code", "")) if isinstance(error, Mapping) else ""
    message = str(error.get("message", "")) if isinstance(error, Mapping) else ""
    unknown_rate = code == "INVALID_DATA" and "ratekey" in message.lower()
    if reply.status < 500 and (code == "PRODUCT_ERROR" or unknown_rate):
        return OfferUnavailableError(CODE, translated.message, http_status=reply.status)
    return translated


def _stay_of(hotel: offer_pb2.HotelDetails) -> Stay:
    return Stay(
        check_in=dt.date.fromisoformat(hotel.check_in_date),
        check_out=dt.date.fromisoformat(hotel.check_out_date),
        rooms=tuple(RoomSpec(room.adults, tuple(room.child_ages)) for room in hotel.rooms),
        city_code=hotel.property.city_code,
        time_zone=hotel.property.time_zone,
    )


def _rooms(
    hotel: offer_pb2.HotelDetails,
    rate_keys: Sequence[str],
    travelers: Sequence[booking_service_pb2.Traveler],
) -> list[dict[str, Any]]:
    """One entry per rate key (an occupancy group), with the paxes of each of its rooms."""
    check_in = dt.date.fromisoformat(hotel.check_in_date)
    stay = _stay_of(hotel)
    seats = iter(travelers)
    groups = list(occupancy_groups(stay.rooms).items())
    if len(groups) != len(rate_keys):
        raise InvalidRequestError(CODE, "the offer's rooms do not match its rate keys")
    rooms = []
    for rate_key, ((adults, ages), count) in zip(rate_keys, groups, strict=True):
        paxes = []
        for room_id in range(1, count + 1):
            paxes += _paxes(room_id, adults + len(ages), seats, travelers[0], check_in)
        rooms.append({"rateKey": rate_key, "paxes": paxes})
    return rooms


def _paxes(
    room_id: int,
    guests: int,
    seats: Iterator[booking_service_pb2.Traveler],
    lead: booking_service_pb2.Traveler,
    check_in: dt.date,
) -> list[dict[str, Any]]:
    """The named guests of one room; the lead traveler's name when none is left for it."""
    named = [traveler for _, traveler in zip(range(guests), seats, strict=False)] or [lead]
    paxes = []
    for traveler in named:
        age = age_on(traveler, check_in)
        pax: dict[str, Any] = {
            "roomId": room_id,
            "type": "CH" if age is not None and age < ADULT_AGE else "AD",
            "name": traveler.given_name,
            "surname": traveler.family_name,
        }
        if pax["type"] == "CH":
            pax["age"] = age
        paxes.append(pax)
    return paxes


def _booking(booking: Mapping[str, Any]) -> SupplierBooking:
    return SupplierBooking(
        status=_STATUSES.get(field_str(booking, "status").upper(), "pending"),
        supplier_reference=field_str(booking, "reference"),
        total=parse_money(required(booking, "totalNet"), required(booking, "currency")),
        our_reference=field_str(booking, "clientReference"),
    )
