"""Viator Partner API v2 booking: availability check, hold then book, status, cancel.

The offer's ``provider_offer_id`` is the product code. Viator's product summaries carry no
date, so a searched offer has no time slot: ``price`` then asks ``POST /availability/check``
day after day, from tomorrow in the product's city and for at most ``SEARCH_DAYS`` days, and
keeps the first start time that is available (an offer that already has a time slot is checked
on that day and time only). The priced offer carries that start as its one time slot, so that
``book`` books the very start time it priced. The party priced is the offer's (one adult when
the search said nothing); ``book`` prices the travelers by age on the day (infant under 3,
child under 12, adult from 12).

``book`` holds first (``POST /bookings/hold``): a start time gone is ``OfferUnavailableError``,
a held price other than the offer's for the same party is ``PriceChangedError``. It then posts
``/bookings/book`` with the hold's ``bookingRef`` and ``partnerBookingRef`` = our reference, and
``exp-demo: true`` whenever the base URL is not Viator's production host. Viator's hold only
keeps a price for the booking that follows, so ``hold=True`` is refused. ``find`` is
``POST /bookings/status`` by ``partnerBookingRef``; ``cancel`` is
``POST /bookings/{bookingRef}/cancel`` followed by a status read. No payment data is sent:
Viator invoices the partner.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import aiohttp
from guidera.v1 import booking_service_pb2, common_pb2, offer_pb2
from yarl import URL

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.common import (
    as_mapping,
    field_list,
    field_map,
    field_str,
    parse_local_time,
    price_of,
    required,
    zone,
)
from guidera_grpc.normalizers.experiences import time_slot
from guidera_grpc.normalizers.money import compare_money, parse_amount, parse_currency, to_money
from guidera_grpc.providers.booking import (
    OfferUnavailableError,
    SupplierBooking,
    SupplierStatus,
)
from guidera_grpc.providers.booking_support import (
    PriceChangedError,
    age_on,
    seller_price,
    send_booking,
    with_price,
)
from guidera_grpc.providers.errors import InvalidRequestError
from guidera_grpc.providers.http import Call, Deadline, Reply, decode_json, exchange, require_secret
from guidera_grpc.providers.viator import (
    CODE,
    CURRENCIES,
    FALLBACK_CURRENCY,
    KEY_HEADER,
    VERSIONED_JSON,
    error_from,
)

CHECK_PATH: Final = "/availability/check"
HOLD_PATH: Final = "/bookings/hold"
BOOK_PATH: Final = "/bookings/book"
STATUS_PATH: Final = "/bookings/status"
CANCEL_PATH: Final = "/bookings/{booking_ref}/cancel"
PRODUCTION_HOST: Final = "api.viator.com"
SEARCH_DAYS: Final = 7
INFANT_UNDER: Final = 3
CHILD_UNDER: Final = 12
CANCEL_REASON: Final = "Customer_Service.I_canceled_my_entire_trip"
_STATUSES: Final[dict[str, SupplierStatus]] = {
    "CONFIRMED": "confirmed",
    "PENDING": "pending",
    "CANCELLED": "cancelled",
    "REJECTED": "failed",
    "FAILED": "failed",
}

PaxMix = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Start:
    """One bookable start of a product: its option, day and time, and the party's price."""

    option: str
    day: dt.date
    time: str
    """``HH:MM`` local to the product."""
    price: common_pb2.Price

    @property
    def local(self) -> dt.datetime:
        """The start as a local wall-clock time."""
        return dt.datetime.combine(self.day, dt.time.fromisoformat(self.time))


@dataclass(frozen=True, slots=True)
class Held:
    """A hold: the reference the booking confirms, and the price it keeps."""

    reference: str
    price: common_pb2.Price


