"""What every experience normalizer shares: the city searched, ratings, durations, assembly.

Suppliers describe a tour differently but agree on the facts a traveler compares: what it is
called, how long it lasts, how well it is rated, where it starts, when, in which languages, and
what it costs for the party. The helpers here hold those facts once:

* ``Visit`` is what a normalizer needs of the search: the city, the currency, the party;
* the city and a meeting point as ``Place``\\ s, completed from reference data;
* ratings brought to 0–5, durations from a fixed value or a range (its midpoint);
* language tags and time slots;
* the assembly of one experience ``Offer`` with its single ``ProviderPrice``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.common import (
    duration_of,
    format_local_time,
    local_to_utc,
    parse_local_time,
)
from guidera_grpc.reference.airports import lookup_airport, resolve_city
from guidera_grpc.search.params import ExperienceSearch

MAX_RATING = 5.0
MAX_TIME_SLOTS = 100


@dataclass(frozen=True, slots=True)
class Visit:
    """The city searched, the currency asked for, and how many adults take part."""

    city: common_pb2.Place
    currency: str = "EUR"
    adults: int = 1

    @classmethod
    def of(cls, search: ExperienceSearch, adults: int = 1) -> Visit:
        """The visit a search describes; one adult unless told otherwise."""
        return cls(city_place(search.city_code), search.currency, max(1, adults))

    @property
    def time_zone(self) -> str:
        """The city's IANA zone ("" when unknown)."""
        return self.city.time_zone


def city_place(code: str) -> common_pb2.Place:
    """A city as a ``Place`` without coordinates: its IATA city code, name, country and zone.

    An airport code stands for its city (``FCO`` for Rome, ``ROM``), so that every supplier's
    offers in one city carry the same city code.
    """
    key = code.strip().upper()
    airport = lookup_airport(key)
    if airport is None:
        airports = resolve_city(key)
        airport = airports[0] if airports else None
    if airport is None:
        return common_pb2.Place(iata_code=key, city_code=key)
    name = airport.city.split(",")[-1].strip()
    return common_pb2.Place(
        iata_code=airport.city_code,
        name=name,
        city_name=name,
        city_code=airport.city_code,
        country_code=airport.country,
        time_zone=airport.tz,
    )


def meeting_place(
    city: common_pb2.Place, name: str, latitude: float | None, longitude: float | None
) -> common_pb2.Place:
    """Where an experience starts: the city's facts, with a name and coordinates when known."""
    place = common_pb2.Place()
    place.CopyFrom(city)
    place.iata_code = ""
    if name:
        place.name = name
    if latitude is not None and longitude is not None and _on_earth(latitude, longitude):
        place.latitude, place.longitude, place.has_coordinates = latitude, longitude, True
    return place


def rating_of(value: object, scale: float = MAX_RATING) -> float:
    """An average rating on a 0–``scale`` scale brought to 0–5 (two decimals); 0 when unknown."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0.0
    try:
        number = float(value)
    except ValueError:
        return 0.0
    if not math.isfinite(number) or number <= 0 or scale <= 0:
        return 0.0
    return round(min(MAX_RATING, number * MAX_RATING / scale), 2)


def duration_between(low: dt.timedelta, high: dt.timedelta | None = None) -> dt.timedelta:
    """A fixed duration, or the middle of a range (to the minute)."""
    if high is None or high <= low:
        return low
    middle = (low + high) / 2
    return dt.timedelta(minutes=round(middle.total_seconds() / 60))


def language_tags(codes: Iterable[object]) -> list[str]:
    """BCP 47 tags from supplier language codes (``"EN"``, ``"en"``, ``"pt-BR"``), deduplicated."""
    tags: dict[str, None] = {}
    for code in codes:
        if not isinstance(code, str):
            continue
        primary, _, region = code.strip().replace("_", "-").partition("-")
        if not primary.isalpha() or not 2 <= len(primary) <= 3:
            continue
        tag = primary.lower() + (f"-{region.upper()}" if region.isalpha() else "")
        tags.setdefault(tag, None)
    return list(tags)


def time_slot(start: dt.datetime, places_left: int | None = None) -> offer_pb2.TimeSlot:
    """A start time (local, without offset) and the places left when known."""
    slot = offer_pb2.TimeSlot(start_local_time=format_local_time(start))
    if places_left is not None:
        slot.places_left = places_left
    return slot


def first_start(slots: Sequence[offer_pb2.TimeSlot], visit: Visit) -> dt.datetime | None:
    """The UTC instant of the earliest slot, when there is one and the city's zone is known."""
    if not slots:
        return None
    first = min(slot.start_local_time for slot in slots)
    return local_to_utc(parse_local_time(first), visit.time_zone)


def refund_status(refundable: bool | None) -> common_pb2.ConditionStatus.ValueType:
    """Allowed, not allowed, or unspecified when the supplier does not say."""
    if refundable is None:
        return common_pb2.CONDITION_STATUS_UNSPECIFIED
    if refundable:
        return common_pb2.CONDITION_STATUS_ALLOWED
    return common_pb2.CONDITION_STATUS_NOT_ALLOWED


def party_total(amount: Decimal, adults: int, *, per_group: bool) -> Decimal:
    """What the party pays: a per-person price times the adults, a group price once."""
    return amount if per_group else amount * adults


@dataclass(frozen=True, slots=True)
class ExperienceParts:
    """Everything one supplier listing says, ready to become an ``Offer``."""

    provider: str
    provider_offer_id: str
    price: common_pb2.Price
    title: str
    location: common_pb2.Place
    description: str = ""
    duration: dt.timedelta | None = None
    rating: float = 0.0
    review_count: int = 0
    time_slots: Sequence[offer_pb2.TimeSlot] = ()
    languages: Sequence[str] = ()
    conditions: common_pb2.Conditions = field(default_factory=common_pb2.Conditions)


def experience_offer(parts: ExperienceParts) -> offer_pb2.Offer:
    """An ``Offer`` with one ``ProviderPrice`` (this supplier's), no offer id yet."""
    details = offer_pb2.ExperienceDetails(
        title=parts.title,
        description=parts.description,
        rating=parts.rating,
        review_count=max(0, parts.review_count),
        location=parts.location,
        time_slots=sorted(parts.time_slots, key=lambda slot: slot.start_local_time)[
            :MAX_TIME_SLOTS
        ],
        languages=parts.languages,
    )
    if parts.duration is not None and parts.duration > dt.timedelta(0):
        details.duration.CopyFrom(duration_of(parts.duration))
    seller = common_pb2.ProviderPrice(
        provider=parts.provider, price=parts.price, provider_offer_id=parts.provider_offer_id
    )
    return offer_pb2.Offer(
        category=common_pb2.CATEGORY_EXPERIENCES,
        price=parts.price,
        provider_prices=[seller],
        conditions=parts.conditions,
        experience=details,
    )


def _on_earth(latitude: float, longitude: float) -> bool:
    return -90 <= latitude <= 90 and -180 <= longitude <= 180 and (latitude, longitude) != (0, 0)
