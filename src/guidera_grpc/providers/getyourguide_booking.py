"""GetYourGuide Partner API booking: price breakdown, booking into a cart, cart checkout, cancel.

The offer's ``provider_offer_id`` is the tour id. A searched offer may carry start times (the
search looks them up for its first tours); ``price`` checks the earliest with
``POST /1/tours/{tour_id}/price-breakdown``. An offer without one gets the first open start
from ``GET /1/tours/{tour_id}/availabilities`` over the week from tomorrow in the tour's city,
each checked the same way until one is available. The priced offer carries that start as its
one time slot, so that ``book`` books the start it priced. The party priced is the offer's (one
adult when the search said nothing); ``book`` prices the travelers by age on the day (ticket
category adult 1, child 2 from 3 years, infant 3 under 3; adults from 12).

``book`` checks the price again (another price for the offer's party is
``PriceChangedError``), reserves the start with ``POST /1/bookings`` under
``external_reference_id`` = our reference (a ``temp`` booking in a new shopping cart, which
lapses unless paid, so a failure there booked nothing), then confirms the cart with
``POST /1/carts``: only that call may leave the outcome unknown. The cart names the traveler
and the billing contact; its ``payment`` says the partner is invoiced, and no card data is
ever sent. The temporary reservation is GetYourGuide's, so ``hold=True`` is refused. ``find``
is ``GET /1/bookings?external_reference_id=…`` (the sandbox's lookup: the spec reads bookings
only by hash); ``cancel`` is ``DELETE /1/bookings/{booking_hash}``. A ``temp`` booking reads as
held until its ``reservation_expires_at``.
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
    field_int,
    field_list,
    field_map,
    field_str,
    format_local_time,
    parse_instant,
    parse_local_time,
    price_of,
    required,
    zone,
)
from guidera_grpc.normalizers.experiences import time_slot
from guidera_grpc.normalizers.money import (
    compare_money,
    parse_amount,
    parse_currency,
    to_decimal,
    to_money,
)
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
from guidera_grpc.providers.getyourguide import (
    AVAILABILITIES_PATH,
    CODE,
    CURRENCIES,
    FALLBACK_CURRENCY,
    LANGUAGE,
    TOKEN_HEADER,
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

BREAKDOWN_PATH: Final = "/1/tours/{tour_id}/price-breakdown"
BOOKINGS_PATH: Final = "/1/bookings"
CARTS_PATH: Final = "/1/carts"
SEARCH_DAYS: Final = 7
INFANT_UNDER: Final = 3
CHILD_UNDER: Final = 12
ADULT, CHILD, INFANT = 1, 2, 3
#: errorCode of a reservation refused because the start time is gone.
NOT_AVAILABLE_CODE: Final = 32
CENT: Final = Decimal("0.01")
_STATUSES: Final[dict[str, SupplierStatus]] = {
    "temp": "held",
    "confirmed": "confirmed",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "failed": "failed",
}

#: Participants by ticket category id, in category order.
Party = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Start:
    """One bookable start of a tour: its option, local time and the party's price."""

    option_id: int
    local: dt.datetime
    price: common_pb2.Price