class ViatorBooking:
    """Books Viator products (``BookingProvider``); Viator's hold is used inside ``book``."""

    code = CODE
    hold_supported = False

    def __init__(self, session: aiohttp.ClientSession, settings: Settings) -> None:
        self._session = session
        self._base_url = settings.viator_base_url.rstrip("/")
        self._api_key = settings.viator_api_key
        self._demo = URL(self._base_url).host != PRODUCTION_HOST

    async def price(self, offer: offer_pb2.Offer, *, timeout_s: float) -> offer_pb2.Offer:
        """The offer at the first available start's price; that start becomes its time slot."""
        deadline = Deadline(CODE, timeout_s)
        start = await self._start(offer, _offer_party(offer), deadline)

        seller = common_pb2.ProviderPrice(
            provider=CODE, price=start.price, provider_offer_id=_product_code(offer)
        )
        priced = with_price(offer, seller)
        del priced.experience.time_slots[:]
        priced.experience.time_slots.append(time_slot(start.local))
        return priced

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
        """Hold the offer's start for the travelers, then book it under ``our_reference``."""
        if hold:
            raise InvalidRequestError(CODE, "Viator bookings cannot be held for later")
        if not travelers:
            raise InvalidRequestError(CODE, "a booking needs at least one traveler")
        if not our_reference:
            raise InvalidRequestError(CODE, "a booking needs our reference")
        deadline = Deadline(CODE, timeout_s)
        party = _party_of(travelers, _slot_day(offer) or _tomorrow(offer))
        start = await self._start(offer, party, deadline)

        held = await self._hold(offer, start, party, deadline)
        if party == _offer_party(offer):
            promised = seller_price(offer, CODE).price.total
            if compare_money(held.price.total, promised) != 0:
                raise PriceChangedError(CODE, held.price.total)

        body = {
            **_visit_body(offer, start, party),
            "bookingRef": held.reference,
            "partnerBookingRef": our_reference,
            **_booker(travelers),
        }
        reply = await self._send(BOOK_PATH, body, deadline, books=True)
        answer = as_mapping(decode_json(CODE, reply))
        if field_str(answer, "status").upper() == "REJECTED":
            reason = field_str(answer, "rejectionReasonCode") or "rejected"
            raise OfferUnavailableError(CODE, f"Viator rejected the booking: {reason}")
        return _booking(answer)

    async def find(self, our_reference: str, *, timeout_s: float) -> SupplierBooking | None:
        """The booking made under ``partnerBookingRef`` = ``our_reference``, or None."""
        body = {"partnerBookingRef": our_reference}
        reply = await self._send(STATUS_PATH, body, Deadline(CODE, timeout_s), missing_ok=True)
        if reply.status == 404:
            return None
        return _booking(as_mapping(decode_json(CODE, reply)))

    async def cancel(self, supplier_reference: str, *, timeout_s: float) -> SupplierBooking:
        """Cancel the booking, then read it back."""
        deadline = Deadline(CODE, timeout_s)
        path = CANCEL_PATH.format(booking_ref=supplier_reference)
        reply = await self._send(path, {"reasonCode": CANCEL_REASON}, deadline)
        answer = as_mapping(decode_json(CODE, reply))
        declined = field_str(answer, "status").upper() == "DECLINED"
        if declined and field_str(answer, "reason") != "ALREADY_CANCELLED":
            reason = field_str(answer, "reason") or "no reason given"
            raise InvalidRequestError(CODE, f"Viator declined the cancellation: {reason}")

        reply = await self._send(STATUS_PATH, {"bookingRef": supplier_reference}, deadline)
        return _booking(as_mapping(decode_json(CODE, reply)))

    async def _start(self, offer: offer_pb2.Offer, party: PaxMix, deadline: Deadline) -> Start:
        """The offer's own start when it has one, else the first available from tomorrow."""
        fixed = _slot_start(offer)
        if fixed is not None:
            found = await self._check(offer, fixed.date(), party, deadline, fixed.strftime("%H:%M"))
            if found is None:
                raise OfferUnavailableError(CODE, "the start time is no longer available")
            return found
        first = _tomorrow(offer)
        for offset in range(SEARCH_DAYS):
            found = await self._check(offer, first + dt.timedelta(days=offset), party, deadline)
            if found is not None:
                return found
        raise OfferUnavailableError(CODE, f"no available start in the next {SEARCH_DAYS} days")

    async def _check(
        self,
        offer: offer_pb2.Offer,
        day: dt.date,
        party: PaxMix,
        deadline: Deadline,
        at: str | None = None,
    ) -> Start | None:
        """The first available start on ``day`` (at ``at`` when given), or None."""
        body = {
            "productCode": _product_code(offer),
            "travelDate": day.isoformat(),
            "currency": _currency(offer),
            "paxMix": _pax_body(party),
        }
        reply = await self._send(CHECK_PATH, body, deadline, unknown_is_gone=True)
        answer = as_mapping(decode_json(CODE, reply))
        currency = field_str(answer, "currency") or _currency(offer)
        for item in field_list(answer, "bookableItems"):
            entry = as_mapping(item)
            wanted = at is None or field_str(entry, "startTime") == at
            if wanted and entry.get("available") is True and field_str(entry, "startTime"):
                return Start(
                    option=field_str(entry, "productOptionCode"),
                    day=day,
                    time=field_str(entry, "startTime"),
                    price=price_of(currency, _retail(entry)),
                )
        return None

    async def _hold(
        self, offer: offer_pb2.Offer, start: Start, party: PaxMix, deadline: Deadline
    ) -> Held:
        """A hold on the start for the party; ``OfferUnavailableError`` when none is left."""
        reply = await self._send(HOLD_PATH, _visit_body(offer, start, party), deadline)
        answer = as_mapping(decode_json(CODE, reply))
        status = field_str(
            field_map(field_map(answer, "bookingHoldInfo"), "availability"), "status"
        )
        if status.upper() != "HOLDING":
            raise OfferUnavailableError(CODE, "the start time could not be held")
        currency = field_str(answer, "currency") or _currency(offer)
        return Held(field_str(answer, "bookingRef"), price_of(currency, _retail(answer)))

    async def _send(
        self,
        path: str,
        body: Mapping[str, Any],
        deadline: Deadline,
        *,
        books: bool = False,
        missing_ok: bool = False,
        unknown_is_gone: bool = False,
    ) -> Reply:
        key = require_secret(CODE, self._api_key, "VIATOR_API_KEY")
        call = Call("POST", f"{self._base_url}{path}", self._headers(key), json=body)
        send = send_booking if books else exchange
        reply = await send(self._session, CODE, call, deadline)
        if reply.ok or (missing_ok and reply.status == 404):
            return reply
        if unknown_is_gone and reply.status == 404:
            raise OfferUnavailableError(CODE, "Viator no longer sells the product", http_status=404)
        raise error_from(reply, (key,))

    def _headers(self, key: str) -> dict[str, str]:
        headers = {
            KEY_HEADER: key,
            "Accept": VERSIONED_JSON,
            "Accept-Language": "en-US",
            "Content-Type": VERSIONED_JSON,
        }
        if self._demo:
            headers["exp-demo"] = "true"
        return headers


