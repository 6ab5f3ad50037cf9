"""What every hotel normalizer shares: the stay asked for, boards, places, prices, penalties.

Suppliers price a stay differently but the facts are the same: a total the traveler pays, the
taxes and fees inside it, what is left to pay at the property, the meal plan, and until when
cancelling is free and what it costs afterwards. The helpers here hold those facts once:

* ``Stay`` is the search a normalizer needs (dates, rooms, the city's time zone);
* boards from Hotelbeds codes, Amadeus board types and Expedia amenity names;
* the property as a ``Place`` completed from reference data (city, country, time zone);
* a ``Price`` of hotel parts, and ``Conditions`` from a supplier's penalty steps;
* the assembly of one hotel ``Offer`` with its single ``ProviderPrice``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, TypeAlias

from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.common import (
    OFFER_ERRORS,
    Json,
    MissingFieldError,
    as_mapping,
    timestamp_of,
    zone,
)
from guidera_grpc.normalizers.money import to_money
from guidera_grpc.reference.airports import resolve_city
from guidera_grpc.search.params import HotelSearch, RoomSpec

logger = logging.getLogger(__name__)

Board: TypeAlias = offer_pb2.Board.ValueType

#: Hotelbeds board codes, with the Spanish ones some contracts still use.
HOTELBEDS_BOARDS: Final[dict[str, Board]] = {
    "RO": offer_pb2.BOARD_ROOM_ONLY,
    "SA": offer_pb2.BOARD_ROOM_ONLY,
    "BB": offer_pb2.BOARD_BREAKFAST,
    "AD": offer_pb2.BOARD_BREAKFAST,
    "CB": offer_pb2.BOARD_BREAKFAST,
    "HB": offer_pb2.BOARD_HALF_BOARD,
    "MP": offer_pb2.BOARD_HALF_BOARD,
    "FB": offer_pb2.BOARD_FULL_BOARD,
    "PC": offer_pb2.BOARD_FULL_BOARD,
    "AI": offer_pb2.BOARD_ALL_INCLUSIVE,
    "TI": offer_pb2.BOARD_ALL_INCLUSIVE,
}
AMADEUS_BOARDS: Final[dict[str, Board]] = {
    "ROOM_ONLY": offer_pb2.BOARD_ROOM_ONLY,
    "BREAKFAST": offer_pb2.BOARD_BREAKFAST,
    "HALF_BOARD": offer_pb2.BOARD_HALF_BOARD,
    "FULL_BOARD": offer_pb2.BOARD_FULL_BOARD,
    "ALL_INCLUSIVE": offer_pb2.BOARD_ALL_INCLUSIVE,
}
#: Words in an Expedia amenity name, the richest plan first.
_AMENITY_BOARDS: Final = (
    ("all inclusive", offer_pb2.BOARD_ALL_INCLUSIVE),
    ("full board", offer_pb2.BOARD_FULL_BOARD),
    ("half board", offer_pb2.BOARD_HALF_BOARD),
    ("breakfast", offer_pb2.BOARD_BREAKFAST),
)
CHECK_IN_CUTOFF: Final = dt.time(23, 59)


@dataclass(frozen=True, slots=True)
class Stay:
    """What a hotel normalizer needs of the search: dates, rooms, the city and its zone."""

    check_in: dt.date
    check_out: dt.date
    rooms: tuple[RoomSpec, ...]
    city_code: str = ""
    time_zone: str = ""

    @classmethod
    def of(cls, search: HotelSearch) -> Stay:
        """The stay of a search, with the city's time zone from reference data."""
        airports = resolve_city(search.city_code)
        city = airports[0].city_code if airports else search.city_code
        return cls(
            search.check_in,
            search.check_out,
            search.rooms,
            city,
            airports[0].tz if airports else "",
        )

    def check_in_deadline(self, like: dt.datetime | None = None) -> dt.datetime:
        """The end of the check-in day: in the city's zone, else in ``like``'s offset, else UTC."""
        tz: dt.tzinfo = zone(self.time_zone) or (like.tzinfo if like and like.tzinfo else dt.UTC)
        return dt.datetime.combine(self.check_in, CHECK_IN_CUTOFF, tzinfo=tz)


def board_from_amenities(names: Iterable[str]) -> Board:
    """The meal plan an Expedia rate's amenity names describe; room only when none does."""
    text = " ".join(name.casefold() for name in names)
    return next(
        (board for word, board in _AMENITY_BOARDS if word in text), offer_pb2.BOARD_ROOM_ONLY
    )


