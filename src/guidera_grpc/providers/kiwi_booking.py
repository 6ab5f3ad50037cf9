"""Kiwi.com Tequila flight booking: check_flights, then save_booking and confirm_payment.

``price`` polls ``GET /v2/booking/check_flights`` (every ``poll_interval_s``, within the time
given) until ``flights_checked``; ``flights_invalid`` or an expired or unknown booking token is
:class:`OfferUnavailableError`. The price read is ``conversion.amount`` in the currency asked
for (the other totals are euros). ``book`` checks the flights again for the travelers' party,
saves the booking (``POST /v2/booking/save_booking``) and confirms its payment from the Kiwi
deposit (``POST /v2/booking/confirm_payment``); both may have acted when no answer comes, so
either failing that way is :class:`BookingOutcomeUnknown`. Kiwi has no hold: a hold is booked.

Kiwi keeps no client reference and the stored sources show no booking look-up or cancellation
in the API. Our reference is sent as the partner's ``visitor_uniqid`` (a query parameter of
check_flights, a header of save_booking), and ``find`` and ``cancel`` use the sandbox's own
``GET /v2/booking/bookings?visitor_uniqid=`` and ``POST /v2/booking/cancel_booking``: against
the real Kiwi these two would need its booking webhooks or its support desk instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Final

import aiohttp
from guidera.v1 import booking_service_pb2, common_pb2, offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.common import Json, as_mapping, field_map, field_str
from guidera_grpc.normalizers.money import parse_money
from guidera_grpc.providers.booking import (
    OfferUnavailableError,
    SupplierBooking,
    SupplierStatus,
)
from guidera_grpc.providers.errors import MalformedResponseError, UpstreamError
from guidera_grpc.providers.flight_booking_support import (
    Kinded,
    Party,
    departure_day,
    kinds_of,
    party_of,
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
from guidera_grpc.providers.kiwi import CODE, error_from

CHECK_PATH: Final = "/v2/booking/check_flights"
SAVE_PATH: Final = "/v2/booking/save_booking"
CONFIRM_PATH: Final = "/v2/booking/confirm_payment"
#: The sandbox's own look-up and cancellation (see the module docstring).
LIST_PATH: Final = "/v2/booking/bookings"
CANCEL_PATH: Final = "/v2/booking/cancel_booking"
POLL_INTERVAL_S: Final = 2.0
_STATUSES: Final[Mapping[str, SupplierStatus]] = {
    "pending": "pending",
    "confirmed": "confirmed",
    "cancelled": "cancelled",
}


class KiwiFlightBooking:
    """The Kiwi.com flight booking adapter (``BookingProvider``)."""

    code = CODE

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        poll_interval_s: float = POLL_INTERVAL_S,
    ) -> None:
        """``poll_interval_s`` is the wait between check_flights calls (Kiwi asks 2–3 s)."""
        self._session = session
        self._base_url = settings.kiwi_base_url.rstrip("/")
        self._api_key = settings.kiwi_api_key
        self._poll_interval_s = poll_interval_s

    async def price(
        self, offer: offer_pb2.Offer, *, timeout_s: float, party: Party | None = None
    ) -> offer_pb2.Offer:
        """The offer's price now for ``party`` (one adult unless given)."""
        deadline = Deadline(CODE, timeout_s)
        checked = await self._check(offer, party or Party(), "", deadline)
        return repriced(offer, CODE, _price(checked))

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
        """Check, save and pay the booking (from the Kiwi deposit: ``payment_token`` unused)."""
        deadline = Deadline(CODE, timeout_s)
        people = kinds_of(travelers, departure_day(offer))
        checked = await self._check(offer, party_of(people), our_reference, deadline)

        save = {
            "booking_token": supplier_offer_id(offer, CODE),
            "session_id": field_str(checked, "session_id"),
            "lang": "en",
            "locale": "en-US",
            "passengers": [_passenger(person) for person in people],
            "baggage": [],
        }
        headers = {"visitor_uniqid": our_reference, "Content-Type": "application/json"}
        saved = await self._send_booking(
            self._call("POST", SAVE_PATH, headers, json=save), deadline
        )
        if saved.get("status") != "success" or not isinstance(saved.get("booking_id"), int):
            raise UpstreamError(CODE, "save_booking did not succeed")

        confirm = {"booking_id": saved["booking_id"], "transaction_id": saved.get("transaction_id")}
        paid = await self._send_booking(
            self._call("POST", CONFIRM_PATH, {"Content-Type": "application/json"}, json=confirm),
            deadline,
        )
        if paid.get("status") != 0:
            raise UpstreamError(CODE, f"confirm_payment refused: {paid.get('msg') or 'no reason'}")
        return SupplierBooking(
            status="confirmed",
            supplier_reference=str(saved["booking_id"]),
            total=_price(saved).total,
            our_reference=our_reference,
        )

    async def find(self, our_reference: str, *, timeout_s: float) -> SupplierBooking | None:
        """The booking saved under ``our_reference`` (a confirmed one first), or None."""
        deadline = Deadline(CODE, timeout_s)
        call = self._call("GET", LIST_PATH, params={"visitor_uniqid": our_reference})
        body = self._json(await exchange(self._session, CODE, call, deadline))
        found = [_booking(as_mapping(b)) for b in body.get("bookings") or []]
        found.sort(key=lambda b: b.status != "confirmed")
        return found[0] if found else None

    async def cancel(self, supplier_reference: str, *, timeout_s: float) -> SupplierBooking:
        """Cancel the booking with the sandbox's own cancellation endpoint."""
        deadline = Deadline(CODE, timeout_s)
        body = {"booking_id": int(supplier_reference)}
        headers = {"Content-Type": "application/json"}
        call = self._call("POST", CANCEL_PATH, headers, json=body)
        answer = self._json(await exchange(self._session, CODE, call, deadline))
        return _booking(field_map(answer, "booking"))

    async def _check(
        self, offer: offer_pb2.Offer, party: Party, visitor: str, deadline: Deadline
    ) -> Json:
        """Poll check_flights until the flights are checked; raise if they are gone."""
        params = {
            "booking_token": supplier_offer_id(offer, CODE),
            "bnum": "0",
            "adults": str(party.adults),
            "children": str(party.children),
            "infants": str(party.infants),
            "currency": offer.price.total.currency_code or "EUR",
        }
        if visitor:
            params["visitor_uniqid"] = visitor
        while True:
            reply = await exchange(
                self._session, CODE, self._call("GET", CHECK_PATH, params=params), deadline
            )
            checked = self._json(reply, token_call=True)
            if checked.get("flights_invalid"):
                raise OfferUnavailableError(CODE, "the flights are no longer available")
            if checked.get("flights_checked"):
                return checked
            params["session_id"] = field_str(checked, "session_id")
            await asyncio.sleep(min(self._poll_interval_s, deadline.remaining()))

    async def _send_booking(self, call: Call, deadline: Deadline) -> Json:
        return self._json(await send_booking(self._session, CODE, call, deadline))

    def _json(self, reply: Reply, *, token_call: bool = False) -> Json:
        if token_call and reply.status in (400, 404) and _about_token(reply):
            raise OfferUnavailableError(CODE, f"booking token refused (HTTP {reply.status})")
        if not reply.ok:
            raise error_from(reply, (self._key(),))
        body = decode_json(CODE, reply)
        if not isinstance(body, Mapping):
            raise MalformedResponseError(CODE, "expected a JSON object")
        return body

    def _call(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        json: object = None,
    ) -> Call:
        every = {"apikey": self._key(), "Accept": "application/json", **(headers or {})}
        return Call(method, f"{self._base_url}{path}", every, params=params, json=json)

    def _key(self) -> str:
        return require_secret(CODE, self._api_key, "KIWI_API_KEY")


