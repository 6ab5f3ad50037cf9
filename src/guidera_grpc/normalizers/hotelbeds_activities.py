"""Hotelbeds Activities search (``POST /activity-api/3.0/activities``) → unified ``Offer``\\ s.

Hotelbeds' habits that shape this module: an activity comes in one or more modalities (its
options); the cheapest adult ``amountsFrom`` of a modality is its price, per person unless
``amountUnitType`` is ``SERVICE`` (a price for the whole group); amounts are numbers or decimal
strings in the activity's ``currency``; ``duration`` is ``{value, metric}`` with metric
``MINUTES``, ``HOURS`` or ``DAYS``; every rate detail lists its days (``operationDates``), its
start times (``sessions`` codes such as ``"09:00"``), its languages in upper case and its
cancellation policies (from ``dateFrom``, with an offset, ``amount`` is kept); ``rateClass``
``NRF`` is non-refundable. Hotelbeds publishes no reviews, so ratings stay 0. The meeting point
is in ``content.location.startingPoints`` when given.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.common import (
    Json,
    MissingFieldError,
    as_mapping,
    field_list,
    field_map,
    field_str,
    normalize_each,
    parse_instant,
    price_of,
    required_str,
    top_level,
    top_level_list,
)
from guidera_grpc.normalizers.experiences import (
    ExperienceParts,
    Visit,
    experience_offer,
    first_start,
    language_tags,
    meeting_place,
    party_total,
    refund_status,
    time_slot,
)
from guidera_grpc.normalizers.hotels import PenaltyStep, conditions_of, coordinate
from guidera_grpc.normalizers.money import MoneyError, parse_amount, parse_currency

PROVIDER: Final = "hotelbeds"
_METRIC_MINUTES: Final = {"MINUTES": 1, "HOURS": 60, "DAYS": 1440}
_SESSION: Final = re.compile(r"(\d{1,2}):(\d{2})")
NON_REFUNDABLE_CLASS: Final = "NRF"


@dataclass(frozen=True, slots=True)
class _Modality:
    """The modality an offer is made of, and its adult price."""

    data: Json
    adult_amount: Decimal


def normalize_hotelbeds_activities(
    payload: object, visit: Visit, *, now: dt.datetime | None = None
) -> list[offer_pb2.Offer]:
    """Offers from an activities search answer: one an activity, its cheapest modality."""
    body = top_level(PROVIDER, payload)
    activities = top_level_list(PROVIDER, body, "activities")
    moment = now or dt.datetime.now(dt.UTC)
    return normalize_each(PROVIDER, activities, lambda item: _offer(item, visit, moment))


def _offer(activity: Json, visit: Visit, now: dt.datetime) -> offer_pb2.Offer:
    code = required_str(activity, "code")
    currency = parse_currency(activity.get("currency") or visit.currency)
    modality = _cheapest_modality(activity)
    per_group = field_str(modality.data, "amountUnitType").upper() == "SERVICE"
    total = party_total(modality.adult_amount, visit.adults, per_group=per_group)
    content = field_map(activity, "content")
    details = _rate_details(modality.data)
    slots = [slot for detail in details for slot in _slots(detail)]
    return experience_offer(
        ExperienceParts(
            provider=PROVIDER,
            provider_offer_id=f"{code}|{field_str(modality.data, 'code')}",
            price=price_of(currency, total),
            title=field_str(activity, "name") or required_str(content, "name"),
            description=field_str(content, "description"),
            location=_location(content, visit),
            duration=_duration(field_map(modality.data, "duration"))
            or _duration(field_map(field_map(content, "scheduling"), "duration")),
            time_slots=slots,
            languages=language_tags(
                field_str(as_mapping(language), "code")
                for detail in details
                for language in field_list(detail, "languages")
            ),
            conditions=_conditions(modality.data, details, slots, total, currency, visit, now),
        )
    )


def _cheapest_modality(activity: Json) -> _Modality:
    """The modality with the lowest adult price (the activity's own price as a fallback)."""
    options = []
    for item in field_list(activity, "modalities"):
        modality = as_mapping(item)
        amount = _adult_amount(modality) or _adult_amount(activity)
        if amount is not None:
            options.append(_Modality(modality, amount))
    if not options:
        raise MissingFieldError("modalities.amountsFrom")
    return min(options, key=lambda option: option.adult_amount)


def _rate_details(modality: Json) -> list[Json]:
    return [
        as_mapping(detail)
        for rate in field_list(modality, "rates")
        for detail in field_list(as_mapping(rate), "rateDetails")
    ]


def _adult_amount(owner: Json) -> Decimal | None:
    amounts: list[Decimal] = []
    for item in field_list(owner, "amountsFrom"):
        entry = as_mapping(item)
        if field_str(entry, "paxType").upper() not in ("ADULT", "AD", ""):
            continue
        try:
            amounts.append(parse_amount(entry.get("amount")))
        except MoneyError:
            continue
    positive = [amount for amount in amounts if amount > 0]
    return min(positive) if positive else None


def _duration(duration: Json) -> dt.timedelta | None:
    metric = field_str(duration, "metric").upper()
    value = duration.get("value")
    if metric not in _METRIC_MINUTES or isinstance(value, bool):
        return None
    try:
        amount = float(value) if isinstance(value, int | float | str) else 0.0
    except ValueError:
        return None
    return dt.timedelta(minutes=amount * _METRIC_MINUTES[metric]) if amount > 0 else None


def _slots(detail: Json) -> Iterator[offer_pb2.TimeSlot]:
    """Each operating day at each session time."""
    times = [
        dt.time(int(match[1]), int(match[2]))
        for session in field_list(detail, "sessions")
        if (match := _SESSION.fullmatch(field_str(as_mapping(session), "code")))
        and int(match[1]) < 24
    ]
    for day in _days(detail):
        for start in times:
            yield time_slot(dt.datetime.combine(day, start))


def _days(detail: Json) -> Iterator[dt.date]:
    for item in field_list(detail, "operationDates"):
        dates = as_mapping(item)
        try:
            first = dt.date.fromisoformat(field_str(dates, "from")[:10])
            last = dt.date.fromisoformat((field_str(dates, "to") or field_str(dates, "from"))[:10])
        except ValueError:
            continue
        for offset in range(min((last - first).days, 31) + 1):
            yield first + dt.timedelta(days=offset)


def _conditions(
    modality: Json,
    details: list[Json],
    slots: list[offer_pb2.TimeSlot],
    total: Decimal,
    currency: str,
    visit: Visit,
    now: dt.datetime,
) -> common_pb2.Conditions:
    """The first operating day's cancellation policies, as steps until it starts."""
    rates = [as_mapping(rate) for rate in field_list(modality, "rates")]
    classes = {field_str(rate, "rateClass").upper() for rate in rates} - {""}
    refundable = NON_REFUNDABLE_CLASS not in classes if classes else None
    steps = _first_day_steps(details, total)
    start = first_start(slots, visit)
    if not steps or start is None:
        return common_pb2.Conditions(refund=refund_status(refundable))
    return conditions_of(refundable, steps, start, currency, now)


def _first_day_steps(details: list[Json], total: Decimal) -> list[PenaltyStep]:
    for detail in details:
        for item in field_list(detail, "operationDates"):
            steps = []
            for policy in field_list(as_mapping(item), "cancellationPolicies"):
                entry = as_mapping(policy)
                try:
                    since = parse_instant(field_str(entry, "dateFrom"))
                    amount = parse_amount(entry.get("amount", total))
                except (ValueError, MoneyError):
                    continue
                steps.append(PenaltyStep(since, amount))
            if steps:
                return steps
    return []


def _location(content: Json, visit: Visit) -> common_pb2.Place:
    for item in field_list(field_map(content, "location"), "startingPoints"):
        point = field_map(as_mapping(item), "meetingPoint")
        where = field_map(point, "geolocation")
        lat, lon = coordinate(where.get("latitude")), coordinate(where.get("longitude"))
        if lat is not None and lon is not None:
            return meeting_place(visit.city, field_str(point, "address"), lat, lon)
    return meeting_place(visit.city, "", None, None)