def stars_from_text(text: str) -> float:
    """A star rating from ``"4.5"``, ``"4EST"``, ``"HS2"`` or ``"4 STARS"``; 0 when none."""
    digits = [char for char in text if char.isdigit()]
    try:
        value = float(text)
    except ValueError:
        return float(digits[0]) if digits else 0.0
    return value if 0 <= value <= 7 else 0.0


@dataclass(frozen=True, slots=True)
class PropertyFacts:
    """What a supplier says about a property."""

    name: str
    city_code: str = ""
    city_name: str = ""
    country_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    address_lines: Sequence[str] = ()
    postal_code: str = ""


def property_place(facts: PropertyFacts, stay: Stay) -> common_pb2.Place:
    """The property as a ``Place``; city, country and time zone from reference data if missing."""
    airports = resolve_city(facts.city_code or stay.city_code)
    city = airports[0] if airports else None
    place = common_pb2.Place(
        name=facts.name,
        city_code=(city.city_code if city else facts.city_code).upper(),
        city_name=facts.city_name or (city.city if city else ""),
        country_code=(facts.country_code or (city.country if city else "")).upper(),
        time_zone=city.tz if city else stay.time_zone,
        address_lines=[line for line in facts.address_lines if line],
        postal_code=facts.postal_code,
    )
    if facts.latitude is not None and facts.longitude is not None:
        place.latitude, place.longitude, place.has_coordinates = (
            facts.latitude,
            facts.longitude,
            True,
        )
    return place


def coordinate(value: object) -> float | None:
    """A latitude or longitude given as a number or as text; None when absent or unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) else None
    except ValueError:
        return None
    return number if number is not None and -180 <= number <= 180 else None


@dataclass(frozen=True, slots=True)
class PriceParts:
    """A hotel price in one currency; ``None`` parts are unknown, not zero."""

    currency: str
    total: Decimal
    base: Decimal | None = None
    taxes: Decimal | None = None
    fees: Decimal | None = None
    on_site: Decimal | None = None
    on_site_currency: str = ""
    display: tuple[Decimal, str] | None = None


def hotel_price(parts: PriceParts) -> common_pb2.Price:
    """The ``Price``: total and what is known of base, taxes and fees; on-site amounts apart."""
    price = common_pb2.Price(total=to_money(parts.total, parts.currency))
    base = parts.base
    if base is None and parts.taxes is not None:
        base = parts.total - parts.taxes - (parts.fees or Decimal(0))
    for name, amount in (("base", base), ("taxes", parts.taxes), ("fees", parts.fees)):
        if amount is not None:
            getattr(price, name).CopyFrom(to_money(amount, parts.currency))
    if parts.on_site:
        on_site_currency = parts.on_site_currency or parts.currency
        price.payable_on_site.CopyFrom(to_money(parts.on_site, on_site_currency))
    if parts.display is not None and parts.display[1] != parts.currency:
        price.display_total.CopyFrom(to_money(*parts.display))
    return price


@dataclass(frozen=True, slots=True, order=True)
class PenaltyStep:
    """From ``start`` on, cancelling costs ``amount``."""

    start: dt.datetime
    amount: Decimal


def add_steps(*policies: Sequence[PenaltyStep]) -> list[PenaltyStep]:
    """Several rooms' penalty steps as one: at each start, the sum of what each room costs."""
    starts = sorted({step.start for policy in policies for step in policy})
    return [
        PenaltyStep(start, sum((_cost_at(policy, start) for policy in policies), Decimal(0)))
        for start in starts
    ]


def _cost_at(policy: Sequence[PenaltyStep], moment: dt.datetime) -> Decimal:
    due = [step.amount for step in sorted(policy) if step.start <= moment]
    return due[-1] if due else Decimal(0)