def _about_token(reply: Reply) -> bool:
    body = lenient_json(reply)
    text = str(body.get("error", "")) if isinstance(body, Mapping) else reply.text()
    return "booking token" in text.lower()


def _price(checked: Json) -> common_pb2.Price:
    conversion = field_map(checked, "conversion")
    if "amount" in conversion:
        total = parse_money(conversion.get("amount"), conversion.get("currency"))
    else:
        total = parse_money(checked.get("total"), "EUR")
    return common_pb2.Price(total=total)


def _passenger(person: Kinded) -> dict[str, Any]:
    traveler = person.traveler
    passenger: dict[str, Any] = {
        "title": "ms" if traveler.gender.lower().startswith("f") else "mr",
        "name": traveler.given_name,
        "surname": traveler.family_name,
        "birthday": traveler.birth_date,
        "category": person.kind,
        "email": traveler.email,
        "phone": traveler.phone,
    }
    if traveler.documents:
        document = traveler.documents[0]
        passenger |= {
            "nationality": document.nationality_country_code,
            "cardno": document.number,
            "expiration": document.expiry_date,
        }
    return {key: value for key, value in passenger.items() if value}


def _booking(raw: Json) -> SupplierBooking:
    status = _STATUSES.get(field_str(raw, "status"))
    reference = raw.get("booking_id")
    if status is None or not isinstance(reference, int):
        raise MalformedResponseError(CODE, "a booking lacks its id or a known status")
    return SupplierBooking(
        status=status,
        supplier_reference=str(reference),
        total=parse_money(raw.get("price"), raw.get("currency")),
        our_reference=field_str(raw, "visitor_uniqid"),
    )
