"""GetYourGuide tours (``GET /1/tours``) and their availabilities → unified ``Offer``\\ s.

GetYourGuide's habits that shape this module: prices are JSON floats that may carry binary
noise (``547.30999999999995``) and are "from" prices, per person unless ``price.description``
says per group; durations are ``[{duration, unit}]`` in minutes, hours or days, two entries
for a range; ``overall_rating`` is out of 5 and 0 with no ratings; coordinates sit under
``coordinates{lat, long}`` and may be absent; the cancellation policy is free text. Start times
come from a separate availabilities call as local times without an offset.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final

from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.common import (
    Json,
    field_int,
    field_list,
    field_map,
    field_str,
    normalize_each,
    parse_local_time,
    price_of,
    required,
    required_str,
    top_level,
    top_level_list,
)
from guidera_grpc.normalizers.experiences import (
    ExperienceParts,
    Visit,
    duration_between,
    experience_offer,
    first_start,
    language_tags,
    meeting_place,
    party_total,
    rating_of,
    refund_status,
    time_slot,
)
from guidera_grpc.normalizers.hotels import PenaltyStep, conditions_of
from guidera_grpc.normalizers.money import parse_amount

PROVIDER: Final = "getyourguide"
CENT: Final = Decimal("0.01")
_UNIT_MINUTES: Final = {
    "minute": 1,
    "minutes": 1,
    "hour": 60,
    "hours": 60,
    "day": 1440,
    "days": 1440,
}
_HOURS_AHEAD: Final = re.compile(r"(\d+)\s*hours?")
_NON_REFUNDABLE: Final = ("non-refundable", "not refundable", "no refund")


def normalize_getyourguide_experiences(
    payload: object,
    visit: Visit,
    *,
    slots: Mapping[str, Sequence[offer_pb2.TimeSlot]] | None = None,
    now: dt.datetime | None = None,
) -> list[offer_pb2.Offer]:
    """Offers from a ``/1/tours`` answer; ``slots`` are start times by tour id, when fetched."""
    body = top_level(PROVIDER, payload)
    tours = top_level_list(PROVIDER, field_map(body, "data"), "tours")
    moment = now or dt.datetime.now(dt.UTC)
    return normalize_each(PROVIDER, tours, lambda tour: _offer(tour, visit, (slots or {}), moment))


def getyourguide_time_slots(payload: object) -> list[offer_pb2.TimeSlot]:
    """The start times of a ``/1/tours/{id}/availabilities`` answer; unreadable ones dropped."""
    body = top_level(PROVIDER, payload)
    found: list[offer_pb2.TimeSlot] = []
    for item in field_list(field_map(body, "data"), "availabilities"):
        entry = item if isinstance(item, dict) else {}
        start = field_str(entry, "start_time")
        vacancies = field_int(entry, "vacancies")
        if not start or vacancies == 0:
            continue
        try:
            found.append(time_slot(parse_local_time(start), vacancies))
        except ValueError:
            continue
    return found


def tour_ids(payload: object) -> list[str]:
    """The tour ids of a ``/1/tours`` answer, in order."""
    body = top_level(PROVIDER, payload)
    tours = field_list(field_map(body, "data"), "tours")
    return [field_str(tour, "tour_id") for tour in tours if isinstance(tour, dict)]


def _offer(
    tour: Json,
    visit: Visit,
    slots: Mapping[str, Sequence[offer_pb2.TimeSlot]],
    now: dt.datetime,
) -> offer_pb2.Offer:
    tour_id = required_str(tour, "tour_id")
    price = field_map(tour, "price")
    amount = parse_amount(required(field_map(price, "values"), "amount")).quantize(CENT)
    per_group = "group" in field_str(price, "description").casefold()
    total = party_total(amount, visit.adults, per_group=per_group)
    starts = list(slots.get(tour_id, ()))
    return experience_offer(
        ExperienceParts(
            provider=PROVIDER,
            provider_offer_id=tour_id,
            price=price_of(visit.currency, total),
            title=required_str(tour, "title"),
            description=field_str(tour, "abstract") or field_str(tour, "description"),
            location=_location(tour, visit),
            duration=_duration(field_list(tour, "durations")),
            rating=rating_of(tour.get("overall_rating")),
            review_count=field_int(tour, "number_of_ratings") or 0,
            time_slots=starts,
            languages=language_tags(field_list(tour, "cond_language")),
            conditions=_conditions(
                field_str(tour, "cancellation_policy_text"), starts, total, visit, now
            ),
        )
    )


def _location(tour: Json, visit: Visit) -> common_pb2.Place:
    coordinates = field_map(tour, "coordinates")
    point = next(
        (
            field_str(place, "name")
            for place in field_list(tour, "locations")
            if isinstance(place, dict) and field_str(place, "type") == "POI"
        ),
        "",
    )
    return meeting_place(
        visit.city, point, _number(coordinates.get("lat")), _number(coordinates.get("long"))
    )


def _duration(entries: list[object]) -> dt.timedelta | None:
    """The duration, or the middle of a range when GetYourGuide gives two."""
    minutes: list[float] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        unit = field_str(entry, "unit").casefold()
        value = _number(entry.get("duration"))
        if unit in _UNIT_MINUTES and value is not None and value > 0:
            minutes.append(value * _UNIT_MINUTES[unit])
    if not minutes:
        return None
    return duration_between(dt.timedelta(minutes=min(minutes)), dt.timedelta(minutes=max(minutes)))


def _conditions(
    policy: str,
    starts: Sequence[offer_pb2.TimeSlot],
    total: Decimal,
    visit: Visit,
    now: dt.datetime,
) -> common_pb2.Conditions:
    """Free cancellation up to some hours before the start, or none; the text kept as notes."""
    text = policy.casefold()
    refundable: bool | None = None
    if any(phrase in text for phrase in _NON_REFUNDABLE):
        refundable = False
    elif "refund" in text:
        refundable = True
    hours = _HOURS_AHEAD.search(text)
    start = first_start(starts, visit)
    if refundable and hours and start is not None:
        free_until = start - dt.timedelta(hours=int(hours.group(1)))
        conditions = conditions_of(
            True, [PenaltyStep(free_until, total)], start, visit.currency, now
        )
    else:
        conditions = common_pb2.Conditions(refund=refund_status(refundable))
    conditions.notes = policy
    return conditions


def _number(value: object) -> float | None:
    """A JSON number, or a number written as text; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None