def conditions_of(
    refundable: bool | None,
    steps: Sequence[PenaltyStep],
    end: dt.datetime,
    currency: str,
    now: dt.datetime,
) -> common_pb2.Conditions:
    """Refund status and cancellation deadlines from penalty steps that run until ``end``.

    A refundable rate is refundable for free while its first penalty has not started, with
    the first penalty once it has; a rate the supplier says is not refundable is not, whatever
    its steps; one the supplier says nothing about stays unspecified. Each deadline holds the
    penalty that applies until it: a zero one while cancelling is free, then each step's
    amount until the next step or ``end``.
    """
    ordered = sorted(step for step in steps if step.amount >= 0)
    conditions = common_pb2.Conditions()
    if ordered and ordered[0].start > now:
        conditions.cancellation_deadlines.append(_deadline(ordered[0].start, Decimal(0), currency))
    for index, step in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        until = following.start if following is not None else max(end, step.start)
        conditions.cancellation_deadlines.append(_deadline(until, step.amount, currency))
    conditions.refund = _refund_status(refundable, ordered, now)
    if conditions.refund == common_pb2.CONDITION_STATUS_ALLOWED_WITH_PENALTY:
        current = [step for step in ordered if step.start <= now][-1]
        conditions.refund_penalty.CopyFrom(to_money(current.amount, currency))
    return conditions


def _refund_status(
    refundable: bool | None, ordered: Sequence[PenaltyStep], now: dt.datetime
) -> common_pb2.ConditionStatus.ValueType:
    if refundable is None:
        return common_pb2.CONDITION_STATUS_UNSPECIFIED
    if not refundable:
        return common_pb2.CONDITION_STATUS_NOT_ALLOWED
    started = [step for step in ordered if step.start <= now]
    if not started or started[-1].amount == 0:
        return common_pb2.CONDITION_STATUS_ALLOWED
    return common_pb2.CONDITION_STATUS_ALLOWED_WITH_PENALTY


def _deadline(
    until: dt.datetime, amount: Decimal, currency: str
) -> common_pb2.CancellationDeadline:
    return common_pb2.CancellationDeadline(
        deadline_time=timestamp_of(until), penalty=to_money(amount, currency)
    )


def room_of(spec: RoomSpec, name: str, board: Board, description: str = "") -> offer_pb2.Room:
    """One room of an offer, for the guests of ``spec``."""
    return offer_pb2.Room(
        name=name,
        description=description,
        board=board,
        adults=spec.adults,
        child_ages=list(spec.child_ages),
    )


@dataclass(frozen=True, slots=True)
class HotelParts:
    """Everything one supplier rate says, ready to become an ``Offer``."""

    provider: str
    provider_offer_id: str
    price: common_pb2.Price
    place: common_pb2.Place
    stay: Stay
    rooms: Sequence[offer_pb2.Room]
    conditions: common_pb2.Conditions
    chain: str = ""
    star_rating: float = 0.0
    review_score: float = 0.0
    recheck_required: bool = False
    expire_time: dt.datetime | None = None


def hotel_offer(parts: HotelParts) -> offer_pb2.Offer:
    """An ``Offer`` with one ``ProviderPrice`` (this supplier's), no offer id yet."""
    details = offer_pb2.HotelDetails(
        property=parts.place,
        chain=parts.chain,
        star_rating=parts.star_rating,
        review_score=parts.review_score,
        check_in_date=parts.stay.check_in.isoformat(),
        check_out_date=parts.stay.check_out.isoformat(),
        rooms=parts.rooms,
        recheck_required=parts.recheck_required,
    )
    seller = common_pb2.ProviderPrice(
        provider=parts.provider, price=parts.price, provider_offer_id=parts.provider_offer_id
    )
    offer = offer_pb2.Offer(
        category=common_pb2.CATEGORY_HOTELS,
        price=parts.price,
        provider_prices=[seller],
        conditions=parts.conditions,
        hotel=details,
    )
    if parts.expire_time is not None:
        expiry = timestamp_of(parts.expire_time)
        offer.expire_time.CopyFrom(expiry)
        offer.provider_prices[0].expire_time.CopyFrom(expiry)
    return offer


def normalize_hotels(
    provider: str,
    items: Iterable[object],
    build: Callable[[Json], list[offer_pb2.Offer]],
    id_key: str,
) -> list[offer_pb2.Offer]:
    """Run ``build`` on each hotel; one that cannot be read is skipped and logged."""
    offers: list[offer_pb2.Offer] = []
    for index, item in enumerate(items):
        hotel = as_mapping(item)
        try:
            offers.extend(build(hotel))
        except OFFER_ERRORS as error:
            reason = f"missing {error}" if isinstance(error, MissingFieldError) else repr(error)
            logger.warning(
                "skipped a hotel that could not be normalized",
                extra={
                    "fields": {
                        "provider": provider,
                        "index": index,
                        "hotel_id": str(hotel.get(id_key, "")),
                        "reason": reason,
                    }
                },
            )
    return offers