class GetYourGuideBooking:
    """Books GetYourGuide tours (``BookingProvider``); no hold for later."""

    code = CODE
    hold_supported = False

    def __init__(self, session: aiohttp.ClientSession, settings: Settings) -> None:
        self._session = session
        self._base_url = settings.getyourguide_base_url.rstrip("/")
        self._token = settings.getyourguide_access_token

    async def price(self, offer: offer_pb2.Offer, *, timeout_s: float) -> offer_pb2.Offer:
        """The offer at its start's price; that start becomes its one time slot."""
        deadline = Deadline(CODE, timeout_s)
        start = await self._start(offer, _offer_party(offer), deadline)

        seller = common_pb2.ProviderPrice(
            provider=CODE, price=start.price, provider_offer_id=_tour_id(offer)
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
        """Reserve the offer's start for the travelers, then confirm the cart."""
        if hold:
            raise InvalidRequestError(CODE, "GetYourGuide bookings cannot be held for later")
        if not travelers:
            raise InvalidRequestError(CODE, "a booking needs at least one traveler")
        if not our_reference:
            raise InvalidRequestError(CODE, "a booking needs our reference")
        deadline = Deadline(CODE, timeout_s)
        party = _party_of(travelers, _slot_day(offer) or _tomorrow(offer))
        start = await self._start(offer, party, deadline)
        if party == _offer_party(offer):
            promised = seller_price(offer, CODE).price.total
            if compare_money(start.price.total, promised) != 0:
                raise PriceChangedError(CODE, start.price.total)

        reserved = await self._reserve(offer, start, party, our_reference, deadline)
        cart = {
            "shopping_cart_hash": field_str(reserved, "shopping_cart_hash"),
            **_contacts(travelers),
            "payment": {"method": "invoice"},
        }
        body = {"base_data": _base_data(offer), "data": {"shopping_cart": cart}}
        reply = await self._send("POST", CARTS_PATH, deadline, json=body, books=True)
        paid = field_map(field_map(as_mapping(decode_json(CODE, reply)), "data"), "shopping_cart")
        wanted = field_str(reserved, "booking_hash")
        for entry in field_list(paid, "bookings"):
            if field_str(as_mapping(entry), "booking_hash") == wanted:
                return _booking(as_mapping(entry))
        return _booking(reserved)

    async def find(self, our_reference: str, *, timeout_s: float) -> SupplierBooking | None:
        """The booking made under ``external_reference_id`` = ``our_reference``, or None."""
        query = [("external_reference_id", our_reference)]
        deadline = Deadline(CODE, timeout_s)
        reply = await self._send("GET", BOOKINGS_PATH, deadline, query=query)
        found = [_booking(as_mapping(item)) for item in _bookings(reply)]
        live = [booking for booking in found if booking.status != "cancelled"]
        chosen = live or found
        return chosen[-1] if chosen else None

    async def cancel(self, supplier_reference: str, *, timeout_s: float) -> SupplierBooking:
        """Cancel the booking by its hash; the answer is the cancelled booking."""
        path = f"{BOOKINGS_PATH}/{supplier_reference}"
        reply = await self._send("DELETE", path, Deadline(CODE, timeout_s))
        bookings = _bookings(reply)
        if not bookings:
            raise InvalidRequestError(CODE, "the cancellation returned no booking")
        return _booking(as_mapping(bookings[0]))

    async def _start(self, offer: offer_pb2.Offer, party: Party, deadline: Deadline) -> Start:
        """The offer's own start when it has one, else the first open one from tomorrow."""
        fixed = _slot_start(offer)
        candidates = [fixed] if fixed is not None else await self._open_starts(offer, deadline)
        refused_days: set[dt.date] = set()
        for local in candidates:
            if local.date() in refused_days:
                continue
            found = await self._breakdown(offer, local, party, deadline)
            if found is not None:
                return found
            refused_days.add(local.date())
        raise OfferUnavailableError(CODE, "no start of the tour is available")

    async def _open_starts(self, offer: offer_pb2.Offer, deadline: Deadline) -> list[dt.datetime]:
        first = dt.datetime.combine(_tomorrow(offer), dt.time(0, 0))
        last = first + dt.timedelta(days=SEARCH_DAYS) - dt.timedelta(seconds=1)
        query = [
            ("cnt_language", LANGUAGE),
            ("currency", _currency(offer)),
            ("date[]", format_local_time(first)),
            ("date[]", format_local_time(last)),
        ]
        path = AVAILABILITIES_PATH.format(tour_id=_tour_id(offer))
        reply = await self._send("GET", path, deadline, query=query, unknown_is_gone=True)
        found = field_list(
            field_map(as_mapping(decode_json(CODE, reply)), "data"), "availabilities"
        )
        starts = []
        for item in found:
            entry = as_mapping(item)
            if field_str(entry, "start_time") and (field_int(entry, "vacancies") or 0) > 0:
                starts.append(parse_local_time(field_str(entry, "start_time")))
        return sorted(starts)

    async def _breakdown(
        self, offer: offer_pb2.Offer, local: dt.datetime, party: Party, deadline: Deadline
    ) -> Start | None:
        """The start priced for the party, or None when it is not available."""
        data = {"datetime": format_local_time(local), "categories": _categories(party)}
        body = {"base_data": _base_data(offer), "data": data}
        path = BREAKDOWN_PATH.format(tour_id=_tour_id(offer))
        reply = await self._send("POST", path, deadline, json=body, unknown_is_gone=True)
        answer = field_map(
            field_map(as_mapping(decode_json(CODE, reply)), "data"), "price_breakdown"
        )
        if answer.get("available") is not True:
            return None
        option_id = field_int(answer, "option_id")
        if option_id is None:
            raise InvalidRequestError(CODE, "the price breakdown names no option")
        currency = parse_currency(answer.get("currency") or _currency(offer))
        return Start(option_id, local, price_of(currency, _amount(answer)))

    async def _reserve(
        self,
        offer: offer_pb2.Offer,
        start: Start,
        party: Party,
        our_reference: str,
        deadline: Deadline,
    ) -> Mapping[str, Any]:
        """A ``temp`` booking in a new cart; a start gone is ``OfferUnavailableError``."""
        bookable = {
            "option_id": start.option_id,
            "datetime": format_local_time(start.local),
            "price": float(to_decimal(start.price.total)),
            "categories": _categories(party),
            "booking_parameters": [],
            "questions": [],
            "external_reference_id": our_reference,
        }
        body = {"base_data": _base_data(offer), "data": {"booking": {"bookable": bookable}}}
        reply = await self._send("POST", BOOKINGS_PATH, deadline, json=body, reserving=True)
        return field_map(as_mapping(decode_json(CODE, reply)), "data")

    async def _send(
        self,
        method: str,
        path: str,
        deadline: Deadline,
        *,
        json: Any = None,
        query: Sequence[tuple[str, str]] = (),
        books: bool = False,
        reserving: bool = False,
        unknown_is_gone: bool = False,
    ) -> Reply:
        token = require_secret(CODE, self._token, "GETYOURGUIDE_ACCESS_TOKEN")
        headers = {TOKEN_HEADER: token, "Accept": "application/json"}
        url = URL(f"{self._base_url}{path}").with_query(list(query)) if query else None
        call = Call(method, str(url or f"{self._base_url}{path}"), headers, json=json)
        send = send_booking if books else exchange
        reply = await send(self._session, CODE, call, deadline)
        if reply.ok:
            return reply
        if unknown_is_gone and reply.status == 404:
            raise OfferUnavailableError(
                CODE, "GetYourGuide no longer sells the tour", http_status=404
            )
        if reserving and _error_code(reply) == NOT_AVAILABLE_CODE:
            raise OfferUnavailableError(CODE, "the start is no longer available", http_status=400)
        raise error_from(reply, (token,))


def _tour_id(offer: offer_pb2.Offer) -> str:
    return seller_price(offer, CODE).provider_offer_id


def _currency(offer: offer_pb2.Offer) -> str:
    code = seller_price(offer, CODE).price.total.currency_code.upper()
    return code if code in CURRENCIES else FALLBACK_CURRENCY


def _base_data(offer: offer_pb2.Offer) -> dict[str, str]:
    return {"cnt_language": LANGUAGE, "currency": _currency(offer)}


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
    """Tomorrow in the tour's city (in UTC when its zone is unknown)."""
    now = dt.datetime.now(zone(offer.experience.location.time_zone) or dt.UTC)
    return now.date() + dt.timedelta(days=1)


def _category(age: int | None) -> int:
    if age is None or age >= CHILD_UNDER:
        return ADULT
    return CHILD if age >= INFANT_UNDER else INFANT


def _offer_party(offer: offer_pb2.Offer) -> Party:
    """The party the offer was priced for: its travelers, one adult when it names none."""
    party = offer.travelers
    categories = [ADULT] * max(1, party.adults)
    categories += [_category(age) for age in party.child_ages] + [INFANT] * party.infants
    return _counted(categories)


def _party_of(travelers: Sequence[booking_service_pb2.Traveler], day: dt.date) -> Party:
    return _counted([_category(age_on(traveler, day)) for traveler in travelers])


def _counted(categories: Sequence[int]) -> Party:
    counted = Counter(categories)
    return tuple((category, counted[category]) for category in sorted(counted))


def _categories(party: Party) -> list[dict[str, int]]:
    return [{"category_id": c, "number_of_participants": n} for c, n in party]


def _contacts(travelers: Sequence[booking_service_pb2.Traveler]) -> dict[str, Any]:
    """The lead traveler as traveler and billing contact: names, email and phone only."""
    lead = travelers[0]
    person = {
        "first_name": lead.given_name,
        "last_name": lead.family_name,
        "email": lead.email,
        "phone_number": lead.phone,
    }
    return {"traveler": person, "billing": dict(person)}


def _amount(node: Mapping[str, Any]) -> Decimal:
    """``total_price``, a float that may carry binary noise, to the cent."""
    return parse_amount(required(node, "total_price")).quantize(CENT)


def _bookings(reply: Reply) -> list[Any]:
    return field_list(field_map(as_mapping(decode_json(CODE, reply)), "data"), "bookings")


def _error_code(reply: Reply) -> int | None:
    body = lenient_json(reply)
    errors = body.get("errors") if isinstance(body, Mapping) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    code = first.get("errorCode") if isinstance(first, Mapping) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _booking(entry: Mapping[str, Any]) -> SupplierBooking:
    status = _STATUSES.get(field_str(entry, "status").lower(), "pending")
    expires = field_str(entry, "reservation_expires_at")
    currency = parse_currency(required(entry, "currency"))
    return SupplierBooking(
        status=status,
        supplier_reference=field_str(entry, "booking_hash"),
        total=to_money(_amount(entry), currency),
        hold_expires_at=parse_instant(expires) if status == "held" and expires else None,
        our_reference=field_str(entry, "external_reference_id"),
    )