def _product_code(offer: offer_pb2.Offer) -> str:
    return seller_price(offer, CODE).provider_offer_id


def _currency(offer: offer_pb2.Offer) -> str:
    code = seller_price(offer, CODE).price.total.currency_code.upper()
    return code if code in CURRENCIES else FALLBACK_CURRENCY


def _slot_start(offer: offer_pb2.Offer) -> dt.datetime | None:
    """The earliest time slot of the offer, when it has one."""
    starts = [
        slot.start_local_time for slot in offer.experience.time_slots if slot.start_local_time
    ]
    return parse_local_time(min(starts)) if starts else None


def _slot_day(offer: offer_pb2.Offer) -> dt.date | None:
    start = _slot_start(offer)
    return start.date() if start is not None else None


def _tomorrow(offer: offer_pb2.Offer) -> dt.date:
    """Tomorrow in the product's city (in UTC when its zone is unknown)."""
    now = dt.datetime.now(zone(offer.experience.location.time_zone) or dt.UTC)
    return now.date() + dt.timedelta(days=1)


def _band(age: int | None) -> str:
    if age is None or age >= CHILD_UNDER:
        return "ADULT"
    return "CHILD" if age >= INFANT_UNDER else "INFANT"


def _offer_party(offer: offer_pb2.Offer) -> PaxMix:
    """The party the offer was priced for: its travelers, one adult when it names none."""
    party = offer.travelers
    bands = ["ADULT"] * max(1, party.adults)
    bands += [_band(age) for age in party.child_ages] + ["INFANT"] * party.infants
    return _mix(bands)


def _party_of(travelers: Sequence[booking_service_pb2.Traveler], day: dt.date) -> PaxMix:
    return _mix([_band(age_on(traveler, day)) for traveler in travelers])


def _mix(bands: Sequence[str]) -> PaxMix:
    counted = Counter(bands)
    return tuple((band, counted[band]) for band in ("ADULT", "CHILD", "INFANT") if counted[band])


def _pax_body(party: PaxMix) -> list[dict[str, Any]]:
    return [{"ageBand": band, "numberOfTravelers": count} for band, count in party]


def _visit_body(offer: offer_pb2.Offer, start: Start, party: PaxMix) -> dict[str, Any]:
    return {
        "productCode": _product_code(offer),
        "productOptionCode": start.option,
        "startTime": start.time,
        "travelDate": start.day.isoformat(),
        "currency": _currency(offer),
        "paxMix": _pax_body(party),
    }


def _booker(travelers: Sequence[booking_service_pb2.Traveler]) -> dict[str, Any]:
    """Who books and how to reach them, and every traveler's name: nothing more."""
    lead = travelers[0]
    answers: list[dict[str, Any]] = []
    for number, traveler in enumerate(travelers, start=1):
        answers.append(
            {"question": "FULL_NAMES_FIRST", "answer": traveler.given_name, "travelerNum": number}
        )
        answers.append(
            {"question": "FULL_NAMES_LAST", "answer": traveler.family_name, "travelerNum": number}
        )
    return {
        "bookerInfo": {"firstName": lead.given_name, "lastName": lead.family_name},
        "communication": {"email": lead.email, "phone": lead.phone},
        "bookingQuestionAnswers": answers,
    }


def _retail(node: Mapping[str, Any]) -> Decimal:
    """The recommended retail price of a bookable item, hold or booking."""
    return parse_amount(
        required(field_map(field_map(node, "totalPrice"), "price"), "recommendedRetailPrice")
    )


def _booking(answer: Mapping[str, Any]) -> SupplierBooking:
    currency = parse_currency(required(answer, "currency"))
    return SupplierBooking(
        status=_STATUSES.get(field_str(answer, "status").upper(), "pending"),
        supplier_reference=field_str(answer, "bookingRef"),
        total=to_money(_retail(answer), currency),
        our_reference=field_str(answer, "partnerBookingRef"),
    )
