"""What the flight booking adapters share: the party behind an offer, the re-priced offer,
and the one rule that turns a failed booking request into "outcome unknown".

``send_booking`` sends the request that makes a booking. Once it may have reached the supplier,
any failure without a clear answer is :class:`BookingOutcomeUnknown`: a timeout while waiting,
a connection dropped or reset, or a 5xx (the supplier may have recorded the booking before
failing). Only a failure that certainly happened before sending (the time was up before the
request left, or the connection could not be opened) stays an ordinary, retryable error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import aiohttp
from guidera.v1 import booking_service_pb2, common_pb2, offer_pb2

from guidera_grpc.providers.booking import BookingOutcomeUnknown
from guidera_grpc.providers.errors import (
    InvalidRequestError,
    ProviderError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from guidera_grpc.providers.http import Call, Deadline, Reply, exchange

ADULT_FROM_AGE = 12
CHILD_FROM_AGE = 2


@dataclass(frozen=True, slots=True)
class Party:
    """How many travelers of each kind an offer is for."""

    adults: int = 1
    children: int = 0
    infants: int = 0

    @property
    def count(self) -> int:
        """Every traveler, infants included."""
        return self.adults + self.children + self.infants


@dataclass(frozen=True, slots=True)
class Kinded:
    """A traveler with the kind a supplier prices them as, on the day of departure."""

    traveler: booking_service_pb2.Traveler
    kind: str
    """``adult``, ``child`` or ``infant``."""


def kinds_of(travelers: Sequence[booking_service_pb2.Traveler], departure: dt.date) -> list[Kinded]:
    """Each traveler's kind by age on ``departure``; adults first, then children, then infants.

    A missing or unreadable birth date is an ``InvalidRequestError`` (nothing was sent).
    """
    kinded = [Kinded(t, _kind(_age_on(t.birth_date, departure))) for t in travelers]
    order = {"adult": 0, "child": 1, "infant": 2}
    return sorted(kinded, key=lambda k: order[k.kind])


def party_of(kinded: Sequence[Kinded]) -> Party:
    """The party the travelers make."""
    kinds = [k.kind for k in kinded]
    return Party(kinds.count("adult"), kinds.count("child"), kinds.count("infant"))


def _age_on(birth_date: str, day: dt.date) -> int:
    try:
        born = dt.date.fromisoformat(birth_date)
    except ValueError:
        raise InvalidRequestError("booking", "a traveler's birth date is not YYYY-MM-DD") from None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _kind(age: int) -> str:
    if age >= ADULT_FROM_AGE:
        return "adult"
    return "child" if age >= CHILD_FROM_AGE else "infant"


def departure_day(offer: offer_pb2.Offer) -> dt.date:
    """The local day the first flight of ``offer`` leaves."""
    first = offer.flight.slices[0].segments[0] if offer.flight.slices else None
    if first is None or not first.departure_local_time:
        raise InvalidRequestError("booking", "the offer has no flight to book")
    return dt.date.fromisoformat(first.departure_local_time[:10])


def supplier_offer_id(offer: offer_pb2.Offer, provider: str) -> str:
    """This supplier's own id (token, key) of the offer, or ``InvalidRequestError``."""
    for seller in offer.provider_prices:
        if seller.provider == provider and seller.provider_offer_id:
            return seller.provider_offer_id
    raise InvalidRequestError(provider, "the offer was not sold by this supplier")


def repriced(
    searched: offer_pb2.Offer, provider: str, fresh: offer_pb2.Offer | common_pb2.Price
) -> offer_pb2.Offer:
    """``searched`` as the supplier sells it now: its id and itinerary, one ProviderPrice.

    ``fresh`` is the supplier's re-priced offer (whose price, conditions and expiry win), or
    just its new price.
    """
    offer = offer_pb2.Offer()
    offer.CopyFrom(searched)
    seller = common_pb2.ProviderPrice(
        provider=provider, provider_offer_id=supplier_offer_id(searched, provider)
    )
    if isinstance(fresh, common_pb2.Price):
        seller.price.CopyFrom(fresh)
        for old in searched.provider_prices:
            if old.provider == provider and old.HasField("expire_time"):
                seller.expire_time.CopyFrom(old.expire_time)
    else:
        seller.price.CopyFrom(fresh.price)
        seller.provider_offer_id = fresh.provider_prices[0].provider_offer_id
        if fresh.HasField("expire_time"):
            seller.expire_time.CopyFrom(fresh.expire_time)
        if fresh.HasField("conditions") and fresh.conditions.ByteSize():
            offer.conditions.CopyFrom(fresh.conditions)
    del offer.provider_prices[:]
    offer.provider_prices.append(seller)
    offer.price.CopyFrom(seller.price)
    offer.ClearField("expire_time")
    if seller.HasField("expire_time"):
        offer.expire_time.CopyFrom(seller.expire_time)
    return offer


async def send_booking(
    session: aiohttp.ClientSession, provider: str, call: Call, deadline: Deadline
) -> Reply:
    """Send the request that makes a booking; an ambiguous failure is BookingOutcomeUnknown."""
    try:
        reply = await exchange(session, provider, call, deadline)
    except (ProviderTimeoutError, ProviderUnavailableError) as error:
        if _never_sent(error):
            raise
        raise BookingOutcomeUnknown(
            provider, f"no answer to the booking request ({error.message})"
        ) from None
    if reply.status >= 500:
        raise BookingOutcomeUnknown(
            provider, f"HTTP {reply.status} after the booking request was sent"
        )
    return reply


def _never_sent(error: ProviderError) -> bool:
    """Whether the failure happened before the request could leave.

    ``exchange`` raises its errors ``from None``, which keeps the original as the context: a
    timeout with no context came from the deadline check before sending, and a connector
    error means the connection was never opened.
    """
    context = error.__context__
    if isinstance(error, ProviderTimeoutError):
        return context is None
    return isinstance(context, aiohttp.ClientConnectorError)


#: E.164 country calling codes shorter than three digits; every other code has three. The codes
#: are prefix-free, so the first that matches is the one.
_SHORT_CALLING_CODES: Final = frozenset(
    {"1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44"}
    | {"45", "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60"}
    | {"61", "62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93"}
    | {"94", "95", "98"}
)


def split_phone(e164: str) -> tuple[str, str]:
    """``+442071234567`` → ``("44", "2071234567")``; ``("", digits)`` when not E.164."""
    digits = "".join(ch for ch in e164 if ch.isdigit())
    if not e164.startswith("+") or len(digits) < 4:
        return "", digits
    for length in (1, 2):
        if digits[:length] in _SHORT_CALLING_CODES:
            return digits[:length], digits[length:]
    return digits[:3], digits[3:]
