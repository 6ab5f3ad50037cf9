"""What the booking adapters of stays, cars and experiences share.

* ``seller_price`` finds this supplier's ProviderPrice in an offer from a search;
* ``repriced`` is the searched offer with the supplier's price, conditions and expiry of now;
* ``send_booking`` sends a request that may book, and turns a failure after sending (a
  timeout, a dropped connection, a gateway's 5xx) into ``BookingOutcomeUnknown``;
* ``age_on`` reads a traveler's age from a birth date, for suppliers that ask for it;
* ``split_phone`` splits an E.164 number into its country calling code and the rest.

``PriceChangedError`` is raised by ``book`` when the supplier's price is no longer the one the
offer carries: nothing was booked, and the new price must be confirmed first.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import aiohttp
from guidera.v1 import booking_service_pb2, common_pb2, offer_pb2

from guidera_grpc.providers.booking import BookingOutcomeUnknown, OfferUnavailableError
from guidera_grpc.providers.errors import (
    ProviderError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from guidera_grpc.providers.http import Call, Deadline, Reply, exchange

#: Answers that do not say whether the booking was made: the server failed while on it.
AMBIGUOUS_STATUSES: Final = frozenset({500, 502, 504})
#: The first two digits of every three-digit country calling code (ITU-T E.164 zones 2 to 9).
_THREE_DIGIT_CODES: Final = frozenset(
    (
        "21",
        "22",
        "23",
        "24",
        "25",
        "26",
        "29",
        "35",
        "37",
        "38",
        "42",
        "50",
        "59",
        "67",
        "68",
        "69",
        "80",
        "85",
        "87",
        "88",
        "96",
        "97",
        "99",
    )
)


class PriceChangedError(ProviderError):
    """The supplier's price moved since the offer was priced; nothing was booked."""

    code = "PRICE_CHANGED"

    def __init__(self, provider: str, new_total: common_pb2.Money) -> None:
        super().__init__(provider, "the price changed since the offer was priced")
        self.new_total = new_total


def seller_price(offer: offer_pb2.Offer, provider: str) -> common_pb2.ProviderPrice:
    """``provider``'s price in ``offer``; ``OfferUnavailableError`` when it does not sell it."""
    for price in offer.provider_prices:
        if price.provider == provider and price.provider_offer_id:
            return price
    raise OfferUnavailableError(provider, "the offer was not sold by this supplier")


def repriced(offer: offer_pb2.Offer, fresh: offer_pb2.Offer) -> offer_pb2.Offer:
    """``offer`` with ``fresh``'s price, single ProviderPrice, conditions and expiry."""
    result = offer_pb2.Offer()
    result.CopyFrom(offer)
    result.price.CopyFrom(fresh.price)
    del result.provider_prices[:]
    result.provider_prices.append(fresh.provider_prices[0])
    result.conditions.CopyFrom(fresh.conditions)
    if fresh.HasField("expire_time"):
        result.expire_time.CopyFrom(fresh.expire_time)
    else:
        result.ClearField("expire_time")
    return result


def with_price(offer: offer_pb2.Offer, seller: common_pb2.ProviderPrice) -> offer_pb2.Offer:
    """``offer`` sold by ``seller`` alone, at its price and expiry; conditions kept."""
    result = offer_pb2.Offer()
    result.CopyFrom(offer)
    result.price.CopyFrom(seller.price)
    del result.provider_prices[:]
    result.provider_prices.append(seller)
    if seller.HasField("expire_time"):
        result.expire_time.CopyFrom(seller.expire_time)
    return result


async def send_booking(
    session: aiohttp.ClientSession, provider: str, call: Call, deadline: Deadline
) -> Reply:
    """Send a request that may book; any failure after it left us is ``BookingOutcomeUnknown``.

    A connection that could not be opened booked nothing and stays a
    ``ProviderUnavailableError``.
    """
    try:
        reply = await exchange(session, provider, call, deadline)
    except ProviderTimeoutError:
        raise BookingOutcomeUnknown(provider, "no answer to the booking in time") from None
    except ProviderUnavailableError as error:
        if isinstance(error.__context__, aiohttp.ClientConnectorError):
            raise
        raise BookingOutcomeUnknown(provider, f"booking answer lost: {error.message}") from None
    if reply.status in AMBIGUOUS_STATUSES:
        raise BookingOutcomeUnknown(
            provider, f"HTTP {reply.status} while booking", http_status=reply.status
        )
    return reply


def age_on(traveler: booking_service_pb2.Traveler, day: dt.date) -> int | None:
    """The traveler's age on ``day``, or None without a readable birth date."""
    try:
        born = dt.date.fromisoformat(traveler.birth_date)
    except ValueError:
        return None
    had_birthday = (day.month, day.day) >= (born.month, born.day)
    return day.year - born.year - (0 if had_birthday else 1)


def split_phone(e164: str) -> tuple[str, str]:
    """``("33", "612345678")`` from ``"+33612345678"``; ``("", digits)`` when not E.164."""
    digits = "".join(char for char in e164 if char.isdigit())
    if not e164.strip().startswith("+") or len(digits) < 4:
        return "", digits
    if digits[0] in "17":
        size = 1
    elif digits[:2] in _THREE_DIGIT_CODES:
        size = 3
    else:
        size = 2
    return digits[:size], digits[size:]
